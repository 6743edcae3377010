// The triage scenarios against the real rules, over the protocol. The
// sourced sets (tests/scenarios/sourced/) were written from public help pages
// before the rules were changed to pass them; tests/scenarios/scenarios.json
// is the older set written with the first trees. Each scenario is walked
// three ways (answered from no facts, all facts prefilled, a random part
// prefilled): docs/accuracy.md has the figures, and this test fails when a
// set falls below its documented floor, when the three ways disagree, or
// when a walk asks too many questions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, ROOT } from './lib.mjs';
import { runScenarios, runSentences, loadScenarios } from '../scenarios/run.mjs';

const RULES = join(ROOT, 'rules');
const SOURCED = ['no', 'dk'].map((c) => join(ROOT, `tests/scenarios/sourced/${c}.json`));
// Written after the rules were tuned, by authors who saw neither the rules
// nor the other scenarios: the measure of callers the rules were not fitted to.
const FRESH = ['no', 'dk'].map((c) => join(ROOT, `tests/scenarios/fresh/${c}.json`));
const OURS = join(ROOT, 'tests/scenarios/scenarios.json');
// Written blind in session 4; the rules were tuned on its odd ids only, the
// even ids are still unseen (docs/accuracy.md): the honest floor is lower.
const FRESH2 = ['no', 'dk'].map((c) => join(ROOT, `tests/scenarios/fresh2/${c}.json`));
// The floors in docs/accuracy.md: right destination and first-line verdict
// from facts; from the caller's sentence alone, the right place and the
// facts read (precision, recall).
const FLOOR = { sourced: 0.83, fresh: 0.75, ours: 0.65, sentence: 0.75, precision: 0.78, recall: 0.61,
  fresh2: 0.65, fresh2Sentence: 0.62, fresh3: 0.6, fresh3Sentence: 0.58, fresh4: 0.58, fresh4Sentence: 0.53,
  fresh5: 0.55, fresh5Sentence: 0.47, fresh6: 0.6, fresh6Sentence: 0.52,
  fresh7: 0.5, fresh7Sentence: 0.48, fresh8: 0.55, fresh8Sentence: 0.46,
  fresh9: 0.55, fresh9Sentence: 0.48, fresh10: 0.6, fresh10Sentence: 0.52,
  fresh11: 0.65, fresh11Sentence: 0.52, fresh12: 0.58, fresh12Sentence: 0.48,
  fresh13: 0.62, fresh13Sentence: 0.5, fresh14: 0.55, fresh14Sentence: 0.52,
  fresh15: 0.52, fresh15Sentence: 0.47, fresh16: 0.5, fresh16Sentence: 0.42,
  fresh17: 0.55, fresh17Sentence: 0.45, fresh18: 0.6, fresh18Sentence: 0.38,
  fresh19: 0.63, fresh19Sentence: 0.58, fresh20: 0.72, fresh20Sentence: 0.7,
  fresh21: 0.58, fresh21Sentence: 0.5, fresh22: 0.67, fresh22Sentence: 0.63,
  fresh23: 0.47, fresh23Sentence: 0.43 };

let d;
// The runner walks every scenario over one connection and finishes none, so
// it holds more open sessions than a person would (bounds.sessions_*).
before(async () => {
  d = await startDaemon({ rules: RULES,
    config: { bounds: { sessions_per_connection: 100000, sessions_per_token: 100000, sessions_per_address: 100000 } } });
});
after(async () => { await d.stop(); d.cleanup(); });

function results(country) {
  return JSON.parse(readFileSync(join(RULES, `${country}.json`), 'utf8')).results.map((r) => r.id);
}

// show: which output lines to print (the held-out half's misses are not, so
// that nobody tunes on them by reading a test log).
async function run(files, seed = 1, show = () => true) {
  const lines = [];
  const r = await runScenarios({ url: `ws://127.0.0.1:${d.port}/ws`, token: d.tokens.agent, files, seed, log: (l) => lines.push(l) });
  console.log(lines.filter(show).join('\n'));
  return { ...r, lines };
}

