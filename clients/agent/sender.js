// sender.js - sends finished contacts from the outbox until the daemon says
// `logged`, so a finished contact is never lost and never doubled.
//
// An entry (store.js) holds the finish message, its idempotency key and the
// session's restore record. Every attempt uses the entry's one key: the
// daemon stores a key once and answers a repeat with the same contact and
// "duplicate":true. After a reconnect the session is resumed first, with its
// restore record, so a daemon that restarted (and lost the session) has it
// again before the finish arrives. What happens to an attempt:
//   - logged            → the entry leaves the outbox
//   - connection lost   → kept; sent again after the next welcome
//   - unavailable, internal, rate_limited → kept; retried with backoff
//   - anything else     → nothing was stored: kept as "error" for the agent
//                         to correct (same key) or take back to the walk.

import { ConnectionLost } from '/shared/protocol.js';
import * as store from './store.js';

const RETRY_CODES = new Set(['unavailable', 'internal', 'rate_limited']);
const MAX_DELAY_MS = 30000;

export class FinishSender {
  // on.state(key, state, err): sending | waiting | retrying;
  // on.logged(entry, reply); on.refused(entry).
  constructor(client, on) {
    this.client = client;
    this.on = on;
    this.inflight = new Set();
    this.timers = new Map();
  }

  // Every pending entry, one after another (after a welcome: resume first).
  async flush(resume) {
    for (const entry of store.outbox.all())
      if (entry.status !== 'error') await this.send(entry.key, { resume });
  }

  async send(key, { resume }) {
    if (this.inflight.has(key)) return;
    let entry = store.outbox.get(key);
    if (!entry || entry.status === 'error') return;
    if (!this.client.connected) {
      this.on.state(key, 'waiting');
      return;
    }
    this.inflight.add(key);
    clearTimeout(this.timers.get(key));
    this.on.state(key, 'sending');
    try {
      for (let withResume = resume; ; withResume = true) {
        try {
          if (withResume) await this.resume(entry);
          const reply = await this.client.request({ type: 'finish', session: entry.session, key: entry.key,
            ...entry.finish });
          store.outbox.remove(key);
          this.on.logged(entry, reply);
          return;
        } catch (e) {
          if (e instanceof ConnectionLost) {
            this.on.state(key, 'waiting');
            return;
          }
          // The daemon lost the session without our reconnecting (it cannot,
          // today; cheap to cover): bring it back once, then finish.
          if (e.code === 'not_found' && !withResume) continue;
          entry = store.outbox.get(key) || entry;
          if (RETRY_CODES.has(e.code)) {
            this.retryLater(entry, e);
            return;
          }
          entry.status = 'error';
          entry.error = e.message;
          entry.errorCode = e.code; // the panel words it by code (shared/errors.js)
          store.outbox.put(entry);
          this.on.refused(entry);
          return;
        }
      }
    } finally {
      this.inflight.delete(key);
    }
  }

  // Resume with the restore record. Its own errors do not matter: the
  // finish that follows says what is wrong, in the agent's terms.
  async resume(entry) {
    try {
      await this.client.request({ type: 'resume', session: entry.session, restore: entry.restore });
    } catch (e) {
      if (e instanceof ConnectionLost) throw e;
    }
  }

  retryLater(entry, err) {
    entry.attempts = (entry.attempts || 0) + 1;
    store.outbox.put(entry);
    const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.min(entry.attempts - 1, 5));
    this.timers.set(entry.key, setTimeout(() => this.send(entry.key, { resume: false }), delay));
    this.on.state(entry.key, 'retrying', err);
  }
}
