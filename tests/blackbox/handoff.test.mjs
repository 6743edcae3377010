// Handoffs between desks, with two real daemons over loopback: desk A refers
// a caller with consent, desk B sees the handoff in its agents' queue with the
// same facts, takes it by the code and says whether the referral was right,
// and A's report and live statistics show it. Then the requests B refuses,
// and delivery through an outage: B away, then answering 500, then hanging,
// then back, with A killed (-9) in the middle: everything arrives, once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { startDaemon, freePort, agent, sqlite, Client } from './lib.mjs';

const SECRET = randomBytes(32).toString('hex');
const FAST = { retry_base_ms: 100, max_delay_ms: 400, connect_timeout_ms: 500, timeout_ms: 1000 };

let A, B, nav, bank, portA, portB;

function sign(secret, ts, body) {
  return `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
}

async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

// A stand-in for the network between A and B on a fixed port: away (nothing
// listens), "500", "hang" (takes the request, never answers), or "forward"
// to B (optionally after a delay); "400" refuses for good. It records what it
// saw in each mode.
class Flaky {
  constructor(port, target) {
    this.port = port;
    this.target = target;
    this.mode = 'away';
    this.delay = 0;
    this.seen = { 400: [], 500: [], hang: [], forward: [] };
    this.server = null;
  }

  async set(mode, delay = 0) {
    this.mode = mode;
    this.delay = delay;
    if (mode === 'away') {
      if (!this.server) return;
      this.server.closeAllConnections();
      await new Promise((ok) => this.server.close(ok));
      this.server = null;
      return;
    }
    if (this.server) return;
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 100;
    await new Promise((ok) => this.server.listen(this.port, '127.0.0.1', ok));
  }

  async handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString();
    const key = JSON.parse(body).contact_key;
    const mode = this.mode;
    this.seen[mode]?.push(key);
    if (mode === '500') return res.writeHead(500).end('{"error":"down for maintenance"}');
    if (mode === '400') return res.writeHead(400).end('{"error":"not a handoff we understand"}');
    if (mode === 'hang') return; // the client's timeout ends it
    if (this.delay) await new Promise((ok) => setTimeout(ok, this.delay));
    const headers = {};
    for (const h of ['content-type', 'x-vegvisar-desk', 'x-vegvisar-timestamp', 'x-vegvisar-signature'])
      headers[h] = req.headers[h];
    try {
      const r = await fetch(`${this.target}${req.url}`, { method: 'POST', headers, body });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
    } catch (e) {
      res.writeHead(502).end(String(e));
    }
  }

  async close() {
    await this.set('away');
  }
}

function configA(portNav, portBank) {
  return {
    desk: 'desk-a',
    peers: [
      { destination: 'no.nav', url: `http://127.0.0.1:${portNav}/api/v1/handoffs`, secret: SECRET },
      { destination: 'no.bank', url: `http://127.0.0.1:${portBank}/api/v1/handoffs`, secret: SECRET },
    ],
    delivery: FAST,
  };
}

before(async () => {
  [portA, portB] = [await freePort(), await freePort()];
  const [portNav, portBank] = [await freePort(), await freePort()];
  B = await startDaemon({
    port: portB,
    config: {
      desk: 'desk-b',
      senders: [{ desk: 'desk-a', secret: SECRET, feedback_url: `http://127.0.0.1:${portA}/api/v1/handoffs/feedback` }],
      delivery: FAST,
    },
  });
  nav = new Flaky(portNav, B.url);
  bank = new Flaky(portBank, B.url);
  await nav.set('forward');
  A = await startDaemon({ port: portA, config: configA(portNav, portBank) });
});

after(async () => {
  await Promise.all([nav.close(), bank.close()]);
  for (const d of [A, B]) {
    await d.stop();
    d.cleanup();
  }
});

// Walk A's tree to a result and finish it as referred, with consent.
async function referFromA(a, answers, { key, destination, consent = true }) {
  let s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  for (const v of answers) s = await a.request({ type: 'answer', session: s.session, value: v });
  assert.ok(s.result, `the walk ${answers} ends at a result: ${JSON.stringify(s)}`);
  const logged = await a.request({
    type: 'finish', session: s.session, key, outcome: 'referred', destination,
    referral_reason: 'wrong_agency', consent, note: 'Ring 912 34 567 etter kl 12',
  });
  assert.equal(logged.type, 'logged', JSON.stringify(logged));
  return { step: s, logged };
}

