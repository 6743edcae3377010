// Correcting a logged contact (issue 20) against the real daemon: within
// correct_window_seconds the agent who logged a contact may correct it; the
// store keeps the contact's id, makes the correction version 2 and keeps
// version 1 in contact_versions (who, when, the old survey fields, no note);
// reports, the CLI and the export count the contact once, under its new
// values; the live statistics move it. After the window, for another agent
// and for a contact that does not exist: forbidden, nothing changed, nothing
// told. A key is idempotent: the same correction again gets the same answer,
// another payload under it a conflict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startDaemon, Client, agent, sqlite, run } from './lib.mjs';

const NO_BANK = { on_behalf: 'self', topic: 'login', login_method: 'bankid', login_problem: 'unknown' }; // → no.bank
let d, db, a, b;
let seq = 0;

before(async () => {
  d = await startDaemon();
  db = join(d.dir, 'vegvisar.db');
  a = await agent(d);
  b = await agent(d, d.tokens.agent2);
});
after(async () => {
  await a?.close();
  await b?.close();
  await d?.stop();
  d?.cleanup();
});

async function logContact(client, fields = { outcome: 'referred', destination: 'no.bank', referral_reason: 'wrong_agency' }) {
  const s = await client.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', facts: NO_BANK });
  assert.equal(s.type, 'step', JSON.stringify(s));
  const r = await client.request({ type: 'finish', session: s.session, key: `fin-${++seq}-x`, relation: 'friend_or_neighbour',
    note: 'ring 91234567 om kvelden', barriers: ['no_eid'], ...fields });
  assert.equal(r.type, 'logged', JSON.stringify(r));
  return r.contact;
}

const fix = { outcome: 'resolved', category: 'login', relation: null, age_band: '80_plus', barriers: ['no_device', 'language'], note: 'ny merknad, e-post ola@example.no' };

async function report() {
  const res = await fetch(`${d.url}/api/v1/report`, { headers: { Authorization: `Bearer ${d.tokens.supervisor}` } });
  assert.equal(res.status, 200);
  return res.json();
}

test('correct within the window: version 2, the old version audited, counted once under the new values', async () => {
  const before1 = await report();
  const id = await logContact(a);
  const r = await a.request({ type: 'correct', contact: id, key: `cor-${id}-1`, ...fix });
  assert.deepEqual({ type: r.type, contact: r.contact, version: r.version }, { type: 'logged', contact: id, version: 2 }, JSON.stringify(r));
  assert.equal(r.duplicate, undefined);

  const [row] = sqlite(db, `SELECT outcome, destination, referral_reason, relation, age_band, barriers, note, version, owner FROM contacts WHERE id = ${id}`);
  assert.equal(row.outcome, 'resolved');
  assert.equal(row.destination, 'no.bank', 'a contact not referred keeps the tree\'s suggestion, as finish does');
  assert.equal(row.referral_reason, null);
  assert.equal(row.relation, null, 'null clears a field');
  assert.equal(row.age_band, '80_plus');
  assert.equal(row.barriers, '["no_device","language"]');
  assert.ok(!row.note.includes('ola@example.no'), `the corrected note is scrubbed: ${row.note}`);
  assert.equal(row.version, 2);
  assert.equal(row.owner, 'desk-1');
  const audit = sqlite(db, `SELECT * FROM contact_versions WHERE contact_id = ${id}`);
  assert.equal(audit.length, 1);
  assert.equal(audit[0].version, 2);
  assert.equal(audit[0].corrected_by, 'desk-1');
  assert.ok(Math.abs(audit[0].corrected_ms - Date.now()) < 60000);
  assert.deepEqual([audit[0].outcome, audit[0].destination, audit[0].referral_reason, audit[0].relation, audit[0].barriers],
    ['referred', 'no.bank', 'wrong_agency', 'friend_or_neighbour', '["no_eid"]'], 'the previous version, whole');
  assert.ok(!('note' in audit[0]), 'the audit keeps no note');

  // Reports count the contact once, under its new values.
  const after1 = await report();
  assert.equal(after1.total, before1.total + 1, 'one contact, however many versions');
  assert.equal(after1.outcome.resolved.count, before1.outcome.resolved.count + 1);
  assert.equal(after1.outcome.referred.count, before1.outcome.referred.count);
  const cli = JSON.parse(run(['report', '--db', db, '--format', 'json', '--suppress-below', '1']).stdout);
  assert.equal(cli.total, after1.total);
  assert.equal(cli.outcome.resolved.count, after1.outcome.resolved.count);
  const res = await fetch(`${d.url}/api/v1/contacts.ndjson`, { headers: { Authorization: `Bearer ${d.tokens.supervisor}` } });
  const rows = (await res.text()).trim().split('\n').map((l) => JSON.parse(l)).filter((x) => x.id === id);
  assert.equal(rows.length, 1, 'the export has the contact once');
  assert.equal(rows[0].outcome, 'resolved');

  // A second correction is version 3; the audit has both earlier versions.
  const r3 = await a.request({ type: 'correct', contact: id, key: `cor-${id}-2`, outcome: 'abandoned' });
  assert.equal(r3.version, 3, JSON.stringify(r3));
  const [row3] = sqlite(db, `SELECT outcome, age_band, version FROM contacts WHERE id = ${id}`);
  assert.deepEqual(row3, { outcome: 'abandoned', age_band: '80_plus', version: 3 }, 'left-out fields keep their values');
  assert.equal(sqlite(db, `SELECT count(*) AS n FROM contact_versions WHERE contact_id = ${id}`)[0].n, 2);
});

