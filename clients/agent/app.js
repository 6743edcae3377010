// app.js - the agent panel: state, the daemon, keys and focus.
//
// The flow: sign in (token from #token=… or the form) → start form → one
// question at a time → result → finish form → logged. The walk lives in the
// daemon; session.js keeps the record that lets the daemon rebuild it after a
// restart, store.js keeps that record and the outbox of finished contacts.
// A contact shows "logged" only when the daemon said `logged`; until then it
// stays in the outbox and is sent again, always with the same key.
//
// Keys: 1–9 answer, Backspace or Alt+← go back, / searches, Ctrl+Enter opens
// the finish form and, there, logs the contact; q goes to the queue of
// citizens waiting for a person (arrow keys, Enter takes one over), c to the
// field for the code a caller reads out.
//
// Handovers (queue.js): after every welcome the panel subscribes to the
// queue; the daemon then pushes each change (an item added or removed), not
// the whole queue. Taking
// one gives the citizen's own session as a step, which from then on is this
// panel's session like any other (see session.createTakenRecord for what the
// record holds and why back stops at the citizen's answers).
//
// Handoffs between desks (docs/protocol.md): the finish form asks for the
// caller's consent on a referral (sent as "consent": true only when ticked)
// and the logged screen gives the code the caller says at the other desk, or
// says that nothing was handed over. The daemon does not tell the panel
// which destinations have a peer desk, so the question is asked for every
// referral; a welcome with "handoff_destinations" (a list of destination
// ids; not in the protocol yet) narrows it to those. A handoff another desk
// sent waits in the same queue (kind "handoff"); its session's finish form
// asks whether the referral was right (referral_check, and for a misrouted
// one correct_destination, found by search).

import { ProtocolClient, ProtocolError, ConnectionLost } from '/shared/protocol.js';
import { I18n, browserLang, UI_LANGS, LANG_NAMES } from '/shared/i18n.js';
import { h, announce, isTyping, randomHex } from '/shared/dom.js';
import { factName } from '/shared/vocabulary.js';
import { TEXTS } from './texts.js';
import * as store from './store.js';
import * as S from './session.js';
import * as screens from './screens.js';
import { createSearch } from './search.js';
import { createQueue } from './queue.js';
import { FinishSender } from './sender.js';
import * as K from './keys.js';
import { createChatPane } from './chat.js';
import { createCallbacks } from './callbacks.js';
import { keepLogged, restoreLogged } from './logged.js';
import { errorText } from '/shared/errors.js';

const $ = (id) => document.getElementById(id);
const main = $('screen'); // what each screen replaces; inside <main>
const announcer = $('announcer');
const noticeEl = $('notice');

const NOTE_MAX_BYTES = 4000;

const app = {
  screen: 'connecting', // connecting | signin | start | step | finish | logged
  rec: store.session.get(),
  welcome: null,
  busy: false,
  signInError: '',
  startValues: null,
  startError: '',
  // While the finish screen is up: {key (once submitted), values, state
  // (editing | sending | waiting | retrying), error, fieldError, retryMessage,
  // summary}.
  finish: null,
  pendingDestination: null, // a destination picked in search before the form opened
  logged: null,
  confirmTake: null, // the code whose Take must be pressed again (a walk is in progress)
};

const prefs = store.prefs.get();
// The single-key shortcuts as the agent set them (keys.js).
let keys = K.normalize(prefs.keys);
// A narrow panel (beside the phone software): the queue folds during a walk.
const narrow = window.matchMedia('(max-width: 40rem)');
const i18n = new I18n(TEXTS, prefs.uiLang || (app.rec && UI_LANGS.includes(app.rec.lang) ? app.rec.lang : browserLang()));
// The daemon's errors in the panel's language, by code (shared/errors.js).
const errText = (e) => errorText(i18n.lang, e);

const client = new ProtocolClient({
  hello: () => ({ type: 'hello', role: 'agent', token: store.token.get() || '', lang: i18n.lang }),
  onReady: sync,
});

// --- small helpers ----------------------------------------------------------

function say(text) {
  announce(announcer, text);
}

function notice(text, kind = 'error') {
  noticeEl.textContent = text;
  noticeEl.className = `notice notice-${kind}`;
  noticeEl.hidden = !text;
}

function saveRec() {
  if (app.rec) store.session.set(app.rec);
  else store.session.clear();
}

function focusHeading() {
  const h1 = main.querySelector('h1');
  if (h1) h1.focus();
}

// Which element had focus, in terms that survive a re-render.
function focusKey() {
  const el = document.activeElement;
  if (!el || !main.contains(el) || el === main) return null;
  if (el.closest('.dest-search')) return '.dest-search input';
  if (el.closest('.correct-search')) return '.correct-search input';
  if (el.name && el.type === 'radio') return `input[name="${el.name}"][value="${CSS.escape(el.value)}"]`;
  if (el.id && !/^(search|vv|country|channel|lang|outcome)-\d/.test(el.id)) return `#${CSS.escape(el.id)}`;
  if (el.dataset.value) return `[data-value="${CSS.escape(el.dataset.value)}"]`;
  if (el.dataset.fact) return `[data-fact="${CSS.escape(el.dataset.fact)}"]`;
  if (el.type === 'submit') return 'button[type="submit"]';
  if (el.tagName === 'H1') return 'h1';
  return null;
}

function defaultStartValues() {
  const p = store.prefs.get();
  const country = p.country || (i18n.lang === 'da' ? 'dk' : 'no');
  return { country, channel: p.channel || 'phone', lang: p.lang || i18n.lang, facts: {} };
}

