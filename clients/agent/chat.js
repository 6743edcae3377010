// chat.js - the agent's side of a live chat with a citizen whose handover
// the agent took (docs/protocol.md, "Live chat after a handover").
//
// The pane sits beside the triage on a wide screen and below it on a narrow
// one (agent.css), outside #screen, so that re-rendering the walk never
// touches what the agent is typing. It holds: who the chat is with and
// whether the citizen is connected, the messages (role=log, announced once
// each), the citizen's typing, a message field (Enter sends), "Send contact
// card" (once the walk has a result) and "End chat".
//
// What the panel keeps (sessionStorage, this tab only): the chat it has
// open, {code, session, seq, present, ended, messages}. seq is the last
// message number seen: after a reload or a dropped connection the panel
// takes the handover again with `after: seq` and the daemon sends what was
// missed; a message whose seq is already shown is not shown twice.
import { h } from '/shared/dom.js';
import { ConnectionLost, ProtocolError } from '/shared/protocol.js';
import { errorText as daemonErrorText } from '/shared/errors.js';
import { read, write } from '/shared/storage.js';

const KEY = 'vegvisar.agent.chat';
const TYPING_EVERY = 2500; // at most one "typing" every 2.5 s while the agent types
const TYPING_SHOWN = 5000; // the citizen's indicator goes after 5 s without another
const MAX_KEPT = 200; // as many as the daemon keeps (bounds.chat_history)

