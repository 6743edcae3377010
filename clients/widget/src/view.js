// view.js - what one entry of the conversation looks like.
//
// An entry is what the widget keeps in the transcript ({k, ui, …}); each is
// rendered from the entry alone, in the interface language it was shown in
// (e.ui), so a restored conversation looks as it did. Texts from the daemon
// go in as text nodes only (shared/dom.js).
import { h } from '../../shared/dom.js';
import { COUNTRY_NAMES, LANG_NAMES, TEXTS } from './texts.js';

export function t(key, vars, lang) {
  const text = TEXTS[lang]?.[key] ?? TEXTS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (vars && name in vars ? String(vars[name]) : m));
}

// Like t(), but placeholders may be DOM nodes (a tel: link inside a sentence).
function tNodes(key, vars, lang) {
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
  case 'handover':
    return renderHandover(e);
  case 'taken':
    return h('div', { class: 'msg bot taken', lang: L }, vh(t('bot', {}, L)),
      h('h3', { class: 'focus-target', tabindex: '-1' }, t('takenTitle', {}, L)),
      h('p', {}, t('takenBody', {}, L)));
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
  const d = r.destination || {};
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
  return h('div', { class: 'msg bot result', lang: L, dataset: { node: r.node } }, vh(t('bot', {}, L)),
    h('h3', { class: 'focus-target', tabindex: '-1' }, r.title || t('resultTitle', {}, L)),
    r.advice ? h('p', { class: 'advice', lang: e.lang }, r.advice) : null,
    r.bring ? h('p', { class: 'bring' }, h('strong', {}, t('bring', {}, L)), ' ', h('span', { lang: e.lang }, r.bring)) : null,
    d.name ? [
      h('h4', {}, t('whereTitle', {}, L)),
      h('p', { class: 'dest-name', lang: e.lang }, d.name),
      h('dl', { lang: e.lang }, field('phone', phone), field('hours', (v) => v), field('web', (v) => webLinks(v, L))),
      marked ? h('p', { class: 'unverified-note' }, t('unverifiedNote', {}, L)) : null,
    ] : null);
}

function renderHandover(e) {
  const L = e.ui;
  const spelled = e.code.split('').map((c) => (c === '-' ? '–' : c)).join(' ');
  let time = '';
  try {
    time = new Intl.DateTimeFormat(L === 'nn' ? 'nb' : L, { hour: '2-digit', minute: '2-digit' }).format(new Date(e.expires));
  } catch {
    // no time shown
  }
  return h('div', { class: 'msg bot handover', lang: L, dataset: { code: e.code } }, vh(t('bot', {}, L)),
    h('h3', { class: 'focus-target', tabindex: '-1' }, t('handoverTitle', {}, L)),
    e.changed ? h('p', {}, t('codeChanged', {}, L)) : null,
    h('p', {}, t('yourCode', {}, L), ' ', vh(spelled)),
    h('p', { class: 'code', 'aria-hidden': 'true' }, e.code),
    e.phone ? h('p', {}, tNodes('callWithCode', { phone: h('a', { class: 'tel', href: `tel:${e.phone.replace(/[^\d+]/g, '')}` }, e.phone) }, L)) : null,
    h('p', {}, t(e.phone ? 'orWait' : 'waitOnly', {}, L)),
    time ? h('p', { class: 'help' }, t('codeValid', { time }, L)) : null,
    h('p', { class: 'help' }, t('keepAnswering', {}, L)));
}
