// figures.js - the dashboard's live figures: the tiles (today against the
// period so far, the referral rate against the desk's target), the chart of
// the referral rate through the day and the breakdowns of the shown range.
//
// createFigures(ctx): ctx is the dashboard's wiring (app.js): its state
// (app), i18n and t, fmt (format.js), $ and shownRange.

import { h, uniqueId } from '/shared/dom.js';
import { rateChart, bar } from './chart.js';
import { periodName, destinationName } from './format.js';

export function createFigures(ctx) {
  const { app, i18n, t, fmt, $, shownRange } = ctx;

  function changeLine(dir, text) {
    const arrow = { up: '▲', down: '▼', same: '●' }[dir];
    return h('p', { class: `tile-change change-${dir}` }, h('span', { class: 'arrow', 'aria-hidden': 'true' }, arrow), ' ', text);
  }

  // A rate today against the same rate over the period so far, in points.
  function rateChange(today, period) {
    if (today === null || today === undefined || period === null || period === undefined)
      return h('p', { class: 'tile-change change-none' }, t('noCompare'));
    const d = (today - period) * 100;
    const p = fmt.pct(period);
    if (Math.abs(d) < 0.05) return changeLine('same', t('pointsSame', { p }));
    return changeLine(d > 0 ? 'up' : 'down', t(d > 0 ? 'pointsUp' : 'pointsDown', { d: fmt.dec(Math.abs(d)), p }));
  }

  // A tile: what it is, the figure, one line saying what it counts, then
  // the volumes and the comparison.
  function tile(key, label, value, what, ...lines) {
    const id = uniqueId('tile');
    return h('section', { class: 'tile', dataset: { tile: key }, 'aria-labelledby': id },
      h('h3', { id, class: 'tile-label' }, label),
      h('p', { class: 'tile-value' }, value),
      h('p', { class: 'tile-what' }, what),
      ...lines);
  }

  // The referral rate held against the desk's target, in words and colour
  // (the words alone say it; the colour only repeats them).
  function targetLine(rate) {
    if (app.target === null) return { status: 'none', text: t('targetNone') };
    const target = fmt.pct(app.target, 0);
    if (rate === null || rate === undefined) return { status: 'none', text: t('targetNoRate', { target }) };
    return rate <= app.target + 1e-9 ? { status: 'on', text: t('targetOn', { target }) }
      : { status: 'over', text: t('targetOver', { target }) };
  }

  function renderTiles(snap) {
    const today = snap.today;
    const period = snap.period;
    const sub = (text) => h('p', { class: 'tile-sub' }, text);
    const o = today.outcome;

    let contactsChange = h('p', { class: 'tile-change change-none' }, t('noCompare'));
    if (period && period.days > 0) {
      // People are whole: 42.9 more than the average is 43 more.
      const d = Math.round(today.contacts - period.contacts / period.days);
      contactsChange = d === 0 ? changeLine('same', t('sameAsAvg'))
        : changeLine(d > 0 ? 'up' : 'down', t(d > 0 ? 'moreThanAvg' : 'fewerThanAvg', { d: fmt.int(Math.abs(d)) }));
    }
    const onBehalf = today.on_behalf.another_person + today.on_behalf.organisation;
    const target = targetLine(today.referral_rate);
    const self = today.channel.widget || 0;
    const hour = snap.hour;
    const referral = tile('referral', t('tileReferral'), fmt.pct(today.referral_rate), t('whatReferral'),
      h('p', { class: `target target-${target.status}`, dataset: { target: target.status } }, target.text),
      sub(t('referralOf', { n: fmt.int(o.referred), m: fmt.int(o.resolved + o.referred) })),
      rateChange(today.referral_rate, period?.referral_rate));
    referral.dataset.target = target.status;
    $('tiles').replaceChildren(
      tile('contacts', t('tileContacts'), fmt.int(today.contacts), t('whatContacts'),
        period ? sub(t('periodAvg', { avg: fmt.avg(period.contacts / Math.max(1, period.days)) })) : null, contactsChange),
      referral,
      tile('self-service', t('tileSelf'), fmt.int(self), t('whatSelf'),
        sub(t('selfSub', { n: fmt.int(self), m: fmt.int(today.contacts - self) })),
        sub(t('selfOf', { p: fmt.pct(today.contacts ? self / today.contacts : null) }))),
      tile('followed', t('tileFollowed'), fmt.pct(today.suggested.share), t('whatFollowed'),
        sub(t('followedOf', { n: fmt.int(today.suggested.followed), m: fmt.int(today.suggested.contacts) })),
        rateChange(today.suggested.share, period?.suggested.share)),
      tile('on-behalf', t('tileOnBehalf'), fmt.pct(today.on_behalf_share), t('whatOnBehalf'),
        sub(t('onBehalfOf', { n: fmt.int(onBehalf), m: fmt.int(today.contacts) })),
        rateChange(today.on_behalf_share, period?.on_behalf_share)),
      tile('hour', t('tileHour'), fmt.int(hour.contacts), t('whatHour', { time: fmt.time(new Date(hour.from ?? snap.at - 3600000)) }),
        sub(t('hourSub', { p: fmt.pct(hour.referral_rate), n: fmt.int(hour.outcome.referred),
          m: fmt.int(hour.outcome.resolved + hour.outcome.referred) }))),
    );
    $('period-line').textContent = period
      ? t('periodLine', { name: periodName(i18n, period), from: fmt.date(period.from), to: fmt.date(period.to), days: fmt.int(period.days) })
      : t('noPeriod');
  }

  function renderChart(snap) {
    const series = snap.series;
    const end = series.start + series.points.length * series.step;
    const withRate = series.points.map((p, i) => ({ ...p, at: series.start + i * series.step })).filter((p) => p.rate !== null);
    const last = withRate.at(-1);
    const desc = t('chartDesc', {
      from: fmt.time(new Date(series.start)), to: fmt.time(new Date(end)), n: withRate.length,
      latest: last ? t('chartLatest', { p: fmt.pct(last.rate), time: fmt.time(new Date(last.at)) }) : t('chartNoData'),
    });
    $('chart').replaceChildren(rateChart(series, {
      title: t('chartHeading'), desc, ids: { title: 'chart-title', desc: 'chart-desc' },
      fmt: { pct: fmt.pct, time: fmt.time, int: fmt.int }, width: $('chart').clientWidth - 16,
      volumeLabel: t('chartVolumeAxis'),
    }));
    const max = Math.max(0, ...series.points.map((p) => (p.resolved || 0) + (p.referred || 0)));
    $('chart-volumes').textContent = t('chartVolumes', { max: fmt.int(max) });
    // The same figures as a table, for screen readers.
    if (!withRate.length) {
      $('chart-table').replaceChildren(h('p', {}, t('chartTableEmpty')));
      return;
    }
    $('chart-table').replaceChildren(h('table', {},
      h('caption', {}, t('chartTable')),
      h('thead', {}, h('tr', {}, ...['colTime', 'colResolved', 'colReferred', 'colRate'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, ...withRate.map((p) => h('tr', {},
        h('th', { scope: 'row' }, `${fmt.time(new Date(p.at))}–${fmt.time(new Date(p.at + series.step))}`),
        h('td', {}, fmt.int(p.resolved)), h('td', {}, fmt.int(p.referred)), h('td', {}, fmt.pct(p.rate)))))));
  }

  // One breakdown: a table of label, count, share and an aria-hidden bar.
  function barTable(key, heading, column, rows, of, empty) {
    const id = `${key}-h`;
    const body = rows.length
      ? h('table', { class: 'bars', 'aria-labelledby': id, dataset: { breakdown: key } },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, column),
          h('th', { scope: 'col', class: 'num' }, t('colCount')),
          h('th', { scope: 'col', class: 'num' }, t('colShare')),
          h('th', { scope: 'col', class: 'bar-col' }, h('span', { class: 'visually-hidden' }, t('colBar'))))),
        h('tbody', {}, ...rows.map((r) => h('tr', { dataset: { key: r.key } },
          h('th', { scope: 'row' }, r.label),
          h('td', { class: 'num' }, fmt.int(r.count)),
          h('td', { class: 'num' }, of ? fmt.pct(r.count / of) : t('none')),
          h('td', { class: 'bar-cell' }, bar(of ? r.count / of : 0))))))
      : h('p', { class: 'hint', dataset: { breakdown: key } }, empty);
    return h('section', { class: 'breakdown-card', 'aria-labelledby': id }, h('h3', { id }, heading), body);
  }

  function dimRows(obj, prefix) {
    return Object.entries(obj).map(([k, count]) => ({ key: k, label: i18n.has(`${prefix}.${k}`) ? t(`${prefix}.${k}`) : k, count }));
  }

  function rangeLabel(snap, range = shownRange()) {
    return range === 'period' ? `${t('rangePeriod')}: ${periodName(i18n, snap.period)}` : t(range === 'hour' ? 'rangeHour' : 'rangeToday');
  }

  function renderBreakdown(snap) {
    const range = shownRange();
    const fig = snap[range];
    const rangeName = rangeLabel(snap, range);
    $('breakdown-h').textContent = t('breakdownHeading', { range: rangeName });
    const referred = fig.outcome.referred;
    $('breakdown').replaceChildren(
      barTable('reasons', t('reasonsHeading'), t('colReason'), referred ? dimRows(fig.reasons, 'reason') : [], referred, t('noReferrals')),
      barTable('destinations', t('destinationsHeading'), t('colDestination'),
        fig.destinations.map((d) => ({ key: d.id, label: destinationName(i18n, d), count: d.count })), referred, t('noReferrals')),
      barTable('category', t('categoryHeading'), t('colCategory'), dimRows(fig.category, 'category'), fig.contacts, ''),
      barTable('channel', t('channelHeading'), t('colChannel'), dimRows(fig.channel, 'channel'), fig.contacts, ''),
      barTable('on-behalf', t('onBehalfHeading'), t('colOnBehalf'), dimRows(fig.on_behalf, 'on_behalf'), fig.contacts, ''),
    );
    $('dl-hint').textContent = `${t('downloadHint', { range: rangeName })}${range === 'hour' ? ` ${t('downloadHourNote')}` : ''}`;
  }

  return { renderTiles, renderChart, renderBreakdown, rangeLabel };
}
