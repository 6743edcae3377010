// finishview.js - the finish form as DOM (outcome, destination and consent,
// who it concerns, note, barriers, story; for a handoff, whether the
// referral was right), and reading it back. finish.js owns its state and
// sending; the helpers and lists it shares with the other screens are
// screens.js's.

import { h } from '/shared/dom.js';
import { valueLabel } from '/shared/vocabulary.js';
import { heading, radios, select, destText, channelText, OUTCOMES, REASONS, RELATIONS, AGE_BANDS, ON_BEHALF }
  from './screens.js';

// The form's starting values, from the session: referred when first line
// cannot solve it, the suggested destination, who it concerns.
export function finishDefaults(rec) {
  const s = rec.lastStep || {};
  const facts = s.facts || {};
  const r = s.result;
  const minor = ['under_12', 'age_12', 'age_13_14', 'age_15', 'age_16_17'];
  // The relation the caller's words gave ("moren min"), else the one a
  // mandate implies.
  const relation = (RELATIONS.includes(facts.relation) ? facts.relation : '')
    || { guardian: 'guardian', parent_of_minor: 'parent_for_child' }[facts.authority] || '';
  return {
    outcome: r ? (r.first_line ? 'resolved' : 'referred') : '',
    referral_reason: '',
    destination: r?.destination ? { id: r.destination.id, name: r.destination.name } : null,
    on_behalf: ON_BEHALF.includes(facts.on_behalf) ? facts.on_behalf : '',
    relation,
    age_band: minor.includes(facts.age_band) ? 'under_18' : '',
    note: '',
    // Why the person could not help themselves (issue 21): never required.
    barriers: [],
    story: '',
    // Never ticked for the agent: the caller has to be asked.
    consent: false,
    // Only for a session taken from another desk's handoff.
    referral_check: '',
    correct_destination: null,
  };
}

export const CHECKS = ['accepted', 'misrouted', 'unsure'];

// One key per barrier, in the stored codes' order (rules/barriers.json):
// digits first, then letters that no other key of the panel uses (c opens
// the code lookup, q the queue).
export const BARRIER_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'a', 'b', 'd', 'e', 'f', 'g'];

// The barrier check boxes, labelled in the interface's language; each
// shows its key. barriers: the welcome's list ({code, label}).
function barriersView(i18n, values, barriers) {
  const chosen = new Set(values.barriers || []);
  return h('fieldset', { class: 'choice barriers', 'aria-describedby': 'barriers-hint' },
    h('legend', {}, i18n.t('barriersLegend')),
    h('p', { id: 'barriers-hint', class: 'hint' }, i18n.t('barriersHint')),
    h('div', { class: 'choice-row choice-col barrier-list' }, (barriers || []).map((b, i) => {
      const id = `barrier-${b.code}`;
      const key = BARRIER_KEYS[i];
      return h('div', { class: 'check-item' },
        h('input', { type: 'checkbox', id, name: 'barriers', value: b.code, checked: chosen.has(b.code),
          'aria-keyshortcuts': key }),
        h('label', { for: id }, key ? h('kbd', { 'aria-hidden': 'true' }, key) : null, key ? ' ' : '',
          b.label?.[i18n.lang] || b.label?.en || b.code));
    })));
}

// Whether the consent question applies to destination id. peers: the
// destination ids that have a peer desk, when the daemon says so (welcome
// "handoff_destinations"); null when it does not, and then it applies to
// every referral: the daemon logs a consent without a peer as a plain
// referral, and the logged screen says that nothing was handed over.
export function consentApplies(peers, id) {
  return !peers || (!!id && peers.has(id));
}

// "The caller agrees that their case is sent on": unticked until the agent
// has asked; what is sent is said in plain words under it.
function consentView(i18n, values, peers, channel) {
  return h('div', { class: 'consent', id: 'consent-block', hidden: !consentApplies(peers, values.destination?.id) },
    h('div', { class: 'check-item' },
      h('input', { type: 'checkbox', id: 'consent', name: 'consent', checked: !!values.consent,
        'aria-describedby': 'consent-hint consent-what' }),
      h('label', { for: 'consent' }, channelText(i18n, 'consentLabel', channel))),
    h('p', { id: 'consent-hint', class: 'hint' }, i18n.t('consentAsk')),
    h('p', { id: 'consent-what', class: 'hint' }, i18n.t(peers ? 'consentWhat' : 'consentWhatUnknown')));
}

