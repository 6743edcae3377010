// Attacks from outside, one per test, each followed by a check that a normal
// client is still served. docs/security.md lists every defence with the
// test that proves it; origins.test.mjs has the origin, connection, message
// and token brute-force limits.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import WebSocket from 'ws';
import { ROOT, startDaemon, Client, agent, sqlite } from './lib.mjs';

const SECRET = `TOPSECRET-${randomBytes(8).toString('hex')}`;
let d, site;

// The daemon serves a copy of clients/ in which links point out of it:
// site/secret.txt is outside www and must never be served.
before(async () => {
  site = mkdtempSync(join(tmpdir(), 'vegvisar-www-'));
  const www = join(site, 'www');
  cpSync(join(ROOT, 'clients'), www, { recursive: true });
  writeFileSync(join(site, 'secret.txt'), `${SECRET}\n`);
  writeFileSync(join(www, 'probe.js'), 'window.vegvisarProbe = "loaded";\n');
  symlinkSync('/etc/passwd', join(www, 'passwd.txt'));
  symlinkSync('../secret.txt', join(www, 'up.txt'));
  symlinkSync(site, join(www, 'outside'));
  symlinkSync('index.html', join(www, 'alias.html'));
  d = await startDaemon({
    args: ['--www', www],
    // The injection test sends hundreds of messages as a citizen too, and
    // starts a fresh session for each message it sends (bounds.test.mjs
    // tests the bounds on open sessions).
    config: { limits: { messages_per_second: 10000, burst: 10000 },
      bounds: { sessions_per_connection: 100000, sessions_per_token: 100000, sessions_per_address: 100000 } },
  });
});
after(async () => {
  await d.stop();
  d.cleanup();
  rmSync(site, { recursive: true, force: true });
});

// A normal walk after an attack: an agent signs in, starts, answers.
async function stillServes(daemon = d) {
  const a = await agent(daemon);
  const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  assert.equal(s.type, 'step', `start after the attack: ${JSON.stringify(s)}`);
  const n = await a.request({ type: 'answer', session: s.session, value: 'self' });
  assert.equal(n.type, 'step', `answer after the attack: ${JSON.stringify(n)}`);
  assert.equal(n.question.node, 'topic');
  await a.close();
}

// Send bytes on a fresh TCP connection; resolve with what came back when the
// daemon closes it (or after ms). For requests fetch() would normalise.
function raw(data, { ms = 3000, port = d.port } = {}) {
  return new Promise((ok) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    let closed = false;
    s.on('connect', () => s.write(data));
    s.on('data', (b) => chunks.push(b));
    s.on('error', () => {});
    const done = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      ok({ text, status: status ? Number(status[1]) : 0, closed });
      s.destroy();
    };
    s.on('close', () => { closed = true; done(); });
    setTimeout(done, ms);
  });
}

