// chat.js - talking to a person from the widget (docs/protocol.md: "Talk to
// a person: handovers", "Live chat after a handover", "When nobody can take
// it"): the handover and its code, the place in the queue, the live chat
// once an agent takes the case, and a callback request when nobody can.
//
// State (in S, kept with the rest of the conversation in sessionStorage):
//   S.handover = {code, phone, expires, chat, why, hours, next_open}
//   S.chat     = {agent, seq, phase: 'queue' | 'chat' | 'ended', callback}
//                seq: the last message number seen; a reconnect asks for
//                what came after it, and a message whose seq is already in
//                the transcript is not shown twice.
//   S.wait     = {position, wait_seconds} (live from queue_position)
// The messages themselves are transcript entries ({k:'chat', from, text |
// card, seq}), so a reload shows the conversation as it was.
import { h } from '../../shared/dom.js';
import { ProtocolError } from '../../shared/protocol.js';
import { queueText } from './chatview.js';

// At most one "typing" every TYPING_EVERY ms while the citizen types; the
// agent's indicator goes after TYPING_SHOWN ms without another.
const TYPING_EVERY = 2500;
const TYPING_SHOWN = 5000;

// w: what the widget lends: {S, E, t, add, note, save, conn, call, run,
// renderReply, updateControls, focusIsFree, focusOn, currentTarget, shadow}.
export function createChat(w) {
  const { S, E, t } = w;
  let typingSent = 0;
  let typingTimer = null;
  let sending = 0; // messages on their way: the form keeps the input usable

  const live = () => !!S.chat && S.chat.phase !== 'ended' && !S.chat.callback;
  const chatting = () => S.taken && S.chat?.phase === 'chat';
  // A daemon that tells `chat` or `state` in its handover reply can chat;
  // an older one only takes the case (then the widget steps aside, as it
  // always did).
  const canChat = () => !!S.handover?.live;

  function handoverOf(r) {
    return { code: r.code, phone: r.phone || null, expires: r.expires, chat: r.chat,
      why: r.why || null, hours: r.hours || null, next_open: r.next_open || null,
      live: r.chat !== undefined || r.state !== undefined };
  }

  function setWait(r) {
    S.wait = Number.isFinite(r.position) ? { position: r.position, wait_seconds: r.wait_seconds } : null;
    updateQueueInfo();
  }

  // The queue line under the conversation: only while waiting for a chat.
  function updateQueueInfo() {
    const waiting = S.handover && S.handover.chat !== false && S.chat && !S.chat.callback && S.chat.phase === 'queue';
    const text = waiting ? queueText(S.wait, S.ui) : '';
    if (E.queueInfo.textContent !== text) E.queueInfo.textContent = text;
    E.queueInfo.hidden = !text;
  }

  async function askPerson() {
    if (S.handover) {
      const el = E.log.querySelector(`.handover[data-code="${S.handover.code}"] .focus-target`);
      if (el) w.focusOn(el);
      return;
    }
    if (S.record.helped !== undefined) await continueAnswered();
    const r = await w.call({ type: 'handover', session: S.record.session });
    S.handover = handoverOf(r);
    S.chat = { agent: null, seq: 0, phase: 'queue', callback: null };
    w.save();
    w.add({ k: 'handover', ...S.handover }, { focus: true });
    setWait(r);
    w.renderReply();
  }

  // The conversation that answered "Did this help?" is logged and closed;
  // asking for a person after it goes on in a new session with the same
  // facts, so the agent still sees everything the citizen told.
  async function continueAnswered() {
    const old = S.record;
    const step = await w.call({ type: 'start', country: old.country, channel: 'widget', lang: old.lang, facts: old.lastStep.facts || {} });
    S.record = { session: step.session, country: old.country, lang: step.lang, started: Date.now(), steps: [],
      facts: step.facts || {}, described: true, lastStep: step, pending: null };
    w.save();
  }

  // An agent took the case (a `taken` push, or a reconnect that finds it
  // taken). agent: the agent's display name, when the daemon can chat.
  function becameTaken(code, agent) {
    if (S.taken && (S.chat?.phase === 'chat' || !agent)) return;
    S.taken = true;
    clearInterval(S.pollTimer);
    const active = w.shadow().activeElement;
    if (agent) S.chat = { ...(S.chat || { seq: 0, callback: null }), agent, phase: 'chat' };
    w.add({ k: 'taken', code, agent: agent || null });
    w.save();
    w.renderReply();
    updateQueueInfo();
    if (!agent) w.conn.stop();
    // The options are gone: focus goes to the news (the field to write in
    // follows it) rather than to the page.
    if (S.open && active && (!active.isConnected || active.closest('[hidden]'))) w.focusOn(w.currentTarget());
  }

  // The session is an agent's (resume said forbidden): a daemon that chats
  // says by whom when asked for the handover again.
  function onForbidden() {
    if (!canChat()) becameTaken(S.handover.code);
    else w.run(resume);
  }

  // After a reconnect (and from sync): ask for the handover again, with the
  // last message seen; the daemon answers with its state and sends what
  // was missed. After a daemon restart the handover may be new.
  async function resume() {
    if (!S.handover || !S.record || (S.chat && !live())) return;
    let r;
    try {
      r = await w.call({ type: 'handover', session: S.record.session, ...(canChat() ? { after: S.chat?.seq || 0 } : {}) });
    } catch (e) {
      if (!(e instanceof ProtocolError) || !S.taken) throw e;
      // The chat ended while we were away, with nothing to tell.
      end({ by: null });
      return;
    }
    if (r.code !== S.handover.code) {
      S.handover = handoverOf(r);
      w.add({ k: 'handover', ...S.handover, changed: true });
    } else {
      // A taken handover's reply has no `chat`: the desk could chat then.
      Object.assign(S.handover, handoverOf(r), r.chat === undefined ? { chat: S.handover.chat } : {});
    }
    S.chat ||= { agent: null, seq: 0, phase: 'queue', callback: null };
    w.save();
    if (r.state === 'ended') end({ by: null });
    else if (r.state === 'taken') becameTaken(r.code, r.agent || null);
    else if (S.taken && S.chat.phase === 'chat') requeued(r);
    else setWait(r);
    w.renderReply();
    poll();
  }

  // An older daemon tells a taken case only to the connection that waited:
  // look now and then (a taken session answers a citizen's resume with
  // forbidden).
  function poll() {
    clearInterval(S.pollTimer);
    if (S.taken) return;
    S.pollTimer = setInterval(() => {
      if (!w.conn.ready || S.taken || !S.record) return;
      w.conn.request({ type: 'resume', session: S.record.session }).catch((e) => {
        if (e instanceof ProtocolError && e.code === 'forbidden') onForbidden();
      });
    }, 15000);
  }

  function requeued(r) {
    const name = S.chat.agent;
    S.chat.phase = 'queue';
    hideTyping();
    w.add({ k: 'requeued', name });
    w.save();
    setWait(r);
    w.renderReply();
  }

  function end(msg) {
    if (!S.chat || S.chat.phase === 'ended') return;
    const active = w.shadow().activeElement;
    S.chat.phase = 'ended';
    hideTyping();
    const result = msg.step?.result;
    if (result) S.record.lastStep = msg.step;
    w.add({ k: 'chatEnded', by: msg.by || null, result: !!result });
    if (result) w.add({ k: 'result', result, lang: msg.step.lang });
    w.save();
    w.renderReply();
    updateQueueInfo();
    w.conn.stop();
    if (S.open && (!active || !active.isConnected || w.focusIsFree()))
      // To the news that it ended; the result (what to do next) follows it.
      w.focusOn([...E.log.querySelectorAll('.chat-ended .focus-target')].pop() || w.currentTarget());
  }

  // A message of the conversation (pushed, or replayed after a reconnect).
  // A message already shown (same seq) is skipped; the citizen's own, sent
  // before the connection dropped and its acknowledgement lost, gets its
  // seq now instead of being shown again.
  function receive(msg) {
    if (!S.chat || !Number.isFinite(msg.seq)) return;
    if (S.transcript.some((e) => e.k === 'chat' && e.seq === msg.seq)) return;
    S.chat.seq = Math.max(S.chat.seq, msg.seq);
    if (msg.from === 'citizen') {
      const own = S.transcript.find((e) => e.k === 'chat' && e.from === 'citizen' && e.seq == null && e.text === msg.text);
      if (own) {
        own.seq = msg.seq;
        w.save();
        return;
      }
    } else {
      hideTyping();
      if (msg.name && S.chat.agent !== msg.name) S.chat.agent = msg.name;
    }
    w.add({ k: 'chat', from: msg.from, name: msg.name || null, text: msg.text ?? null, card: msg.card || null, seq: msg.seq });
  }

  function showTyping() {
    E.typing.textContent = t('typing', { name: S.chat?.agent || t('agentDefault') });
    E.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOWN);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    E.typing.hidden = true;
    E.typing.textContent = '';
  }

  // Pushes from the daemon; true when the message was ours to handle.
  function onMessage(msg) {
    const mine = S.handover && (!msg.code || msg.code === S.handover.code);
    switch (msg.type) {
    case 'taken':
      if (mine) becameTaken(msg.code, msg.agent || null);
      return true;
    case 'queue_position':
      if (mine && S.chat?.phase === 'queue') setWait(msg);
      return true;
    case 'requeued':
      if (mine && S.chat?.phase === 'chat') requeued(msg);
      return true;
    case 'chat':
      if (msg.from && S.chat) receive(msg);
      return true;
    case 'typing':
      if (msg.from === 'agent' && chatting()) showTyping();
      return true;
    case 'chat_presence':
      if (msg.side === 'agent' && chatting()) w.add({ k: 'presence', name: S.chat.agent, present: !!msg.present });
      return true;
    case 'chat_ended':
      end(msg);
      return true;
    default:
      return false;
    }
  }

  // --- the forms in the reply area ---------------------------------------------

  function errorText(e, prefix) {
    const code = e instanceof ProtocolError ? e.code : 'connection';
    const key = { bad_request: 'Bad', too_large: 'TooLong', rate_limited: 'TooFast', conflict: 'Conflict' }[code];
    return t(key ? `${prefix}${key}` : 'failed');
  }

  // A form: label, input and button in a row, and an error line that the
  // input points at. onSend(value) throws to keep the value and show why.
  function form({ id, cls, label, button, type = 'text', max, autocomplete = 'off', onSend, onInput }) {
    const error = h('p', { class: 'form-error', id: `${id}-error`, hidden: true });
    const input = h('input', { type, id, maxlength: max, autocomplete, 'aria-describedby': `${id}-error`, oninput: onInput });
    const showError = (text) => {
      error.textContent = text;
      error.hidden = !text;
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    };
    return h('form', { class: `describe ${cls}`, onsubmit: async (ev) => {
      ev.preventDefault();
      const value = input.value.trim();
      if (!value || !w.conn.ready) return;
      showError('');
      try {
        await onSend(value, input);
      } catch (e) {
        showError(errorText(e, cls === 'chat-form' ? 'chat' : 'callback'));
        input.focus();
      }
    } },
    h('label', { for: id }, label),
    h('div', { class: 'describe-row' }, input, h('button', { type: 'submit', class: 'send' }, button)),
    error);
  }

  // The citizen may end the chat too, without being asked anything: the
  // daemon answers both sides with chat_ended (end() above).
  function chatEnder() {
    return h('button', { type: 'button', class: 'action chat-end', dataset: { act: 'chat-end' }, onclick: () => {
      if (w.conn.ready && chatting()) w.conn.request({ type: 'chat_end' }).catch(() => {});
    } }, t('chatEndButton'));
  }

  function chatForm() {
    return h('div', { class: 'chat-reply' }, chatInput(), chatEnder());
  }

  function chatInput() {
    return form({ id: 'vv-chat-input', cls: 'chat-form', label: t('chatLabel', { name: S.chat.agent || t('agentDefault') }),
      button: t('send'), max: 2000,
      onInput: () => {
        const now = Date.now();
        if (!w.conn.ready || now - typingSent < TYPING_EVERY) return;
        typingSent = now;
        w.conn.request({ type: 'typing' }).catch(() => {});
      },
      onSend: async (text, input) => {
        // Shown once the daemon acknowledges it, with its number.
        const entry = { k: 'chat', from: 'citizen', text, seq: null };
        input.value = '';
        sending++;
        try {
          const r = await w.conn.request({ type: 'chat', session: S.record.session, text });
          if (!S.transcript.some((e) => e.k === 'chat' && e.seq === r.seq)) {
            entry.seq = r.seq;
            S.chat.seq = Math.max(S.chat.seq, r.seq);
            w.add(entry);
          }
        } catch (e) {
          if (!input.value) input.value = text;
          throw e;
        } finally {
          sending--;
        }
      } });
  }

  function callbackForm() {
    return h('div', { class: 'callback' },
      form({ id: 'vv-callback-phone', cls: 'callback-form', label: t('callbackLabel'), button: t('callbackSend'),
        type: 'tel', max: 20, autocomplete: 'tel',
        onSend: async (phone) => {
          const r = await w.call({ type: 'callback', session: S.record.session, phone });
          S.chat = { ...(S.chat || { agent: null, seq: 0 }), phase: 'queue', callback: { code: r.code, until: r.until } };
          clearInterval(S.pollTimer);
          w.add({ k: 'callback', code: r.code }, { focus: true });
          w.save();
          w.renderReply();
          updateQueueInfo();
        } }),
      h('p', { class: 'help' }, t('callbackPrivacy')));
  }

  // What goes in the reply area while talking to a person, or null. The
  // same element while nothing it shows changed, so a re-render keeps what
  // the citizen is typing and where focus is.
  let cached = { key: '', el: null };
  function reply() {
    const kind = chatting() ? 'chat' : S.handover?.chat === false && !S.chat?.callback && !S.taken ? 'callback' : '';
    if (!kind) return null;
    const key = `${kind}|${S.ui}|${S.chat?.agent || ''}`;
    if (cached.key !== key) cached = { key, el: kind === 'chat' ? chatForm() : callbackForm() };
    return cached.el;
  }

  // After a language change: the queue line and the typing line again.
  function relabel() {
    updateQueueInfo();
    if (!E.typing.hidden) showTyping();
  }

  // "Start over": forget the chat with the conversation.
  function reset() {
    clearInterval(S.pollTimer);
    hideTyping();
    S.chat = null;
    S.wait = null;
    updateQueueInfo();
  }

  return { askPerson, becameTaken, onForbidden, resume, onMessage, reply, relabel, reset, updateQueueInfo, live,
    busy: () => sending > 0 };
}
