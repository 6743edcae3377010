// Every widget conversation counts, and the queue tells the truth: a
// citizen's conversation in the widget is logged once (feedback, end, or
// expiry), and a handover whose citizen left, or who started over, leaves
// the agents' queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, Client, agent, sqlite } from './lib.mjs';

// A short grace, so a citizen who left is dropped within the test.
const GRACE_S = 2;
let d;
before(async () => { d = await startDaemon({ config: { bounds: { handover_grace_seconds: GRACE_S } } }); });
after(async () => { await d.stop(); d.cleanup(); });

const FORGOT = { on_behalf: 'self', topic: 'login', login_method: 'minid', login_problem: 'forgotten_password' };
const PHONE = { on_behalf: 'self', topic: 'login', login_method: 'minid', login_problem: 'phone_number_changed' };

// Each test hands over from an address of its own: handovers are bounded
// per address and minute (bounds.handovers_per_minute).
let nextAddress = 10;
async function citizen(daemon = d, from = `127.0.0.${nextAddress++}`) {
  const c = await Client.open(daemon, { from });
  const w = await c.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  assert.equal(w.type, 'welcome');
  return c;
}

const start = (c, facts) => c.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb', ...(facts ? { facts } : {}) });

// The store's rows of one conversation; the writer commits after the reply,
// so wait until it has (bounded), never for a fixed time.
async function rowsOf(daemon, session, { want = 1, within = 15000 } = {}) {
  const sql = `select key, channel, outcome, destination, referral_reason, category, on_behalf,
    json_extract(facts, '$.helped') as helped, note from contacts where key = 'widget:${session}'`;
  const until = Date.now() + within;
  for (;;) {
    const rows = sqlite(`${daemon.dir}/vegvisar.db`, sql);
    if (rows.length >= want || Date.now() > until) return rows;
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

// Pushed queue messages until one satisfies pred.
async function pushUntil(c, pred) {
  for (;;) {
    const m = await c.next();
    if (pred(m)) return m;
  }
}

test('"Did this help?" yes at a self-service result logs one resolved widget contact', async () => {
  const c = await citizen();
  const s = await start(c, FORGOT);
  assert.equal(s.result.node, 'login.minid.forgot');
  assert.equal(s.result.first_line, true);
  const r = await c.request({ type: 'feedback', session: s.session, helped: true });
  assert.equal(r.type, 'feedback', JSON.stringify(r));
  assert.equal(r.helped, true);
  assert.equal(r.duplicate, undefined);
  const [row, ...more] = await rowsOf(d, s.session);
  assert.equal(more.length, 0, 'one contact per conversation');
  assert.equal(row.channel, 'widget');
  assert.equal(row.outcome, 'resolved', 'a first-line result is self-service');
  assert.equal(row.destination, 'no.digdir.idporten');
  assert.equal(row.category, 'login');
  assert.equal(row.on_behalf, 'self');
  assert.equal(row.helped, 'yes');
  assert.equal(row.note, null, 'nothing the citizen wrote');

  // Again (a lost reply, a reload): the same answer, nothing new.
  const again = await c.request({ type: 'feedback', session: s.session, helped: true });
  assert.equal(again.type, 'feedback');
  assert.equal(again.duplicate, true);
  const other = await c.request({ type: 'feedback', session: s.session, helped: false });
  assert.equal(other.code, 'conflict', 'one answer per conversation');
  const ended = await c.request({ type: 'end', session: s.session });
  assert.equal(ended.type, 'ended');
  assert.equal(ended.duplicate, true, 'ending a logged conversation logs nothing more');
  assert.equal((await rowsOf(d, s.session, { want: 2, within: 300 })).length, 1, 'never two');
  await c.close();
});

test('"no" at a result for another agency logs a referral there, with helped no', async () => {
  const c = await citizen();
  const s = await start(c, PHONE);
  assert.equal(s.result.first_line, false);
  const r = await c.request({ type: 'feedback', session: s.session, helped: false });
  assert.equal(r.type, 'feedback');
  const [row] = await rowsOf(d, s.session);
  assert.equal(row.outcome, 'referred');
  assert.equal(row.destination, s.result.destination.id);
  assert.equal(row.referral_reason, 'wrong_agency');
  assert.equal(row.helped, 'no');
  await c.close();
});

test('feedback is validated: only at a result, a boolean, by the citizen who owns it', async () => {
  const c = await citizen();
  const s = await start(c);
  assert.ok(s.question);
  let r = await c.request({ type: 'feedback', session: s.session, helped: true });
  assert.equal(r.code, 'conflict');
  assert.match(r.message, /at a result/);
  r = await c.request({ type: 'feedback', session: s.session, helped: 'yes' });
  assert.equal(r.code, 'bad_request');
  r = await c.request({ type: 'feedback', session: s.session, helped: true, text: 'takk!' });
  assert.equal(r.code, 'bad_request', 'no free text');
  const other = await citizen();
  r = await other.request({ type: 'feedback', session: 'f'.repeat(32), helped: true });
  assert.equal(r.code, 'not_found');
  const a = await agent(d);
  r = await a.request({ type: 'feedback', session: s.session, helped: true });
  assert.equal(r.code, 'forbidden', 'agents log with finish');
  assert.equal((await rowsOf(d, s.session, { want: 1, within: 300 })).length, 0);
  await Promise.all([c.close(), other.close(), a.close()]);
});

test('ending before a result logs the conversation as abandoned; a superseded session logs nothing', async () => {
  const c = await citizen();
  const s = await start(c, { on_behalf: 'self', topic: 'login' });
  assert.ok(s.question);
  const r = await c.request({ type: 'end', session: s.session });
  assert.equal(r.type, 'ended', JSON.stringify(r));
  const [row] = await rowsOf(d, s.session);
  assert.equal(row.outcome, 'abandoned');
  assert.equal(row.category, 'login', 'from the topic');
  assert.equal(row.helped, null, 'not asked');

  // A language change starts a new session for the same conversation.
  const old = await start(c);
  const gone = await c.request({ type: 'end', session: old.session, superseded: true });
  assert.equal(gone.type, 'ended');
  const after = await c.request({ type: 'answer', session: old.session, value: 'self' });
  assert.equal(after.code, 'not_found', 'the superseded session is gone');
  assert.equal((await rowsOf(d, old.session, { want: 1, within: 300 })).length, 0);
  await c.close();
});

test('start over withdraws the waiting handover: the agents\' queue drops it at once', async () => {
  const watcher = await agent(d);
  await watcher.request({ type: 'queue' });
  const c = await citizen();
  const s = await start(c, { on_behalf: 'self', topic: 'login' });
  const ho = await c.request({ type: 'handover', session: s.session });
  assert.equal(ho.type, 'handover');
  await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code));
  const r = await c.request({ type: 'end', session: s.session });
  assert.equal(r.type, 'ended');
  const removed = await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.removed?.includes(ho.code));
  assert.equal(removed.added, undefined, 'withdrawn, not changed');
  const q = await watcher.request({ type: 'queue' });
  assert.ok(!q.items.some((i) => i.code === ho.code), 'no longer in the queue');
  const looked = await watcher.request({ type: 'lookup', code: ho.code });
  assert.equal(looked.code, 'not_found');
  const [row] = await rowsOf(d, s.session);
  assert.equal(row.outcome, 'abandoned');
  await Promise.all([c.close(), watcher.close()]);
});