test('the sourced scenarios: each written from a public page, at least 300, in every language', () => {
  const all = loadScenarios(SOURCED);
  assert.ok(all.length >= 300, `${all.length} sourced scenarios`);
  for (const s of all) {
    assert.match(s.source || '', /^https?:\/\/\S+$/, `${s.id}: a source address`);
    assert.ok(s.text && s.facts?.country && s.destination && typeof s.first_line === 'boolean', `${s.id}: text, facts, destination, verdict`);
  }
  const langs = new Set(all.map((s) => s.lang));
  for (const l of ['nb', 'nn', 'da', 'en']) assert.ok(langs.has(l), `no scenario in ${l}`);
  assert.equal(new Set(all.map((s) => s.id)).size, all.length, 'ids are unique');
});

test('sourced scenarios reach the right place, whatever order the facts come in', async () => {
  const r = await run(SOURCED);
  assert.ok(r.passed / r.total >= FLOOR.sourced, `${r.passed}/${r.total} right, below the floor of ${FLOOR.sourced}`);
  assert.equal(r.inconsistent, 0, 'the same facts in another order gave another result');
  assert.ok(r.asked.median <= 3 && r.asked.max <= 6, `questions asked: median ${r.asked.median}, max ${r.asked.max}`);
});

test('fresh scenarios, unseen by the rules\' authors: the right place, in any order', async () => {
  const r = await run(FRESH, 5);
  assert.ok(r.total >= 200, `${r.total} fresh scenarios`);
  assert.ok(r.passed / r.total >= FLOOR.fresh, `${r.passed}/${r.total} right, below the floor of ${FLOOR.fresh}`);
  assert.equal(r.inconsistent, 0, 'the same facts in another order gave another result');
  assert.ok(r.asked.median <= 3 && r.asked.max <= 6, `questions asked: median ${r.asked.median}, max ${r.asked.max}`);
});

test('fresh2, written blind (half of it still unseen): the floor of the honest measure', async () => {
  const r = await run(FRESH2, 11, (line) => !/\b[ND]F2-\d*[02468]\b/.test(line));
  assert.ok(r.total >= 200, `${r.total} fresh2 scenarios`);
  assert.ok(r.passed / r.total >= FLOOR.fresh2, `${r.passed}/${r.total} right, below the floor of ${FLOOR.fresh2}`);
  assert.equal(r.inconsistent, 0, 'the same facts in another order gave another result');
  const w = await runSentences({ url: `ws://127.0.0.1:${d.port}/ws`, token: d.tokens.agent, files: FRESH2, log: () => {} });
  assert.ok(w.right / w.total >= FLOOR.fresh2Sentence, `from the words: ${w.right}/${w.total}, floor ${FLOOR.fresh2Sentence}`);
});

// A set written blind, each with its source: its floors, from facts and
// from the words, and one answer whatever order the facts come in. Its
// misses are not printed: they must not become the next rule change.
async function blindSet(name, files, seed, atLeast) {
  for (const s of loadScenarios(files))
    assert.ok(/^https?:\/\/\S+$/.test(s.source || '') && s.text && s.facts?.country && s.destination &&
      typeof s.first_line === 'boolean', `${s.id}: a source address, text, facts, destination, verdict`);
  const r = await run(files, seed, (line) => !/^miss /.test(line));
  assert.ok(r.total >= atLeast, `${r.total} ${name} scenarios`);
  assert.ok(r.passed / r.total >= FLOOR[name], `${r.passed}/${r.total} right, below the floor of ${FLOOR[name]}`);
  assert.equal(r.inconsistent, 0, 'the same facts in another order gave another result');
  const w = await runSentences({ url: `ws://127.0.0.1:${d.port}/ws`, token: d.tokens.agent, files, log: () => {} });
  const floor = FLOOR[`${name}Sentence`];
  assert.ok(w.right / w.total >= floor, `from the words: ${w.right}/${w.total}, floor ${floor}`);
}