function get(path, headers = '') {
  return raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nConnection: close\r\n${headers}\r\n`);
}

// A websocket upgrade with our subprotocol and origin; extra headers added.
function upgradeRequest(path = '/ws', extra = '') {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${d.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
    `Origin: ${d.url}\r\n${extra}\r\n`;
}

// One masked client frame; len may claim more than payload holds.
function frame(opcode, payload, { fin = true, len = payload.length } = {}) {
  const mask = randomBytes(4);
  let head;
  if (len < 126) head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len]);
  else if (len < 65536) head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i % 4];
  return Buffer.concat([head, mask, body]);
}

// The close code in the daemon's close frame, if one came.
function closeCode(text) {
  const b = Buffer.from(text, 'latin1');
  const at = b.indexOf('\r\n\r\n');
  for (let i = at + 4; i >= 4 && i + 3 < b.length; i++)
    if (b[i] === 0x88 && (b[i + 1] & 0x7f) >= 2) return b.readUInt16BE(i + 2);
  return 0;
}

function textFrames(ws, chunks) {
  chunks.forEach((c, i) => ws.send(c, { binary: false, fin: i === chunks.length - 1 }));
}

test('oversized messages in many fragments close with 1009; a frame claiming 2^62 bytes is cut off at once', async () => {
  const floods = [];
  for (let i = 0; i < 20; i++) {
    const c = await Client.open(d);
    // 80 fragments of 1 KiB: no single frame is large, their sum is.
    textFrames(c.ws, Array.from({ length: 80 }, (_, k) => (k === 0 ? '{"type":"hello","x":"' : 'x'.repeat(1024))));
    floods.push(c.closed);
  }
  // 1009, or 1006 when the daemon's close raced the fragments still coming.
  for (const closed of await Promise.all(floods)) assert.ok([1009, 1006].includes(closed.code), `closed with ${closed.code}`);

  // Closed once 64 KiB have come, without waiting for the rest, and at once:
  // a close frame would make lws wait 5 s for an answer that a client in the
  // middle of a 2^62-byte frame cannot send (issue 19, item 7: this used to
  // fail now and then under load, when the close frame went out). Repeated,
  // because which way lws went depended on how the bytes were read.
  for (let i = 0; i < 20; i++) {
    const up = upgradeRequest('/ws', 'Sec-WebSocket-Protocol: vegvisar.v1\r\n');
    const t0 = Date.now();
    const r = await raw(Buffer.concat([Buffer.from(up), frame(1, 'x'.repeat(64 * 1024 + 1), { len: 2 ** 62 })]), { ms: 4000 });
    assert.match(r.text, /^HTTP\/1\.1 101/);
    assert.ok(r.closed, `try ${i}: the daemon closes the connection`);
    assert.ok(Date.now() - t0 < 2500, `try ${i}: closed after ${Date.now() - t0} ms`);
    assert.equal(closeCode(r.text), 0, `try ${i}: close code ${closeCode(r.text)}`);
  }
  await stillServes();
});

test('a message that never ends holds at most 64 KiB and is closed when it passes it', async () => {
  const c = await Client.open(d);
  c.ws.send('{"type":"hello","x":"', { binary: false, fin: false });
  for (let i = 0; i < 60; i++) c.ws.send('y'.repeat(1024), { binary: false, fin: false });
  await sleep(200);
  assert.equal(c.ws.readyState, WebSocket.OPEN, 'under 64 KiB the message may still grow');
  for (let i = 0; i < 8; i++) c.ws.send('y'.repeat(1024), { binary: false, fin: false });
  const { code } = await c.closed;
  assert.ok([1009, 1006].includes(code), `closed with ${code} (1006: the close raced our fragments)`);
  await stillServes();
});

test('invalid UTF-8 closes with 1007; escaped lone surrogates, NUL and JSON bombs get bad_request', async () => {
  const invalid = [
    [0x7b, 0xff, 0x7d],                   // a byte that is never UTF-8
    [0x22, 0xc0, 0xaf, 0x22],             // overlong "/"
    [0x22, 0xed, 0xa0, 0x80, 0x22],       // a UTF-16 surrogate encoded as UTF-8
    [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], // above U+10FFFF
    [0x22, 0xe2, 0x82],                   // truncated at the end
  ];
  for (const bytes of invalid) {
    const c = await Client.open(d);
    c.ws.send(Buffer.from(bytes), { binary: false });
    assert.equal((await c.closed).code, 1007, `bytes ${Buffer.from(bytes).toString('hex')}`);
  }
  // A sequence split across fragments is checked across them too.
  const f = await Client.open(d);
  textFrames(f.ws, [Buffer.from([0x22, 0xe2]), Buffer.from([0x41, 0x22])]);
  assert.equal((await f.closed).code, 1007);

  const c = await Client.open(d);
  const bad = [
    ['{"type":"hello","role":"citizen","lang":"\\ud800"}', /invalid JSON/],
    ['{"type":"hello","role":"citizen","lang":"n\\u0000b"}', /NUL/],
    ['{"type":"hello","role":"citizen\\u0000x"}', /NUL|not allowed/],
    [`${'['.repeat(5000)}${']'.repeat(5000)}`, /nesting deeper than 16/],
    [`{"type":"hello","role":"citizen","lang":"${'x'.repeat(9000)}"}`, /longer than 8192/],
    [`{"type":"hello",${Array.from({ length: 3000 }, (_, i) => `"k${i}":0`).join(',')}}`, /unknown field/],
    ['{"type":"hello","role":"citizen","lang":1e999999}', /invalid JSON|must be a string/],
  ];
  for (const [text, re] of bad) {
    c.send(text);
    const r = await c.next();
    assert.equal(r.code, 'bad_request', `${text.slice(0, 60)} → ${JSON.stringify(r).slice(0, 200)}`);
    assert.match(r.message, re);
  }
  await c.close();
  await stillServes();
});

test('h2c, HTTP/2 prior knowledge and unknown upgrades are refused; websockets only on /ws with our subprotocol', async () => {
  let r = await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n`);
  assert.equal(r.status, 400, `h2c: ${r.text.slice(0, 80)}`);
  assert.ok(r.closed, 'h2c: the connection is closed');
  r = await raw('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00');
  assert.ok(r.status >= 400 || r.status === 0, `prior knowledge: ${r.text.slice(0, 80)}`);
  assert.ok(!/^HTTP\/2|\x00\x00.\x04/.test(r.text.slice(0, 16)), 'no HTTP/2 SETTINGS frame comes back');
  assert.ok(r.closed);
  for (const up of ['foo', 'TLS/1.0', 'websocket, h2c', 'h2c, websocket']) {
    r = await raw(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: ${up}\r\n\r\n`);
    assert.ok(r.status >= 400 && r.status < 500, `Upgrade: ${up} → ${r.text.slice(0, 40)}`);
    assert.ok(r.closed, `Upgrade: ${up}: the connection is closed`);
  }
  r = await raw(upgradeRequest('/agent/', 'Sec-WebSocket-Protocol: vegvisar.v1\r\n'));
  assert.equal(r.status, 404, 'a websocket on another path');
  for (const proto of [null, 'http', 'vegvisar-http', 'http, vegvisar.v1', 'chat']) {
    r = await raw(upgradeRequest('/ws', proto ? `Sec-WebSocket-Protocol: ${proto}\r\n` : ''));
    assert.ok(!/^HTTP\/1\.1 101/.test(r.text), `subprotocol ${proto}: ${r.text.slice(0, 40)}`);
    assert.ok(r.closed);
  }
  r = await raw(upgradeRequest('/ws', 'Sec-WebSocket-Protocol: vegvisar.v1\r\n'), { ms: 500 });
  assert.match(r.text, /^HTTP\/1\.1 101/, 'the real thing still upgrades');
  r = await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`);
  assert.ok(r.closed && r.status !== 200, 'a request with 100 KiB of headers is refused');
  await stillServes();
});