function currentStartValues() {
  const form = main.querySelector('form.start');
  if (form) return screens.readStart(form);
  return app.startValues || defaultStartValues();
}

// --- rendering --------------------------------------------------------------

function captureForms() {
  const start = main.querySelector('form.start');
  if (start) app.startValues = screens.readStart(start);
  const finish = main.querySelector('form.finish');
  if (finish && app.finish && app.finish.state === 'editing')
    app.finish.values = { ...app.finish.values, ...screens.readFinish(finish) };
}

// The number waiting comes first in the tab's title, so a desk sees the
// queue from another tab too.
function updateTitle() {
  const n = Number($('queue-badge').dataset.count || 0);
  document.title = `${n ? `(${n}) ` : ''}${main.querySelector('h1')?.textContent || ''} – ${i18n.t('title')}`;
}

function render({ focus = false } = {}) {
  const keep = focus ? null : focusKey();
  captureForms();
  const el = build();
  main.replaceChildren(el);
  updateTitle();
  const out = app.screen === 'signin' || !store.token.get();
  keepLogged(out ? null : app.logged); // for a reload within the correction window (logged.js)
  $('search-region').hidden = out;
  queue.root.hidden = out;
  chatPane.render();
  if (out) callbacksList.root.hidden = true;
  else callbacksList.relabel();
  $('queue-button').hidden = out;
  $('sign-out').hidden = !store.token.get();
  foldQueue();
  if (focus) focusHeading();
  else if (keep) main.querySelector(keep)?.focus();
}

// In a narrow panel the queue folds to one line while a walk or a finish is
// on screen. Only the queue: a resize must not rebuild the screen under the
// agent's typing.
function foldQueue() {
  queue.setFolded((app.screen === 'step' || app.screen === 'finish') && narrow.matches);
}

function show(screen) {
  app.screen = screen;
  setConfirmTake(null);
  notice('');
  render({ focus: true });
}

function build() {
  switch (app.screen) {
  case 'signin':
    return screens.signIn(i18n, { error: app.signInError }, { onSubmit: signIn });
  case 'start':
    return screens.start(i18n, {
      values: app.startValues || defaultStartValues(),
      welcome: app.welcome,
      pending: store.outbox.all(),
      error: app.startError,
    }, {
      onSubmit: (v) => startContact(v),
      onChange: (v) => { app.startValues = v; render(); },
      onOpenPending: openPending,
    });
  case 'step':
    return screens.step(i18n, app.rec, {
      optionKeys: keys.on ? K.optionKeys(keys) : null,
      onAnswer: answer, onBack: back, onFinish: openFinish, onChangeFact: changeFact, onCopy: copy,
      onForget: forgetUnderstood,
    });
  case 'finish':
    return buildFinish();
  case 'logged':
    return screens.logged(i18n, { ...app.logged, canCorrect: canCorrect() }, { onNew: newContact, onCorrect: openCorrect });
  default:
    return screens.connecting(i18n);
  }
}

// --- connection -------------------------------------------------------------

let countdown = null;
let conn = { state: 'stopped', retryIn: 0 };

function onConnState(detail) {
  conn = detail;
  renderConn();
  queue.setStale(!client.connected);
  if (detail.state === 'waiting' && app.finish?.state === 'sending') setFinishState('waiting');
  if (detail.state === 'unauthorized') {
    store.token.clear();
    // The daemon's reason is in English: the panel says it in its own words.
    app.signInError = i18n.t('tokenNotAccepted');
    show('signin');
  }
}

function renderConn() {
  const { state, retryIn } = conn;
  const shown = state === 'stopped' && store.token.get() ? 'connecting' : state;
  const key = { connecting: 'connConnecting', syncing: 'connSyncing', ready: 'connReady', waiting: 'connWaiting',
    unauthorized: 'connUnauthorized', stopped: 'connStopped' }[shown];
  $('conn').dataset.state = shown;
  $('conn-text').textContent = i18n.t(key);
  clearInterval(countdown);
  const retry = $('conn-retry');
  retry.textContent = '';
  $('conn-retry-now').hidden = state !== 'waiting';
  if (state === 'waiting') {
    // The seconds tick visibly only: a live region that changed every
    // second would talk over everything else.
    const until = (conn.since ??= Date.now()) + retryIn;
    const tick = () => {
      retry.textContent = i18n.t('retryIn', { s: Math.max(0, Math.ceil((until - Date.now()) / 1000)) });
    };
    tick();
    countdown = setInterval(tick, 1000);
  }
}

// After every welcome: first send what is waiting in the outbox (a finished
// contact matters more than the walk on screen), then bring the session in
// progress back.
async function sync(welcome) {
  app.welcome = welcome;
  // The barriers' texts come with the welcome: a finish form shown before
  // it (restored at start) gets its check boxes now.
  if (app.screen === 'finish' && !main.querySelector('input[name="barriers"]')) render();
  await subscribeQueue();
  await callbacksList.subscribe();
  await sender.flush(true);
  // A chat taken before a reload or a dropped connection: taken again, and
  // what was missed comes after.
  await chatPane.rejoin();
  if (app.rec) await resumeSession();
  if (app.screen === 'connecting') show(app.rec ? 'step' : 'start');
  else if (app.screen === 'start') render();
}

