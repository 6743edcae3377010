// report.js - the period report as one readable page: the survey's own
// figures (who, why, on whose behalf, resolved or referred, where and why,
// and why people are left outside), made from /api/v1/report for the range
// and filters the dashboard shows, to read on screen or print to PDF from
// the browser (supervisor.css has the print layout: one A4 page).
//
// Counts are whole; a count the daemon hid ("< 5") is shown as it is, with
// no share. Rows at zero are left out, so that the page holds what
// happened. The numbers a desk lead is asked for come first: the referral
// rate against the target, the commonest reason and destination, and how
// many citizens helped themselves in the chat widget.

import { h } from '/shared/dom.js';
import { errorText } from '/shared/errors.js';
import { valueLabel } from '/shared/vocabulary.js';

const ORDER = {
  on_behalf: ['self', 'another_person', 'organisation', 'unknown', 'not_recorded'],
  outcome: ['resolved', 'referred', 'abandoned', 'not_recorded'],
  channel: ['phone', 'chat', 'desk', 'widget', 'not_recorded'],
};

const isNum = (n) => typeof n === 'number';

// [[key, {count, share}]] without the zeros, most first (ties in the
// report's order); a hidden count sorts after the shown ones.
function rowsOf(obj, order) {
  const entries = Object.entries(obj || {}).filter(([, v]) => v && v.count !== 0);
  const rank = (k) => (order ? (order.indexOf(k) + 1 || 99) : 0);
  if (order) return entries.sort(([a], [b]) => rank(a) - rank(b));
  return entries.sort(([a, x], [b, y]) => (isNum(y.count) ? y.count : 0.5) - (isNum(x.count) ? x.count : 0.5) || a.localeCompare(b));
}

// The most common key, or null when none is shown as a number.
function top(obj) {
  const best = rowsOf(obj).find(([k, v]) => isNum(v.count) && k !== 'not_recorded' && k !== 'other');
  return best || rowsOf(obj).find(([, v]) => isNum(v.count)) || null;
}

