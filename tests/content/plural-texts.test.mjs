// plural-texts.test.mjs - texts with plural forms ({one, other}) have both
// forms in every language with the same placeholders, and I18n picks the
// form by Intl.PluralRules: "1 henvendelse", "2 henvendelser", never
// "henvendelse(r)".
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { I18n } from '../../clients/shared/i18n.js';
import { TEXTS as agent } from '../../clients/agent/texts.js';
import { TEXTS as supervisor } from '../../clients/supervisor/texts.js';

const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const [client, texts] of Object.entries({ agent, supervisor })) {
  test(`${client}: plural texts have "one" and "other" with the same placeholders, and no "(r)"-style plurals`, () => {
    for (const [lang, dict] of Object.entries(texts)) {
      for (const [key, v] of Object.entries(dict)) {
        if (typeof v === 'string') {
          assert.doesNotMatch(v, /\w\((?:r|er|s|ar|e)\)/, `${client}/${lang}.${key} writes a plural in brackets: ${v}`);
          continue;
        }
        assert.ok(v.one && v.other, `${client}/${lang}.${key}: one and other`);
        assert.deepEqual(placeholders(v.one), placeholders(v.other), `${client}/${lang}.${key}`);
      }
    }
  });
}

test('I18n picks the plural form for n', () => {
  const nb = new I18n(agent, 'nb');
  assert.equal(nb.t('outboxPending', { n: 1 }), '1 henvendelse venter på logging');
  assert.equal(nb.t('outboxPending', { n: 2 }), '2 henvendelser venter på logging');
  assert.equal(new I18n(agent, 'nn').t('outboxError', { n: 1 }), '1 førespurnad kunne ikkje loggførast');
  assert.equal(new I18n(agent, 'en').t('outboxPending', { n: 0 }), '0 contacts waiting to be logged');
});
