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
//
// The live figures (figures.js), the handoffs (handoffs.js), the barriers
// (barriers.js) and the period report (report.js) are modules; this file
// holds the state, the connection, the views, the filters and downloads.

import { ProtocolClient, ConnectionLost } from '/shared/protocol.js';
import { I18n, browserLang, UI_LANGS, LANG_NAMES } from '/shared/i18n.js';
import { h } from '/shared/dom.js';
import { TEXTS, LOCALES } from './texts.js';
import { read, write } from '/shared/storage.js';
import { formatter, periodName } from './format.js';
import { createReport } from './report.js';
import { createFigures } from './figures.js';
import { createHandoffs } from './handoffs.js';
import { createBarriers, CROSS_DIMS } from './barriers.js';
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

// --- the figures, handoffs and barriers ---------------------------------------
// figures.js, handoffs.js and barriers.js; each takes what it needs from ctx.

const ctx = { app, i18n, t, fmt, $, shownRange, RANGES };
const { renderTiles, renderChart, renderBreakdown, rangeLabel } = createFigures(ctx);
const { renderHandoffs, destinationNames, scroller } = createHandoffs(ctx);
const { renderBarriers, renderCross, barrierLabel } = createBarriers({ ...ctx, scroller });

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
  $('not-live').hidden = connBar.state === 'ready';
  renderTiles(snap);
  renderChart(snap);
  renderBreakdown(snap);
  renderBarriers(snap);
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
