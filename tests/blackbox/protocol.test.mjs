// Protocol v1 over real websockets against the real daemon: every message,
// every error code that a client can provoke, prefill, back, and roles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, Client, agent, sqlite } from './lib.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { await d.stop(); d.cleanup(); });

async function startNo(c, facts = {}) {
  const s = await c.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', facts });
  assert.equal(s.type, 'step', `start failed: ${JSON.stringify(s)}`);
  return s;
}

test('hello: agent, supervisor and citizen get a welcome with rule versions', async () => {
  const a = await agent(d);
  assert.equal(a.welcome.role, 'agent');
  assert.match(a.welcome.server, /^vegvisard\/\d+\.\d+\.\d+$/);
  assert.equal(a.welcome.countries.no.rules, 'fixture-1');
  assert.deepEqual(a.welcome.countries.dk.langs, ['da', 'en']);
  assert.deepEqual(a.welcome.langs, ['nb', 'nn', 'da', 'en']);
  const s = await Client.open(d);
  assert.equal((await s.request({ type: 'hello', role: 'supervisor', token: d.tokens.supervisor })).role, 'supervisor');
  const cz = await Client.open(d);
  assert.equal((await cz.request({ type: 'hello', role: 'citizen', lang: 'en' })).role, 'citizen');
  await Promise.all([a.close(), s.close(), cz.close()]);
});

test('hello: missing, cross-role or wrong tokens are unauthorized; the connection stays open', async () => {
  const c = await Client.open(d, { from: '127.0.0.2' });
  let r = await c.request({ type: 'hello', role: 'agent' });
  assert.equal(r.code, 'unauthorized');
  assert.match(r.message, /"token" is required/);
  r = await c.request({ type: 'hello', role: 'admin', token: d.tokens.agent });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /allowed: agent, supervisor, citizen/);
  r = await c.request({ type: 'hello', role: 'supervisor', token: d.tokens.agent });
  assert.equal(r.code, 'unauthorized');
  // A wrong token makes this address wait before the next try.
  r = await c.request({ type: 'hello', role: 'agent', token: 'not-a-token' });
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /try again in \d+ s/);
  const other = await Client.open(d, { from: '127.0.0.3' });
  r = await other.request({ type: 'hello', role: 'agent', token: d.tokens.agent });
  assert.equal(r.type, 'welcome', 'another address is not held back');
  r = await other.request({ type: 'hello', role: 'agent', token: d.tokens.agent });
  assert.equal(r.code, 'conflict');
  await Promise.all([c.close(), other.close()]);
});

test('anything before hello is unauthorized; unknown types and bad JSON are bad_request', async () => {
  const c = await Client.open(d);
  let r = await c.request({ type: 'start', country: 'no', channel: 'phone' });
  assert.equal(r.code, 'unauthorized');
  r = await c.request({ type: 'teleport' });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /unknown message type "teleport"; known: hello, start/);
  c.send('{"type":"hello",');
  r = await c.next();
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /invalid JSON/);
  c.send('{"type":"hello","type":"start"}');
  assert.match((await c.next()).message, /duplicate/);
  c.send('[1]');
  assert.match((await c.next()).message, /must be a JSON object/);
  c.send('{"id":"x9"}');
  r = await c.next();
  assert.equal(r.re, 'x9', 'an error echoes the id of the message it answers');
  assert.match(r.message, /"type"/);
  await c.close();
});

test('start walks to the first question; answer walks on; a result names the destination', async () => {
  const a = await agent(d);
  let s = await startNo(a);
  assert.match(s.session, /^[0-9a-f]{32}$/);
  assert.equal(s.question.node, 'who');
  assert.equal(s.question.fact, 'on_behalf');
  assert.ok(s.question.text.length > 0);
  assert.ok(s.question.options.some((o) => o.value === 'unknown'), 'every question offers unknown');
  s = await a.request({ type: 'answer', session: s.session, value: 'self' });
  assert.equal(s.question.node, 'topic');
  s = await a.request({ type: 'answer', session: s.session, value: 'login' });
  s = await a.request({ type: 'answer', session: s.session, value: 'minid' });
  s = await a.request({ type: 'answer', session: s.session, value: 'forgotten_password' });
  assert.equal(s.question, undefined);
  assert.equal(s.result.node, 'login.minid.forgot');
  assert.equal(s.result.destination.id, 'no.digdir.idporten');
  assert.equal(s.result.category, 'login');
  assert.equal(typeof s.result.first_line, 'boolean');
  assert.deepEqual(s.path, ['who', 'topic', 'login.method', 'login.problem', 'login.minid.forgot']);
  assert.deepEqual(s.result.because.map((b) => [b.fact, b.value]), [['login_method', 'minid'], ['login_problem', 'forgotten_password']]);
  assert.deepEqual(s.facts, { on_behalf: 'self', topic: 'login', login_method: 'minid', login_problem: 'forgotten_password' });
  await a.close();
});