// "Was the referral right?" for a session taken from another desk's
// handoff: the answer goes back to that desk. Misrouted needs where the
// caller should have gone, found with a destination search like the
// override's.
function referralCheckView(i18n, { values, handoff, fe }, correctSearch) {
  const chosen = h('p', { class: 'dest-chosen', id: 'correct-chosen', 'aria-live': 'polite' },
    values.correct_destination ? i18n.t('destinationChosen', { name: destText(i18n, values.correct_destination) })
      : i18n.t('destinationNone'));
  const checked = values.referral_check || '';
  return h('fieldset', { class: 'choice referral-check', 'aria-describedby': 'check-hint' },
    h('legend', {}, i18n.t('checkLegend')),
    h('p', { id: 'check-hint', class: 'hint' }, i18n.t('checkHint', { from: handoff.from, code: handoff.code,
      destination: handoff.destination || '?' })),
    h('div', { class: 'choice-row choice-col' }, CHECKS.map((v) => {
      const id = `check-${v}`;
      return h('div', { class: 'choice-item' },
        h('input', { type: 'radio', id, name: 'referral_check', value: v, checked: v === checked }),
        h('label', { for: id }, i18n.t(`check_${v}`, { from: handoff.from })));
    })),
    h('div', { class: 'misrouted-only', id: 'correct-block' },
      h('p', { class: 'correct-title', id: 'correct-title' }, i18n.t('correctTitle')),
      chosen,
      fe('correct_destination')
        ? h('p', { class: 'field-error', id: 'correct_destination-error' }, fe('correct_destination')) : null,
      correctSearch.root));
}

