/* handoff_rows.h - the rows of handoffs and referral checks: the store jobs
 * that write them with a contact or a peer desk's request (run by the
 * store's writer thread), and the start-up read that app/peers.c keeps in
 * memory. */
#ifndef VV_HANDOFF_ROWS_H
#define VV_HANDOFF_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "desk/handoff.h"
#include "desk/handover.h"
#include "store.h"

/* The writes of a finish beyond its contact row. Every string is owned by
 * the job; NULL parts are skipped. */
struct finish_job {
	struct store_job job;
	int64_t now;
	/* A handoff this contact sends: a referrals row and an outbox row. */
	char *handoff_body;
	char code[HANDOVER_CODE_LEN + 1];
	char destination[64];
	char contact_key[129];
	/* The received handoff it finishes, and the check back to its sender. */
	int64_t received_id;
	char *feedback_body;
	char feedback_target[64];
	/* The contact's survey fields for the collector. */
	char *collector_body;
};
struct finish_job *handoff_rows_finish_new(void);

/* A received handoff: stored once per sending desk and contact key. The
 * result's contact_id is the handoff's id, duplicate set when it was there. */
struct store_job *handoff_rows_receive_new(const struct handoff_msg *m, const char *body,
					   int64_t now);

/* A referral check for a handoff this desk sent. The result's contact_id
 * is 0 when no such handoff was sent; duplicate when it was checked before
 * (the first answer stays). */
struct store_job *handoff_rows_feedback_new(const struct feedback_msg *m, int64_t now);

/* What handoff_rows_load hands back, row by row, to its caller (app/peers.c). */
struct handoff_rows_loader {
	void *arg;
	/* A handoff still waiting: its id, body (JSON text) and arrival. */
	void (*received)(void *arg, int64_t id, const char *body, int64_t received_ms);
	/* The referral checks of one destination; nonzero stops (out of memory). */
	int (*tally)(void *arg, const char *destination, long long sent, long long accepted,
		     long long misrouted);
	/* A misrouted referral, oldest first. */
	void (*correction)(void *arg, const char *code, const char *destination,
			   const char *correct, const char *by, int64_t checked_ms);
};

/* Start-up (service thread, before the store's writer starts): read the
 * handoffs waiting since since and the referral checks from the file at
 * path, read-only. -1 with err set on failure. */
int handoff_rows_load(const char *path, int64_t since, const struct handoff_rows_loader *l,
		      char *err, size_t errlen);

#endif
