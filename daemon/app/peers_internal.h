/* peers_internal.h - what the peers_*.c and handle_handoff.c files share:
 * the store jobs and the requests waiting for them. */
#ifndef VV_PEERS_INTERNAL_H
#define VV_PEERS_INTERNAL_H

#include <stdint.h>

#include "desk/handoff.h"
#include "peers.h"
#include "store/store.h"

/* The writes of a finish beyond its contact row (peers_jobs.c). Every
 * string is owned by the job; NULL parts are skipped. */
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
struct finish_job *peers_jobs_finish_new(void);

/* A received handoff: stored once per sending desk and contact key. The
 * result's contact_id is the handoff's id, duplicate set when it was there. */
struct store_job *peers_jobs_receive_new(const struct handoff_msg *m, const char *body,
					 int64_t now);

/* A referral check for a handoff this desk sent. The result's contact_id
 * is 0 when no such handoff was sent; duplicate when it was checked before
 * (the first answer stays). */
struct store_job *peers_jobs_feedback_new(const struct feedback_msg *m, int64_t now);

/* peers.c: count a committed referral check. */
void peers_count_check(struct peers *p, const char *destination, const char *check,
		       const char *correct, const char *code, const char *by, int64_t checked);
/* peers.c: add a received handoff to the queue (after its commit). */
struct handoff_in *peers_add_received(struct peers *p, int64_t id, json_t *body,
				      int64_t received_ms);
struct handoff_in *peers_received_by_session(struct peers *p, const char *session);
void peers_drop_received(struct peers *p, int64_t id);
/* The queue item of a received handoff, new reference. */
json_t *peers_handoff_json(const struct handoff_in *hi);
/* peers_routes.c: forget the HTTP requests still waiting (at exit). */
void peers_requests_free(struct peers *p);

#endif
