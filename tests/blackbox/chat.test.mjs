// Live chat after a handover (docs/protocol.md, "Live chat after a
// handover"): once an agent takes a citizen's handover both can write, each
// send acknowledged with its seq; a side that reconnects gets what it
// missed; an agent who stays away loses the chat to the queue, at the old
// place; nothing either side writes reaches a log line or the store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startDaemon, Client, agent, sha256 } from './lib.mjs';

const FORGOT = { on_behalf: 'self', topic: 'login', login_method: 'minid', login_problem: 'forgotten_password' };
const BOUNDS = { agent_grace_seconds: 1, chats_per_agent: 20, chat_message_bytes: 100 };

// desk-1 shows the citizen a display name; desk-2 its token name.
async function chatDaemon(bounds = BOUNDS) {
  const tokens = { agent: 'a'.repeat(32), agent2: 'b'.repeat(32), agent3: 'c'.repeat(32), supervisor: 'd'.repeat(32) };
  return startDaemon({
    tokens,
    config: {
      bounds,
      tokens: [
        { name: 'desk-1', role: 'agent', sha256: sha256(tokens.agent), display_name: 'Kari' },
        { name: 'desk-2', role: 'agent', sha256: sha256(tokens.agent2) },
        { name: 'desk-3', role: 'agent', sha256: sha256(tokens.agent3) },
        { name: 'lead', role: 'supervisor', sha256: sha256(tokens.supervisor) },
      ],
    },
  });
}

let d;
before(async () => { d = await chatDaemon(); });
after(async () => { await d.stop(); d.cleanup(); });

// Each citizen from an address of its own: handovers are bounded per address.
let nextAddress = 10;
async function citizen(daemon = d) {
  const c = await Client.open(daemon, { from: `127.0.0.${nextAddress++}` });
  const w = await c.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  assert.equal(w.type, 'welcome');
  return c;
}

// The next pushed message of this type; others (queue_position, presence)
// are kept in c.skipped for the tests that look at them.
async function nextOf(c, type) {
  for (;;) {
    const m = await c.next();
    if (m.type === type) return m;
    (c.skipped ||= []).push(m);
  }
}

// The reply to req and everything pushed right after it: the daemon answers
// a connection's messages in order, so what it pushed after the reply has
// arrived once the reply to a second message (one it refuses) is in.
async function pushedAfter(c, req) {
  const r = await c.request(req);
  const fence = await c.request({ type: 'no_such_type' });
  assert.equal(fence.code, 'bad_request');
  return { r, got: c.inbox.splice(0) };
}

// A citizen who handed over, and an agent who took it.
async function chatting({ daemon = d, token = daemon.tokens.agent, facts = FORGOT } = {}) {
  const cz = await citizen(daemon);
  const s = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb', facts });
  const ho = await cz.request({ type: 'handover', session: s.session });
  assert.equal(ho.type, 'handover', JSON.stringify(ho));
  const ag = await agent(daemon, token);
  const step = await ag.request({ type: 'take', code: ho.code });
  assert.equal(step.type, 'step', JSON.stringify(step));
  const taken = await nextOf(cz, 'taken');
  return { cz, ag, s, ho, taken, session: s.session };
}

test('chat both ways: acks with seq, the other side gets the text, the name and the seq', async () => {
  const { cz, ag, ho, taken, session } = await chatting();
  assert.deepEqual(taken, { type: 'taken', code: ho.code, session, agent: 'Kari' }, 'the display name of the token');

  const a1 = await ag.request({ type: 'chat', session, text: 'Hei, jeg heter Kari.' });
  assert.equal(a1.type, 'chat');
  assert.equal(a1.seq, 1);
  assert.ok(Math.abs(a1.at - Date.now()) < 60000);
  const p1 = await nextOf(cz, 'chat');
  assert.deepEqual(p1, { type: 'chat', from: 'agent', name: 'Kari', session, text: 'Hei, jeg heter Kari.', seq: 1, at: a1.at });

  const c2 = await cz.request({ type: 'chat', text: 'Hei! Jeg får ikke logget inn.' });
  assert.equal(c2.seq, 2, 'one numbering for both directions');
  const p2 = await nextOf(ag, 'chat');
  assert.equal(p2.from, 'citizen');
  assert.equal(p2.text, 'Hei! Jeg får ikke logget inn.');
  assert.equal(p2.session, session);
  assert.equal(p2.seq, 2);

  const c3 = await cz.request({ type: 'chat', session, text: 'med session' });
  assert.equal(c3.seq, 3, 'the citizen may name its session');
  assert.equal((await nextOf(ag, 'chat')).text, 'med session');

  let r = await cz.request({ type: 'chat', text: '' });
  assert.equal(r.code, 'bad_request');
  r = await cz.request({ type: 'chat', text: 7 });
  assert.equal(r.code, 'bad_request');
});

