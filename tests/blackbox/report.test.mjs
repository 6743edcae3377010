// Reports and exports against the real daemon: 1,200 contacts with the
// published shape of Digdir's user-support survey (44 % access and login,
// 24 % reservation, half on behalf of someone else, one in three referred
// onward, mostly to the wrong agency or without a mandate) are fed through
// the websocket protocol; the HTTP report, `vegvisard report` in all three
// formats, and the CSV and NDJSON exports must reproduce every figure,
// computed here from what was sent, and so must the filters. The refusals
// (errors, bad configuration) and note retention are report-errors.test.mjs's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDaemon, Client, agent, run, parseCsv } from './lib.mjs';
import { DAY, localDay, periodsAround, sqlite3, get, getJson } from './report-lib.mjs';
import { BARRIERS, expectedBarriers, barrierRows, planBarriers } from './barriers-lib.mjs';

const N = 1200;

// ---- helpers ----------------------------------------------------------------

// Deterministic randomness, so a failure can be replayed.
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(20231);
const pick = (list) => list[Math.floor(rand() * list.length)];
function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
// [[value, count], …] → a shuffled list with exactly those counts.
const quota = (pairs) => shuffle(pairs.flatMap(([v, n]) => Array(n).fill(v)));

// ---- the survey's shape -----------------------------------------------------

const KNOWN = {
  category: ['login', 'reservation', 'power_of_attorney', 'agency', 'estate', 'other'],
  on_behalf: ['self', 'another_person', 'organisation', 'unknown'],
  relation: ['adult_child_for_parent', 'parent_for_child', 'guardian', 'spouse_or_partner',
    'other_family', 'friend_or_neighbour', 'professional_helper', 'other'],
  age_band: ['under_18', '18_29', '30_49', '50_66', '67_79', '80_plus', 'unknown'],
  outcome: ['resolved', 'referred', 'abandoned'],
  channel: ['phone', 'chat', 'widget', 'desk'],
  reason: ['wrong_agency', 'no_mandate', 'needs_in_person', 'other'],
};
const DESTINATIONS = {
  no: ['no.digdir.idporten', 'no.digdir.altinn', 'no.nav', 'no.nav.kontor', 'no.bank', 'no.tingretten', 'no.kommune'],
  dk: ['dk.mitid', 'dk.borgerservice'],
};
// Notes chosen to exercise CSV quoting and the formula guard; no digits,
// so the scrubber leaves them as they are.
const NOTES = ['Ringte for mor, manglet fullmakt.', '=ring tilbake', '-ikke mottatt brev',
  '@altinn spørsmål', '+ekstra hjelp', 'Sa "BankID virker ikke", fikk råd', 'to linjer\nandre linje',
  'Ærlig talt: æøå, ÆØÅ', '\tinnrykket'];

// Facts that lead the fixture tree (tests/fixtures/rules) to a result of the
// planned category, or, for "other", stop before the topic is known.
function factsFor(c) {
  const f = { on_behalf: c.on_behalf };
  if (c.country === 'no') {
    if (c.on_behalf === 'another_person') f.authority = pick(['written_poa', 'guardian']);
    switch (c.category) {
      case 'login':
        f.topic = 'login';
        f.login_method = pick(['bankid', 'minid', 'unknown']);
        if (f.login_method === 'minid') f.login_problem = pick(['forgotten_password', 'phone_number_changed']);
        if (f.login_method === 'bankid') f.login_problem = pick(['lost_or_stolen', 'unknown']);
        break;
      case 'reservation': f.topic = 'digital_post'; break;
      case 'power_of_attorney':
        f.topic = 'power_of_attorney'; // → poa.give for oneself, poa.nav for another
        if (c.on_behalf === 'another_person') Object.assign(f, { authority: 'written_poa', service: 'welfare_benefit' });
        break;
      case 'agency':
        f.topic = 'case_matter';
        f.service = pick(['welfare_benefit', 'social_assistance', 'unknown']);
        if (f.authority) f.authority = 'guardian'; // a written one with NAV is power_of_attorney
        break;
      case 'estate': f.topic = 'deceased_estate'; break;
    }
  } else {
    switch (c.category) {
      case 'login':
        f.topic = 'login';
        f.login_problem = pick(['forgotten_password', 'eid_blocked', 'unknown']);
        break;
      case 'reservation': f.topic = 'digital_post'; break;
      case 'agency': f.topic = 'unknown'; f.login_problem = 'unknown'; break;
    }
  }
  return f;
}

