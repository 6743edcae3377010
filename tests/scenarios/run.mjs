#!/usr/bin/env node
// run.mjs - walk triage scenarios through a running vegvisard, over protocol v1.
//
//   node tests/scenarios/run.mjs --url ws://127.0.0.1:8470/ws --token T file1.json [file2.json …]
//
// For each scenario (format: tests/scenarios/README.md) it walks the tree of
// facts.country, in the scenario's language if the tree has it, three ways
// (see runScenarios) and compares the result's destination and first_line
// with the expected ones; with --sentences it starts from the scenario's
// words instead (runSentences). It prints one line per miss, figures per
// theme and a total, and exits 1 unless every scenario passed (2 when it
// could not run at all). tests/blackbox/scenarios.test.mjs imports both.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const MAX_STEPS = 32; // a walk asks at most 6 questions; more means a loop

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

// A small seeded generator, so a run's random orders can be repeated.
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13, x ^= x >>> 17, x ^= x << 5) >>> 0) / 2 ** 32;
}

// Answer the questions from step on, each with the scenario's value for its
// fact, or "unknown" when the scenario does not state one the question
// offers (as an agent reading the questions literally would). conn is any
// client with request(). Returns { step, asked }: the last step (a result, an
// error, or a question after MAX_STEPS answers) and how many were answered.
export async function answerAll(conn, sc, step) {
  let asked = 0;
  for (; step.type === 'step' && step.question && asked < MAX_STEPS; asked++) {
    const q = step.question;
    const value = sc.facts[q.fact] && q.options.some((o) => o.value === sc.facts[q.fact]) ? sc.facts[q.fact] : 'unknown';
    step = await conn.request({ type: 'answer', session: step.session, value });
  }
  return { step, asked };
}

// Walk one scenario: prefill the facts named in `prefill`, then answer every
// question with the scenario's value for its fact, or "unknown" when the
// scenario does not state it (as an agent reading the questions literally
// would). Returns { ok, node, destination, first_line, category, asked, why }.
async function walk(conn, welcome, sc, prefill) {
  const country = sc.facts?.country;
  const tree = welcome.countries?.[country];
  if (!tree) return { ok: false, asked: 0, why: `no tree for country ${JSON.stringify(country)}` };
  const lang = tree.langs.includes(sc.lang) ? sc.lang : tree.langs[0];
  const facts = Object.fromEntries(Object.entries(sc.facts).filter(([f]) => f === 'country' || prefill.has(f)));
  const { step, asked } = await answerAll(conn, sc, await conn.request({ type: 'start', country, channel: 'phone', lang, facts }));
  if (step.type !== 'step') return { ok: false, asked, why: `${step.code}: ${step.message}` };
  if (!step.result) return { ok: false, asked, why: `still at question ${step.question.node} after ${MAX_STEPS} answers` };
  const r = step.result;
  const got = { node: r.node, destination: r.destination?.id, first_line: r.first_line, category: r.category };
  const ok = got.destination === sc.destination && got.first_line === sc.first_line;
  return { ok, asked, ...got };
}

function describe(sc, res, how) {
  const want = `${sc.destination} first_line=${sc.first_line}`;
  if (!res.node) return `miss ${sc.id} (${sc.file}, ${how}): expected ${want}; ${res.why}`;
  return `miss ${sc.id} (${sc.file}, ${how}): expected ${want}, got ${res.destination} ` +
    `first_line=${res.first_line} at ${res.node}`;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
}

// Run the scenarios of files against the daemon at url as an agent, three
// ways each: all facts prefilled; no facts, every question answered from the
// scenario ("asked"); and a random part prefilled, in a random order, the
// rest answered. A scenario passes when the answered walk is right; the
// other two must end at the same result (one problem, one answer).
// opts.log receives each output line (default console.log).
// Returns { passed, failed, total, inconsistent, themes, asked: {median,max},
// reached: Set of result nodes, lines }.
export async function runScenarios({ url, token, files, origin, seed = 1, log = console.log }) {
  const scenarios = loadScenarios(files);
  const conn = await Connection.open(url, origin || new URL(url).origin.replace(/^ws/, 'http'));
  const random = rng(seed);
  const lines = [];
  const say = (line) => { lines.push(line); log(line); };
  let passed = 0, inconsistent = 0;
  const reached = new Set(), asked = [], themes = {};
  try {
    const welcome = await conn.request({ type: 'hello', role: 'agent', token });
    if (welcome.type !== 'welcome') throw new Error(`hello refused: ${welcome.code}: ${welcome.message}`);
    for (const sc of scenarios) {
      const names = Object.keys(sc.facts).filter((f) => f !== 'country');
      const some = new Set(names.filter(() => random() < 0.5));
      const answered = await walk(conn, welcome, sc, new Set());
      const prefilled = await walk(conn, welcome, sc, new Set(names));
      const mixed = await walk(conn, welcome, sc, some);
      const theme = `${sc.facts?.country}.${sc.theme || sc.category || 'other'}`;
      themes[theme] ??= { total: 0, right: 0 };
      themes[theme].total++;
      asked.push(answered.asked);
      if (answered.node) reached.add(answered.node);
      if (answered.ok) { passed++; themes[theme].right++; } else say(describe(sc, answered, 'answered'));
      // A scenario whose walks disagree counts once, however many of them do.
      let differs = false;
      for (const [how, res] of [['prefilled', prefilled], ['partly prefilled', mixed]])
        if (res.node !== answered.node) {
          differs = true;
          say(`differs ${sc.id}: ${how} ends at ${res.node ?? res.why}, answered at ${answered.node ?? answered.why}`);
        }
      inconsistent += differs;
    }
  } finally {
    conn.close();
  }
  const failed = scenarios.length - passed;
  for (const [theme, t] of Object.entries(themes).sort())
    say(`theme ${theme}: ${t.right}/${t.total} (${Math.round((100 * t.right) / t.total)} %)`);
  const q = { median: median(asked), max: Math.max(0, ...asked) };
  say(`questions asked from no facts: median ${q.median}, max ${q.max}`);
  say(`inconsistent scenarios: ${inconsistent}`);
  say(`scenarios: ${passed} passed, ${failed} failed`);
  return { passed, failed, total: scenarios.length, inconsistent, themes, asked: q, reached, lines };
}

