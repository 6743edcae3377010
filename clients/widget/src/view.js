// view.js - what one entry of the conversation looks like.
//
// An entry is what the widget keeps in the transcript ({k, ui, …}); each is
// rendered from the entry alone, in the interface language it was shown in
// (e.ui), so a restored conversation looks as it did. Texts from the daemon
// go in as text nodes only (shared/dom.js).
import { h } from '../../shared/dom.js';
import { COUNTRY_NAMES, LANG_NAMES, TEXTS } from './texts.js';

// A text may be plural forms ({one, other}): the form for vars.n is used.
export function t(key, vars, lang) {
  let text = TEXTS[lang]?.[key] ?? TEXTS.en[key] ?? key;
  if (typeof text === 'object') {
    const n = Number(vars?.n);
    text = (Number.isFinite(n) ? text[new Intl.PluralRules(lang || 'en').select(n)] : null) ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
}

// Like t(), but placeholders may be DOM nodes (a tel: link inside a sentence).
export function tNodes(key, vars, lang) {
  return (TEXTS[lang]?.[key] ?? TEXTS.en[key]).split(/(\{\w+\})/).map((part) => {
    const m = /^\{(\w+)\}$/.exec(part);
    return m && m[1] in vars ? vars[m[1]] : part;
  });
}

function listOf(items, lang) {
  try {
    return new Intl.ListFormat(lang === 'nn' ? 'nb' : lang, { type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

export function icon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}
export const ICON_CHAT = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z';
export const ICON_CLOSE = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z';

// Text for screen readers only.
export const vh = (text) => h('span', { class: 'vh' }, text);

export function renderEntry(e) {
  const L = e.ui;
  switch (e.k) {
  case 'welcome':
    return h('div', { class: 'msg bot', lang: L }, vh(t('bot', {}, L)),
      h('p', {}, t('welcome', {}, L)),
      h('p', {}, t('langsIntro', {}, L)),
      h('ul', {}, Object.entries(e.countries).map(([c, langs]) =>
        h('li', {}, `${COUNTRY_NAMES[L][c] || c}: ${listOf(langs.map((l) => LANG_NAMES[L][l] || l), L)}`))));
  case 'note':
    return h('div', { class: 'msg note', lang: L }, h('p', {}, e.text));
  case 'thanks': // after "Did this help?": focus lands here, where the buttons were
    return h('div', { class: 'msg bot thanks', lang: L }, vh(t('bot', {}, L)),
      h('p', { class: 'focus-target', tabindex: '-1' }, t(e.helped ? 'thanksHelped' : 'thanksNotHelped', {}, L)));
  case 'q':
    return h('div', { class: 'msg bot', lang: L, dataset: { node: e.node } }, vh(t('bot', {}, L)),
      h('p', { class: 'q focus-target', tabindex: '-1', lang: e.lang }, e.text),
      e.help ? h('p', { class: 'help', lang: e.lang }, e.help) : null);
  case 'me':
    return h('div', { class: 'msg me', lang: L }, vh(t('me', {}, L)), h('p', { lang: e.lang }, e.text));
  case 'result':
    return renderResult(e);
  default:
    return h('div');
  }
}

// Web addresses in a directory field become links that say they open a tab.
function webLinks(text, L) {
  const urls = text.match(/https?:\/\/[^\s;,)]+/g);
  if (!urls) return [text];
  return h('span', { class: 'links' }, urls.map((u) => h('a', { href: u, target: '_blank', rel: 'noopener noreferrer' },
    u.replace(/^https?:\/\//, '').replace(/\/$/, ''), vh(` ${t('newTab', {}, L)}`))));
}

function renderResult(e) {
  const L = e.ui;
  const r = e.result;
  return h('div', { class: 'msg bot result', lang: L, dataset: { node: r.node } }, vh(t('bot', {}, L)),
    h('h3', { class: 'focus-target', tabindex: '-1' }, r.title || t('resultTitle', {}, L)),
    r.advice ? h('p', { class: 'advice', lang: e.lang }, r.advice) : null,
    r.bring ? h('p', { class: 'bring' }, h('strong', {}, t('bring', {}, L)), ' ', h('span', { lang: e.lang }, r.bring)) : null,
    r.destination?.name ? [h('h4', {}, t('whereTitle', {}, L)), renderDestination(r.destination, L, e.lang)] : null);
}

// A destination's name, phone, hours and web address, as a result shows
// them (an agent's contact card in the chat uses the same). L: the
// interface language, lang: the destination texts' language.
export function renderDestination(d, L, lang) {
  const unverified = new Set(d.unverified || []);
  // The note explains the badges, so only when a field shown has one.
  const marked = ['phone', 'hours', 'web'].some((name) => d[name] && unverified.has(name));
  const field = (name, render) => {
    if (!d[name]) return null;
    return [h('dt', {}, t(name, {}, L)),
      h('dd', { dataset: { field: name } }, render(d[name]),
        unverified.has(name) ? h('span', { class: 'badge', dataset: { unverified: name } }, t('unverified', {}, L)) : null)];
  };
  // Only a number the directory gives as one to dial becomes a link.
  const phone = (text) => (d.dial ? h('a', { class: 'tel', href: `tel:${d.dial}` }, text) : text);
  return [
    d.name ? h('p', { class: 'dest-name', lang }, d.name) : null,
    h('dl', { lang }, field('phone', phone), field('hours', (v) => v), field('web', (v) => webLinks(v, L))),
    marked ? h('p', { class: 'unverified-note' }, t('unverifiedNote', {}, L)) : null,
  ];
}
