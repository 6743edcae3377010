/* outbox.h - delivery of what this desk owes others, that loses nothing and
 * never stalls the loop.
 *
 * Messages for other desks (handoffs, referral checks, contacts for the
 * collector) are rows of the store's outbox table, written by the store's
 * writer in the same transaction as the contact they belong to
 * (outbox_insert, from a store job). One delivery thread reads the rows that
 * are due through its own SQLite connection, POSTs them with libcurl's multi
 * interface, and marks each delivered, due again later (exponential backoff
 * with jitter), or dead once it is older than delivery.max_age_seconds. It
 * wakes when outbox_kick() says rows were committed and when the next row
 * falls due. Receivers deduplicate, so at-least-once delivery has an
 * exactly-once effect; a row whose "delivered" mark was lost (kill -9) is
 * simply sent again. See docs/protocol.md, "Handoffs between desks". */
#ifndef VV_OUTBOX_H
#define VV_OUTBOX_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct conf;
struct outbox;
struct sqlite3;

enum outbox_kind { OUTBOX_HANDOFF, OUTBOX_FEEDBACK, OUTBOX_COLLECTOR, OUTBOX_KINDS };

/* Counters for /metrics and the supervisors' statistics. */
struct outbox_counters {
	unsigned long long delivered[OUTBOX_KINDS]; /* rows delivered since start */
	unsigned long long failed[OUTBOX_KINDS];    /* attempts that failed since start */
	unsigned long long dead[OUTBOX_KINDS];      /* rows given up since start */
	long long pending[OUTBOX_KINDS];            /* rows waiting now (at the last look) */
	long long dead_letters[OUTBOX_KINDS];       /* rows in the dead state, all time */
	int64_t oldest_pending_ms; /* created_ms of the oldest waiting row, 0 if none */
};

const char *outbox_kind_name(enum outbox_kind k);

/* On a store job's connection, inside its transaction: queue body (a JSON
 * object) for target (a destination id, a sender desk, or "collector"),
 * due now. An SQLite result code. */
int outbox_insert(struct sqlite3 *db, enum outbox_kind kind, const char *target, const char *body,
		  int64_t now_ms);

/* Start the delivery thread for the store file at db (already migrated).
 * c must stay unchanged while it runs. NULL with a reason in err. */
struct outbox *outbox_start(const struct conf *c, const char *db, char *err, size_t errlen);
/* Rows were committed: look for due rows now. Any thread; never blocks. */
void outbox_kick(struct outbox *ob);
/* Stop the thread; transfers in flight are abandoned and stay pending. */
void outbox_stop(struct outbox *ob);

void outbox_counters(struct outbox *ob, struct outbox_counters *out);
/* The counters as Prometheus text, for GET /metrics. */
void outbox_metrics(struct outbox *ob, FILE *f);
/* {"pending":{kind:n},"delivered":…,"failed":…,"dead":…,"dead_letters":…,
 *  "oldest_pending":ms|null}; new reference. */
json_t *outbox_json(struct outbox *ob);

#endif
