// connection.js - the connection bar the agent panel and the dashboard show
// in their top bar, and what a refused key does.
//
// The bar is the page's #conn (data-state: connecting, syncing, ready,
// waiting, unauthorized, stopped) with #conn-text (a status region) in the
// page's words (its texts' conn* keys), #conn-retry (the seconds until the
// next try, ticking visibly only: a live region that changed every second
// would talk over everything else) and #conn-retry-now (skips the wait).
// "stopped" with a key kept is shown as connecting: the page is about to
// start. When the daemon refuses the key, the key is cleared and onRefused
// gets the page's own words for it (tokenNotAccepted): the daemon's reason is
// in English.
//
// createConnectionBar({client, i18n, token, onState, onRender, onRefused}):
// client a ProtocolClient (protocol.js); token a tabToken (token.js);
// onState(detail) after the bar shows each state event; onRender(state)
// after each drawing (also on a new language). Returns {render, state}.

const STATE_TEXT = { connecting: 'connConnecting', syncing: 'connSyncing', ready: 'connReady',
  waiting: 'connWaiting', unauthorized: 'connUnauthorized', stopped: 'connStopped' };

// The keys a page's texts must have for the bar (tests/content checks both
// pages' texts); retryNow labels the button in the page's own markup.
export const CONNECTION_TEXT_KEYS = [...Object.values(STATE_TEXT), 'retryIn', 'retryNow', 'tokenNotAccepted'];

export function createConnectionBar({ client, i18n, token, onState = () => {}, onRender = () => {}, onRefused }) {
  const $ = (id) => document.getElementById(id);
  let conn = { state: 'stopped', retryIn: 0, since: Date.now() };
  let countdown = null;

  function render() {
    const { state, retryIn } = conn;
    const shown = state === 'stopped' && token.get() ? 'connecting' : state;
    $('conn').dataset.state = shown;
    $('conn-text').textContent = i18n.t(STATE_TEXT[shown]);
    $('conn-retry-now').hidden = state !== 'waiting';
    clearInterval(countdown);
    const retry = $('conn-retry');
    retry.textContent = '';
    if (state === 'waiting') {
      const until = conn.since + retryIn;
      const tick = () => {
        retry.textContent = i18n.t('retryIn', { s: Math.max(0, Math.ceil((until - Date.now()) / 1000)) });
      };
      tick();
      countdown = setInterval(tick, 1000);
    }
    onRender(state);
  }

  client.addEventListener('state', (ev) => {
    const detail = ev.detail;
    conn = { ...detail, since: Date.now() };
    render();
    onState(detail);
    if (detail.state === 'unauthorized') {
      token.clear();
      onRefused(i18n.t('tokenNotAccepted'));
    }
  });
  $('conn-retry-now').addEventListener('click', () => client.retryNow());

  return { render, get state() { return conn.state; } };
}