function plan() {
  const cats = quota([['login', 528], ['reservation', 288], ['power_of_attorney', 144], ['agency', 120], ['estate', 72], ['other', 48]]);
  const cs = cats.map((category, i) => ({ i, key: `survey-${i}`, category, country: 'no' }));
  // Denmark's fixture tree knows login, reservation and "anything else".
  const dkQuota = { login: 60, reservation: 30, agency: 20, other: 10 };
  for (const c of cs) if (dkQuota[c.category] > 0) { dkQuota[c.category]--; c.country = 'dk'; }
  // Citizens in the widget: 40 Norwegian login and reservation contacts.
  let widgets = 40;
  for (const c of cs) {
    if (widgets && c.country === 'no' && (c.category === 'login' || c.category === 'reservation')) { c.channel = 'widget'; widgets--; }
  }
  const channels = quota([['phone', 700], ['chat', 300], ['desk', 160]]);
  for (const c of cs) if (!c.channel) c.channel = channels.pop();
  // Half on behalf of someone else (the fixture has no result for
  // organisations, and power of attorney is for oneself or another person).
  const behalf = quota([['another_person', 600], ['self', 480], ['unknown', 120]]);
  for (const c of cs) if (!c.on_behalf) c.on_behalf = behalf.pop();
  for (const c of cs) if (c.category === 'power_of_attorney' && c.on_behalf === 'unknown') c.on_behalf = 'self';
  // One in three referred, mostly the wrong agency or no mandate.
  const outcomes = quota([['referred', 400], ['resolved', 776], ['abandoned', 24]]);
  const reasons = quota([['wrong_agency', 190], ['no_mandate', 130], ['needs_in_person', 50], ['other', 30]]);
  for (const c of cs) {
    c.outcome = outcomes.pop();
    if (c.outcome === 'referred') c.referral_reason = reasons.pop();
    if (c.on_behalf === 'another_person' && rand() < 0.9)
      c.relation = rand() < 0.5 ? 'adult_child_for_parent' : pick(KNOWN.relation);
    if (rand() < 0.85) c.age_band = rand() < 0.4 ? '80_plus' : pick(KNOWN.age_band);
    if (rand() < 0.15) c.note = pick(NOTES);
    c.lang = c.country === 'dk' ? 'da' : 'nb';
    c.facts = factsFor(c);
  }
  return cs;
}

// After start: the tree's suggestion, then the destination sent at finish.
function finishFor(c, step) {
  const msg = { type: 'finish', session: step.session, key: c.key, outcome: c.outcome };
  c.suggested = step.result ? step.result.destination.id : null;
  c.path = step.path;
  c.factsAtEnd = step.facts;
  c.destination = c.suggested;
  const others = DESTINATIONS[c.country].filter((x) => x !== c.suggested);
  if (c.outcome === 'referred') {
    // Usually where the tree pointed; sometimes the agent knows better.
    if (!c.suggested || rand() < 0.25) c.destination = pick(others);
    msg.destination = c.destination;
    msg.referral_reason = c.referral_reason;
  } else if (c.suggested && rand() < 0.1) {
    c.destination = pick(others);
    msg.destination = c.destination;
  }
  if (c.relation) msg.relation = c.relation;
  if (c.age_band) msg.age_band = c.age_band;
  if (c.note) msg.note = c.note;
  c.barriers = planBarriers(rand);
  if (c.barriers.length || rand() < 0.5) msg.barriers = c.barriers;
  return msg;
}

async function feed(c, client) {
  const step = await client.request({ type: 'start', country: c.country, channel: c.channel, lang: c.lang, facts: c.facts });
  assert.equal(step.type, 'step', `start ${c.key}: ${JSON.stringify(step)}`);
  if (c.category === 'other') assert.ok(step.question, `${c.key} stops at a question`);
  else assert.equal(step.result?.category, c.category, `${c.key}: facts ${JSON.stringify(c.facts)} lead to ${c.category}`);
  const logged = await client.request(finishFor(c, step));
  assert.equal(logged.type, 'logged', `finish ${c.key}: ${JSON.stringify(logged)}`);
  c.id = logged.contact;
}

