// chatview.js - what talking to a person looks like in the widget: the
// handover (the code, the phone, and why nobody can chat when nobody can),
// the agent taking the case, the chat's messages and contact cards, the
// chat's end, and the callback confirmation (docs/protocol.md, "Live chat
// after a handover" and "When nobody can take it").
//
// As in view.js: an entry is rendered from itself alone, in the interface
// language it was shown in (e.ui), and texts from the daemon or a person go
// in as text nodes only.
import { h } from '../../shared/dom.js';
import { renderDestination, t, tNodes, vh } from './view.js';

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const locale = (L) => (L === 'nn' ? 'nn' : L);

// Intl may lack a locale or a time zone: then the plainer form.
function fmt(L, opts, date) {
  try {
    return new Intl.DateTimeFormat(locale(L), opts).format(date);
  } catch {
    try {
      const { timeZone, ...rest } = opts;
      return new Intl.DateTimeFormat('en', rest).format(date);
    } catch {
      return '';
    }
  }
}

// "08:00-15:30" → "08:00–15:30" (the en dash a reader expects).
const span = (v) => String(v).replace(/\s*-\s*/, '–');

// The desk's weekday and date now, in its own time zone: "mon", "2026-12-24".
function deskToday(tz, now = new Date()) {
  const day = fmt('en', { weekday: 'short', timeZone: tz }, now).slice(0, 3).toLowerCase();
  const date = fmt('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: tz }, now);
  return { day, date };
}

// The name of a weekday in language L: 2026-12-07 was a Monday.
const dayName = (L, i) => fmt(L, { weekday: 'long', timeZone: 'UTC' }, new Date(Date.UTC(2026, 11, 7 + i)));

// Today's hours and the next opening, then the week, for a closed desk.
export function renderHours(hours, nextOpen, L) {
  const out = [];
  if (hours?.week) {
    const tz = hours.timezone || undefined;
    const { day, date } = deskToday(tz);
    const holiday = (hours.holidays || []).includes(date);
    const today = hours.week[day];
    out.push(h('p', { class: 'hours-today' }, holiday ? t('hoursHoliday', {}, L)
      : today ? t('hoursToday', { hours: span(today) }, L) : t('hoursTodayClosed', {}, L)));
  }
  if (nextOpen) {
    const when = fmt(L, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit',
      timeZone: hours?.timezone || undefined }, new Date(nextOpen));
    if (when) out.push(h('p', { class: 'next-open' }, t('nextOpen', { when }, L)));
  }
  if (hours?.week) {
    out.push(h('h4', {}, t('deskHours', {}, L)),
      h('dl', { class: 'week' }, WEEK.map((d, i) => [h('dt', {}, dayName(L, i)),
        h('dd', {}, hours.week[d] ? span(hours.week[d]) : t('closedDay', {}, L))])));
  }
  return out;
}

// "You are number 2 in the queue, about 4 minutes." (plural forms by n).
export function queueText(wait, L) {
  if (!wait?.position) return '';
  const pos = t('queuePos', { n: wait.position }, L);
  if (!Number.isFinite(wait.wait_seconds)) return pos;
  return `${pos} ${t('queueWait', { n: Math.max(1, Math.ceil(wait.wait_seconds / 60)) }, L)}`;
}

