// finish.js - the finish form and what follows it: outcome, destination,
// note, barriers and story checked and put in the outbox, sent (sender.js)
// until the daemon says `logged`, shown again after a reload, taken back to
// the walk when refused; the logged screen's facts; and correcting a logged
// contact within the daemon's window (issue 20).
//
// createFinish(ctx): ctx is the panel's wiring (app.js): its state (app), the
// client, i18n, main, and render, show, say, focusHeading, saveRec, errText,
// runSearch, kindLabel; ctx.walk is read when the form goes back to the walk.
// The form itself is finishview.js.

import { randomHex } from '/shared/dom.js';
import * as store from './store.js';
import * as S from './session.js';
import * as screens from './screens.js';
import * as view from './finishview.js';
import { createSearch } from './search.js';
import { FinishSender } from './sender.js';

const NOTE_MAX_BYTES = 4000;

export function createFinish(ctx) {
  const { app, client, i18n, main, render, show, say, focusHeading, saveRec, errText, runSearch, kindLabel } = ctx;

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
    const values = view.finishDefaults(app.rec);
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
    finishForm = view.finish(i18n, app.finish, {
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
      if (v.consent && view.consentApplies(peerDestinations(), v.destination.id)) finish.consent = true;
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
    if (app.rec) ctx.walk.showStep();
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
    const el = document.getElementById('outbox-status');
    const parts = [];
    if (waiting) parts.push(i18n.t('outboxPending', { n: waiting }));
    if (errors) parts.push(i18n.t('outboxError', { n: errors }));
    el.textContent = parts.join(' · ');
    el.hidden = parts.length === 0;
    el.classList.toggle('has-errors', errors > 0);
  }

  // The finish on screen before a reload (sessionStorage), shown again while
  // the panel connects: true when there was one.
  function restore() {
    const finishing = store.finishing.get();
    const entry = finishing && store.outbox.get(finishing);
    if (!entry) return false;
    app.finish = { key: entry.key, values: entry.values, summary: entry.summary, handoff: entry.handoff || null,
      state: entry.status === 'error' ? 'editing' : 'waiting',
      error: entry.status === 'error' ? i18n.t('finishRefused', { msg: errText({ code: entry.errorCode, message: entry.error }) }) : '' };
    return true;
  }

  // A new contact: the correction window of the last one no longer matters.
  function forgetLogged() {
    clearTimeout(correctTimer);
  }

  return {
    open: openFinish, build: buildFinish, form: () => finishForm, setState: setFinishState, setDestination,
    openPending, openCorrect, canCorrect, watchCorrectWindow, forgetLogged, restore, updateOutboxStatus, sender,
  };
}
