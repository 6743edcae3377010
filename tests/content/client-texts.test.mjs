// client-texts.test.mjs - every client speaks every language fully: the agent
// panel, the supervisor dashboard and the widget have the same text keys in
// nb, nn, da and en, with the same {placeholders}. A key missing in one
// language shows the English text (or the key) to a reader of another.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TEXTS as agent } from '../../clients/agent/texts.js';
import { TEXTS as supervisor } from '../../clients/supervisor/texts.js';
import { TEXTS as widget } from '../../clients/widget/src/texts.js';
import { VOCABULARY } from '../../clients/shared/vocabulary.js';
import { CONNECTION_TEXT_KEYS } from '../../clients/shared/connection.js';
import { readFileSync } from 'node:fs';

const LANGS = ['nb', 'nn', 'da', 'en'];
// Where a language's texts are written, for the messages below: the agent
// panel and the dashboard keep one file a language (texts.js assembles them).
const FILE = {
  agent: (lang) => `clients/agent/texts/${lang}.js`,
  supervisor: (lang) => `clients/supervisor/texts/${lang}.js`,
  widget: () => 'clients/widget/src/texts.js',
};
const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const [client, texts] of Object.entries({ agent, supervisor, widget })) {
  test(`${client}: every language has the same keys as English, none empty`, () => {
    assert.deepEqual(Object.keys(texts).sort(), [...LANGS].sort(), `${client}: languages`);
    const keys = Object.keys(texts.en).sort();
    for (const lang of LANGS) {
      const have = Object.keys(texts[lang]);
      assert.deepEqual(keys.filter((k) => !have.includes(k)), [], `${client}/${lang}: keys missing (${FILE[client](lang)})`);
      assert.deepEqual(have.filter((k) => !keys.includes(k)), [], `${client}/${lang}: keys English lacks (${FILE[client](lang)})`);
      for (const k of have) {
        const v = texts[lang][k];
        if (typeof v !== 'string') continue; // plural forms and functions are checked by their tests
        assert.ok(v.trim(), `${client}/${lang}.${k} is empty (${FILE[client](lang)})`);
        assert.deepEqual(placeholders(v), placeholders(texts.en[k]), `${client}/${lang}.${k}: placeholders (${FILE[client](lang)})`);
      }
    }
  });
}

// The connection bar and the refused key are shared (clients/shared/
// connection.js) but say things in each page's own texts: both pages that
// use it have every key it asks for (in English; the test above checks the
// other languages against English).
for (const [client, texts] of Object.entries({ agent, supervisor })) {
  test(`${client}: has the texts of the shared connection bar`, () => {
    assert.deepEqual(CONNECTION_TEXT_KEYS.filter((k) => !(k in texts.en)), [], `${client}: keys missing (${FILE[client]('en')})`);
  });
}

const rules = JSON.parse(readFileSync(new URL('../../rules/vocabulary.json', import.meta.url)));
const names = new Map(VOCABULARY.map((f) => [f.id, f]));

// The screens name facts and values through clients/shared/vocabulary.js; a
// value the rules' vocabulary gained but this file lacks is shown by its id.
test('every fact and value of rules/vocabulary.json has a name in every language', () => {
  const missing = [];
  for (const f of rules.facts) {
    if (f.id === 'country') continue; // chosen by the desk or the widget's page, never shown as a fact
    const named = names.get(f.id);
    if (!named) { missing.push(f.id); continue; }
    for (const lang of LANGS) if (!named.name[lang]) missing.push(`${f.id} (${lang})`);
    for (const v of f.values) {
      const nv = named.values.find((x) => x.id === v.id);
      if (!nv) missing.push(`${f.id}=${v.id}`);
      else for (const lang of LANGS) if (!nv.label[lang]) missing.push(`${f.id}=${v.id} (${lang})`);
    }
  }
  assert.deepEqual(missing, []);
});

// The start form offers a value only in the countries it applies to: the
// same as vocabulary.json's "countries" (which the trees are checked against),
// or a value one tree gained would be hidden from that country's agents.
test('the start form offers each value in the countries vocabulary.json gives it', () => {
  const wrong = [];
  for (const f of rules.facts)
    for (const v of f.values) {
      const shown = names.get(f.id)?.values.find((x) => x.id === v.id);
      const want = v.countries?.length === 1 ? v.countries[0] : null;
      if (shown && shown.country !== want) wrong.push(`${f.id}=${v.id}: ${shown.country} (vocabulary.json: ${want})`);
    }
  assert.deepEqual(wrong, []);
});
