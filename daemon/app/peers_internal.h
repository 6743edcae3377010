/* peers_internal.h - what peers.c lends the handlers of the peer desks
 * (ws/handle_handoff.c, api/peers_routes.c): the received handoffs and the
 * referral checks, with the store jobs that write them. */
#ifndef VV_PEERS_INTERNAL_H
#define VV_PEERS_INTERNAL_H

#include <stdint.h>

#include "desk/handoff.h"
#include "peers.h"
#include "store/handoff_rows.h"
#include "store/store.h"

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

#endif
