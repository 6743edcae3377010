// Shutdown under load (issue 18, docs/architecture.md "Shutdown order"):
// SIGTERM while agents are mid-walk, finishes are in flight, an export is
// streaming to a reader that stopped reading, and a handoff is in the outbox
// on its way to a peer that takes the request and never answers. The daemon
// exits 0 within systemd's TimeoutStopSec, every contact it acknowledged is
// in the file once, the handoff stays due for the next start, the export's
// reader is closed rather than left hanging, and - when VEGVISARD is the
// sanitizer build (make SANITIZE=address,undefined, .ci/run's third pass) -
// LeakSanitizer finds nothing: every thread was joined and everything freed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDaemon, agent, sqlite, assertStoredOnce, BIN } from './lib.mjs';

// The sanitizer build carries ASan's runtime; then leaks must be looked for
// (CI sets detect_leaks=1 already; a run by hand gets it here too: the
// daemon inherits this environment, and a later option wins).
const ASAN = readFileSync(BIN).includes('__asan_init');
if (ASAN) process.env.ASAN_OPTIONS = [process.env.ASAN_OPTIONS, 'detect_leaks=1'].filter(Boolean).join(':');

const ROWS = 60000; // about 20 MB of CSV: more than the socket buffers hold
const AGENTS = 8;
const PER_AGENT = 40;
const STOP_AT = 60; // SIGTERM once this many finishes are acknowledged
const STOP_WITHIN_MS = 30000; // systemd/vegvisard.service, TimeoutStopSec

// A peer desk that takes the handoff's request and never answers it.
const requests = [];
let requested;
const gotRequest = new Promise((ok) => { requested = ok; });
const silent = createServer((req) => { requests.push(req); req.resume(); requested(); });
after(() => {
  silent.closeAllConnections();
  silent.close();
});

// Walk the fixture tree to a result and refer the caller to the bank, with
// consent: a handoff row in the outbox.
async function refer(a, key) {
  let s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  for (const v of ['self', 'login', 'bankid', 'lost_or_stolen'])
    s = await a.request({ type: 'answer', session: s.session, value: v });
  assert.ok(s.result, `the walk ends at a result: ${JSON.stringify(s)}`);
  return a.request({ type: 'finish', session: s.session, key, outcome: 'referred', destination: 'no.bank',
    referral_reason: 'wrong_agency', consent: true, note: 'Ring etter kl 12' });
}

// One agent finishing contacts back to back without waiting for "logged";
// the stop comes from onAck. Ends when all are answered or the socket goes.
async function finishMany(d, prefix, acked, onAck) {
  const a = await agent(d);
  const inflight = [];
  for (let i = 0; i < PER_AGENT; i++) {
    const s = await Promise.race([
      a.request({ type: 'start', country: 'no', channel: 'chat', lang: 'nb' }), a.closed]);
    if (!s || s.type !== 'step') break;
    const key = `${prefix}-${i}`;
    inflight.push(a.request({ type: 'finish', session: s.session, key, outcome: 'resolved' }).then((r) => {
      if (r.type === 'logged') {
        acked.set(key, r.contact);
        onAck();
      }
    }));
  }
  await Promise.race([Promise.all(inflight), a.closed]);
}

