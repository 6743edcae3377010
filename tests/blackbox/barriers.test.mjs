// The survey's second half (issue 21) against the real daemon: 1,000
// contacts finished with known barriers through the websocket protocol; the
// HTTP report, `vegvisard report` (json, csv, text) and the CSV and NDJSON
// exports must reproduce every barrier figure and every cross-tabulation
// (category, channel, on whose behalf, outcome) computed here from what was
// sent, with counts below the default threshold of 5 shown as "< 5" in every
// aggregate and exact in the row exports. Stories are scrubbed, exported per
// period and never in the operational export; bad barriers are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startDaemon, Client, agent, run, parseCsv } from './lib.mjs';
import { BARRIERS, CROSSED, expectedBarriers, suppress, barrierRows, planBarriers } from './barriers-lib.mjs';

const N = 1000;
const DAY = 86400000;

function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(2121);
const pick = (list) => list[Math.floor(rand() * list.length)];

function localDay(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function sqlite3(db, sql) {
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout;
}

async function get(d, path) {
  const res = await fetch(`${d.url}${path}`, { headers: { Authorization: `Bearer ${d.tokens.supervisor}` } });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

// ---- the plan ------------------------------------------------------------------

// Categories, on whose behalf and outcomes skewed so that the cross
// tables have large and small cells; every contact has its key fields.
function plan() {
  const cs = [];
  for (let i = 0; i < N; i++) {
    const r = rand();
    const c = {
      key: `barrier-${i}`,
      channel: i < 20 ? 'widget' : pick(['phone', 'phone', 'phone', 'chat', 'chat', 'desk']),
      category: r < 0.45 ? 'login' : r < 0.7 ? 'reservation' : r < 0.85 ? 'power_of_attorney' : r < 0.95 ? 'agency' : r < 0.99 ? 'estate' : 'other',
      on_behalf: pick(['self', 'self', 'another_person', 'another_person', 'unknown']) === 'unknown' && rand() < 0.1 ? 'organisation' : pick(['self', 'another_person', 'another_person', 'unknown']),
      barriers: planBarriers(rand),
    };
    const o = rand();
    c.outcome = o < 0.33 ? 'referred' : o < 0.97 ? 'resolved' : 'abandoned';
    // A few stories, some with identifiers the scrubber must remove.
    if (i % 33 === 5) c.story = `Historie ${i}: kom ikke inn, ring 98765432 eller skriv til ola@example.no`;
    if (i % 33 === 5 && i % 2) c.note = `Operativt notat ${i}`;
    cs.push(c);
  }
  return cs;
}

function finishMsg(c, step) {
  const msg = { type: 'finish', session: step.session, key: c.key, outcome: c.outcome, category: c.category,
    on_behalf: c.on_behalf };
  if (c.outcome === 'referred') Object.assign(msg, { destination: 'no.nav', referral_reason: 'wrong_agency' });
  if (c.barriers.length || c.key.endsWith('7')) msg.barriers = c.barriers;
  if (c.story) msg.story = c.story;
  if (c.note) msg.note = c.note;
  return msg;
}

async function feed(c, client) {
  const step = await client.request({ type: 'start', country: 'no', channel: c.channel, lang: 'nb', facts: { topic: 'login' } });
  assert.equal(step.type, 'step', JSON.stringify(step));
  const logged = await client.request(finishMsg(c, step));
  assert.equal(logged.type, 'logged', `finish ${c.key}: ${JSON.stringify(logged)}`);
  c.id = logged.contact;
}

// ---- the scenario ----------------------------------------------------------------

let d;
const contacts = plan();
const today = Date.now();
const periods = [
  { id: 'current', from: localDay(today - 10 * DAY), to: localDay(today + 10 * DAY) },
  { id: 'y2020', from: '2020-01-01', to: '2020-12-31' },
];

before(async () => {
  // suppress_below left out: the daemon's default (5) applies.
  d = await startDaemon({ config: { periods, suppress_below: undefined } });
  const agents = await Promise.all([1, 2, 3, 4].map(() => agent(d)));
  const citizen = await Client.open(d, { from: '127.0.0.6' });
  assert.equal((await citizen.request({ type: 'hello', role: 'citizen', lang: 'nb' })).type, 'welcome');
  const staff = contacts.filter((c) => c.channel !== 'widget');
  const widget = contacts.filter((c) => c.channel === 'widget');
  await Promise.all([
    ...agents.map(async (a, k) => { for (let i = k; i < staff.length; i += agents.length) await feed(staff[i], a); }),
    (async () => { for (const c of widget) await feed(c, citizen); })(),
  ]);
  await Promise.all([...agents, citizen].map((c) => c.close()));
});
after(async () => { await d.stop(); d.cleanup(); });

const expected = (cs, below) => suppress({ total: cs.length, ...expectedBarriers(cs) }, below);
const pickBarriers = (rep) => ({ total: rep.total, barrier: rep.barrier, barrier_by: rep.barrier_by });

test('the plan has large and small cells, so suppression is tested both ways', () => {
  const exp = JSON.stringify(expected(contacts, 5));
  assert.match(exp, /"< 5"/, 'some cells are below 5');
  const e = expected(contacts, 5);
  assert.ok(Object.values(e.barrier).some((x) => Number.isInteger(x.count) && x.count >= 5), 'some cells are shown');
  assert.ok(e.barrier_by.outcome.referred.barrier.no_eid.count >= 5, 'of those referred, how many lacked an eID: shown');
  assert.equal(new Set(contacts.map((c) => c.id)).size, N, 'every contact was logged once');
});

test('GET /api/v1/report: every barrier figure and cross-tabulation, small cells as "< 5"', async () => {
  const r = await get(d, '/api/v1/report');
  assert.equal(r.status, 200);
  const rep = JSON.parse(r.body);
  assert.deepEqual(pickBarriers(rep), expected(contacts, 5));
  // The other breakdowns are suppressed too: the one "estate" relation or
  // the few abandoned contacts are not shown as numbers below 5.
  const all = JSON.stringify(rep);
  assert.doesNotMatch(all, /"count":[1-4][,}]/, 'no count from 1 to 4 anywhere in the report');
  assert.deepEqual(Object.keys(rep.barrier_by), Object.keys(CROSSED));
  for (const code of BARRIERS) assert.ok(code in rep.barrier, `${code} is listed, also at zero`);
});

test('vegvisard report: json, csv and text reproduce the same, suppressed; --suppress-below changes the threshold', () => {
  const db = join(d.dir, 'vegvisar.db');
  const json = run(['report', '--db', db, '--format', 'json']);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(pickBarriers(JSON.parse(json.stdout)), expected(contacts, 5));
  const ten = run(['report', '--db', db, '--format', 'json', '--suppress-below', '10']);
  assert.deepEqual(pickBarriers(JSON.parse(ten.stdout)), expected(contacts, 10));
  const exact = run(['report', '--db', db, '--format', 'json', '--suppress-below', '1']);
  assert.deepEqual(pickBarriers(JSON.parse(exact.stdout)), expected(contacts, 1));

  const want = new Map(barrierRows({ total: N, ...expected(contacts, 5) }).map((r) => [`${r[0]}/${r[1]}`, r]));
  const csv = run(['report', '--db', db, '--format', 'csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const got = parseCsv(csv.stdout).filter((r) => r[0].startsWith('barrier'));
  assert.equal(got.length, want.size, 'one CSV row per barrier figure');
  for (const [section, value, count, of, pct] of got) {
    const [, , n, o] = want.get(`${section}/${value}`);
    assert.equal(count, String(n), `csv ${section}/${value} count`);
    assert.equal(of, String(o), `csv ${section}/${value} of`);
    if (typeof n === 'string' || typeof o === 'string') assert.equal(pct, '', `csv ${section}/${value}: no percent for a hidden count`);
    else if (o) assert.equal(pct, (Math.floor((2000 * n + o) / (2 * o)) / 10).toFixed(1), `csv ${section}/${value} percent`);
  }

  const text = run(['report', '--db', db]);
  assert.equal(text.status, 0, text.stderr);
  let section = null;
  let seen = 0;
  for (const line of text.stdout.split('\n')) {
    let m;
    if ((m = /^Barriers, (\S+) (\S+)\s+count\s+%$/.exec(line))) { section = `barrier_by_${m[1]}.${m[2]}`; continue; }
    if (/^Barriers \(several per contact\)/.test(line)) { section = 'barrier'; continue; }
    if (/^\S/.test(line)) { section = null; continue; }
    if (section && (m = /^ {2}(\S+)\s+(< \d+|\d+)\b/.exec(line)) && !/^\(of/.test(m[1])) {
      assert.equal(m[2], String(want.get(`${section}/${m[1]}`)[2]), `text ${section}/${m[1]}`);
      seen++;
    }
  }
  assert.equal(seen, want.size, 'the text table shows every barrier figure');
});

// The row exports are not aggregates: exact, for supervisors only.
function tabulate(rows) {
  return rows.map((r) => ({ ...r, barriers: r.barriers || [] }));
}

test('the CSV and NDJSON exports carry every contact\'s barriers: the cross-tabulations again, exact', async () => {
  const csv = await get(d, '/api/v1/contacts.csv');
  assert.equal(csv.status, 200);
  const rows = parseCsv(csv.body);
  const header = rows[0];
  // One column per barrier code, in the codes' order: 1 or 0, empty when none were recorded.
  assert.deepEqual(header.slice(-BARRIERS.length), BARRIERS.map((b) => `barrier_${b}`));
  const fromCsv = rows.slice(1).map((cells) => {
    const o = Object.fromEntries(header.map((h, k) => [h, cells[k]]));
    for (const b of BARRIERS) assert.match(o[`barrier_${b}`], /^[01]?$/, `barrier_${b} is 1, 0 or empty`);
    return { ...o, barriers: BARRIERS.filter((b) => o[`barrier_${b}`] === '1') };
  });
  assert.equal(fromCsv.length, N);
  assert.deepEqual(expected(tabulate(fromCsv), 1), expected(contacts, 1));
  assert.deepEqual(expected(tabulate(fromCsv), 5), pickBarriers(JSON.parse((await get(d, '/api/v1/report')).body)));

  const nd = await get(d, '/api/v1/contacts.ndjson');
  const fromNd = nd.body.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(fromNd.length, N);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  for (const row of fromNd) assert.deepEqual(row.barriers, byId.get(row.id).barriers.length ? byId.get(row.id).barriers : null);
  assert.deepEqual(expected(tabulate(fromNd), 1), expected(contacts, 1));
  const noAuth = await fetch(`${d.url}/api/v1/contacts.ndjson`);
  assert.equal(noAuth.status, 401, 'row exports stay for supervisors');
});

test('stories: scrubbed, exported per period apart from the contacts, never in the operational export', async () => {
  const told = contacts.filter((c) => c.story);
  const db = join(d.dir, 'vegvisar.db');
  // One story of an earlier period, stored as an older daemon would have.
  sqlite3(db, "INSERT INTO stories (contact_id, finished_ms, country, channel, lang, category, outcome, text)"
    + ` VALUES (999999, ${Date.parse('2020-06-01T12:00:00')}, 'no', 'phone', 'nb', 'login', 'resolved', 'Historie fra 2020')`);

  const cur = await get(d, '/api/v1/stories.ndjson?period=current');
  assert.equal(cur.status, 200);
  assert.equal(cur.type, 'application/x-ndjson');
  const stories = cur.body.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(stories.length, told.length);
  assert.deepEqual(Object.keys(stories[0]), ['id', 'finished', 'country', 'channel', 'lang', 'category', 'outcome', 'on_behalf', 'barriers', 'story']);
  const byText = new Map(told.map((c) => [c.story.split(':')[0], c]));
  for (const s of stories) {
    const c = byText.get(s.story.split(':')[0]);
    assert.ok(c, `story "${s.story}" was told`);
    assert.doesNotMatch(s.story, /98765432|ola@example\.no/, 'phone numbers and e-mail addresses are scrubbed');
    assert.equal(s.category, c.category);
    assert.equal(s.outcome, c.outcome);
    assert.deepEqual(s.barriers, c.barriers.length ? c.barriers : null);
  }
  const old = await get(d, '/api/v1/stories.csv?period=y2020');
  const oldRows = parseCsv(old.body);
  assert.deepEqual(oldRows[0], ['id', 'finished_utc', 'country', 'channel', 'lang', 'category', 'outcome', 'on_behalf',
    ...BARRIERS.map((b) => `barrier_${b}`), 'story']);
  assert.match(oldRows[1][1], /^2020-06-01 \d\d:00:00$/, 'the date as a spreadsheet reads it, in UTC');
  assert.deepEqual(oldRows.slice(1).map((r) => r.at(-1)), ['Historie fra 2020'], 'the earlier period has its own story only');
  const cli = run(['report', '--db', db, '--stories', '--format', 'ndjson', '--from', periods[0].from, '--to', periods[0].to]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(cli.stdout.trimEnd().split('\n').length, told.length);

  // The operational export has the notes, not the stories.
  const ops = (await get(d, '/api/v1/contacts.ndjson')).body;
  for (const c of told) assert.ok(!ops.includes(c.story.split(':')[0]), `${c.key}'s story is not in the contacts export`);
  const rows = ops.trimEnd().split('\n').map((l) => JSON.parse(l));
  for (const c of told.filter((x) => x.note)) assert.equal(rows.find((r) => r.id === c.id).note, c.note, 'the note stays the note');
  assert.equal((await fetch(`${d.url}/api/v1/stories.csv`)).status, 401, 'stories are for supervisors');
});

test('finish refuses bad barriers and stories, naming the field; none are required', async () => {
  const a = await agent(d);
  const start = () => a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', facts: { topic: 'login' } });
  let s = await start();
  const tries = [
    [{ barriers: 'no_eid' }, 'bad_request', /"barriers" must be an array/],
    [{ barriers: ['no_eid', 'no_eid'] }, 'bad_request', /"no_eid" is listed twice/],
    [{ barriers: ['no_passport'] }, 'bad_request', /"barriers"\[0\] is not a barrier code; allowed: no_eid, cannot_get_eid/],
    [{ barriers: [1] }, 'bad_request', /not a barrier code/],
    [{ barriers: [...BARRIERS, 'other'] }, 'bad_request', /at most 13/],
    [{ story: 'x'.repeat(4001) }, 'too_large', /"story" is 4001 bytes/],
    [{ story: 7 }, 'bad_request', /story/],
  ];
  for (const [extra, code, re] of tries) {
    const r = await a.request({ type: 'finish', session: s.session, key: `bad-${code}-${JSON.stringify(extra).length}`, outcome: 'resolved', ...extra });
    assert.equal(r.type, 'error', JSON.stringify(extra));
    assert.equal(r.code, code, JSON.stringify(r));
    assert.match(r.message, re);
  }
  const ok = await a.request({ type: 'finish', session: s.session, key: 'fine-empty', outcome: 'resolved', barriers: [] });
  assert.equal(ok.type, 'logged', JSON.stringify(ok));
  s = await start();
  const all = await a.request({ type: 'finish', session: s.session, key: 'fine-all', outcome: 'resolved', barriers: [...BARRIERS].reverse() });
  assert.equal(all.type, 'logged');
  const row = JSON.parse(sqlite3(join(d.dir, 'vegvisar.db'), `SELECT barriers FROM contacts WHERE id = ${all.contact}`));
  assert.deepEqual(row, BARRIERS, 'stored in the vocabulary\'s order');
  await a.close();
});
