// handoffs.js - handoffs to other desks on the dashboard.
// For a desk with peers the stats message carries referral_checks (what the
// receiving desks said about this desk's handoffs, per destination, and the
// latest corrections) and, with an outbox, delivery (its counters by kind).
// Both are over all time and ignore the filters; see docs/protocol.md,
// "Handoffs between desks".
//
// createHandoffs(ctx): ctx is the dashboard's wiring (app.js): i18n and t,
// fmt (format.js), $ and RANGES (the windows of a snapshot).

import { h } from '/shared/dom.js';
import { destinationName } from './format.js';

const KINDS = ['handoff', 'feedback', 'collector'];
const CHECK_COLS = ['sent', 'accepted', 'misrouted', 'unanswered'];
const DELIVERY_COLS = ['pending', 'failed', 'dead_letters', 'delivered'];

export function createHandoffs(ctx) {
  const { i18n, t, fmt, $, RANGES } = ctx;

  // Destination names as the figures of the windows know them.
  function destinationNames(snap) {
    const names = new Map();
    for (const w of RANGES) for (const d of snap[w]?.destinations || []) if (d.name) names.set(d.id, destinationName(i18n, d));
    return names;
  }

  function destinationLabel(names, id) {
    const name = names.get(id);
    return name && name !== id ? `${name} (${id})` : id;
  }

  function card(key, heading, ...content) {
    const id = `${key}-h`;
    // A plain box: the heading structures it, and the table's scroll region
    // is the landmark named by the heading.
    return h('div', { class: 'handoff-card', dataset: { card: key } },
      h('h3', { id }, heading), ...content);
  }

  // A table that may be wider than a phone scrolls sideways in a region of
  // its own, which the keyboard can reach (and so scroll), named by the
  // card's heading.
  function scroller(labelledby, table) {
    return h('div', { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-labelledby': labelledby }, table);
  }

  function numCell(col, n, extra = '') {
    return h('td', { class: `num ${extra}`.trim(), dataset: { col } }, fmt.int(n || 0));
  }

  function checksCard(rc, names) {
    const rows = Object.entries(rc.destination || {})
      .sort(([a, x], [b, y]) => (y.sent || 0) - (x.sent || 0) || a.localeCompare(b));
    const head = h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('colDestination')),
      ...CHECK_COLS.map((c) => h('th', { scope: 'col', class: 'num' }, t(`check.${c}`)))));
    const table = h('table', { class: 'figures', 'aria-labelledby': 'checks-h', 'aria-describedby': 'checks-hint',
      dataset: { table: 'referral-checks' } },
    head,
    h('tbody', {}, ...rows.map(([id, r]) => h('tr', { dataset: { destination: id } },
      h('th', { scope: 'row' }, destinationLabel(names, id)),
      ...CHECK_COLS.map((c) => numCell(c, r[c], c === 'misrouted' && r[c] ? 'is-bad' : ''))))),
    rows.length > 1 ? h('tfoot', {}, h('tr', {},
      h('th', { scope: 'row' }, t('allDestinations')),
      ...CHECK_COLS.map((c) => numCell(c, rc[c])))) : null);
    return card('checks', t('checksHeading'),
      h('p', { id: 'checks-hint', class: 'hint' }, t('checksHint')),
      rows.length ? scroller('checks-h', table) : h('p', { class: 'hint', dataset: { table: 'referral-checks' } }, t('noHandoffs')));
  }

  function correctionsCard(rc, names) {
    const list = rc.corrections || [];
    const cols = ['colCode', 'colReferredTo', 'colCorrect', 'colCheckedBy', 'colChecked'];
    const table = h('table', { class: 'figures wide', 'aria-labelledby': 'corrections-h', dataset: { table: 'corrections' } },
      h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, ...list.map((c) => h('tr', { dataset: { code: c.code, destination: c.destination, correct: c.correct_destination } },
        h('th', { scope: 'row', class: 'code' }, c.code),
        h('td', { dataset: { col: 'destination' } }, destinationLabel(names, c.destination)),
        h('td', { dataset: { col: 'correct' } }, destinationLabel(names, c.correct_destination)),
        h('td', { dataset: { col: 'by' } }, c.by),
        h('td', {}, Number.isFinite(c.checked) ? h('time', { datetime: new Date(c.checked).toISOString() }, fmt.when(c.checked)) : t('none'))))));
    return card('corrections', t('correctionsHeading'),
      h('p', { class: 'hint' }, t('correctionsHint')),
      list.length ? scroller('corrections-h', table) : h('p', { class: 'hint', dataset: { table: 'corrections' } }, t('noCorrections')));
  }

  function deliveryCard(dl) {
    const sum = (what) => KINDS.reduce((n, k) => n + (dl[what]?.[k] || 0), 0);
    // Contacts for a collector only on a desk that ships them.
    const kinds = KINDS.filter((k) => k !== 'collector' || DELIVERY_COLS.some((c) => dl[c]?.[k]) || dl.dead?.[k]);
    const pending = sum('pending');
    const status = sum('dead_letters') ? null
      : pending ? t('deliveryWaiting', { n: fmt.int(pending),
        since: dl.oldest_pending ? fmt.when(dl.oldest_pending) : t('none') })
        : t('deliveryOk');
    return card('delivery', t('deliveryHeading'),
      status ? h('p', { class: `delivery-status ${pending ? 'is-waiting' : 'is-ok'}`, dataset: { status: pending ? 'waiting' : 'ok' } }, status) : null,
      scroller('delivery-h', h('table', { class: 'figures', 'aria-labelledby': 'delivery-h', 'aria-describedby': 'delivery-hint', dataset: { table: 'delivery' } },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('colKind')),
          ...DELIVERY_COLS.map((c) => h('th', { scope: 'col', class: 'num' }, t(`delivery.${c}`))))),
        h('tbody', {}, ...kinds.map((k) => h('tr', { dataset: { kind: k } },
          h('th', { scope: 'row' }, t(`kind.${k}`)),
          ...DELIVERY_COLS.map((c) => numCell(c, dl[c]?.[k], c === 'dead_letters' && dl[c]?.[k] ? 'is-bad' : ''))))))),
      h('p', { id: 'delivery-hint', class: 'hint' }, t('deliveryHint')));
  }

  // The warning is a live region that stays in the page: its text changes
  // only when the number does, so a push every second does not repeat it.
  function setDeliveryAlert(text) {
    const el = $('delivery-alert');
    if (el.textContent !== text) el.textContent = text;
    el.hidden = !text;
  }

  function renderHandoffs(snap) {
    const rc = snap?.referral_checks;
    const dl = snap?.delivery;
    $('handoffs').hidden = !rc && !dl;
    const names = snap ? destinationNames(snap) : new Map();
    $('referral-checks').replaceChildren(...(rc ? [checksCard(rc, names)] : []));
    $('corrections').replaceChildren(...(rc ? [correctionsCard(rc, names)] : []));
    $('delivery').replaceChildren(...(dl ? [deliveryCard(dl)] : []));
    const dead = dl ? KINDS.reduce((n, k) => n + (dl.dead_letters?.[k] || 0), 0) : 0;
    setDeliveryAlert(dead ? t('deadLetters', { n: fmt.int(dead) }) : '');
  }

  return { renderHandoffs, destinationNames, scroller };
}