async function resumeSession() {
  const rec = app.rec;
  const before = JSON.stringify(rec.lastStep?.path);
  let step;
  try {
    step = await client.request({ type: 'resume', session: rec.id, restore: S.restoreOf(rec) });
  } catch (e) {
    if (e instanceof ConnectionLost) throw e;
    // The daemon cannot continue this walk (another token, rules that no
    // longer fit the steps): say so and start afresh.
    app.rec = null;
    saveRec();
    app.startError = i18n.t('resumeFailed', { msg: errText(e) });
    if (app.screen === 'step' || app.screen === 'connecting') show('start');
    return;
  }
  if (app.rec !== rec) return;
  S.reconcile(rec, step);
  saveRec();
  if (app.screen === 'step' && JSON.stringify(step.path) !== before) showStep();
  else if (app.screen === 'step') render();
}

// Run an action that talks to the daemon: one at a time, only when connected.
async function act(fn) {
  if (client.state !== 'ready') {
    notice(i18n.t('notConnected'), 'info');
    return;
  }
  if (app.busy) {
    say(i18n.t('busy'));
    return;
  }
  app.busy = true;
  try {
    await fn();
  } catch (e) {
    if (e instanceof ConnectionLost) notice(i18n.t('notConnected'), 'info');
    else if (e instanceof ProtocolError) notice(i18n.t('serverError', { msg: errText(e) }));
    else {
      console.error(e);
      notice(String(e));
    }
  } finally {
    app.busy = false;
  }
}

// --- sign-in and start ------------------------------------------------------

function signIn(token) {
  store.token.set(token);
  app.signInError = '';
  show('connecting');
  client.start();
}

function signOut() {
  client.stop();
  store.token.clear();
  show('signin');
}

async function startSession(values, understood = null) {
  const msg = { type: 'start', country: values.country, channel: values.channel, lang: values.lang };
  if (Object.keys(values.facts || {}).length) msg.facts = values.facts;
  if (values.text) msg.text = values.text;
  const step = await client.request(msg);
  // What the words gave is replayed as facts if the daemon must restore the
  // walk: the text itself is kept nowhere.
  app.rec = S.createRecord(step, values.text ? { ...values, facts: step.facts } : values);
  app.rec.understood = understood || step.understood || [];
  app.pendingDestination = null;
  saveRec();
  store.prefs.update({ country: values.country, channel: values.channel, lang: values.lang });
  // The interface follows the conversation's language unless chosen.
  if (!store.prefs.get().uiLang && UI_LANGS.includes(step.lang)) setUiLang(step.lang, false);
}

function startContact(values) {
  app.startValues = values;
  act(async () => {
    try {
      await startSession(values);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      app.startError = i18n.t('serverError', { msg: errText(e) });
      render();
      return;
    }
    app.startError = '';
    showStep();
  });
}

// --- the walk ---------------------------------------------------------------

function showStep({ taken, back: wentBack } = {}) {
  app.screen = 'step';
  setConfirmTake(null);
  notice('');
  render({ focus: true });
  const s = app.rec.lastStep;
  const what = s.question ? s.question.text : s.result.destination?.name || s.result.node;
  const text = wentBack ? i18n.t('backTo', { text: what })
    : s.question ? i18n.t('newStep', { text: what }) : i18n.t('resultAnnounce', { name: what });
  say(taken ? i18n.t('takenAnnounce', { code: taken, text }) : text);
  // A case taken over: its heading to the top, under the bar.
  if (taken) scrollToHeading();
}

function scrollToHeading() {
  const h1 = main.querySelector('h1');
  if (!h1) return;
  const bar = document.querySelector('.topbar').getBoundingClientRect().bottom;
  window.scrollTo({ top: Math.max(0, window.scrollY + h1.getBoundingClientRect().top - bar - 8), behavior: 'instant' });
}

// Send one move and record it once the daemon confirmed it. A move whose
// reply is lost stays `pending` in the record; resume settles it.
async function move(m) {
  const rec = app.rec;
  const msg = m.kind === 'answer' ? { type: 'answer', value: m.value }
    : m.kind === 'jump' ? { type: 'jump', node: m.node } : { type: 'back' };
  rec.pending = m;
  saveRec();
  let step;
  try {
    step = await client.request({ ...msg, session: rec.id });
  } catch (e) {
    if (!(e instanceof ConnectionLost)) {
      rec.pending = null;
      saveRec();
    }
    throw e;
  }
  S.applyMove(rec, m, step);
  saveRec();
  return step;
}

function answer(value) {
  const q = app.rec?.lastStep?.question;
  const option = q?.options.find((o) => o.value === value);
  if (!option) return;
  act(async () => {
    await move({ kind: 'answer', value, node: q.node, fact: q.fact, label: option.label });
    showStep();
  });
}

function back() {
  if (!app.rec) return;
  if (!app.rec.steps.length) {
    notice(i18n.t('nothingBack'), 'info');
    return;
  }
  act(async () => {
    await move({ kind: 'back' });
    showStep({ back: true });
  });
}

// A fact read wrongly from the caller's words: the walk starts again from
// every fact it holds but that one (answers included), so it goes on where
// it was, without it.
function forgetUnderstood(fact) {
  const rec = app.rec;
  const facts = { ...(rec.lastStep?.facts || {}) };
  delete facts[fact];
  const values = { country: rec.country, channel: rec.channel, lang: rec.lang, facts };
  act(async () => {
    await startSession(values, rec.understood.filter((u) => u.fact !== fact));
    showStep();
  });
}

// Change the answer to one fact of the trail. See session.planChange for
// why an answered fact is changed by going back and a fact given at start
// by a jump. A fact given at start whose question this walk never showed
// has no node to jump to (the engine never asks a known fact, so it is not
// on the path): the walk starts again from the facts given at start but
// that one, which is where backing out every move and jumping to its
// question would have led. Not for a walk taken over from the widget or
// another desk: that session is the one to finish, so it says so instead.
async function restartWithout(rec, fact) {
  const facts = { ...rec.facts };
  delete facts[fact];
  await startSession({ country: rec.country, channel: rec.channel, lang: rec.lang, facts },
    (rec.understood || []).filter((u) => u.fact !== fact && u.fact in facts));
  showStep();
}

