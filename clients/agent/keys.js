// keys.js - the panel's single-key shortcuts, which the agent can switch
// off or remap (WCAG 2.1.4), remembered in the profile with the other
// preferences; and the key of each answer option.
//
// An option's key: 1–9, then letters, skipping the letters the panel uses
// for itself (the queue, the code field, as remapped), so that a question of
// up to 33 options is answered with one key and none is out of reach.
// Shortcuts with Ctrl or Alt (Ctrl+Enter, Alt+←) are not single keys and
// stay on.

import { h } from '/shared/dom.js';

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
