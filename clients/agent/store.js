// store.js - what the panel keeps in the browser, and where.
//
// sessionStorage (this tab only, gone when it closes): the token, the session
// in progress, the last contact logged. localStorage (the browser profile):
// the outbox of finished contacts not yet confirmed `logged`, so a contact
// survives a closed tab, a reload and a daemon restart and is sent again with
// the same idempotency key; and the desk's preferences. The token is never
// put in localStorage nor in a URL (shared/token.js).

import { read, write } from '/shared/storage.js';
import { tabToken } from '/shared/token.js';

const K = {
  token: 'vegvisar.agent.token',
  session: 'vegvisar.agent.session',
  lastLogged: 'vegvisar.agent.lastLogged',
  finishing: 'vegvisar.agent.finishing',
  outbox: 'vegvisar.agent.outbox',
  prefs: 'vegvisar.agent.prefs',
};

// As the dashboard keeps its own (shared/token.js).
export const token = tabToken(K.token);

export const session = {
  get: () => read(sessionStorage, K.session, null),
  set: (rec) => write(sessionStorage, K.session, rec),
  clear: () => write(sessionStorage, K.session, null),
};

export const lastLogged = {
  get: () => read(sessionStorage, K.lastLogged, null),
  set: (v) => write(sessionStorage, K.lastLogged, v),
};

// The outbox key of the finish on screen, so a reload shows it again.
export const finishing = {
  get: () => read(sessionStorage, K.finishing, null),
  set: (key) => write(sessionStorage, K.finishing, key),
};

export const prefs = {
  get: () => read(localStorage, K.prefs, {}),
  update(patch) {
    const p = { ...prefs.get(), ...patch };
    write(localStorage, K.prefs, p);
    return p;
  },
};

// Entries: {key, session, restore, finish, record, summary, status, error,
// created}. status: "pending" (will be sent until logged) or "error" (the
// daemon refused it for a reason a retry cannot fix; kept for the agent).
export const outbox = {
  all: () => read(localStorage, K.outbox, []),
  get: (key) => outbox.all().find((e) => e.key === key) || null,
  put(entry) {
    const all = outbox.all().filter((e) => e.key !== entry.key);
    all.push(entry);
    write(localStorage, K.outbox, all);
  },
  remove(key) {
    write(localStorage, K.outbox, outbox.all().filter((e) => e.key !== key));
  },
};
