// Who may connect: origins checked at the upgrade, per-address caps on
// connections and messages, and back-off after failed sign-ins.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, Client, agent } from './lib.mjs';

const WIDGET_SITE = 'https://www.nav.no';
let d;
before(async () => {
  d = await startDaemon({
    config: {
      widget_origins: [WIDGET_SITE],
      agent_origins: ['https://vegvisar.desk.example'],
      limits: { connections_per_ip: 5, messages_per_second: 2, burst: 10 },
    },
  });
});
after(async () => { await d.stop(); d.cleanup(); });

test('cross-site websocket hijacking: foreign, null, missing, look-alike and differently cased origins are refused', async () => {
  const refused = [
    'https://evil.example',
    'null',
    null, // no Origin header at all
    'https://www.nav.no.evil.example',
    'https://www.nav.no:444',
    'HTTPS://WWW.NAV.NO',
    `http://127.0.0.1:${d.port + 1}`,
    `HTTP://127.0.0.1:${d.port}`,
  ];
  for (const origin of refused) {
    await assert.rejects(Client.open(d, { origin, from: '127.0.0.10' }), /./, `origin ${origin} must be refused`);
  }
  const ok = await agent(d);
  assert.equal(ok.welcome.type, 'welcome', 'the daemon still serves its own pages');
  await ok.close();
});

test('a widget origin may connect as a citizen but not sign in an agent; agent_origins may', async () => {
  const w = await Client.open(d, { origin: WIDGET_SITE, from: '127.0.0.11' });
  let r = await w.request({ type: 'hello', role: 'agent', token: d.tokens.agent });
  assert.equal(r.code, 'forbidden');
  r = await w.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  assert.equal(r.type, 'welcome');
  const a = await Client.open(d, { origin: 'https://vegvisar.desk.example', from: '127.0.0.11' });
  r = await a.request({ type: 'hello', role: 'agent', token: d.tokens.agent });
  assert.equal(r.type, 'welcome');
  await Promise.all([w.close(), a.close()]);
});

test('a connection flood from one address is capped while another address is served', async () => {
  const mine = [];
  for (let i = 0; i < 5; i++) mine.push(await Client.open(d, { from: '127.0.0.12' }));
  await assert.rejects(Client.open(d, { from: '127.0.0.12' }), /./, 'the sixth connection is refused');
  const other = await agent(d);
  assert.equal(other.welcome.type, 'welcome');
  await mine[0].close();
  const again = await Client.open(d, { from: '127.0.0.12' });
  assert.ok(again, 'a closed connection frees its place');
  await Promise.all([...mine.slice(1), again, other].map((c) => c.close()));
});

test('a message flood from one address gets rate_limited; another address is served', async () => {
  const c = await Client.open(d, { from: '127.0.0.13' });
  await c.request({ type: 'hello', role: 'citizen' });
  const replies = await Promise.all(Array.from({ length: 30 }, () => c.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' })));
  const limited = replies.filter((r) => r.code === 'rate_limited');
  assert.ok(limited.length >= 15, `most of a burst of 30 over a budget of 10 is refused (${limited.length})`);
  assert.match(limited[0].message, /too many messages/);
  const o = await Client.open(d, { from: '127.0.0.14' });
  const w = await o.request({ type: 'hello', role: 'citizen' });
  assert.equal(w.type, 'welcome');
  const s = await o.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  assert.equal(s.type, 'step');
  await Promise.all([c.close(), o.close()]);
});

test('token brute force: failures slow the address down, then it is refused for a while', async () => {
  const c = await Client.open(d, { from: '127.0.0.15' });
  let r = await c.request({ type: 'hello', role: 'agent', token: 'guess-000000000000' });
  assert.equal(r.code, 'unauthorized');
  r = await c.request({ type: 'hello', role: 'agent', token: d.tokens.agent });
  assert.equal(r.code, 'rate_limited', 'even the right token waits out the back-off');
  const elsewhere = await agent(d);
  assert.equal(elsewhere.welcome.type, 'welcome');
  await Promise.all([c.close(), elsewhere.close()]);
});