// opts: {client, i18n, say, result: () => the walk's result or null}
export function createChatPane({ client, i18n, say, result }) {
  const hasResult = () => !!result();
  let chat = read(sessionStorage, KEY, null);
  let typingSent = 0;
  let typingTimer = null;
  const t = (k, v) => i18n.t(k, v);

  const title = h('h2', { id: 'chat-title', tabindex: '-1' });
  const presence = h('p', { class: 'chat-presence', role: 'status' });
  const log = h('div', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-labelledby': 'chat-title', tabindex: '0' });
  const typing = h('p', { class: 'chat-typing', hidden: true });
  const label = h('label', { for: 'chat-input' });
  const input = h('input', { type: 'text', id: 'chat-input', maxlength: 2000, autocomplete: 'off', 'aria-describedby': 'chat-error',
    oninput: sendTyping });
  const sendButton = h('button', { type: 'submit', class: 'primary' });
  const error = h('p', { class: 'chat-error', id: 'chat-error', hidden: true });
  const form = h('form', { class: 'chat-form', onsubmit: (ev) => { ev.preventDefault(); send(); } },
    label, h('div', { class: 'chat-row' }, input, sendButton), error);
  const cardButton = h('button', { type: 'button', class: 'secondary', dataset: { act: 'chat-card' }, onclick: sendCard });
  const endButton = h('button', { type: 'button', class: 'secondary', dataset: { act: 'chat-end' }, onclick: endChat });
  const tools = h('div', { class: 'chat-tools' }, cardButton, endButton);
  const ended = h('p', { class: 'chat-ended', tabindex: '-1', hidden: true });
  const root = h('section', { class: 'chat-pane', 'aria-labelledby': 'chat-title' },
    title, presence, log, typing, form, tools, ended);

  function save() {
    if (chat) chat.messages = chat.messages.slice(-MAX_KEPT);
    write(sessionStorage, KEY, chat);
  }

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  function errorText(e) {
    if (e instanceof ConnectionLost) return t('notConnected');
    const key = { too_large: 'chatTooLong', rate_limited: 'chatTooFast', conflict: 'chatConflict', forbidden: 'chatGone' }[e.code];
    return key ? t(key) : t('serverError', { msg: daemonErrorText(i18n.lang, e) });
  }

  function messageEl(m) {
    const mine = m.from === 'agent';
    const who = mine ? t('chatYou') : t('chatCitizen');
    if (m.card) {
      const d = m.card.destination || {};
      return h('div', { class: 'chat-msg mine card', dataset: { seq: String(m.seq) } },
        h('p', { class: 'chat-who' }, `${who}:`),
        h('p', {}, t('chatCardSent', { name: d.name || '' })));
    }
    return h('div', { class: `chat-msg ${mine ? 'mine' : 'theirs'}`, dataset: { seq: String(m.seq) } },
      h('p', { class: 'chat-who' }, `${who}:`), h('p', { class: 'chat-text' }, m.text));
  }

  function render() {
    root.hidden = !chat;
    document.getElementById('main')?.classList.toggle('has-chat', !!chat);
    if (!chat) return;
    title.textContent = t('chatTitle', { code: chat.code });
    presence.textContent = chat.ended ? '' : chat.present === false ? t('chatCitizenAway') : chat.present ? t('chatCitizenHere') : '';
    presence.dataset.present = String(chat.present ?? '');
    log.setAttribute('aria-label', t('chatLog'));
    label.textContent = t('chatLabel');
    sendButton.textContent = t('chatSend');
    cardButton.textContent = t('chatCard');
    endButton.textContent = t('chatEnd');
    ended.textContent = t('chatEnded');
    form.hidden = !!chat.ended;
    tools.hidden = !!chat.ended;
    ended.hidden = !chat.ended;
    // aria-disabled, not disabled: the button keeps its place in the tab
    // order and says why it does nothing (its description).
    const canCard = hasResult();
    cardButton.setAttribute('aria-disabled', String(!canCard));
    if (canCard) cardButton.removeAttribute('title');
    else cardButton.title = t('chatCardNoResult');
  }

  function renderLog() {
    log.replaceChildren(...(chat?.messages || []).map(messageEl));
    log.scrollTop = log.scrollHeight;
  }

  function add(m) {
    if (!chat || chat.messages.some((x) => x.seq === m.seq)) return;
    chat.seq = Math.max(chat.seq, m.seq);
    chat.messages.push(m);
    save();
    log.append(messageEl(m));
    log.scrollTop = log.scrollHeight;
  }

  // A handover taken: the chat with its citizen begins (or, taken again
  // after a reload, goes on). The take's step does not say whether the
  // citizen is connected; the queue item does (`left`, when their
  // connection went), and chat_presence or a message from them says it
  // from then on.
  function open(code, session, { present = null } = {}) {
    if (chat?.session !== session) chat = { code, session, seq: 0, present, ended: false, messages: [] };
    save();
    render();
    renderLog();
  }

  function close() {
    chat = null;
    save();
    hideTyping();
    render();
  }

  // After a reconnect: take the handover again with the last seq seen. The
  // daemon answers with the step and sends the missed messages as pushes.
  async function rejoin() {
    if (!chat || chat.ended) return null;
    try {
      return await client.request({ type: 'take', code: chat.code, after: chat.seq });
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      // Gone or someone else's now: the chat cannot go on here.
      chat.ended = true;
      save();
      render();
      return null;
    }
  }

  async function send() {
    const text = input.value.trim();
    if (!text || !chat || chat.ended) return;
    showError('');
    input.value = '';
    try {
      const r = await client.request({ type: 'chat', session: chat.session, text });
      add({ from: 'agent', text, seq: r.seq, at: r.at });
    } catch (e) {
      if (!input.value) input.value = text;
      showError(errorText(e));
    }
    input.focus();
  }

  function sendTyping() {
    const now = Date.now();
    if (!chat || !client.connected || now - typingSent < TYPING_EVERY) return;
    typingSent = now;
    client.request({ type: 'typing', session: chat.session }).catch(() => {});
  }

  async function sendCard() {
    if (!chat || !hasResult()) {
      say(t('chatCardNoResult'));
      return;
    }
    showError('');
    try {
      // The acknowledgement has only the seq: the pane notes the card from
      // the result it sent (the citizen gets it in their own language).
      const r = await client.request({ type: 'chat_card', session: chat.session });
      add({ from: 'agent', card: { destination: result()?.destination || {} }, seq: r.seq, at: r.at });
      say(t('chatCardSent', { name: result()?.destination?.name || '' }));
    } catch (e) {
      showError(errorText(e));
    }
  }

  async function endChat() {
    if (!chat || chat.ended) return;
    try {
      await client.request({ type: 'chat_end', session: chat.session });
    } catch (e) {
      showError(errorText(e));
    }
  }

  function showTyping() {
    typing.textContent = t('chatTyping');
    typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_SHOWN);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    typing.hidden = true;
  }

  // Pushes for the chat: true when handled.
  function onPush(msg) {
    const ours = chat && msg.session === chat.session;
    switch (msg.type) {
    case 'chat':
      if (ours && msg.from && Number.isFinite(msg.seq)) {
        if (msg.from === 'citizen') {
          hideTyping();
          if (chat.present !== true) {
            chat.present = true;
            render();
          }
        }
        add({ from: msg.from, text: msg.text ?? null, card: msg.card || null, seq: msg.seq, at: msg.at });
      }
      return true;
    case 'typing':
      if (ours && msg.from === 'citizen') showTyping();
      return true;
    case 'chat_presence':
      if (ours && msg.side === 'citizen') {
        chat.present = !!msg.present;
        save();
        render();
      }
      return true;
    case 'chat_ended':
      if (ours && !chat.ended) {
        const hadFocus = root.contains(document.activeElement);
        chat.ended = true;
        save();
        hideTyping();
        render();
        say(t('chatEnded'));
        if (hadFocus) ended.focus();
      }
      return true;
    default:
      return false;
    }
  }

  render();
  renderLog();
  return { root, open, close, rejoin, onPush, render, relabel: () => { render(); renderLog(); },
    current: () => chat };
}