// Issue 19, item 6: the daemon reads a client's messages only as fast as
// its replies leave, so a client that stops reading is not fed: its
// messages wait (in its own buffers and the kernel's), the daemon holds a
// few replies, and everything is answered once it reads again. (One that
// never reads again is hung up on by the ping: see "an idle websocket".)
test('a client that sends but never reads is read no further: the daemon holds a bounded queue, and answers all once it reads', async () => {
  const a = await agent(d);
  const N = 20000;
  let answered = 0;
  a.ws.on('message', () => { answered++; });
  a.ws._socket.pause(); // stop reading: replies pile up in the kernel, then the daemon stops reading
  const req = JSON.stringify({ type: 'back', session: '0'.repeat(32) }); // cheap: not_found
  for (let sent = 0; sent < N; sent++) {
    a.ws.send(req);
    if (sent % 500 === 0) await sleep(5); // let the daemon read and answer
  }
  await sleep(1000);
  const m = await (await fetch(`${d.url}/metrics`)).text();
  const value = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m)[1]);
  assert.ok(value('vegvisar_client_reads_paused_total') > 0, 'reading paused');
  assert.ok(value('vegvisar_send_queue_bytes') < 1 << 20, `queued ${value('vegvisar_send_queue_bytes')} bytes`);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d.proc.pid}/status`, 'utf8'))[1]);
  assert.ok(rss < 200 * 1024, `daemon RSS ${rss} kB`);
  await stillServes();
  a.ws._socket.resume();
  const deadline = Date.now() + 60000;
  while (answered < N && Date.now() < deadline && a.ws.readyState === WebSocket.OPEN) await sleep(50);
  assert.equal(answered, N, 'every message answered once the client read again');
  assert.ok(!d.log.some((l) => /send queue full/.test(l)), 'not taken for a slow reader');
  await a.close();
});

// These wait on the daemon's clocks, so they run side by side.
describe('slow and idle clients', { concurrency: true }, () => {
  test('slowloris: headers trickled a byte at a time are dropped 5 s after the first byte', async () => {
    const req = `GET /agent/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`;
    const trickle = (path, every) => new Promise((ok) => {
      const text = req.replace('/agent/', path);
      const s = net.connect(d.port, '127.0.0.1');
      const t0 = Date.now();
      let i = 0;
      const timer = setInterval(() => { if (i < text.length) s.write(text[i++]); }, every);
      s.on('error', () => {});
      s.on('close', () => { clearInterval(timer); ok({ ms: Date.now() - t0, sent: i }); });
    });
    const [http, ws] = await Promise.all([trickle('/agent/', 1000), trickle('/ws', 100)]);
    for (const r of [http, ws]) {
      assert.ok(r.ms >= 4500 && r.ms < 7000, `dropped after ${r.ms} ms`);
      assert.ok(r.sent < 110, 'before the headers were complete');
    }
    await stillServes();
  });

  test('a connection that sends nothing is closed after 5 s; an idle keep-alive connection too', async () => {
    const silent = await raw('', { ms: 8000 });
    assert.ok(silent.closed, 'the silent connection was closed');
    const t0 = Date.now();
    const kept = await raw(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, { ms: 9000 });
    assert.equal(kept.status, 200);
    assert.ok(kept.closed && Date.now() - t0 < 8000, 'the idle keep-alive connection was closed');
    await stillServes();
  });

  test('an idle websocket is pinged after 30 s and closed 10 s later only if it does not answer', async () => {
    const open = (autoPong) => new Promise((ok, fail) => {
      const ws = new WebSocket(`ws://127.0.0.1:${d.port}/ws`, 'vegvisar.v1', { headers: { Origin: d.url }, autoPong });
      const r = { ws, pings: [], t0: Date.now() };
      ws.on('ping', () => r.pings.push(Date.now() - r.t0));
      ws.on('close', (code) => { r.closedAt = Date.now() - r.t0; r.code = code; });
      ws.once('open', () => ok(r));
      ws.once('error', fail);
    });
    const [answers, mute] = await Promise.all([open(true), open(false)]);
    await sleep(43000);
    assert.ok(answers.pings.length >= 1 && answers.pings[0] >= 29000, `pinged at ${answers.pings}`);
    assert.equal(answers.ws.readyState, WebSocket.OPEN, 'a client that answers pings stays connected');
    assert.ok(mute.closedAt >= 39000 && mute.closedAt < 43000, `the mute client was closed at ${mute.closedAt} ms`);
    answers.ws.close();
    await stillServes();
  });
});