test('prefilled facts jump straight to the first unknown question; an unknown value takes the unknown option', async () => {
  const a = await agent(d);
  let s = await startNo(a, { on_behalf: 'self', topic: 'login', login_method: 'minid' });
  assert.equal(s.question.node, 'login.problem', `expected to skip to login.problem, got ${s.question?.node}`);
  assert.deepEqual(s.path, ['login.problem'], 'the path holds the questions asked, not the facts given');
  assert.deepEqual(s.question.options.map((o) => o.value), ['forgotten_password', 'phone_number_changed', 'unknown']);
  // A value the tree neither offers nor names reads as "unknown": given at
  // once, it ends where a caller answering "don't know" ends, and the walk
  // keeps the value as given (docs/rules.md, How the engine walks, 5).
  s = await startNo(a, { on_behalf: 'self', topic: 'login', login_method: 'buypass' });
  let asked = await startNo(a, { on_behalf: 'self', topic: 'login' });
  assert.equal(asked.question?.node, 'login.method');
  assert.ok(!asked.question.options.some((o) => o.value === 'buypass'), 'buypass is not offered');
  asked = await a.request({ type: 'answer', session: asked.session, value: 'unknown' });
  assert.equal(s.result?.node, 'login.idporten', 'no result names buypass here: the login topic\'s general result');
  assert.equal(asked.result?.node, s.result.node, 'the same as answering "don\'t know"');
  assert.deepEqual(s.result.because, asked.result.because, 'decided as "don\'t know", and says so');
  assert.equal(s.facts.login_method, 'buypass', 'the walk keeps what was given');
  const r = await a.request({ type: 'start', country: 'no', channel: 'phone', facts: { login_method: 'passkey' } });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /passkey/);
  assert.match(r.message, /minid/);
  await a.close();
});

test('a question marked show_all offers every option, also those no result still names', async () => {
  const a = await agent(d);
  // Only poa.nav still depends on the mandate here, and it names written and
  // digital powers of attorney; a guardian must still find their own answer.
  let s = await startNo(a, { on_behalf: 'another_person', topic: 'power_of_attorney', service: 'welfare_benefit' });
  assert.equal(s.question?.node, 'mandate');
  assert.deepEqual(s.question.options.map((o) => o.value), ['written_poa', 'digital_poa', 'guardian', 'unknown']);
  const dontKnow = await startNo(a, { on_behalf: 'another_person', topic: 'power_of_attorney', service: 'welfare_benefit', authority: 'unknown' });
  s = await a.request({ type: 'answer', session: s.session, value: 'guardian' });
  assert.equal(s.result?.node, dontKnow.result?.node, 'an answer that tells nothing apart ends where "don\'t know" does');
  assert.deepEqual(s.facts.authority, 'guardian', 'and the walk keeps what the caller said');
  await a.close();
});

test('back returns to the previous asked question, forgets its fact, keeps prefilled facts', async () => {
  const a = await agent(d);
  let s = await startNo(a, { on_behalf: 'self' });
  assert.equal(s.question.node, 'topic');
  let r = await a.request({ type: 'back', session: s.session });
  assert.equal(r.code, 'conflict', 'nothing to undo: prefilled facts are not answers');
  s = await a.request({ type: 'answer', session: s.session, value: 'login' });
  assert.equal(s.question.node, 'login.method');
  s = await a.request({ type: 'back', session: s.session });
  assert.equal(s.question.node, 'topic');
  assert.deepEqual(s.facts, { on_behalf: 'self' });
  r = await a.request({ type: 'answer', session: s.session, value: 'teleportation' });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /allowed: login, digital_post/);
  await a.close();
});

test('jump moves to any node and back undoes it; resume returns the current step', async () => {
  const a = await agent(d);
  let s = await startNo(a);
  s = await a.request({ type: 'jump', session: s.session, node: 'dp.reserve' });
  assert.equal(s.result.node, 'dp.reserve');
  assert.equal(s.path.at(-1), 'dp.reserve');
  const r = await a.request({ type: 'jump', session: s.session, node: 'nowhere' });
  assert.equal(r.code, 'not_found');
  s = await a.request({ type: 'back', session: s.session });
  assert.equal(s.question.node, 'who');
  const again = await a.request({ type: 'resume', session: s.session });
  assert.equal(again.question.node, 'who');
  await a.close();
});