// ---- the expected figures, from what was sent --------------------------------

function table(known, values, of) {
  const counts = new Map(known.map((k) => [k, 0]));
  for (const v of values) counts.set(v ?? 'not_recorded', (counts.get(v ?? 'not_recorded') || 0) + 1);
  const out = {};
  for (const [k, n] of counts) out[k] = { count: n, share: of ? n / of : null };
  return out;
}

function followed(cs) {
  const withSugg = cs.filter((c) => c.suggested);
  const n = withSugg.filter((c) => c.destination === c.suggested).length;
  return { contacts: withSugg.length, followed: n, share: withSugg.length ? n / withSugg.length : null };
}

function expectedReport(cs, filter) {
  const total = cs.length;
  const referred = cs.filter((c) => c.outcome === 'referred');
  const resolved = cs.filter((c) => c.outcome === 'resolved').length;
  const rep = {
    filter: { from: null, to: null, period: null, country: null, channel: null, ...filter },
    total,
  };
  for (const dim of ['category', 'on_behalf', 'relation', 'age_band', 'outcome', 'channel'])
    rep[dim] = table(KNOWN[dim], cs.map((c) => c[dim]), total);
  rep.referral = {
    resolved,
    referred: referred.length,
    rate: resolved + referred.length ? referred.length / (resolved + referred.length) : null,
    reason: table(KNOWN.reason, referred.map((c) => c.referral_reason), referred.length),
    destination: table([], referred.map((c) => c.destination), referred.length),
  };
  rep.suggested = { ...followed(cs), referred: followed(referred) };
  Object.assign(rep, expectedBarriers(cs));
  return rep;
}

// The report as rows of section, value, count, of: what the CSV and the
// text table show. Percent is rounded half up from integers, as documented.
const percent = (n, of) => (of ? (Math.floor((2000 * n + of) / (2 * of)) / 10).toFixed(1) : '-');
function reportRows(rep) {
  const rows = [['contacts', 'total', rep.total, '']];
  for (const dim of ['category', 'on_behalf', 'relation', 'age_band', 'channel', 'outcome'])
    for (const [v, e] of Object.entries(rep[dim])) rows.push([dim, v, e.count, rep.total]);
  const r = rep.referral;
  rows.push(['referral_rate', 'referred', r.referred, r.resolved + r.referred]);
  for (const [v, e] of Object.entries(r.reason)) rows.push(['referral_reason', v, e.count, r.referred]);
  for (const [v, e] of Object.entries(r.destination)) rows.push(['referral_destination', v, e.count, r.referred]);
  rows.push(['suggested', 'followed', rep.suggested.followed, rep.suggested.contacts]);
  rows.push(['suggested_referred', 'followed', rep.suggested.referred.followed, rep.suggested.referred.contacts]);
  return rows.concat(barrierRows(rep));
}
const rowKey = (r) => `${r[0]}/${r[1]}`;
function assertRows(actual, expected, what) {
  const exp = new Map(expected.map((r) => [rowKey(r), r]));
  const act = new Map(actual.map((r) => [rowKey(r), r]));
  assert.deepEqual([...act.keys()].sort(), [...exp.keys()].sort(), `${what}: the same rows`);
  for (const [k, [s, v, n, of]] of exp) {
    const a = act.get(k);
    assert.equal(Number(a[2]), n, `${what}: ${k} count`);
    if (of !== '') {
      assert.equal(Number(a[3]), of, `${what}: ${k} of`);
      assert.equal(a[4], of ? percent(n, of) : (what === 'text' ? '-' : ''), `${what}: ${k} percent`);
    }
  }
}