test('path traversal, encoded or not, and links out of www are refused; links inside work', async () => {
  const attempts = [
    '/../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/.%2e/secret.txt', '/%2e./secret.txt',
    '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/..\\secret.txt', '/%2e%2e%5csecret.txt',
    '/%252e%252e/secret.txt', '/%252e%252e%252fsecret.txt', '/%c0%ae%c0%ae/secret.txt', '/%c0%af../secret.txt',
    '/agent/../../secret.txt', '/agent/%2e%2e/%2e%2e/secret.txt', '/./../secret.txt', '//../secret.txt',
    '/agent/..%2f..%2fsecret.txt', '/%2fsecret.txt', '/secret.txt', `${'/..'.repeat(40)}/etc/passwd`,
    '/index.html%00.txt', '/index.html%00', '/up.txt', '/passwd.txt', '/outside/secret.txt',
    '/outside/www/../secret.txt', '/etc/passwd', 'secret.txt', '../secret.txt', '*',
  ];
  for (const path of attempts) {
    const r = await get(path);
    assert.ok(!r.text.includes(SECRET) && !/root:.*:0:0:/.test(r.text), `${path} leaked a file: ${r.text.slice(0, 120)}`);
    assert.notEqual(r.status, 200, `${path} → 200`);
  }
  const inside = await get('/alias.html');
  assert.equal(inside.status, 200, 'a link that stays inside www is served');
  assert.match(inside.text, /<html/i);
  assert.ok(d.log.some((l) => /static file .*passwd\.txt refused: it resolves to \/etc\/passwd, outside/.test(l)));
  await stillServes();
});

