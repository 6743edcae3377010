// app.js - the supervisor dashboard: live figures over the websocket.
//
// Sign in (token from #token=… or the form; kept in sessionStorage, never
// put in a URL: shared/token.js, as the agent panel; so is the connection
// bar, shared/connection.js), say hello as supervisor and "subscribe" to the stats
// stream with the chosen country and channel. The reply is a snapshot; the
// daemon pushes a new one within about 50 ms of every logged contact, at
// most twenty a second. After a reconnect the subscription is made again and the
// snapshot replaces whatever was shown. Downloads fetch the report and the
// CSV export with the token in an Authorization header and hand the file
// over as a blob URL: a plain link could not send the header. A desk that
// hands contacts to other desks also sees what those desks said about them
// (referral checks and corrections) and whether delivery works, with a
// warning for dead letters.

import { ProtocolClient, ConnectionLost } from '/shared/protocol.js';
import { I18n, browserLang, UI_LANGS, LANG_NAMES } from '/shared/i18n.js';
import { h, uniqueId } from '/shared/dom.js';
import { TEXTS, LOCALES } from './texts.js';
import { rateChart, bar } from './chart.js';
import { read, write } from '/shared/storage.js';
import { formatter, periodName, destinationName } from './format.js';
import { createReport } from './report.js';
import { sheetCsv, sheetSeparator } from './csv.js';
import { errorText } from '/shared/errors.js';
import { createConnectionBar } from '/shared/connection.js';
import { tabToken, adoptUrlToken, signInSubmit } from '/shared/token.js';

const $ = (id) => document.getElementById(id);

// --- what the browser keeps ---------------------------------------------------

const K = { token: 'vegvisar.supervisor.token', prefs: 'vegvisar.supervisor.prefs' };

// The token: this tab only (shared/token.js). Preferences (language,
// filters, range): the profile.
const token = tabToken(K.token);
const prefs = {
  get: () => read(localStorage, K.prefs, {}),
  update: (patch) => write(localStorage, K.prefs, { ...prefs.get(), ...patch }),
};

// --- state --------------------------------------------------------------------

const COUNTRIES = ['no', 'dk'];
const CHANNELS = ['phone', 'chat', 'widget', 'desk'];
const RANGES = ['today', 'hour', 'period'];
// Until the daemon's config or a desk lead sets one: the referral rate the
// survey's desks aimed at.
const DEFAULT_TARGET = 0.3;

const saved = prefs.get();
const app = {
  view: 'signin', // signin | dash
  snap: null,
  filter: {
    country: COUNTRIES.includes(saved.country) ? saved.country : '',
    channel: CHANNELS.includes(saved.channel) ? saved.channel : '',
  },
  range: RANGES.includes(saved.range) ? saved.range : 'today',
  // The referral rate a desk aims to stay under, as a share (0.3), or null.
  target: 'target' in saved ? (Number.isFinite(saved.target) ? saved.target : null) : DEFAULT_TARGET,
  downloading: false,
  barriers: [], // [{code, label: {lang: text}}] from the welcome
  crossDim: 'outcome', // what the barriers are crossed with on screen
};

const i18n = new I18n(TEXTS, saved.uiLang || browserLang());
const t = (key, vars) => i18n.t(key, vars);

const client = new ProtocolClient({
  hello: () => ({ type: 'hello', role: 'supervisor', token: token.get() || '', lang: i18n.lang }),
  // The welcome brings the barriers' texts (rules/barriers.json).
  onReady: async (welcome) => {
    if (Array.isArray(welcome?.barriers)) app.barriers = welcome.barriers;
    // The desk's target from the daemon's config ("referral_target"), unless
    // this browser has its own (set or cleared in the field below).
    const desk = welcome?.referral_target;
    if (!('target' in prefs.get()) && Number.isFinite(desk) && desk >= 0 && desk <= 1) {
      app.target = desk;
      showTarget();
    }
    await subscribe();
  },
});

// --- formatting ---------------------------------------------------------------

const fmt = formatter(i18n);

// --- the daemon ---------------------------------------------------------------

function sameFilter(f) {
  return (f?.country || '') === app.filter.country && (f?.channel || '') === app.filter.channel;
}

// After every welcome, and when the filters change: the reply is a snapshot.
async function subscribe() {
  const msg = { type: 'subscribe', stream: 'stats' };
  if (app.filter.country) msg.country = app.filter.country;
  if (app.filter.channel) msg.channel = app.filter.channel;
  const snap = await client.request(msg);
  if (sameFilter(snap.filter)) showSnapshot(snap);
}

