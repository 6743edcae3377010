// walk.js - the walk on the agent's side: starting a session, one move at a
// time (answer, back, jump), changing a fact of the trail, and bringing the
// session in progress back after a reconnect. The walk lives in the daemon;
// every move is recorded (session.js) only once the daemon confirmed it.
//
// createWalk(ctx): ctx is the panel's wiring (app.js): its state (app), the
// client, i18n, main, and render, show, say, notice, act, saveRec, errText,
// focusHeading, setUiLang; ctx.handovers is read when a step is shown.

import { ProtocolError, ConnectionLost, fitBytes } from '/shared/protocol.js';
import { UI_LANGS } from '/shared/i18n.js';
import { h } from '/shared/dom.js';
import { factName } from '/shared/vocabulary.js';
import * as store from './store.js';
import * as S from './session.js';

export function createWalk(ctx) {
  const { app, client, i18n, main, render, show, say, notice, act, saveRec, errText, focusHeading } = ctx;

  async function startSession(values, understood = null) {
    const msg = { type: 'start', country: values.country, channel: values.channel, lang: values.lang };
    if (Object.keys(values.facts || {}).length) msg.facts = values.facts;
    if (values.text) msg.text = fitBytes(values.text);
    const step = await client.request(msg);
    // What the words gave is replayed as facts if the daemon must restore the
    // walk: the text itself is kept nowhere.
    app.rec = S.createRecord(step, values.text ? { ...values, facts: step.facts } : values);
    app.rec.understood = understood || step.understood || [];
    app.pendingDestination = null;
    saveRec();
    store.prefs.update({ country: values.country, channel: values.channel, lang: values.lang });
    // The interface follows the conversation's language unless chosen.
    if (!store.prefs.get().uiLang && UI_LANGS.includes(step.lang)) ctx.setUiLang(step.lang, false);
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

  function showStep({ taken, back: wentBack } = {}) {
    app.screen = 'step';
    ctx.handovers.setConfirmTake(null);
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

  // After a reconnect: the daemon takes the walk back from its record (and
  // rebuilds it if it restarted meanwhile).

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


  return { startSession, startContact, showStep, move, answer, back, forgetUnderstood, changeFact, copy,
    resume: resumeSession };
}
