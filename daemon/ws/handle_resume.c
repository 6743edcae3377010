/* handle_resume.c - resume: a session in progress again, after a reconnect,
 * and restore: rebuilt from the client's record after a restart. */
#include <stdio.h>
#include <string.h>

#include "app/daemon.h"
#include "base/log.h"
#include "desk/session.h"
#include "handle_internal.h"
#include "triage/rules.h"

/* Rebuild a session the daemon lost (it was restarted) from the client's
 * record of it: the start, then every answer and jump in order, so that the
 * walk, its path and its back history are as they were. */
static int handle_restore(struct handler_ctx *h, const char *id, json_t *restore)
{
	static const char *const keys[] = { "country", "channel", "lang", "facts",
					    "steps",   "started", NULL };
	json_t *steps = json_object_get(restore, "steps"), *step, *started;
	struct session *s;
	size_t i;

	if (!json_is_object(restore))
		return handle_fail(h, PROTO_BAD_REQUEST, "\"restore\" must be an object");
	if (proto_check_keys(restore, keys, h->err, sizeof(h->err)))
		return handle_fail(h, PROTO_BAD_REQUEST, "\"restore\": %s", h->err);
	if (steps && !json_is_array(steps))
		return handle_fail(h, PROTO_BAD_REQUEST, "\"restore.steps\" must be an array");
	if (strlen(id) != SESSION_ID_LEN || strspn(id, "0123456789abcdef") != SESSION_ID_LEN)
		return handle_fail(h, PROTO_BAD_REQUEST, "\"session\" is not a session id");
	if (!(s = handle_begin(h, restore, id)))
		return -1;
	json_array_foreach(steps, i, step) {
		const char *answer = json_string_value(json_object_get(step, "answer"));
		const char *jump = json_string_value(json_object_get(step, "jump"));
		int rc = answer ? triage_answer(s->tr, answer, h->err, sizeof(h->err))
			 : jump ? triage_jump(s->tr, jump, h->err, sizeof(h->err))
				: (snprintf(h->err, sizeof(h->err), "need \"answer\" or \"jump\""),
				   -1);
		if (rc) {
			session_destroy(&h->d->sessions, s);
			return handle_fail(h, PROTO_CONFLICT,
					   "cannot restore the session: steps[%zu]: %s", i, h->err);
		}
	}
	started = json_object_get(restore, "started");
	if (json_is_integer(started) && json_integer_value(started) < s->started_ms &&
	    json_integer_value(started) > s->started_ms - 24 * 3600 * 1000LL)
		s->started_ms = json_integer_value(started);
	log_info("session restored from the client's record after a reconnect");
	handle_send_step(h, s);
	return 0;
}

/* A session in progress, again: after a reconnect the client asks for the
 * current step; if the daemon lost the session, "restore" rebuilds it. */
int handle_resume(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "restore", NULL };
	json_t *restore = json_object_get(h->msg, "restore");
	struct session *s;
	const char *id;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)) ||
	    proto_get_string(h->msg, "session", 1, 64, &id, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (restore && !session_find(&h->d->sessions, id))
		return handle_restore(h, id, restore);
	if (!(s = handle_session(h, 1)))
		return -1;
	if (!s->tr) /* finished: the walk is gone, the contact is what counts */
		return handle_fail(h, PROTO_CONFLICT, "session \"%s\" is finished (contact %lld)",
				   s->id, (long long)s->contact_id);
	handle_send_step(h, s);
	return 0;
}
