// Live statistics and /metrics against the real daemon: the subscribe
// snapshot, pushes after finishes (coalesced, within a second), filters, who
// may subscribe, the rebuild from the store at start (the same figures as
// the report), and Prometheus counters that move with the traffic.
//
// Synchronisation is on messages and on the daemon's log; where a gauge
// has to settle (a closed socket), the test polls /metrics until it does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, agent, Client, sqlite, FIXTURE_RULES } from './lib.mjs';

const PUSH_WITHIN_MS = 1000;

async function supervisor(d, filter = {}) {
  const c = await Client.open(d);
  const w = await c.request({ type: 'hello', role: 'supervisor', token: d.tokens.supervisor });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  c.pushes = [];
  c.pushWaiters = [];
  // Pushes have no "re": keep them all, with the time they arrived.
  c.ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.type !== 'stats' || msg.re !== undefined) return;
    msg.receivedAt = Date.now();
    c.pushes.push(msg);
    for (const w2 of [...c.pushWaiters]) w2();
  });
  c.snapshot = await c.request({ type: 'subscribe', stream: 'stats', ...filter });
  assert.equal(c.snapshot.type, 'stats', JSON.stringify(c.snapshot));
  return c;
}

// The first push (after index from) that satisfies pred, or a failure
// after ms: a push that never comes is the bug under test.
function pushWhere(c, pred, { from = 0, ms = PUSH_WITHIN_MS, what = 'a push' } = {}) {
  return new Promise((ok, fail) => {
    const check = () => {
      const hit = c.pushes.slice(from).find(pred);
      if (hit) { done(); ok(hit); }
    };
    const timer = setTimeout(() => {
      done();
      fail(new Error(`no ${what} within ${ms} ms; pushes: ${JSON.stringify(c.pushes.map((p) => p.today.contacts))}`));
    }, ms);
    const done = () => { clearTimeout(timer); c.pushWaiters = c.pushWaiters.filter((w) => w !== check); };
    c.pushWaiters.push(check);
    check();
  });
}

// Walk to a result with prefilled facts and finish it; resolves with the
// time "logged" arrived.
const NO_BANK = { on_behalf: 'self', topic: 'login', login_method: 'bankid', login_problem: 'unknown' }; // → no.bank
const DK_MITID = { on_behalf: 'self', topic: 'login', login_problem: 'forgotten_password' }; // → dk.mitid
let keySeq = 0;
async function finish(a, { country = 'no', channel = 'phone', facts, outcome = 'resolved', ...rest } = {}) {
  const lang = country === 'dk' ? 'da' : 'nb';
  const s = await a.request({ type: 'start', country, channel, lang, facts: facts || (country === 'dk' ? DK_MITID : NO_BANK) });
  assert.equal(s.type, 'step', JSON.stringify(s));
  const r = await a.request({ type: 'finish', session: s.session, key: `stats-${process.pid}-${++keySeq}`, outcome, ...rest });
  assert.equal(r.type, 'logged', JSON.stringify(r));
  return Date.now();
}

function localDate(ms = Date.now(), addDays = 0) {
  const t = new Date(ms);
  t.setDate(t.getDate() + addDays);
  const p = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
}

// --- /metrics ---------------------------------------------------------------

// {"name{a=\"x\",b=\"y\"}": value} with labels in sorted order.
function parseMetrics(text) {
  const out = new Map();
  const types = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) { types.set(t[1], t[2]); continue; }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line of the text format: ${JSON.stringify(line)}`);
    const labels = [...(m[2] || '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort();
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), `value of ${line}`);
    out.set(`${m[1]}{${labels.join(',')}}`, value);
  }
  out.types = types;
  return out;
}

async function metrics(d) {
  const r = await fetch(`${d.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await r.text());
}