// The sets written blind after fresh2, each with where it stands (README in
// tests/scenarios/), the seed of its partly prefilled walks and its size.
const BLIND = [
  ['fresh3', 13, 160, 'written blind, measured unseen, then tuned on: its floor'],
  ['fresh4', 14, 140, 'written blind (its even half unseen): the floor of the honest measure'],
  ['fresh5', 15, 80, 'written blind in session 8 and measured unseen: the floor of the honest measure'],
  ['fresh6', 16, 80, 'written blind after the vocabulary round of session 8: the floor of the honest measure'],
  ['fresh7', 17, 80, 'written blind at the end of session 8: the floor of the honest measure'],
  // Measured unseen, then one structural gap its misses showed was closed
  // (docs/accuracy.md, session 10): even ids held out.
  ['fresh8', 18, 80, 'written blind in session 10: the floor of the honest measure'],
  ['fresh9', 19, 80, 'written blind at the end of session 10: the floor of the honest measure'],
  ['fresh10', 20, 80, 'written blind at the start of session 11: the floor of the honest measure'],
  ['fresh11', 21, 80, 'written blind at the end of session 11: the floor of the honest measure'],
  ['fresh12', 22, 80, 'written blind in session 12: the floor of the honest measure'],
  ['fresh13', 23, 80, 'written blind in session 13: the floor of the honest measure'],
  ['fresh14', 24, 80, 'written blind in session 14: the floor of the honest measure'],
  ['fresh15', 25, 80, 'written blind in session 15: the floor of the honest measure'],
  ['fresh16', 26, 59, 'written blind at the end of session 15: the floor of the honest measure'],
  ['fresh17', 27, 49, 'written blind in session 16: the floor of the honest measure'],
  ['fresh18', 28, 55, 'written blind in session 17: the floor of the honest measure'],
  ['fresh19', 29, 55, 'written blind in session 18: the floor of the honest measure'],
  ['fresh20', 30, 55, 'written blind in session 19: the floor of the honest measure'],
  ['fresh21', 31, 55, 'written blind at the end of session 19: the floor of the honest measure'],
  ['fresh22', 32, 55, 'written blind at the start of session 20: the floor of the honest measure'],
  ['fresh23', 33, 55, 'written blind in session 20, measured at its end: the floor of the honest measure'],
];
for (const [name, seed, atLeast, what] of BLIND)
  test(`${name}, ${what}`, () =>
    blindSet(name, ['no', 'dk'].map((c) => join(ROOT, `tests/scenarios/${name}/${c}.json`)), seed, atLeast));

test('our own scenarios, and together every result is reached', async () => {
  const r = await run([OURS], 7);
  assert.ok(r.passed / r.total >= FLOOR.ours, `${r.passed}/${r.total} right, below the floor of ${FLOOR.ours}`);
  assert.equal(r.inconsistent, 0, 'the same facts in another order gave another result');
  const s = await run(SOURCED, 3);
  const f = await run(FRESH, 3);
  const reached = new Set([...r.reached, ...s.reached, ...f.reached]);
  const uncovered = ['no', 'dk'].flatMap(results).filter((id) => !reached.has(id));
  if (uncovered.length) console.log(`results no scenario reaches:\n  ${uncovered.join('\n  ')}`);
  assert.ok(uncovered.length <= 0.2 * (results('no').length + results('dk').length),
    `${uncovered.length} results are reached by no scenario`);
});

test('callers\' sentences: facts read from the words, and the walk from there', async () => {
  const lines = [];
  const r = await runSentences({ url: `ws://127.0.0.1:${d.port}/ws`, token: d.tokens.agent, files: SOURCED, log: (l) => lines.push(l) });
  console.log(lines.at(-1));
  assert.equal(r.total, loadScenarios(SOURCED).length);
  assert.ok(r.right / r.total >= FLOOR.sentence, `right place from the words: ${r.right}/${r.total}, floor ${FLOOR.sentence}`);
  assert.ok(r.precision >= FLOOR.precision, `precision ${r.precision.toFixed(3)}, floor ${FLOOR.precision}`);
  assert.ok(r.recall >= FLOOR.recall, `recall ${r.recall.toFixed(3)}, floor ${FLOOR.recall}`);
  assert.ok(r.asked.median <= 1, `questions after the sentence: median ${r.asked.median}`);
});

test('the runner reports a miss and counts it as failed', async () => {
  // A scenario whose expectation is wrong must fail, with a line that says why.
  const dir = mkdtempSync(join(tmpdir(), 'vv-scen-'));
  const file = join(dir, 'wrong.json');
  const good = loadScenarios([SOURCED[0]])[0];
  writeFileSync(file, JSON.stringify([
    { ...good, id: 'X1', destination: 'no.nowhere', file: undefined },
    { ...good, id: 'X2', file: undefined },
  ]));
  try {
    const r = await run([file]);
    assert.equal(r.total, 2);
    assert.ok(r.failed >= 1, 'a wrong expectation fails');
    assert.match(r.lines.join('\n'), /miss X1 .*expected no\.nowhere first_line=\w+, got \S+ first_line=\w+ at \S+/);
    assert.match(r.lines.at(-1), /^scenarios: \d passed, \d failed$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