test('the same key twice: the same answer, nothing written again; another payload: conflict', async () => {
  const id = await logContact(a);
  const key = `cor-${id}-dup`;
  const first = await a.request({ type: 'correct', contact: id, key, ...fix });
  const again = await a.request({ type: 'correct', contact: id, key, ...fix });
  assert.equal(first.type, 'logged');
  assert.deepEqual({ contact: again.contact, version: again.version, duplicate: again.duplicate }, { contact: id, version: 2, duplicate: true });
  assert.equal(sqlite(db, `SELECT count(*) AS n FROM contact_versions WHERE contact_id = ${id}`)[0].n, 1);
  const other = await a.request({ type: 'correct', contact: id, key, ...fix, outcome: 'abandoned' });
  assert.equal(other.type, 'error');
  assert.equal(other.code, 'conflict', JSON.stringify(other));
  assert.ok(!String(other.message).includes(String(id)) || other.message.includes(key), 'no contact named');
  assert.equal(sqlite(db, `SELECT outcome, version FROM contacts WHERE id = ${id}`)[0].version, 2, 'nothing changed');
});

test('another agent: forbidden, as for a contact that does not exist; nothing changed', async () => {
  const id = await logContact(a);
  const r = await b.request({ type: 'correct', contact: id, key: `cor-${id}-b`, ...fix });
  assert.equal(r.code, 'forbidden', JSON.stringify(r));
  const none = await b.request({ type: 'correct', contact: 999999, key: 'cor-none-b', ...fix });
  assert.equal(none.code, 'forbidden');
  assert.equal(none.message.replace('999999', 'N'), r.message.replace(String(id), 'N'), 'the same words: nothing is learnt by trying');
  const [row] = sqlite(db, `SELECT outcome, version FROM contacts WHERE id = ${id}`);
  assert.deepEqual(row, { outcome: 'referred', version: null });
  // Supervisors and citizens may not send it at all.
  const sup = await Client.open(d);
  await sup.request({ type: 'hello', role: 'supervisor', token: d.tokens.supervisor });
  assert.equal((await sup.request({ type: 'correct', contact: id, key: 'cor-sup', ...fix })).code, 'forbidden');
  await sup.close();
});

test('after the window: refused, nothing changed', async () => {
  const id = await logContact(a);
  // The contact finished 601 s ago: the default window is 600 s.
  sqlite(db, `UPDATE contacts SET finished_ms = finished_ms - 601000 WHERE id = ${id}`);
  const r = await a.request({ type: 'correct', contact: id, key: `cor-${id}-late`, ...fix });
  assert.equal(r.code, 'forbidden', JSON.stringify(r));
  assert.match(r.message, /600 seconds/);
  assert.deepEqual(sqlite(db, `SELECT outcome, version FROM contacts WHERE id = ${id}`)[0], { outcome: 'referred', version: null });
});

test('validated like finish', async () => {
  const id = await logContact(a);
  const cases = [
    [{ outcome: 'referred' }, 'bad_request', /needs "destination" and "referral_reason"/],
    [{ outcome: 'resolved', referral_reason: 'other' }, 'bad_request', /only for outcome "referred"/],
    [{ outcome: 'resolved', barriers: ['no_eid', 'no_eid'] }, 'bad_request', /listed twice/],
    [{ outcome: 'resolved', destination: 'no.nowhere' }, 'bad_request', /unknown destination/],
    [{ outcome: 'resolved', story: 'x' }, 'bad_request', /story/],
    [{ outcome: 'resolved', note: 'x'.repeat(4001) }, 'too_large', /4000/],
  ];
  for (const [fields, code, re] of cases) {
    const r = await a.request({ type: 'correct', contact: id, key: `cor-${id}-${++seq}`, ...fields });
    assert.equal(r.code, code, `${JSON.stringify(fields).slice(0, 80)}: ${JSON.stringify(r).slice(0, 200)}`);
    assert.match(r.message, re);
  }
  const bad = await a.request({ type: 'correct', contact: id, key: '91234567', outcome: 'resolved' });
  assert.equal(bad.code, 'bad_request', 'a key holding a phone number');
});

test('the live statistics move the corrected contact', async () => {
  const sup = await Client.open(d);
  await sup.request({ type: 'hello', role: 'supervisor', token: d.tokens.supervisor });
  const pushes = [];
  let snap = null, seen;
  // The push that shows the correction: one more contact than before, resolved.
  const want = (p) => p.today.contacts === snap.today.contacts + 1 && p.today.outcome.resolved === snap.today.outcome.resolved + 1;
  const shown = new Promise((ok) => { seen = ok; });
  sup.ws.on('message', (data) => {
    const m = JSON.parse(data);
    if (m.type !== 'stats' || m.re !== undefined) return;
    pushes.push(m);
    if (snap && want(m)) seen(m);
  });
  snap = await sup.request({ type: 'subscribe', stream: 'stats' });
  const id = await logContact(a);
  const r = await a.request({ type: 'correct', contact: id, key: `cor-${id}-live`, outcome: 'resolved' });
  assert.equal(r.version, 2);
  const timeout = new Promise((ok, fail) => setTimeout(() => fail(new Error(`no push with the corrected contact: ${JSON.stringify(pushes.map((p) => p.today.outcome))}`)), 5000).unref());
  const last = await Promise.race([shown, timeout]);
  assert.equal(last.today.outcome.referred, snap.today.outcome.referred, 'the referral is gone');
  assert.equal(last.hour.contacts, snap.hour.contacts + 1);
  await sup.close();
});
