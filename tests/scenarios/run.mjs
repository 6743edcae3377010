#!/usr/bin/env node
// run.mjs - walk triage scenarios through a running vegvisard, over protocol v1.
//
//   node tests/scenarios/run.mjs --url ws://127.0.0.1:8470/ws --token T file1.json [file2.json …]
//
// For each scenario (format: tests/scenarios/README.md) it starts a session in
// the tree of facts.country with all of the scenario's facts, in the
// scenario's language if the tree has it (else the tree's first), answers
// "unknown" to every question still asked, and compares the result's
// destination and first_line with the expected ones. It prints one line per
// miss and a total, and exits 1 unless every scenario passed (2 when it could
// not run at all). tests/blackbox/scenarios.test.mjs imports runScenarios().
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const MAX_STEPS = 32; // a tree is at most 7 questions deep; more means a loop

// One websocket speaking protocol v1: request() resolves with the reply
// whose "re" matches.
class Connection {
  static open(url, origin) {
    return new Promise((ok, fail) => {
      const ws = new WebSocket(url, 'vegvisar.v1', { headers: { Origin: origin } });
      ws.once('open', () => ok(new Connection(ws)));
      ws.once('error', fail);
      ws.once('unexpected-response', (req, res) => fail(new Error(`${url}: upgrade refused: HTTP ${res.statusCode}`)));
    });
  }

  constructor(ws) {
    this.ws = ws;
    this.seq = 0;
    this.waiting = new Map();
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      const w = this.waiting.get(msg.re);
      if (w) {
        this.waiting.delete(msg.re);
        w.ok(msg);
      }
    });
    ws.on('close', () => {
      for (const w of this.waiting.values()) w.fail(new Error('the daemon closed the connection'));
      this.waiting.clear();
    });
  }

  request(obj) {
    const id = `s${++this.seq}`;
    return new Promise((ok, fail) => {
      this.waiting.set(id, { ok, fail });
      this.ws.send(JSON.stringify({ ...obj, id }));
    });
  }

  close() {
    this.ws.close();
  }
}

// The scenarios of one or more files, each tagged with the file it came from.
export function loadScenarios(files) {
  return files.flatMap((file) => {
    const list = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of scenarios`);
    return list.map((s) => ({ ...s, file }));
  });
}

// Walk one scenario. Returns { ok, node, destination, first_line, category, why }.
async function walk(conn, welcome, sc) {
  const country = sc.facts?.country;
  const tree = welcome.countries?.[country];
  if (!tree) return { ok: false, why: `no tree for country ${JSON.stringify(country)}` };
  const lang = tree.langs.includes(sc.lang) ? sc.lang : tree.langs[0];
  let step = await conn.request({ type: 'start', country, channel: 'phone', lang, facts: sc.facts });
  for (let n = 0; step.type === 'step' && step.question && n < MAX_STEPS; n++)
    step = await conn.request({ type: 'answer', session: step.session, value: 'unknown' });
  if (step.type !== 'step') return { ok: false, why: `${step.code}: ${step.message}` };
  if (!step.result) return { ok: false, why: `still at question ${step.question.node} after ${MAX_STEPS} answers` };
  const r = step.result;
  const got = { node: r.node, destination: r.destination?.id, first_line: r.first_line, category: r.category };
  const ok = got.destination === sc.destination && got.first_line === sc.first_line;
  return { ok, ...got };
}

function describe(sc, res) {
  const want = `${sc.destination} first_line=${sc.first_line}`;
  if (!res.node) return `miss ${sc.id} (${sc.file}): expected ${want}; ${res.why}`;
  return `miss ${sc.id} (${sc.file}): expected ${want}, got ${res.destination} ` +
    `first_line=${res.first_line} at ${res.node}`;
}

// Run the scenarios of files against the daemon at url as an agent.
// opts.log receives each output line (default console.log).
// Returns { passed, failed, total, reached: Set of result nodes, lines }.
export async function runScenarios({ url, token, files, origin, log = console.log }) {
  const scenarios = loadScenarios(files);
  const conn = await Connection.open(url, origin || new URL(url).origin.replace(/^ws/, 'http'));
  const lines = [];
  const say = (line) => { lines.push(line); log(line); };
  let passed = 0;
  const reached = new Set();
  try {
    const welcome = await conn.request({ type: 'hello', role: 'agent', token });
    if (welcome.type !== 'welcome') throw new Error(`hello refused: ${welcome.code}: ${welcome.message}`);
    for (const sc of scenarios) {
      const res = await walk(conn, welcome, sc);
      if (res.node) reached.add(res.node);
      if (res.ok) passed++;
      else say(describe(sc, res));
      if (res.ok && sc.category && res.category !== sc.category)
        say(`note ${sc.id}: category ${res.category}, the scenario says ${sc.category} (not a failure)`);
    }
  } finally {
    conn.close();
  }
  const failed = scenarios.length - passed;
  say(`scenarios: ${passed} passed, ${failed} failed`);
  return { passed, failed, total: scenarios.length, reached, lines };
}

function parseArgs(argv) {
  const opts = { url: 'ws://127.0.0.1:8470/ws', token: process.env.VEGVISAR_TOKEN, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') opts.url = argv[++i];
    else if (a === '--token') opts.token = argv[++i];
    else if (a === '--origin') opts.origin = argv[++i];
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.files.push(resolve(a));
  }
  return opts;
}

const USAGE = 'usage: node tests/scenarios/run.mjs [--url ws://HOST:PORT/ws] [--token AGENT_TOKEN] ' +
  '[--origin ORIGIN] FILE.json…\n(the token may also come from $VEGVISAR_TOKEN)';

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  if (!opts.files.length || !opts.token) {
    console.error(`${opts.files.length ? 'an agent token is needed' : 'no scenario files given'}\n${USAGE}`);
    return 2;
  }
  try {
    const { failed } = await runScenarios(opts);
    return failed ? 1 : 0;
  } catch (e) {
    console.error(`run.mjs: ${e.message}`);
    return 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) process.exitCode = await main();
