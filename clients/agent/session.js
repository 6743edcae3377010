// session.js - the panel's record of one triage session.
//
// The daemon holds the walk; this record is what the panel must keep so the
// walk survives a daemon restart: the daemon rebuilds a lost session from
// `resume` + `restore` by replaying start and steps (docs/protocol.md). So we
// keep, per session: country, channel, lang, the facts given at start, every
// answer and jump still in force (back pops the last one), and when it
// started. Besides that, for people: the label of each answer, and which
// node asks which fact (learnt from every question we see).
//
// A record: {id, country, channel, lang, facts, started, steps, startPathLen,
//            nodeFacts, lastStep, pending}
//   steps[i] = {answer, node, fact, label, pathLen} or {jump, pathLen}
//   pathLen  = the length of step.path after the move (every live move makes
//              the path longer, so these only grow along steps)
//   pending  = a move sent whose reply never came (connection lost): see
//              reconcile().

export function createRecord(step, start) {
  const rec = {
    id: step.session,
    country: step.country,
    channel: step.channel,
    lang: step.lang,
    facts: { ...(start.facts || {}) },
    started: Date.now(),
    steps: [],
    startPathLen: step.path.length,
    nodeFacts: {},
    lastStep: null,
    pending: null,
  };
  observe(rec, step);
  return rec;
}

// A session taken over from the chat widget (`take`; docs/protocol.md
// "Talk to a person"). The daemon hands over the citizen's own session: same
// id, facts, path and language, channel "widget". Its record is built from
// the take reply alone, as if the agent had started it with every fact the
// citizen had given as a prefilled fact:
//
//   facts = the facts at take time, steps = [].
//
// Why: this record is also the `restore` the daemon replays after a restart
// (start with the facts, then the steps), and we never saw the citizen's
// moves, only their outcome, so the facts are all we can honestly replay.
// Replaying them as prefilled facts brings the walk to the same question
// (provided the daemon accepts channel "widget" in an agent's restore; if
// it refuses, resume says so and the panel starts afresh, as for any walk
// that cannot be restored).
// And with no steps of our own, back has nothing to undo here: the panel
// will not step back over answers the citizen gave (they were not the
// agent's to undo, and a restored session could not undo them either, since
// back keeps prefilled facts). The agent can still change one such fact from
// the trail (planChange treats it like a fact given at start: a jump).
// handover: {code, created} of the handover, for the screen.
//
// A handoff from another desk (item.kind "handoff", docs/protocol.md
// "Handoffs between desks") is taken the same way, but `take` starts a new
// session of this desk's own, prefilled with the facts the other desk sent:
// the record is the same (facts, no steps), and rec.handoff says where it
// came from, for the screen and for the finish form's referral check.
export function createTakenRecord(step, handover) {
  const rec = createRecord(step, { facts: step.facts || {} });
  if (handover.kind === 'handoff' || step.handoff) {
    const about = { ...handover, ...(step.handoff || {}) };
    rec.handoff = {
      code: about.code, from: about.from || '', destination: about.destination || null,
      referral_reason: about.referral_reason || null, note: about.note || '', advice: about.advice || '',
      dropped_facts: Array.isArray(about.dropped_facts) ? about.dropped_facts : [],
    };
    return rec;
  }
  rec.handover = { code: handover.code, created: handover.created || null };
  // When the citizen's walk began is not told; the handover is the earliest
  // time we know, and the daemon only takes a restore's start if it is past.
  if (Number.isFinite(handover.created) && handover.created < rec.started) rec.started = handover.created;
  return rec;
}

// What the daemon needs to rebuild the session (the `restore` object).
export function restoreOf(rec) {
  return {
    country: rec.country,
    channel: rec.channel,
    lang: rec.lang,
    facts: rec.facts,
    steps: rec.steps.map((s) => (s.jump !== undefined ? { jump: s.jump } : { answer: s.answer })),
    started: rec.started,
  };
}

// Every step the daemon sends passes here: it becomes the current one, and
// its question teaches us which fact its node asks.
export function observe(rec, step) {
  if (step.question) rec.nodeFacts[step.question.node] = step.question.fact;
  rec.lastStep = step;
}

// The move a reply confirmed: record it, so restore replays it.
export function applyMove(rec, move, step) {
  if (move.kind === 'back') rec.steps.pop();
  else if (move.kind === 'jump') rec.steps.push({ jump: move.node, pathLen: step.path.length });
  else
    rec.steps.push({ answer: move.value, node: move.node, fact: move.fact, label: move.label,
      pathLen: step.path.length });
  rec.pending = null;
  observe(rec, step);
}