test('a citizen who left is marked, and dropped from the queue after the grace period', async () => {
  const watcher = await agent(d);
  await watcher.request({ type: 'queue' });
  const c = await citizen();
  const s = await start(c, { on_behalf: 'self', topic: 'login' });
  const ho = await c.request({ type: 'handover', session: s.session });
  await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code));
  const left = Date.now();
  await c.close();

  // Marked: the item is replaced by one that says since when the citizen is away.
  const marked = await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code));
  assert.deepEqual(marked.removed, [ho.code], 'a change of the item, not a new one');
  const item = marked.added.find((i) => i.code === ho.code);
  assert.equal(typeof item.left, 'number');
  const q = await watcher.request({ type: 'queue' });
  assert.equal(typeof q.items.find((i) => i.code === ho.code)?.left, 'number', 'the queue shows the mark too');

  const dropped = await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.removed?.includes(ho.code));
  assert.equal(dropped.added, undefined);
  assert.ok(Date.now() - left >= GRACE_S * 1000 - 100, 'not before the grace period');
  const looked = await watcher.request({ type: 'lookup', code: ho.code });
  assert.equal(looked.code, 'not_found');
  await watcher.close();
});

test('a citizen back within the grace period (a reload) keeps their place', async () => {
  const watcher = await agent(d);
  await watcher.request({ type: 'queue' });
  let c = await citizen(d, '127.0.0.200');
  const s = await start(c, { on_behalf: 'self', topic: 'login' });
  const ho = await c.request({ type: 'handover', session: s.session });
  await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code));
  await c.close();
  await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code && i.left));

  // The widget reconnects and asks again for its handover: the same code.
  c = await citizen(d, '127.0.0.200');
  const again = await c.request({ type: 'handover', session: s.session });
  assert.equal(again.code, ho.code);
  const back = await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code));
  assert.equal(back.added[0].left, undefined, 'the mark is gone');
  // Another citizen leaves after ours came back; once theirs is dropped,
  // ours (who left earlier) would have been too, had the mark stayed.
  const c2 = await citizen();
  const s2 = await start(c2, { on_behalf: 'self', topic: 'login' });
  const ho2 = await c2.request({ type: 'handover', session: s2.session });
  assert.equal(ho2.type, 'handover', JSON.stringify(ho2));
  await c2.close();
  await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.removed?.includes(ho2.code) && !m.added);
  const q = await watcher.request({ type: 'queue' });
  assert.ok(q.items.some((i) => i.code === ho.code && i.left === undefined));
  await c.request({ type: 'end', session: s.session });
  await Promise.all([c.close(), watcher.close()]);
});