async function queueItem(b, code) {
  return until(`handoff ${code} in B's queue`, async () => {
    const q = await b.request({ type: 'queue' });
    return q.items.find((i) => i.code === code);
  });
}

async function report(d) {
  const r = await fetch(`${d.url}/api/v1/report`, { headers: { Authorization: `Bearer ${d.tokens.supervisor}` } });
  assert.equal(r.status, 200);
  return r.json();
}

test('a referral with consent appears in B\'s queue with the same facts; B confirms it right and A\'s report says so', async () => {
  const a = await agent(A);
  assert.ok(a.welcome.handoff_destinations.includes('no.nav'), 'the welcome names the destinations with a connected desk');
  const { step, logged } = await referFromA(a, ['self', 'case_matter', 'welfare_benefit'],
    { key: 'ref-accepted-1', destination: 'no.nav' });
  assert.match(logged.handoff?.code ?? '', /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/, 'logged names the code the caller says at B');
  const code = logged.handoff.code;
  // A repeated finish repeats its fields: the same key with others is a conflict (issue 19).
  const again = await a.request({ type: 'finish', session: step.session, key: 'ref-accepted-1', outcome: 'referred',
    destination: 'no.nav', referral_reason: 'wrong_agency', consent: true, note: 'Ring 912 34 567 etter kl 12' });
  assert.equal(again.duplicate, true);
  assert.equal(again.handoff.code, code, 'a repeated finish repeats the code');

  const b = await agent(B);
  const item = await queueItem(b, code);
  assert.equal(item.kind, 'handoff');
  assert.equal(item.from, 'desk-a');
  assert.equal(item.state, 'waiting');
  assert.equal(item.country, 'no');
  assert.equal(item.lang, 'nb');
  assert.deepEqual(item.step.facts, step.facts, 'the same facts');
  assert.deepEqual(item.step.path, step.path, 'the same path');
  assert.equal(item.advice, step.result.advice, 'the advice A gave');
  assert.match(item.note, /^Ring .+ etter kl 12$/, 'the note');
  assert.doesNotMatch(item.note, /912 34 567/, 'arrives scrubbed');

  // The caller phones B and reads the code aloud.
  const looked = await b.request({ type: 'lookup', code: code.replace('-', ' ').toLowerCase() });
  assert.equal(looked.kind, 'handoff');
  assert.equal(looked.code, code);
  const taken = await b.request({ type: 'take', code });
  assert.equal(taken.type, 'step', JSON.stringify(taken));
  assert.deepEqual(taken.facts, step.facts, 'B continues from the same facts');
  assert.equal(taken.result.node, step.result.node, 'and so at the same result');
  assert.equal(taken.lang, 'nb');
  assert.equal(taken.channel, 'phone');
  assert.equal(taken.handoff.from, 'desk-a');
  const second = await b.request({ type: 'take', code });
  assert.equal(second.code, 'conflict');

  const done = await b.request({ type: 'finish', session: taken.session, key: 'b-accepted-1', outcome: 'resolved',
    referral_check: 'accepted' });
  assert.equal(done.type, 'logged', JSON.stringify(done));
  const q = await b.request({ type: 'queue' });
  assert.ok(!q.items.some((i) => i.code === code), 'a finished handoff leaves the queue');

  const rep = await until('A\'s report to show the check', async () => {
    const r = await report(A);
    return r.referral_checks?.destination?.['no.nav']?.accepted === 1 && r;
  });
  assert.deepEqual(rep.referral_checks.destination['no.nav'], { sent: 1, accepted: 1, misrouted: 0, unanswered: 0 });
  assert.deepEqual(rep.referral_checks.corrections, []);

  // The live statistics say the same.
  const sup = await Client.open(A);
  await sup.request({ type: 'hello', role: 'supervisor', token: A.tokens.supervisor });
  const stats = await sup.request({ type: 'subscribe', stream: 'stats' });
  assert.deepEqual(stats.referral_checks.destination['no.nav'], { sent: 1, accepted: 1, misrouted: 0, unanswered: 0 });
  assert.ok(stats.delivery.delivered.handoff >= 1, JSON.stringify(stats.delivery));
  await Promise.all([a.close(), b.close(), sup.close()]);
});

