// SIGHUP reloads rules: a good file is swapped in, a broken one is refused
// with the reason logged, and sessions in progress keep their version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, agent, FIXTURE_RULES } from './lib.mjs';

function editTree(dir, edit) {
  const file = join(dir, 'no.json');
  const tree = JSON.parse(readFileSync(file, 'utf8'));
  edit(tree);
  writeFileSync(file, JSON.stringify(tree));
}

test('reload with a good and with a broken rule file while a session is open', async () => {
  const rules = mkdtempSync(join(tmpdir(), 'vegvisar-rules-'));
  cpSync(FIXTURE_RULES, rules, { recursive: true });
  const d = await startDaemon({ rules });
  const a = await agent(d);
  const old = await a.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  assert.equal(old.question.node, 'who');

  // A good change: new version, and the first question's text changes.
  editTree(rules, (t) => { t.version = 'fixture-2'; t.questions.find((q) => q.id === 'who').text.nb = 'Hvem gjelder saken?'; });
  d.log.length = 0; // the start logged "rules loaded" too
  const reloaded = d.waitForLog(/rules loaded from/);
  d.proc.kill('SIGHUP');
  await reloaded;
  const b = await agent(d);
  assert.equal(b.welcome.countries.no.rules, 'fixture-2');
  const fresh = await b.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  assert.equal(fresh.question.text, 'Hvem gjelder saken?');

  // The session that started before the reload finishes on its own version.
  let s = await a.request({ type: 'answer', session: old.session, value: 'self' });
  assert.equal(s.type, 'step');
  s = await a.request({ type: 'back', session: old.session });
  assert.notEqual(s.question.text, 'Hvem gjelder saken?', 'the old session still shows the old text');
  const logged = await a.request({ type: 'finish', session: old.session, key: 'reload-old', outcome: 'abandoned' });
  assert.equal(logged.type, 'logged');

  // A broken change: an option with a value its fact does not have. The
  // reload is refused, the problem is logged with file and question, and
  // version 2 keeps serving.
  editTree(rules, (t) => { t.version = 'fixture-3'; t.questions.find((q) => q.id === 'who').options[0].value = 'no_such_value'; });
  const refused = d.waitForLog(/not reloaded/);
  d.proc.kill('SIGHUP');
  await refused;
  assert.ok(d.log.some((l) => /no\.json.*"who".*no_such_value/.test(l)), `the log names file, question and value:\n${d.log.join('\n')}`);
  const c = await agent(d);
  assert.equal(c.welcome.countries.no.rules, 'fixture-2');
  const still = await c.request({ type: 'start', country: 'no', channel: 'phone', lang: 'nb' });
  assert.equal(still.question.node, 'who');
  await Promise.all([a.close(), b.close(), c.close()]);
  await d.stop();
  d.cleanup();
});