function onPush(msg) {
  // A push for the filter we just left may cross the new subscription.
  if (msg.type === 'stats' && sameFilter(msg.filter)) showSnapshot(msg);
}

function showSnapshot(snap) {
  app.snap = snap;
  renderStats();
}

// The bar and a refused key (shared/connection.js); the dashboard's part:
// figures not live say so, and a refused key goes back to the sign-in form
// with the dashboard's words for it.
const connBar = createConnectionBar({
  client, i18n, token,
  onRender(state) {
    $('not-live').hidden = state === 'ready' || !app.snap;
    $('dash-view').dataset.live = state === 'ready' ? 'true' : 'false';
  },
  onRefused: (text) => showSignIn(text),
});

// --- views --------------------------------------------------------------------

function showSignIn(error = '') {
  app.view = 'signin';
  client.stop();
  $('dash-view').hidden = true;
  $('report-view').hidden = true;
  $('signin-view').hidden = false;
  $('sign-out').hidden = true;
  $('updated-line').hidden = true;
  const err = $('signin-error');
  err.textContent = error;
  err.hidden = !error;
  $('signin-h').focus();
  document.title = `${t('signInTitle')} – Vegvisar`;
}

// focus: after a sign-in, to the heading; not when the page opens with a
// key already (a wall screen nobody touches needs no focus ring).
function showDashboard({ focus = true } = {}) {
  app.view = 'dash';
  $('signin-view').hidden = true;
  $('report-view').hidden = true;
  $('dash-view').hidden = false;
  $('sign-out').hidden = false;
  $('updated-line').hidden = false;
  document.title = `${t('title')} – Vegvisar`;
  renderFilters();
  renderStats();
  if (focus) $('dash-h').focus();
  client.start();
}

// A key from the sign-in form (shared/token.js's signInSubmit).
function signIn(value) {
  token.set(value);
  showDashboard();
}

function signOut() {
  token.clear();
  app.snap = null;
  showSignIn();
}

// --- filters ------------------------------------------------------------------

function renderFilters() {
  const options = (values, prefix, current) => [
    h('option', { value: '', selected: current === '' }, t('all')),
    ...values.map((v) => h('option', { value: v, selected: current === v }, t(`${prefix}.${v}`))),
  ];
  $('f-country').replaceChildren(...options(COUNTRIES, 'country', app.filter.country));
  $('f-channel').replaceChildren(...options(CHANNELS, 'channel', app.filter.channel));
  $('range-options').replaceChildren(...RANGES.map((r) => h('div', { class: 'range-option' },
    h('input', { type: 'radio', name: 'range', id: `range-${r}`, value: r }),
    h('label', { for: `range-${r}` }))));
  renderRange();
  showTarget();
}

function showTarget() {
  const target = $('f-target');
  if (target && document.activeElement !== target) target.value = app.target === null ? '' : String(Math.round(app.target * 1000) / 10);
}

// Updated in place, never rebuilt, so that a push arriving while someone
// moves through the radios with the arrow keys does not take their focus.
function renderRange() {
  const period = app.snap?.period;
  const keys = { today: 'rangeToday', hour: 'rangeHour', period: 'rangePeriod' };
  for (const r of RANGES) {
    const input = $(`range-${r}`);
    if (!input) continue;
    input.checked = r === shownRange();
    input.disabled = r === 'period' && !period;
    input.labels[0].textContent = r === 'period' && period ? `${t(keys[r])}: ${periodName(i18n, period)}` : t(keys[r]);
  }
}

// The range shown: the chosen one, unless it is the period and there is none.
function shownRange() {
  return app.range === 'period' && app.snap && !app.snap.period ? 'today' : app.range;
}

// The target is typed as a whole percentage; empty means none.
function onTargetInput() {
  const input = $('f-target');
  const raw = input.value.trim();
  const n = Number(raw);
  const ok = raw === '' || (Number.isFinite(n) && n >= 0 && n <= 100);
  $('f-target-error').textContent = ok ? '' : t('targetInvalid');
  if (ok) input.removeAttribute('aria-invalid');
  else input.setAttribute('aria-invalid', 'true');
  if (!ok) return;
  app.target = raw === '' ? null : Math.round(n * 10) / 1000;
  prefs.update({ target: app.target });
  if (app.snap) renderTiles(app.snap);
}

