// callbacks.js - the citizens who asked to be called back while nobody
// could chat (docs/protocol.md, "When nobody can take it"): phone number,
// code, country and language, and "Done" once called. The list follows the
// daemon's pushes (callbacks_changed) after one `callbacks` request per
// connection. The numbers are shown, never stored by the panel.
import { h } from '/shared/dom.js';
import { ProtocolError } from '/shared/protocol.js';
import { errorText } from '/shared/errors.js';

export function createCallbacks({ client, i18n, say }) {
  const t = (k, v) => i18n.t(k, v);
  let items = [];
  let available = false;
  const heading = h('h2', { id: 'callbacks-title' });
  const empty = h('p', { class: 'callbacks-empty' });
  const list = h('ul', { class: 'callbacks-list', 'aria-labelledby': 'callbacks-title' });
  const error = h('p', { class: 'callbacks-error', role: 'alert', hidden: true });
  const root = h('section', { class: 'callbacks', id: 'callbacks', 'aria-labelledby': 'callbacks-title', hidden: true },
    heading, empty, list, error);

  function time(ms) {
    try {
      return new Intl.DateTimeFormat(i18n.lang, { weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
    } catch {
      return '';
    }
  }

  function itemEl(item) {
    const dial = String(item.phone || '').replace(/[^\d+]/g, '');
    return h('li', { class: 'callback-item', dataset: { code: item.code } },
      h('p', { class: 'callback-phone' }, h('a', { href: `tel:${dial}` }, item.phone)),
      h('p', { class: 'callback-meta' }, t('callbackMeta', { code: item.code, country: (item.country || '').toUpperCase(),
        lang: item.lang || '', time: item.created ? time(item.created) : '' })),
      h('button', { type: 'button', class: 'secondary', dataset: { act: 'callback-done' },
        'aria-label': t('callbackDoneLabel', { code: item.code }), onclick: () => done(item.code) }, t('callbackDone')));
  }

  // Only while someone waits: an empty list would push the walk down in a
  // narrow panel.
  function render() {
    root.hidden = !available || !items.length;
    heading.textContent = t('callbacksTitle', { n: items.length });
    empty.textContent = t('callbacksNone');
    empty.hidden = items.length > 0;
    list.replaceChildren(...items.map(itemEl));
  }

  // After every welcome: the list, then its changes as pushes.
  async function subscribe() {
    try {
      const r = await client.request({ type: 'callbacks' });
      items = Array.isArray(r.items) ? r.items : [];
      available = true;
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      available = false; // a daemon without callbacks: no list
    }
    render();
  }

  async function done(code) {
    error.hidden = true;
    try {
      await client.request({ type: 'callback_done', code });
    } catch (e) {
      if (!(e instanceof ProtocolError && e.code === 'not_found')) {
        error.textContent = t('serverError', { msg: errorText(i18n.lang, e) });
        error.hidden = false;
        return;
      }
    }
    // The push removes it too; removing it now keeps focus on the list.
    const next = items.findIndex((i) => i.code === code);
    items = items.filter((i) => i.code !== code);
    render();
    say(t('callbackDoneSaid', { code }));
    const buttons = list.querySelectorAll('button');
    (buttons[Math.min(next, buttons.length - 1)] || document.getElementById('queue-button'))?.focus();
  }

  function onPush(msg) {
    if (msg?.type !== 'callbacks_changed') return false;
    const removed = new Set(msg.removed || []);
    items = items.filter((i) => !removed.has(i.code));
    for (const a of msg.added || []) if (!items.some((i) => i.code === a.code)) items.push(a);
    const focus = root.contains(document.activeElement) ? document.activeElement?.closest('li')?.dataset.code : null;
    render();
    if (focus) list.querySelector(`li[data-code="${CSS.escape(focus)}"] button`)?.focus();
    if (msg.added?.length) say(t('callbackAdded', { n: msg.added.length }));
    return true;
  }

  heading.tabIndex = -1;
  return { root, subscribe, onPush, relabel: render };
}
