// widget.js - the Vegvisar chat widget for citizens: one tag on any page.
//
//   <script src="https://HOST/widget/widget.js" data-country="no" data-lang="nb"
//           data-site="nav.no" async></script>
//
// adds a launcher button and a chat panel that walks the citizen-facing part
// of the country's rule tree (protocol v1, role citizen, channel widget),
// ends with what to do now or where to turn, and can hand the case to a
// person. data-country: no | dk. data-lang: nb | nn | da | en (else the
// page's or the browser's language). data-site names the host site; the
// protocol has no field for it, so it only keeps two sites' conversations
// apart in the browser.
//
// Isolation: everything lives in an open shadow root (open, so that axe and
// assistive technology can see it) on a <vegvisar-widget> element at the end
// of <body>; its styles are widget.css, linked inside that root. The
// Vegvisar host is where this script came from (document.currentScript),
// never the page, and nothing is requested from anyone else: this file,
// widget.css and the websocket.
//
// Served as one classic script: a cross-origin module import needs CORS
// headers, which the daemon's static files do not carry. So the widget is
// written as ES modules (this folder, importing clients/shared/) and `make`
// bundles them with esbuild into clients/widget/widget.js. It connects
// only when the panel is opened (or a handover is waiting), not on every
// page view. The conversation (session id, answers, messages shown) is kept
// in the host page's sessionStorage, so it survives a reload and the next
// page of the same site, in this tab only.
//
// What a host page must allow, if it sends a Content-Security-Policy:
//   script-src  https://HOST      this file
//   style-src   https://HOST      widget.css (a <link> inside the shadow root)
//   connect-src wss://HOST        the websocket (ws://HOST over plain http)
// and the daemon's config must list the page's origin in widget_origins
// (origins compare exactly: https://www.nav.no and https://nav.no differ).

import { h } from '../../shared/dom.js';
import { LANG_NAMES as AUTONYMS, UI_LANGS, matchLang } from '../../shared/i18n.js';
import { ConnectionLost, ProtocolClient, ProtocolError } from '../../shared/protocol.js';
import { read, write } from '../../shared/storage.js';
import { createChat } from './chat.js';
import { renderChatEntry } from './chatview.js';
import { confirmBox, describeForm, helpedForm } from './forms.js';
import { createSession } from './session.js';
import { LANG_NAMES } from './texts.js';
import { ICON_CHAT, ICON_CLOSE, icon, renderEntry as renderStep, t as tr } from './view.js';

const renderEntry = (e) => renderChatEntry(e) || renderStep(e);

const script = document.currentScript || document.querySelector('script[src*="/widget/widget.js"]');
// No source, or already on the page: nothing to do.
if (script && !document.querySelector('vegvisar-widget')) widget(script);