// opts: i18n, fmt, root (the report's element), token(), target() (a share
// or null), barrierLabel(code), destinationLabel(id), periodLabel(rep),
// onBack().
export function createReport(opts) {
  const { i18n, fmt, root } = opts;
  const t = (k, v) => i18n.t(k, v);
  let shown = null; // {query, rangeName, rep}
  let seq = 0;

  const label = (dim, key) => {
    if (dim === 'destination') return opts.destinationLabel(key);
    if (dim === 'barrier') return opts.barrierLabel(key);
    if (dim === 'relation' && key !== 'not_recorded') return valueLabel('relation', key, i18n.lang);
    const k = `${dim}.${key}`;
    return i18n.has(k) ? t(k) : key;
  };

  function table(dim, heading, obj, { note, order } = {}) {
    const rows = rowsOf(obj, order);
    const id = `rep-${dim}-h`;
    return h('section', { class: 'rep-block', 'aria-labelledby': id, dataset: { block: dim } },
      h('h3', { id }, heading),
      rows.length ? h('table', { class: 'rep-table', dataset: { report: dim } },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, heading),
          h('th', { scope: 'col', class: 'num' }, t('colCount')),
          h('th', { scope: 'col', class: 'num' }, t('colShare')))),
        h('tbody', {}, rows.map(([k, v]) => h('tr', { dataset: { key: k } },
          h('th', { scope: 'row' }, label(dim, k)),
          h('td', { class: 'num' }, fmt.count(v.count)),
          h('td', { class: 'num' }, isNum(v.count) && v.share !== null ? fmt.pct(v.share) : t('none'))))))
        : h('p', { class: 'hint' }, t('reportNone')),
      note ? h('p', { class: 'rep-note' }, note) : null);
  }

  // The barriers crossed with one dimension (outcome, category, channel,
  // on whose behalf): a column per value that had contacts, a row per
  // barrier that was recorded. "Of those referred, how many lacked an eID".
  function barriersBy(rep, dim, heading) {
    const by = rep.barrier_by?.[dim] || {};
    const cols = (ORDER[dim] || Object.keys(by)).filter((o) => by[o] && by[o].contacts !== 0);
    const codes = rowsOf(rep.barrier).map(([c]) => c).filter((c) => c !== 'not_recorded');
    if (!cols.length || !codes.length) return null;
    const id = `rep-barrier-by-${dim}-h`;
    return h('section', { class: 'rep-block rep-wide', 'aria-labelledby': id, dataset: { block: `barrier_by_${dim}` } },
      h('h3', { id }, heading),
      h('table', { class: 'rep-table', dataset: { report: `barrier_by_${dim}` } },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('colBarrier')),
          cols.map((o) => h('th', { scope: 'col', class: 'num' }, label(dim, o))))),
        h('tbody', {},
          h('tr', { dataset: { key: 'contacts' } }, h('th', { scope: 'row' }, t('crossContacts')),
            cols.map((o) => h('td', { class: 'num' }, fmt.count(by[o].contacts)))),
          codes.map((c) => h('tr', { dataset: { key: c } }, h('th', { scope: 'row' }, label('barrier', c)),
            cols.map((o) => h('td', { class: 'num' }, fmt.count(by[o].barrier?.[c]?.count))))))));
  }

  function keyFigures(rep) {
    const ref = rep.referral || {};
    const target = opts.target();
    const resolvedOrReferred = isNum(ref.resolved) && isNum(ref.referred) ? ref.resolved + ref.referred : null;
    let targetText = t('targetNone');
    let status = 'none';
    if (target !== null) {
      const tp = fmt.pct(target, 0);
      if (!isNum(ref.rate)) targetText = t('targetNoRate', { target: tp });
      else if (ref.rate <= target + 1e-9) [status, targetText] = ['on', t('targetOn', { target: tp })];
      else [status, targetText] = ['over', t('targetOver', { target: tp })];
    }
    const reason = top(ref.reason);
    const dest = top(ref.destination);
    const self = rep.channel?.widget;
    const rows = [
      ['contacts', t('reportContacts'), fmt.int(rep.total)],
      ['rate', t('reportRate'), [
        h('strong', {}, fmt.pct(ref.rate)), ' ',
        resolvedOrReferred !== null ? `(${t('reportRateOf', { n: fmt.count(ref.referred), m: fmt.int(resolvedOrReferred) })})`
          : `(${t('reportRateOf', { n: fmt.count(ref.referred), m: '?' })})`]],
      ['target', t('reportTarget'), h('span', { class: `target target-${status}`, dataset: { target: status } }, targetText)],
      ['reason', t('reportTopReason'), reason ? `${label('reason', reason[0])} (${fmt.count(reason[1].count)})` : t('reportNone')],
      ['destination', t('reportTopDestination'), dest ? `${label('destination', dest[0])} (${fmt.count(dest[1].count)})` : t('reportNone')],
      ['self', t('reportSelf'), self ? t('reportSelfOf', { n: fmt.count(self.count), m: fmt.int(rep.total),
        p: isNum(self.count) && self.share !== null ? fmt.pct(self.share) : t('none') }) : t('reportNone')],
    ];
    return h('section', { class: 'rep-key', 'aria-labelledby': 'rep-key-h' },
      h('h2', { id: 'rep-key-h' }, t('reportKey')),
      h('dl', { class: 'rep-figures' }, rows.map(([k, dt, dd]) => h('div', { dataset: { figure: k } },
        h('dt', {}, dt), h('dd', {}, dd)))));
  }

  function hasHidden(obj) {
    return JSON.stringify(obj).match(/"(<\s*\d+)"/)?.[1] || null;
  }

  function render() {
    if (!shown) return;
    const { rep, rangeName, error, loading } = shown;
    const heading = h('h1', { id: 'report-h', tabindex: '-1' }, t('reportTitle', { range: rangeName }));
    const tools = h('div', { class: 'rep-tools no-print' },
      h('button', { type: 'button', class: 'primary', id: 'report-print', onclick: () => window.print(), disabled: !rep },
        t('reportPrint')),
      h('button', { type: 'button', class: 'secondary', id: 'report-back', onclick: opts.onBack }, t('reportBack')));
    if (!rep) {
      root.replaceChildren(heading, tools,
        h('p', { class: error ? 'notice notice-error' : 'hint', role: error ? 'alert' : 'status' },
          error ? t('reportFailed', { msg: errorText(i18n.lang, error) }) : loading ? t('reportLoading') : ''));
      root.dataset.state = error ? 'failed' : 'loading';
      return;
    }
    const f = rep.filter || {};
    const lt = hasHidden(rep);
    const country = f.country ? t(`country.${f.country}`) : t('all');
    const channel = f.channel ? t(`channel.${f.channel}`) : t('all');
    root.replaceChildren(...[
      heading,
      h('p', { class: 'rep-meta' },
        f.from && f.to ? `${t('reportDays', { from: fmt.date(f.from), to: fmt.date(f.to) })}. ` : '',
        f.country || f.channel ? t('reportFilter', { country, channel }) : t('reportFilterAll'), ' ',
        t('reportMade', { when: fmt.when(shown.at) })),
      tools,
      keyFigures(rep),
      h('div', { class: 'rep-grid' },
        table('on_behalf', t('reportOnBehalf'), rep.on_behalf, { order: ORDER.on_behalf }),
        table('relation', t('reportRelation'), rep.relation),
        table('age_band', t('reportAge'), rep.age_band),
        table('category', t('reportWhy'), rep.category),
        table('outcome', t('reportOutcome'), rep.outcome, { order: ORDER.outcome }),
        table('channel', t('reportChannel'), rep.channel, { order: ORDER.channel }),
        table('reason', t('reportWhyReferred'), rep.referral?.reason, { note: t('reportOfReferred') }),
        table('destination', t('reportWhere'), rep.referral?.destination, { note: t('reportOfReferred') }),
        table('barrier', t('reportBarriers'), rep.barrier, { note: t('reportOfContacts') }),
        barriersBy(rep, 'outcome', t('reportBarriersBy')),
        barriersBy(rep, 'category', t('reportBarriersByCategory')),
        barriersBy(rep, 'on_behalf', t('reportBarriersByOnBehalf')),
        barriersBy(rep, 'channel', t('reportBarriersByChannel'))),
      lt ? h('p', { class: 'rep-note', dataset: { note: 'small' } }, t('reportSmall', { lt })) : null,
    ].filter(Boolean));
    root.dataset.state = 'shown';
  }

  // query: URLSearchParams of the range and filters; rangeName: how the
  // dashboard calls the range.
  async function show(query, rangeName) {
    const mine = ++seq;
    shown = { query, rangeName, rep: null, loading: true, at: Date.now() };
    render();
    root.querySelector('h1').focus();
    try {
      const qs = String(query);
      const r = await fetch(qs ? `/api/v1/report?${qs}` : '/api/v1/report', {
        headers: { Authorization: `Bearer ${opts.token()}` }, cache: 'no-store', credentials: 'omit' });
      if (!r.ok) {
        let msg = `HTTP ${r.status}`;
        try { msg = (await r.json()).error || msg; } catch { /* not JSON */ }
        throw Object.assign(new Error(msg), { status: r.status });
      }
      const rep = await r.json();
      if (mine !== seq) return;
      shown = { ...shown, rep, loading: false, at: Date.now() };
    } catch (e) {
      if (mine !== seq) return;
      shown = { ...shown, loading: false, error: { status: e.status, message: e.message, name: e.name } };
    }
    const hadFocus = root.contains(document.activeElement);
    render();
    if (hadFocus) root.querySelector('h1').focus();
  }

  return {
    show,
    // A new language: the same report in it (shown.rangeName is the old
    // language's, so the caller passes the new one).
    relabel(rangeName) {
      if (!shown) return;
      if (rangeName) shown.rangeName = rangeName;
      render();
    },
    get shown() { return shown; },
  };
}
