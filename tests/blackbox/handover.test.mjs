// "Talk to a person": a citizen's handover reaches the agents' queue, can
// be looked up by the code read aloud, and an agent continues the same walk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, Client, agent, sqlite } from './lib.mjs';

let d;
before(async () => { d = await startDaemon({ config: { desk_phone: { no: '22 22 22 22' } } }); });
after(async () => { await d.stop(); d.cleanup(); });

async function citizen() {
  const c = await Client.open(d);
  const w = await c.request({ type: 'hello', role: 'citizen', lang: 'nn' });
  assert.equal(w.type, 'welcome');
  return c;
}

test('a citizen hands over; the agent sees it queued, looks it up by code, takes it and continues', async () => {
  const watcher = await agent(d);
  const q0 = await watcher.request({ type: 'queue' });
  assert.equal(q0.type, 'queue');
  const before = q0.items.length;

  const cz = await citizen();
  let s = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nn' });
  s = await cz.request({ type: 'answer', session: s.session, value: 'self' });
  s = await cz.request({ type: 'answer', session: s.session, value: 'login' });
  assert.equal(s.question.node, 'login.method');

  const ho = await cz.request({ type: 'handover', session: s.session });
  assert.equal(ho.type, 'handover', JSON.stringify(ho));
  assert.match(ho.code, /^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/, 'a code easy to read aloud');
  assert.equal(ho.phone, '22 22 22 22');
  assert.ok(ho.expires > Date.now());
  const again = await cz.request({ type: 'handover', session: s.session });
  assert.equal(again.code, ho.code, 'asking twice gives the same code');

  // The watching agent is told without asking: the one new item, not the queue.
  const pushed = await watcher.next();
  assert.equal(pushed.type, 'queue_changed');
  assert.equal(pushed.added.length, 1);
  assert.equal(pushed.removed, undefined);
  const item = pushed.added.find((i) => i.code === ho.code);
  assert.equal((await watcher.request({ type: 'queue' })).total, before + 1);
  assert.equal(item.lang, 'nn', "the citizen's language follows the handover");
  assert.deepEqual(item.step.facts, s.facts);
  assert.equal(item.step.question.node, 'login.method');

  // Another agent hears the code over the phone, typed loosely.
  const taker = await agent(d, d.tokens.agent2);
  const typed = ho.code.replace('-', ' ').toLowerCase();
  const looked = await taker.request({ type: 'lookup', code: typed });
  assert.equal(looked.code, ho.code);
  assert.equal(looked.state, 'waiting');
  const taken = await taker.request({ type: 'take', code: typed });
  assert.equal(taken.type, 'step');
  assert.equal(taken.session, s.session, 'the same session continues');
  assert.equal(taken.question.node, 'login.method', 'from the same question');
  assert.deepEqual(taken.facts, s.facts, 'with the same facts');
  assert.deepEqual(taken.path, s.path);
  assert.equal(taken.lang, 'nn');

  const told = await cz.next();
  assert.deepEqual(told, { type: 'taken', code: ho.code, session: s.session, agent: 'desk-2' }, 'with the agent\'s name (docs/protocol.md, live chat)');
  const emptied = await watcher.next();
  assert.deepEqual(emptied, { type: 'queue_changed', removed: [ho.code] }, 'taken handovers leave the queue');

  let r = await watcher.request({ type: 'take', code: ho.code });
  assert.equal(r.code, 'conflict');
  assert.match(r.message, /already taken by desk-2/);
  r = await cz.request({ type: 'answer', session: s.session, value: 'minid' });
  assert.equal(r.code, 'forbidden', 'the citizen no longer drives the session');

  // The agent finishes it; it is logged as a widget contact.
  let step = await taker.request({ type: 'answer', session: s.session, value: 'minid' });
  step = await taker.request({ type: 'answer', session: s.session, value: 'forgotten_password' });
  assert.equal(step.result.destination.id, 'no.digdir.idporten');
  const logged = await taker.request({ type: 'finish', session: s.session, key: `ho-${ho.code}`, outcome: 'resolved' });
  assert.equal(logged.type, 'logged');
  const [row] = sqlite(`${d.dir}/vegvisar.db`, `select channel, lang from contacts where key='ho-${ho.code}'`);
  assert.deepEqual(row, { channel: 'widget', lang: 'nn' });

  // Finished: the walk is freed, so the code leads nowhere and resume says
  // the session is over; a repeated finish still gets the same contact.
  r = await taker.request({ type: 'lookup', code: ho.code });
  assert.equal(r.code, 'not_found', JSON.stringify(r));
  r = await watcher.request({ type: 'take', code: ho.code });
  assert.equal(r.code, 'not_found', JSON.stringify(r));
  r = await taker.request({ type: 'resume', session: s.session });
  assert.equal(r.code, 'conflict', JSON.stringify(r));
  assert.match(r.message, new RegExp(`is finished \\(contact ${logged.contact}\\)`));
  r = await taker.request({ type: 'finish', session: s.session, key: `ho-${ho.code}`, outcome: 'resolved' });
  assert.deepEqual([r.type, r.contact, r.duplicate], ['logged', logged.contact, true]);
  await Promise.all([watcher.close(), taker.close(), cz.close()]);
});

test('handover rules: only citizens hand over, only agents look up; unknown codes are not found', async () => {
  const a = await agent(d);
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  let r = await a.request({ type: 'handover', session: s.session });
  assert.equal(r.code, 'forbidden');
  const cz = await citizen();
  r = await cz.request({ type: 'lookup', code: 'ABC-DEF' });
  assert.equal(r.code, 'forbidden');
  r = await cz.request({ type: 'queue' });
  assert.equal(r.code, 'forbidden');
  r = await a.request({ type: 'lookup', code: 'ZZZ-ZZZ' });
  assert.equal(r.code, 'not_found');
  assert.match(r.message, /expire after 30 minutes/);
  r = await a.request({ type: 'lookup', code: 'I0O-1LL' });
  assert.equal(r.code, 'not_found', 'letters that are not in the alphabet never match');
  r = await a.request({ type: 'take' });
  assert.equal(r.code, 'bad_request');
  await Promise.all([a.close(), cz.close()]);
});