test('a conversation left idle is logged when it expires: abandoned before a result, the verdict at one', async () => {
  const idle = await startDaemon({ config: { bounds: { session_idle_seconds: 10 } } });
  try {
    const c = await citizen(idle);
    const atQuestion = await start(c, { on_behalf: 'self', topic: 'login' });
    const atResult = await start(c, FORGOT);
    await c.close();
    await idle.waitForLog(/2 idle widget conversations logged/, 'the idle conversations to be logged');
    const [q] = await rowsOf(idle, atQuestion.session);
    assert.equal(q.outcome, 'abandoned');
    const [r] = await rowsOf(idle, atResult.session);
    assert.equal(r.outcome, 'resolved');
    assert.equal(r.helped, null, 'the citizen was not asked');

    // The report counts them as widget contacts (the dashboard's self-service figure).
    const res = await fetch(`${idle.url}/api/v1/report?channel=widget`, { headers: { authorization: `Bearer ${idle.tokens.supervisor}` } });
    assert.equal(res.status, 200);
    const rep = await res.json();
    assert.equal(rep.total, 2);
  } finally {
    await idle.stop();
    idle.cleanup();
  }
});

test('the mark comes when the citizen\'s connection closes, not at the next housekeeping', async () => {
  // The default grace (120 s): housekeeping every 30 s, so a mark that
  // waited for it would miss this test's 10 s.
  const e = await startDaemon();
  try {
    const watcher = await agent(e);
    await watcher.request({ type: 'queue' });
    const c = await citizen(e);
    const s = await start(c, { on_behalf: 'self', topic: 'login' });
    const ho = await c.request({ type: 'handover', session: s.session });
    await pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code));
    await c.close();
    const marked = await Promise.race([
      pushUntil(watcher, (m) => m.type === 'queue_changed' && m.added?.some((i) => i.code === ho.code && i.left)),
      new Promise((_, no) => setTimeout(() => no(new Error('no mark within 10 s of the citizen leaving')), 10000)),
    ]);
    assert.deepEqual(marked.removed, [ho.code]);
  } finally {
    await e.stop();
    e.cleanup();
  }
});
