// session.js - the widget's session with the daemon: starting it, starting
// it again in another language, and bringing it back after every
// (re)connect (docs/protocol.md: "resume" and "restore"). Apart from
// widget.js so that the panel and its controls stay in one file of a
// readable size; what it needs of the widget comes in as `w`.
import { ProtocolError } from '../../shared/protocol.js';
import { COUNTRY_NAMES, LANG_NAMES } from './texts.js';

// w: {S, t, add, note, save, call, present, renderReply, recover, applyMove,
// sendHelped, endSuperseded, conn, chat: () => the chat (chat.js)}.
export function createSession(w) {
  const { S, t, add, note, save, call, present, renderReply, recover, applyMove, sendHelped, endSuperseded, conn } = w;

  // The tree's language for the interface language: the same, else a
  // neighbour (a Norwegian reads Danish), else English.
  function treeLang(ui = S.ui) {
    const langs = S.welcome?.countries?.[S.country]?.langs || [];
    if (langs.includes(ui)) return ui;
    const near = { nb: ['nn', 'da'], nn: ['nb', 'da'], da: ['nb', 'nn'] }[ui] || [];
    return [...near, 'en'].find((l) => langs.includes(l)) || langs[0];
  }

  function explainFallback(used) {
    if (used === S.ui) return;
    note(t('fallback', { country: COUNTRY_NAMES[S.ui][S.country], wanted: LANG_NAMES[S.ui][S.ui], used: LANG_NAMES[S.ui][used] }));
  }

  async function startSession() {
    if (S.record || S.taken || !S.welcome) return;
    const welcome = S.welcome;
    if (!S.transcript.some((e) => e.k === 'welcome'))
      add({ k: 'welcome', countries: Object.fromEntries(Object.entries(welcome.countries || {}).map(([c, v]) => [c, v.langs])) });
    if (!welcome.countries?.[S.country]) {
      note(t('noGuide', { country: COUNTRY_NAMES[S.ui][S.country] }));
      return;
    }
    const lang = treeLang();
    explainFallback(lang);
    const step = await call({ type: 'start', country: S.country, channel: 'widget', lang });
    S.record = { session: step.session, country: S.country, lang: step.lang, started: Date.now(), steps: [], lastStep: step, pending: null };
    save();
    present(step, { focus: true });
  }

  function samePath(a, b) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
  }

  // The session's language is fixed at start, so a new language means a
  // new session with the same answers given again (a handover's code
  // belongs to its session: then the questions keep their language).
  async function relang() {
    const old = S.record;
    if (!old || S.taken || !conn.open || !S.welcome) return;
    const lang = treeLang();
    if (lang === old.lang) return;
    if (S.handover) {
      note(t('treeLangKept', { used: LANG_NAMES[S.ui][old.lang] }));
      return;
    }
    explainFallback(lang);
    let step = await call({ type: 'start', country: old.country, channel: 'widget', lang, facts: old.facts || {} });
    for (const s of old.steps) step = await call({ type: 'answer', session: step.session, value: s.answer });
    S.record = { ...old, session: step.session, lang: step.lang, started: Date.now(), lastStep: step, pending: null };
    save();
    endSuperseded(old.session);
    present(step);
  }

  // After every (re)connect: bring the session back. If the daemon lost it
  // (a restart), restore rebuilds it from our record. A move whose reply was
  // lost happened if the path changed.
  async function sync(welcome) {
    S.welcome = welcome;
    if (S.taken) {
      await w.chat().resume();
      return;
    }
    if (!S.record) {
      if (S.open) await startSession();
      return;
    }
    const rec = S.record;
    let step;
    try {
      step = await call({ type: 'resume', session: rec.session,
        restore: { country: rec.country, channel: 'widget', lang: rec.lang, facts: rec.facts || {}, steps: rec.steps, started: rec.started } });
    } catch (e) {
      // Logged already (the citizen answered "Did this help?"): nothing to
      // resume, the conversation stays on screen as it ended.
      if (e instanceof ProtocolError && e.code === 'conflict' && rec.helped !== undefined) {
        renderReply();
        return;
      }
      // Logged when it expired: a new conversation, as for one the daemon lost.
      if (e instanceof ProtocolError && e.code === 'conflict' && !S.handover) {
        note(t('sessionLost'));
        S.record = null;
        save();
        await startSession();
        return;
      }
      recover(e);
      return;
    }
    if (rec.pending && rec.lastStep && !samePath(step.path, rec.lastStep.path)) applyMove(rec.pending, step);
    rec.pending = null;
    rec.lastStep = step;
    save();
    present(step);
    await sendHelped();
    if (S.handover) await w.chat().resume();
    if (treeLang() !== rec.lang && !S.handover) await relang();
  }

  return { treeLang, startSession, relang, sync };
}
