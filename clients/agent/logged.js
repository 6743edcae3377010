// logged.js - the last logged contact's summary kept across a reload (issue 20).
//
// After "logged" the panel shows what was stored and, within the daemon's
// correct_window_seconds, "correct this contact". A reload (or a crash of the
// tab's page) used to lose both, so a slip seen a moment later could no
// longer be fixed. The summary (app.logged: the contact's id, what was stored,
// the form's values and correctUntil) is kept in sessionStorage, this tab
// only, like the session in progress; the daemon still checks that the
// contact is this token's and the window open (handle_correct.c). It holds
// the contact's fields and note as stored, no more than the outbox held.

import { read, write } from '/shared/storage.js';

const KEY = 'vegvisar.agent.logged';

// The logged screen's state, or null to forget it (a new contact, a taken
// case, signed out).
export function keepLogged(logged) {
  const now = read(sessionStorage, KEY, null);
  if (!logged && !now) return;
  write(sessionStorage, KEY, logged || null);
}

// What to show after a reload: the summary while the contact may still be
// corrected, else nothing (the panel opens on a new contact as before).
export function restoreLogged(at = Date.now()) {
  const l = read(sessionStorage, KEY, null);
  if (l && Number.isFinite(l.contact) && Number(l.correctUntil) > at) return l;
  write(sessionStorage, KEY, null);
  return null;
}
