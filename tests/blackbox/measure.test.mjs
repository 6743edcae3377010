// tests/scenarios/measure.mjs, the report's measuring tool: it starts its own
// daemon, walks a set from facts and from the sentence, and writes one line
// per scenario with the pool it counts in (held out, tuned, unseen).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

test('measure.mjs reports a set per pool and writes a line per scenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vegvisar-measure-'));
  try {
    const out = join(dir, 'out.jsonl');
    const set = join(ROOT, 'tests/scenarios/fresh4/no.json');
    const r = spawnSync(process.execPath, [join(ROOT, 'tests/scenarios/measure.mjs'), '--out', out, set], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, JSON.parse(readFileSync(set, 'utf8')).length);
    // fresh4 was tuned on its odd ids only: the even ids are held out.
    assert.equal(rows.find((x) => x.id === 'NF4-002').pool, 'held');
    assert.equal(rows.find((x) => x.id === 'NF4-001').pool, 'tuned');
    assert.ok(rows.every((x) => typeof x.right === 'boolean' && typeof x.top3 === 'boolean' && x.asked <= 6));
    const held = rows.filter((x) => x.pool === 'held');
    assert.match(r.stdout, new RegExp(`^held\\s+${held.length}\\s+${held.filter((x) => x.right).length}\\s`, 'm'));
    const bad = spawnSync(process.execPath, [join(ROOT, 'tests/scenarios/measure.mjs'), '--bogus'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown option --bogus/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