test('sessions belong to the role and token that started them', async () => {
  const a = await agent(d);
  const s = await startNo(a);
  const other = await agent(d, d.tokens.agent2);
  let r = await other.request({ type: 'answer', session: s.session, value: 'self' });
  assert.equal(r.code, 'forbidden');
  const cz = await Client.open(d);
  await cz.request({ type: 'hello', role: 'citizen' });
  r = await cz.request({ type: 'answer', session: s.session, value: 'self' });
  assert.equal(r.code, 'forbidden');
  r = await cz.request({ type: 'start', country: 'no', channel: 'phone' });
  assert.equal(r.code, 'bad_request', 'citizens may only use channel widget');
  assert.match(r.message, /allowed: widget/);
  r = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  assert.equal(r.type, 'step');
  const sup = await Client.open(d);
  await sup.request({ type: 'hello', role: 'supervisor', token: d.tokens.supervisor });
  r = await sup.request({ type: 'start', country: 'no', channel: 'phone' });
  assert.equal(r.code, 'forbidden');
  r = await a.request({ type: 'answer', session: '0'.repeat(32), value: 'self' });
  assert.equal(r.code, 'not_found');
  await Promise.all([a.close(), other.close(), cz.close(), sup.close()]);
});

test('start refuses a language the tree does not have and unknown fields', async () => {
  const a = await agent(d);
  let r = await a.request({ type: 'start', country: 'dk', channel: 'phone', lang: 'nb' });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /"lang": the dk rules are written in \["da","en"\]/);
  r = await a.request({ type: 'start', country: 'se', channel: 'phone' });
  assert.match(r.message, /allowed: no, dk/);
  r = await a.request({ type: 'start', country: 'no', channel: 'phone', colour: 'red' });
  assert.match(r.message, /unknown field "colour"/);
  await a.close();
});

test('finish logs the contact after commit, with defaults from the session and the note scrubbed', async () => {
  const a = await agent(d);
  let s = await startNo(a, { on_behalf: 'another_person', authority: 'written_poa', topic: 'login', login_method: 'bankid', login_problem: 'unknown' });
  assert.equal(s.result.destination.id, 'no.bank');
  const note = 'Datter ringte for mor, fnr 01015012345? nei: 15076500565, tlf +47 912 34 567, epost kari@example.no';
  const r = await a.request({ type: 'finish', session: s.session, key: 'k-finish-1', outcome: 'resolved', note, relation: 'adult_child_for_parent', age_band: '80_plus' });
  assert.equal(r.type, 'logged', JSON.stringify(r));
  assert.equal(Number.isInteger(r.contact), true);
  const [row] = sqlite(`${d.dir}/vegvisar.db`, "select * from contacts where key='k-finish-1'");
  assert.equal(row.outcome, 'resolved');
  assert.equal(row.destination, 'no.bank', 'destination defaults to the suggestion');
  assert.equal(row.suggested, 'no.bank');
  assert.equal(row.category, 'login');
  assert.equal(row.on_behalf, 'another_person', 'on_behalf defaults to the fact');
  assert.equal(row.relation, 'adult_child_for_parent');
  assert.equal(row.age_band, '80_plus');
  assert.equal(row.channel, 'phone');
  assert.equal(row.rules_version, 'fixture-1');
  assert.deepEqual(JSON.parse(row.path), s.path);
  assert.equal(JSON.parse(row.facts).login_method, 'bankid');
  for (const secret of ['15076500565', '912 34 567', 'kari@example.no'])
    assert.ok(!row.note.includes(secret), `note still holds ${secret}: ${row.note}`);
  assert.ok(row.note.startsWith('Datter ringte for mor'), row.note);
  await a.close();
});

test('finish: the same key again returns the same contact and writes nothing', async () => {
  const a = await agent(d);
  const s = await startNo(a);
  const first = await a.request({ type: 'finish', session: s.session, key: 'k-dup', outcome: 'abandoned' });
  assert.equal(first.type, 'logged');
  const second = await a.request({ type: 'finish', session: s.session, key: 'k-dup', outcome: 'abandoned' });
  assert.equal(second.contact, first.contact);
  assert.equal(second.duplicate, true);
  const rows = sqlite(`${d.dir}/vegvisar.db`, "select count(*) as n from contacts where key='k-dup'");
  assert.equal(rows[0].n, 1);
  const r = await a.request({ type: 'finish', session: s.session, key: 'k-other', outcome: 'abandoned' });
  assert.equal(r.code, 'conflict');
  const ans = await a.request({ type: 'answer', session: s.session, value: 'self' });
  assert.equal(ans.code, 'conflict', 'a finished session takes no more answers');
  await a.close();
});

