// store.js - what the panel keeps in the browser, and where.
//
// sessionStorage (this tab only, gone when it closes): the token, the session
// in progress, the last contact logged. localStorage (the browser profile):
// the outbox of finished contacts not yet confirmed `logged`, so a contact
// survives a closed tab, a reload and a daemon restart and is sent again with
// the same idempotency key; and the desk's preferences. The token is never
// put in localStorage nor in a URL.

import { read, write } from '/shared/storage.js';

const K = {
  token: 'vegvisar.agent.token',
  session: 'vegvisar.agent.session',
  lastLogged: 'vegvisar.agent.lastLogged',
  finishing: 'vegvisar.agent.finishing',
  outbox: 'vegvisar.agent.outbox',
  prefs: 'vegvisar.agent.prefs',
};


export const token = {
  get: () => read(sessionStorage, K.token, null),
  set: (t) => write(sessionStorage, K.token, t),
  clear: () => write(sessionStorage, K.token, null),
};

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

// The token may arrive in the address as #token=…: take it, keep it in this
// tab, and take it out of the address bar (and so out of bookmarks, history
// and screenshots). Fragments are never sent to a server.
export function takeTokenFromUrl(loc = window.location) {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const t = params.get('token');
  if (!t) return null;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', loc.pathname + loc.search + (rest ? `#${rest}` : ''));
  return t;
}