// Start each scenario from its caller's words alone (its text, in its
// language) and answer what is still asked from its facts: how many of the
// facts read from the words are the scenario's (precision), how many of the
// scenario's facts were read (recall), how many questions were still asked,
// and whether it ended at the right place. Returns { precision, recall,
// right, total, asked: {median, max}, lines }.
export async function runSentences({ url, token, files, origin, log = console.log }) {
  const scenarios = loadScenarios(files).filter((s) => s.text);
  const conn = await Connection.open(url, origin || new URL(url).origin.replace(/^ws/, 'http'));
  const lines = [];
  const say = (line) => { lines.push(line); log(line); };
  let found = 0, correct = 0, stated = 0, right = 0;
  const asked = [];
  try {
    const welcome = await conn.request({ type: 'hello', role: 'agent', token });
    if (welcome.type !== 'welcome') throw new Error(`hello refused: ${welcome.code}: ${welcome.message}`);
    for (const sc of scenarios) {
      const country = sc.facts.country;
      const tree = welcome.countries?.[country];
      const lang = tree.langs.includes(sc.lang) ? sc.lang : tree.langs[0];
      let step = await conn.request({ type: 'start', country, channel: 'phone', lang, text: sc.text });
      if (step.type !== 'step') { say(`sentence ${sc.id}: ${step.code}: ${step.message}`); continue; }
      const understood = step.understood || [];
      const want = Object.entries(sc.facts).filter(([f]) => f !== 'country');
      stated += want.length;
      found += understood.length;
      for (const u of understood) {
        if (sc.facts[u.fact] === u.value) correct++;
        else say(`wrong ${sc.id}: read ${u.fact}=${u.value} from "${u.words}" (scenario: ${sc.facts[u.fact] ?? 'not stated'})`);
      }
      const walked = await answerAll(conn, sc, step);
      step = walked.step;
      asked.push(walked.asked);
      if (step.result?.destination?.id === sc.destination && step.result.first_line === sc.first_line) right++;
    }
  } finally {
    conn.close();
  }
  const precision = found ? correct / found : 0, recall = stated ? correct / stated : 0;
  const q = { median: median(asked), max: Math.max(0, ...asked) };
  say(`sentences: ${scenarios.length}; facts read ${found}, right ${correct}: precision ${(100 * precision).toFixed(1)} %, ` +
    `recall ${(100 * recall).toFixed(1)} %; questions after the sentence: median ${q.median}, max ${q.max}; ` +
    `right place ${right}/${scenarios.length}`);
  return { precision, recall, right, total: scenarios.length, asked: q, lines };
}

function parseArgs(argv) {
  const opts = { url: 'ws://127.0.0.1:8470/ws', token: process.env.VEGVISAR_TOKEN, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') opts.url = argv[++i];
    else if (a === '--token') opts.token = argv[++i];
    else if (a === '--origin') opts.origin = argv[++i];
    else if (a === '--seed') opts.seed = Number(argv[++i]);
    else if (a === '--sentences') opts.sentences = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else opts.files.push(resolve(a));
  }
  return opts;
}

const USAGE = 'usage: node tests/scenarios/run.mjs [--url ws://HOST:PORT/ws] [--token AGENT_TOKEN] ' +
  '[--origin ORIGIN] [--seed N] [--sentences] FILE.json…\n(the token may also come from $VEGVISAR_TOKEN)';

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
    if (opts.sentences) {
      await runSentences(opts);
      return 0;
    }
    const { failed } = await runScenarios(opts);
    return failed ? 1 : 0;
  } catch (e) {
    console.error(`run.mjs: ${e.message}`);
    return 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) process.exitCode = await main();
