// screens.js - the panel's screens as DOM: sign-in, start, step (question or
// result, with the trail of known facts), logged; the finish form is
// finishview.js, which shares the helpers and lists exported here.
//
// Each function takes the i18n, the data to show and the handlers, and
// returns an element for <main>; app.js owns state, focus and the daemon.
// Every screen has one h1 with tabindex=-1, which app.js focuses after each
// change so keyboard and screen-reader users start from the new content.

import { h, uniqueId } from '/shared/dom.js';
import { LANG_NAMES } from '/shared/i18n.js';
import { errorText } from '/shared/errors.js';
import { VOCABULARY, factName, valueLabel, valuesFor } from '/shared/vocabulary.js';
import { signInSubmit } from '/shared/token.js';
import { trail } from './session.js';

const CHANNELS = ['phone', 'chat', 'desk'];
const COUNTRIES = ['no', 'dk'];
const DEFAULT_LANGS = { no: ['nb', 'nn', 'en'], dk: ['da', 'en'] };
export const OUTCOMES = ['resolved', 'referred', 'abandoned'];
export const REASONS = ['wrong_agency', 'no_mandate', 'needs_in_person', 'other'];
export const RELATIONS = ['adult_child_for_parent', 'parent_for_child', 'guardian', 'spouse_or_partner',
  'other_family', 'friend_or_neighbour', 'professional_helper', 'other'];
export const AGE_BANDS = ['under_18', '18_29', '30_49', '50_66', '67_79', '80_plus', 'unknown'];
export const ON_BEHALF = ['self', 'another_person', 'organisation', 'unknown'];

export function heading(text, level = 1) {
  return h(`h${level}`, { tabindex: level === 1 ? '-1' : undefined, class: 'screen-heading' }, text);
}

export function radios(name, legend, values, checked, labelOf, extra = {}) {
  return h('fieldset', { class: `choice ${extra.className || ''}`,
    'aria-describedby': extra.invalid ? `${name}-error` : undefined },
  h('legend', {}, legend),
  extra.invalid ? h('p', { id: `${name}-error`, class: 'field-error' }, extra.invalid) : null,
    h('div', { class: 'choice-row' }, values.map((v) => {
      const id = uniqueId(name);
      const disabled = extra.disabled?.(v);
      return h('div', { class: 'choice-item' },
        h('input', { type: 'radio', id, name, value: v, checked: v === checked, disabled }),
        h('label', { for: id, lang: extra.langOf?.(v) }, labelOf(v)),
        disabled && extra.disabledNote ? h('span', { class: 'choice-note' }, ` ${extra.disabledNote}`) : null);
    })));
}

// A labelled select; `invalid` is the text of its error, shown under it and
// tied to it with aria-describedby so it is read when the field gets focus.
export function select(id, label, options, value, blank, invalid) {
  const sel = h('select', { id, name: id, 'aria-invalid': invalid ? 'true' : undefined,
    'aria-describedby': invalid ? `${id}-error` : undefined },
  blank !== undefined ? h('option', { value: '' }, blank) : null,
  options.map(([v, text]) => h('option', { value: v }, text)));
  sel.value = value || '';
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    sel,
    invalid ? h('p', { id: `${id}-error`, class: 'field-error' }, invalid) : null);
}

// --- sign-in --------------------------------------------------------------

export function signIn(i18n, { error }, { onSubmit }) {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off',
    required: true, 'aria-describedby': 'token-hint' });
  return h('form', { class: 'screen signin', 'aria-labelledby': 'signin-h',
    onsubmit: signInSubmit(input, { onToken: onSubmit }) },
  Object.assign(heading(i18n.t('signInTitle')), { id: 'signin-h' }),
  h('div', { class: 'field' },
    h('label', { for: 'token' }, i18n.t('tokenLabel')),
    input,
    h('p', { id: 'token-hint', class: 'hint' }, i18n.t('tokenHint'))),
  h('p', { class: 'form-error', role: 'alert' }, error || ''),
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, i18n.t('signIn'))));
}

// --- start ----------------------------------------------------------------