function samePath(a, b) {
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
}

// After a reconnect, `resume` tells where the daemon's walk is. A move whose
// reply was lost either happened (the daemon kept the session and the path
// changed) or did not (the path is the one we last saw, also when the daemon
// rebuilt the session from our steps, which never include the lost move).
export function reconcile(rec, step) {
  if (rec.pending && rec.lastStep && !samePath(step.path, rec.lastStep.path)) applyMove(rec, rec.pending, step);
  rec.pending = null;
  observe(rec, step);
}

// How to change the answer to `fact` so the walk is where it would be had the
// fact never been given, with nothing stale left behind:
//
// - Answered in this walk: `back` until its question is current. Back undoes
//   exactly the answers (and jumps) after it and forgets the facts they set,
//   so no fact from a branch we leave survives; a jump there instead would
//   keep every later fact and auto-answer them again.
// - Given at start (or not asked yet but known): back cannot reach it, since
//   back keeps prefilled facts. Then jump to the node that asks it, after
//   backing out the moves made since that node joined the path (they may have
//   followed from the old value). The daemon tells which node asks a fact only
//   when it shows that question, so a node we never saw is found by probing:
//   jump to it, read its fact, back (a jump and its back leave no trace).
//   The path holds only the questions asked (a prefilled fact's question is
//   never on it), so a question seen earlier in the walk is a candidate too;
//   with none at all, walk.js starts the walk again without the fact.
//
// Returns {kind: 'current'} (its question is on screen), {kind: 'back',
// count}, {kind: 'jump', candidates: [{node, index, known}]} (latest first),
// or {kind: 'none'}.
export function planChange(rec, fact) {
  const step = rec.lastStep;
  if (step?.question?.fact === fact) return { kind: 'current' };
  for (let i = rec.steps.length - 1; i >= 0; i--) {
    if (rec.steps[i].fact === fact && rec.steps[i].answer !== undefined)
      return { kind: 'back', count: rec.steps.length - i };
  }
  const path = step?.path || [];
  const answered = new Set(rec.steps.filter((s) => s.answer !== undefined).map((s) => s.node));
  const candidates = [];
  // The last node is where the walk is; the others were answered.
  for (let p = path.length - 2; p >= 0; p--) {
    const node = path[p];
    if (answered.has(node)) continue;
    const known = rec.nodeFacts[node];
    if (known !== undefined && known !== fact) continue;
    candidates.push({ node, index: p, known: known === fact });
  }
  candidates.sort((a, b) => Number(b.known) - Number(a.known));
  // A fact given at start is never asked, so its question is not on the
  // path (the path holds only the questions asked): a node seen asking it
  // earlier in this walk is jumped to after backing out every move.
  if (!candidates.some((c) => c.known)) {
    const seen = Object.keys(rec.nodeFacts).find((node) => rec.nodeFacts[node] === fact);
    if (seen !== undefined) candidates.unshift({ node: seen, index: -1, known: true });
  }
  return candidates.length ? { kind: 'jump', candidates } : { kind: 'none' };
}

// How many moves to back out so that path index p is still on the path and
// nothing decided after it joined survives.
export function backsToKeep(rec, p) {
  if (rec.startPathLen > p) return rec.steps.length;
  const k = rec.steps.findIndex((s) => s.pathLen > p);
  return k < 0 ? 0 : rec.steps.length - (k + 1);
}

// The facts to show in the trail: those given at start first, then the ones
// answered, in the order asked. An answer's label is the option label the
// agent chose (in the session's language); a fact given at start has none.
export function trail(rec) {
  const facts = rec.lastStep?.facts || {};
  const lastAnswer = (fact) => [...rec.steps].reverse().find((s) => s.answer !== undefined && s.fact === fact);
  const entry = (fact) => {
    const answered = lastAnswer(fact);
    return { fact, value: facts[fact], prefilled: !answered,
      label: answered && answered.answer === facts[fact] ? answered.label : undefined };
  };
  const order = [...Object.keys(rec.facts), ...rec.steps.map((s) => s.fact), ...Object.keys(facts)];
  const seen = new Set();
  const out = [];
  for (const fact of order) {
    if (!fact || seen.has(fact) || !(fact in facts)) continue;
    seen.add(fact);
    out.push(entry(fact));
  }
  return out;
}
