// When nobody can take it (issue 17): the handover reply tells whether a
// person can chat now (desk hours per country, agents signed in), and a
// citizen may leave a phone number instead. The number reaches the agents,
// survives a restart, and is gone from the store file (and never in the
// log) once the callback is done.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, Client, agent, sqlite, run } from './lib.mjs';

const ZONE = 'Europe/Oslo';
const WEEK_ALWAYS = { mon: '00:00-24:00', tue: '00:00-24:00', wed: '00:00-24:00', thu: '00:00-24:00',
  fri: '00:00-24:00', sat: '00:00-24:00', sun: '00:00-24:00' };
const PHONE = '+47 912 34 567';

// The local date in Oslo, days from today, as YYYY-MM-DD.
function osloDate(days, at = Date.now()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date(at + days * 86400000));
}
function osloTime(ms) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

// Closed today (and the days either side, so a test run over midnight
// still sees it closed): the desk opens at midnight two days from now.
const closedHours = () => ({ timezone: ZONE, week: WEEK_ALWAYS, holidays: [osloDate(-1), osloDate(0), osloDate(1)] });

const daemons = [];
async function start(opts) {
  const d = await startDaemon(opts);
  daemons.push(d);
  return d;
}
after(async () => { for (const d of daemons) { await d.stop(); d.cleanup(); } });

async function citizen(d, from) {
  const c = await Client.open(d, { from });
  const w = await c.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  assert.equal(w.type, 'welcome');
  return c;
}

// A citizen who walked two steps and asked for a person.
async function handedOver(d, from) {
  const c = await citizen(d, from);
  let s = await c.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  s = await c.request({ type: 'answer', session: s.session, value: 'self' });
  s = await c.request({ type: 'answer', session: s.session, value: 'login' });
  const ho = await c.request({ type: 'handover', session: s.session });
  assert.equal(ho.type, 'handover', JSON.stringify(ho));
  return { c, s, ho };
}

// The next pushed message of c matching pred (others are skipped).
async function nextMatching(c, pred) {
  for (;;) {
    const m = await c.next();
    if (pred(m)) return m;
  }
}

test('outside desk hours (a holiday today) the handover says closed, with the hours and the next opening', async () => {
  const hours = closedHours();
  const d = await start({ config: { desk_hours: { no: hours } } });
  const watcher = await agent(d); // an agent signed in does not open a closed desk
  const { ho } = await handedOver(d);
  assert.equal(ho.chat, false);
  assert.equal(ho.why, 'closed');
  assert.deepEqual(ho.hours, hours);
  assert.ok(ho.next_open > Date.now());
  // The first minute of the day after the holidays, in Oslo's own clock.
  assert.equal(osloDate(0, ho.next_open), osloDate(2));
  assert.equal(osloTime(ho.next_open), '00:00');
  assert.equal(ho.position, 1, 'it still waits in the queue (a caller reads out the code)');
  await watcher.close();
});

test('open hours: chat with an agent signed in, else no_agents', async () => {
  const hours = { timezone: ZONE, week: WEEK_ALWAYS };
  const d = await start({ config: { desk_hours: { no: hours } } });
  const first = await handedOver(d);
  assert.equal(first.ho.chat, false);
  assert.equal(first.ho.why, 'no_agents');
  assert.equal(first.ho.next_open, undefined);
  assert.deepEqual(first.ho.hours, hours);

  const a = await agent(d);
  const second = await handedOver(d, '127.0.0.2');
  assert.equal(second.ho.chat, true);
  assert.equal(second.ho.why, undefined);
  await a.close();
});

test('a country without desk hours is always open', async () => {
  const d = await start({ config: { desk_hours: { dk: closedHours() } } });
  const a = await agent(d);
  const { ho } = await handedOver(d);
  assert.equal(ho.chat, true);
  assert.equal(ho.hours, undefined);
  await a.close();
});