// handlers: destinationSearch and correctSearch (search.js boxes), peers
// (see consentApplies), onSubmit(values), onBackToWalk().
// correcting: {contact, key} when the form corrects a logged contact
// (finish.js, openCorrect): its own heading, no story, back to "logged".
export function finish(i18n, { values, state, error, summary, fieldError, retryMessage, handoff, correcting }, handlers) {
  const fe = (name) => (fieldError?.field === name ? fieldError.text : undefined);
  const noteHint = h('p', { id: 'note-hint', class: 'hint' }, i18n.t('noteHint'));
  const chosen = h('p', { class: 'dest-chosen', id: 'dest-chosen', 'aria-live': 'polite' });
  const showChosen = (d) => {
    chosen.textContent = d ? i18n.t('destinationChosen', { name: d.name && d.name !== d.id ? `${d.name} (${d.id})` : d.id })
      : i18n.t('destinationNone');
  };
  showChosen(values.destination);
  const locked = state === 'sending' || state === 'waiting' || state === 'retrying';

  const form = h('form', { class: 'screen finish', 'aria-labelledby': 'finish-h', novalidate: true,
    dataset: { state: state || 'editing' } },
  Object.assign(heading(correcting ? i18n.t('fixTitle', { id: correcting.contact }) : i18n.t('finishTitle')), { id: 'finish-h' }),
  summary && !correcting ? h('p', { class: 'summary' }, summary) : null,
  // Where the contact stands and why it was refused: at the top, seen
  // without scrolling on a phone-sized screen.
  h('p', { class: 'form-error', role: 'alert' }, error || ''),
  h('p', { class: `finish-state state-${state || 'editing'}`, role: 'status' },
    state === 'sending' ? i18n.t('sending')
      : state === 'waiting' ? i18n.t('notLoggedYet')
        : state === 'retrying' ? i18n.t('retrying', { msg: retryMessage || '' }) : ''),
  h('fieldset', { class: 'fields', disabled: locked },
    handoff ? referralCheckView(i18n, { values, handoff, fe }, handlers.correctSearch) : null,
    radios('outcome', i18n.t('outcome'), OUTCOMES, values.outcome, (o) => i18n.t(`outcome_${o}`),
      { invalid: fe('outcome') }),
    h('div', { class: 'referred-only' },
      select('referral_reason', i18n.t('referralReason'), REASONS.map((r) => [r, i18n.t(`reason_${r}`)]),
        values.referral_reason, i18n.t('choose'), fe('referral_reason')),
      h('fieldset', { class: 'dest' },
        h('legend', {}, i18n.t('destination')),
        chosen,
        fe('destination') ? h('p', { class: 'field-error', id: 'destination-error' }, fe('destination')) : null,
        handlers.destinationSearch.root),
      consentView(i18n, values, handlers.peers, handlers.channel)),
    select('on_behalf', i18n.t('onBehalf'), ON_BEHALF.map((v) => [v, valueLabel('on_behalf', v, i18n.lang)]),
      values.on_behalf, i18n.t('notGiven')),
    select('relation', i18n.t('relation'), RELATIONS.map((r) => [r, i18n.t(`relation_${r}`)]), values.relation,
      i18n.t('notGiven')),
    select('age_band', i18n.t('ageBand'), AGE_BANDS.map((a) => [a, i18n.t(`age_${a}`)]), values.age_band,
      i18n.t('notGiven')),
    h('div', { class: 'field' },
      h('label', { for: 'note' }, i18n.t('note')),
      noteHint,
      h('textarea', { id: 'note', name: 'note', rows: '4', value: values.note,
        'aria-describedby': fe('note') ? 'note-hint note-error' : 'note-hint',
        'aria-invalid': fe('note') ? 'true' : undefined }),
      fe('note') ? h('p', { id: 'note-error', class: 'field-error' }, fe('note')) : null),
    barriersView(i18n, values, handlers.barriers),
    h('div', { class: 'field', hidden: !!correcting },
      h('label', { for: 'story' }, i18n.t('story')),
      h('p', { id: 'story-hint', class: 'hint' }, i18n.t('storyHint')),
      h('textarea', { id: 'story', name: 'story', rows: '3',
        'aria-describedby': fe('story') ? 'story-hint story-error' : 'story-hint',
        'aria-invalid': fe('story') ? 'true' : undefined }),
      fe('story') ? h('p', { id: 'story-error', class: 'field-error' }, fe('story')) : null)),
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary', disabled: locked, 'aria-keyshortcuts': 'Control+Enter' },
      i18n.t('submit'), ' ', h('kbd', { 'aria-hidden': 'true' }, i18n.t('submitKeys'))),
    locked ? null : h('button', { type: 'button', class: 'secondary', onclick: handlers.onBackToWalk },
      i18n.t(correcting ? 'fixCancel' : 'backToWalk'))));

  form.querySelector('#note').value = values.note || '';
  form.querySelector('#story').value = values.story || '';
  // A barrier's key ticks or unticks it, wherever focus is in the panel
  // (keys.js calls this when nobody is typing); said, as a click would be.
  form.toggleBarrier = (index) => {
    const box = form.querySelectorAll('input[name="barriers"]')[index];
    if (!box || box.disabled || box.closest('fieldset[disabled]')) return null;
    box.checked = !box.checked;
    box.dispatchEvent(new Event('change', { bubbles: true }));
    return box;
  };
  if (handlers.correctSearch) {
    // The search box is labelled by its own label; the question above it
    // and the choice so far are read with it.
    const input = handlers.correctSearch.input;
    input.setAttribute('aria-describedby', `correct-title correct-chosen ${input.getAttribute('aria-describedby')}`);
  }
  // An error is read first.
  for (const [name, search] of [['destination', handlers.destinationSearch], ['correct_destination', handlers.correctSearch]]) {
    if (!fe(name) || !search) continue;
    const input = search.input;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${name}-error ${input.getAttribute('aria-describedby')}`);
  }
  const syncReferred = () => {
    const v = readFinish(form);
    form.classList.toggle('is-referred', v.outcome === 'referred');
    form.classList.toggle('is-misrouted', v.referral_check === 'misrouted');
  };
  form.addEventListener('change', syncReferred);
  syncReferred();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    handlers.onSubmit(readFinish(form));
  });
  // A new destination: the consent question follows it (when the daemon
  // says which destinations have a peer desk).
  form.showChosen = (d) => {
    showChosen(d);
    const block = form.querySelector('#consent-block');
    if (block) block.hidden = !consentApplies(handlers.peers, d?.id);
  };
  form.showCorrect = (d) => {
    const el = form.querySelector('#correct-chosen');
    if (el) el.textContent = d ? i18n.t('destinationChosen', { name: destText(i18n, d) }) : i18n.t('destinationNone');
  };
  return form;
}

export function readFinish(form) {
  const v = (sel) => form.querySelector(sel)?.value || '';
  const consent = form.querySelector('#consent');
  const check = form.querySelector('input[name="referral_check"]:checked')?.value || '';
  return {
    outcome: form.querySelector('input[name="outcome"]:checked')?.value || '',
    referral_reason: v('#referral_reason'),
    on_behalf: v('#on_behalf'),
    relation: v('#relation'),
    age_band: v('#age_band'),
    note: v('#note'),
    story: v('#story'),
    // Only once the boxes are there (the welcome brings their texts).
    ...(form.querySelector('input[name="barriers"]')
      ? { barriers: [...form.querySelectorAll('input[name="barriers"]:checked')].map((b) => b.value) } : {}),
    consent: !!consent && consent.checked && !consent.closest('[hidden]'),
    referral_check: check, // 'unsure' is sent as no check at all
  };
}