test('typing is acknowledged and passed on to the other side', async () => {
  const { cz, ag, session } = await chatting();
  const ack = await cz.request({ type: 'typing' });
  assert.equal(ack.type, 'typing');
  assert.deepEqual(await nextOf(ag, 'typing'), { type: 'typing', from: 'citizen', session });
  await ag.request({ type: 'typing', session });
  assert.deepEqual(await nextOf(cz, 'typing'), { type: 'typing', from: 'agent', session });
});

test('chat_card sends the result\'s contact card; before a result it is a conflict', async () => {
  const early = await chatting({ facts: {} });
  const r = await early.ag.request({ type: 'chat_card', session: early.session });
  assert.equal(r.code, 'conflict', JSON.stringify(r));
  const r2 = await early.cz.request({ type: 'chat_card', session: early.session });
  assert.equal(r2.code, 'forbidden', 'only agents send cards');

  const { cz, ag, session } = await chatting();
  const ack = await ag.request({ type: 'chat_card', session });
  assert.equal(ack.type, 'chat');
  assert.equal(ack.seq, 1);
  const card = await nextOf(cz, 'chat');
  assert.equal(card.from, 'agent');
  assert.equal(card.text, undefined);
  assert.equal(card.card.destination.id, 'no.digdir.idporten');
  assert.ok(card.card.destination.name, 'the destination with its name, for the citizen');
});

test('chat_end ends it for both; the citizen gets the step to act on', async () => {
  const { cz, ag, session } = await chatting();
  const ack = await cz.request({ type: 'chat_end' });
  assert.equal(ack.type, 'chat_end');
  const toAgent = await nextOf(ag, 'chat_ended');
  assert.equal(toAgent.by, 'citizen');
  assert.equal(toAgent.session, session);
  assert.equal(toAgent.step, undefined, 'the agent has the step already');
  const toCitizen = await nextOf(cz, 'chat_ended');
  assert.equal(toCitizen.by, 'citizen');
  assert.equal(toCitizen.step.result.destination.id, 'no.digdir.idporten', 'what to do next');
  const r = await ag.request({ type: 'chat', session, text: 'er du der?' });
  assert.equal(r.code, 'conflict');
  assert.match(r.message, /ended/);
});

test('the agent\'s finish ends the chat: chat_ended by agent to both, with the citizen\'s step', async () => {
  const { cz, ag, session } = await chatting();
  const logged = await ag.request({ type: 'finish', session, key: `chat-${session}`, outcome: 'resolved' });
  assert.equal(logged.type, 'logged', JSON.stringify(logged));
  const toCitizen = await nextOf(cz, 'chat_ended');
  assert.equal(toCitizen.by, 'agent');
  assert.equal(toCitizen.step.result.destination.id, 'no.digdir.idporten');
  assert.equal((await nextOf(ag, 'chat_ended')).by, 'agent');
});