// values: {country, channel, lang, facts}; welcome: the daemon's, for the
// countries with rules and their languages.
export function start(i18n, { values, welcome, pending, error }, { onSubmit, onChange, onOpenPending }) {
  const countries = welcome?.countries || {};
  const langsOf = (c) => countries[c]?.langs || DEFAULT_LANGS[c];
  const usable = (c) => !welcome || !!countries[c];
  const country = usable(values.country) ? values.country : COUNTRIES.find(usable) || values.country;
  const langs = langsOf(country);
  const lang = langs.includes(values.lang) ? values.lang : langs[0];

  const known = h('details', { class: 'known', open: Object.keys(values.facts || {}).length > 0 },
    h('summary', {}, i18n.t('knownFacts')),
    h('p', { class: 'hint' }, i18n.t('knownFactsHint')),
    h('div', { class: 'known-grid' }, VOCABULARY.map((f) => select(`fact-${f.id}`, factName(f.id, i18n.lang),
      valuesFor(f.id, country).map((v) => [v.id, v.label[i18n.lang] ?? v.label.en]),
      values.facts?.[f.id] || '', i18n.t('notKnown')))));

  const words = h('div', { class: 'field caller-words' },
    h('label', { for: 'caller-text' }, i18n.t('callerWords')),
    h('textarea', { id: 'caller-text', name: 'text', rows: 2, maxlength: 1000, 'aria-describedby': 'caller-text-hint',
      value: values.text || '' }),
    h('p', { class: 'hint', id: 'caller-text-hint' }, i18n.t('callerWordsHint')));

  const form = h('form', { class: 'screen start', 'aria-labelledby': 'start-h', novalidate: true },
    Object.assign(heading(i18n.t('startTitle')), { id: 'start-h' }),
    words,
    radios('country', i18n.t('country'), COUNTRIES, country, (c) => i18n.t(`country_${c}`),
      { disabled: (c) => welcome && !countries[c], disabledNote: i18n.t('noRules') }),
    radios('channel', i18n.t('channel'), CHANNELS, values.channel, (c) => i18n.t(`channel_${c}`)),
    radios('lang', i18n.t('sessionLang'), langs, lang, (l) => LANG_NAMES[l] || l, { langOf: (l) => l }),
    known,
    h('p', { class: 'form-error', role: 'alert' }, error || ''),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, i18n.t('start'))),
    pending.length ? pendingList(i18n, pending, onOpenPending) : null);

  form.addEventListener('change', (ev) => {
    if (ev.target.name === 'country') onChange(readStart(form));
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    onSubmit(readStart(form));
  });
  return form;
}

export function readStart(form) {
  const val = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value;
  const facts = {};
  for (const sel of form.querySelectorAll('select[id^="fact-"]'))
    if (sel.value) facts[sel.id.slice(5)] = sel.value;
  const text = form.querySelector('textarea[name="text"]')?.value.trim() || '';
  return { country: val('country'), channel: val('channel'), lang: val('lang'), facts, text };
}

function pendingList(i18n, pending, onOpen) {
  return h('section', { class: 'pending', 'aria-labelledby': 'pending-h' },
    h('h2', { id: 'pending-h' }, i18n.t('pendingTitle')),
    h('ul', {}, pending.map((e) => h('li', {},
      h('span', {}, e.summary || e.key), ' – ',
      h('span', { class: e.status === 'error' ? 'is-error' : '' },
        e.status === 'error' ? i18n.t('finishRefused', { msg: errorText(i18n.lang, { code: e.errorCode, message: e.error }) }) : i18n.t('pendingWaiting')),
      ' ',
      h('button', { type: 'button', class: 'link', onclick: () => onOpen(e.key) }, i18n.t('pendingOpen'))))));
}

// --- step -----------------------------------------------------------------
// A session taken over from the chat widget (rec.handover) is shown like any
// other; its meta line names the handover and the facts the citizen gave are
// tagged as theirs. A session taken from another desk's handoff
// (rec.handoff) names that desk and its code the same way, tags the facts as
// that desk's, and shows what the desk sent with them (its note, where it
// referred the caller and why).

