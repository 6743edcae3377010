// barriers.js - why people are left outside (issue 21), on the dashboard.
// The snapshot's "barrier" ({code: count}) and "barrier_by" ({dim: {value:
// {contacts, barrier: {code: count}}}}); a count below the desk's threshold
// is the string "< 5", shown as it is and never turned into a share.
//
// createBarriers(ctx): ctx is the dashboard's wiring (app.js): its state
// (app), i18n and t, fmt (format.js), $, shownRange and scroller
// (handoffs.js).

import { h } from '/shared/dom.js';
import { bar } from './chart.js';

export const CROSS_DIMS = ['outcome', 'category', 'on_behalf', 'channel'];

export function createBarriers(ctx) {
  const { app, i18n, t, fmt, $, shownRange, scroller } = ctx;

  function barrierLabel(code) {
    const b = app.barriers.find((x) => x.code === code);
    if (b) return b.label?.[i18n.lang] || b.label?.en || code;
    return i18n.has(`barrier.${code}`) ? t(`barrier.${code}`) : code;
  }

  // A count, or a hidden one read out in words ("< 5", "fewer than 5").
  function countCell(n, cls = 'num') {
    if (typeof n === 'string') {
      const below = n.replace(/^<\s*/, '');
      return h('td', { class: `${cls} hidden-count` }, h('span', { 'aria-hidden': 'true' }, n),
        h('span', { class: 'visually-hidden' }, t('hidden', { n: below })));
    }
    return h('td', { class: cls }, fmt.int(n ?? 0));
  }

  function renderBarriers(snap) {
    const fig = snap[shownRange()];
    if (!fig?.barrier) return;
    const rows = Object.entries(fig.barrier).map(([code, count]) => ({ key: code, label: barrierLabel(code), count }));
    const id = 'barrier-h';
    $('barriers').replaceChildren(h('section', { class: 'breakdown-card wide', 'aria-labelledby': id },
      h('h3', { id }, t('barrierHeading')),
      h('table', { class: 'bars', 'aria-labelledby': id, dataset: { breakdown: 'barrier' } },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('colBarrier')),
          h('th', { scope: 'col', class: 'num' }, t('colCount')),
          h('th', { scope: 'col', class: 'num' }, t('colShare')),
          h('th', { scope: 'col', class: 'bar-col' }, h('span', { class: 'visually-hidden' }, t('colBar'))))),
        h('tbody', {}, ...rows.map((r) => {
          const share = typeof r.count === 'number' && fig.contacts ? r.count / fig.contacts : null;
          return h('tr', { dataset: { key: r.key } },
            h('th', { scope: 'row' }, r.label),
            countCell(r.count),
            h('td', { class: 'num' }, share === null ? t('none') : fmt.pct(share)),
            h('td', { class: 'bar-cell' }, bar(share || 0)));
        })))));
    renderCross(fig);
  }

  // One table: a row per barrier, a column per value of the chosen dimension.
  function renderCross(fig) {
    const sel = $('cross-dim');
    if (sel.options.length !== CROSS_DIMS.length || sel.dataset.lang !== i18n.lang) {
      sel.replaceChildren(...CROSS_DIMS.map((d) => h('option', { value: d }, t(`dim.${d}`))));
      sel.dataset.lang = i18n.lang;
    }
    sel.value = app.crossDim;
    const by = fig.barrier_by?.[app.crossDim] || {};
    const values = Object.keys(by);
    const codes = Object.keys(fig.barrier).filter((c) => c !== 'not_recorded');
    const name = (v) => (i18n.has(`${app.crossDim}.${v}`) ? t(`${app.crossDim}.${v}`) : v);
    $('barriers-cross').replaceChildren(scroller('cross-caption', h('table', { class: 'figures cross', dataset: { cross: app.crossDim } },
      h('caption', { id: 'cross-caption' }, t('crossCaption', { dim: t(`dim.${app.crossDim}`) })),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('colBarrier')),
        ...values.map((v) => h('th', { scope: 'col', class: 'num' }, name(v))))),
      h('tbody', {},
        h('tr', { class: 'cross-total', dataset: { key: 'contacts' } }, h('th', { scope: 'row' }, t('crossContacts')),
          ...values.map((v) => countCell(by[v].contacts))),
        ...codes.map((code) => h('tr', { dataset: { key: code } }, h('th', { scope: 'row' }, barrierLabel(code)),
          ...values.map((v) => countCell(by[v].barrier[code]))))))));
  }

  return { renderBarriers, renderCross, barrierLabel };
}
