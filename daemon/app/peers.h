/* peers.h - this desk among others.
 *
 * Sending: a contact finished as referred, with the caller's consent, to a
 * destination that has a peer desk becomes a handoff (a code the caller
 * says there, the facts, path, advice and scrubbed note), queued in the
 * outbox in the same transaction as the contact. The receiving desk reports
 * back whether the referral was right; those referral checks are counted
 * here and in the report.
 *
 * Receiving: handoffs from the desks in "senders" are stored, shown in the
 * agents' queue next to the citizens' handovers, looked up and taken by
 * their code like a handover; taking one starts an agent session prefilled
 * with the handoff's facts.
 *
 * Collecting: every contact this desk logs is also queued for the
 * collector; a daemon started with --collector takes them in.
 *
 * Everything here runs on the service thread. SQLite is reached only
 * through store/handoff_rows.c: its store jobs and, once at start-up, its
 * read of the rows (peers_open). The handlers that use this are
 * ws/handle_handoff.c (finish, lookup, take) and api/peers_routes.c (what
 * other desks POST). */
#ifndef VV_PEERS_H
#define VV_PEERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "desk/handover.h"
#include "desk/session.h"

/* A received handoff waits this long in the agents' queue. */
#define PEERS_HANDOFF_TTL_MS (14LL * 86400 * 1000)
/* Referral corrections kept for the live statistics (the report has all). */
#define PEERS_CORRECTIONS 50

struct contact;
struct daemon;
struct store_job;
struct store_result;

/* A handoff received from another desk, waiting in the agents' queue or
 * taken by an agent whose session has not finished it yet. */
struct handoff_in {
	int64_t id; /* the row in the handoffs table */
	char code[HANDOVER_CODE_LEN + 1];
	char from[64];         /* the sending desk */
	char contact_key[129]; /* the sending desk's key for the contact */
	char country[3], lang[3];
	int64_t received_ms;
	json_t *body; /* as received: facts, path, advice, note, … */
	int taken;
	char session[SESSION_ID_LEN + 1]; /* the agent session it became */
	char taken_by[64];
	struct handoff_in *next; /* oldest first */
};

/* Referral checks of the handoffs this desk sent, per destination. */
struct referral_tally {
	char destination[64];
	long long sent, accepted, misrouted;
};

struct referral_correction {
	char code[HANDOVER_CODE_LEN + 1];
	char destination[64], correct[64], by[64];
	int64_t checked_ms;
};

struct peers_request;

struct peers {
	struct handoff_in *received;
	struct referral_tally *tallies;
	size_t n_tallies;
	struct referral_correction corrections[PEERS_CORRECTIONS]; /* newest first */
	size_t n_corrections;
	struct peers_request *waiting, *waiting_tail; /* HTTP requests waiting for the store */
	unsigned long long handoffs_received, checks_received, contacts_ingested;
	unsigned long long requests_refused; /* 401: unknown desk, stale or bad signature */
};

/* What a finish carries until its commit: the handoff it sends, the received
 * handoff it finishes, and whether the outbox has new rows. */
struct handoff_sent {
	char code[HANDOVER_CODE_LEN + 1]; /* "" when it sends no handoff */
	char destination[64];
	int64_t received_id; /* 0 when it finishes no received handoff */
	int outbox;
};

/* The finish fields of this feature, checked before anything is submitted. */
struct handoff_finish {
	int consent;                /* "consent": true */
	const char *referral_check; /* "accepted", "misrouted" or NULL */
	const char *correct_destination;
	struct handoff_in *from; /* the session was taken from this handoff */
};

/* Start-up (service thread, before the loop): the waiting handoffs and the
 * referral tallies from the store file. NULL on failure (logged). */
struct peers *peers_open(const char *db);
void peers_free(struct peers *p);

/* A finish committed (not a repeat): count, unqueue, wake the outbox. 1
 * when a received handoff left the agents' queue (the caller pushes it). */
int peers_finish_committed(struct daemon *d, const struct handoff_sent *sent);

/* handle_handover.c: the received handoffs in the agents' queue, by code. */
void peers_queue_items(struct daemon *d, json_t *items);
struct handoff_in *peers_find_code(struct daemon *d, const char *typed);
/* Housekeeping: a taken handoff whose session expired waits again; a
 * waiting one past PEERS_HANDOFF_TTL_MS leaves the queue. 1 if it changed. */
int peers_sweep(struct daemon *d, int64_t now);

/* Live figures: {"sent","accepted","misrouted","unanswered",
 * "destination":{id:{sent,accepted,misrouted,unanswered}},
 * "corrections":[{code,destination,correct_destination,by,checked}]}. */
json_t *peers_referral_checks_json(struct daemon *d);
/* Add "referral_checks" and "delivery" to a statistics message when this
 * desk has peers, senders or a collector. */
void peers_stats(struct daemon *d, json_t *msg);
/* Counters for GET /metrics. */
void peers_metrics(struct daemon *d, FILE *f);

#endif