const TITLES = {
  'Category': 'category', 'On whose behalf': 'on_behalf', 'Relation to the person helped': 'relation',
  'Age band': 'age_band', 'Channel': 'channel', 'Outcome': 'outcome', 'Referral rate': 'referral_rate',
  'Referral reason': 'referral_reason', 'Referred to': 'referral_destination',
  'Final destination as suggested': 'suggested', 'Referred where suggested': 'suggested_referred',
};
// The readable table back into rows.
function parseText(text) {
  const rows = [];
  let section = null, of = null, total = null;
  for (const line of text.split('\n')) {
    let m;
    if ((m = /^Contacts\s+(\d+)$/.exec(line))) { total = Number(m[1]); rows.push(['contacts', 'total', total, '']); continue; }
    if ((m = /^(\S.*?)\s+count\s+%$/.exec(line))) {
      const by = /^Barriers, (\S+) (\S+)$/.exec(m[1]);
      section = by ? `barrier_by_${by[1]}.${by[2]}` : m[1] === 'Barriers (several per contact)' ? 'barrier' : TITLES[m[1]];
      assert.ok(section, `known section "${m[1]}"`);
      of = total;
      continue;
    }
    if ((m = /^ {2}\(of (\d+) /.exec(line))) { of = Number(m[1]); continue; }
    if ((m = /^ {2}(\S+)\s+(\d+)\s+(\S+)$/.exec(line)) && section) rows.push([section, m[1], Number(m[2]), of, m[3]]);
  }
  return rows;
}

// Every figure again, from the exported rows.
function fromExport(rows) {
  return rows.map((r) => ({ ...r, suggested: r.suggested || null }));
}

// ---- the scenario -------------------------------------------------------------

let d;
const contacts = plan();
const today = Date.now();
const periods = periodsAround(today);

before(async () => {
  d = await startDaemon({ config: { periods, referral_target: 0.33 } });
  const agents = await Promise.all([1, 2, 3, 4, 5, 6].map((k) => agent(d, k % 2 ? d.tokens.agent : d.tokens.agent2)));
  // Citizens are rate limited per address: two addresses, 20 contacts each.
  const citizens = [];
  for (const from of ['127.0.0.4', '127.0.0.5']) {
    const c = await Client.open(d, { from });
    assert.equal((await c.request({ type: 'hello', role: 'citizen', lang: 'nb' })).type, 'welcome');
    citizens.push(c);
  }
  const staff = contacts.filter((c) => c.channel !== 'widget');
  const widget = contacts.filter((c) => c.channel === 'widget');
  await Promise.all([
    ...agents.map(async (a, k) => { for (let i = k; i < staff.length; i += agents.length) await feed(staff[i], a); }),
    ...citizens.map(async (z, k) => { for (let i = k; i < widget.length; i += citizens.length) await feed(widget[i], z); }),
  ]);
  await Promise.all([...agents, ...citizens].map((c) => c.close()));
});
after(async () => { await d.stop(); d.cleanup(); });

test('the contacts fed have the survey\'s shape', () => {
  const share = (f) => contacts.filter(f).length / N;
  assert.equal(share((c) => c.category === 'login'), 0.44);
  assert.equal(share((c) => c.category === 'reservation'), 0.24);
  assert.equal(share((c) => c.on_behalf === 'another_person'), 0.5);
  assert.equal(share((c) => c.outcome === 'referred'), 1 / 3);
  const referred = contacts.filter((c) => c.outcome === 'referred');
  assert.ok(referred.filter((c) => ['wrong_agency', 'no_mandate'].includes(c.referral_reason)).length / referred.length >= 0.8);
  assert.equal(new Set(contacts.map((c) => c.id)).size, N, 'every contact was logged once');
});

test('GET /api/v1/report reproduces every figure', async () => {
  const r = await get(d, '/api/v1/report');
  assert.equal(r.status, 200);
  assert.match(r.type, /^application\/json/);
  assert.deepEqual(JSON.parse(r.body), expectedReport(contacts, {}));
});

test('vegvisard report: json, csv and the text table reproduce every figure', () => {
  const db = join(d.dir, 'vegvisar.db');
  const expected = expectedReport(contacts, {});
  const json = run(['report', '--db', db, '--suppress-below', '1', '--format', 'json']);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), expected);

  const csv = run(['report', '--db', db, '--suppress-below', '1', '--format', 'csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const rows = parseCsv(csv.stdout);
  assert.deepEqual(rows[0], ['section', 'value', 'count', 'of', 'percent']);
  assertRows(rows.slice(1), reportRows(expected), 'csv');

  const text = run(['report', '--db', db, '--suppress-below', '1']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^Vegvisar survey report\n {2}Finished {2}any day\n {2}Country {3}all\n {2}Channel {3}all\n/);
  assertRows(parseText(text.stdout), reportRows(expected), 'text');
  assert.match(text.stdout, /\n {2}login +528 +44\.0\n/, 'the table shows the survey\'s 44 %');
  assert.match(text.stdout, /\nReferral rate +count +%\n {2}\(of \d+ resolved or referred\)\n {2}referred +400 /);
});

// The fixture vocabulary's facts (tests/fixtures/rules/vocabulary.json), in
// its order: the CSV's fact columns.
const FACTS = ['country', 'on_behalf', 'relation', 'topic', 'service', 'login_method', 'login_problem', 'need',
  'eid_status', 'authority', 'age_band'];

test('the CSV export opens in a spreadsheet: one value per cell, UTC dates, a column per fact and barrier', async () => {
  const r = await get(d, '/api/v1/contacts.csv');
  assert.equal(r.status, 200);
  assert.equal(r.type, 'text/csv; charset=utf-8; header=present');
  const rows = parseCsv(r.body);
  const header = ['id', 'started_utc', 'finished_utc', 'channel', 'country', 'lang', 'rules_version', 'category', 'outcome',
    'referral_reason', 'suggested', 'destination', 'on_behalf', 'relation', 'age_band', 'period', 'path',
    ...FACTS.map((f) => `fact_${f}`), 'note', ...BARRIERS.map((b) => `barrier_${b}`)];
  assert.deepEqual(rows[0], header);
  assert.equal(rows.length, N + 1);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const seen = rows.slice(1).map((cells) => {
    assert.equal(cells.length, header.length, 'every row as wide as the header');
    for (const cell of cells) assert.doesNotMatch(cell, /^[{[]/, 'no JSON in a cell');
    const row = Object.fromEntries(header.map((h, k) => [h, cells[k]]));
    const c = byId.get(Number(row.id));
    assert.ok(c, `row ${row.id} is a contact we sent`);
    const guard = (s) => (s && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
    for (const k of ['channel', 'country', 'lang', 'category', 'outcome', 'on_behalf'])
      assert.equal(row[k], c[k], `${c.key}.${k}`);
    for (const k of ['referral_reason', 'suggested', 'destination', 'relation', 'age_band'])
      assert.equal(row[k], c[k] ?? '', `${c.key}.${k}`);
    assert.equal(row.note, guard(c.note) ?? '', `${c.key}.note (formula guard)`);
    assert.equal(row.period, 'current', 'the period the contact finished in');
    assert.equal(row.rules_version, 'fixture-1');
    assert.deepEqual(row.path.split(' > '), c.path, `${c.key}.path: node ids joined by " > "`);
    const facts = Object.fromEntries(FACTS.filter((f) => row[`fact_${f}`]).map((f) => [f, row[`fact_${f}`]]));
    assert.deepEqual(facts, c.factsAtEnd, `${c.key}: one fact per column`);
    // A date a spreadsheet reads as one, in UTC as the header says.
    assert.match(row.finished_utc, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const finished = Date.parse(`${row.finished_utc.replace(' ', 'T')}Z`);
    assert.ok(finished >= today - 600000 && finished <= Date.now(), 'finished during this test');
    assert.ok(Date.parse(`${row.started_utc.replace(' ', 'T')}Z`) <= finished);
    const barriers = BARRIERS.filter((b) => row[`barrier_${b}`] === '1');
    // 1 or 0, or all empty when the contact has none recorded.
    const cellsB = BARRIERS.map((b) => row[`barrier_${b}`]).join('');
    assert.match(cellsB, c.barriers.length ? new RegExp(`^[01]{${BARRIERS.length}}$`) : /^(0*)$/, `${c.key}: barrier cells ${cellsB}`);
    assert.deepEqual(barriers, c.barriers, `${c.key}.barriers`);
    return { ...row, finished, barriers, referral_reason: row.referral_reason || null, relation: row.relation || null,
      age_band: row.age_band || null, destination: row.destination || null, suggested: row.suggested || null };
  });
  // Oldest first.
  const times = seen.map((s) => s.finished);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  assert.deepEqual(expectedReport(fromExport(seen), {}), expectedReport(contacts, {}));
});


test('the NDJSON export: one JSON object per line that reproduces every figure', async () => {
  const r = await get(d, '/api/v1/contacts.ndjson');
  assert.equal(r.status, 200);
  assert.equal(r.type, 'application/x-ndjson');
  assert.ok(r.body.endsWith('\n'));
  const rows = r.body.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, N);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  for (const row of rows) {
    const c = byId.get(row.id);
    assert.equal(row.note, c.note ?? null, 'no formula guard in JSON');
    assert.deepEqual(row.path, c.path);
    assert.deepEqual(row.facts, c.factsAtEnd);
    assert.equal(row.period, 'current');
    assert.deepEqual(row.barriers, c.barriers.length ? c.barriers : null, `${c.key}.barriers`);
  }
  assert.deepEqual(expectedReport(fromExport(rows), {}), expectedReport(contacts, {}));
});

test('filters: period, dates, country and channel, in the report, the exports and the CLI', async () => {
  const db = join(d.dir, 'vegvisar.db');
  const conf = join(d.dir, 'vegvisar.conf');
  const cur = periods[0];
  let rep = await getJson(d, '/api/v1/report?period=current');
  assert.deepEqual(rep, expectedReport(contacts, { period: 'current', from: cur.from, to: cur.to }));
  const cli = run(['report', '--db', db, '--config', conf, '--suppress-below', '1', '--period', 'current', '--format', 'json']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout), rep);

  const y = localDay(today - DAY), t = localDay(today + DAY);
  rep = await getJson(d, `/api/v1/report?from=${y}&to=${t}`);
  assert.equal(rep.total, N);
  rep = await getJson(d, `/api/v1/report?from=${t}`);
  assert.equal(rep.total, 0);
  assert.equal(rep.referral.rate, null);

  for (const [q, f, flags] of [
    ['country=dk', (c) => c.country === 'dk', ['--country', 'dk']],
    ['channel=widget', (c) => c.channel === 'widget', ['--channel', 'widget']],
    ['country=no&channel=phone', (c) => c.country === 'no' && c.channel === 'phone', ['--country', 'no', '--channel', 'phone']],
  ]) {
    const subset = contacts.filter(f);
    const filter = Object.fromEntries(new URLSearchParams(q));
    const expected = expectedReport(subset, filter);
    assert.deepEqual(await getJson(d, `/api/v1/report?${q}`), expected, q);
    const out = run(['report', '--db', db, '--suppress-below', '1', '--format', 'json', ...flags]);
    assert.deepEqual(JSON.parse(out.stdout), expected, flags.join(' '));
    const csv = parseCsv((await get(d, `/api/v1/contacts.csv?${q}`)).body);
    assert.equal(csv.length - 1, subset.length, `${q}: CSV rows`);
    const nd = (await get(d, `/api/v1/contacts.ndjson?${q}`)).body.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(nd.map((r) => r.id).sort((a, b) => a - b), subset.map((c) => c.id).sort((a, b) => a - b), `${q}: NDJSON rows`);
  }
});

test('a period added later covers older contacts: reports select by its dates', async () => {
  const db = join(d.dir, 'vegvisar.db');
  // Three contacts from 2020, stored before anyone configured that period.
  sqlite3(db, `INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang, rules_version, path, facts, outcome, category, on_behalf)
    VALUES ('y2020-a', ${Date.parse('2020-03-01T12:00:00')}, ${Date.parse('2020-03-01T12:05:00')}, 'phone', 'no', 'nb', 'old', '[]', '{}', 'resolved', 'login', 'self'),
           ('y2020-b', ${Date.parse('2020-12-31T23:00:00')}, ${Date.parse('2020-12-31T23:59:00')}, 'chat', 'no', 'nb', 'old', '[]', '{}', 'resolved', 'reservation', 'self'),
           ('y2021', ${Date.parse('2021-01-01T00:00:00')}, ${Date.parse('2021-01-01T00:01:00')}, 'chat', 'no', 'nb', 'old', '[]', '{}', 'resolved', 'login', 'self')`);
  try {
    const rep = await getJson(d, '/api/v1/report?period=y2020');
    assert.equal(rep.total, 2, 'the last minute of 31 December is in; 1 January is not');
    assert.equal(rep.category.login.count, 1);
    const rows = parseCsv((await get(d, '/api/v1/contacts.csv?period=y2020')).body);
    assert.equal(rows.length, 3);
    assert.equal(rows[1][15], '', 'the stored period column stays as it was recorded');
    assert.equal((await getJson(d, '/api/v1/report')).total, N + 3);
  } finally {
    sqlite3(db, "DELETE FROM contacts WHERE rules_version = 'old'");
  }
});