function changeFact(fact) {
  act(async () => {
    const rec = app.rec;
    const plan = S.planChange(rec, fact);
    if (plan.kind === 'current') {
      focusHeading();
      return;
    }
    if (plan.kind === 'back') {
      for (let i = 0; i < plan.count; i++) await move({ kind: 'back' });
      showStep();
      return;
    }
    let target = null;
    for (const c of plan.kind === 'jump' ? plan.candidates : []) {
      if (c.known) {
        target = c;
        break;
      }
      const probe = await move({ kind: 'jump', node: c.node });
      await move({ kind: 'back' });
      if (probe.question?.fact === fact) {
        target = c;
        break;
      }
    }
    if (!target) {
      if (fact in rec.facts && !rec.handover && !rec.handoff) await restartWithout(rec, fact);
      else notice(i18n.t('notAsked', { fact: factName(fact, i18n.lang) }), 'info');
      return;
    }
    const backs = S.backsToKeep(rec, target.index);
    for (let i = 0; i < backs; i++) await move({ kind: 'back' });
    await move({ kind: 'jump', node: target.node });
    showStep();
  });
}

async function copy(number) {
  try {
    await navigator.clipboard.writeText(number);
  } catch {
    // No clipboard API outside secure contexts: the old way.
    const ta = h('textarea', { class: 'visually-hidden', readonly: true, 'aria-hidden': 'true' }, number);
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    if (!ok) {
      notice(i18n.t('copyFailed'));
      return;
    }
  }
  notice(i18n.t('copied', { number }), 'info');
}

// --- search -----------------------------------------------------------------

function searchContext() {
  // Inside a walk the daemon ranks the results that fit its facts first.
  if (app.rec) return { country: app.rec.country, lang: app.rec.lang, session: app.rec.id };
  const v = currentStartValues();
  return { country: v.country, lang: v.lang };
}

async function runSearch(q) {
  if (!client.connected) throw new ConnectionLost();
  const reply = await client.request({ type: 'search', q, ...searchContext() });
  return reply.items || [];
}

const kindLabel = (kind) => (i18n.has(`kind_${kind}`) ? i18n.t(`kind_${kind}`) : kind);

// A destination hit cannot be jumped to (it is no node): in the main search
// it becomes the destination of the finish form.
function pickHit(item) {
  if (item.kind === 'destination' || !item.node) {
    const id = item.destination || item.node;
    if (!id) return;
    setDestination({ id, name: item.title || id });
    say(i18n.t('destinationPicked', { name: item.title || id }));
    return;
  }
  act(async () => {
    if (!app.rec) await startSession(currentStartValues());
    await move({ kind: 'jump', node: item.node });
    mainSearch.reset();
    showStep();
  });
}

const mainSearch = createSearch({
  i18n, label: 'search', shortcut: '/', className: 'main-search',
  run: runSearch, pick: pickHit, kindLabel, onEscape: focusHeading,
});

// --- finish -----------------------------------------------------------------

let destinationSearch = null;
let correctSearch = null;
let finishForm = null;

function setDestination(d) {
  if (!app.finish) app.pendingDestination = d;
  else {
    app.finish.values.destination = d;
    finishForm?.showChosen(d);
  }
}

// Where a misrouted caller should have been sent (the referral check).
function setCorrectDestination(d) {
  if (!app.finish) return;
  app.finish.values.correct_destination = d;
  finishForm?.showCorrect(d);
  say(i18n.t('destinationChosen', { name: d.name || d.id }));
}

// The destinations that have a peer desk, if the daemon says which
// (welcome "handoff_destinations"); null when it does not say.
function peerDestinations() {
  const list = app.welcome?.handoff_destinations;
  return Array.isArray(list) ? new Set(list) : null;
}

function summaryOf(rec) {
  const s = rec.lastStep || {};
  return s.result ? s.result.destination?.name || s.result.node : s.question?.text || '';
}

function openFinish() {
  if (!app.rec || app.screen !== 'step') return;
  const values = screens.finishDefaults(app.rec);
  if (app.pendingDestination) values.destination = app.pendingDestination;
  app.pendingDestination = null;
  app.finish = { key: null, values, state: 'editing', error: '', summary: summaryOf(app.rec),
    handoff: app.rec.handoff || null };
  show('finish');
  say(i18n.t('finishTitle'));
}

function buildFinish() {
  destinationSearch = createSearch({
    i18n, label: 'destinationSearch', className: 'dest-search', run: runSearch, kindLabel,
    filter: (item) => item.kind === 'destination' && !!(item.destination || item.node),
    pick: (item) => setDestination({ id: item.destination || item.node, name: item.title }),
    // Without search the agent can still type a destination id.
    fallback: (text) => setDestination({ id: text, name: text }),
  });
  correctSearch = app.finish.handoff ? createSearch({
    i18n, label: 'correctSearch', className: 'correct-search', run: runSearch, kindLabel,
    filter: (item) => item.kind === 'destination' && !!(item.destination || item.node),
    pick: (item) => setCorrectDestination({ id: item.destination || item.node, name: item.title }),
    fallback: (text) => setCorrectDestination({ id: text, name: text }),
  }) : null;
  finishForm = screens.finish(i18n, app.finish, {
    destinationSearch,
    correctSearch,
    peers: app.finish.correcting ? new Set() : peerDestinations(),
    barriers: app.welcome?.barriers || [],
    channel: app.rec?.channel || store.outbox.get(app.finish.key)?.record?.channel || 'phone',
    onSubmit: submitFinish,
    onBackToWalk: backToWalk,
  });
  return finishForm;
}

