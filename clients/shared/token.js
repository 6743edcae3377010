// token.js - a client's key, as the agent panel and the dashboard keep it.
//
// It may arrive in the address as #token=…: taken at once, kept for this tab
// only (sessionStorage, gone when the tab closes) and taken out of the
// address bar, and so out of bookmarks, history and screenshots (fragments
// are never sent to a server). It is never put in localStorage nor in a URL.
// A key the daemon refuses is cleared (connection.js); a new one comes from
// the sign-in form (signInSubmit).

import { read, write } from './storage.js';

// The key kept under storageKey ("vegvisar.agent.token"): get, set, clear.
export function tabToken(storageKey) {
  return {
    get: () => read(sessionStorage, storageKey, null),
    set: (t) => write(sessionStorage, storageKey, t),
    clear: () => write(sessionStorage, storageKey, null),
  };
}

// The token in the address, taken out of it; null when there is none.
export function takeTokenFromUrl(loc = window.location) {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const t = params.get('token');
  if (!t) return null;
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', loc.pathname + loc.search + (rest ? `#${rest}` : ''));
  return t;
}

// At start: a key in the address replaces the one kept.
export function adoptUrlToken(token, loc = window.location) {
  const t = takeTokenFromUrl(loc);
  if (t) token.set(t);
  return t;
}

// The sign-in form's submit handler: the key as typed, trimmed, goes to
// onToken and leaves the field; an empty one goes to onEmpty, if given.
export function signInSubmit(input, { onToken, onEmpty = () => {} }) {
  return (ev) => {
    ev.preventDefault();
    const value = input.value.trim();
    if (!value) {
      onEmpty();
      return;
    }
    input.value = '';
    onToken(value);
  };
}
