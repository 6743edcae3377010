// The triage scenarios against the real rule trees, over the protocol: every
// scenario of the shared sample and of tests/scenarios/scenarios.json must
// reach its expected destination (and first_line), and between them they
// must reach every result node of both trees.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startDaemon, ROOT } from './lib.mjs';
import { runScenarios, loadScenarios } from '../scenarios/run.mjs';

const RULES = join(ROOT, 'rules');
const SAMPLE = resolve(ROOT, '../shared/domain/scenarios-sample.json');
const OURS = join(ROOT, 'tests/scenarios/scenarios.json');

let d;
before(async () => { d = await startDaemon({ rules: RULES }); });
after(async () => { await d.stop(); d.cleanup(); });

function resultNodes(country) {
  const tree = JSON.parse(readFileSync(join(RULES, `${country}.json`), 'utf8'));
  return Object.entries(tree.nodes).filter(([, n]) => n.destination).map(([id]) => id);
}

test('every scenario reaches its destination, and together they reach every result node', async () => {
  // The shared sample is part of the contract: without it this run proves less, so it fails.
  assert.ok(existsSync(SAMPLE), `the shared scenario sample is missing: ${SAMPLE}`);
  const files = [SAMPLE, OURS];
  const expected = loadScenarios(files).length;
  const lines = [];
  const run = await runScenarios({
    url: `ws://127.0.0.1:${d.port}/ws`,
    token: d.tokens.agent,
    files,
    log: (line) => lines.push(line),
  });
  console.log(lines.join('\n'));
  assert.equal(run.total, expected);
  assert.ok(run.total >= 154, `expected at least 154 scenarios, found ${run.total}`);
  assert.equal(run.failed, 0, `scenarios missed:\n${lines.join('\n')}`);
  assert.equal(run.passed, run.total);

  const uncovered = ['no', 'dk'].flatMap(resultNodes).filter((id) => !run.reached.has(id));
  if (uncovered.length) console.log(`result nodes no scenario reaches:\n  ${uncovered.join('\n  ')}`);
  assert.deepEqual(uncovered, [], `${uncovered.length} result nodes are reached by no scenario`);
});

test('the runner reports a miss and counts it as failed', async () => {
  // A scenario whose expectation is wrong must fail, with a line that says why.
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'vv-scen-'));
  const file = join(dir, 'wrong.json');
  const good = loadScenarios([OURS])[0];
  writeFileSync(file, JSON.stringify([
    { ...good, id: 'X1', destination: 'no.nowhere', file: undefined },
    { ...good, id: 'X2', file: undefined },
  ]));
  const lines = [];
  try {
    const run = await runScenarios({ url: `ws://127.0.0.1:${d.port}/ws`, token: d.tokens.agent, files: [file], log: (l) => lines.push(l) });
    assert.equal(run.passed, 1);
    assert.equal(run.failed, 1);
    assert.match(lines.join('\n'), /miss X1 .*expected no\.nowhere first_line=\w+, got \S+ first_line=\w+ at \S+/);
    assert.equal(lines.at(-1), 'scenarios: 1 passed, 1 failed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