// Issue 19, item 1: a key is scoped to what it was used for.
test('finish keys: another payload or another session with the same key is a conflict that reveals nothing and loses nothing', async () => {
  const a = await agent(d);
  const b = await agent(d, d.tokens.agent2);
  const sa = await startNo(a);
  const first = await a.request({ type: 'finish', session: sa.session, key: 'k-scoped', outcome: 'resolved', note: 'ring 912 34 567' });
  assert.equal(first.type, 'logged', JSON.stringify(first));
  // The same session, the same fields: the same answer.
  const same = await a.request({ type: 'finish', session: sa.session, key: 'k-scoped', outcome: 'resolved', note: 'ring 912 34 567' });
  assert.deepEqual([same.type, same.contact, same.duplicate], ['logged', first.contact, true]);
  // The same session, other fields: a conflict; barriers and a story count too.
  let r = await a.request({ type: 'finish', session: sa.session, key: 'k-scoped', outcome: 'abandoned' });
  assert.equal(r.code, 'conflict', JSON.stringify(r));
  r = await a.request({ type: 'finish', session: sa.session, key: 'k-scoped', outcome: 'resolved', note: 'ring 912 34 567', barriers: ['no_eid'] });
  assert.equal(r.code, 'conflict', `barriers: ${JSON.stringify(r)}`);
  r = await a.request({ type: 'finish', session: sa.session, key: 'k-scoped', outcome: 'resolved', note: 'ring 912 34 567', story: 'Hun ga opp.' });
  assert.equal(r.code, 'conflict', `story: ${JSON.stringify(r)}`);
  r = await a.request({ type: 'finish', session: sa.session, key: 'k-scoped', outcome: 'resolved', note: 'ring 912 34 567', barriers: [] });
  assert.equal(r.type, 'logged', `"barriers": [] is no barriers: ${JSON.stringify(r)}`);
  // Another agent, another session, another country: conflict, no contact id.
  const sb = await b.request({ type: 'start', country: 'dk', channel: 'phone', lang: 'da' });
  r = await b.request({ type: 'finish', session: sb.session, key: 'k-scoped', outcome: 'referred', destination: 'no.bank', referral_reason: 'other' });
  assert.equal(r.code, 'conflict', JSON.stringify(r));
  assert.ok(!r.message.includes(String(first.contact)) && r.contact === undefined, `nothing revealed: ${r.message}`);
  // Nothing lost: B's session finishes with a fresh key.
  const fresh = await b.request({ type: 'finish', session: sb.session, key: 'k-scoped-b', outcome: 'referred', destination: 'no.bank', referral_reason: 'other' });
  assert.equal(fresh.type, 'logged', JSON.stringify(fresh));
  assert.notEqual(fresh.contact, first.contact);
  const rows = sqlite(`${d.dir}/vegvisar.db`, "select key, country, outcome from contacts where key like 'k-scoped%' order by key");
  assert.deepEqual(rows, [{ key: 'k-scoped', country: 'no', outcome: 'resolved' }, { key: 'k-scoped-b', country: 'dk', outcome: 'referred' }]);
  // The same token, another session, the same fields: still another contact.
  const sa2 = await startNo(a);
  r = await a.request({ type: 'finish', session: sa2.session, key: 'k-scoped', outcome: 'resolved', note: 'ring 912 34 567' });
  assert.equal(r.code, 'conflict');
  // A citizen probing keys learns nothing.
  const cz = await Client.open(d, { from: '127.0.0.31' });
  await cz.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  const sc = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  r = await cz.request({ type: 'finish', session: sc.session, key: 'k-scoped', outcome: 'abandoned' });
  assert.equal(r.code, 'conflict');
  assert.doesNotMatch(r.message, /\d{1,}/, 'no number in the message');
  const m = await (await fetch(`${d.url}/metrics`)).text();
  assert.match(m, /^vegvisar_finish_key_conflicts_total [3-9]/m);
  await Promise.all([a.close(), b.close(), cz.close()]);
});

