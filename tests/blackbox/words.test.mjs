// The caller's own words: `start` with "text" derives facts from it
// (tests/fixtures/rules/words.json), lists them with the words that gave
// them, and the walk asks only what is still needed. The text is stored
// and logged nowhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, agent, sqlite } from './lib.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { await d.stop(); d.cleanup(); });

const start = (a, extra) => a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', ...extra });
const understood = (s) => Object.fromEntries((s.understood || []).map((u) => [u.fact, [u.value, u.words]]));

test('a sentence gives facts, each with its words; relations and ages too', async () => {
  const a = await agent(d);
  const s = await start(a, { text: 'Moren min på 88 har glemt passordet til MinID-en sin' });
  assert.equal(s.type, 'step', JSON.stringify(s));
  assert.deepEqual(understood(s), {
    on_behalf: ['another_person', 'Moren min'],
    relation: ['adult_child_for_parent', 'Moren min'],
    login_method: ['minid', 'MinID'],
    login_problem: ['forgotten_password', 'glemt passordet'],
    age_band: ['adult', '88'],
  });
  for (const [fact, [value]] of Object.entries(understood(s))) assert.equal(s.facts[fact], value);
  assert.ok(!s.question || !['login_method', 'login_problem', 'on_behalf'].includes(s.question.fact),
    'a fact the words gave is not asked');
  await a.close();
});

test('inflections, ASCII spellings, typos and negation', async () => {
  const a = await agent(d);
  let s = await start(a, { text: 'Har mistet telefonen og kodebrikka' });
  assert.deepEqual(understood(s).login_problem, ['lost_or_stolen', 'mistet telefonen']);
  s = await start(a, { text: 'jeg har glemt pasordet til minid' }); // one letter missing
  assert.equal(understood(s).login_problem?.[0], 'forgotten_password');
  s = await start(a, { text: 'Jeg har ikke BankID, bare MinID' });
  assert.equal(understood(s).login_method?.[0], 'minid', '"ikke BankID" is no BankID');
  s = await start(a, { text: 'dodsbo etter far' });
  assert.equal(understood(s).topic?.[0], 'deceased_estate');
  await a.close();
});

test('explicit facts win; a text that says nothing starts an ordinary walk', async () => {
  const a = await agent(d);
  let s = await start(a, { text: 'glemt passord til MinID', facts: { login_method: 'bankid' } });
  assert.equal(s.facts.login_method, 'bankid');
  assert.equal(s.facts.login_problem, 'forgotten_password');
  s = await start(a, { text: 'hei, jeg lurer på noe' });
  assert.deepEqual(s.understood, []);
  const plain = await start(a, {});
  assert.equal(s.question?.node, plain.question?.node);
  await a.close();
});

test('bad text is refused with a clear error', async () => {
  const a = await agent(d);
  let r = await start(a, { text: 'x'.repeat(1001) });
  assert.equal(r.code, 'bad_request');
  assert.match(r.message, /"text".*1000/);
  r = await start(a, { text: 42 });
  assert.equal(r.code, 'bad_request');
  await a.close();
});

test('the text is neither stored nor logged', async () => {
  const a = await agent(d);
  const secret = 'Sofie Hansen 01017012345 har glemt passord til MinID';
  const s = await start(a, { text: secret });
  const logged = await a.request({ type: 'finish', session: s.session, key: 'k-words', outcome: 'resolved' });
  assert.equal(logged.type, 'logged', JSON.stringify(logged));
  const row = sqlite(join(d.dir, 'vegvisar.db'), `SELECT * FROM contacts WHERE key = 'k-words'`);
  assert.equal(row.length, 1);
  assert.ok(!JSON.stringify(row).includes('Sofie') && !JSON.stringify(row).includes('01017012345'));
  assert.ok(!d.log.join('\n').includes('Sofie'), 'the log does not hold the text');
  for (const f of ['vegvisar.db', 'vegvisar.db-wal']) {
    const bytes = existsSync(join(d.dir, f)) ? readFileSync(join(d.dir, f)).toString('latin1') : '';
    assert.ok(!bytes.includes('Sofie'), `${f} does not hold the text`);
  }
  await a.close();
});

// A field's maxlength counts characters; the daemon counts bytes. The
// clients cut what is too long at a character (clients/shared/protocol.js),
// and the daemon takes what they send, where the whole text is refused.
test('a full field of æøå: the clients cut it at a character and the daemon takes it', async () => {
  const { fitBytes, TEXT_MAX_BYTES } = await import('../../clients/shared/protocol.js');
  const words = 'Jeg har glemt passordet til MinID. ' + 'ø'.repeat(990);
  assert.ok(Buffer.byteLength(words) > TEXT_MAX_BYTES);
  const cut = fitBytes(words);
  assert.ok(Buffer.byteLength(cut) <= TEXT_MAX_BYTES && Buffer.byteLength(cut) >= TEXT_MAX_BYTES - 1);
  assert.ok(words.startsWith(cut) && !cut.includes('\ufffd'), 'cut at a character, nothing replaced');
  assert.equal(fitBytes('glemt passord'), 'glemt passord');
  const a = await agent(d);
  const refused = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', text: words });
  assert.equal(refused.code, 'bad_request');
  const step = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb', text: cut });
  assert.equal(step.type, 'step', JSON.stringify(step));
  assert.ok(step.understood.some((u) => u.fact === 'login_method' && u.value === 'minid'), JSON.stringify(step.understood));
  const found = await a.request({ type: 'search', q: fitBytes('glemt passord MinID ' + 'å'.repeat(995)), country: 'no', lang: 'nb' });
  assert.equal(found.type, 'results', JSON.stringify(found));
  await a.close();
});