// A field the form cannot send as it is: its error goes under it and focus
// goes to it, so the error is read with the field.
function finishError(field, text, selector) {
  app.finish.fieldError = { field, text };
  render();
  main.querySelector(selector)?.focus();
}

function submitFinish(values) {
  const f = app.finish;
  if (!f || f.state !== 'editing') return;
  if (f.correcting) return submitCorrect(values);
  f.values = { ...f.values, ...values };
  f.fieldError = null;
  const v = f.values;
  if (!v.outcome) return finishError('outcome', i18n.t('needOutcome'), 'input[name="outcome"]');
  if (v.outcome === 'referred' && !v.referral_reason)
    return finishError('referral_reason', i18n.t('needReason'), '#referral_reason');
  if (v.outcome === 'referred' && !v.destination)
    return finishError('destination', i18n.t('needDestination'), '.dest-search input');
  if (f.handoff && v.referral_check === 'misrouted' && !v.correct_destination)
    return finishError('correct_destination', i18n.t('needCorrect'), '.correct-search input');
  const bytes = new TextEncoder().encode(v.note || '').length;
  if (bytes > NOTE_MAX_BYTES) return finishError('note', i18n.t('noteTooLong', { n: bytes }), '#note');
  const storyBytes = new TextEncoder().encode(v.story || '').length;
  if (storyBytes > NOTE_MAX_BYTES) return finishError('story', i18n.t('storyTooLong', { n: storyBytes }), '#story');

  const finish = { outcome: v.outcome };
  if (v.outcome === 'referred') {
    finish.destination = v.destination.id;
    finish.referral_reason = v.referral_reason;
    // Only when the agent ticked it, for a destination it applies to.
    if (v.consent && screens.consentApplies(peerDestinations(), v.destination.id)) finish.consent = true;
  }
  if (f.handoff && (v.referral_check === 'accepted' || v.referral_check === 'misrouted')) {
    finish.referral_check = v.referral_check;
    if (v.referral_check === 'misrouted') finish.correct_destination = v.correct_destination.id;
  }
  for (const k of ['on_behalf', 'relation', 'age_band', 'note']) if (v[k]) finish[k] = v[k];
  // The survey's second half: barriers as codes, a story kept apart.
  if (v.barriers?.length) finish.barriers = v.barriers;
  if (v.story?.trim()) finish.story = v.story;

  let entry = f.key ? store.outbox.get(f.key) : null;
  if (!entry && !app.rec) {
    // The walk was lost meanwhile (the daemon could not restore it).
    f.error = app.startError || i18n.t('notConnected');
    render();
    return;
  }
  if (!entry) {
    const rec = app.rec;
    entry = { key: randomHex(16), session: rec.id, restore: S.restoreOf(rec), record: rec, created: Date.now(),
      summary: f.summary, handoff: f.handoff || null };
  }
  Object.assign(entry, { finish, values: v, status: 'pending', error: '', attempts: 0 });
  // From here the outbox holds the contact: the walk is over.
  store.outbox.put(entry);
  store.finishing.set(entry.key);
  app.rec = null;
  saveRec();
  f.key = entry.key;
  f.error = '';
  setFinishState(client.connected ? 'sending' : 'waiting');
  updateOutboxStatus();
  sender.send(entry.key, { resume: false });
}

function setFinishState(state, error = '') {
  if (!app.finish) return;
  app.finish.state = state;
  if (error || state !== 'editing') app.finish.error = error;
  if (app.screen === 'finish') render();
  if (app.screen === 'finish' && !main.contains(document.activeElement)) focusHeading();
}

// Back from an unsent finish form to the walk; a contact the daemon refused
// (nothing stored) goes back to being the session in progress.
function backToWalk() {
  const f = app.finish;
  if (f?.correcting) {
    app.finish = null;
    show('logged');
    return;
  }
  if (f?.key) {
    const entry = store.outbox.get(f.key);
    if (entry?.status !== 'error') return;
    app.rec = entry.record;
    saveRec();
    store.outbox.remove(f.key);
    store.finishing.set(null);
    updateOutboxStatus();
  }
  app.finish = null;
  if (app.rec) showStep();
  else show('start');
}

function openPending(key) {
  const entry = store.outbox.get(key);
  if (!entry) return;
  app.finish = { key, values: entry.values, summary: entry.summary, handoff: entry.handoff || null,
    state: entry.status === 'error' ? 'editing' : client.connected ? 'sending' : 'waiting',
    error: entry.status === 'error' ? i18n.t('finishRefused', { msg: errText({ code: entry.errorCode, message: entry.error }) }) : '' };
  store.finishing.set(key);
  show('finish');
  if (entry.status !== 'error') sender.send(key, { resume: true });
}

const sender = new FinishSender(client, {
  state(key, state, message) {
    if (app.finish?.key !== key || app.finish.state === state) return;
    app.finish.retryMessage = message ? errText(message) : '';
    setFinishState(state);
  },
  logged,
  refused(entry) {
    updateOutboxStatus();
    if (app.finish?.key === entry.key) {
      setFinishState('editing', i18n.t('finishRefused', { msg: errText({ code: entry.errorCode, message: entry.error }) }));
      main.querySelector('.form-error')?.scrollIntoView({ block: 'nearest' });
    }
  },
});