async function onFilterChange(ev) {
  const el = ev.target;
  if (el.name === 'target') return;
  if (el.name === 'range') {
    app.range = el.value;
    prefs.update({ range: app.range });
    renderStats();
    return;
  }
  if (el.name !== 'country' && el.name !== 'channel') return;
  app.filter = { country: $('f-country').value, channel: $('f-channel').value };
  prefs.update(app.filter);
  if (!client.connected) return; // subscribe() runs with it on the next welcome
  try {
    await subscribe();
  } catch (e) {
    if (!(e instanceof ConnectionLost)) console.error('vegvisar: subscribe failed', e);
  }
}

// --- the figures --------------------------------------------------------------

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

// --- handoffs to other desks ----------------------------------------------------
// For a desk with peers the stats message carries referral_checks (what the
// receiving desks said about this desk's handoffs, per destination, and the
// latest corrections) and, with an outbox, delivery (its counters by kind).
// Both are over all time and ignore the filters; see docs/protocol.md,
// "Handoffs between desks".

const KINDS = ['handoff', 'feedback', 'collector'];
const CHECK_COLS = ['sent', 'accepted', 'misrouted', 'unanswered'];
const DELIVERY_COLS = ['pending', 'failed', 'dead_letters', 'delivered'];

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

function renderStats() {
  if (app.view !== 'dash' && app.view !== 'report') return;
  const snap = app.snap;
  const stamp = $('updated');
  $('dash-view').dataset.state = snap ? 'shown' : 'waiting';
  renderRange();
  renderHandoffs(snap);
  if (!snap) {
    stamp.textContent = t('none');
    stamp.removeAttribute('datetime');
    $('tiles').replaceChildren();
    $('period-line').textContent = '';
    $('breakdown-h').textContent = t('breakdownHeading', { range: t('rangeToday') });
    return;
  }
  // When these figures reached the screen (the browser tests compare it
  // with the moment the contact was logged).
  $('dash-view').dataset.renderedAt = String(Date.now());
  stamp.textContent = fmt.clock(new Date(snap.at));
  stamp.setAttribute('datetime', new Date(snap.at).toISOString());
  $('not-live').hidden = conn.state === 'ready';
  renderTiles(snap);
  renderChart(snap);
  renderBreakdown(snap);
  renderBarriers(snap);
}

// --- barriers (issue 21) -------------------------------------------------------
// The snapshot's "barrier" ({code: count}) and "barrier_by" ({dim: {value:
// {contacts, barrier: {code: count}}}}); a count below the desk's threshold
// is the string "< 5", shown as it is and never turned into a share.

const CROSS_DIMS = ['outcome', 'category', 'on_behalf', 'channel'];

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

// --- the period report ------------------------------------------------------------

const report = createReport({
  i18n, fmt, root: $('report-view'),
  token: () => token.get(),
  target: () => app.target,
  barrierLabel,
  destinationLabel: (id) => destinationNames(app.snap || {}).get(id) || id,
  onBack: closeReport,
});

function openReport() {
  if (!app.snap) return;
  app.view = 'report';
  $('dash-view').hidden = true;
  $('report-view').hidden = false;
  report.show(downloadQuery(), rangeLabel(app.snap));
}

function closeReport() {
  app.view = 'dash';
  $('report-view').hidden = true;
  $('dash-view').hidden = false;
  renderStats();
  $('open-report').focus();
}

// --- downloads ----------------------------------------------------------------

function downloadQuery() {
  const snap = app.snap;
  const q = new URLSearchParams();
  if (shownRange() === 'period' && snap?.period) {
    q.set('period', snap.period.id);
  } else {
    const day = snap?.today.date;
    if (day) {
      q.set('from', day);
      q.set('to', day);
    }
  }
  if (app.filter.country) q.set('country', app.filter.country);
  if (app.filter.channel) q.set('channel', app.filter.channel);
  return q;
}

function downloadName(kind, q) {
  const parts = [q.get('period') || (q.get('from') === q.get('to') ? q.get('from') : `${q.get('from')}_${q.get('to')}`),
    q.get('country'), q.get('channel')].filter(Boolean);
  const what = { csv: 'contacts', stories: 'stories' }[kind] || 'report';
  return `vegvisar-${what}-${parts.join('-')}.${kind === 'report' ? 'json' : 'csv'}`;
}

