// handovers.js - the queue of citizens and desks waiting for a person, as
// the daemon keeps it: subscribed after every welcome, kept up to date from
// its pushes, a code looked up as a caller reads it out, and a handover
// taken over as this panel's session (session.createTakenRecord).
//
// createHandovers(ctx): ctx is the panel's wiring (app.js): its state (app),
// the client, i18n, queue (queue.js), chatPane (chat.js), act, saveRec,
// errText; ctx.walk is read when a taken session is shown.

import { ProtocolError, ConnectionLost } from '/shared/protocol.js';
import * as S from './session.js';

export function createHandovers(ctx) {
  const { app, client, i18n, queue, chatPane, act, saveRec, errText } = ctx;

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
  function onPush(msg) {
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
      ctx.walk.showStep({ taken: item.code });
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

  return { setConfirmTake, subscribe: subscribeQueue, onPush, lookup: lookupCode, take: takeHandover };
}