test('a citizen who reconnects with after gets what it missed, exactly once', async () => {
  const { cz, ag, ho, session } = await chatting();
  await cz.request({ type: 'chat', text: 'en' });
  await cz.close();
  const gone = await nextOf(ag, 'chat_presence');
  assert.deepEqual(gone, { type: 'chat_presence', session, side: 'citizen', present: false });
  await ag.request({ type: 'chat', session, text: 'to' });
  await ag.request({ type: 'chat', session, text: 'tre' });

  const back = await citizen();
  const { r, got } = await pushedAfter(back, { type: 'handover', session, after: 1 });
  assert.equal(r.type, 'handover', JSON.stringify(r));
  assert.equal(r.code, ho.code);
  assert.equal(r.state, 'taken');
  assert.equal(r.agent, 'Kari');
  assert.deepEqual(got.filter((m) => m.type === 'chat').map((m) => [m.seq, m.from, m.text]), [[2, 'agent', 'to'], [3, 'agent', 'tre']]);
  // Nothing more comes than the messages after seq 1: the next push is the agent's next message.
  assert.deepEqual(await nextOf(ag, 'chat_presence'), { type: 'chat_presence', session, side: 'citizen', present: true });
  await ag.request({ type: 'chat', session, text: 'fire' });
  const next = await nextOf(back, 'chat');
  assert.equal(next.seq, 4, 'no message twice');
  assert.equal((await back.request({ type: 'chat', text: 'fem' })).seq, 5, 'the citizen writes on');
});

test('an agent who reconnects and takes again with after: no conflict, the missed messages', async () => {
  const { cz, ag, ho, session } = await chatting();
  await ag.request({ type: 'chat', session, text: 'en' });
  await ag.close();
  assert.deepEqual(await nextOf(cz, 'chat_presence'), { type: 'chat_presence', session, side: 'agent', present: false });
  await cz.request({ type: 'chat', text: 'to' });

  const again = await agent(d);
  const { r, got } = await pushedAfter(again, { type: 'take', code: ho.code, after: 1 });
  assert.equal(r.type, 'step', JSON.stringify(r));
  assert.equal(r.session, session);
  assert.deepEqual(got.map((m) => [m.type, m.seq, m.text]), [['chat', 2, 'to']]);
  assert.deepEqual(await nextOf(cz, 'chat_presence'), { type: 'chat_presence', session, side: 'agent', present: true });
  assert.equal((await again.request({ type: 'chat', session, text: 'tre' })).seq, 3);
  // Another agent still gets a conflict.
  const other = await agent(d, d.tokens.agent2);
  const c = await other.request({ type: 'take', code: ho.code });
  assert.equal(c.code, 'conflict');
});

test('who may write where: a citizen only its own chat, an agent only the sessions it took', async () => {
  const a = await chatting();
  const b = await chatting({ token: d.tokens.agent2 });
  let r = await a.cz.request({ type: 'chat', session: b.session, text: 'hallo?' });
  assert.equal(r.code, 'forbidden');
  r = await a.ag.request({ type: 'chat', session: b.session, text: 'hallo?' });
  assert.equal(r.code, 'forbidden');
  r = await a.ag.request({ type: 'chat', session: 'f'.repeat(32), text: 'hallo?' });
  assert.equal(r.code, 'not_found');
  const waiting = await citizen();
  const s = await waiting.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  await waiting.request({ type: 'handover', session: s.session });
  r = await waiting.request({ type: 'chat', text: 'noen der?' });
  assert.equal(r.code, 'conflict', 'no agent has taken it yet');
  await a.ag.request({ type: 'chat_end', session: a.session });
  await b.ag.request({ type: 'chat_end', session: b.session });
});

async function metrics(daemon) {
  const text = await (await fetch(`${daemon.url}/metrics`)).text();
  return new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const i = l.lastIndexOf(' ');
    return [l.slice(0, i), Number(l.slice(i + 1))];
  }));
}

test('bounds: a text too long, a burst too fast, too many chats for one agent', async () => {
  const b = await chatDaemon({ ...BOUNDS, chats_per_agent: 2 });
  try {
    await boundsRefused(b);
  } finally {
    await b.stop();
    b.cleanup();
  }
});

