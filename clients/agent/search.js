// search.js - a search box with results as you type (ARIA 1.2 combobox with
// a listbox popup), over the engine's `search` message:
//   → {"type":"search","q":"…","country":"no","lang":"nb"}
//   ← {"type":"results","items":[{"kind","node","destination","title","snippet"}]}
// kind is question, result (both with the node to jump to) or destination
// (with the destination id and no node).
//
// Arrow keys move through the hits, Enter picks the active one (with none
// active it marks the first, so a bare Enter never jumps away from a walk),
// Escape closes the list and then clears the box. Tab
// leaves as usual: there is no trap. When the daemon answers with an error
// (a daemon without search says bad_request "unknown message type"), the box
// says so in words and stays usable for typing; nothing pretends to work.

import { h, clear, uniqueId } from '/shared/dom.js';
import { ProtocolError } from '/shared/protocol.js';
import { errorText } from '/shared/errors.js';

const DEBOUNCE_MS = 120;

// opts: i18n, label (text key), run(q) → Promise<items>, pick(item),
// filter(item) → bool, kindLabel(kind) → text, fallback(q) (Enter with no
// hit: use the text itself), onEscape() (Escape in an empty box).
export function createSearch(opts) {
  const { i18n } = opts;
  const id = uniqueId('search');
  const input = h('input', {
    id: `${id}-input`, type: 'search', class: 'search-input', role: 'combobox', autocomplete: 'off',
    spellcheck: 'false', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': `${id}-list`, 'aria-describedby': `${id}-msg`,
    'aria-keyshortcuts': opts.shortcut || undefined,
  });
  const label = h('label', { for: input.id, class: 'search-label' });
  const list = h('ul', { id: `${id}-list`, role: 'listbox', class: 'search-list', hidden: true });
  const msg = h('p', { id: `${id}-msg`, class: 'search-msg', 'aria-live': 'polite' });
  const root = h('div', { class: `search-box ${opts.className || ''}` }, label, input, msg, list);

  let items = [];
  let active = -1;
  let seq = 0;
  let timer = null;

  function relabel() {
    clear(label).append(i18n.t(opts.label));
    if (opts.shortcut) label.append(' ', h('kbd', { 'aria-hidden': 'true' }, opts.shortcut));
  }

  function setMessage(text, kind = '') {
    msg.textContent = text;
    msg.className = `search-msg ${kind}`;
  }

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function setActive(i) {
    const options = list.querySelectorAll('[role="option"]');
    if (!options.length) return;
    active = (i + options.length) % options.length;
    options.forEach((o, k) => o.setAttribute('aria-selected', String(k === active)));
    input.setAttribute('aria-activedescendant', options[active].id);
    options[active].scrollIntoView({ block: 'nearest' });
  }

  function show(found) {
    items = opts.filter ? found.filter(opts.filter) : found;
    clear(list);
    active = -1;
    input.removeAttribute('aria-activedescendant');
    items.forEach((item, i) => {
      list.append(h('li', {
        id: `${id}-opt-${i}`, role: 'option', class: 'search-hit', 'aria-selected': 'false',
        dataset: { kind: item.kind || '', node: item.node || '', destination: item.destination || '' },
        // mousedown, not click: the input must not lose focus first.
        onmousedown: (ev) => { ev.preventDefault(); choose(i); },
      },
      h('span', { class: `hit-kind kind-${item.kind}` }, opts.kindLabel ? opts.kindLabel(item.kind) : item.kind),
      ' ',
      h('span', { class: 'hit-title' }, item.title || item.node || item.destination || ''),
      item.snippet ? h('span', { class: 'hit-snippet' }, item.snippet) : null));
    });
    const open = items.length > 0;
    list.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
    setMessage(open ? i18n.t('searchCount', { n: items.length }) : i18n.t('searchNone'));
  }

  async function run() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      close();
      setMessage('');
      return;
    }
    setMessage(i18n.t('searchSearching'));
    try {
      const found = await opts.run(q);
      if (mine === seq) show(Array.isArray(found) ? found : []);
    } catch (e) {
      if (mine !== seq) return;
      close();
      clear(list);
      items = [];
      if (e instanceof ProtocolError) setMessage(i18n.t('searchUnavailable', { msg: errorText(i18n.lang, e) }), 'is-error');
      else setMessage(i18n.t('searchOffline'), 'is-error');
    }
  }

  function choose(i) {
    const item = items[i];
    if (!item) return;
    close();
    opts.pick(item);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' && items.length) {
      ev.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      setActive(active + 1);
    } else if (ev.key === 'ArrowUp' && items.length) {
      ev.preventDefault();
      setActive(active - 1);
    } else if (ev.key === 'Enter' && !ev.ctrlKey && !ev.metaKey) {
      ev.preventDefault(); // never submit a surrounding form
      // A bare Enter never jumps away from a walk: the first Enter marks the
      // first hit, a second one takes it.
      if (!list.hidden && active >= 0) choose(active);
      else if (!list.hidden && items.length) setActive(0);
      else if (opts.fallback && input.value.trim()) opts.fallback(input.value.trim());
    } else if (ev.key === 'Escape') {
      if (!list.hidden) { ev.preventDefault(); close(); }
      else if (input.value) { ev.preventDefault(); input.value = ''; setMessage(''); }
      else if (opts.onEscape) { ev.preventDefault(); opts.onEscape(); }
    }
  });
  input.addEventListener('blur', () => close());

  relabel();
  return {
    root,
    input,
    relabel,
    setMessage,
    focus() { input.focus(); input.select(); },
    reset() { seq++; clearTimeout(timer); input.value = ''; items = []; clear(list); close(); setMessage(''); },
  };
}
