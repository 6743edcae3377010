// Bounds (docs/security.md, "Bounds"; issue 19, items 2, 5 and 6): bursts
// are answered, sessions and handovers are bounded per connection, token,
// address and in total, queue pushes are changes, idle sessions expire and
// release the rules they pinned. Each bound is refused with rate_limited
// naming its config key, and counted in /metrics.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDaemon, Client, agent } from './lib.mjs';

const daemons = [];
after(async () => { for (const d of daemons) { await d.stop(); d.cleanup(); } });

async function daemon(bounds = {}, extra = {}) {
  const d = await startDaemon({ config: { ...(Object.keys(bounds).length ? { bounds } : {}), ...extra } });
  daemons.push(d);
  return d;
}

async function metrics(d) {
  const text = await (await fetch(`${d.url}/metrics`)).text();
  const out = new Map();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) out.set(m[1] + (m[2] || ''), Number(m[3]));
  }
  return out;
}

async function citizen(d, from) {
  const c = await Client.open(d, { from });
  const w = await c.request({ type: 'hello', role: 'citizen', lang: 'nb' });
  assert.equal(w.type, 'welcome', JSON.stringify(w));
  return c;
}

// Send n messages in one go, without waiting, then collect every reply.
// The client reads normally (the ws library reads as data comes).
async function burst(c, n, make) {
  const replies = new Map();
  let done;
  const all = new Promise((ok) => { done = ok; });
  const on = (data) => {
    const r = JSON.parse(data.toString());
    if (typeof r.re === 'string' && r.re.startsWith('b')) {
      replies.set(r.re, r);
      if (replies.size === n) done();
    }
  };
  c.ws.on('message', on);
  const text = [];
  for (let i = 0; i < n; i++) text.push(JSON.stringify({ ...make(i), id: `b${i}` }));
  for (const t of text) c.ws.send(t);
  const closed = c.closed.then((x) => ({ closed: x }));
  const r = await Promise.race([all.then(() => null), closed]);
  c.ws.off('message', on);
  return { replies, closed: r ? r.closed : undefined };
}

for (const n of [1000, 10000]) {
  test(`a burst of ${n} messages from a normally reading agent is answered, each once, and the connection stays open`, { timeout: 120000 }, async () => {
    const d = daemons[0] || await daemon();
    const a = await agent(d);
    const { replies, closed } = await burst(a, n, (i) => (i % 2
      ? { type: 'back', session: '0'.repeat(32) }
      : { type: 'search', q: 'bankid', country: 'no', lang: 'nb' }));
    assert.equal(closed, undefined, `the connection closed after ${replies.size} replies: ${JSON.stringify(closed)}`);
    assert.equal(replies.size, n, 'every message got its reply');
    const kinds = new Set([...replies.values()].map((r) => r.type === 'error' ? r.code : r.type));
    assert.deepEqual([...kinds].sort(), ['not_found', 'results']);
    const m = await metrics(d);
    assert.ok(m.get('vegvisar_client_reads_paused_total') > 0, 'reading paused while replies backed up');
    assert.equal((await a.request({ type: 'queue' })).type, 'queue', 'still served');
    await a.close();
  });
}

test('a citizen burst of 1000 is answered: served up to the rate, then rate_limited, never dropped', { timeout: 60000 }, async () => {
  const d = daemons[0] || await daemon();
  const cz = await citizen(d, '127.0.0.51');
  const { replies, closed } = await burst(cz, 1000, () => ({ type: 'search', q: 'bankid', country: 'no' }));
  assert.equal(closed, undefined);
  assert.equal(replies.size, 1000);
  const limited = [...replies.values()].filter((r) => r.code === 'rate_limited').length;
  assert.ok(limited > 800 && limited < 1000, `${limited} rate_limited`);
  await cz.close();
});

test('open sessions are bounded per connection, per token and in total; finishing one frees its place', async () => {
  const d = await daemon({ sessions_per_connection: 3, sessions_per_token: 5, sessions_total: 8 });
  const start = (c, channel = 'phone') => c.request({ type: 'start', country: 'no', channel, lang: 'nb' });
  const a1 = await agent(d);
  const s = [];
  for (let i = 0; i < 3; i++) s.push(await start(a1));
  let r = await start(a1);
  assert.equal(r.code, 'rate_limited', JSON.stringify(r));
  assert.match(r.message, /bounds\.sessions_per_connection/);
  const f = await a1.request({ type: 'finish', session: s[0].session, key: 'b-1', outcome: 'abandoned' });
  assert.equal(f.type, 'logged');
  assert.equal((await start(a1)).type, 'step', 'a finished session frees its place');

  const a2 = await agent(d); // the same token over another connection
  assert.equal((await start(a2)).type, 'step');
  assert.equal((await start(a2)).type, 'step');
  r = await start(a2);
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /5 for your token \(bounds\.sessions_per_token\)/);

  const b = await agent(d, d.tokens.agent2);
  for (let i = 0; i < 3; i++) assert.equal((await start(b)).type, 'step');
  const cz = await citizen(d, '127.0.0.52');
  r = await start(cz, 'widget');
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /bounds\.sessions_total/);
  // A session moved to a closed connection still counts for its token.
  await a2.close();
  r = await start(a1);
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /sessions_per_(connection|token)/);
  const m = await metrics(d);
  assert.ok(m.get('vegvisar_bounds_refused_total{bound="sessions_per_connection"}') >= 1);
  assert.ok(m.get('vegvisar_bounds_refused_total{bound="sessions_per_token"}') >= 1);
  assert.ok(m.get('vegvisar_bounds_refused_total{bound="sessions_total"}') >= 1);
  await Promise.all([a1.close(), b.close(), cz.close()]);
});