function meta(i18n, rec) {
  const text = i18n.t('stepMeta', {
    country: i18n.t(`country_${rec.country}`),
    channel: i18n.has(`channel_${rec.channel}`) ? i18n.t(`channel_${rec.channel}`) : rec.channel,
    lang: LANG_NAMES[rec.lang] || rec.lang,
  });
  // A session taken over from the chat widget says so, with its code.
  if (rec.handoff) return `${text} · ${i18n.t('handoffMeta', { from: rec.handoff.from, code: rec.handoff.code })}`;
  return rec.handover ? `${text} · ${i18n.t('takenMeta', { code: rec.handover.code })}` : text;
}

function prefilledTag(i18n, rec) {
  if (rec.handoff) return i18n.t('fromDesk', { from: rec.handoff.from });
  return i18n.t(rec.handover ? 'fromCitizen' : 'givenAtStart');
}

export function reasonLabel(i18n, reason) {
  return reason && i18n.has(`reason_${reason}`) ? i18n.t(`reason_${reason}`) : reason || '';
}

// What the sending desk handed over besides the facts (which are in the
// trail): its code, where it referred the caller and why, and its note
// (scrubbed there). Texts from the other desk are text nodes, as always.
function handoffView(i18n, rec) {
  const ho = rec.handoff;
  const rows = [
    [i18n.t('handoffCode'), h('span', { class: 'code' }, ho.code)],
    ho.destination ? [i18n.t('handoffSentTo'), ho.destination] : null,
    ho.referral_reason ? [i18n.t('referralReason'), reasonLabel(i18n, ho.referral_reason)] : null,
    [i18n.t('handoffNote'), ho.note ? h('span', { lang: rec.lang }, ho.note) : i18n.t('handoffNoNote')],
  ].filter(Boolean);
  return h('section', { class: 'handoff-info', 'aria-labelledby': 'handoff-h' },
    h('h2', { id: 'handoff-h' }, i18n.t('handoffFrom', { from: ho.from })),
    h('dl', {}, rows.map(([dt, dd]) => [h('dt', {}, dt), h('dd', {}, dd)])),
    ho.dropped_facts.length
      ? h('p', { class: 'hint' }, i18n.t('handoffDropped', { facts: ho.dropped_facts.join(', ') })) : null);
}

function trailView(i18n, rec, onChangeFact) {
  const items = trail(rec);
  return h('aside', { class: 'trail', 'aria-labelledby': 'trail-h' },
    h('h2', { id: 'trail-h' }, i18n.t('trailTitle')),
    items.length === 0 ? h('p', { class: 'hint' }, i18n.t('trailEmpty')) : h('ul', { class: 'trail-list' },
      items.map((it) => {
        const name = factName(it.fact, i18n.lang);
        const value = it.label || valueLabel(it.fact, it.value, i18n.lang);
        return h('li', {},
          h('button', { type: 'button', class: 'fact', dataset: { fact: it.fact },
            onclick: () => onChangeFact(it.fact) },
          h('span', { class: 'visually-hidden' }, `${i18n.t('change')} `),
          h('span', { class: 'fact-name' }, name),
          h('span', { class: 'fact-value', lang: it.label ? rec.lang : undefined }, value),
          h('span', { class: 'fact-edit', 'aria-hidden': 'true' }, '✎')),
          it.prefilled ? h('span', { class: 'tag' }, prefilledTag(i18n, rec)) : null);
      })),
    rec.handoff ? handoffView(i18n, rec) : null);
}

function stepActions(i18n, rec, { onBack, onFinish }) {
  return h('div', { class: 'actions step-actions' },
    h('button', { type: 'button', class: 'secondary', onclick: onBack, disabled: rec.steps.length === 0,
      'aria-keyshortcuts': 'Backspace Alt+ArrowLeft' }, '← ', i18n.t('back')),
    h('button', { type: 'button', class: 'primary', onclick: onFinish, 'aria-keyshortcuts': 'Control+Enter' },
      i18n.t('toFinish'), ' ', h('kbd', { 'aria-hidden': 'true' }, 'Ctrl+Enter')));
}

