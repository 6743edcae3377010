// Shared helpers for black-box tests: start the real daemon on a free port
// with a temporary database, and speak protocol v1 to it over real websockets.
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = process.env.VEGVISARD || join(ROOT, 'build/vegvisard');
export const FIXTURE_RULES = join(ROOT, 'tests/fixtures/rules');

export function sha256(s) {
  return createHash('sha256').update(s).digest('hex');
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

// Wait until a line matching re appears in the daemon's stderr.
// A test that fails before it stops its daemon must not leave it running:
// the open pipes would keep this test file's process, and so the whole run,
// waiting forever. Registered once per test file, it runs after all of the
// file's tests (and before the file's own after hooks, which find their
// daemons stopped): SIGTERM, and SIGKILL for one that does not exit.
const running = new Set();
after(async () => {
  await Promise.all([...running].map((proc) => new Promise((done) => {
    const force = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => { clearTimeout(force); done(); });
    proc.kill('SIGTERM');
  })));
});

// A line that never comes fails the test with the log, instead of hanging
// the whole run: 30 s is far beyond anything the daemon logs on cue.
const LINE_WAIT_MS = 30000;

function waitForLine(d, re, what) {
  return new Promise((ok, fail) => {
    const hit = d.log.find((l) => re.test(l));
    if (hit) return ok(hit);
    const onLine = (l) => {
      if (re.test(l)) { cleanup(); ok(l); }
    };
    const onExit = (code, sig) => {
      cleanup();
      fail(new Error(`daemon exited (code ${code}, signal ${sig}) while waiting for ${what}:\n${d.log.join('\n')}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      fail(new Error(`no log line matching ${re} (${what}) within ${LINE_WAIT_MS / 1000} s; the log:\n${d.log.join('\n')}`));
    }, LINE_WAIT_MS);
    const cleanup = () => { clearTimeout(timer); d.lineWaiters.delete(onLine); d.proc.off('exit', onExit); };
    d.lineWaiters.add(onLine);
    d.proc.on('exit', onExit);
  });
}

// Start vegvisard. opts: rules (dir), dir (reuse a state dir), config (extra keys), args.
export async function startDaemon(opts = {}) {
  const dir = opts.dir || mkdtempSync(join(tmpdir(), 'vegvisar-test-'));
  const tokens = opts.tokens || {
    agent: randomBytes(16).toString('hex'),
    agent2: randomBytes(16).toString('hex'),
    supervisor: randomBytes(16).toString('hex'),
  };
  const config = {
    tokens: [
      { name: 'desk-1', role: 'agent', sha256: sha256(tokens.agent) },
      { name: 'desk-2', role: 'agent', sha256: sha256(tokens.agent2) },
      { name: 'lead', role: 'supervisor', sha256: sha256(tokens.supervisor) },
    ],
    // Reports hide counts below 5 by default (small cells, docs/store.md);
    // tests of other figures compare exact counts, so they see every count
    // unless they ask for the default (barriers.test.mjs does).
    suppress_below: 1,
    ...(opts.config || {}),
  };
  writeFileSync(join(dir, 'vegvisar.conf'), JSON.stringify(config));
  for (let attempt = 0; ; attempt++) {
    const port = opts.port || (await freePort());
    const args = [
      '--config', join(dir, 'vegvisar.conf'),
      '--listen', `127.0.0.1:${port}`,
      '--db', join(dir, 'vegvisar.db'),
      '--rules', opts.rules || FIXTURE_RULES,
      '--www', join(ROOT, 'clients'),
      ...(opts.args || []),
    ];
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(proc);
    proc.on('exit', () => running.delete(proc));
    const d = { proc, port, dir, tokens, log: [], lineWaiters: new Set(), url: `http://127.0.0.1:${port}` };
    let buf = '';
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        d.log.push(line);
        if (process.env.VV_TEST_VERBOSE) process.stderr.write(`[daemon] ${line}\n`);
        for (const w of [...d.lineWaiters]) w(line);
      }
    });
    proc.stdout.resume();
    d.exited = new Promise((ok) => proc.on('exit', (code, signal) => ok({ code, signal })));
    d.waitForLog = (re, what = String(re)) => waitForLine(d, re, what);
    d.stop = async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return d.exited;
    };
    d.kill9 = async () => {
      proc.kill('SIGKILL');
      return d.exited;
    };
    d.cleanup = () => rmSync(dir, { recursive: true, force: true });
    try {
      await d.waitForLog(/listening on http/, 'the daemon to listen');
      return d;
    } catch (e) {
      // Another process may have taken the port between freePort() and bind.
      if (attempt < 3 && !opts.port && /cannot listen/.test(e.message)) continue;
      throw e;
    }
  }
}