test('a misrouted referral comes back with where it should have gone, listed in A\'s report', async () => {
  const a = await agent(A);
  // The tree points to the local NAV office, but the agent refers to NAV.
  const { step, logged } = await referFromA(a, ['self', 'case_matter', 'social_assistance'],
    { key: 'ref-misrouted-1', destination: 'no.nav' });
  assert.equal(step.result.destination.id, 'no.nav.kontor');
  const code = logged.handoff.code;
  const b = await agent(B);
  await queueItem(b, code);
  const taken = await b.request({ type: 'take', code, channel: 'chat' });
  assert.equal(taken.channel, 'chat');
  let r = await b.request({ type: 'finish', session: taken.session, key: 'b-misrouted-1', outcome: 'referred',
    destination: 'no.nav.kontor', referral_reason: 'wrong_agency', referral_check: 'misrouted' });
  assert.equal(r.code, 'bad_request', 'misrouted needs the correct destination');
  r = await b.request({ type: 'finish', session: taken.session, key: 'b-misrouted-1', outcome: 'referred',
    destination: 'no.nav.kontor', referral_reason: 'wrong_agency', referral_check: 'misrouted',
    correct_destination: 'no.nav.kontor' });
  assert.equal(r.type, 'logged', JSON.stringify(r));

  const rep = await until('A\'s report to show the correction', async () => {
    const x = await report(A);
    return x.referral_checks?.destination?.['no.nav']?.misrouted === 1 && x;
  });
  assert.deepEqual(rep.referral_checks.destination['no.nav'], { sent: 2, accepted: 1, misrouted: 1, unanswered: 0 });
  assert.equal(rep.referral_checks.corrections.length, 1);
  const [c] = rep.referral_checks.corrections;
  assert.equal(c.code, code);
  assert.equal(c.destination, 'no.nav');
  assert.equal(c.correct_destination, 'no.nav.kontor');
  assert.equal(c.by, 'desk-b');

  // A referral without consent, or a check on a contact that was no handoff, is refused.
  let s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  r = await a.request({ type: 'finish', session: s.session, key: 'no-consent-1', outcome: 'resolved', consent: true });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /consent/);
  r = await a.request({ type: 'finish', session: s.session, key: 'no-consent-1', outcome: 'resolved', referral_check: 'accepted' });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /only for a contact taken from another desk/);
  r = await a.request({ type: 'finish', session: s.session, key: 'no-consent-1', outcome: 'referred', destination: 'no.nav',
    referral_reason: 'other', consent: false });
  assert.equal(r.type, 'logged');
  assert.equal(r.handoff, undefined, 'no consent, no handoff');
  assert.equal(sqlite(`${A.dir}/vegvisar.db`, "select count(*) n from referrals where contact_key = 'no-consent-1'")[0].n, 0);
  await Promise.all([a.close(), b.close()]);
});

// A handoff body as desk A would send it.
function handoffBody(key, code = 'ZZZ-222') {
  return JSON.stringify({ v: 1, desk: 'desk-a', contact_key: key, code, destination: 'no.nav', country: 'no', lang: 'nb',
    facts: { on_behalf: 'self' }, path: ['who'], note: null, advice: null, created: Date.now() });
}

