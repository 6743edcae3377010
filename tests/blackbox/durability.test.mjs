// Durability: many concurrent finishes, kill -9 in the middle, restart:
// every key that got "logged" is in the store exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { startDaemon, agent, sqlite, assertStoredOnce } from './lib.mjs';

const CLIENTS = 16;
const PER_CLIENT = 40;

// One agent connection finishing contacts back to back, without waiting
// for each "logged" before sending the next finish.
async function finishMany(d, n, prefix, acked, stopAt, sessions) {
  const a = await agent(d);
  const inflight = [];
  for (let i = 0; i < n; i++) {
    const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', facts: { on_behalf: 'self', topic: 'digital_post' } }).catch(() => null);
    if (!s || s.type !== 'step') break;
    const key = `${prefix}-${i}`;
    sessions.set(key, s.session);
    inflight.push(a.request({ type: 'finish', session: s.session, key, outcome: 'resolved' }).then((r) => {
      if (r.type === 'logged') {
        acked.set(key, r.contact);
        if (acked.size === stopAt) d.proc.kill('SIGKILL');
      }
    }));
  }
  await Promise.race([Promise.all(inflight), a.closed]);
}

test('kill -9 during concurrent finishes loses no acknowledged contact and doubles none', async () => {
  const d = await startDaemon();
  const acked = new Map();
  const sessions = new Map(); // key → the session it finished
  const total = CLIENTS * PER_CLIENT;
  const workers = [];
  for (let c = 0; c < CLIENTS; c++) workers.push(finishMany(d, PER_CLIENT, `c${c}`, acked, Math.floor(total / 2), sessions));
  await Promise.race([Promise.all(workers), d.exited]);
  const { signal } = await d.exited;
  assert.equal(signal, 'SIGKILL', 'the daemon was killed mid-run');
  assert.ok(acked.size >= total / 2, `at least half acknowledged before the kill (${acked.size})`);
  assert.ok(acked.size < total, 'the kill came before everything was acknowledged');

  // Restart on the same store: it must open cleanly and hold every acknowledged key once.
  const d2 = await startDaemon({ dir: d.dir, tokens: d.tokens });
  const db = `${d.dir}/vegvisar.db`;
  assertStoredOnce(db, acked);

  // The restarted daemon keeps logging, and an old key is recognised: the
  // session that used it, restored from the client's record, gets the same
  // contact; any other session gets a conflict that does not name it.
  const a = await agent(d2);
  const [firstKey, firstId] = acked.entries().next().value;
  const restored = await a.request({ type: 'resume', session: sessions.get(firstKey),
    restore: { country: 'no', channel: 'phone', lang: 'nb', facts: { on_behalf: 'self', topic: 'digital_post' }, steps: [] } });
  assert.equal(restored.type, 'step', JSON.stringify(restored));
  let r = await a.request({ type: 'finish', session: restored.session, key: firstKey, outcome: 'resolved' });
  assert.equal(r.contact, firstId, 'the same key after a restart returns the first contact');
  assert.equal(r.duplicate, true);
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  r = await a.request({ type: 'finish', session: s.session, key: firstKey, outcome: 'resolved' });
  assert.equal(r.code, 'conflict', JSON.stringify(r));
  // The message names the key (whose digits may match the id by chance),
  // never the contact the key belongs to.
  assert.doesNotMatch(r.message.replace(firstKey, ''), new RegExp(`\\b${firstId}\\b`), r.message);
  r = await a.request({ type: 'finish', session: s.session, key: 'after-restart-1', outcome: 'resolved' });
  assert.equal(r.type, 'logged', 'the other session finishes with a new key');
  await a.close();
  await d2.stop();
  d2.cleanup();
});

test('SIGTERM commits what is queued, then exits 0', async () => {
  const d = await startDaemon();
  const a = await agent(d);
  const s = await a.request({ type: 'start', country: 'no', channel: 'desk', lang: 'en' });
  const r = await a.request({ type: 'finish', session: s.session, key: 'term-1', outcome: 'resolved' });
  assert.equal(r.type, 'logged');
  const closed = a.closed;
  const { code } = await d.stop();
  assert.equal(code, 0);
  await closed;
  assert.ok(d.log.some((l) => /stopping/.test(l)), 'the daemon says it is stopping');
  assert.equal(sqlite(`${d.dir}/vegvisar.db`, "select count(*) as n from contacts where key='term-1'")[0].n, 1);
  d.cleanup();
});

// A store whose pages are damaged, with its header and schema intact: the
// daemon starts anyway (the page-by-page check runs after READY), /healthz
// says why it is unhealthy, a finish is refused as unavailable, and triage
// goes on.
test('a store that fails its integrity check: the daemon serves, /healthz is 503, finish is unavailable', async () => {
  const d0 = await startDaemon();
  await d0.stop();
  const db = `${d0.dir}/vegvisar.db`;
  // Old contacts, so that nothing at start (the live statistics of the last
  // 24 hours) reads the damaged pages and only the check finds them.
  sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
    INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang, rules_version,
      path, facts, outcome, on_behalf)
    SELECT 'old-' || i, 1600000000000 + i, 1600000090000 + i, 'phone', 'no', 'nb', 'v1',
      '["who"]', '{"on_behalf":"self"}', 'resolved', 'self' FROM n;
    PRAGMA wal_checkpoint(TRUNCATE);`);
  const [{ root, size }] = sqlite(db,
    "SELECT rootpage AS root, (SELECT page_size FROM pragma_page_size) AS size FROM sqlite_schema WHERE name = 'contacts'");
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (root - 1) * size);
  closeSync(fd);

  const d = await startDaemon({ dir: d0.dir, tokens: d0.tokens });
  try {
    await d.waitForLog(/integrity check failed/, 'the check to report the damage');
    const health = await fetch(`${d.url}/healthz`);
    assert.equal(health.status, 503, '/healthz is unhealthy');
    const body = await health.json();
    assert.match(body.error, /failed its integrity check .*restore it from a backup/, JSON.stringify(body));

    const a = await agent(d);
    const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
    assert.equal(s.type, 'step', `start on a damaged store: ${JSON.stringify(s)}`);
    const n = await a.request({ type: 'answer', session: s.session, value: 'self' });
    assert.equal(n.type, 'step', `answer on a damaged store: ${JSON.stringify(n)}`);
    for (const key of ['damaged-1', 'damaged-2']) {
      const r = await a.request({ type: 'finish', session: s.session, key, outcome: 'resolved' });
      assert.equal(r.code, 'unavailable', `a finish on a damaged store: ${JSON.stringify(r)}`);
      assert.match(r.message, /integrity check failed.*nothing was logged/);
    }
    assert.equal((await fetch(`${d.url}/healthz`)).status, 503, 'still unhealthy');
    const reported = d.log.filter((l) => /integrity check failed \(/.test(l) && /^<3>/.test(l));
    assert.equal(reported.length, 1, `the damage is logged once as an error:\n${d.log.join('\n')}`);
    await a.close();
    const { code } = await d.stop();
    assert.equal(code, 0);
  } finally {
    await d.stop();
    d.cleanup();
  }
});