function widget(script) {
  const SRC = new URL(script.src, document.baseURI);
  const WS_URL = `${SRC.protocol === 'https:' ? 'wss:' : 'ws:'}//${SRC.host}/ws`;
  const CSS_URL = new URL('widget.css', SRC).href;
  const COUNTRIES = ['no', 'dk'];
  const STORE_KEY = `vegvisar.widget:${SRC.origin}:${script.dataset.site || ''}`;
  const t = (key, vars = {}, lang = S.ui) => tr(key, vars, lang);

  // --- state and what the browser keeps -----------------------------------
  // The conversation survives a reload and moving between the host site's
  // pages (sessionStorage of the host page: this tab only). The record is
  // what the daemon needs to rebuild a session it lost (resume + restore,
  // docs/protocol.md): the start and every answer still in force.
  //   record = {session, country, lang, started, steps: [{answer}], lastStep, pending,
  //             helped, helpedSent}  (the answer to "Did this help?", once per conversation)
  //   transcript = the messages shown, each {k, ui, …} (see renderEntry)
  //   handover, chat = talking to a person (chat.js)
  const stored = readStore();
  const dataCountry = COUNTRIES.includes(script.dataset.country) ? script.dataset.country : null;
  if (!dataCountry) console.warn(`vegvisar widget: data-country must be one of ${COUNTRIES.join(', ')}`);
  const firstUi = stored?.ui || matchLang(script.dataset.lang) || matchLang(document.documentElement.lang)
    || [...(navigator.languages || [])].map((l) => matchLang(l)).find(Boolean) || (dataCountry === 'dk' ? 'da' : 'nb');
  const S = {
    ui: firstUi,
    country: dataCountry || (firstUi === 'da' ? 'dk' : 'no'),
    open: false,
    record: null,
    transcript: [],
    handover: null, // {code, phone, expires, chat, why, hours, next_open}
    taken: false,
    chat: null, // {agent, seq, phase, callback} (chat.js)
    wait: null, // {position, wait_seconds}
    welcome: null,
    busy: false,
    limited: false, // a request is waiting out rate_limited
    confirming: false, // "start over?" is asked
    queue: Promise.resolve(),
  };
  if (stored && stored.country === S.country) {
    Object.assign(S, { record: stored.record, transcript: stored.transcript || [], handover: stored.handover,
      taken: !!stored.taken, open: !!stored.open, chat: stored.chat || null });
  }

  // Storage disabled or full: the widget works, without memory.
  function readStore() {
    return read(sessionStorage, STORE_KEY, null);
  }

  function save() {
    write(sessionStorage, STORE_KEY, {
      country: S.country, ui: S.ui, open: S.open, record: S.record, handover: S.handover, taken: S.taken, chat: S.chat,
      // What the citizen typed into the walk is shown, never kept: it may
      // name people. The chat is kept (this tab only), so that a reload
      // shows the conversation with the person as it was.
      transcript: S.transcript.filter((e) => !e.transient).slice(-200),
    });
  }

  // --- the panel -----------------------------------------------------------
  const E = {}; // the elements that change

  function build() {
    E.title = h('h2', { id: 'vv-title', tabindex: '-1' });
    E.langLabel = h('label', { for: 'vv-lang' });
    E.lang = h('select', { id: 'vv-lang', onchange: () => changeLang(E.lang.value) },
      UI_LANGS.map((l) => h('option', { value: l, lang: l }, AUTONYMS[l])));
    E.close = h('button', { type: 'button', class: 'icon-button', onclick: () => close() }, icon(ICON_CLOSE));
    E.status = h('p', { class: 'status', role: 'status' });
    E.retry = h('button', { type: 'button', class: 'action', onclick: () => conn.retryNow() });
    E.retryRow = h('div', { class: 'retry-row', hidden: true }, E.retry);
    E.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite' });
    E.queueInfo = h('p', { class: 'queue-info', role: 'status', hidden: true });
    E.typing = h('p', { class: 'typing', hidden: true });
    E.reply = h('div', { class: 'reply' });
    E.back = h('button', { type: 'button', class: 'action', dataset: { act: 'back' }, onclick: () => act(goBack) });
    E.person = h('button', { type: 'button', class: 'action primary', dataset: { act: 'person' }, onclick: () => act(() => chat.askPerson()) });
    E.restart = h('button', { type: 'button', class: 'action', dataset: { act: 'restart' }, onclick: () => restart() });
    E.actions = h('div', { class: 'actions' }, E.back, E.restart, E.person);
    E.body = h('div', { class: 'body' }, E.log, E.queueInfo, E.typing, E.reply, E.actions);
    E.panel = h('div', { class: 'panel', id: 'vv-panel', role: 'dialog', 'aria-labelledby': 'vv-title', hidden: true },
    h('div', { class: 'head' }, E.title, h('div', { class: 'tools' }, E.langLabel, E.lang, E.close)),
    E.status, E.retryRow,
    E.body);
    E.launcherText = h('span');
    E.launcher = h('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': 'vv-panel',
      onclick: () => (S.open ? close() : open()) }, icon(ICON_CHAT), E.launcherText);
    // Escape anywhere in the widget (panel or launcher) closes the panel.
    E.root = h('aside', { class: 'vv', hidden: true, onkeydown: (ev) => {
      if (ev.key === 'Escape' && S.open && !ev.defaultPrevented) {
        ev.preventDefault();
        close();
      }
    } }, E.launcher, E.panel);
  }

  // The interface texts, again after a language change.
  function applyTexts() {
    E.root.lang = S.ui;
    E.root.setAttribute('aria-label', t('region'));
    E.launcherText.textContent = t('launcher');
    E.title.textContent = t('title');
    E.langLabel.textContent = t('language');
    E.lang.value = S.ui;
    E.close.setAttribute('aria-label', t('close'));
    E.log.setAttribute('aria-label', t('log'));
    E.retry.textContent = t('retryNow');
    E.back.textContent = t('back');
    E.person.textContent = t('person');
    E.restart.textContent = t('restart');
    updateStatus();
    renderReply();
    chat.relabel();
  }

  function open({ focus = true } = {}) {
    S.open = true;
    save();
    E.panel.hidden = false;
    E.root.classList.add('is-open');
    E.launcher.setAttribute('aria-expanded', 'true');
    if (focus) { if (currentTarget()) focusOn(currentTarget()); else E.title.focus(); }
    if (S.taken && !chat.live()) return;
    if (!conn.wanted) conn.start();
    else if (conn.ready && !S.record) act(() => session.startSession());
  }

  function close() {
    S.open = false;
    save();
    E.panel.hidden = true;
    E.root.classList.remove('is-open');
    E.launcher.setAttribute('aria-expanded', 'false');
    E.launcher.focus();
  }

  // The element focus goes to for the conversation as it stands.
  function currentTarget() {
    const targets = E.log.querySelectorAll('.focus-target');
    return targets[targets.length - 1] || null;
  }

  // Focus moves to new content only from where the widget put it or from
  // the controls that asked for it, never from somewhere the person went
  // (the language select, a link in an answer).
  function focusIsFree() {
    const active = shadow.activeElement;
    return !active || active === E.title || !active.isConnected || E.reply.contains(active)
      || E.actions.contains(active) || active.classList.contains('focus-target');
  }

  function updateStatus() {
    const st = conn.state;
    let text = '';
    let kind = 'warn';
    if (S.limited || (st === 'waiting' && conn.limited)) text = t('rateLimited');
    else if (st === 'connecting' && conn.everReady) { text = E.status.textContent; kind = E.status.dataset.kind; } // still reconnecting
    else if (st === 'connecting') { text = t('connecting'); kind = 'info'; }
    else if (st === 'waiting') {
      text = conn.everReady ? t('reconnecting') : t('cannotConnect');
      kind = conn.everReady ? 'warn' : 'error';
    }
    if (E.status.textContent !== text) E.status.textContent = text;
    E.status.dataset.kind = kind;
    E.retryRow.hidden = !(st === 'waiting' && !conn.limited);
    E.root.dataset.conn = st === 'waiting' && !conn.everReady ? 'failed' : st;
    updateControls();
  }

  // Controls work only when a reply can come: connected and nothing sent.
  function updateControls() {
    const off = S.busy || !conn.ready;
    for (const b of [...E.reply.querySelectorAll('button:not(.confirm button)'), E.back, E.person]) b.setAttribute('aria-disabled', String(off));
    E.restart.setAttribute('aria-disabled', String(S.busy));
    const rec = S.record;
    E.back.hidden = !rec || S.taken || rec.steps.length === 0;
    E.person.hidden = !rec || S.taken;
    E.restart.hidden = !S.taken && !(rec && (rec.steps.length || rec.lastStep?.result || S.handover));
    E.root.dataset.state = S.taken ? 'taken' : !rec ? 'idle' : rec.lastStep?.result ? 'result' : 'question';
    E.root.dataset.chat = S.chat ? (S.chat.callback ? 'callback' : S.chat.phase) : '';
    E.root.dataset.busy = String(S.busy);
  }

  // --- the conversation -----------------------------------------------------

  function add(entry, { focus = false } = {}) {
    entry.ui = entry.ui || S.ui;
    S.transcript.push(entry);
    save();
    const el = renderEntry(entry);
    E.log.append(el);
    if (focus && S.open) focusOn(el);
    else if (S.open) reveal(el);
    return el;
  }

  // Scroll so that el and what follows it (the options) are in view, or,
  // if they do not fit, el's top.
  function reveal(el) {
    const top = el.getBoundingClientRect().top - E.body.getBoundingClientRect().top + E.body.scrollTop;
    E.body.scrollTop = E.body.scrollHeight - top <= E.body.clientHeight ? E.body.scrollHeight : top;
  }

  function focusOn(el) {
    if (!el) return;
    const msg = el.closest('.msg') || el;
    (msg.querySelector('.focus-target') || el).focus({ preventScroll: true });
    reveal(msg);
  }

  const note = (text) => add({ k: 'note', text });

  // What the citizen can answer now: the options of the current question.
  function renderReply() {
    const step = S.record?.lastStep;
    if (S.confirming) {
      E.reply.replaceChildren(confirmBox(t, S.handover && !S.taken ? S.handover.code : null,
        { onYes: () => startOver(), onNo: () => cancelRestart() }));
      updateControls();
      return;
    }
    const talk = chat.reply();
    if (talk) {
      // The same form stays put: what is typed in it and focus survive.
      if (E.reply.firstChild !== talk) E.reply.replaceChildren(talk);
      updateControls();
      return;
    }
    E.reply.replaceChildren();
    if (!step || S.taken) {
      updateControls();
      return;
    }
    const q = step.question;
    if (q && !S.record.steps.length && !S.record.described) E.reply.append(describeForm(t, step, (text) => act(() => describe(text))));
    if (q && q.citizen !== false) {
      const qEl = [...E.log.querySelectorAll('.msg[data-node] .q')].pop();
      if (qEl && !qEl.id) qEl.id = `vv-q-${S.transcript.length}`;
      E.reply.append(h('div', { class: 'options', role: 'group', 'aria-labelledby': qEl?.id, dataset: { node: q.node } },
        q.options.map((o) => h('button', { type: 'button', class: 'option', lang: step.lang, dataset: { value: o.value },
          onclick: () => act(() => answer(o, step)) }, o.label))));
    } else if (q) {
      E.reply.append(h('p', { class: 'agent-only', dataset: { node: q.node } }, t('agentOnly')));
    } else if (step.result && S.record.helped === undefined && !S.handover) {
      E.reply.append(helpedForm(t, (yes) => act(() => giveHelped(yes))));
    }
    updateControls();
  }

  async function giveHelped(helped) {
    const rec = S.record;
    rec.helped = helped;
    save();
    add({ k: 'me', text: t(helped ? 'helpedYes' : 'helpedNo'), lang: S.ui });
    // The buttons go; focus goes to the thanks in their place.
    add({ k: 'thanks', helped }, { focus: true });
    renderReply();
    await sendHelped();
  }

  // Sent once; a reply lost with the connection is sent again after the
  // reconnect (sync), and the daemon answers a repeat without logging twice.
  async function sendHelped() {
    const rec = S.record;
    if (!rec || rec.helped === undefined || rec.helpedSent) return;
    try {
      await call({ type: 'feedback', session: rec.session, helped: rec.helped });
    } catch (e) {
      // Already logged (it expired, or ended): nothing more to say.
      if (!(e instanceof ProtocolError && (e.code === 'conflict' || e.code === 'not_found'))) throw e;
    }
    rec.helpedSent = true;
    save();
  }

  function cancelRestart() {
    S.confirming = false;
    renderReply();
    E.restart.focus();
  }

  // A session the conversation no longer uses (a new language, the
  // citizen's own words): the daemon drops it without counting it.
  function endSuperseded(session) {
    if (conn.ready) conn.request({ type: 'end', session, superseded: true }).catch(() => {});
  }

  async function describe(text) {
    const old = S.record;
    const step = await call({ type: 'start', country: old.country, channel: 'widget', lang: old.lang, text });
    add({ k: 'me', text, lang: old.lang, transient: true });
    S.record = { session: step.session, country: old.country, lang: step.lang, started: Date.now(), steps: [],
      facts: step.facts || {}, described: true, lastStep: step, pending: null };
    save();
    endSuperseded(old.session);
    present(step, { focus: true });
  }

  // Show a step: add its question or result to the log unless it is what
  // the log already ends with (a resume), and offer its options. After the
  // citizen said something (their own words may lead to the question they
  // were just asked), it is asked again below what they said.
  function present(step, { focus = false } = {}) {
    const node = step.question ? step.question.node : step.result.node;
    const last = [...S.transcript].reverse().find((e) => e.k === 'q' || e.k === 'result');
    const lastNode = last && (last.k === 'q' ? last.node : last.result.node);
    const saidSince = [...S.transcript].reverse().find((e) => e.k !== 'note')?.k === 'me';
    const wantFocus = focus && focusIsFree();
    const active = shadow.activeElement;
    if (!last || lastNode !== node || last.lang !== step.lang || saidSince) {
      if (step.question) {
        const q = step.question;
        add({ k: 'q', node: q.node, text: q.text, help: q.help, lang: step.lang });
      } else {
        add({ k: 'result', result: step.result, lang: step.lang });
      }
    }
    renderReply();
    if (S.open && (wantFocus || (active && !active.isConnected))) focusOn(currentTarget());
  }

  // One action at a time; a click while one runs (or while disconnected) is
  // ignored, a language change waits its turn.
  function act(fn) {
    if (S.busy || !conn.ready) return Promise.resolve();
    return run(fn);
  }

  function run(fn) {
    S.queue = S.queue.then(async () => {
      S.busy = true;
      updateControls();
      try {
        await fn();
      } catch (e) {
        recover(e);
      } finally {
        S.busy = false;
        updateControls();
      }
    });
    return S.queue;
  }

  // Send, and wait out rate_limited calmly: the status says so, and the
  // same message goes again after 1, 2, 4 … 30 s.
  async function call(msg) {
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await conn.request(msg);
        if (S.limited) {
          S.limited = false;
          updateStatus();
        }
        return reply;
      } catch (e) {
        if (!(e instanceof ProtocolError) || e.code !== 'rate_limited') throw e;
        S.limited = true;
        updateStatus();
        await new Promise((ok) => setTimeout(ok, Math.min(30000, 1000 * 2 ** attempt) * (0.8 + 0.4 * Math.random())));
      }
    }
  }

  // A reply that went wrong. A lost connection is settled by the resume
  // after the reconnect (the move may or may not have happened).
  function recover(e) {
    if (e instanceof ConnectionLost) return;
    if (e instanceof ProtocolError && e.code === 'forbidden' && S.handover) {
      chat.onForbidden(); // the session is an agent's now
      return;
    }
    if (e instanceof ProtocolError && (e.code === 'not_found' || e.code === 'forbidden')) {
      note(t('sessionLost'));
      S.record = null;
      S.handover = null;
      save();
      run(() => session.startSession());
      return;
    }
    console.error('vegvisar widget:', e);
    if (S.record) S.record.pending = null;
    note(t('failed'));
    renderReply();
  }


  // A move the daemon confirmed: record it so a restore replays it.
  function applyMove(move, step) {
    const rec = S.record;
    if (move.kind === 'back') {
      rec.steps.pop();
      note(t('wentBack'));
    } else {
      rec.steps.push({ answer: move.value });
      add({ k: 'me', text: move.label, lang: move.lang });
    }
    rec.pending = null;
    rec.lastStep = step;
    save();
  }

  async function move(msg, pending) {
    const rec = S.record;
    rec.pending = pending;
    save();
    const step = await call({ ...msg, session: rec.session });
    applyMove(pending, step);
    present(step, { focus: true });
  }

  const answer = (o, step) => move({ type: 'answer', value: o.value }, { kind: 'answer', value: o.value, label: o.label, lang: step.lang });
  const goBack = () => move({ type: 'back' }, { kind: 'back' });

  // Asks first (confirmBox); Escape or "No" keeps everything as it was.
  function restart() {
    if (S.busy) return;
    S.confirming = true;
    renderReply();
    focusOn(E.reply.querySelector('.confirm-q'));
  }

  // Not through act(): it must work when the connection is stopped (after
  // a take) or failing; but never under a move in flight. The old
  // conversation ends: the daemon logs it and withdraws its handover from
  // the agents' queue. Not awaited: nothing durable holds up the screen,
  // and if the connection is down the daemon drops the handover itself
  // once the citizen has been away for its grace period.
  function startOver() {
    if (S.busy) return;
    const old = S.record;
    S.confirming = false;
    if (old && !S.taken && conn.ready) conn.request({ type: 'end', session: old.session }).catch(() => {});
    // A chat still open ends with the conversation.
    if (old && S.taken && chat.live() && conn.ready) conn.request({ type: 'chat_end', session: old.session }).catch(() => {});
    chat.reset();
    Object.assign(S, { record: null, handover: null, taken: false, transcript: [] });
    E.log.replaceChildren();
    renderReply();
    note(t('newConversation'));
    E.title.focus();
    if (!conn.wanted) conn.start();
    else if (conn.ready) run(() => session.startSession());
  }

  async function changeLang(lang) {
    if (!UI_LANGS.includes(lang) || lang === S.ui) return;
    S.ui = lang;
    save();
    applyTexts();
    note(t('langChosen', { lang: LANG_NAMES[lang][lang] }));
    run(() => session.relang());
  }


  // --- start ------------------------------------------------------------------
  const conn = new ProtocolClient({
    url: WS_URL,
    // Many citizens, one daemon: back off from 1 s up to 30 s.
    minDelay: 1000,
    maxDelay: 30000,
    hello: () => ({ type: 'hello', role: 'citizen', lang: S.ui }),
    onReady: (welcome) => {
      let done;
      // Syncing goes through the action queue, so it never overlaps a move.
      run(async () => {
        try {
          await session.sync(welcome);
        } finally {
          done();
        }
      });
      return new Promise((ok) => { done = ok; });
    },
  });
  const chat = createChat({ S, E, t, add, note, save, conn, call, run, renderReply, updateControls, focusIsFree, focusOn,
    currentTarget, shadow: () => shadow });
  const session = createSession({ S, t, add, note, save, call, present, renderReply, recover, applyMove, sendHelped,
    endSuperseded, conn, chat: () => chat });
  conn.addEventListener('state', (ev) => {
    updateStatus();
  });
  conn.addEventListener('message', (ev) => {
    chat.onMessage(ev.detail);
  });

  let shadow;
  function mount() {
    const host = document.createElement('vegvisar-widget');
    shadow = host.attachShadow({ mode: 'open' });
    build();
    const link = h('link', { rel: 'stylesheet', href: CSS_URL });
    // Shown once styled; unstyled but usable if the host's CSP blocks the sheet.
    link.addEventListener('load', () => { E.root.hidden = false; });
    link.addEventListener('error', () => {
      console.warn(`vegvisar widget: cannot load ${CSS_URL}; the page's Content-Security-Policy must allow style-src ${SRC.origin}`);
      E.root.hidden = false;
    });
    shadow.append(link, E.root);
    for (const e of S.transcript) E.log.append(renderEntry(e));
    applyTexts();
    document.body.append(host);
    // A conversation in progress comes back as it was, without taking focus.
    if (S.open) open({ focus: false });
    else if (S.handover && (!S.taken || chat.live())) conn.start(); // to hear when a person takes the case, or writes
  }

  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount, { once: true });
}