async function post(d, body, { ts = Math.floor(Date.now() / 1000), sig, desk = 'desk-a', secret = SECRET } = {}) {
  const r = await fetch(`${d.url}/api/v1/handoffs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-vegvisar-desk': desk, 'x-vegvisar-timestamp': String(ts),
      'x-vegvisar-signature': sig ?? sign(secret, ts, body) },
    body,
  });
  return { status: r.status, body: await r.json() };
}

test('B refuses a wrong signature, a stale timestamp and a replayed body, and stores nothing; a replay in the window is stored once', async () => {
  const count = () => sqlite(`${B.dir}/vegvisar.db`, 'select count(*) n from handoffs')[0].n;
  const before = count();
  const body = handoffBody('forged-1');
  const now = Math.floor(Date.now() / 1000);

  let r = await post(B, body, { sig: sign(randomBytes(32).toString('hex'), now, body) });
  assert.equal(r.status, 401, 'signed with another secret');
  assert.match(r.body.error, /does not match/);
  r = await post(B, body, { ts: now - 400 });
  assert.equal(r.status, 401, 'a correct signature on a stale timestamp');
  assert.match(r.body.error, /stale or replayed/);
  r = await post(B, body, { ts: now + 400 });
  assert.equal(r.status, 401, 'a timestamp from the future');
  // A captured request replayed with a new timestamp: its signature no longer fits.
  r = await post(B, body, { ts: now, sig: sign(SECRET, now - 10, body) });
  assert.equal(r.status, 401);
  r = await post(B, body.replace('forged-1', 'forged-2'), { ts: now, sig: sign(SECRET, now, body) });
  assert.equal(r.status, 401, 'another body under a captured signature');
  r = await post(B, body, { desk: 'desk-x' });
  assert.equal(r.status, 401, 'a desk B does not know');
  r = await post(B, body, { sig: 'sha256=nothex' });
  assert.equal(r.status, 401);
  assert.equal(count(), before, 'nothing refused was stored');

  const ts = now;
  const sig = sign(SECRET, ts, body);
  const first = await post(B, body, { ts, sig });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const replay = await post(B, body, { ts, sig });
  assert.equal(replay.status, 200);
  assert.equal(replay.body.handoff, first.body.handoff, 'the same handoff id');
  assert.equal(replay.body.duplicate, true);
  assert.equal(count(), before + 1, 'stored once');

  r = await post(B, JSON.stringify({ v: 1, desk: 'desk-a' }));
  assert.equal(r.status, 400, 'a signed body that is not a handoff');
  const metrics = await (await fetch(`${B.url}/metrics`)).text();
  assert.match(metrics, /^vegvisar_peer_requests_refused_total [1-9]/m);
});

test('B away, then 500, then hanging, then back, with A killed -9 mid-delivery: every handoff arrives exactly once', async () => {
  const dbA = () => `${A.dir}/vegvisar.db`;
  const pending = () => sqlite(dbA(), "select count(*) n from outbox where kind = 'handoff' and target = 'no.bank' and state = 'pending' and attempts >= 1")[0].n;
  const a = await agent(A);
  const keys = [];
  const N = 10;
  for (let i = 0; i < N; i++) {
    const key = `outage-${i}`;
    await referFromA(a, ['self', 'login', 'bankid', 'lost_or_stolen'], { key, destination: 'no.bank' });
    keys.push(key);
  }
  // B is away: every attempt is refused at connect, and retried.
  await until('every handoff to have failed at least once', () => pending() === N);

  await bank.set('500');
  await until('B to have answered 500 to each', () => new Set(bank.seen[500]).size === N);
  assert.equal(pending(), N, 'nothing counts as delivered on a 500');
  await bank.set('hang');
  await until('B to hang on each', () => new Set(bank.seen.hang).size === N, 30000);
  const metrics = await (await fetch(`${A.url}/metrics`)).text();
  assert.match(metrics, /^vegvisar_outbox_failed_attempts_total\{kind="handoff"\} [1-9]/m);
  assert.match(metrics, /^vegvisar_outbox_pending\{kind="handoff"\} [1-9]/m);

  // B is back, slowly; A takes more referrals, and dies while delivering.
  await bank.set('forward', 300);
  for (let i = N; i < N + 5; i++) {
    const key = `outage-${i}`;
    await referFromA(a, ['self', 'login', 'bankid', 'lost_or_stolen'], { key, destination: 'no.bank' });
    keys.push(key);
  }
  const atB = () => sqlite(`${B.dir}/vegvisar.db`,
    "select contact_key k, count(*) n from handoffs where from_desk = 'desk-a' and contact_key like 'outage-%' group by contact_key");
  await until('the first handoff to reach B', () => atB().length >= 1);
  await A.kill9();
  assert.ok(atB().length < keys.length, 'A died in the middle of the deliveries');
  A = await startDaemon({ port: portA, dir: A.dir, tokens: A.tokens, config: configA(nav.port, bank.port) });

  const rows = await until('every handoff to reach B', () => {
    const r = atB();
    return r.length === keys.length && r;
  }, 30000);
  assert.deepEqual(rows.map((r) => r.k).sort(), [...keys].sort(), 'nothing lost');
  assert.ok(rows.every((r) => r.n === 1), 'nothing doubled');
  await until('A to mark every one delivered', () =>
    sqlite(dbA(), "select count(*) n from outbox where kind = 'handoff' and state != 'delivered'")[0].n === 0);
  const b = await agent(B);
  const q = await b.request({ type: 'queue' });
  const codes = q.items.filter((i) => i.kind === 'handoff' && i.destination === 'no.bank').map((i) => i.code);
  assert.equal(codes.length, keys.length, 'each once in B\'s queue');
  assert.equal(new Set(codes).size, keys.length);
  assert.ok(bank.seen.forward.length >= keys.length, 'some were sent again after the restart, and deduplicated');
  await b.close();
});

test('a handoff the peer refuses for good is a dead letter at once, shown to supervisors', async () => {
  await bank.set('400');
  const a = await agent(A);
  await referFromA(a, ['self', 'login', 'bankid', 'lost_or_stolen'], { key: 'refused-1', destination: 'no.bank' });
  const [row] = await until('the handoff to be given up', () => {
    const r = sqlite(`${A.dir}/vegvisar.db`,
      "select o.state, o.attempts, o.last_error from outbox o join referrals r on r.code = json_extract(o.body, '$.code') where r.contact_key = 'refused-1'");
    return r[0]?.state === 'dead' && r;
  });
  assert.equal(row.attempts, 1, 'a 400 is not retried');
  assert.match(row.last_error, /HTTP 400/);
  const metrics = await (await fetch(`${A.url}/metrics`)).text();
  assert.match(metrics, /^vegvisar_outbox_dead_letters\{kind="handoff"\} 1$/m);
  assert.match(metrics, /^vegvisar_outbox_dead_total\{kind="handoff"\} 1$/m);
  const sup = await Client.open(A);
  await sup.request({ type: 'hello', role: 'supervisor', token: A.tokens.supervisor });
  const stats = await sup.request({ type: 'subscribe', stream: 'stats' });
  assert.equal(stats.delivery.dead_letters.handoff, 1);
  const nb = stats.referral_checks.destination['no.bank'];
  assert.equal(nb.unanswered, nb.sent, 'it stays unanswered, as B took none of them');
  await Promise.all([a.close(), sup.close()]);
});


test('a handoff that keeps failing is retried with back-off until max_age_seconds, then a dead letter', async () => {
  let attempts = 0;
  const failing = createServer((req, res) => { attempts++; req.resume(); res.writeHead(500).end('down'); });
  await new Promise((ok) => failing.listen(0, '127.0.0.1', ok));
  const C = await startDaemon({
    config: {
      desk: 'desk-c',
      peers: [{ destination: 'no.bank', url: `http://127.0.0.1:${failing.address().port}/api/v1/handoffs`, secret: SECRET }],
      delivery: { retry_base_ms: 100, max_delay_ms: 400, max_age_seconds: 2 },
    },
  });
  const a = await agent(C);
  await referFromA(a, ['self', 'login', 'bankid', 'lost_or_stolen'], { key: 'aged-1', destination: 'no.bank' });
  await C.waitForLog(/given up after 2 s or a refusal \(dead letter\)/, 'the outbox to give up');
  const [row] = sqlite(`${C.dir}/vegvisar.db`, "select state, attempts, last_error from outbox where kind = 'handoff'");
  assert.equal(row.state, 'dead');
  assert.ok(row.attempts >= 3, `retried before giving up (${row.attempts} attempts)`);
  assert.equal(attempts, row.attempts, 'every attempt reached the peer');
  assert.match(row.last_error, /HTTP 500/);
  const metrics = await (await fetch(`${C.url}/metrics`)).text();
  assert.match(metrics, /^vegvisar_outbox_dead_letters\{kind="handoff"\} 1$/m);
  await a.close();
  await C.stop();
  C.cleanup();
  failing.close();
});