// The facts read from the caller's words, each with the words that gave it;
// a button takes a wrong one away (the walk goes on without it).
function understoodView(i18n, rec, onForget) {
  if (!rec.understood?.length) return null;
  return h('section', { class: 'understood', 'aria-labelledby': 'understood-h' },
    h('h2', { id: 'understood-h' }, i18n.t('understood')),
    h('ul', { class: 'chips' }, rec.understood.map((u) => h('li', {},
      h('button', { type: 'button', class: 'chip', dataset: { fact: u.fact, value: u.value },
        onclick: () => onForget(u.fact) },
      h('span', { class: 'visually-hidden' }, `${i18n.t('forget')} `),
      h('span', { class: 'chip-fact' }, `${factName(u.fact, i18n.lang)}: ${valueLabel(u.fact, u.value, i18n.lang)}`),
      ' ', h('q', { lang: rec.lang }, u.words),
      h('span', { class: 'chip-x', 'aria-hidden': 'true' }, ' ×'))))));
}

export function step(i18n, rec, handlers) {
  const s = rec.lastStep;
  const main = s.question ? question(i18n, rec, s.question, handlers) : result(i18n, rec, s.result, handlers);
  return h('div', { class: 'screen step-screen', dataset: { node: (s.question || s.result).node } },
    understoodView(i18n, rec, handlers.onForget), main, trailView(i18n, rec, handlers.onChangeFact));
}

// A text for the session's channel when there is one ("bring_chat"), else
// the general one: a chat has no caller.
export function channelText(i18n, key, channel, vars) {
  return i18n.has(`${key}_${channel}`) ? i18n.t(`${key}_${channel}`, vars) : i18n.t(key, vars);
}

// How to answer by keyboard, with the keys this question has (or none).
function keysHint(i18n, keys, count) {
  if (!keys) return i18n.t('keysHintOff');
  if (count <= 9) return i18n.t('keysHint', { n: count });
  return i18n.t('keysHintLetters', { last: keys[Math.min(count, keys.length) - 1] });
}

function question(i18n, rec, q, handlers) {
  const asked = rec.steps.filter((x) => x.answer !== undefined).length + 1;
  const keys = handlers.optionKeys || null;
  return h('section', { class: 'question', 'aria-labelledby': 'q-h', lang: rec.lang },
    h('p', { class: 'step-meta', lang: i18n.lang }, `${i18n.t('questionN', { n: asked })} · ${meta(i18n, rec)}`),
    Object.assign(heading(q.text), { id: 'q-h' }),
    q.help ? h('p', { class: 'help' }, q.help) : null,
    h('ol', { class: 'options' }, q.options.map((o, i) => h('li', {},
      h('button', { type: 'button', class: 'option', dataset: { value: o.value, key: keys?.[i] },
        'aria-keyshortcuts': keys?.[i],
        onclick: () => handlers.onAnswer(o.value) },
      keys?.[i] ? h('span', { class: 'num', 'aria-hidden': 'true' }, keys[i].toUpperCase()) : null,
      h('span', { class: 'option-label' }, o.label))))),
    h('p', { class: 'hint keys-hint', lang: i18n.lang }, keysHint(i18n, keys, q.options.length)),
    h('div', { lang: i18n.lang }, stepActions(i18n, rec, handlers)));
}

