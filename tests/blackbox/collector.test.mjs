// One survey across many desks: three real desks ship every logged contact
// (survey fields only, never the note) to a collector started with
// --collector. The collector's report is the sum of the three desks'
// reports, its desk filter gives each desk's own, and a batch sent again
// changes nothing. The collector is started only after the desks have
// logged half their contacts, so the first half waits in their outboxes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { startDaemon, freePort, agent, sqlite } from './lib.mjs';

const DESKS = ['desk-1', 'desk-2', 'desk-3'];
const SECRETS = Object.fromEntries(DESKS.map((d) => [d, randomBytes(32).toString('hex')]));
const PER_DESK = 24;
const FAST = { retry_base_ms: 100, max_delay_ms: 400, connect_timeout_ms: 500, timeout_ms: 2000 };

let C, portC;
const desks = [];

async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function report(d, query = '') {
  const r = await fetch(`${d.url}/api/v1/report${query}`, { headers: { Authorization: `Bearer ${d.tokens.supervisor}` } });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  return body;
}

// The counts of a report, without shares and filter, so reports add up.
function counts(rep) {
  const of = (section) => Object.fromEntries(Object.entries(section).map(([v, e]) => [v, e.count]));
  const out = { total: rep.total };
  for (const k of ['category', 'on_behalf', 'relation', 'age_band', 'channel', 'outcome']) out[k] = of(rep[k]);
  out.referral = { resolved: rep.referral.resolved, referred: rep.referral.referred,
    reason: of(rep.referral.reason), destination: of(rep.referral.destination) };
  const s = rep.suggested;
  out.suggested = { contacts: s.contacts, followed: s.followed, referred: { contacts: s.referred.contacts, followed: s.referred.followed } };
  return out;
}

function sum(a, b) {
  if (typeof a === 'number' || typeof b === 'number') return (a ?? 0) + (b ?? 0);
  const out = {};
  for (const k of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])) out[k] = sum(a?.[k], b?.[k]);
  return out;
}

// Contacts of varied survey answers, different for each desk.
const WALKS = [
  { facts: { on_behalf: 'self', topic: 'login', login_method: 'bankid' } },
  { facts: { on_behalf: 'self', topic: 'case_matter', service: 'welfare_benefit' } },
  { facts: { on_behalf: 'another_person', authority: 'none' } },
  { facts: { on_behalf: 'self', topic: 'digital_post' } },
  { facts: { on_behalf: 'self', topic: 'deceased_estate' } },
];
const CHANNELS = ['phone', 'chat', 'desk'];
const RELATIONS = [undefined, 'adult_child_for_parent', 'spouse_or_partner'];
const AGES = [undefined, '80_plus', '30_49', '67_79'];

async function feed(d, deskIndex, from, to) {
  const a = await agent(d);
  for (let i = from; i < to; i++) {
    const k = i * (deskIndex + 2);
    const walk = WALKS[k % WALKS.length];
    const s = await a.request({ type: 'start', country: 'no', channel: CHANNELS[(k + deskIndex) % 3], lang: 'nb', facts: walk.facts });
    assert.equal(s.type, 'step', JSON.stringify(s));
    const finish = { type: 'finish', session: s.session, key: `c-${i}`, note: `private note ${i}` };
    if (k % 3 === 0) Object.assign(finish, { outcome: 'referred', destination: k % 2 ? 'no.nav' : 'no.kommune', referral_reason: k % 4 ? 'wrong_agency' : 'no_mandate' });
    else finish.outcome = k % 7 === 1 ? 'abandoned' : 'resolved';
    if (RELATIONS[k % 3]) finish.relation = RELATIONS[k % 3];
    if (AGES[k % 4]) finish.age_band = AGES[k % 4];
    const r = await a.request(finish);
    assert.equal(r.type, 'logged', JSON.stringify(r));
  }
  await a.close();
}

before(async () => {
  portC = await freePort();
  for (const [i, name] of DESKS.entries()) {
    desks.push(await startDaemon({
      config: { desk: name, collector: { url: `http://127.0.0.1:${portC}/api/v1/ingest`, secret: SECRETS[name] }, delivery: FAST },
    }));
    await feed(desks[i], i, 0, PER_DESK / 2);
  }
  C = await startDaemon({
    port: portC,
    args: ['--collector'],
    config: { desk: 'collector', senders: DESKS.map((d) => ({ desk: d, secret: SECRETS[d] })) },
  });
  await Promise.all(desks.map((d, i) => feed(d, i, PER_DESK / 2, PER_DESK)));
});

after(async () => {
  for (const d of [...desks, C]) {
    await d.stop();
    d.cleanup();
  }
});