test('every response carries the security headers; a daemon script loads on a page of another origin', async () => {
  const paths = ['/', '/agent/', '/index.html', '/probe.js', '/healthz', '/nothing-here.html', '/api/nothing', '/passwd.txt'];
  for (const path of paths) {
    const r = await fetch(`${d.url}${path}`);
    const h = (n) => r.headers.get(n) || '';
    assert.match(h('content-security-policy'), /default-src 'none'/, `${path}: CSP`);
    assert.match(h('content-security-policy'), /frame-ancestors 'none'/, `${path}: frame-ancestors`);
    assert.equal(h('x-content-type-options'), 'nosniff', `${path}: nosniff`);
    assert.equal(h('referrer-policy'), 'no-referrer', `${path}: referrer-policy`);
    assert.equal(h('x-frame-options').toLowerCase(), 'deny', `${path}: x-frame-options`);
    assert.ok(!/same-(origin|site)/.test(h('cross-origin-resource-policy')), `${path}: CORP must not block the widget`);
    await r.arrayBuffer();
  }
  const js = await fetch(`${d.url}/probe.js`);
  assert.match(js.headers.get('content-type'), /javascript/, 'scripts have a script type (nosniff needs it)');

  // A host page on another origin (the widget's case) includes our script.
  await stillServes();
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return; // no browser tooling: the header checks above still hold
  }
  const host = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>host</title><script src="${d.url}/probe.js"></script>`);
  });
  await new Promise((ok) => host.listen(0, '127.0.0.1', ok));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${host.address().port}/`);
    assert.equal(await page.evaluate(() => window.vegvisarProbe), 'loaded', 'the cross-origin script ran');
  } finally {
    await browser.close();
    host.close();
  }
});

// --- injection -------------------------------------------------------------

const PAYLOADS = [
  "'", '"', '\\', "'); DROP TABLE contacts;--", '" OR 1=1 --', "1' OR '1'='1", 'key\'; DELETE FROM contacts WHERE 1=1; --',
  '%n%n%n%n', '%s%s%s%s%s%s', '%x%x%x%p%p', '%99999999999s', '{{7*7}}${7*7}', '${jndi:ldap://x/a}',
  '\u0000', 'a\u0000b', 'no\u0000', '\u202eevil', '😀'.repeat(1900), 'ø'.repeat(4000), 'x'.repeat(8192),
  '{"type":"hello","role":"agent"}', '[1,2,3]', '<script>alert(1)</script>', '../../../etc/passwd', '\r\nSet-Cookie: x=1',
  '', ' ', 'null', 'NaN', '-0', '1e308', 'self ', 'SELF',
  0, -1, 1.5, 1e300, 2 ** 53 + 1, true, false, null, [], ['self'], {}, { $gt: '' },
];

const ALLOWED_CODES = ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'too_large', 'rate_limited'];

// Send msg and resolve with its reply: the one echoing its id, or an error
// without one (a message refused before its id could be read). Pushed
// updates (the agents' queue) are neither.
function ask(c, msg) {
  return new Promise((ok) => {
    const on = (data) => {
      const r = JSON.parse(data.toString());
      if (('id' in msg && r.re !== undefined && isDeepStrictEqual(r.re, msg.id)) || (r.re === undefined && r.type === 'error')) {
        c.ws.off('message', on);
        ok(r);
      }
    };
    c.ws.on('message', on);
    c.send(msg);
  });
}