function logged(entry, reply) {
  const handoff = reply.handoff?.code || null;
  store.lastLogged.set({ key: entry.key, contact: reply.contact, duplicate: !!reply.duplicate, handoff });
  updateOutboxStatus();
  if (app.finish?.key === entry.key) {
    store.finishing.set(null);
    app.finish = null;
    // With a handoff the caller needs its code, so the screen says it.
    app.logged = { contact: reply.contact, key: entry.key, handoff, consent: !!entry.finish.consent,
      duplicate: !!reply.duplicate, destination: entry.values?.destination || null,
      stored: { ...entry.finish }, barrierLabels: barrierLabels(entry.finish.barriers),
      values: { ...entry.values, story: '' }, version: 1,
      correctUntil: Date.now() + (app.welcome?.correct_window_seconds || 0) * 1000 };
    watchCorrectWindow();
    show('logged');
    const about = screens.loggedHandoffText(i18n, app.logged);
    say(`${i18n.t('loggedText', { id: reply.contact })} ${screens.storedLine(i18n, app.logged)}${about ? ` ${about}` : ''}`);
  } else if (app.screen === 'start') {
    render();
  }
}

// --- correcting a logged contact (issue 20) ---------------------------------
// Within the daemon's window (welcome "correct_window_seconds") the logged
// screen offers to correct the contact: the finish form again, with what was
// stored, sent as "correct". The daemon keeps the old version; the screen
// shows the new one. The action goes when the window does.

let correctTimer = null;

function canCorrect() {
  const l = app.logged;
  return !!l && !l.duplicate && !l.handoff && Date.now() < (l.correctUntil || 0);
}

function watchCorrectWindow() {
  clearTimeout(correctTimer);
  const left = (app.logged?.correctUntil || 0) - Date.now();
  if (left <= 0) return;
  correctTimer = setTimeout(() => {
    if (app.screen !== 'logged') return;
    // Without the button under it, focus goes to the heading, not the page.
    const had = document.activeElement?.id === 'correct-contact';
    render();
    if (had) main.querySelector('#new-contact')?.focus();
  }, left + 50);
}

function openCorrect() {
  const l = app.logged;
  if (!canCorrect()) return;
  app.finish = { key: null, values: { ...l.values }, state: 'editing', error: '',
    summary: i18n.t('fixTitle', { id: l.contact }), handoff: null,
    correcting: { contact: l.contact, key: randomHex(16) } };
  show('finish');
  say(i18n.t('fixTitle', { id: l.contact }));
}

// The fields as "correct" takes them: every one said, so that what the
// agent sees is what is stored ("null" clears, a left-out field is kept).
function correctMessage(f, v) {
  const msg = { type: 'correct', contact: f.correcting.contact, key: f.correcting.key, outcome: v.outcome };
  if (v.outcome === 'referred') {
    msg.destination = v.destination.id;
    msg.referral_reason = v.referral_reason;
  }
  if (v.on_behalf) msg.on_behalf = v.on_behalf;
  msg.relation = v.relation || null;
  msg.age_band = v.age_band || null;
  msg.note = v.note || null;
  msg.barriers = v.barriers || [];
  return msg;
}

async function submitCorrect(values) {
  const f = app.finish;
  f.values = { ...f.values, ...values, story: '' };
  f.fieldError = null;
  const v = f.values;
  if (!v.outcome) return finishError('outcome', i18n.t('needOutcome'), 'input[name="outcome"]');
  if (v.outcome === 'referred' && !v.referral_reason)
    return finishError('referral_reason', i18n.t('needReason'), '#referral_reason');
  if (v.outcome === 'referred' && !v.destination)
    return finishError('destination', i18n.t('needDestination'), '.dest-search input');
  const bytes = new TextEncoder().encode(v.note || '').length;
  if (bytes > NOTE_MAX_BYTES) return finishError('note', i18n.t('noteTooLong', { n: bytes }), '#note');
  const msg = correctMessage(f, v);
  setFinishState('sending');
  let reply;
  try {
    reply = await client.request(msg);
  } catch (e) {
    // Nothing changed, or the reply was lost: sending again with the same
    // key is safe either way.
    if (app.finish !== f) return;
    if (e.code === 'forbidden' && app.logged) app.logged.correctUntil = 0;
    setFinishState('editing', i18n.t('fixRefused', { msg: errText(e) }));
    return;
  }
  if (app.finish !== f) return;
  const stored = { ...msg };
  delete stored.type;
  app.logged = { ...app.logged, version: reply.version, stored, destination: v.destination || null,
    barrierLabels: barrierLabels(msg.barriers), values: { ...v } };
  app.finish = null;
  show('logged');
  say(`${i18n.t('fixedText', { id: reply.contact, version: reply.version })} ${screens.storedLine(i18n, app.logged)}`);
}

// The barriers' texts in the interface's language, for the logged summary.
function barrierLabels(codes) {
  const all = app.welcome?.barriers || [];
  return (codes || []).map((c) => {
    const b = all.find((x) => x.code === c);
    return b?.label?.[i18n.lang] || b?.label?.en || c;
  });
}

function updateOutboxStatus() {
  const all = store.outbox.all();
  const errors = all.filter((e) => e.status === 'error').length;
  const waiting = all.length - errors;
  const el = $('outbox-status');
  const parts = [];
  if (waiting) parts.push(i18n.t('outboxPending', { n: waiting }));
  if (errors) parts.push(i18n.t('outboxError', { n: errors }));
  el.textContent = parts.join(' · ');
  el.hidden = parts.length === 0;
  el.classList.toggle('has-errors', errors > 0);
}