// A protocol v1 client: request() sends with a fresh id and resolves with the
// reply whose "re" matches; next() takes the next unsolicited message.
export class Client {
  constructor(ws) {
    this.ws = ws;
    this.seq = 0;
    this.waiting = new Map();
    this.inbox = [];
    this.inboxWaiters = [];
    this.closed = new Promise((ok) => ws.on('close', (code, reason) => ok({ code, reason: reason.toString() })));
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.re !== undefined && this.waiting.has(msg.re)) {
        const w = this.waiting.get(msg.re);
        this.waiting.delete(msg.re);
        w(msg);
      } else if (this.inboxWaiters.length) {
        this.inboxWaiters.shift()(msg);
      } else {
        this.inbox.push(msg);
      }
    });
  }

  // from: a loopback source address, so that per-address limits can be
  // tested without one test's back-off slowing the next.
  static open(d, { origin, protocol = 'vegvisar.v1', path = '/ws', from } = {}) {
    return new Promise((ok, fail) => {
      const headers = origin === undefined ? { Origin: d.url } : origin === null ? {} : { Origin: origin };
      const ws = new WebSocket(`ws://127.0.0.1:${d.port}${path}`, protocol, { headers, localAddress: from });
      ws.once('open', () => ok(new Client(ws)));
      ws.once('error', fail);
      ws.once('unexpected-response', (req, res) => fail(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  send(obj) {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  request(obj) {
    const id = `r${++this.seq}`;
    const reply = new Promise((ok) => this.waiting.set(id, ok));
    this.send({ ...obj, id });
    return reply;
  }

  next() {
    if (this.inbox.length) return Promise.resolve(this.inbox.shift());
    return new Promise((ok) => this.inboxWaiters.push(ok));
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

export async function agent(d, token = d.tokens.agent) {
  const c = await Client.open(d);
  const w = await c.request({ type: 'hello', role: 'agent', token, lang: 'nb' });
  if (w.type !== 'welcome') throw new Error(`agent hello refused: ${JSON.stringify(w)}`);
  c.welcome = w;
  return c;
}

export function sqlite(db, sql) {
  const r = spawnSync('sqlite3', ['-json', db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// Acknowledged means stored: every key of acked (key → the contact id the
// daemon answered) is in the store once, with that id, and the file is whole.
// where (SQL) leaves out rows the test put there itself, such as seeded ones.
export function assertStoredOnce(db, acked, where = '') {
  const rows = sqlite(db, `select key, id, count(*) over (partition by key) as n from contacts ${where}`);
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const missing = [...acked.keys()].filter((k) => !byKey.has(k));
  assert.deepEqual(missing, [], `acknowledged but not stored: ${missing.slice(0, 5).join(', ')}`);
  for (const [key, id] of acked) {
    assert.equal(byKey.get(key).n, 1, `${key} stored once`);
    assert.equal(byKey.get(key).id, id, `${key} has the id that was acknowledged`);
  }
  assert.equal(sqlite(db, 'pragma integrity_check')[0].integrity_check, 'ok');
}

export function run(args, input) {
  return spawnSync(BIN, args, { encoding: 'utf8', input, cwd: ROOT });
}

// RFC 4180: quoted cells may hold commas, doubled quotes, CR and LF.
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"' && cell === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    assert.ok(c !== '\n' && c !== '\r', `bare line break outside quotes at ${i}`);
    cell += c; i++;
  }
  assert.equal(cell, '', 'the CSV ends with CRLF');
  assert.equal(row.length, 0, 'the CSV ends with CRLF');
  return rows;
}