test('injection payloads in every field of every message get a proper reply; the store stays intact', async () => {
  const a = await agent(d);
  const cz = await Client.open(d);
  assert.equal((await cz.request({ type: 'hello', role: 'citizen', lang: 'nb' })).type, 'welcome');
  // Sign-ins with bad tokens come from their own address: its back-off
  // must not hold up the agents of the other tests.
  const anon = await Client.open(d, { from: '127.0.0.21' });
  const freshSession = async (c, channel) => (await c.request({ type: 'start', country: 'no', channel, lang: 'nb' })).session;
  const czSession = await freshSession(cz, 'widget');
  const ho = await cz.request({ type: 'handover', session: czSession });
  assert.equal(ho.type, 'handover');

  // Each message with valid values; every field in turn gets every payload.
  const messages = [
    [anon, 'hello', { role: 'agent', token: d.tokens.agent, lang: 'nb' }],
    [a, 'start', { country: 'no', channel: 'phone', lang: 'nb', facts: { on_behalf: 'self' } }],
    [a, 'answer', { session: 'S', value: 'self' }],
    [a, 'back', { session: 'S' }],
    [a, 'jump', { session: 'S', node: 'topic' }],
    [a, 'resume', { session: 'S' }],
    [a, 'finish', { session: 'S', key: 'K', outcome: 'referred', destination: 'no.nav', referral_reason: 'other', category: 'login', on_behalf: 'self', relation: 'other', age_band: 'unknown', note: 'n' }],
    [a, 'search', { q: 'bankid', country: 'no', lang: 'nb' }],
    [a, 'queue', {}],
    [a, 'lookup', { code: ho.code }],
    [a, 'take', { code: 'ZZZ-ZZZ' }],
    [cz, 'handover', { session: 'CS' }],
    [cz, 'start', { country: 'no', channel: 'widget', lang: 'nb' }],
    [cz, 'search', { q: 'bankid', country: 'no' }],
  ];
  const seen = new Map();
  let n = 0;
  for (const [c, type, base] of messages) {
    const fields = ['type', 'id', ...Object.keys(base), 'facts.key', 'facts.value', 'extra'];
    for (const field of fields) {
      if (field.startsWith('facts.') && type !== 'start') continue;
      for (const p of PAYLOADS) {
        const msg = { type, ...base };
        for (const k of Object.keys(msg)) {
          if (msg[k] === 'S') msg[k] = await freshSession(a, 'phone');
          if (msg[k] === 'CS') msg[k] = await freshSession(cz, 'widget');
          if (msg[k] === 'K') msg[k] = `inj-${n}`;
        }
        if (field === 'facts.key') msg.facts = { [typeof p === 'string' ? p : JSON.stringify(p)]: 'self' };
        else if (field === 'facts.value') msg.facts = { on_behalf: p };
        else if (field === 'extra') msg[typeof p === 'string' ? p || 'empty' : 'x'] = p;
        else msg[field] = p;
        if (field !== 'id') msg.id = `inj${n}`;
        n++;
        const r = await ask(c, msg);
        const what = `${type}.${field} = ${JSON.stringify(p).slice(0, 40)}`;
        assert.ok(typeof r.type === 'string', `${what}: no reply type`);
        if (r.type === 'error') {
          assert.ok(ALLOWED_CODES.includes(r.code), `${what}: ${r.code}: ${r.message}`);
          assert.equal(typeof r.message, 'string', `${what}: ${JSON.stringify(r).slice(0, 300)}`);
        } else {
          assert.ok(['welcome', 'step', 'logged', 'results', 'queue', 'handover'].includes(r.type), `${what}: ${r.type}`);
        }
        if (field === 'id' && r.re !== undefined) assert.deepEqual(r.re, p, `${what}: the id is echoed as sent`);
        { const k = r.type === 'error' ? r.code : r.type; seen.set(k, (seen.get(k) || 0) + 1); }
      }
    }
  }
  if (process.env.VV_TEST_VERBOSE) console.log(n, [...seen]);
  assert.ok(seen.get('bad_request') > 100 && seen.get('logged') > 0, `replies: ${JSON.stringify([...seen])}`);
  assert.equal(a.ws.readyState, WebSocket.OPEN, 'no payload closed the connection');

  // Stored verbatim through bound parameters: no statement was altered.
  // (Keys are ids, so a key like this one is refused before it gets there.)
  const refused = await a.request({ type: 'finish', session: await freshSession(a, 'phone'), key: "k'); DROP TABLE contacts;--", outcome: 'resolved' });
  assert.equal(refused.code, 'bad_request', JSON.stringify(refused));
  const key = "k-');DROP:TABLE.contacts;--".replace(/[^A-Za-z0-9._:-]/g, '-');
  const note = "O'Brien said \"%n%s\"; DROP TABLE contacts;-- {\"type\":\"x\"} 😀";
  const s = await freshSession(a, 'phone');
  const r = await a.request({ type: 'finish', session: s, key, outcome: 'resolved', note });
  assert.equal(r.type, 'logged', JSON.stringify(r));
  const db = join(d.dir, 'vegvisar.db');
  const [row] = sqlite(db, `select key, note from contacts where id = ${Number(r.contact)}`);
  assert.deepEqual(row, { key, note });
  assert.equal(sqlite(db, 'pragma integrity_check')[0].integrity_check, 'ok');
  assert.ok(sqlite(db, 'select count(*) as n from contacts')[0].n > 1, 'the contacts table is there and filled');
  await Promise.all([a.close(), cz.close(), anon.close()]);
  await stillServes();
});

// --- resources -------------------------------------------------------------