async function boundsRefused(d) {
  const { cz, ag, session } = await chatting({ daemon: d, token: d.tokens.agent3 });
  let r = await cz.request({ type: 'chat', text: 'x'.repeat(101) });
  assert.equal(r.code, 'too_large');
  assert.match(r.message, /100 bytes \(bounds\.chat_message_bytes\)/);
  r = await cz.request({ type: 'chat', text: 'æ'.repeat(50) });
  assert.equal(r.type, 'chat', '100 bytes of UTF-8 are within the bound');

  const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => ag.request({ type: 'chat', session, text: `m${i}` })));
  assert.equal(replies.filter((x) => x.type === 'chat').length, 10, 'a burst of 10');
  r = await ag.request({ type: 'chat', session, text: 'one too many' });
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /bounds\.chat_per_minute/);

  await chatting({ daemon: d, token: d.tokens.agent3 }); // desk-3's second chat (the bound is 2)
  const third = await citizen(d);
  const s = await third.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  const ho = await third.request({ type: 'handover', session: s.session });
  r = await ag.request({ type: 'take', code: ho.code });
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /bounds\.chats_per_agent/);
  await ag.request({ type: 'chat_end', session });
  r = await ag.request({ type: 'take', code: ho.code });
  assert.equal(r.type, 'step', 'one chat ended: room for the next');

  const m = await metrics(d);
  for (const b of ['chat_message_bytes', 'chat_per_minute', 'chats_per_agent'])
    assert.ok(m.get(`vegvisar_bounds_refused_total{bound="${b}"}`) >= 1, b);
}

test('the queue: position and wait in the reply, queue_position when someone ahead is taken; an agent away too long loses the chat to the queue at its old place', async () => {
  const q = await chatDaemon();
  try {
    const watcher = await agent(q, q.tokens.agent2);
    await watcher.request({ type: 'queue' });
    const hand = async () => {
      const cz = await citizen(q);
      const s = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb', facts: FORGOT });
      const ho = await cz.request({ type: 'handover', session: s.session });
      return { cz, s, ho };
    };
    const first = await hand();
    const second = await hand();
    const third = await hand();
    // One agent signed in (the watcher): one chat at a time, 300 s each by default.
    assert.equal(first.ho.position, 1);
    assert.equal(first.ho.wait_seconds, 300);
    assert.equal(second.ho.position, 2);
    assert.equal(second.ho.wait_seconds, 600);
    assert.equal(third.ho.position, 3);
    const added = [];
    while (added.length < 3) added.push(...(await nextOf(watcher, 'queue_changed')).added || []);

    // desk-1 signs in (two agents now) and takes the first: those behind move up.
    const ag = await agent(q);
    await ag.request({ type: 'take', code: first.ho.code });
    await nextOf(first.cz, 'taken');
    let p = await nextOf(second.cz, 'queue_position');
    while (p.position !== 1) p = await nextOf(second.cz, 'queue_position');
    assert.equal(p.code, second.ho.code);
    assert.equal(p.wait_seconds, 300, '⌈1 ÷ 2 agents⌉ × 300 s');
    p = await nextOf(third.cz, 'queue_position');
    while (p.position !== 2) p = await nextOf(third.cz, 'queue_position');
    assert.equal(p.wait_seconds, 300, '⌈2 ÷ 2 agents⌉ × 300 s');
    assert.deepEqual((await nextOf(watcher, 'queue_changed')).removed, [first.ho.code]);

    // The first chat goes on, then its agent goes away past the grace (1 s).
    await first.cz.request({ type: 'chat', text: 'Jeg har glemt passordet.' });
    await ag.request({ type: 'chat', session: first.s.session, text: 'Da ser vi på det.' });
    await ag.close();
    const requeued = await nextOf(first.cz, 'requeued');
    assert.equal(requeued.code, first.ho.code);
    assert.equal(requeued.position, 1, 'back at its old place, before those who came later');
    const back = await nextOf(watcher, 'queue_changed');
    assert.equal(back.added[0].code, first.ho.code);
    assert.equal(back.added[0].created, added.find((i) => i.code === first.ho.code).created, 'its created is kept');
    const queue = await watcher.request({ type: 'queue' });
    assert.deepEqual(queue.items.map((i) => i.code), [first.ho.code, second.ho.code, third.ho.code]);

    // The next agent to take it gets the conversation so far.
    const { r, got } = await pushedAfter(watcher, { type: 'take', code: first.ho.code });
    assert.equal(r.type, 'step', JSON.stringify(r));
    assert.deepEqual(got.filter((m) => m.type === 'chat').map((m) => [m.from, m.text]), [
      ['citizen', 'Jeg har glemt passordet.'], ['agent', 'Da ser vi på det.'],
    ]);
    const taken = await nextOf(first.cz, 'taken');
    assert.equal(taken.agent, 'desk-2', 'a token without display_name shows its name');
    assert.equal((await watcher.request({ type: 'chat', session: first.s.session, text: 'Hei igjen' })).seq, 3);
  } finally {
    await q.stop();
    q.cleanup();
  }
});