test('finish keys are ids, not text: other characters, empty or over 128 bytes are refused', async () => {
  const a = await agent(d);
  const s = await startNo(a);
  for (const key of ['kari nordmann', 'k/1', "k'); DROP TABLE contacts;--", '15076500565 ola', 'æøå', 'k'.repeat(129), 'k\u200b',
    // ids that are personal: a fødselsnummer, a phone number
    '15076500565', 'ring-98765432']) {
    const r = await a.request({ type: 'finish', session: s.session, key, outcome: 'abandoned' });
    assert.equal(r.code, 'bad_request', `${JSON.stringify(key)}: ${JSON.stringify(r)}`);
    assert.match(r.message, /"key"/);
  }
  const ok = await a.request({ type: 'finish', session: s.session, key: 'Aa0._:-'.repeat(18).slice(0, 128), outcome: 'abandoned' });
  assert.equal(ok.type, 'logged', JSON.stringify(ok));
  // A UUID whose first group is all digits (one in forty) is still a random id.
  const uuid = await a.request({ type: 'finish', session: (await startNo(a)).session, key: '23456789-abcd-4ef0-8123-456789abcdef', outcome: 'abandoned' });
  assert.equal(uuid.type, 'logged', JSON.stringify(uuid));
  await a.close();
});

test('finish: referred needs destination and reason; values are checked', async () => {
  const a = await agent(d);
  const s = await startNo(a);
  const cases = [
    [{ outcome: 'referred' }, 'bad_request', /needs "destination" and "referral_reason"/],
    [{ outcome: 'referred', destination: 'no.bank' }, 'bad_request', /needs/],
    [{ outcome: 'referred', destination: 'no.mars', referral_reason: 'wrong_agency' }, 'bad_request', /unknown destination "no.mars"/],
    [{ outcome: 'resolved', referral_reason: 'wrong_agency' }, 'bad_request', /only for outcome "referred"/],
    [{ outcome: 'solved' }, 'bad_request', /allowed: resolved, referred, abandoned/],
    [{ outcome: 'resolved', relation: 'cousin' }, 'bad_request', /allowed: adult_child_for_parent/],
    [{ outcome: 'resolved', age_band: '100_plus' }, 'bad_request', /allowed: under_18/],
    [{ outcome: 'resolved', note: 'x'.repeat(5000) }, 'too_large', /"note" is 5000 bytes/],
    [{ outcome: 'resolved', key: '' }, 'bad_request', /"key" must not be empty/],
  ];
  for (const [fields, code, re] of cases) {
    const r = await a.request({ type: 'finish', session: s.session, key: 'k-bad', ...fields });
    assert.equal(r.code, code, `${JSON.stringify(fields)} → ${JSON.stringify(r)}`);
    assert.match(r.message, re);
  }
  const ok = await a.request({ type: 'finish', session: s.session, key: 'k-ref', outcome: 'referred', destination: 'no.nav', referral_reason: 'no_mandate' });
  assert.equal(ok.type, 'logged');
  const [row] = sqlite(`${d.dir}/vegvisar.db`, "select destination, referral_reason, suggested, category from contacts where key='k-ref'");
  assert.deepEqual(row, { destination: 'no.nav', referral_reason: 'no_mandate', suggested: null, category: 'other' });
  await a.close();
});

test('a message over 64 KiB closes the connection with 1009; binary frames with 1003', async () => {
  const c = await Client.open(d);
  c.send(JSON.stringify({ type: 'hello', role: 'citizen', pad: 'x'.repeat(70 * 1024) }));
  assert.equal((await c.closed).code, 1009);
  const b = await Client.open(d);
  b.ws.send(Buffer.from([1, 2, 3]));
  assert.equal((await b.closed).code, 1003);
  const after = await agent(d);
  assert.equal(after.welcome.type, 'welcome', 'the daemon still serves');
  await after.close();
});

test('a message sent in many fragments is reassembled', async () => {
  const a = await agent(d);
  const text = JSON.stringify({ type: 'start', id: 'frag', country: 'no', channel: 'phone', lang: 'nb', facts: { on_behalf: 'self' } });
  const parts = text.match(/.{1,7}/g);
  const reply = new Promise((ok) => a.waiting.set('frag', ok));
  parts.forEach((p, i) => a.ws.send(p, { fin: i === parts.length - 1 }));
  const s = await reply;
  assert.equal(s.question.node, 'topic');
  await a.close();
});

test('the agent panel and the other clients are served over HTTP', async () => {
  const r = await fetch(`${d.url}/agent/`);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /<html/i);
  assert.match(r.headers.get('content-security-policy') || '', /default-src 'none'/);
});

test('consent to hand a referral over needs a connected desk for that destination', async () => {
  const a = await agent(d);
  assert.deepEqual(a.welcome.handoff_destinations, [], 'no peers configured, none offered');
  const s = await startNo(a);
  const r = await a.request({ type: 'finish', session: s.session, key: 'k-consent', outcome: 'referred', destination: 'no.nav', referral_reason: 'wrong_agency', consent: true });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /no desk is connected for no\.nav/);
  await a.close();
});
