// app.js - the supervisor dashboard: live figures over the websocket.
//
// Sign in (token from #token=… or the form; kept in sessionStorage, never
// put in a URL), say hello as supervisor and "subscribe" to the stats
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

const $ = (id) => document.getElementById(id);

// --- what the browser keeps ---------------------------------------------------

const K = { token: 'vegvisar.supervisor.token', prefs: 'vegvisar.supervisor.prefs' };


// The token: this tab only. Preferences (language, filters, range): the profile.
const token = {
  get: () => read(sessionStorage, K.token, null),
  set: (t) => write(sessionStorage, K.token, t),
  clear: () => write(sessionStorage, K.token, null),
};
const prefs = {
  get: () => read(localStorage, K.prefs, {}),
  update: (patch) => write(localStorage, K.prefs, { ...prefs.get(), ...patch }),
};

// #token=… leaves the address bar at once (and so history and bookmarks).
function takeTokenFromUrl(loc = window.location) {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const t = params.get('token');
  if (!t) return null;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', loc.pathname + loc.search + (rest ? `#${rest}` : ''));
  return t;
}

// --- state --------------------------------------------------------------------

const COUNTRIES = ['no', 'dk'];
const CHANNELS = ['phone', 'chat', 'widget', 'desk'];
const RANGES = ['today', 'hour', 'period'];

const saved = prefs.get();
const app = {
  view: 'signin', // signin | dash
  snap: null,
  filter: {
    country: COUNTRIES.includes(saved.country) ? saved.country : '',
    channel: CHANNELS.includes(saved.channel) ? saved.channel : '',
  },
  range: RANGES.includes(saved.range) ? saved.range : 'today',
  downloading: false,
};

const i18n = new I18n(TEXTS, saved.uiLang || browserLang());
const t = (key, vars) => i18n.t(key, vars);

const client = new ProtocolClient({
  hello: () => ({ type: 'hello', role: 'supervisor', token: token.get() || '', lang: i18n.lang }),
  onReady: subscribe,
});

// --- formatting ---------------------------------------------------------------

const locale = () => LOCALES[i18n.lang] || 'en-GB';
const fmt = {
  int: (n) => new Intl.NumberFormat(locale()).format(n),
  dec: (n) => new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n),
  pct: (r, digits = 1) => (r === null || r === undefined ? t('none')
    : new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(r)),
  time: (d) => new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(d),
  clock: (d) => new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(d),
  when: (ms) => new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'short' }).format(new Date(ms)),
  date: (ymd) => new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric' })
    .format(new Date(`${ymd}T12:00:00`)),
  size: (bytes) => (bytes < 1024 ? `${fmt.int(bytes)} B` : bytes < 1048576 ? `${fmt.dec(bytes / 1024)} KB`
    : `${fmt.dec(bytes / 1048576)} MB`),
};

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

let countdown = null;
let conn = { state: 'stopped' };

function onConnState(detail) {
  conn = { ...detail, since: Date.now() };
  renderConn();
  if (detail.state === 'unauthorized') {
    token.clear();
    showSignIn(t('tokenRefused', { msg: detail.error?.message || t('connUnauthorized') }));
  }
}

function renderConn() {
  const { state, retryIn } = conn;
  const shown = state === 'stopped' && token.get() ? 'connecting' : state;
  const key = { connecting: 'connConnecting', syncing: 'connSyncing', ready: 'connReady', waiting: 'connWaiting',
    unauthorized: 'connUnauthorized', stopped: 'connStopped' }[shown];
  $('conn').dataset.state = shown;
  $('conn-text').textContent = t(key);
  $('conn-retry-now').hidden = state !== 'waiting';
  $('not-live').hidden = state === 'ready' || !app.snap;
  $('dash-view').dataset.live = state === 'ready' ? 'true' : 'false';
  clearInterval(countdown);
  const retry = $('conn-retry');
  retry.textContent = '';
  if (state === 'waiting') {
    // The seconds tick visibly only; a live region would talk every second.
    const until = conn.since + retryIn;
    const tick = () => { retry.textContent = t('retryIn', { s: Math.max(0, Math.ceil((until - Date.now()) / 1000)) }); };
    tick();
    countdown = setInterval(tick, 1000);
  }
}

// --- views --------------------------------------------------------------------

function showSignIn(error = '') {
  app.view = 'signin';
  client.stop();
  $('dash-view').hidden = true;
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
  $('dash-view').hidden = false;
  $('sign-out').hidden = false;
  $('updated-line').hidden = false;
  document.title = `${t('title')} – Vegvisar`;
  renderFilters();
  renderStats();
  if (focus) $('dash-h').focus();
  client.start();
}

function signIn(ev) {
  ev.preventDefault();
  const input = $('token-input');
  const value = input.value.trim();
  if (!value) {
    const err = $('signin-error');
    err.textContent = t('tokenMissing');
    err.hidden = false;
    input.focus();
    return;
  }
  token.set(value);
  input.value = '';
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
    input.labels[0].textContent = r === 'period' && period ? `${t(keys[r])} ${period.id}` : t(keys[r]);
  }
}

// The range shown: the chosen one, unless it is the period and there is none.
function shownRange() {
  return app.range === 'period' && app.snap && !app.snap.period ? 'today' : app.range;
}