test('three desks ship to one collector: its report is the sum of theirs, and its desk filter gives each one\'s', async () => {
  await until('the collector to have every contact', async () => (await report(C)).total === DESKS.length * PER_DESK);
  const mine = await Promise.all(desks.map((d) => report(d)));
  for (const r of mine) assert.equal(r.total, PER_DESK);
  const all = await report(C);
  assert.deepEqual(counts(all), mine.map(counts).reduce(sum), 'the collector\'s figures are the sum of the desks\'');
  assert.ok(all.referral.referred > 0 && Object.keys(all.referral.destination).length === 2, 'the sample has referrals');
  for (const [i, name] of DESKS.entries()) {
    const one = await report(C, `?desk=${name}`);
    assert.equal(one.filter.desk, name);
    assert.deepEqual(counts(one), counts(mine[i]), `?desk=${name} gives ${name}'s figures`);
  }
  const none = await report(C, '?desk=desk-9');
  assert.equal(none.total, 0);
  const bad = await fetch(`${C.url}/api/v1/report?desk=Desk%201`, { headers: { Authorization: `Bearer ${C.tokens.supervisor}` } });
  assert.equal(bad.status, 400);

  // The export covers every desk, one filter at a time; never a note.
  const nd = await fetch(`${C.url}/api/v1/contacts.ndjson?desk=desk-2`, { headers: { Authorization: `Bearer ${C.tokens.supervisor}` } });
  const rows = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, PER_DESK);
  assert.ok(rows.every((r) => r.note === null), 'notes never leave a desk');
  const stored = sqlite(`${C.dir}/vegvisar.db`, 'select desk, count(*) n, count(note) notes from contacts group by desk order by desk');
  assert.deepEqual(stored, DESKS.map((desk) => ({ desk, n: PER_DESK, notes: 0 })));
  for (const d of desks) {
    assert.equal(sqlite(`${d.dir}/vegvisar.db`, "select count(*) n from outbox where kind = 'collector' and state = 'delivered'")[0].n, PER_DESK);
    assert.equal(sqlite(`${d.dir}/vegvisar.db`, 'select count(*) n from contacts where note is not null')[0].n, PER_DESK, 'the desks keep their notes');
  }
});

function signed(body, desk, secret, ts = Math.floor(Date.now() / 1000)) {
  return {
    'content-type': 'application/json', 'x-vegvisar-desk': desk, 'x-vegvisar-timestamp': String(ts),
    'x-vegvisar-signature': `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
  };
}

test('the collector deduplicates by desk and key, refuses bad signatures, and only a collector ingests', async () => {
  const before = (await report(C)).total;
  const contact = { key: 'c-0', started: Date.now() - 5000, finished: Date.now(), channel: 'phone', country: 'no', lang: 'nb',
    rules_version: 'x', path: ['who'], facts: {}, outcome: 'resolved', on_behalf: 'self' };
  const body = JSON.stringify({ v: 1, desk: 'desk-1', contacts: [contact] });
  let r = await fetch(`${C.url}/api/v1/ingest`, { method: 'POST', headers: signed(body, 'desk-1', SECRETS['desk-1']), body });
  assert.deepEqual(await r.json(), { stored: 0, duplicates: 1 }, 'desk-1 already sent c-0');
  // The same key from another desk is another contact.
  const other = JSON.stringify({ v: 1, desk: 'desk-2', contacts: [{ ...contact, key: 'extra-1' }] });
  r = await fetch(`${C.url}/api/v1/ingest`, { method: 'POST', headers: signed(other, 'desk-2', SECRETS['desk-2']), body: other });
  assert.deepEqual(await r.json(), { stored: 1, duplicates: 0 });
  r = await fetch(`${C.url}/api/v1/ingest`, { method: 'POST', headers: signed(other, 'desk-2', SECRETS['desk-2']), body: other });
  assert.deepEqual(await r.json(), { stored: 0, duplicates: 1 }, 'sent again: stored once');
  assert.equal((await report(C)).total, before + 1);

  r = await fetch(`${C.url}/api/v1/ingest`, { method: 'POST', headers: signed(body, 'desk-1', SECRETS['desk-2']), body });
  assert.equal(r.status, 401, 'signed with another desk\'s secret');
  r = await fetch(`${C.url}/api/v1/ingest`, { method: 'POST', headers: signed(body, 'desk-1', SECRETS['desk-1'], Math.floor(Date.now() / 1000) - 600), body });
  assert.equal(r.status, 401, 'a stale timestamp');
  const noted = JSON.stringify({ v: 1, desk: 'desk-1', contacts: [{ ...contact, key: 'noted', note: 'x' }] });
  r = await fetch(`${C.url}/api/v1/ingest`, { method: 'POST', headers: signed(noted, 'desk-1', SECRETS['desk-1']), body: noted });
  assert.equal(r.status, 400, 'a contact with a note is refused');
  assert.equal((await report(C)).total, before + 1);

  r = await fetch(`${desks[0].url}/api/v1/ingest`, { method: 'POST', headers: signed(body, 'desk-1', SECRETS['desk-1']), body });
  assert.equal(r.status, 404, 'a desk without --collector takes nothing');
  const metrics = await (await fetch(`${desks[0].url}/metrics`)).text();
  assert.match(metrics, new RegExp(`^vegvisar_outbox_delivered_total\\{kind="collector"\\} ${PER_DESK}$`, 'm'));
});