function newContact() {
  clearTimeout(correctTimer);
  chatPane.close();
  app.pendingDestination = null;
  app.finish = null;
  app.logged = null;
  app.startValues = null;
  app.startError = '';
  show('start');
}

// --- the queue and handovers ---------------------------------------------------

const queue = createQueue({
  i18n,
  collapsed: !!prefs.queueCollapsed,
  onTake: takeHandover,
  onLookup: lookupCode,
  onEscape: focusHeading,
  onToggle: (collapsed) => store.prefs.update({ queueCollapsed: collapsed }),
  onCount: (n) => {
    $('queue-badge').textContent = String(n);
    $('queue-badge').dataset.count = String(n);
    $('queue-badge-text').textContent = `: ${i18n.t('queueCountN', { n })}`;
    updateTitle();
  },
});

const chatPane = createChatPane({ client, i18n, say, result: () => app.rec?.lastStep?.result || null });
const callbacksList = createCallbacks({ client, i18n, say });

// A walk in progress is left only on a second press of the same Take; any
// other move of the walk asks again.
function setConfirmTake(code) {
  app.confirmTake = code;
  queue.confirm(code);
}

// After every welcome (the daemon forgets subscriptions with the socket).
async function subscribeQueue() {
  let reply;
  try {
    reply = await client.request({ type: 'queue' });
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    // A daemon without handovers: say so where the queue would be.
    queue.setUnavailable(i18n.t('queueUnavailable', { msg: errText(e) }));
    return;
  }
  queue.setItems(reply.items, reply.total);
}

// Pushes: each change as it happens ("queue_changed"), and now and then the
// first page again ("queue", a resync). A page that empties while more wait
// past it asks for the next.
function onPush(ev) {
  const msg = ev.detail;
  if (chatPane.onPush(msg) || callbacksList.onPush(msg)) return;
  if (msg?.type === 'queue' && Array.isArray(msg.items)) queue.setItems(msg.items, msg.total);
  else if (msg?.type === 'queue_changed') {
    queue.applyChanges(msg);
    if (queue.wantsPage) subscribeQueue();
  }
}

// Look a code up as typed; the daemon ignores case, spaces and the dash.
let lookupSeq = 0;
async function lookupCode(typed) {
  const code = String(typed || '').trim();
  const mine = ++lookupSeq;
  if (!code) {
    queue.setLookup({ status: 'error', invalid: true, error: { key: 'lookupEmpty' } }, { focusInput: true });
    return;
  }
  if (!client.connected) {
    queue.setLookup({ status: 'error', error: { key: 'notConnected' } });
    return;
  }
  queue.setLookup({ status: 'looking' });
  let item;
  try {
    item = await client.request({ type: 'lookup', code });
  } catch (e) {
    if (mine !== lookupSeq) return;
    if (e instanceof ProtocolError && e.code === 'not_found')
      queue.setLookup({ status: 'error', invalid: true, error: { key: 'lookupNotFound', vars: { code } } },
        { focusInput: true });
    else if (e instanceof ProtocolError)
      queue.setLookup({ status: 'error', error: { key: 'serverError', vars: { msg: errText(e) } } });
    else queue.setLookup({ status: 'error', error: { key: 'notConnected' } });
    return;
  }
  if (mine !== lookupSeq) return;
  if (item.state === 'taken') {
    queue.setLookup({ status: 'found', item,
      error: { key: 'alreadyTaken', vars: { code: item.code, who: item.taken_by || '?' } } });
  } else {
    // Found and waiting: straight to its Take button, so a caller's code is
    // c, the code, Enter, Enter.
    queue.setLookup({ status: 'found', item }, { focusTake: true });
  }
}

// Take a handover over (from the list or the code field). A walk of the
// agent's own that is still in progress is not dropped on one key press.
function takeHandover(item, from) {
  if (app.rec && app.confirmTake !== item.code) {
    setConfirmTake(item.code);
    return;
  }
  setConfirmTake(null);
  queue.setFeedback(null);
  act(async () => {
    let step;
    try {
      step = await client.request({ type: 'take', code: item.code });
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      await takeRefused(item, from, e);
      return;
    }
    app.rec = S.createTakenRecord(step, item);
    // A citizen's handover (not a desk's handoff): chat with them beside the walk.
    if (item.kind !== 'handoff' && !step.handoff && step.chat !== false)
      chatPane.open(item.code, step.session, { present: !Number.isFinite(item.left) });
    else chatPane.close();
    app.finish = null;
    app.logged = null;
    app.pendingDestination = null;
    app.startError = '';
    saveRec();
    queue.clearLookup();
    // The questions come in the citizen's language (the session's); the
    // interface stays in the agent's.
    showStep({ taken: item.code });
  });
}

// Why a take failed, in the agent's words: taken by someone else (asked
// again with lookup, which names who), gone, or the daemon's own message.
async function takeRefused(item, from, e) {
  let error;
  let now = null;
  if (e.code === 'conflict') {
    try {
      now = await client.request({ type: 'lookup', code: item.code });
    } catch (e2) {
      if (e2 instanceof ConnectionLost) throw e2;
    }
  }
  if (now?.state === 'taken') error = { key: 'alreadyTaken', vars: { code: item.code, who: now.taken_by || '?' } };
  else if (e.code === 'not_found') error = { key: 'handoverGone', vars: { code: item.code } };
  else error = { key: 'serverError', vars: { msg: errText(e) } };
  if (from === 'lookup') queue.setLookup({ status: 'found', item: now || { ...item, state: 'gone' }, error });
  else queue.setFeedback(error.key, error.vars);
}

// --- keys -------------------------------------------------------------------