async function onFilterChange(ev) {
  const el = ev.target;
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

function tile(key, label, value, ...lines) {
  const id = uniqueId('tile');
  return h('section', { class: 'tile', dataset: { tile: key }, 'aria-labelledby': id },
    h('h3', { id, class: 'tile-label' }, label),
    h('p', { class: 'tile-value' }, value),
    ...lines);
}

function renderTiles(snap) {
  const today = snap.today;
  const period = snap.period;
  const sub = (text) => h('p', { class: 'tile-sub' }, text);
  const o = today.outcome;

  let contactsChange = h('p', { class: 'tile-change change-none' }, t('noCompare'));
  if (period && period.days > 0) {
    const avg = period.contacts / period.days;
    const d = today.contacts - avg;
    contactsChange = Math.abs(d) < 0.05 ? changeLine('same', t('sameAsAvg'))
      : changeLine(d > 0 ? 'up' : 'down', t(d > 0 ? 'moreThanAvg' : 'fewerThanAvg', { d: fmt.dec(Math.abs(d)) }));
  }
  const onBehalf = today.on_behalf.another_person + today.on_behalf.organisation;
  $('tiles').replaceChildren(
    tile('contacts', t('tileContacts'), fmt.int(today.contacts),
      period ? sub(t('periodAvg', { avg: fmt.dec(period.contacts / Math.max(1, period.days)) })) : null, contactsChange),
    tile('referral', t('tileReferral'), fmt.pct(today.referral_rate),
      sub(t('referralOf', { n: fmt.int(o.referred), m: fmt.int(o.resolved + o.referred) })),
      rateChange(today.referral_rate, period?.referral_rate)),
    tile('followed', t('tileFollowed'), fmt.pct(today.suggested.share),
      sub(t('followedOf', { n: fmt.int(today.suggested.followed), m: fmt.int(today.suggested.contacts) })),
      rateChange(today.suggested.share, period?.suggested.share)),
    tile('on-behalf', t('tileOnBehalf'), fmt.pct(today.on_behalf_share),
      sub(t('onBehalfOf', { n: fmt.int(onBehalf), m: fmt.int(today.contacts) })),
      rateChange(today.on_behalf_share, period?.on_behalf_share)),
    tile('hour', t('tileHour'), fmt.int(snap.hour.contacts), sub(t('hourSub', { p: fmt.pct(snap.hour.referral_rate) }))),
  );
  $('period-line').textContent = period
    ? t('periodLine', { id: period.id, from: fmt.date(period.from), to: fmt.date(period.to), days: fmt.int(period.days) })
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
    fmt: { pct: fmt.pct, time: fmt.time }, width: $('chart').clientWidth - 16,
  }));
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

function renderBreakdown(snap) {
  const range = shownRange();
  const fig = snap[range];
  const rangeName = range === 'period' ? `${t('rangePeriod')} ${snap.period.id}` : t(range === 'hour' ? 'rangeHour' : 'rangeToday');
  $('breakdown-h').textContent = t('breakdownHeading', { range: rangeName });
  const referred = fig.outcome.referred;
  $('breakdown').replaceChildren(
    barTable('reasons', t('reasonsHeading'), t('colReason'), referred ? dimRows(fig.reasons, 'reason') : [], referred, t('noReferrals')),
    barTable('destinations', t('destinationsHeading'), t('colDestination'),
      fig.destinations.map((d) => ({ key: d.id, label: d.name || d.id, count: d.count })), referred, t('noReferrals')),
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
  for (const w of RANGES) for (const d of snap[w]?.destinations || []) if (d.name) names.set(d.id, d.name);
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
  if (app.view !== 'dash') return;
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
  return `vegvisar-${kind === 'csv' ? 'contacts' : 'report'}-${parts.join('-')}.${kind === 'csv' ? 'csv' : 'json'}`;
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
  const path = kind === 'csv' ? '/api/v1/contacts.csv' : '/api/v1/report';
  app.downloading = true;
  $('dl-report').disabled = $('dl-csv').disabled = true;
  status.textContent = t('dlBusy', { name });
  try {
    const r = await fetch(`${path}?${q}`, { headers: { Authorization: `Bearer ${tok}` }, cache: 'no-store', credentials: 'omit' });
    if (!r.ok) {
      let msg = `HTTP ${r.status}`;
      try { msg = (await r.json()).error || msg; } catch { /* not JSON */ }
      throw new Error(msg);
    }
    const blob = await r.blob();
    const href = URL.createObjectURL(blob);
    const a = h('a', { href, download: name, class: 'visually-hidden' });
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked later: the browser may still be reading it after click().
    setTimeout(() => URL.revokeObjectURL(href), 60000);
    status.textContent = t('dlDone', { name, size: fmt.size(blob.size) });
  } catch (e) {
    status.textContent = t('dlFailed', { msg: e.message });
  } finally {
    app.downloading = false;
    $('dl-report').disabled = $('dl-csv').disabled = false;
  }
}

// --- chrome and boot ----------------------------------------------------------

function applyChrome() {
  document.documentElement.lang = i18n.lang;
  i18n.apply(document);
  document.title = `${t(app.view === 'dash' ? 'title' : 'signInTitle')} – Vegvisar`;
  renderConn();
  if (app.view === 'dash') {
    renderFilters();
    renderStats();
  }
}

function boot() {
  const urlToken = takeTokenFromUrl();
  if (urlToken) token.set(urlToken);

  const langSelect = $('ui-lang');
  langSelect.replaceChildren(...UI_LANGS.map((l) => h('option', { value: l, lang: l }, LANG_NAMES[l])));
  langSelect.value = i18n.lang;
  langSelect.addEventListener('change', () => {
    prefs.update({ uiLang: langSelect.value });
    i18n.setLang(langSelect.value);
  });
  i18n.addEventListener('change', applyChrome);
  $('signin-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', signOut);
  $('conn-retry-now').addEventListener('click', () => client.retryNow());
  $('filters').addEventListener('change', onFilterChange);
  $('filters').addEventListener('submit', (ev) => ev.preventDefault());
  $('dl-report').addEventListener('click', () => download('report'));
  $('dl-csv').addEventListener('click', () => download('csv'));
  client.addEventListener('state', (ev) => onConnState(ev.detail));
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
