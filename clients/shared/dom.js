// dom.js - building the DOM without innerHTML.
//
// Texts from the daemon (rule texts, destination fields, search snippets)
// always go in as text nodes, never as markup; the CSP forbids inline styles,
// so there is no "style" attribute here either: use classes.

// h('button', {type: 'button', class: 'x', onclick: f}, 'text', child, …)
// Attributes: class, dataset ({k: v}), on<event> (a function), boolean
// true/false/null/undefined (set, removed), anything else as a string.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'value' && 'value' in el) el.value = value;
    else if (name === 'checked' || name === 'selected') el[name] = !!value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// Say text through an aria-live region. Clearing first and setting the text
// in the next frame makes screen readers announce a repeated text again.
export function announce(region, text) {
  region.textContent = '';
  requestAnimationFrame(() => { region.textContent = text; });
}

let uid = 0;
export function uniqueId(prefix = 'vv') {
  return `${prefix}-${++uid}`;
}

// True when a key press belongs to a text field and must not be a shortcut.
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement)
    return !['button', 'checkbox', 'radio', 'submit', 'reset'].includes(target.type);
  return false;
}

// Random hex, also outside secure contexts (where crypto.randomUUID is
// missing: a desk reaching the daemon over plain http by host name).
export function randomHex(bytes = 16) {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}