function onKey(ev) {
  if (ev.defaultPrevented || ev.isComposing) return;
  const plain = !ev.ctrlKey && !ev.metaKey && !ev.altKey;
  if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
    if (app.screen === 'step') {
      ev.preventDefault();
      openFinish();
    } else if (app.screen === 'finish' && finishForm) {
      ev.preventDefault();
      finishForm.requestSubmit();
    } else if (app.screen === 'start') {
      ev.preventDefault();
      main.querySelector('form.start')?.requestSubmit();
    }
    return;
  }
  if (isTyping(ev.target)) return;
  // Single keys only when the agent has them on (keys.js, WCAG 2.1.4);
  // Ctrl+Enter and Alt+← above and below always work.
  const single = plain && keys.on && !ev.target.closest?.('#keys-settings');
  const key = ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
  if (app.screen === 'finish' && single && finishForm) {
    const index = screens.BARRIER_KEYS.indexOf(ev.key.toLowerCase());
    const box = index >= 0 ? finishForm.toggleBarrier(index) : null;
    if (box) {
      ev.preventDefault();
      say(`${box.labels[0]?.textContent.replace(/^\S+ /, '') || box.value}: ${i18n.t(box.checked ? 'ticked' : 'unticked')}`);
      return;
    }
  }
  if (key === keys.search && single && !$('search-region').hidden) {
    ev.preventDefault();
    mainSearch.focus();
    return;
  }
  if (key === keys.queue && single && !queue.root.hidden) {
    ev.preventDefault();
    queue.focus();
    return;
  }
  if (key === keys.code && single && !queue.root.hidden) {
    ev.preventDefault();
    queue.focusLookup();
    return;
  }
  if (app.screen !== 'step') return;
  if ((ev.key === 'Backspace' && single) || (ev.key === 'ArrowLeft' && ev.altKey && !ev.ctrlKey && !ev.metaKey)) {
    ev.preventDefault(); // also keeps Alt+← from leaving the page
    back();
    return;
  }
  if (single) {
    const index = K.optionKeys(keys).indexOf(key);
    const option = index >= 0 ? app.rec?.lastStep?.question?.options[index] : null;
    if (option) {
      ev.preventDefault();
      answer(option.value);
    }
  }
}

// --- chrome and boot ----------------------------------------------------------

function setUiLang(lang, chosen) {
  if (chosen) store.prefs.update({ uiLang: lang });
  $('ui-lang').value = lang;
  i18n.setLang(lang);
}

// The shortcut settings in the top bar, rebuilt in a new language (open
// stays open).
function renderKeySettings() {
  const slot = $('keys-slot');
  const wasOpen = !!slot.querySelector('details')?.open;
  const view = K.settingsView(i18n, keys, (next) => {
    keys = next;
    store.prefs.update({ keys });
    $('queue-button').querySelector('kbd').textContent = keys.queue.toUpperCase();
    if (app.screen === 'step') render();
    renderQueueKey();
  });
  view.open = wasOpen;
  slot.replaceChildren(view);
  renderQueueKey();
}

function renderQueueKey() {
  const button = $('queue-button');
  button.querySelector('kbd').textContent = keys.queue.toUpperCase();
  button.querySelector('kbd').hidden = !keys.on;
  if (keys.on) button.setAttribute('aria-keyshortcuts', keys.queue);
  else button.removeAttribute('aria-keyshortcuts');
}

function applyChrome() {
  document.documentElement.lang = i18n.lang;
  i18n.apply(document);
  renderKeySettings();
  mainSearch.relabel();
  queue.relabel();
  renderConn();
  updateOutboxStatus();
}

function boot() {
  const urlToken = store.takeTokenFromUrl();
  if (urlToken) store.token.set(urlToken);

  const langSelect = $('ui-lang');
  langSelect.replaceChildren(...UI_LANGS.map((l) => h('option', { value: l, lang: l }, LANG_NAMES[l])));
  langSelect.value = i18n.lang;
  langSelect.addEventListener('change', () => setUiLang(langSelect.value, true));
  i18n.addEventListener('change', () => {
    applyChrome();
    render();
    chatPane.relabel();
  });
  $('sign-out').addEventListener('click', signOut);
  $('conn-retry-now').addEventListener('click', () => client.retryNow());
  $('search-region').append(mainSearch.root);
  $('search-region').after(queue.root);
  queue.root.after(callbacksList.root);
  $('chat-slot').append(chatPane.root);
  queue.root.hidden = true;
  $('queue-button').addEventListener('click', () => queue.focus());
  client.addEventListener('state', (ev) => onConnState(ev.detail));
  client.addEventListener('message', onPush);
  document.addEventListener('keydown', onKey);
  narrow.addEventListener('change', foldQueue);
  applyChrome();

  if (!store.token.get()) {
    show('signin');
    return;
  }
  // Show what we have while connecting: the finish being sent, or the last
  // step of the walk (actions wait for the connection).
  const finishing = store.finishing.get();
  const entry = finishing && store.outbox.get(finishing);
  if (entry) {
    app.finish = { key: entry.key, values: entry.values, summary: entry.summary, handoff: entry.handoff || null,
      state: entry.status === 'error' ? 'editing' : 'waiting',
      error: entry.status === 'error' ? i18n.t('finishRefused', { msg: errText({ code: entry.errorCode, message: entry.error }) }) : '' };
    app.screen = 'finish';
  } else if (app.rec?.lastStep) {
    app.screen = 'step';
  } else if ((app.logged = restoreLogged())) {
    app.screen = 'logged';
    watchCorrectWindow();
  }
  render({ focus: app.screen !== 'connecting' });
  client.start();
}

boot();
