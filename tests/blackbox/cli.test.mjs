// The command line: help, version, token hashing, rule checking, and
// configuration errors that name the key and start nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sha256, FIXTURE_RULES, ROOT } from './lib.mjs';

test('--help and --version', () => {
  const h = run(['--help']);
  assert.equal(h.status, 0);
  for (const flag of ['--config', '--listen', '--db', '--rules', '--www', '--dev', '--check-rules', '--hash-token', '--version'])
    assert.ok(h.stdout.includes(flag), `--help mentions ${flag}`);
  const v = run(['--version']);
  assert.equal(v.status, 0);
  assert.equal(v.stdout.trim(), `vegvisard ${readFileSync(join(ROOT, 'VERSION'), 'utf8').trim()}`);
});

test('--hash-token prints the SHA-256 of the token on stdin', () => {
  const r = run(['--hash-token'], 'a-long-enough-token-123\n');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), sha256('a-long-enough-token-123'));
  const short = run(['--hash-token'], 'short\n');
  assert.equal(short.status, 1);
  assert.match(short.stderr, /at least 16 characters/);
});

test('--check-rules prints a summary and exits 0, or every problem and exits 1', () => {
  const ok = run(['--check-rules', '--rules', FIXTURE_RULES]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^no: version fixture-\d+, \d+ questions, \d+ results, \d+ walks, longest walk \d+ questions$/m);
  assert.match(ok.stdout, /^dk: version/m);

  const dir = mkdtempSync(join(tmpdir(), 'vegvisar-rules-'));
  cpSync(FIXTURE_RULES, dir, { recursive: true });
  const tree = JSON.parse(readFileSync(join(dir, 'no.json'), 'utf8'));
  tree.results[0].when = { on_behalf: 'martian' };
  tree.questions[2].fact = 'favourite_colour';
  writeFileSync(join(dir, 'no.json'), JSON.stringify(tree));
  const bad = run(['--check-rules', '--rules', dir]);
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /no\.json: result "general\.kommune": "when": "martian" is not a value of fact "on_behalf"/);
  assert.match(bad.stdout, /favourite_colour/);
  assert.match(bad.stdout, /\d+ problems?$/m);
});

test('a config error names the key and nothing starts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vegvisar-conf-'));
  const cases = [
    [{ listen: '127.0.0.1:8470', colour: 'red' }, /unknown key "colour"/],
    [{ listen: 8470 }, /"listen" must be a string/],
    [{ tokens: [{ name: 'x', role: 'root', sha256: sha256('x') }] }, /tokens\[0\]\.role/],
    // Issue 19: one hash for an agent and a supervisor, or one name twice.
    [{ tokens: [{ name: 'desk-1', role: 'agent', sha256: sha256('x') },
      { name: 'lead', role: 'supervisor', sha256: sha256('x') }] },
    /tokens\[1\] \("lead"\) has the same sha256 as tokens\[0\] \("desk-1"\)/],
    [{ tokens: [{ name: 'desk-1', role: 'agent', sha256: sha256('x') },
      { name: 'desk-1', role: 'agent', sha256: sha256('y') }] },
    /tokens\[1\] has the same name "desk-1" as tokens\[0\]/],
  ];
  for (const [conf, re] of cases) {
    writeFileSync(join(dir, 'c.json'), JSON.stringify(conf));
    const r = run(['--config', join(dir, 'c.json'), '--db', join(dir, 'x.db')]);
    assert.equal(r.status, 1, `${JSON.stringify(conf)} must stop the start`);
    assert.match(r.stderr, re);
  }
  const missing = run(['--config', join(dir, 'nope.json')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.json/);
  const flag = run(['--colour']);
  assert.equal(flag.status, 1);
  const listen = run(['--listen', 'localhost']);
  assert.equal(listen.status, 1);
  assert.match(listen.stderr, /expected ADDR:PORT/);
});
