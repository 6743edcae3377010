// Reports and exports against the real daemon, the refusals: the referral
// target in welcome and in the config, requests without a supervisor token
// or with bad parameters, bad periods or retention in the config,
// `vegvisard report`'s errors, and note retention at start. The figures
// themselves are report.test.mjs's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, Client, agent, run } from './lib.mjs';
import { DAY, periodsAround, sqlite3, get, getFrom, getJson } from './report-lib.mjs';

// A daemon with the same periods and referral target as report.test.mjs's,
// nothing fed: these tests need its configuration and its store only.
let d;
const today = Date.now();
const periods = periodsAround(today);
// Each wrong token is sent from a loopback address of its own.
let sourceAddresses = 0;

before(async () => { d = await startDaemon({ config: { periods, referral_target: 0.33 } }); });
after(async () => { await d.stop(); d.cleanup(); });

test('the desk\'s referral target from the config reaches supervisors in welcome; a bad one stops the start', async () => {
  const s = await Client.open(d);
  try {
    const w = await s.request({ type: 'hello', role: 'supervisor', token: d.tokens.supervisor });
    assert.equal(w.type, 'welcome');
    assert.equal(w.referral_target, 0.33, 'the dashboard\'s default target');
  } finally { s.close(); }
  const a = await agent(d);
  assert.equal(a.welcome.referral_target, undefined, 'agents are not sent it');
  a.close();
  const dir = mkdtempSync(join(tmpdir(), 'vegvisar-target-'));
  try {
    for (const bad of [33, -0.1, '0.33', { no: 0.33 }]) {
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ referral_target: bad }));
      const r = run(['--config', join(dir, 'c.json'), '--db', join(dir, 'x.db')]);
      assert.equal(r.status, 1, `referral_target ${JSON.stringify(bad)} must stop the start`);
      assert.match(r.stderr, /"referral_target" must be a number from 0 to 1/);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('without a supervisor token: 401; bad parameters: 400 naming the parameter', async () => {
  for (const path of ['/api/v1/report', '/api/v1/contacts.csv', '/api/v1/contacts.ndjson']) {
    for (const token of [null, 'not-a-token', d.tokens.agent]) {
      // Each wrong token from an address of its own: a wrong token is a failed
      // sign-in, and the address then waits (429, http.test.mjs) before its next.
      const r = await getFrom(d, path, token, `127.0.0.${20 + sourceAddresses++}`);
      assert.equal(r.status, 401, `${path} with ${token ? 'a wrong' : 'no'} token`);
      assert.match(JSON.parse(r.body).error, /supervisor token/);
    }
    for (const [q, re] of [
      ['from=2026-02-30', /"from" must be a real date YYYY-MM-DD, not "2026-02-30"/],
      ['to=yesterday', /"to" must be a real date/],
      ['from=2026-10-02&to=2026-10-01', /"from" 2026-10-02 is after "to" 2026-10-01/],
      ['period=2031-1', /"period": no period "2031-1" is configured \(configured: current, y2020\)/],
      ['period=current&from=2026-01-01', /"period" stands for its own dates/],
      ['country=NOR', /"country" must be a two-letter country code/],
      ['channel=fax', /"channel": "fax" is not allowed; allowed: phone, chat, widget, desk/],
      ['colour=red', /unknown parameter "colour"/],
      ['from=2026-01-01&limit=5', /unknown parameter "limit"/],
    ]) {
      const r = await get(d, `${path}?${q}`);
      assert.equal(r.status, 400, `${path}?${q}`);
      assert.match(JSON.parse(r.body).error, re, `${path}?${q}`);
    }
  }
  const r = await fetch(`${d.url}/api/v1/report`, { method: 'POST', headers: { Authorization: `Bearer ${d.tokens.supervisor}` } });
  assert.equal(r.status, 405);
});

test('bad periods or retention in the config stop the start, naming the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vegvisar-periods-'));
  try {
    for (const [conf, re] of [
      [{ periods: [{ id: 'a', from: '2026-02-01', to: '2026-02-30' }] }, /periods\[0\]\.to must be a real date YYYY-MM-DD \(got "2026-02-30"\)/],
      [{ periods: [{ id: 'a', from: '2026-03-01', to: '2026-02-01' }] }, /periods\[0\] \("a"\): from 2026-03-01 is after to 2026-02-01/],
      [{ periods: [{ id: 'a', from: '2026-01-01', to: '2026-06-30' }, { id: 'a', from: '2026-07-01', to: '2026-12-31' }] }, /periods\[1\]\.id "a" is already used by periods\[0\]/],
      [{ periods: [{ id: 'a', from: '2026-01-01', to: '2026-06-30' }, { id: 'b', from: '2026-06-30', to: '2026-12-31' }] }, /periods\[1\] \("b", 2026-06-30 to 2026-12-31\) overlaps periods\[0\]/],
      [{ note_retention_days: 0 }, /"note_retention_days" must be a whole number of days from 1 to 3650/],
    ]) {
      writeFileSync(join(dir, 'c.json'), JSON.stringify(conf));
      const r = run(['--config', join(dir, 'c.json'), '--db', join(dir, 'x.db'), '--listen', '127.0.0.1:1']);
      assert.equal(r.status, 1, `${JSON.stringify(conf)} must stop the start`);
      assert.match(r.stderr, re);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('vegvisard report: errors name the option and exit 1', () => {
  const db = join(d.dir, 'vegvisar.db');
  for (const [args, re] of [
    [['--from', '2026-13-01'], /--from must be a real date/],
    [['--period', 'current'], /--period needs --config FILE/],
    [['--format', 'xml'], /--format must be text, json or csv/],
    [['--channel', 'fax'], /--channel: "fax" is not allowed/],
  ]) {
    const r = run(['report', '--db', db, ...args]);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, re);
  }
  const missing = run(['report', '--db', join(d.dir, 'nope.db')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.db: cannot open/);
  const help = run(['report', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--format F/);
});

test('notes older than note_retention_days are erased at start; the contacts stay', async () => {
  const n = await startDaemon({ config: { note_retention_days: 1 } });
  const db = join(n.dir, 'vegvisar.db');
  try {
    await n.stop();
    const now = Date.now();
    const row = (key, age, note) => `('${key}', ${now - age - 60000}, ${now - age}, 'phone', 'no', 'nb', 'x', '[]', '{}', 'resolved', 'login', ${note ? `'${note}'` : 'NULL'})`;
    sqlite3(db, `INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang, rules_version, path, facts, outcome, category, note) VALUES
      ${row('ten-days', 10 * DAY, 'old note')}, ${row('two-days', 2 * DAY, 'older note')},
      ${row('one-hour', 3600000, 'recent note')}, ${row('no-note', 10 * DAY, null)}`);
    const again = await startDaemon({ dir: n.dir, config: { note_retention_days: 1 } });
    try {
      await again.waitForLog(/erased the notes of 2 contacts finished before/, 'the retention run at start');
      const a = await agent(again);
      const step = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', facts: { on_behalf: 'self', topic: 'deceased_estate' } });
      const logged = await a.request({ type: 'finish', session: step.session, key: 'fresh', outcome: 'resolved', note: 'fresh note' });
      assert.equal(logged.type, 'logged');
      await a.close();
      const rows = (await get(again, '/api/v1/contacts.ndjson')).body.trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.equal(rows.length, 5, 'every contact is still counted');
      // By id: ten-days, two-days, one-hour, no-note, fresh.
      assert.deepEqual(rows.sort((x, y) => x.id - y.id).map((r) => r.note), [null, null, 'recent note', null, 'fresh note']);
      assert.equal(rows[4].period, null, 'no period configured: the column stays empty');
      assert.equal((await getJson(again, '/api/v1/report')).total, 5);
    } finally {
      await again.stop();
    }
  } finally {
    n.cleanup();
  }
});