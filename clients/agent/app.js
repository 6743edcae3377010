// app.js - the agent panel: its state, the screens and focus, the daemon,
// and the wiring of the modules that do the rest: walk.js (the walk),
// finish.js (the finish form, the outbox, correcting), handovers.js (the
// queue, taking over), keys.js (the keyboard), search.js, chat.js,
// callbacks.js.
//
// The flow: sign in (token from #token=… or the form) → start form → one
// question at a time → result → finish form → logged. The walk lives in the
// daemon; session.js keeps the record that lets the daemon rebuild it after a
// restart, store.js keeps that record and the outbox of finished contacts.
// A contact shows "logged" only when the daemon said `logged`; until then it
// stays in the outbox and is sent again, always with the same key.
//
// Keys (keys.js): 1–9 answer, Backspace or Alt+← go back, / searches,
// Ctrl+Enter opens the finish form and, there, logs the contact; q goes to
// the queue of citizens waiting for a person (arrow keys, Enter takes one
// over), c to the field for the code a caller reads out.
//
// Handovers (handovers.js, queue.js): after every welcome the panel
// subscribes to the queue; the daemon then pushes each change (an item added
// or removed), not the whole queue. Taking one gives the citizen's own
// session as a step, which from then on is this panel's session like any
// other (see session.createTakenRecord for what the record holds and why
// back stops at the citizen's answers).
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

import { ProtocolClient, ProtocolError, ConnectionLost, fitBytes } from '/shared/protocol.js';
import { I18n, browserLang, UI_LANGS, LANG_NAMES } from '/shared/i18n.js';
import { h, announce } from '/shared/dom.js';
import { errorText } from '/shared/errors.js';
import { createConnectionBar } from '/shared/connection.js';
import { adoptUrlToken } from '/shared/token.js';
import { TEXTS } from './texts.js';
import * as store from './store.js';
import * as screens from './screens.js';
import { readFinish } from './finishview.js';
import { createSearch } from './search.js';
import { createQueue } from './queue.js';
import { createKeys, optionKeys } from './keys.js';
import { createChatPane } from './chat.js';
import { createCallbacks } from './callbacks.js';
import { keepLogged, restoreLogged } from './logged.js';
import { createWalk } from './walk.js';
import { createFinish } from './finish.js';
import { createHandovers } from './handovers.js';

const $ = (id) => document.getElementById(id);
const main = $('screen'); // what each screen replaces; inside <main>
const announcer = $('announcer');
const noticeEl = $('notice');

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
  const form = main.querySelector('form.finish');
  if (form && app.finish && app.finish.state === 'editing')
    app.finish.values = { ...app.finish.values, ...readFinish(form) };
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
  handovers.setConfirmTake(null);
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
      onSubmit: (v) => walk.startContact(v),
      onChange: (v) => { app.startValues = v; render(); },
      onOpenPending: (key) => finish.openPending(key),
    });
  case 'step':
    return screens.step(i18n, app.rec, {
      optionKeys: keys.current.on ? optionKeys(keys.current) : null,
      onAnswer: walk.answer, onBack: walk.back, onFinish: finish.open, onChangeFact: walk.changeFact,
      onCopy: walk.copy, onForget: walk.forgetUnderstood,
    });
  case 'finish':
    return finish.build();
  case 'logged':
    return screens.logged(i18n, { ...app.logged, canCorrect: finish.canCorrect() },
      { onNew: newContact, onCorrect: finish.openCorrect });
  default:
    return screens.connecting(i18n);
  }
}

// --- connection -------------------------------------------------------------

// The bar and a refused key (shared/connection.js); the panel's part: the
// queue goes stale, a finish being sent waits, and a refused key goes back
// to the sign-in form with the panel's words for it.
const connBar = createConnectionBar({
  client, i18n, token: store.token,
  onState(detail) {
    queue.setStale(!client.connected);
    if (detail.state === 'waiting' && app.finish?.state === 'sending') finish.setState('waiting');
  },
  onRefused(text) {
    app.signInError = text;
    show('signin');
  },
});