// fetch with the token in the header, then a blob URL the browser saves.
async function download(kind) {
  const status = $('dl-status');
  const tok = token.get();
  if (!tok) {
    status.textContent = t('dlSignIn');
    return;
  }
  if (app.downloading) return;
  const q = downloadQuery();
  const name = downloadName(kind, q);
  // The daemon's CSVs, with the separator of the reader's spreadsheet (csv.js).
  const path = { csv: '/api/v1/contacts.csv', stories: '/api/v1/stories.csv' }[kind] || '/api/v1/report';
  const sep = sheetSeparator(LOCALES[i18n.lang] || 'en-GB');
  app.downloading = true;
  $('dl-report').disabled = $('dl-csv').disabled = $('dl-stories').disabled = true;
  status.textContent = t('dlBusy', { name });
  try {
    const r = await fetch(q ? `${path}?${q}` : path, { headers: { Authorization: `Bearer ${tok}` }, cache: 'no-store', credentials: 'omit' });
    if (!r.ok) {
      let msg = `HTTP ${r.status}`;
      try { msg = (await r.json()).error || msg; } catch { /* not JSON */ }
      throw Object.assign(new Error(msg), { status: r.status });
    }
    const blob = kind === 'report' ? await r.blob()
      : new Blob([sheetCsv(await r.text(), sep)], { type: 'text/csv;charset=utf-8' });
    const href = URL.createObjectURL(blob);
    const a = h('a', { href, download: name, class: 'visually-hidden' });
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked later: the browser may still be reading it after click().
    setTimeout(() => URL.revokeObjectURL(href), 60000);
    status.textContent = kind === 'report' ? t('dlDone', { name, size: fmt.size(blob.size) })
      : t('dlCsvDone', { name, size: fmt.size(blob.size), sep });
  } catch (e) {
    status.textContent = t('dlFailed', { msg: errorText(i18n.lang, e) });
  } finally {
    app.downloading = false;
    $('dl-report').disabled = $('dl-csv').disabled = $('dl-stories').disabled = false;
  }
}

// --- chrome and boot ----------------------------------------------------------

function applyChrome() {
  document.documentElement.lang = i18n.lang;
  i18n.apply(document);
  document.title = `${t(app.view === 'dash' ? 'title' : 'signInTitle')} – Vegvisar`;
  connBar.render();
  if (app.view === 'dash' || app.view === 'report') {
    renderFilters();
    renderStats();
  }
  if (app.view === 'report') report.relabel(app.snap ? rangeLabel(app.snap) : undefined);
}

function boot() {
  adoptUrlToken(token);

  const langSelect = $('ui-lang');
  langSelect.replaceChildren(...UI_LANGS.map((l) => h('option', { value: l, lang: l }, LANG_NAMES[l])));
  langSelect.value = i18n.lang;
  langSelect.addEventListener('change', () => {
    prefs.update({ uiLang: langSelect.value });
    i18n.setLang(langSelect.value);
  });
  i18n.addEventListener('change', applyChrome);
  $('signin-form').addEventListener('submit', signInSubmit($('token-input'), {
    onToken: signIn,
    onEmpty() {
      $('signin-error').textContent = t('tokenMissing');
      $('signin-error').hidden = false;
      $('token-input').focus();
    },
  }));
  $('sign-out').addEventListener('click', signOut);
  $('filters').addEventListener('change', onFilterChange);
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());
  $('dl-report').addEventListener('click', () => download('report'));
  $('open-report').addEventListener('click', openReport);
  $('f-target').addEventListener('input', onTargetInput);
  $('dl-csv').addEventListener('click', () => download('csv'));
  $('dl-stories').addEventListener('click', () => download('stories'));
  $('cross-dim').addEventListener('change', (ev) => {
    app.crossDim = CROSS_DIMS.includes(ev.target.value) ? ev.target.value : 'outcome';
    if (app.snap) renderCross(app.snap[shownRange()]);
  });
  client.addEventListener('message', (ev) => onPush(ev.detail));
  applyChrome();

  // The chart is drawn for its width: again when that changes.
  let lastWidth = 0;
  new ResizeObserver(() => {
    const w = $('chart').clientWidth;
    if (app.view === 'dash' && app.snap && w && Math.abs(w - lastWidth) > 8) {
      lastWidth = w;
      renderChart(app.snap);
    }
  }).observe($('chart'));

  if (token.get()) showDashboard({ focus: false });
  else showSignIn();
}

boot();