// Web fields may hold more than one address; only http(s) addresses become
// links. The phone number to dial or copy is the directory's "dial" field:
// a destination without one (your own bank, the local office) has none, and
// its text says where to find the number.
const URL_RE = /https?:\/\/[^\s;,()<>"']+/g;

function linkify(text, re, toLink) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    out.push(text.slice(last, m.index), toLink(m[0]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

// The pages and date that confirm one field, or a neutral "not confirmed".
// A text drawn from several pages links each: the cited one says when it
// was checked, the others are numbered after it.
function confirmation(i18n, dest, key) {
  if ((dest.unverified || []).includes(key))
    return [' ', h('span', { class: 'badge-unverified', dataset: { field: key } }, i18n.t('unverified'))];
  const pages = (dest.sources || []).filter((x) => x.field === key);
  if (!pages.length) return null;
  return pages.map((src, i) => [i ? ' · ' : ' ', h('a', { class: 'source', href: src.url, target: '_blank',
    rel: 'noopener noreferrer', title: i18n.t('checkedOn', { date: src.checked }) },
  i ? i18n.t('page', { n: i + 1 }) : i18n.t('checkedOn', { date: src.checked }))]);
}

function field(i18n, key, dest, body) {
  const labels = { phone: 'phone', web: 'web', hours: 'hours', mandate: 'mandate', other: 'other' };
  return [
    h('dt', { dataset: { field: key } }, i18n.t(labels[key])),
    h('dd', { dataset: { field: key } }, body, confirmation(i18n, dest, key)),
  ];
}

// "because: BankID · forgotten password · for someone else"
function because(i18n, r) {
  if (!r.because?.length) return null;
  return h('p', { class: 'because', lang: i18n.lang },
    h('span', { class: 'because-label' }, `${i18n.t('because')}: `),
    r.because.map((b, i) => [i ? ' · ' : '', h('span', { dataset: { fact: b.fact, value: b.value } }, b.label)]));
}

function result(i18n, rec, r, handlers) {
  const d = r.destination || {};
  const fields = [];
  if (d.phone) fields.push(field(i18n, 'phone', d, h('span', { class: 'phone' },
    d.dial ? h('a', { href: `tel:${d.dial}` }, d.phone) : d.phone,
    d.dial ? [' ', h('button', { type: 'button', class: 'secondary copy', onclick: () => handlers.onCopy(d.dial) },
      i18n.t('copyNumber'))] : null)));
  if (d.web) fields.push(field(i18n, 'web', d, linkify(d.web, URL_RE,
    (url) => h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url))));
  for (const key of ['hours', 'mandate', 'other'])
    if (d[key]) fields.push(field(i18n, key, d, d[key]));
  const anyUnverified = (d.unverified || []).length > 0;
  return h('section', { class: 'result', 'aria-labelledby': 'r-h' },
    h('p', { class: 'step-meta' }, `${i18n.t('resultLabel')} · ${meta(i18n, rec)}`),
    Object.assign(heading(r.title || d.name || r.node), { id: 'r-h' }),
    because(i18n, r),
    h('p', { class: `first-line ${r.first_line ? 'yes' : 'no'}`, dataset: { firstLine: String(!!r.first_line) } },
      i18n.t(r.first_line ? 'firstLineYes' : 'firstLineNo')),
    h('section', { class: 'advice', 'aria-labelledby': 'advice-h' },
      h('h2', { id: 'advice-h' }, i18n.t('advice')),
      h('p', { lang: rec.lang }, r.advice),
      r.bring ? [h('h3', {}, channelText(i18n, 'bring', rec.channel)), h('p', { lang: rec.lang, class: 'bring' }, r.bring)] : null),
    h('h2', { class: 'dest-name', lang: rec.lang }, d.name || d.id),
    h('dl', { class: 'destination' }, fields),
    anyUnverified ? h('p', { class: 'hint', 'aria-hidden': 'true' },
      h('span', { class: 'badge-unverified' }, i18n.t('unverified')), ' ', i18n.t('unverifiedHint')) : null,
    stepActions(i18n, rec, handlers));
}

// --- logged ---------------------------------------------------------------

// A destination as the agent reads it: "NAV Kontaktsenter (nav-kontaktsenter)".
export function destText(i18n, d) {
  return d.name && d.name !== d.id ? `${d.name} (${d.id})` : d.id;
}

// handoff: the code the caller says at the other desk, when the contact was
// handed over; consent: the agent ticked the consent box; destination: where
// the caller was referred ({id, name}).
export function loggedHandoffText(i18n, { handoff, consent, duplicate, destination }) {
  const name = destination ? destText(i18n, destination) : '';
  if (handoff) return i18n.t('handoffGiven', { code: handoff, name });
  if (!consent) return '';
  return i18n.t(duplicate ? 'handoffUnknown' : 'handoffNone', { name });
}

// What was stored, in a line for the announcement: "Henvist til NAV
// Kontaktsenter (Feil etat)" or "Løst".
export function storedLine(i18n, { stored, destination }) {
  if (!stored) return '';
  if (stored.outcome === 'referred')
    return i18n.t('storedReferred', { name: destination ? destText(i18n, destination) : stored.destination,
      reason: reasonLabel(i18n, stored.referral_reason) });
  return i18n.t(`outcome_${stored.outcome}`);
}

// The stored fields as a list, so the agent sees what went in before the
// next call (never the note's or the story's text, only whether there was one).
function storedView(i18n, { stored, destination, barrierLabels }) {
  if (!stored) return null;
  const none = i18n.t('storedNone');
  const rows = [
    ['outcome', i18n.t('outcome'), i18n.t(`outcome_${stored.outcome}`)],
    stored.outcome === 'referred' ? ['destination', i18n.t('destination'),
      destination ? destText(i18n, destination) : stored.destination] : null,
    stored.outcome === 'referred' ? ['referral_reason', i18n.t('referralReason'), reasonLabel(i18n, stored.referral_reason)] : null,
    ['on_behalf', i18n.t('onBehalf'), stored.on_behalf ? valueLabel('on_behalf', stored.on_behalf, i18n.lang) : none],
    ['relation', i18n.t('relation'), stored.relation ? i18n.t(`relation_${stored.relation}`) : none],
    ['age_band', i18n.t('ageBand'), stored.age_band ? i18n.t(`age_${stored.age_band}`) : none],
    ['barriers', i18n.t('barriersLegend'), barrierLabels?.length ? barrierLabels.join(', ') : none],
    ['note', i18n.t('note'), i18n.t(stored.note ? 'storedYes' : 'storedNo')],
    ['story', i18n.t('story'), i18n.t(stored.story ? 'storedYes' : 'storedNo')],
  ].filter(Boolean);
  return h('section', { class: 'stored', 'aria-labelledby': 'stored-h' },
    h('h2', { id: 'stored-h' }, i18n.t('storedTitle')),
    h('dl', { class: 'stored-list' }, rows.map(([k, dt, dd]) => h('div', { dataset: { field: k } }, h('dt', {}, dt), h('dd', {}, dd)))));
}

// canCorrect: the daemon still takes a correction (until correctUntil, ms);
// version: 2 and up once corrected.
export function logged(i18n, { contact, handoff, consent, duplicate, destination, stored, barrierLabels, canCorrect,
  correctUntil, version }, { onNew, onCorrect }) {
  const about = loggedHandoffText(i18n, { handoff, consent, duplicate, destination });
  const until = canCorrect ? new Date(correctUntil).toLocaleTimeString(i18n.lang, { hour: '2-digit', minute: '2-digit' }) : '';
  return h('section', { class: 'screen logged', 'aria-labelledby': 'logged-h', dataset: { contact: String(contact) } },
    Object.assign(heading(i18n.t('loggedTitle')), { id: 'logged-h' }),
    h('p', { class: 'logged-text' }, version > 1 ? i18n.t('fixedText', { id: contact, version })
      : i18n.t('loggedText', { id: contact })),
    storedView(i18n, { stored, destination, barrierLabels }),
    handoff ? h('section', { class: 'handoff-code', 'aria-labelledby': 'code-h', dataset: { code: handoff } },
      h('h2', { id: 'code-h' }, i18n.t('handoffCodeTitle')),
      h('p', { class: 'code big-code' }, handoff),
      h('p', {}, about))
      : about ? h('p', { class: 'notice notice-error handoff-none' }, about) : null,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', id: 'new-contact', onclick: onNew },
      i18n.t('newContact')),
    canCorrect ? h('button', { type: 'button', class: 'secondary', id: 'correct-contact', onclick: onCorrect,
      'aria-describedby': 'correct-until' }, i18n.t('fixAction')) : null),
    canCorrect ? h('p', { class: 'hint', id: 'correct-until' }, i18n.t('fixUntil', { time: until })) : null);
}

export function connecting(i18n) {
  return h('section', { class: 'screen connecting', 'aria-labelledby': 'conn-h' },
    Object.assign(heading(i18n.t('connecting')), { id: 'conn-h' }));
}
