// keys.js - the panel's keys: the single-key shortcuts, which the agent can
// switch off or remap (WCAG 2.1.4), remembered in the profile with the other
// preferences; the key of each answer option; and the keydown handler that
// acts on them (createKeys). app.js's opening comment lists them.
//
// An option's key: 1–9, then letters, skipping the letters the panel uses
// for itself (the queue, the code field, as remapped), so that a question of
// up to 33 options is answered with one key and none is out of reach.
// Shortcuts with Ctrl or Alt (Ctrl+Enter, Alt+←) are not single keys and
// stay on.

import { h, isTyping } from '/shared/dom.js';
import * as store from './store.js';
import { BARRIER_KEYS } from './finishview.js';

export const DEFAULT_KEYS = { on: true, queue: 'q', code: 'c', search: '/' };
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export function normalize(saved) {
  const k = { ...DEFAULT_KEYS, ...(saved || {}) };
  k.on = k.on !== false;
  for (const name of ['queue', 'code', 'search']) {
    const v = String(k[name] || '').toLowerCase();
    k[name] = v.length === 1 && !/[0-9\s]/.test(v) ? v : DEFAULT_KEYS[name];
  }
  return k;
}

// The letters left for options once the panel's own keys are taken out.
export function optionKeys(keys) {
  const taken = new Set([keys.queue, keys.code, keys.search]);
  return ['1', '2', '3', '4', '5', '6', '7', '8', '9', ...[...LETTERS].filter((l) => !taken.has(l))];
}

// The settings: a disclosure in the top bar. onChange(keys) with the new
// settings; a key taken twice is refused in words.
export function settingsView(i18n, keys, onChange) {
  const err = h('p', { class: 'field-error', id: 'keys-error', role: 'alert' });
  const on = h('input', { type: 'checkbox', id: 'keys-on', checked: keys.on, 'aria-describedby': 'keys-on-hint' });
  const field = (name) => h('div', { class: 'key-field' },
    h('label', { for: `key-${name}` }, i18n.t(`keyFor_${name}`)),
    h('input', { type: 'text', id: `key-${name}`, name, value: keys[name], maxlength: '1', size: '2',
      autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'keys-error', disabled: !keys.on }));
  const fields = ['queue', 'code', 'search'].map(field);
  const panel = h('div', { class: 'keys-panel' },
    h('div', { class: 'check-item' }, on, h('label', { for: 'keys-on' }, i18n.t('keysOn'))),
    h('p', { class: 'hint', id: 'keys-on-hint' }, i18n.t('keysOnHint')),
    fields, err);
  const details = h('details', { class: 'keys-settings', id: 'keys-settings' },
    h('summary', {}, i18n.t('keysSettings')), panel);
  const read = () => {
    const next = { on: on.checked };
    for (const name of ['queue', 'code', 'search']) next[name] = panel.querySelector(`#key-${name}`).value.trim().toLowerCase();
    return next;
  };
  panel.addEventListener('input', (ev) => {
    const next = read();
    for (const input of panel.querySelectorAll('input[type="text"]')) input.disabled = !next.on;
    const chosen = ['queue', 'code', 'search'].map((n) => next[n]);
    const bad = chosen.some((v) => v.length !== 1 || /[0-9\s]/.test(v)) ? 'keysInvalid'
      : new Set(chosen).size !== chosen.length ? 'keysTwice' : '';
    err.textContent = bad ? i18n.t(bad) : '';
    for (const input of panel.querySelectorAll('input[type="text"]')) {
      if (bad && ev.target === input) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    if (!bad || ev.target === on) onChange(normalize(next));
  });
  // Escape closes the settings and goes back to their summary.
  details.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || !details.open) return;
    ev.preventDefault();
    details.open = false;
    details.querySelector('summary').focus();
  });
  return details;
}

// The panel's keys, wired (app.js): ctx holds its state (app), i18n, say,
// render, main, queue, mainSearch, walk and finish. onKey is the document's
// keydown handler; renderSettings draws the settings and the queue button's
// key in the current language.
export function createKeys(ctx) {
  const { app, i18n, main, say, queue } = ctx;
  let keys = normalize(store.prefs.get().keys);

  function onKey(ev) {
    if (ev.defaultPrevented || ev.isComposing) return;
    const plain = !ev.ctrlKey && !ev.metaKey && !ev.altKey;
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      if (app.screen === 'step') {
        ev.preventDefault();
        ctx.finish.open();
      } else if (app.screen === 'finish' && ctx.finish.form()) {
        ev.preventDefault();
        ctx.finish.form().requestSubmit();
      } else if (app.screen === 'start') {
        ev.preventDefault();
        main.querySelector('form.start')?.requestSubmit();
      }
      return;
    }
    if (isTyping(ev.target)) return;
    // Single keys only when the agent has them on (WCAG 2.1.4);
    // Ctrl+Enter and Alt+← above and below always work.
    const single = plain && keys.on && !ev.target.closest?.('#keys-settings');
    const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
    if (app.screen === 'finish' && single && ctx.finish.form()) {
      const index = BARRIER_KEYS.indexOf(ev.key.toLowerCase());
      const box = index >= 0 ? ctx.finish.form().toggleBarrier(index) : null;
      if (box) {
        ev.preventDefault();
        say(`${box.labels[0]?.textContent.replace(/^\S+ /, '') || box.value}: ${i18n.t(box.checked ? 'ticked' : 'unticked')}`);
        return;
      }
    }
    if (key === keys.search && single && !document.getElementById('search-region').hidden) {
      ev.preventDefault();
      ctx.mainSearch.focus();
      return;
    }
    if (key === keys.queue && single && !queue.root.hidden) {
      ev.preventDefault();
      queue.focus();
      return;
    }
    if (key === keys.code && single && !queue.root.hidden) {
      ev.preventDefault();
      queue.focusLookup();
      return;
    }
    if (app.screen !== 'step') return;
    if ((ev.key === 'Backspace' && single) || (ev.key === 'ArrowLeft' && ev.altKey && !ev.ctrlKey && !ev.metaKey)) {
      ev.preventDefault(); // also keeps Alt+← from leaving the page
      ctx.walk.back();
      return;
    }
    if (single) {
      const index = optionKeys(keys).indexOf(key);
      const option = index >= 0 ? app.rec?.lastStep?.question?.options[index] : null;
      if (option) {
        ev.preventDefault();
        ctx.walk.answer(option.value);
      }
    }
  }

  // The shortcut settings in the top bar, rebuilt in a new language (open
  // stays open).
  function renderSettings() {
    const slot = document.getElementById('keys-slot');
    const wasOpen = !!slot.querySelector('details')?.open;
    const view = settingsView(i18n, keys, (next) => {
      keys = next;
      store.prefs.update({ keys });
      document.getElementById('queue-button').querySelector('kbd').textContent = keys.queue.toUpperCase();
      if (app.screen === 'step') ctx.render();
      renderQueueKey();
    });
    view.open = wasOpen;
    slot.replaceChildren(view);
    renderQueueKey();
  }

  function renderQueueKey() {
    const button = document.getElementById('queue-button');
    button.querySelector('kbd').textContent = keys.queue.toUpperCase();
    button.querySelector('kbd').hidden = !keys.on;
    if (keys.on) button.setAttribute('aria-keyshortcuts', keys.queue);
    else button.removeAttribute('aria-keyshortcuts');
  }

  return { get current() { return keys; }, onKey, renderSettings };
}