test('chat texts reach neither the log nor the store', async () => {
  const secret = `hemmelig-${Date.now()}-passord`;
  const { cz, ag, session } = await chatting();
  await cz.request({ type: 'chat', text: `Mitt passord er ${secret}` });
  await ag.request({ type: 'chat', session, text: `Ikke del ${secret}` });
  assert.ok((await nextOf(ag, 'chat')).text.includes(secret), 'relayed');
  const logged = await ag.request({ type: 'finish', session, key: `secret-${session}`, outcome: 'resolved' });
  assert.equal(logged.type, 'logged');
  await nextOf(cz, 'chat_ended');
  assert.ok(!d.log.some((l) => l.includes(secret)), 'not in the log');
  for (const f of ['vegvisar.db', 'vegvisar.db-wal']) {
    const p = `${d.dir}/${f}`;
    if (existsSync(p)) assert.ok(!readFileSync(p).includes(secret), `not in ${f}`);
  }
});

test('an agent signing in or out moves a waiting citizen\'s estimate at once, not at the next housekeeping', async () => {
  // Housekeeping every 30 s here (a quarter of the default grace periods):
  // a push that waited for it would come too late for this test.
  const e = await chatDaemon({ ...BOUNDS, agent_grace_seconds: 600 });
  try {
    const cz = await citizen(e);
    const s = await cz.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb', facts: FORGOT });
    const ho = await cz.request({ type: 'handover', session: s.session });
    assert.equal(ho.position, 1);
    assert.equal(ho.wait_seconds, undefined, 'no agent signed in: no estimate');
    const ag = await agent(e);
    const up = await Promise.race([nextOf(cz, 'queue_position'),
      new Promise((_, no) => setTimeout(() => no(new Error('no push within 10 s of an agent signing in')), 10000))]);
    assert.equal(up.code, ho.code);
    assert.equal(up.position, 1);
    assert.ok(up.wait_seconds > 0 && up.wait_seconds % 60 === 0, JSON.stringify(up));
    ag.close();
    const down = await Promise.race([nextOf(cz, 'queue_position'),
      new Promise((_, no) => setTimeout(() => no(new Error('no push within 10 s of the agent leaving')), 10000))]);
    assert.equal(down.wait_seconds, undefined, 'the last agent left: no estimate again');
  } finally {
    await e.stop();
    e.cleanup();
  }
});

test('a chat whose session expires ends for both sides with "by":"expired"', { timeout: 60000 }, async () => {
  const e = await chatDaemon({ ...BOUNDS, session_idle_seconds: 10 });
  try {
    const { cz, ag, session } = await chatting({ daemon: e });
    assert.equal((await ag.request({ type: 'chat', session, text: 'Et øyeblikk.' })).seq, 1);
    const [toAgent, toCitizen] = await Promise.all([nextOf(ag, 'chat_ended'), nextOf(cz, 'chat_ended')]);
    assert.deepEqual(toAgent, { type: 'chat_ended', session, by: 'expired' });
    assert.deepEqual(toCitizen, { type: 'chat_ended', session, by: 'expired' });
    const r = await cz.request({ type: 'chat', text: 'Hallo?' });
    assert.ok(['conflict', 'not_found'].includes(r.code), JSON.stringify(r));
  } finally {
    await e.stop();
    e.cleanup();
  }
});
