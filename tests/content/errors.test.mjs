// errors.test.mjs - the daemon's errors are said in the reader's language
// (clients/shared/errors.js): every code of docs/protocol.md's error table
// has a text in nb, nn, da and en, with the same {placeholders}, and the
// texts are not the daemon's English left in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { ERROR_CODES, ERROR_TEXTS, errorText } from '../../clients/shared/errors.js';

const LANGS = ['nb', 'nn', 'da', 'en'];
const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// The codes in the table under "## Errors": rows "| `code` | when |".
function documentedCodes() {
  const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Errors'), doc.indexOf('\n## Messages'));
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
}

test('every error code of docs/protocol.md has a text in nb, nn, da and en', () => {
  const codes = documentedCodes();
  assert.ok(codes.length >= 9, `the error table was found: ${codes}`);
  assert.deepEqual([...ERROR_CODES].sort(), [...codes].sort(), 'errors.js knows the documented codes, no more');
  assert.deepEqual(Object.keys(ERROR_TEXTS).sort(), [...LANGS].sort());
  const keys = Object.keys(ERROR_TEXTS.en).sort();
  for (const lang of LANGS) {
    assert.deepEqual(Object.keys(ERROR_TEXTS[lang]).sort(), keys, `${lang}: the same keys as English`);
    for (const code of codes) assert.ok(ERROR_TEXTS[lang][code]?.trim(), `${lang}.${code}`);
    for (const k of keys) assert.deepEqual(placeholders(ERROR_TEXTS[lang][k]), placeholders(ERROR_TEXTS.en[k]), `${lang}.${k}: placeholders`);
  }
  for (const lang of ['nb', 'nn', 'da'])
    for (const k of keys) assert.notEqual(ERROR_TEXTS[lang][k], ERROR_TEXTS.en[k], `${lang}.${k} is translated`);
});

test('the daemon\'s English message never reaches the sentence; a rate limit names its bound', () => {
  const info = console.info;
  console.info = () => {};
  try {
    const refused = { code: 'unauthorized', message: 'the token is not valid for role agent' };
    for (const lang of LANGS) assert.ok(!errorText(lang, refused).includes('token is not valid'), lang);
    assert.equal(errorText('nb', refused), ERROR_TEXTS.nb.unauthorized);
    assert.equal(errorText('nn', { code: 'rate_limited', message: 'too many open sessions: 3 for your token (bounds.sessions_per_token); finish one first' }),
      'For mange opne førespurnader (3). Avslutt ein først.');
    assert.equal(errorText('da', { code: 'rate_limited', message: 'too many failed sign-ins from your address; try again in 8 s' }),
      'For mange mislykkede log ind. Prøv igen om 8 sekunder.');
    assert.equal(errorText('nb', { code: 'rate_limited', message: 'too many messages from your address; slow down' }), ERROR_TEXTS.nb.rate_limited);
    assert.equal(errorText('nb', { status: 503, message: 'the store cannot be read; see the log' }), ERROR_TEXTS.nb.unavailable);
    assert.equal(errorText('en', { name: 'TypeError', message: 'Failed to fetch' }), ERROR_TEXTS.en.connection);
    assert.equal(errorText('xx', { code: 'weird' }), ERROR_TEXTS.en.unknown);
  } finally {
    console.info = info;
  }
});
