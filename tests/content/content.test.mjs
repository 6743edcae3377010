// Content checks on the rules as authored (docs/rules.md): every text a
// Norwegian or Danish screen shows is in that language, advice carries no
// research notes, every result has a title, and citizens are spoken to as
// "you", never about as "the caller". Run by `make test` (target content).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const RULES = process.env.VV_RULES || join(ROOT, 'rules');
const read = (f) => JSON.parse(readFileSync(join(RULES, f), 'utf8'));

// Words that are English and no Norwegian or Danish word ("to", "be",
// "time", "at" and "for" are, so they are not here).
const ENGLISH = new Set(('the and with your you this that these please should which would could their ' +
  'there what when where who is are was were been has of or its not if must can will only from ' +
  'about into unverified weekdays opening hours website examples sources specific citizen caller').split(' '));
// Official names that are English in every language.
const NAMES = [/International Citizen Service/g, /Life in Denmark/g, /MitID Support/g, /Digital Post/g,
  /BankID/g, /Buypass ID/g, /Cyberhotline/g, /e-Boks/g, /mit\.dk/g, /\bApp Store\b/g, /Google Play/g];
const RESEARCH = /\b(uverifisert|uverificeret|unverified|kilder?|kjelder?|sources?|UNVERIFIED)\b/i;
const CALLER = /\b(innringer\w*|innringar\w*|opkalder\w*|the caller|caller's|borgeren)\b/i;

function englishWords(text) {
  let t = text;
  for (const re of NAMES) t = t.replace(re, ' ');
  t = t.replace(/https?:\/\/\S+/g, ' ').replace(/\S+@\S+/g, ' ');
  return t.toLowerCase().split(/[^a-zæøåéü']+/).filter((w) => ENGLISH.has(w));
}

// The vocabulary's values a tree's questions do not offer although they
// apply in its country ("countries" in vocabulary.json names the countries a
// value is for; without it, both): a caller whose facts - prefilled, handed
// off or read from words - name one has no place in that tree.
function notOffered(vocabulary, tree) {
  const missing = [];
  for (const q of tree.questions) {
    const fact = vocabulary.facts.find((f) => f.id === q.fact);
    const offered = new Set(q.options.map((o) => o.value));
    for (const v of fact?.values || [])
      if (v.id !== 'unknown' && !offered.has(v.id) && (!v.countries || v.countries.includes(tree.country)))
        missing.push(`${q.fact}=${v.id}`);
  }
  return missing;
}

// Every (where, lang, text) a screen can show from a tree.
function* treeTexts(country) {
  const t = read(`${country}.json`);
  for (const q of t.questions) {
    for (const [l, s] of Object.entries(q.text)) yield [`question ${q.id} text`, l, s];
    for (const [l, s] of Object.entries(q.help || {})) yield [`question ${q.id} help`, l, s];
    for (const o of q.options) for (const [l, s] of Object.entries(o.label)) yield [`question ${q.id} option ${o.value}`, l, s];
  }
  for (const r of t.results) {
    for (const [l, s] of Object.entries(r.title || {})) yield [`result ${r.id} title`, l, s];
    for (const v of ['agent', 'citizen'])
      for (const [l, s] of Object.entries(r.advice?.[v] || {})) yield [`result ${r.id} advice.${v}`, l, s];
    for (const [l, s] of Object.entries(r.bring || {})) yield [`result ${r.id} bring`, l, s];
  }
}

function* destinationTexts(country) {
  for (const d of read(`destinations/${country}.json`).destinations)
    for (const f of ['name', 'mandate', 'phone', 'web', 'hours', 'other']) {
      const text = d[f]?.text;
      if (typeof text === 'string') yield [`destination ${d.id} ${f}`, '*', text];
      else for (const [l, s] of Object.entries(text || {})) yield [`destination ${d.id} ${f}`, l, s];
    }
}

for (const country of ['no', 'dk']) {
  test(`${country}: no English on a Norwegian or Danish screen`, () => {
    const bad = [];
    for (const [where, lang, text] of [...treeTexts(country), ...destinationTexts(country)])
      if (['nb', 'nn', 'da'].includes(lang) && englishWords(text).length)
        bad.push(`${where} (${lang}): ${englishWords(text).join(', ')}: ${text.slice(0, 80)}`);
    assert.deepEqual(bad, []);
  });

  test(`${country}: no research notes in any text a screen shows`, () => {
    const bad = [];
    for (const [where, lang, text] of [...treeTexts(country), ...destinationTexts(country)])
      if (RESEARCH.test(text)) bad.push(`${where} (${lang}): ${text.slice(0, 100)}`);
    assert.deepEqual(bad, []);
  });

  test(`${country}: every result has a title in every language, citizens are "you"`, () => {
    const t = read(`${country}.json`);
    const bad = [];
    for (const r of t.results) {
      for (const l of t.langs) if (!r.title?.[l]?.trim()) bad.push(`result ${r.id}: no ${l} title`);
      for (const [l, s] of Object.entries(r.advice?.citizen || {}))
        if (CALLER.test(s)) bad.push(`result ${r.id} advice.citizen (${l}) speaks of the caller: ${s.slice(0, 100)}`);
      for (const [l, s] of Object.entries(r.bring || {}))
        if (CALLER.test(s)) bad.push(`result ${r.id} bring (${l}) speaks of the caller: ${s.slice(0, 100)}`);
    }
    assert.deepEqual(bad, []);
  });

  test(`${country}: every value of the vocabulary that applies here has an option`, () => {
    assert.deepEqual(notOffered(read('vocabulary.json'), read(`${country}.json`)), []);
  });

  // "Only in person" is a stronger "no other way" (vocabulary.json): a
  // result that takes the one takes the other, unless a result of higher
  // priority takes "only in person" for the same problems - or a caller who
  // cannot even phone would fall past the answer every "no" caller gets.
  test(`${country}: every result that takes no_other_access takes only_in_person too, or a stronger one does`, () => {
    const list = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const results = read(`${country}.json`).results;
    const bad = results.filter((r) => {
      const access = list(r.when?.other_access);
      if (!access.includes('no_other_access') || access.includes('only_in_person')) return false;
      const problems = list(r.when.login_problem);
      return !results.some((o) => o.priority > r.priority && list(o.when?.other_access).includes('only_in_person') &&
        problems.every((p) => list(o.when.login_problem).includes(p)));
    }).map((r) => r.id);
    assert.deepEqual(bad, []);
  });

  test(`${country}: every destination fact has its source and date, or says it is not confirmed`, () => {
    const bad = [];
    for (const d of read(`destinations/${country}.json`).destinations)
      for (const f of ['name', 'mandate', 'phone', 'web', 'hours', 'other']) {
        if (!d[f]) continue;
        if (!(d[f].unconfirmed === true || (/^https?:\/\//.test(d[f].source || '') && /^\d{4}-\d\d-\d\d$/.test(d[f].checked || ''))))
          bad.push(`${d.id} ${f}`);
      }
    assert.deepEqual(bad, []);
  });
}

test('the checks can fail: English, research words and "the caller" are caught', () => {
  assert.deepEqual(englishWords('Ring banken din, the number is on the card'), ['the', 'is', 'the']);
  assert.deepEqual(englishWords('Ring MitID Support på 33 98 00 10 eller International Citizen Service'), []);
  assert.ok(RESEARCH.test('Dette er uverifisert'));
  assert.ok(CALLER.test('Be innringeren logge inn'));
  assert.ok(!CALLER.test('Logg inn med BankID'));
  const vocabulary = { facts: [{ id: 'login_method', values: [{ id: 'bankid', countries: ['no'] }, { id: 'mitid', countries: ['dk'] }, { id: 'unknown' }] },
    { id: 'need', values: [{ id: 'letter_from_company' }, { id: 'unknown' }] }] };
  const tree = { country: 'dk', questions: [{ fact: 'login_method', options: [{ value: 'unknown' }] }, { fact: 'need', options: [{ value: 'unknown' }] }] };
  assert.deepEqual(notOffered(vocabulary, tree), ['login_method=mitid', 'need=letter_from_company']);
});