function renderHandover(e) {
  const L = e.ui;
  const spelled = e.code.split('').map((c) => (c === '-' ? '–' : c)).join(' ');
  const time = e.expires ? fmt(L, { hour: '2-digit', minute: '2-digit' }, new Date(e.expires)) : '';
  // With chat:false the reason comes first: it decides what the citizen does.
  const why = e.chat === false ? [
    h('p', { class: 'why', dataset: { why: e.why || '' } }, t(e.why === 'closed' ? 'whyClosed' : 'whyNoAgents', {}, L)),
    e.why === 'closed' ? renderHours(e.hours, e.next_open, L) : null,
  ] : null;
  return h('div', { class: 'msg bot handover', lang: L, dataset: { code: e.code, chat: String(e.chat ?? '') } }, vh(t('bot', {}, L)),
    h('h3', { class: 'focus-target', tabindex: '-1' }, t(e.chat === false ? 'nobodyTitle' : 'handoverTitle', {}, L)),
    e.changed ? h('p', {}, t('codeChanged', {}, L)) : null,
    why,
    h('p', {}, t('yourCode', {}, L), ' ', vh(spelled)),
    h('p', { class: 'code', 'aria-hidden': 'true' }, e.code),
    e.phone ? h('p', {}, tNodes('callWithCode', { phone: h('a', { class: 'tel', href: `tel:${e.phone.replace(/[^\d+]/g, '')}` }, e.phone) }, L)) : null,
    e.chat === false ? h('p', {}, t('callbackOffer', {}, L)) : h('p', {}, t(e.phone ? 'orWait' : 'waitOnly', {}, L)),
    time ? h('p', { class: 'help' }, t('codeValid', { time }, L)) : null,
    e.chat === false ? null : h('p', { class: 'help' }, t('keepAnswering', {}, L)));
}

// A message of the chat, or the agent's contact card.
function renderChat(e) {
  const L = e.ui;
  const mine = e.from === 'citizen';
  const who = mine ? h('span', { class: 'vh' }, t('me', {}, L)) : h('p', { class: 'who' }, `${e.name || t('agentDefault', {}, L)}:`);
  if (e.card) {
    const d = e.card.destination || {};
    return h('div', { class: 'msg bot chat card result', lang: L, dataset: { seq: String(e.seq ?? '') } }, who,
      h('h4', {}, t('cardTitle', {}, L)),
      renderDestination(d, L, d.lang || e.lang));
  }
  return h('div', { class: `msg chat ${mine ? 'me' : 'bot from-agent'}`, lang: L, dataset: { seq: String(e.seq ?? '') } },
    who, h('p', { class: 'text' }, e.text));
}

// The entries of talking to a person; null for any other kind.
export function renderChatEntry(e) {
  const L = e.ui;
  switch (e.k) {
  case 'handover':
    return renderHandover(e);
  case 'taken':
    return h('div', { class: 'msg bot taken', lang: L }, vh(t('bot', {}, L)),
      h('h3', { class: 'focus-target', tabindex: '-1' }, t('takenTitle', {}, L)),
      h('p', {}, e.agent ? t('agentHere', { name: e.agent }, L) : t('takenBody', {}, L)));
  case 'chat':
    return renderChat(e);
  case 'presence':
    return h('div', { class: 'msg note presence', lang: L },
      h('p', {}, t(e.present ? 'agentBack' : 'agentAway', { name: e.name || t('agentDefault', {}, L) }, L)));
  case 'requeued':
    return h('div', { class: 'msg bot requeued', lang: L }, vh(t('bot', {}, L)),
      h('h3', { class: 'focus-target', tabindex: '-1' }, t('requeuedTitle', {}, L)),
      h('p', {}, t('requeuedBody', { name: e.name || t('agentDefault', {}, L) }, L)));
  case 'chatEnded':
    return h('div', { class: 'msg bot chat-ended', lang: L }, vh(t('bot', {}, L)),
      h('h3', { class: 'focus-target', tabindex: '-1' }, t('chatEndedTitle', {}, L)),
      h('p', {}, t(e.result ? 'chatEndedNext' : 'chatEndedBody', {}, L)));
  case 'callback':
    return h('div', { class: 'msg bot callback-done', lang: L, dataset: { code: e.code } }, vh(t('bot', {}, L)),
      h('h3', { class: 'focus-target', tabindex: '-1' }, t('callbackDoneTitle', {}, L)),
      h('p', {}, t('callbackDoneBody', {}, L)),
      h('p', {}, t('yourCode', {}, L), ' ', h('strong', { class: 'code-inline' }, e.code)));
  default:
    return null;
  }
}