function sample(m, name, labels = {}) {
  const key = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}`;
  assert.ok(m.has(key), `/metrics has no ${key}`);
  return m.get(key);
}

// Poll /metrics until pred holds (a gauge settling after a close).
async function metricsUntil(d, pred, what) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const m = await metrics(d);
    if (pred(m)) return m;
    if (Date.now() > deadline) throw new Error(`/metrics never showed ${what}`);
    await new Promise((ok) => setImmediate(ok));
  }
}

// --- tests --------------------------------------------------------------------

test('subscribe: a snapshot at once, with every window and the 96-point series', async () => {
  const d = await startDaemon();
  try {
    const s = await supervisor(d);
    const snap = s.snapshot;
    assert.equal(snap.re, 'r2');
    assert.deepEqual(snap.filter, { country: null, channel: null });
    assert.equal(snap.today.contacts, 0);
    assert.equal(snap.today.referral_rate, null);
    assert.deepEqual(snap.today.outcome, { resolved: 0, referred: 0, abandoned: 0 });
    assert.deepEqual(Object.keys(snap.today.reasons), ['wrong_agency', 'no_mandate', 'needs_in_person', 'other']);
    assert.deepEqual(snap.today.destinations, []);
    assert.equal(snap.hour.to - snap.hour.from, 3600 * 1000);
    assert.equal(snap.period, null, 'no periods configured');
    assert.equal(snap.series.step, 15 * 60 * 1000);
    assert.equal(snap.series.points.length, 96);
    assert.ok(snap.series.start + 96 * snap.series.step > snap.at, 'the last point holds now');
    assert.ok(snap.today.from <= snap.at && snap.at < snap.today.to);
    await s.close();
  } finally {
    await d.stop();
    d.cleanup();
  }
});

test('subscribe is for supervisors, with checked fields', async () => {
  const d = await startDaemon();
  try {
    const anon = await Client.open(d);
    let r = await anon.request({ type: 'subscribe', stream: 'stats' });
    assert.equal(r.code, 'unauthorized');
    const a = await agent(d);
    r = await a.request({ type: 'subscribe', stream: 'stats' });
    assert.equal(r.code, 'forbidden');
    assert.match(r.message, /role agent may not send "subscribe"/);
    const cit = await Client.open(d);
    await cit.request({ type: 'hello', role: 'citizen' });
    r = await cit.request({ type: 'subscribe', stream: 'stats' });
    assert.equal(r.code, 'forbidden');
    const s = await supervisor(d);
    for (const [msg, re] of [
      [{ stream: 'queue' }, /"stream".*allowed: stats/],
      [{ stream: 'stats', country: 'se' }, /allowed: no, dk/],
      [{ stream: 'stats', channel: 'fax' }, /allowed: phone, chat, widget, desk/],
      [{ stream: 'stats', colour: 'red' }, /unknown field "colour"/],
      [{}, /"stream"/],
    ]) {
      r = await s.request({ type: 'subscribe', ...msg });
      assert.equal(r.code, 'bad_request', JSON.stringify(r));
      assert.match(r.message, re);
    }
    // A finish is still counted for the supervisor who asked properly.
    await finish(a);
    const p = await pushWhere(s, (m) => m.today.contacts === 1);
    assert.equal(p.type, 'stats');
    await Promise.all([anon.close(), a.close(), cit.close(), s.close()]);
  } finally {
    await d.stop();
    d.cleanup();
  }
});

test('a stats push follows each logged contact within a second, coalesced to at most twenty a second', async (t) => {
  const d = await startDaemon();
  try {
    const s = await supervisor(d);
    const a = await agent(d);
    // One contact: its push comes within a second of "logged".
    const logged = await finish(a, { outcome: 'referred', destination: 'no.nav', referral_reason: 'no_mandate' });
    const first = await pushWhere(s, (m) => m.today.contacts === 1, { what: 'a push after the first finish' });
    assert.ok(first.receivedAt - logged < PUSH_WITHIN_MS, `pushed ${first.receivedAt - logged} ms after logged`);
    assert.equal(first.today.outcome.referred, 1);
    assert.equal(first.today.referral_rate, 1);
    assert.deepEqual(first.today.destinations.map((x) => [x.id, x.count]), [['no.nav', 1]]);
    assert.equal(first.today.destinations[0].name.length > 0, true, 'destinations carry their names');
    assert.equal(first.hour.contacts, 1);
    assert.equal(first.series.points.at(-1).referred, 1);

    // A burst of 120 finishes from three agents at once: pushes are
    // coalesced (one per 50 ms at most, so fewer than contacts), and the
    // last one is complete.
    const agents = [a, await agent(d), await agent(d, d.tokens.agent2)];
    const from = s.pushes.length;
    const t0 = Date.now();
    const done = await Promise.all(agents.map(async (ag, i) => {
      let last = 0;
      const channel = ['phone', 'chat', 'desk'][i];
      for (let k = 0; k < 40; k++) {
        last = await finish(ag, k % 2 ? { outcome: 'resolved', channel }
          : { outcome: 'referred', destination: 'no.bank', referral_reason: 'wrong_agency', channel });
      }
      return last;
    }));
    const lastLogged = Math.max(...done);
    const final = await pushWhere(s, (m) => m.today.contacts === 121, { from, what: 'the push with all 121 contacts' });
    assert.ok(final.receivedAt - lastLogged < PUSH_WITHIN_MS, `last push ${final.receivedAt - lastLogged} ms after the last logged`);
    const burst = s.pushes.slice(from);
    const span = final.receivedAt - t0;
    assert.ok(burst.length <= Math.ceil(span / 50) + 1, `${burst.length} pushes in ${span} ms`);
    assert.ok(burst.length < 120, `${burst.length} pushes for 120 contacts: not coalesced`);
    t.diagnostic(`120 contacts in ${span} ms gave ${burst.length} pushes; the last came ${final.receivedAt - lastLogged} ms after its logged`);
    // At most twenty a second (two more allowed for delivery jitter on a busy machine).
    for (let i = 0; i < burst.length; i++) {
      const inSecond = burst.filter((p) => p.receivedAt >= burst[i].receivedAt && p.receivedAt < burst[i].receivedAt + 1000).length;
      assert.ok(inSecond <= 22, `${inSecond} pushes within one second: ${burst.map((p) => p.receivedAt - t0)}`);
    }
    assert.equal(final.today.outcome.referred, 61);
    assert.equal(final.today.outcome.resolved, 60);
    assert.equal(final.today.referral_rate, 61 / 121);
    assert.equal(final.today.reasons.wrong_agency, 60);
    assert.equal(final.today.reasons.no_mandate, 1);
    assert.deepEqual(final.today.destinations.map((x) => [x.id, x.count]), [['no.bank', 60], ['no.nav', 1]]);
    // The bank was suggested every time; 120 followed it (the nav referral did not).
    assert.deepEqual(final.today.suggested, { contacts: 121, followed: 120, share: 120 / 121 });
    assert.deepEqual(final.today.channel, { phone: 41, chat: 40, widget: 0, desk: 40 });
    assert.equal(final.today.category.login, 121);
    assert.equal(final.today.on_behalf.self, 121);
    assert.equal(final.today.on_behalf_share, 0);
    await Promise.all([...agents, s].map((c) => c.close()));
  } finally {
    await d.stop();
    d.cleanup();
  }
});

test('filters: a subscriber sees only its country and channel, and is only pushed for those', async () => {
  const d = await startDaemon();
  try {
    const all = await supervisor(d);
    const dk = await supervisor(d, { country: 'dk' });
    const chat = await supervisor(d, { channel: 'chat' });
    const noPhone = await supervisor(d, { country: 'no', channel: 'phone' });
    assert.deepEqual(dk.snapshot.filter, { country: 'dk', channel: null });
    const a = await agent(d);

    await finish(a, { country: 'no', channel: 'phone' });
    await pushWhere(all, (m) => m.today.contacts === 1);
    await pushWhere(noPhone, (m) => m.today.contacts === 1);
    await finish(a, { country: 'dk', channel: 'chat', outcome: 'referred', destination: 'dk.borgerservice', referral_reason: 'needs_in_person' });
    await pushWhere(all, (m) => m.today.contacts === 2);
    // The first push the dk and chat subscribers got is for the dk chat
    // contact: the Norwegian phone contact did not push them.
    const dkFirst = await pushWhere(dk, () => true);
    assert.equal(dkFirst.today.contacts, 1);
    assert.equal(dkFirst.today.outcome.referred, 1);
    assert.deepEqual(dkFirst.filter, { country: 'dk', channel: null });
    const chatFirst = await pushWhere(chat, () => true);
    assert.equal(chatFirst.today.contacts, 1);
    assert.deepEqual(chatFirst.today.channel, { phone: 0, chat: 1, widget: 0, desk: 0 });
    assert.equal(noPhone.pushes.length, 1, 'the Norwegian phone view was not pushed for a Danish chat');

    // Subscribing again replaces the filter.
    const again = await dk.request({ type: 'subscribe', stream: 'stats', channel: 'phone' });
    assert.deepEqual(again.filter, { country: null, channel: 'phone' });
    assert.equal(again.today.contacts, 1);
    await Promise.all([all, dk, chat, noPhone, a].map((c) => c.close()));
  } finally {
    await d.stop();
    d.cleanup();
  }
});

test('at start the figures are rebuilt from the store: the same as before the restart, and as the report', async () => {
  const today = localDate();
  const period = { id: 'test-p', from: localDate(Date.now(), -20), to: localDate(Date.now(), 20) };
  const config = { periods: [period] };
  const d = await startDaemon({ config });
  let d2;
  try {
    const s = await supervisor(d);
    assert.equal(s.snapshot.period.id, 'test-p');
    assert.equal(s.snapshot.period.days, 21);
    const a = await agent(d);
    await finish(a, { outcome: 'referred', destination: 'no.nav', referral_reason: 'other' });
    await finish(a, { outcome: 'resolved', facts: { on_behalf: 'another_person', authority: 'written_poa', topic: 'login', login_method: 'bankid' } });
    await finish(a, { country: 'dk', channel: 'chat', outcome: 'abandoned' });
    const before = await pushWhere(s, (m) => m.today.contacts === 3);
    await Promise.all([s.close(), a.close()]);
    await d.stop();

    // A contact from a week ago: in the period, not today.
    const weekAgo = Date.now() - 7 * 86400 * 1000;
    sqlite(join(d.dir, 'vegvisar.db'), `INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang,
      rules_version, path, facts, suggested, destination, category, outcome, referral_reason, on_behalf)
      VALUES ('old-1', ${weekAgo - 60000}, ${weekAgo}, 'desk', 'no', 'nb', 'fixture-1', '[]', '{}', 'no.kommune',
      'no.kommune', 'agency', 'referred', 'wrong_agency', 'organisation')`);

    d2 = await startDaemon({ dir: d.dir, port: d.port, tokens: d.tokens, config });
    assert.ok(d2.log.some((l) => /live statistics rebuilt from 3 contacts of the last 24 h and 1 earlier ones of the period/.test(l)), d2.log.join('\n'));
    const s2 = await supervisor(d2);
    const after = s2.snapshot;
    for (const k of ['contacts', 'outcome', 'referral_rate', 'reasons', 'destinations', 'suggested', 'category', 'on_behalf', 'on_behalf_share', 'channel'])
      assert.deepEqual(after.today[k], before.today[k], `today.${k} after the restart`);
    assert.deepEqual(after.hour.contacts, before.hour.contacts);
    const total = (points, k) => points.reduce((n, p) => n + p[k], 0);
    for (const k of ['resolved', 'referred', 'abandoned'])
      assert.equal(total(after.series.points, k), total(before.series.points, k), `series ${k}`);
    assert.equal(after.period.contacts, 4);
    assert.equal(after.period.outcome.referred, 2);
    assert.equal(after.period.on_behalf.organisation, 1);
    assert.equal(after.period.on_behalf_share, 2 / 4);

    // The report over the same ranges counts the same.
    const report = async (q) => {
      const r = await fetch(`${d2.url}/api/v1/report?${q}`, { headers: { Authorization: `Bearer ${d2.tokens.supervisor}` } });
      assert.equal(r.status, 200);
      return r.json();
    };
    for (const [rep, fig] of [[await report(`from=${today}&to=${today}`), after.today], [await report(`period=${period.id}`), after.period]]) {
      assert.equal(rep.total, fig.contacts);
      assert.equal(rep.referral.rate, fig.referral_rate);
      for (const [k, v] of Object.entries(fig.outcome)) assert.equal(rep.outcome[k].count, v, `outcome ${k}`);
      for (const [k, v] of Object.entries(fig.reasons)) assert.equal(rep.referral.reason[k].count, v, `reason ${k}`);
      for (const { id, count } of fig.destinations) assert.equal(rep.referral.destination[id].count, count, `destination ${id}`);
      for (const [k, v] of Object.entries(fig.category)) assert.equal(rep.category[k].count, v, `category ${k}`);
      for (const [k, v] of Object.entries(fig.channel)) assert.equal(rep.channel[k].count, v, `channel ${k}`);
      assert.equal(rep.suggested.contacts, fig.suggested.contacts);
      assert.equal(rep.suggested.followed, fig.suggested.followed);
    }
    const dkOnly = await supervisor(d2, { country: 'dk' });
    assert.equal(dkOnly.snapshot.today.contacts, 1);
    assert.equal(dkOnly.snapshot.period.contacts, 1);
    await Promise.all([s2.close(), dkOnly.close()]);
  } finally {
    await d.stop();
    if (d2) await d2.stop();
    d.cleanup();
  }
});

test('/metrics: Prometheus text whose counters move with the traffic', async () => {
  const rules = mkdtempSync(join(tmpdir(), 'vegvisar-rules-'));
  cpSync(FIXTURE_RULES, rules, { recursive: true });
  const d = await startDaemon({ rules });
  try {
    const m0 = await metrics(d);
    assert.equal(m0.types.get('vegvisar_messages_total'), 'counter');
    assert.equal(m0.types.get('vegvisar_connections'), 'gauge');
    assert.equal(m0.types.get('vegvisar_store_commit_seconds'), 'histogram');
    assert.equal(sample(m0, 'vegvisar_rules_info', { country: 'no', version: 'fixture-1' }), 1);
    assert.equal(sample(m0, 'vegvisar_store_healthy'), 1);
    assert.equal(sample(m0, 'vegvisar_store_queue_depth'), 0);

    // Traffic: two agents, a supervisor, a citizen; starts, finishes, errors.
    const a = await agent(d);
    const b = await agent(d, d.tokens.agent2);
    const s = await supervisor(d);
    const cit = await Client.open(d);
    await cit.request({ type: 'hello', role: 'citizen' });
    const open = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
    await finish(a, { outcome: 'referred', destination: 'no.bank', referral_reason: 'wrong_agency' });
    await finish(b, { outcome: 'resolved' });
    await finish(b, { outcome: 'abandoned', category: 'estate' });
    let r = await a.request({ type: 'subscribe', stream: 'stats' });
    assert.equal(r.code, 'forbidden');
    r = await a.request({ type: 'frobnicate' });
    assert.equal(r.code, 'bad_request');
    a.send('{not json');
    r = await a.request({ type: 'answer', session: open.session, value: 'nope' });
    assert.equal(r.code, 'bad_request');

    const m1 = await metrics(d);
    const delta = (name, labels) => sample(m1, name, labels) - sample(m0, name, labels);
    assert.equal(sample(m1, 'vegvisar_connections', { role: 'agent' }), 2);
    assert.equal(sample(m1, 'vegvisar_connections', { role: 'supervisor' }), 1);
    assert.equal(sample(m1, 'vegvisar_connections', { role: 'citizen' }), 1);
    assert.equal(sample(m1, 'vegvisar_connections', { role: 'none' }), 0);
    assert.equal(sample(m1, 'vegvisar_stats_subscribers'), 1);
    assert.equal(sample(m1, 'vegvisar_sessions_in_progress', { role: 'agent' }), 1, 'the open session; finished ones do not count');
    assert.equal(delta('vegvisar_messages_total', { type: 'hello' }), 4);
    assert.equal(delta('vegvisar_messages_total', { type: 'start' }), 4);
    assert.equal(delta('vegvisar_messages_total', { type: 'finish' }), 3);
    assert.equal(delta('vegvisar_messages_total', { type: 'subscribe' }), 2);
    assert.equal(delta('vegvisar_messages_total', { type: 'answer' }), 1);
    assert.equal(delta('vegvisar_messages_total', { type: 'unknown' }), 1);
    assert.equal(delta('vegvisar_messages_total', { type: 'invalid' }), 1);
    assert.equal(delta('vegvisar_errors_total', { code: 'forbidden' }), 1);
    assert.equal(delta('vegvisar_errors_total', { code: 'bad_request' }), 3);
    assert.equal(delta('vegvisar_contacts_logged_total', { outcome: 'referred', category: 'login' }), 1);
    assert.equal(delta('vegvisar_contacts_logged_total', { outcome: 'resolved', category: 'login' }), 1);
    assert.equal(delta('vegvisar_contacts_logged_total', { outcome: 'abandoned', category: 'estate' }), 1);
    assert.equal(delta('vegvisar_store_commit_seconds_count'), 3);
    assert.equal(sample(m1, 'vegvisar_store_commit_seconds_bucket', { le: '+Inf' }), sample(m1, 'vegvisar_store_commit_seconds_count'));
    assert.ok(sample(m1, 'vegvisar_store_commit_seconds_sum') > 0);
    // Buckets are cumulative.
    const buckets = [...m1.entries()].filter(([k]) => k.startsWith('vegvisar_store_commit_seconds_bucket{')).map(([, v]) => v);
    assert.deepEqual(buckets, [...buckets].sort((x, y) => x - y));

    // A repeated key is a duplicate, not a second contact.
    const again = await b.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
    await b.request({ type: 'finish', session: again.session, key: 'dup-1', outcome: 'resolved' });
    await b.request({ type: 'finish', session: again.session, key: 'dup-1', outcome: 'resolved' });
    const m2 = await metrics(d);
    assert.equal(sample(m2, 'vegvisar_contacts_logged_total', { outcome: 'resolved', category: 'other' }) - sample(m1, 'vegvisar_contacts_logged_total', { outcome: 'resolved', category: 'other' }), 1);
    assert.equal(sample(m2, 'vegvisar_contacts_duplicate_total') - sample(m1, 'vegvisar_contacts_duplicate_total'), 0,
      'a finish of a finished session is answered from the session, without the store');

    // Closing sockets brings the gauges down.
    await Promise.all([b.close(), cit.close(), s.close()]);
    await metricsUntil(d, (m) => sample(m, 'vegvisar_connections', { role: 'agent' }) === 1 &&
      sample(m, 'vegvisar_connections', { role: 'citizen' }) === 0 && sample(m, 'vegvisar_stats_subscribers') === 0,
    'the closed connections gone');

    // SIGHUP: a good reload counts, and the new version is the label.
    const tree = JSON.parse(readFileSync(join(rules, 'no.json'), 'utf8'));
    tree.version = 'fixture-2';
    writeFileSync(join(rules, 'no.json'), JSON.stringify(tree));
    d.log.length = 0; // the start logged "rules loaded" too
    let logged = d.waitForLog(/rules loaded from/);
    d.proc.kill('SIGHUP');
    await logged;
    let m3 = await metrics(d);
    assert.equal(sample(m3, 'vegvisar_rule_reloads_total'), 1);
    assert.equal(sample(m3, 'vegvisar_rule_reload_failures_total'), 0);
    assert.equal(sample(m3, 'vegvisar_rules_info', { country: 'no', version: 'fixture-2' }), 1);
    assert.ok(!m3.has('vegvisar_rules_info{country="no",version="fixture-1"}'));
    // A broken one counts as failed and changes nothing else.
    tree.version = 'fixture-3';
    tree.questions.find((q) => q.id === 'who').options[0].value = 'no_such_value';
    writeFileSync(join(rules, 'no.json'), JSON.stringify(tree));
    logged = d.waitForLog(/not reloaded/);
    d.proc.kill('SIGHUP');
    await logged;
    m3 = await metrics(d);
    assert.equal(sample(m3, 'vegvisar_rule_reloads_total'), 1);
    assert.equal(sample(m3, 'vegvisar_rule_reload_failures_total'), 1);
    assert.equal(sample(m3, 'vegvisar_rules_info', { country: 'no', version: 'fixture-2' }), 1);

    // Open to anyone on the listen address (it holds counts only), GET only.
    const post = await fetch(`${d.url}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    await a.close();
  } finally {
    await d.stop();
    d.cleanup();
  }
});
