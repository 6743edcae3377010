// protocol.js - a protocol v1 client that keeps itself connected.
//
// One of these per page. It opens ws(s)://<this host>/ws with subprotocol
// vegvisar.v1, says hello, and hands the welcome to onReady so the page can
// bring its state back (resume a session, resend a finish) before it counts
// as connected. When the socket closes it reconnects with exponential backoff
// and jitter, until stop() or a refused token. request() pairs each message
// with its reply through "id"/"re"; a request still waiting when the socket
// closes is rejected with a ConnectionLost, so callers know the reply may
// have been lost (and must not assume either way).
//
// Events (EventTarget): "state" with detail {state, retryIn, error}, where
// state is one of: connecting, syncing (hello done, onReady running), ready,
// waiting (closed; retry in retryIn ms), unauthorized (token refused; no
// retry), stopped. "message" with detail = a message that answers no request.
// Every state event also says whether a hello ever succeeded (everReady: a
// page whose origin the daemon refuses never gets in) and whether the last
// hello was refused as rate_limited (limited: then the wait is the daemon's).

export class ConnectionLost extends Error {
  constructor(message = 'the connection closed before the reply arrived') {
    super(message);
    this.name = 'ConnectionLost';
  }
}

// An error reply from the daemon, kept whole: code and message are shown to
// people and decide retries.
export class ProtocolError extends Error {
  constructor(reply) {
    super(reply.message || reply.code || 'error');
    this.name = 'ProtocolError';
    this.code = reply.code;
    this.reply = reply;
  }
}

// The longest caller's words the daemon takes: UTF-8 bytes of start's
// "text" and search's "q" (docs/protocol.md). A field's maxlength counts
// characters, and æ, ø, å take two bytes each, so a full field can be too
// long: the words are cut at a character instead of being refused.
export const TEXT_MAX_BYTES = 1000;

export function fitBytes(text, max = TEXT_MAX_BYTES) {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // not inside a character
  return new TextDecoder().decode(bytes.subarray(0, end));
}

const SUBPROTOCOL = 'vegvisar.v1';

export function defaultUrl(loc = window.location) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

export class ProtocolClient extends EventTarget {
  // hello: () => the hello message (read at each connect, so a new token or
  // language takes effect on the next connection).
  // onReady: async (welcome) => void, run after every welcome.
  constructor({ url = defaultUrl(), hello, onReady = async () => {}, minDelay = 250,
    maxDelay = 15000, requestTimeout = 20000 } = {}) {
    super();
    this.url = url;
    this.hello = hello;
    this.onReady = onReady;
    this.minDelay = minDelay;
    this.maxDelay = maxDelay;
    this.requestTimeout = requestTimeout;
    this.ws = null;
    this.seq = 0;
    this.pending = new Map(); // id -> {resolve, reject, timer}
    this.attempt = 0;
    this.retryTimer = null;
    this.state = 'stopped';
    this.welcome = null;
    this.wanted = false;
    this.everReady = false;
    this.limited = false;
    this.onOnline = () => this.retryNow();
  }

  start() {
    if (this.wanted) return;
    this.wanted = true;
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  stop() {
    this.wanted = false;
    window.removeEventListener('online', this.onOnline);
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.ws) this.ws.close(1000, 'stopped');
    this.dropSocket(new ConnectionLost('stopped'));
    this.setState('stopped');
  }

  // Skip the rest of the backoff wait (the browser says it is online again,
  // or the person asked to retry).
  retryNow() {
    if (!this.wanted || this.state !== 'waiting') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  get connected() {
    return this.state === 'ready' || this.state === 'syncing';
  }

  get ready() {
    return this.state === 'ready';
  }

  get open() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  setState(state, extra = {}) {
    this.state = state;
    const detail = { state, everReady: this.everReady, limited: this.limited, ...extra };
    this.dispatchEvent(new CustomEvent('state', { detail }));
  }

  connect() {
    let ws;
    this.setState('connecting');
    try {
      ws = new WebSocket(this.url, SUBPROTOCOL);
    } catch (e) {
      this.scheduleRetry(e);
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => this.greet(ws));
    ws.addEventListener('message', (ev) => this.receive(ws, ev.data));
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      this.dropSocket(new ConnectionLost());
      if (this.wanted && this.state !== 'unauthorized') this.scheduleRetry();
    });
  }

  async greet(ws) {
    let welcome;
    try {
      welcome = await this.request(this.hello());
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'unauthorized') {
        this.wanted = false;
        this.setState('unauthorized', { error: e });
        ws.close(1000, 'unauthorized');
      } else if (e instanceof ProtocolError) {
        this.limited = e.code === 'rate_limited';
        ws.close(1000, 'hello refused');
      }
      return;
    }
    if (this.ws !== ws) return;
    this.welcome = welcome;
    this.everReady = true;
    this.limited = false;
    this.attempt = 0;
    this.setState('syncing', { welcome });
    try {
      await this.onReady(welcome);
    } catch (e) {
      // A lost connection during the sync is handled by the close event;
      // anything else is the page's to report, and the connection stays.
      if (e instanceof ConnectionLost) return;
      console.error('vegvisar: sync after connect failed', e);
    }
    if (this.ws === ws && ws.readyState === WebSocket.OPEN) this.setState('ready', { welcome });
  }

  receive(ws, data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    const waiter = msg.re !== undefined ? this.pending.get(msg.re) : undefined;
    if (!waiter) {
      this.dispatchEvent(new CustomEvent('message', { detail: msg }));
      return;
    }
    this.pending.delete(msg.re);
    clearTimeout(waiter.timer);
    if (msg.type === 'error') waiter.reject(new ProtocolError(msg));
    else waiter.resolve(msg);
  }

  // Send msg with a fresh id; resolve with its reply, reject with a
  // ProtocolError for an error reply or ConnectionLost.
  request(msg) {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new ConnectionLost('not connected'));
    const id = `c${++this.seq}`;
    return new Promise((resolve, reject) => {
      // A reply that never comes means a dead connection nobody noticed:
      // close it, which rejects everything waiting and reconnects.
      const timer = setTimeout(() => {
        if (this.ws === ws) ws.close(4000, 'reply timeout');
      }, this.requestTimeout);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...msg, id }));
    });
  }

  dropSocket(err) {
    for (const w of this.pending.values()) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.pending.clear();
    this.ws = null;
  }

  scheduleRetry(error) {
    // 250 ms, 500 ms, 1 s … up to maxDelay, each with up to 30 % jitter so
    // a desk full of panels does not reconnect in step after a restart.
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempt);
    const delay = Math.round(base * (0.7 + 0.3 * Math.random()));
    this.attempt++;
    this.setState('waiting', { retryIn: delay, error });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted) this.connect();
    }, delay);
  }
}