test('citizens: open sessions per address; one address cannot take the others\' places', async () => {
  const d = await daemon({ sessions_per_address: 4, sessions_per_connection: 10 });
  const c1 = await citizen(d, '127.0.0.61');
  const c2 = await citizen(d, '127.0.0.61');
  for (let i = 0; i < 2; i++) {
    assert.equal((await c1.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' })).type, 'step');
    assert.equal((await c2.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' })).type, 'step');
  }
  const r = await c2.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /4 from your address \(bounds\.sessions_per_address\)/);
  const other = await citizen(d, '127.0.0.62');
  assert.equal((await other.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' })).type, 'step');
  assert.ok((await metrics(d)).get('vegvisar_bounds_refused_total{bound="sessions_per_address"}') >= 1);
  await Promise.all([c1.close(), c2.close(), other.close()]);
});

test('handovers: bounded per address, in total and by rate; agents get each change, not the whole queue', async () => {
  const d = await daemon({ handovers_per_address: 2, handovers_total: 5, handovers_per_minute: 3, queue_page: 3 });
  const watcher = await agent(d);
  const q0 = await watcher.request({ type: 'queue' });
  assert.deepEqual([q0.items.length, q0.total], [0, 0]);
  const handover = async (c) => {
    const s = await c.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
    return c.request({ type: 'handover', session: s.session });
  };
  const cz = await citizen(d, '127.0.0.71');
  assert.equal((await handover(cz)).type, 'handover');
  assert.equal((await handover(cz)).type, 'handover');
  let r = await handover(cz);
  assert.equal(r.code, 'rate_limited', JSON.stringify(r));
  assert.match(r.message, /bounds\.handovers_per_address/);

  const pushes = [];
  for (let i = 0; i < 2; i++) pushes.push(await watcher.next());
  for (const p of pushes) {
    assert.equal(p.type, 'queue_changed');
    assert.equal(p.added.length, 1, 'one item per change');
    assert.ok(JSON.stringify(p).length < 2000, 'a change is the size of one item');
  }

  // Three more addresses fill the queue to its total.
  const others = [];
  for (const ip of ['127.0.0.72', '127.0.0.73']) {
    const c = await citizen(d, ip);
    others.push(c);
    assert.equal((await handover(c)).type, 'handover');
  }
  const c74 = await citizen(d, '127.0.0.74');
  others.push(c74);
  assert.equal((await handover(c74)).type, 'handover');
  r = await handover(others[0]);
  assert.equal(r.code, 'rate_limited');
  assert.match(r.message, /queue is full \(5 waiting, bounds\.handovers_total\)/);
  const page = await watcher.request({ type: 'queue' });
  assert.deepEqual([page.items.length, page.total], [3, 5], 'a page of queue_page items, and the total');

  // Taking one frees a place; the agents hear of the removal only.
  const codes = page.items.map((i) => i.code);
  while (watcher.inbox.length) watcher.inbox.shift();
  const taker = await agent(d, d.tokens.agent2);
  assert.equal((await taker.request({ type: 'take', code: codes[0] })).type, 'step');
  assert.deepEqual(await watcher.next(), { type: 'queue_changed', removed: [codes[0]] });

  // The rate: 3 a minute per address, even when places are free again.
  const fast = await citizen(d, '127.0.0.75');
  const ends = [];
  for (let i = 0; i < 4; i++) {
    const s = await fast.request({ type: 'start', country: 'no', channel: 'widget', lang: 'nb' });
    const h = await fast.request({ type: 'handover', session: s.session });
    ends.push(h.code ?? h.type);
    if (h.type === 'handover') {
      // the citizen gives up: finishing the session takes it off the queue
      assert.equal((await fast.request({ type: 'finish', session: s.session, key: `fast-${i}`, outcome: 'abandoned' })).type, 'logged');
    }
  }
  assert.equal(ends.at(-1), 'rate_limited', JSON.stringify(ends));
  const m = await metrics(d);
  for (const b of ['handovers_per_address', 'handovers_total', 'handovers_per_minute'])
    assert.ok(m.get(`vegvisar_bounds_refused_total{bound="${b}"}`) >= 1, b);
  assert.equal(m.get('vegvisar_handovers_waiting'), 4);
  await Promise.all([watcher.close(), taker.close(), cz.close(), fast.close(), ...others.map((c) => c.close())]);
});

test('idle sessions expire, and the rules they pinned across reloads are released', { timeout: 60000 }, async () => {
  const d = await daemon({ session_idle_seconds: 10 });
  const a = await agent(d);
  for (let i = 0; i < 3; i++) {
    assert.equal((await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' })).type, 'step');
    d.log.length = 0; // the start logged "rules loaded" too
    const reloaded = d.waitForLog(/rules loaded from/);
    d.proc.kill('SIGHUP');
    await reloaded;
  }
  let m = await metrics(d);
  assert.equal(m.get('vegvisar_rule_trees_pinned'), 3, 'each session holds the rules it started on');
  const deadline = Date.now() + 20000;
  while ((m = await metrics(d)).get('vegvisar_rule_trees_pinned') !== 0) {
    assert.ok(Date.now() < deadline, 'the idle sessions expired within 20 s');
    await new Promise((ok) => setTimeout(ok, 500));
  }
  assert.equal(m.get('vegvisar_sessions_expired_total'), 3);
  assert.equal(m.get('vegvisar_sessions_in_progress{role="agent"}'), 0);
  await a.close();
});
