// The search message against the real daemon: the queries of
// tests/scenarios/queries.json and the callers' sentences of the sourced
// scenarios over the real rules (the right destination in the top 3), the
// facts of a walk ranking what fits first, every error a client can provoke,
// jumping to a result, who sees what, and search after a rule reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, Client, agent, ROOT, FIXTURE_RULES } from './lib.mjs';

const QUERIES = JSON.parse(readFileSync(join(ROOT, 'tests/scenarios/queries.json'), 'utf8'));
const SENTENCES = ['no', 'dk'].flatMap((c) => JSON.parse(readFileSync(join(ROOT, `tests/scenarios/sourced/${c}.json`), 'utf8')));
// docs/accuracy.md: the right destination in the top 3 for a caller's sentence.
const SENTENCE_FLOOR = 0.86;

let d; // real rules
let f; // fixture rules, which have agent-only nodes
before(async () => {
  [d, f] = await Promise.all([startDaemon({ rules: join(ROOT, 'rules') }), startDaemon({ rules: FIXTURE_RULES })]);
});
after(async () => {
  await Promise.all([d.stop(), f.stop()]);
  d.cleanup();
  f.cleanup();
});

async function citizen(daemon) {
  const c = await Client.open(daemon);
  const w = await c.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  return c;
}

const idOf = (item) => item.node || item.destination;
// A hit names the destination: a result that sends the caller there, or the destination itself.
const names = (items, dest) => items.slice(0, 3).some((it) => it.destination === dest);

test('queries.json: every expected destination is in the top 3', async () => {
  assert.ok(QUERIES.length >= 40, `only ${QUERIES.length} queries`);
  const langs = new Set(QUERIES.map((q) => q.lang));
  for (const l of ['nb', 'nn', 'da', 'en']) assert.ok(langs.has(l), `no query in ${l}`);
  const a = await agent(d);
  const misses = [];
  for (const q of QUERIES) {
    const r = await a.request({ type: 'search', q: q.q, country: q.country, lang: q.lang });
    assert.equal(r.type, 'results', `${q.q}: ${JSON.stringify(r)}`);
    if (!names(r.items, q.destination))
      misses.push(`  "${q.q}" (${q.country}/${q.lang}): expected ${q.destination}, got ${r.items.slice(0, 3).map(idOf).join(', ') || 'nothing'}`);
  }
  await a.close();
  console.log(`queries: ${QUERIES.length - misses.length} of ${QUERIES.length} in the top 3`);
  assert.deepEqual(misses, [], `${misses.length} of ${QUERIES.length} queries missed:\n${misses.join('\n')}`);
});

test('callers\' sentences find the right destination in the top 3', async () => {
  const a = await agent(d);
  let hits = 0, total = 0;
  const misses = [];
  for (const sc of SENTENCES) {
    const lang = sc.facts.country === 'dk' ? (sc.lang === 'en' ? 'en' : 'da') : sc.lang;
    // The whole sentence, as a caller's words are pasted (up to 1000 bytes).
    const r = await a.request({ type: 'search', q: sc.text, country: sc.facts.country, lang });
    assert.equal(r.type, 'results', JSON.stringify(r));
    total++;
    if (names(r.items, sc.destination)) hits++;
    else misses.push(`${sc.id}: expected ${sc.destination}, got ${r.items.slice(0, 3).map(idOf).join(', ')}`);
  }
  await a.close();
  console.log(`sentences: ${hits} of ${total} (${(100 * hits / total).toFixed(1)} %) with the right destination in the top 3`);
  assert.ok(hits / total >= SENTENCE_FLOOR, `${hits} of ${total} below the floor ${SENTENCE_FLOOR}:\n${misses.slice(0, 40).join('\n')}`);
});

test('inside a walk, results that fit its facts rank first; those they rule out last', async () => {
  const a = await agent(f);
  const q = { type: 'search', q: 'glemt passord BankID MinID', country: 'no', lang: 'nb' };
  const plain = (await a.request(q)).items.filter((it) => it.kind === 'result').map((it) => it.node);
  assert.ok(plain.includes('login.minid.forgot'), plain.join(', '));
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', facts: { login_method: 'bankid' } });
  const walk = (await a.request({ ...q, session: s.session })).items.filter((it) => it.kind === 'result').map((it) => it.node);
  assert.ok(walk.indexOf('login.bankid') >= 0 && walk.indexOf('login.bankid') < walk.indexOf('login.minid.forgot'),
    `BankID first in a BankID walk: ${walk.join(', ')}`);
  // A session gives its facts to nobody else: not to another agent (another
  // token; the same agent on a second connection may use its own sessions).
  const other = await agent(f, f.tokens.agent2);
  const foreign = (await other.request({ ...q, session: s.session })).items.filter((it) => it.kind === 'result').map((it) => it.node);
  assert.deepEqual(foreign, plain);
  await Promise.all([a.close(), other.close()]);
});