test('a callback request reaches the agents, survives a restart, and is gone from the file once done', async () => {
  const config = { desk_hours: { no: closedHours() } };
  let d = await start({ config });
  const logs = [];
  const watcher = await agent(d);
  assert.deepEqual((await watcher.request({ type: 'callbacks' })).items, []);
  assert.equal((await watcher.request({ type: 'queue' })).type, 'queue');

  const { c, s, ho } = await handedOver(d);
  assert.equal(ho.why, 'closed');

  // Numbers that are not numbers are refused, naming the field.
  for (const phone of ['12345', 'call me 12345678', '+47 912 34 567 890 12 34', '']) {
    const r = await c.request({ type: 'callback', session: s.session, phone });
    assert.equal(r.code, 'bad_request', phone);
    assert.match(r.message, /"phone"/);
  }

  const cb = await c.request({ type: 'callback', session: s.session, phone: PHONE });
  assert.equal(cb.type, 'callback', JSON.stringify(cb));
  assert.equal(cb.code, ho.code, 'the code the citizen already has');
  const hours72 = 72 * 3600 * 1000;
  assert.ok(cb.until > Date.now() + hours72 - 60000 && cb.until <= Date.now() + hours72);

  // The same request again is the same callback; another number is not.
  assert.deepEqual(await c.request({ type: 'callback', session: s.session, phone: PHONE }), { ...cb, re: 'r' + c.seq });
  const other = await c.request({ type: 'callback', session: s.session, phone: '22 33 44 55' });
  assert.equal(other.code, 'conflict');

  // It left the live queue and reached the agents' callback list.
  const removed = await nextMatching(watcher, (m) => m.type === 'queue_changed' && m.removed);
  assert.deepEqual(removed.removed, [ho.code]);
  const changed = await nextMatching(watcher, (m) => m.type === 'callbacks_changed');
  assert.equal(changed.added.length, 1);
  const item = changed.added[0];
  assert.equal(item.code, ho.code);
  assert.equal(item.phone, PHONE);
  assert.equal(item.country, 'no');
  assert.equal(item.lang, 'nb');
  assert.deepEqual(item.step.facts, s.facts, 'the agent sees what the citizen told');
  assert.equal(item.until, cb.until);
  const queue = await watcher.request({ type: 'queue' });
  assert.ok(!queue.items.some((i) => i.code === ho.code), 'no longer waiting for a chat');

  // A restart keeps it.
  await watcher.close();
  await c.close();
  await d.stop();
  logs.push(...d.log);
  d = await start({ config, dir: d.dir, tokens: d.tokens });
  const a1 = await agent(d);
  const list = await a1.request({ type: 'callbacks' });
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].code, ho.code);
  assert.equal(list.items[0].phone, PHONE);
  assert.deepEqual(list.items[0].step.facts, s.facts);
  const a2 = await agent(d, d.tokens.agent2);
  await a2.request({ type: 'callbacks' });

  // Done: every agent's list loses it; the row and the number leave the file.
  const done = await a1.request({ type: 'callback_done', code: ho.code });
  assert.equal(done.type, 'callback_done', JSON.stringify(done));
  assert.deepEqual(await nextMatching(a2, (m) => m.type === 'callbacks_changed'),
    { type: 'callbacks_changed', removed: [ho.code] });
  assert.equal((await a1.request({ type: 'callback_done', code: ho.code })).code, 'not_found');
  assert.deepEqual((await a2.request({ type: 'callbacks' })).items, []);
  // While the daemon runs: the writer deletes the row, then (idle) copies the
  // zeroed pages into the file and empties the WAL, within about a second.
  const db = join(d.dir, 'vegvisar.db');
  const numberInFiles = () => [db, `${db}-wal`].filter((f) => existsSync(f) && readFileSync(f).indexOf('912 34 567') >= 0);
  const deadline = Date.now() + 15000;
  while (numberInFiles().length && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 100));
  assert.deepEqual(numberInFiles(), [], 'the number is gone from the .db and -wal files');
  assert.deepEqual(sqlite(db, 'SELECT code FROM callbacks'), []);
  await d.stop();
  logs.push(...d.log);
  assert.deepEqual(numberInFiles(), []);
  assert.ok(logs.some((l) => l.includes(`callback ${ho.code}`)), 'the log names the code');
  assert.ok(!logs.some((l) => l.includes('912 34 567') || l.includes('91234567')), 'and never the number');
});

test('callbacks are bounded per address and in all, and counted in /metrics', async () => {
  const d = await start({ config: { desk_hours: { no: closedHours() },
    bounds: { callbacks_per_address: 1, callbacks_total: 2 } } });
  const ask = async (from) => {
    const { c, s } = await handedOver(d, from);
    return c.request({ type: 'callback', session: s.session, phone: '912 34 567' });
  };
  assert.equal((await ask('127.0.0.1')).type, 'callback');
  let r = await ask('127.0.0.1');
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /bounds\.callbacks_per_address/);
  assert.equal((await ask('127.0.0.2')).type, 'callback');
  r = await ask('127.0.0.3');
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /bounds\.callbacks_total/);
  const m = await (await fetch(`${d.url}/metrics`)).text();
  assert.match(m, /vegvisar_bounds_refused_total\{bound="callbacks_per_address"\} 1/);
  assert.match(m, /vegvisar_bounds_refused_total\{bound="callbacks_total"\} 1/);
});

test('a bad desk_hours stops the start with an error naming the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vegvisar-hours-'));
  const cases = [
    [{ no: { timezone: ZONE, week: { mon: '8-16' } } }, /desk_hours\.no\.week\.mon must be "HH:MM-HH:MM"/],
    [{ no: { timezone: 'Europe/Atlantis', week: {} } }, /desk_hours\.no\.timezone: unknown time zone "Europe\/Atlantis"/],
    [{ no: { timezone: ZONE, week: {}, holidays: ['2026-13-01'] } }, /desk_hours\.no\.holidays\[0\] must be a date/],
  ];
  for (const [hours, re] of cases) {
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ desk_hours: hours }));
    const r = run(['--config', join(dir, 'c.json'), '--db', join(dir, 'x.db')]);
    assert.equal(r.status, 1, `${JSON.stringify(hours)} must stop the start`);
    assert.match(r.stderr, re);
  }
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ callback_retention_hours: 0 }));
  const r = run(['--config', join(dir, 'c.json'), '--db', join(dir, 'x.db')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /"callback_retention_hours" must be a whole number/);
});
