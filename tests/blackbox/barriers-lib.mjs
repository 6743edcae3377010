// The survey's barriers (issue 21) as a test expects them: computed here
// from what was sent, never read from the daemon, with the small-cell rule
// of docs/store.md applied in JavaScript so that both sides must agree.
export const BARRIERS = ['no_eid', 'cannot_get_eid', 'no_device', 'language', 'sensory_motor', 'cognitive',
  'low_skills', 'distrust', 'wants_person', 'no_helper', 'mental_health', 'helper_not_allowed', 'other'];
export const CROSSED = {
  category: ['login', 'reservation', 'power_of_attorney', 'agency', 'estate', 'other'],
  channel: ['phone', 'chat', 'widget', 'desk'],
  on_behalf: ['self', 'another_person', 'organisation', 'unknown'],
  outcome: ['resolved', 'referred', 'abandoned'],
};

// {code: {count, share}} of `of` contacts; c.barriers is the list sent.
function codes(cs, of, withNone) {
  const out = {};
  for (const b of BARRIERS) {
    const n = cs.filter((c) => (c.barriers || []).includes(b)).length;
    out[b] = { count: n, share: of ? n / of : null };
  }
  const none = cs.filter((c) => !(c.barriers || []).length).length;
  if (withNone && none) out.not_recorded = { count: none, share: of ? none / of : null };
  return out;
}

// "barrier" and "barrier_by" of the report, unsuppressed.
export function expectedBarriers(cs) {
  const by = {};
  for (const [dim, values] of Object.entries(CROSSED)) {
    by[dim] = {};
    const key = (c) => (values.includes(c[dim]) ? c[dim] : 'not_recorded');
    for (const v of [...values, 'not_recorded']) {
      const rows = cs.filter((c) => key(c) === v);
      if (v === 'not_recorded' && !rows.length) continue;
      by[dim][v] = { contacts: rows.length, barrier: codes(rows, rows.length, false) };
    }
  }
  return { barrier: codes(cs, cs.length, true), barrier_by: by };
}

const COUNTS = ['count', 'contacts', 'followed', 'resolved', 'referred', 'sent', 'accepted', 'misrouted', 'unanswered'];

// docs/store.md, "Small cells": a count from 1 to below − 1 becomes
// "< below", and the share or rate beside it null; "total" stays.
export function suppress(rep, below) {
  if (below <= 1 || rep === null || typeof rep !== 'object') return rep;
  if (Array.isArray(rep)) return rep.map((x) => suppress(x, below));
  const out = {};
  let hidden = false;
  for (const [k, v] of Object.entries(rep)) {
    if (COUNTS.includes(k) && Number.isInteger(v) && v >= 1 && v < below) {
      out[k] = `< ${below}`;
      hidden = true;
    } else {
      out[k] = suppress(v, below);
    }
  }
  if (hidden && 'share' in out) out.share = null;
  if (hidden && 'rate' in out) out.rate = null;
  return out;
}

// The barrier sections as rows of section, value, count, of: what the CSV
// and the readable table print after the other sections.
export function barrierRows(rep) {
  const rows = [];
  for (const [v, e] of Object.entries(rep.barrier)) rows.push(['barrier', v, e.count, rep.total]);
  for (const [dim, values] of Object.entries(rep.barrier_by))
    for (const [v, row] of Object.entries(values))
      for (const [code, e] of Object.entries(row.barrier)) rows.push([`barrier_by_${dim}.${v}`, code, e.count, row.contacts]);
  return rows;
}

// Some barriers for a planned contact: none for about a third, else one to
// three, skewed so that some cross cells stay small.
export function planBarriers(rand) {
  if (rand() < 0.35) return [];
  const n = 1 + Math.floor(rand() * rand() * 3.5);
  const set = new Set();
  while (set.size < n) {
    const i = Math.floor(Math.pow(rand(), 1.6) * BARRIERS.length);
    set.add(BARRIERS[i]);
  }
  return BARRIERS.filter((b) => set.has(b));
}