// GET path on a raw socket that reads the first piece and then nothing.
function stalledReader(d, path) {
  const s = net.connect(d.port, '127.0.0.1');
  s.got = 0;
  s.ended = new Promise((ok) => s.on('close', ok));
  s.first = new Promise((ok) => s.once('data', ok));
  s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${d.tokens.supervisor}\r\n\r\n`));
  s.on('data', (b) => { s.got += b.length; if (!s.draining) s.pause(); });
  s.on('error', () => {});
  return s;
}

test('SIGTERM under load: exit 0, every acknowledged contact stored once, the handoff still due, no leak', { timeout: 180000 }, async (t) => {
  await new Promise((ok) => silent.listen(0, '127.0.0.1', ok));
  const config = {
    desk: 'desk-a',
    note_retention_days: 3650, // no erasing at start: the store is quiet
    peers: [{ destination: 'no.bank', url: `http://127.0.0.1:${silent.address().port}/api/v1/handoffs`,
      secret: randomBytes(32).toString('hex') }],
    // Long enough that the request is still waiting when SIGTERM comes.
    delivery: { connect_timeout_ms: 5000, timeout_ms: 120000 },
  };
  const first = await startDaemon({ config });
  await first.stop();
  const db = join(first.dir, 'vegvisar.db');
  const now = Date.now();
  sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS})
    INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang, rules_version, path, facts, outcome, category, note)
    SELECT 'old-' || i, ${now - 86400000} + i, ${now - 86400000} + i, 'phone', 'no', 'nb', 'x', '[]', '{}', 'resolved', 'login',
           printf('%.200c', 'n') FROM n`);
  const d = await startDaemon({ dir: first.dir, tokens: first.tokens, config });
  try {
    // A handoff on its way: the peer has the request and says nothing.
    const referrer = await agent(d);
    const referred = await refer(referrer, 'handoff-1');
    assert.equal(referred.type, 'logged', JSON.stringify(referred));
    await Promise.race([gotRequest, d.exited.then(() => assert.fail('the daemon exited before the handoff went out')),
      new Promise((_, fail) => setTimeout(() => fail(new Error(`the peer never got the handoff:\n${d.log.join('\n')}`)), 30000).unref())]);

    // An export streaming to a reader that stopped reading.
    const reader = stalledReader(d, '/api/v1/contacts.csv');
    const head = String(await reader.first);
    assert.match(head, /^HTTP\/1\.1 200/, 'the export started');

    // Agents in the middle of a walk, who will not finish.
    const walking = [];
    for (let i = 0; i < 4; i++) {
      const a = await agent(d);
      const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
      const n = await a.request({ type: 'answer', session: s.session, value: 'self' });
      assert.equal(n.type, 'step', JSON.stringify(n));
      walking.push(a);
    }

    // Finishes in flight; SIGTERM while they still come.
    const acked = new Map();
    let termAt = 0;
    const onAck = () => {
      if (acked.size === STOP_AT && !termAt) {
        termAt = Date.now();
        d.proc.kill('SIGTERM');
      }
    };
    const workers = [];
    for (let i = 0; i < AGENTS; i++) workers.push(finishMany(d, `a${i}`, acked, onAck));
    await Promise.race([Promise.all(workers), d.exited]);
    assert.ok(termAt, `SIGTERM was sent (${acked.size} acknowledged)`);
    const { code, signal } = await d.exited;
    const took = Date.now() - termAt;
    assert.ok(acked.size < AGENTS * PER_AGENT, 'SIGTERM came while finishes were still in flight');
    t.diagnostic(`${ASAN ? 'sanitizer build' : 'plain build'}: ${acked.size} finishes acknowledged, stopped in ${took} ms`);

    assert.equal(signal, null, `the daemon exited by itself, not by ${signal}:\n${d.log.slice(-30).join('\n')}`);
    assert.equal(code, 0, `exit code:\n${d.log.slice(-30).join('\n')}`);
    assert.ok(took < STOP_WITHIN_MS, `stopped in ${took} ms, within systemd's TimeoutStopSec`);
    assert.ok(d.log.some((l) => /signal 15: stopping/.test(l)), 'the daemon says it is stopping');

    // Every client was let go: the agents' sockets and the export's reader
    // (which reads again to see its end).
    reader.draining = true;
    reader.resume();
    await Promise.all([referrer.closed, ...walking.map((a) => a.closed), reader.ended]);
    assert.ok(reader.got > 0, 'the reader had part of the export');

    // Acknowledged means stored, once, with the id that was acknowledged.
    assertStoredOnce(db, acked, "where key not like 'old-%'");

    // The unanswered handoff is neither lost nor given up: due at the next start.
    const out = sqlite(db, "select state, last_error from outbox where kind = 'handoff'");
    assert.equal(out.length, 1, JSON.stringify(out));
    assert.equal(out[0].state, 'pending', `the handoff stays due: ${JSON.stringify(out[0])}`);
    assert.equal(requests.length, 1, 'the peer saw the handoff once');

    // The sanitizer build: nothing leaked, nothing else reported.
    const reports = d.log.filter((l) => /LeakSanitizer|AddressSanitizer|runtime error:/.test(l));
    assert.deepEqual(reports, [], `sanitizer reports on shutdown:\n${d.log.slice(-60).join('\n')}`);
    if (ASAN) assert.match(process.env.ASAN_OPTIONS, /detect_leaks=1/);
  } finally {
    await d.stop();
    d.cleanup();
  }
});
