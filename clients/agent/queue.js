// queue.js - "talk to a person": the queue of citizens who asked the chat
// widget for a person, and the field for the code a caller reads out.
//
// The daemon (docs/protocol.md, "Talk to a person: handovers"):
//   → {"type":"queue"}   ← {"type":"queue","items":[…],"total":n}: the first
//                           page (longest waiting first) and how many wait;
//   then, without "re", each change as it happens:
//     {"type":"queue_changed","added":[item…]} or {…,"removed":["CODE"…]},
//   and now and then the first page again (a resync: "queue" without "re")
//   → {"type":"lookup","code":"k7m 42q"}  ← {"type":"handover", …item}
//   → {"type":"take","code":"K7M-42Q"}    ← step (handovers.js)
// An item: {code, state, country, lang, created, expires, taken_by?, left?,
// step: {facts, path, question | result}} (left: when the citizen's
// connection went; the item comes again without it if they come back); the step's texts are in the
// citizen's language (item.lang), everything else here in the agent's.
// Handoffs from other desks wait in the same queue with kind "handoff",
// the sending desk in `from`, where it referred the caller (destination,
// referral_reason) and its step without question or result; they are
// shown with the desk they came from.
//
// This module is the region's DOM and its keyboard; handovers.js talks to the
// daemon and owns the session. The region is built once and only its parts
// change, so a push never takes the caret out of the code field, and focus
// moves only when the agent acts: `q` (or the top bar's queue button) goes
// to the first Take button, arrow keys move between them, Enter takes, `c`
// goes to the code field, Escape goes back to the screen. New arrivals are
// announced politely in a live region of their own.

import { h, clear } from '/shared/dom.js';
import { LANG_NAMES } from '/shared/i18n.js';
import { factName, valueLabel } from '/shared/vocabulary.js';

const TICK_MS = 15000;

