// Exports and reports against clients that stop reading (issue 19, item 4):
// a stalled or trickling reader is closed within the documented 60 s, its
// slot is freed with it, a reader that goes away frees its slot at once, and
// the export's read snapshot does not keep the WAL from being checkpointed
// while the client stalls. docs/store.md, "Reports and exports".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemon, agent, sqlite } from './lib.mjs';

const ROWS = 150000; // about 45 MB of CSV: far more than the socket buffers hold
const CONFIG = { note_retention_days: 3650 }; // nothing to erase: no writes at start
let d, db;

before(async () => {
  const first = await startDaemon({ config: CONFIG });
  db = join(first.dir, 'vegvisar.db');
  await first.stop();
  const now = Date.now();
  sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang, rules_version, path, facts, outcome, category, note)
    SELECT 'old-' || i, ${now - 86400000} + i, ${now - 86400000} + i, 'phone', 'no', 'nb', 'x', '[]', '{}', 'resolved', 'login',
           printf('%.200c', 'n') FROM n`);
  d = await startDaemon({ dir: first.dir, tokens: first.tokens, config: CONFIG });
  await d.waitForLog(/integrity check ok/, 'the integrity check');
});
after(async () => {
  await d.stop();
  d.cleanup();
});

// GET path on a raw socket; onData decides how the client reads.
function reader(path, onData = () => {}) {
  const s = net.connect(d.port, '127.0.0.1');
  s.got = 0;
  s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${d.tokens.supervisor}\r\n\r\n`));
  s.on('data', (b) => { s.got += b.length; onData(s, b); });
  s.on('error', () => {});
  return s;
}

function status(path) {
  return fetch(`${d.url}${path}`, { headers: { Authorization: `Bearer ${d.tokens.supervisor}` } })
    .then(async (r) => ({ status: r.status, body: await r.text() }));
}

function walSize() {
  try { return statSync(`${db}-wal`).size; } catch { return 0; }
}

test('a reader that goes away frees its slot at once; a fifth export is refused only while four run', async () => {
  const gone = [];
  for (let i = 0; i < 4; i++) gone.push(reader('/api/v1/contacts.csv', (s) => { if (s.got >= 519) s.pause(); }));
  await sleep(1500);
  assert.equal((await status('/api/v1/report')).status, 503, 'four exports running: the fifth waits');
  for (const s of gone) s.destroy();
  const t0 = Date.now();
  let r;
  do r = await status('/api/v1/report'); while (r.status === 503 && Date.now() - t0 < 3000 && !(await sleep(100)));
  assert.equal(r.status, 200, `after the readers went away: ${r.status} ${r.body.slice(0, 100)}`);
  assert.ok(Date.now() - t0 < 3000, `slots freed after ${Date.now() - t0} ms`);
});

test('while an export stalls, writes are checkpointed: the WAL stays small', async () => {
  const stalled = reader('/api/v1/contacts.csv', (s) => { if (s.got >= 519) s.pause(); });
  await sleep(3000); // the query has read everything it will read; the client reads nothing
  const before = walSize();
  const a = await agent(d);
  for (let i = 0; i < 1500; i++) {
    const step = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
    const logged = await a.request({ type: 'finish', session: step.session, key: `wal-${i}`, outcome: 'abandoned' });
    assert.equal(logged.type, 'logged', JSON.stringify(logged));
  }
  await a.close();
  const wal = walSize();
  // 1,500 commits write far more than the 4 MB at which SQLite checkpoints
  // (about 30 MB here when a reader pins the WAL, issue 19 saw 438 MB);
  // checkpointed, the WAL file is reused from its start.
  assert.ok(wal < 12 * 1024 * 1024, `WAL ${(wal / 1048576).toFixed(1)} MB (was ${(before / 1048576).toFixed(1)} MB) while an export stalled`);
  stalled.destroy();
});

test('a stalled reader and a trickling one are closed within 60 s, and their slots are freed', { timeout: 120000 }, async () => {
  const mark = d.log.length;
  const t0 = Date.now();
  const stalled = reader('/api/v1/contacts.csv', (s) => { if (s.got >= 519) s.pause(); });
  // Takes about 2 KiB a second: enough to move a 16 KiB piece now and then,
  // far less than the 256 KiB a minute a client must take.
  const trickle = reader('/api/v1/contacts.ndjson', (s) => s.pause());
  const timer = setInterval(() => { trickle.resume(); setTimeout(() => trickle.pause(), 1); }, 1000);
  try {
    // Earlier tests logged such lines too: count only the new ones.
    let closed;
    do {
      closed = d.log.slice(mark).filter((l) => /export stopped after \d+ rows: the reader went away/.test(l)).length;
      if (closed < 2) await sleep(500);
    } while (closed < 2 && Date.now() - t0 < 75000);
    const secs = (Date.now() - t0) / 1000;
    assert.equal(closed, 2, `both readers closed after ${secs} s`);
    assert.ok(secs >= 55 && secs < 70, `closed after ${secs} s, documented 60 s (+1 s tick)`);
    assert.equal((await status('/api/v1/report')).status, 200, 'the slots are free again');
  } finally {
    clearInterval(timer);
    stalled.destroy();
    trickle.destroy();
  }
});

test('a report the store cannot answer is a 5xx with a reason, not 200', async () => {
  // A store file that vanished under the daemon: the reader cannot open it.
  const other = await startDaemon({ config: CONFIG });
  try {
    sqlite(join(other.dir, 'vegvisar.db'), 'SELECT 1');
    const { rmSync } = await import('node:fs');
    rmSync(join(other.dir, 'vegvisar.db'));
    const r = await fetch(`${other.url}/api/v1/report`, { headers: { Authorization: `Bearer ${other.tokens.supervisor}` } });
    const body = await r.json();
    assert.ok(r.status >= 500, `status ${r.status}`);
    assert.match(body.error, /store|report/);
  } finally {
    await other.stop();
    other.cleanup();
  }
});