function mounted(dir) {
  return readFileSync('/proc/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);
}

test('disk full: finish gets unavailable and nothing is stored; when space returns the same key is logged', async (t) => {
  if (process.getuid() !== 0) return t.skip('needs root to mount a small tmpfs');
  const dir = mkdtempSync(join(tmpdir(), 'vegvisar-full-'));
  const mnt = join(dir, 'db');
  mkdirSync(mnt);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  if (m.status !== 0) return t.skip(`cannot mount a tmpfs: ${m.stderr}`);
  let full;
  try {
    full = await startDaemon({ dir, args: ['--db', join(mnt, 'vegvisar.db')] });
    const a = await agent(full);
    const finish = async (key) => {
      const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
      return a.request({ type: 'finish', session: s.session, key, outcome: 'resolved', note: 'x'.repeat(3900) });
    };
    assert.equal((await finish('before')).type, 'logged');
    // Fill the file system to the last block.
    spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
    const refused = [];
    for (let i = 0; i < 3; i++) refused.push(await finish(`full-${i}`));
    for (const r of refused) {
      assert.equal(r.code, 'unavailable', `a finish on a full disk: ${JSON.stringify(r)}`);
      assert.match(r.message, /nothing was logged/);
    }
    assert.equal((await fetch(`${full.url}/healthz`)).status, 503, '/healthz says the store is not writing');
    const failLines = full.log.filter((l) => /store: .* failed/.test(l)).length;
    assert.ok(failLines <= 2, `a full disk is logged once per run of failures, not per batch (${failLines})`);

    rmSync(join(mnt, 'filler'));
    const again = await finish('full-0');
    assert.equal(again.type, 'logged', `after space returns, the same key: ${JSON.stringify(again)}`);
    assert.equal((await fetch(`${full.url}/healthz`)).status, 200);
    await a.close();
    await stillServes(full);
    const rows = sqlite(join(mnt, 'vegvisar.db'), 'select key from contacts order by id').map((r) => r.key);
    assert.deepEqual(rows, ['before', 'full-0'], 'nothing that was refused is stored');
    assert.equal(sqlite(join(mnt, 'vegvisar.db'), 'pragma integrity_check')[0].integrity_check, 'ok');
  } finally {
    await full?.stop();
    if (mounted(mnt)) spawnSync('umount', [mnt]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

test('descriptor exhaustion: new connections are refused without spinning or flooding the log; open clients keep finishing', async () => {
  const ex = await startDaemon();
  const pid = ex.proc.pid;
  const flood = [];
  try {
    const a = await agent(ex);
    const inUse = readdirSync(`/proc/${pid}/fd`).length;
    // Room for a handful of connections above the daemon's reserve.
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${inUse + 40}:`]);
    const logBefore = ex.log.length;
    const results = await Promise.all(Array.from({ length: 150 }, () => new Promise((ok) => {
      const ws = new WebSocket(`ws://127.0.0.1:${ex.port}/ws`, 'vegvisar.v1', { headers: { Origin: ex.url } });
      flood.push(ws);
      ws.on('open', () => ok('open'));
      ws.on('error', () => ok('refused'));
      ws.on('unexpected-response', () => ok('refused'));
    })));
    const opened = results.filter((r) => r === 'open').length;
    assert.ok(opened > 0 && opened < 40, `some connections fit, most are refused (${opened} open)`);

    // Out of descriptors and still under attack: no busy loop.
    const t0 = cpuTicks(pid);
    const more = Array.from({ length: 50 }, () => raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { ms: 1500, port: ex.port }));
    await sleep(2000);
    await Promise.all(more);
    const ticks = cpuTicks(pid) - t0;
    assert.ok(ticks < 50, `the daemon used ${ticks / 100} s of CPU in 2 s while out of descriptors`);

    // The agent that was already connected finishes, and it is stored.
    const s = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
    const r = await a.request({ type: 'finish', session: s.session, key: 'during-exhaustion', outcome: 'resolved' });
    assert.equal(r.type, 'logged', JSON.stringify(r));

    const lines = ex.log.slice(logBefore);
    assert.ok(!lines.some((l) => /accept/.test(l)), 'no accept() errors');
    assert.ok(lines.length < 20, `the log stays quiet: ${lines.length} lines:\n${lines.slice(0, 5).join('\n')}`);
    assert.ok(lines.some((l) => /out of file descriptors/.test(l)), 'the refusal is logged once');

    for (const ws of flood) ws.terminate();
    execFileSync('prlimit', ['--pid', String(pid), '--nofile=4096:']);
    await a.close();
    await stillServes(ex);
    assert.equal(sqlite(join(ex.dir, 'vegvisar.db'), "select count(*) as n from contacts where key='during-exhaustion'")[0].n, 1);
  } finally {
    for (const ws of flood) ws.terminate();
    await ex.stop();
    ex.cleanup();
  }
});