// opts: i18n, collapsed (bool), onTake(item, from: 'queue' | 'lookup'),
// onLookup(text), onEscape(), onToggle(collapsed), onCount(n).
export function createQueue(opts) {
  const { i18n } = opts;
  let items = [];
  let beyond = 0; // waiting past the page the daemon sent: counted, not listed
  let known = null; // codes seen so far; null until the first list arrived
  let collapsed = !!opts.collapsed;
  // Folded to its one line (title, count, Show) while a walk is on screen in
  // a narrow panel, so the question stays in view; q, c or Show open it.
  let folded = false;
  let stale = false;
  let unavailable = '';
  let feedback = null; // {key, vars}: a take from the list that failed
  let confirming = null; // the code whose Take asks to be pressed again
  // The code field's result: {status: idle | looking | found | error,
  // item, error: {key, vars}, invalid}.
  let lookup = { status: 'idle' };

  const heading = h('h2', { id: 'queue-h', class: 'queue-title', tabindex: '-1' });
  const badge = h('span', { class: 'count-badge', 'aria-hidden': 'true' });
  const countText = h('span', { class: 'visually-hidden' });
  const toggle = h('button', { type: 'button', class: 'link queue-toggle', 'aria-controls': 'queue-body',
    onclick: () => setCollapsed(!(collapsed || folded), true) });
  const live = h('div', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });

  const input = h('input', { id: 'lookup-code', name: 'code', type: 'text', class: 'lookup-input',
    autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '32',
    'aria-describedby': 'lookup-hint lookup-error', 'aria-keyshortcuts': 'c' });
  const inputLabel = h('label', { for: 'lookup-code', class: 'lookup-label' });
  const hint = h('p', { id: 'lookup-hint', class: 'hint' });
  const lookupButton = h('button', { type: 'submit', class: 'secondary' });
  const lookupError = h('p', { id: 'lookup-error', class: 'field-error', role: 'alert' });
  const lookupStatus = h('p', { class: 'lookup-status hint', role: 'status' });
  const lookupResult = h('div', { class: 'lookup-result' });
  const form = h('form', { class: 'lookup', novalidate: true },
    inputLabel,
    h('div', { class: 'lookup-row' }, input, lookupButton),
    hint, lookupError, lookupStatus, lookupResult);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    opts.onLookup(input.value);
  });
  input.addEventListener('input', () => {
    // A new code: the old answer no longer describes it.
    if (lookup.status !== 'looking' && lookup.status !== 'idle') setLookup({ status: 'idle' });
  });
  // Escape clears the field, and in an empty field goes back to the screen.
  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.preventDefault();
    if (input.value) {
      input.value = '';
      setLookup({ status: 'idle' });
    } else opts.onEscape();
  });

  const status = h('p', { class: 'queue-status hint' });
  const feedbackEl = h('p', { class: 'queue-feedback form-error', role: 'alert' });
  const list = h('ul', { class: 'queue-list', 'aria-labelledby': 'queue-h' });
  const keys = h('p', { class: 'hint queue-keys' });
  // Hiding the queue (for room on a small screen during a call) leaves its
  // heading with the count; q and c open it again.
  const body = h('div', { id: 'queue-body', class: 'queue-body' }, form, status, feedbackEl, list, keys);

  const root = h('section', { id: 'queue', class: 'queue-region', 'aria-labelledby': 'queue-h' },
    h('div', { class: 'queue-head' }, heading, toggle),
    body, live);

  list.addEventListener('keydown', (ev) => {
    const buttons = [...list.querySelectorAll('.qi-take')];
    const i = buttons.indexOf(document.activeElement);
    if (ev.key === 'Escape') {
      ev.preventDefault();
      opts.onEscape();
      return;
    }
    if (i < 0) return;
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: buttons.length - 1 }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, to))].focus();
  });
  lookupResult.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      input.focus();
    }
  });

  // --- pieces -----------------------------------------------------------

  function since(ms) {
    const min = Math.floor(Math.max(0, Date.now() - ms) / 60000);
    return min < 1 ? i18n.t('durUnderMin')
      : min < 60 ? i18n.t('durMin', { m: min }) : i18n.t('durHour', { h: Math.floor(min / 60), m: min % 60 });
  }
  const waited = (created) => i18n.t('waitingFor', { t: since(created) });
  // A citizen whose connection went (docs/protocol.md, "The queue tells the
  // truth"): said in words, not by colour, until they are back or dropped.
  const leftText = (left) => i18n.t('queueLeft', { t: since(left) });

  // One handover as the agent sees it: code, where from, how long, the
  // facts so far as a short trail and where the citizen is now.
  function itemView(item, prefix, from) {
    const base = `${prefix}-${item.code}`;
    const s = item.step || {};
    const facts = Object.entries(s.facts || {});
    const handoff = item.kind === 'handoff';
    const reason = item.referral_reason && i18n.has(`reason_${item.referral_reason}`)
      ? i18n.t(`reason_${item.referral_reason}`) : item.referral_reason;
    const now = handoff
      ? [i18n.t('nowHandoff', { destination: item.destination || '?' }), reason ? ` (${reason})` : null]
      : s.question
      ? [i18n.t('nowAsking'), ' ', h('span', { class: 'qi-text', lang: item.lang }, s.question.text)]
      : s.result
        ? [i18n.t('nowResult'), ' ', h('span', { class: 'qi-text', lang: item.lang },
          s.result.destination?.name || s.result.destination?.id || s.result.node)]
        : null;
    const waiting = item.state === 'waiting';
    const warn = waiting && confirming === item.code;
    const left = waiting && Number.isFinite(item.left);
    const described = [`${base}-meta`, left ? `${base}-left` : null, now ? `${base}-now` : null,
      warn ? `${base}-warn` : null].filter(Boolean);
    return [
      h('p', { class: 'qi-head', id: `${base}-meta` },
        h('span', { class: 'qi-code' }, item.code), ' ',
        handoff ? [h('span', { class: 'qi-from' }, i18n.t('queueFrom', { from: item.from || '?' })), ' '] : null,
        h('span', { class: 'qi-meta' },
          i18n.has(`country_${item.country}`) ? i18n.t(`country_${item.country}`) : item.country, ' · ',
          h('span', { lang: item.lang }, LANG_NAMES[item.lang] || item.lang),
          Number.isFinite(item.created) && waiting
            ? [' · ', h('span', { class: 'qi-wait', dataset: { created: String(item.created) } }, waited(item.created))]
            : null)),
      left ? h('p', { class: 'qi-left', id: `${base}-left`, dataset: { left: String(item.left) } }, leftText(item.left)) : null,
      facts.length
        ? h('ol', { class: 'qi-trail', 'aria-label': i18n.t('answersSoFar') }, facts.map(([fact, value]) =>
          h('li', { dataset: { fact } },
            h('span', { class: 'visually-hidden' }, `${factName(fact, i18n.lang)}: `),
            valueLabel(fact, value, i18n.lang))))
        : h('p', { class: 'qi-trail qi-none' }, i18n.t('noAnswers')),
      now ? h('p', { class: 'qi-now', id: `${base}-now` }, now) : null,
      // Right above the button it is about, and read with it.
      warn ? h('p', { class: 'qi-warn', id: `${base}-warn`, role: 'alert' }, i18n.t('takeLeavesWalk')) : null,
      waiting ? h('button', { type: 'button', class: 'primary qi-take', dataset: { code: item.code },
        'aria-describedby': described.join(' '),
        onclick: () => opts.onTake(item, from) },
      i18n.t(warn ? 'takeAnyway' : 'take'), h('span', { class: 'visually-hidden' }, ` ${item.code}`)) : null,
    ];
  }

  function renderHead() {
    const n = items.length + beyond;
    heading.replaceChildren(i18n.t('queueTitle'), ' ', badge, countText);
    badge.textContent = String(n);
    badge.dataset.count = String(n);
    countText.textContent = ` (${i18n.t('queueCountN', { n })})`;
    const shut = collapsed || folded;
    toggle.textContent = i18n.t(shut ? 'queueShow' : 'queueHide');
    toggle.setAttribute('aria-expanded', String(!shut));
    body.hidden = shut;
    root.dataset.folded = String(folded && !collapsed);
    root.dataset.count = String(n);
    opts.onCount?.(n);
  }

  function renderList() {
    // Keep focus on the same handover's button, or the one now in its
    // place, if (and only if) focus was in the list.
    const active = document.activeElement;
    const had = list.contains(active) ? active.closest('.qi') : null;
    const hadIndex = had ? [...list.children].indexOf(had) : -1;
    const hadCode = had?.dataset.code;

    clear(list);
    for (const item of items)
      list.append(h('li', { class: 'qi', dataset: { code: item.code, kind: item.kind || 'handover' } },
        itemView(item, 'qi', 'queue')));
    status.textContent = unavailable || (stale ? i18n.t('queueStale') : items.length ? '' : i18n.t('queueEmpty'));
    status.classList.toggle('is-error', !!unavailable);
    feedbackEl.textContent = feedback ? i18n.t(feedback.key, feedback.vars) : '';
    root.dataset.stale = String(stale);
    list.hidden = items.length === 0;

    if (had) {
      const same = hadCode && list.querySelector(`.qi[data-code="${CSS.escape(hadCode)}"] .qi-take`);
      const buttons = list.querySelectorAll('.qi-take');
      const next = same || buttons[Math.min(hadIndex, buttons.length - 1)];
      if (next) next.focus();
      else heading.focus();
    }
  }

  function renderLookup() {
    inputLabel.replaceChildren(i18n.t('lookupLabel'), ' ',
      h('kbd', { 'aria-hidden': 'true' }, 'C'));
    hint.textContent = i18n.t('lookupHint');
    lookupButton.textContent = i18n.t('lookup');
    const err = lookup.error ? i18n.t(lookup.error.key, lookup.error.vars) : '';
    if (lookupError.textContent !== err) lookupError.textContent = err;
    if (lookup.invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    lookupStatus.textContent = lookup.status === 'looking' ? i18n.t('lookupLooking') : '';
    const had = lookupResult.contains(document.activeElement);
    clear(lookupResult);
    if (lookup.status === 'found' && lookup.item) {
      lookupResult.append(h('div', { class: `qi lookup-card state-${lookup.item.state}`,
        dataset: { code: lookup.item.code, state: lookup.item.state } },
      itemView(lookup.item, 'lk', 'lookup')));
    }
    if (had) (lookupResult.querySelector('.qi-take') || input).focus();
  }

  function renderKeys() {
    keys.textContent = i18n.t('queueKeys');
  }

  // --- the API ------------------------------------------------------------

  // A new list from the daemon (the reply to `queue` or a resync), with the
  // total waiting when it is more than the page. Codes not seen before are
  // announced, except in the very first list.
  function setItems(next, total) {
    const fresh = Array.isArray(next) ? next.filter((i) => i && i.code) : [];
    // The longest waiting first.
    fresh.sort((a, b) => (a.created || 0) - (b.created || 0));
    const arrived = known ? fresh.filter((i) => !known.has(i.code)) : [];
    known = new Set([...(known || []), ...fresh.map((i) => i.code)]);
    items = fresh;
    beyond = Number.isInteger(total) ? Math.max(0, total - fresh.length) : 0;
    unavailable = '';
    root.dataset.subscribed = 'true';
    renderHead();
    renderList();
    if (arrived.length) {
      say(arrived.map((i) => i18n.t(i.kind === 'handoff' ? 'queueArrivedHandoff' : 'queueArrived', {
        from: i.from || '?',
        code: i.code,
        country: i18n.has(`country_${i.country}`) ? i18n.t(`country_${i.country}`) : i.country,
        lang: LANG_NAMES[i.lang] || i.lang,
        n: items.length + beyond,
      })).join(' '));
    }
  }

  // A change the daemon pushed: items that arrived, codes that left (taken,
  // given up, expired). One past the page leaves the hidden count.
  function applyChanges({ added, removed } = {}) {
    const gone = new Set(Array.isArray(removed) ? removed : []);
    const listed = new Set(items.map((i) => i.code));
    const hiddenGone = [...gone].filter((c) => !listed.has(c)).length;
    const kept = items.filter((i) => !gone.has(i.code));
    const keptCodes = new Set(kept.map((i) => i.code));
    const fresh = (Array.isArray(added) ? added : []).filter((i) => i && i.code && !keptCodes.has(i.code));
    const next = [...kept, ...fresh];
    setItems(next, next.length + Math.max(0, beyond - hiddenGone));
  }

  function say(text) {
    live.textContent = '';
    requestAnimationFrame(() => { live.textContent = text; });
  }

  function setCollapsed(value, byUser) {
    collapsed = value;
    if (byUser) folded = false;
    renderHead();
    if (byUser) opts.onToggle?.(collapsed);
  }

  function setLookup(state, { focusTake = false, focusInput = false } = {}) {
    lookup = state;
    renderLookup();
    if (focusTake) lookupResult.querySelector('.qi-take')?.focus();
    else if (focusInput) {
      input.focus();
      input.select();
    }
  }

  const timer = setInterval(() => {
    for (const el of root.querySelectorAll('.qi-wait')) el.textContent = waited(Number(el.dataset.created));
    for (const el of root.querySelectorAll('.qi-left')) el.textContent = leftText(Number(el.dataset.left));
  }, TICK_MS);

  function relabel() {
    renderHead();
    renderList();
    renderLookup();
    renderKeys();
  }

  relabel();
  return {
    root,
    relabel,
    setItems,
    applyChanges,
    setLookup,
    // Items wait past the page but none is listed: time to ask for the page.
    get wantsPage() { return items.length === 0 && beyond > 0; },
    get items() { return items; },
    get lookupItem() { return lookup.item || null; },
    count: () => items.length + beyond,
    setStale(value) {
      if (stale === value) return;
      stale = value;
      renderList();
    },
    setUnavailable(text) {
      unavailable = text;
      items = [];
      renderHead();
      renderList();
    },
    // A take from the list that the daemon refused: said at the list until
    // the agent's next take.
    setFeedback(key, vars) {
      feedback = key ? { key, vars } : null;
      renderList();
    },
    // Ask for a second press on code's Take (null: stop asking).
    confirm(code) {
      if (confirming === code) return;
      confirming = code;
      renderList();
      renderLookup();
    },
    clearLookup() {
      input.value = '';
      setLookup({ status: 'idle' });
    },
    // `q`: to the longest-waiting handover's Take button (opening the list
    // if it was hidden), else to the queue's heading, which says it is empty.
    focus() {
      if (collapsed || folded) setCollapsed(false, true);
      const first = list.querySelector('.qi-take');
      (first || heading).focus();
      (first || heading).scrollIntoView({ block: 'nearest' });
    },
    focusLookup() {
      if (collapsed || folded) setCollapsed(false, true);
      input.focus();
      input.select();
    },
    // app.js: fold (true) for a walk in a narrow panel, unfold (false) after.
    setFolded(value) {
      if (folded === !!value) return;
      folded = !!value;
      renderHead();
    },
    stop() { clearInterval(timer); },
  };
}