// After every welcome: first send what is waiting in the outbox (a finished
// contact matters more than the walk on screen), then bring the session in
// progress back.
async function sync(welcome) {
  app.welcome = welcome;
  // The barriers' texts come with the welcome: a finish form shown before
  // it (restored at start) gets its check boxes now.
  if (app.screen === 'finish' && !main.querySelector('input[name="barriers"]')) render();
  await handovers.subscribe();
  await callbacksList.subscribe();
  await finish.sender.flush(true);
  // A chat taken before a reload or a dropped connection: taken again, and
  // what was missed comes after.
  await chatPane.rejoin();
  if (app.rec) await walk.resume();
  if (app.screen === 'connecting') show(app.rec ? 'step' : 'start');
  else if (app.screen === 'start') render();
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

// --- search -----------------------------------------------------------------

function searchContext() {
  // Inside a walk the daemon ranks the results that fit its facts first.
  if (app.rec) return { country: app.rec.country, lang: app.rec.lang, session: app.rec.id };
  const v = currentStartValues();
  return { country: v.country, lang: v.lang };
}

async function runSearch(q) {
  if (!client.connected) throw new ConnectionLost();
  const reply = await client.request({ type: 'search', q: fitBytes(q), ...searchContext() });
  return reply.items || [];
}

const kindLabel = (kind) => (i18n.has(`kind_${kind}`) ? i18n.t(`kind_${kind}`) : kind);

// A destination hit cannot be jumped to (it is no node): in the main search
// it becomes the destination of the finish form.
function pickHit(item) {
  if (item.kind === 'destination' || !item.node) {
    const id = item.destination || item.node;
    if (!id) return;
    finish.setDestination({ id, name: item.title || id });
    say(i18n.t('destinationPicked', { name: item.title || id }));
    return;
  }
  act(async () => {
    if (!app.rec) await walk.startSession(currentStartValues());
    await walk.move({ kind: 'jump', node: item.node });
    mainSearch.reset();
    walk.showStep();
  });
}

const mainSearch = createSearch({
  i18n, label: 'search', shortcut: '/', className: 'main-search',
  run: runSearch, pick: pickHit, kindLabel, onEscape: focusHeading,
});

function newContact() {
  finish.forgetLogged();
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
  onTake: (item, from) => handovers.take(item, from),
  onLookup: (code) => handovers.lookup(code),
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

// --- the modules, wired ---------------------------------------------------------
// Each takes what it needs from ctx; the modules' own functions are read
// from it when called (walk, finish and handovers call one another).

const ctx = { app, client, i18n, main, say, notice, render, show, focusHeading, saveRec, act, errText, setUiLang,
  runSearch, kindLabel, queue, chatPane, mainSearch };
const walk = ctx.walk = createWalk(ctx);
const finish = ctx.finish = createFinish(ctx);
const handovers = ctx.handovers = createHandovers(ctx);
const keys = createKeys(ctx);

function onPush(ev) {
  const msg = ev.detail;
  if (chatPane.onPush(msg) || callbacksList.onPush(msg)) return;
  handovers.onPush(msg);
}

// --- chrome and boot ----------------------------------------------------------

function setUiLang(lang, chosen) {
  if (chosen) store.prefs.update({ uiLang: lang });
  $('ui-lang').value = lang;
  i18n.setLang(lang);
}

// The shortcut settings in the top bar, rebuilt in a new language (open

function applyChrome() {
  document.documentElement.lang = i18n.lang;
  i18n.apply(document);
  keys.renderSettings();
  mainSearch.relabel();
  queue.relabel();
  connBar.render();
  finish.updateOutboxStatus();
}

function boot() {
  adoptUrlToken(store.token);

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
  $('search-region').append(mainSearch.root);
  $('search-region').after(queue.root);
  queue.root.after(callbacksList.root);
  $('chat-slot').append(chatPane.root);
  queue.root.hidden = true;
  $('queue-button').addEventListener('click', () => queue.focus());
  client.addEventListener('message', onPush);
  document.addEventListener('keydown', keys.onKey);
  narrow.addEventListener('change', foldQueue);
  applyChrome();

  if (!store.token.get()) {
    show('signin');
    return;
  }
  // Show what we have while connecting: the finish being sent, or the last
  // step of the walk (actions wait for the connection).
  if (finish.restore()) {
    app.screen = 'finish';
  } else if (app.rec?.lastStep) {
    app.screen = 'step';
  } else if ((app.logged = restoreLogged())) {
    app.screen = 'logged';
    finish.watchCorrectWindow();
  }
  render({ focus: app.screen !== 'connecting' });
  client.start();
}

boot();