test('a result the facts fit is found even when its texts share no word with the query', async () => {
  const a = await agent(f);
  const q = { type: 'search', q: 'glemt passord', country: 'no', lang: 'nb' };
  const plain = (await a.request(q)).items.map(idOf);
  assert.ok(!plain.includes('poa.nav'), `the words alone do not find NAV's power of attorney: ${plain.join(', ')}`);
  // The mandate is one of poa.nav's conditions (who calls is another, which
  // does not count); none of its texts says "glemt passord".
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb',
    facts: { on_behalf: 'another_person', authority: 'written_poa' } });
  const walk = (await a.request({ ...q, session: s.session })).items.map(idOf);
  assert.ok(walk.slice(0, 3).includes('poa.nav'), `the result the walk's facts fit is in the top 3: ${walk.join(', ')}`);
  assert.ok(walk.includes('login.minid.forgot'), 'and the words still find theirs');
  await a.close();
});

test('who is calling does not lift a result above what the problem is about', async () => {
  const a = await agent(f);
  const q = { type: 'search', q: 'tingretten', country: 'no', lang: 'nb' };
  const results = async (m) => (await a.request(m)).items.filter((it) => it.kind === 'result').map(idOf);
  const plain = await results(q);
  assert.equal(plain[0], 'estate.court', plain.join(', '));
  // poa.give asks for on_behalf=self; a caller about themselves fits it, but
  // that says nothing about a power of attorney.
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', facts: { on_behalf: 'self' } });
  const walk = await results({ ...q, session: s.session });
  assert.equal(walk[0], 'estate.court', `the words' result stays first: ${walk.join(', ')}`);
  assert.ok(!walk.includes('poa.give'), `nothing but "self" brought in the power of attorney: ${walk.join(', ')}`);
  await a.close();
});

test('results: at most 10 items, each with kind, title and snippet; destinations have no node', async () => {
  const a = await agent(d);
  const r = await a.request({ type: 'search', q: 'bankid', country: 'no', lang: 'nb' });
  assert.equal(r.type, 'results');
  assert.match(r.re, /^r\d+$/);
  assert.equal(r.items.length, 10);
  for (const it of r.items) {
    assert.ok(['result', 'question', 'destination'].includes(it.kind), JSON.stringify(it));
    assert.equal(typeof it.title, 'string');
    assert.ok(it.title.length > 0);
    assert.equal(typeof it.snippet, 'string');
    if (it.kind === 'destination') {
      assert.match(it.destination, /^no\./);
      assert.equal(it.node, undefined);
    } else {
      assert.match(it.node, /^[a-z0-9_.-]+$/);
    }
    if (it.kind === 'result') assert.match(it.destination, /^no\./);
  }
  const dest = await a.request({ type: 'search', q: 'Borgerservice', country: 'dk', lang: 'da' });
  assert.deepEqual(dest.items[0], {
    ...dest.items[0], kind: 'destination', destination: 'dk.borgerservice',
  });
  // Nothing to look for is not an error: no items.
  const none = await a.request({ type: 'search', q: '?! --', country: 'no', lang: 'nb' });
  assert.deepEqual(none.items, []);
  const nowhere = await a.request({ type: 'search', q: 'zzqxv', country: 'no', lang: 'nb' });
  assert.deepEqual(nowhere.items, []);
  await a.close();
});

test('æøå and their ASCII spellings find the same nodes', async () => {
  const a = await agent(d);
  // The same nodes; the order may differ a little (the ASCII spelling also
  // matches ids such as no.digdir.dodsbo).
  const ids = async (q, country = 'no', lang = 'nb') =>
    (await a.request({ type: 'search', q, country, lang })).items.map(idOf).sort();
  assert.deepEqual(await ids('dodsbo'), await ids('dødsbo'));
  assert.deepEqual(await ids('doedsbo'), await ids('dødsbo'));
  assert.deepEqual(await ids('fodselsnummer'), await ids('fødselsnummer'));
  assert.deepEqual(await ids('vaergemaal', 'dk', 'da'), await ids('værgemål', 'dk', 'da'));
  // "værge" finds the guardianship authority: a result that sends the caller there.
  const places = (await a.request({ type: 'search', q: 'værge', country: 'dk', lang: 'da' })).items.map((it) => it.destination);
  assert.ok(places.slice(0, 3).includes('dk.familieretshuset'), places.join(', '));
  await a.close();
});

test('hostile queries are text, not FTS5 syntax', async () => {
  const a = await agent(d);
  for (const q of ['"', 'NEAR(bankid sperret, 2)', '*', '-bankid', 'bankid OR', 'head:bankid', '(', '")', "'; DROP TABLE doc; --", 'a"b"c']) {
    const r = await a.request({ type: 'search', q, country: 'no', lang: 'nb' });
    assert.equal(r.type, 'results', `${q}: ${JSON.stringify(r)}`);
  }
  const r = await a.request({ type: 'search', q: 'NEAR(bankid sperret', country: 'no', lang: 'nb' });
  assert.equal(r.items[0].destination, 'no.bank', JSON.stringify(r.items[0]));
  await a.close();
});

test('errors: empty or long q, unknown country, lang not in the tree, unknown fields', async () => {
  const a = await agent(d);
  const bad = async (msg, re) => {
    const r = await a.request({ type: 'search', ...msg });
    assert.equal(r.type, 'error', JSON.stringify(msg));
    assert.equal(r.code, 'bad_request', JSON.stringify(r));
    assert.match(r.message, re);
  };
  await bad({ q: '', country: 'no', lang: 'nb' }, /"q" is empty/);
  await bad({ q: '   ', country: 'no', lang: 'nb' }, /"q" is empty/);
  await bad({ country: 'no', lang: 'nb' }, /"q" is required/);
  await bad({ q: 7, country: 'no', lang: 'nb' }, /"q" must be a string/);
  await bad({ q: 'x'.repeat(1001), country: 'no', lang: 'nb' }, /"q" is longer than 1000 bytes/);
  await bad({ q: 'bankid', country: 'se', lang: 'nb' }, /"country": "se" is not allowed; allowed: no, dk/);
  await bad({ q: 'bankid', lang: 'nb' }, /"country" is required/);
  await bad({ q: 'MitID', country: 'dk', lang: 'nb' }, /the dk rules are written in \["da","en"\]/);
  await bad({ q: 'MitID', country: 'dk', lang: 'sv' }, /"lang": "sv" is not allowed/);
  await bad({ q: 'bankid', country: 'no', lang: 'nb', limit: 3 }, /unknown field "limit"/);
  // 1000 bytes is allowed; without lang the hello language is used (nb here).
  let r = await a.request({ type: 'search', q: 'x'.repeat(1000), country: 'no', lang: 'nb' });
  assert.equal(r.type, 'results');
  r = await a.request({ type: 'search', q: 'glemt passord', country: 'no' });
  assert.equal(r.type, 'results');
  assert.ok(r.items.slice(0, 3).some((it) => /passord/i.test(it.title)), JSON.stringify(r.items.slice(0, 3)));
  // An agent whose hello language is not in the tree must name one.
  r = await a.request({ type: 'search', q: 'MitID', country: 'dk' });
  assert.equal(r.code, 'bad_request');
  await a.close();
});

test('search before hello is unauthorized; supervisors may not search', async () => {
  const c = await Client.open(d);
  let r = await c.request({ type: 'search', q: 'bankid', country: 'no', lang: 'nb' });
  assert.equal(r.code, 'unauthorized');
  r = await c.request({ type: 'hello', role: 'supervisor', token: d.tokens.supervisor });
  assert.equal(r.type, 'welcome');
  r = await c.request({ type: 'search', q: 'bankid', country: 'no', lang: 'nb' });
  assert.equal(r.code, 'forbidden');
  await c.close();
});

test('a result node can be jumped to in a session of that country', async () => {
  const a = await agent(d);
  const found = await a.request({ type: 'search', q: 'mistet kodebrikke', country: 'no', lang: 'nb' });
  const hit = found.items.find((it) => it.kind === 'result');
  assert.ok(hit, JSON.stringify(found));
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  assert.equal(s.type, 'step');
  const j = await a.request({ type: 'jump', session: s.session, node: hit.node });
  assert.equal(j.type, 'step', JSON.stringify(j));
  assert.equal(j.result.node, hit.node);
  assert.equal(j.path.at(-1), hit.node);
  assert.equal(j.result.destination.id, hit.destination);
  // Every node of a broad search is a node of the tree.
  const many = await a.request({ type: 'search', q: 'fullmakt', country: 'no', lang: 'nb' });
  for (const it of many.items.filter((x) => x.node)) {
    const r = await a.request({ type: 'jump', session: s.session, node: it.node });
    assert.equal(r.type, 'step', `jump to ${it.node}: ${JSON.stringify(r)}`);
  }
  await a.close();
});

test('citizens may search, and see only nodes meant for citizens', async () => {
  // In the fixture the question "mandate" is for agents only and mentions "fullmakt".
  const a = await agent(f);
  const c = await citizen(f);
  const agentIds = (await a.request({ type: 'search', q: 'fullmakt', country: 'no', lang: 'nb' })).items.map(idOf);
  const r = await c.request({ type: 'search', q: 'fullmakt', country: 'no', lang: 'nb' });
  assert.equal(r.type, 'results', JSON.stringify(r));
  const citizenIds = r.items.map(idOf);
  assert.ok(agentIds.includes('mandate'), agentIds.join(', '));
  assert.ok(!citizenIds.includes('mandate'), citizenIds.join(', '));
  assert.ok(citizenIds.includes('poa.give'), citizenIds.join(', '));
  await Promise.all([a.close(), c.close()]);
});

test('after a rule reload the search answers from the new index', async () => {
  const a = await agent(f);
  const before = await a.request({ type: 'search', q: 'tingretten', country: 'no', lang: 'nb' });
  assert.ok(before.items.some((it) => it.node === 'estate.court'));
  f.log.length = 0; // the start logged "rules loaded" too
  const reloaded = f.waitForLog(/rules loaded from .*search index of \d+ texts built in [\d.]+ ms/);
  f.proc.kill('SIGHUP');
  await reloaded;
  const after = await a.request({ type: 'search', q: 'tingretten', country: 'no', lang: 'nb' });
  assert.deepEqual(after.items, before.items);
  await a.close();
});
