/* handle_feedback.c - every widget conversation counts.
 *
 * A citizen's conversation in the chat widget is logged once, as a contact
 * of channel widget, when it ends: when the citizen answers "Did this
 * help?" at a result (feedback), ends it (end: "start over"), or leaves it
 * until it expires. Its outcome is the verdict where the walk stopped
 * (docs/protocol.md, "Widget conversations"). The key is the daemon's own,
 * "widget:" and the session id, so one conversation can never make two
 * contacts, and nothing the citizen typed reaches the store.
 *
 * No reply here waits for the store: the citizen's screen never waits for
 * a disk. The commit comes back through the same completion as a finish's
 * (handle_finish_done), with no client to answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"
#include "handle_internal.h"

#include "app/daemon.h"
#include "base/jbuf.h"
#include "base/log.h"
#include "base/util.h"
#include "desk/handover.h"
#include "desk/session.h"
#include "finish_key.h"
#include "store/store.h"
#include "triage/rules.h"

#define FEEDBACK_KEY_PREFIX "widget:"

/* How a conversation ended, as far as the citizen said. */
enum feedback_how { FEEDBACK_HELPED, FEEDBACK_NOT_HELPED, FEEDBACK_UNANSWERED };

/* What the conversation's key stands for (finish_key.h): the session and
 * how it ended. A marker in the digest's "outcome" slot keeps the digest
 * of a widget contact apart from any finish's, so a citizen's own finish
 * with this key is a conflict, and so is a second, different answer. */
static int feedback_digest(const struct session *s, enum feedback_how how,
			   char out[FINISH_DIGEST_LEN + 1])
{
	static const char *const markers[] = { "widget-helped", "widget-not-helped",
					       "widget-ended" };
	json_t *msg = json_pack("{s:s}", "outcome", markers[how]);
	int rc = msg ? finish_key_digest(s, msg, NULL, NULL, out) : -1;

	json_decref(msg);
	return rc;
}

/* The verdict where the walk stopped. At a result the tree has decided:
 * a first-line result is one the citizen can act on themselves
 * (resolved, self-service); any other sends them to the result's
 * destination (referred: the matter is another agency's). Before a result
 * the conversation was abandoned. */
static void feedback_verdict(struct session *s, struct contact *ct)
{
	json_t *step;
	int first_line;

	ct->outcome = "abandoned";
	ct->category = handle_category_from_facts(triage_facts(s->tr));
	if (!triage_at_result(s->tr))
		return;
	/* Read from the step the citizen saw rather than widening the
	 * engine's API for one caller; it is built once per conversation. */
	step = triage_step_json(s->tr, s->lang);
	first_line = json_is_true(json_object_get(json_object_get(step, "result"), "first_line"));
	json_decref(step);
	if (triage_result_category(s->tr))
		ct->category = triage_result_category(s->tr);
	ct->suggested = ct->destination = triage_result_destination(s->tr);
	if (first_line) {
		ct->outcome = "resolved";
	} else {
		ct->outcome = "referred";
		ct->referral_reason = ct->destination ? "wrong_agency" : "other";
	}
}

/* Queue ct as a finish with no client to answer; the session is finishing
 * until the commit (handle_finish_done finishes it, or reopens it if the
 * store refused). 0 or -1 (out of memory, or the store's queue is full). */
static int feedback_submit(struct daemon *d, struct session *s, struct contact *ct,
			   const struct handoff_sent *sent)
{
	struct pending_finish *p = calloc(1, sizeof(*p));

	if (!p || !(p->key = strdup(ct->key)) || !(s->finish_key = strdup(ct->key))) {
		if (p)
			free(p->key);
		free(p);
		if (ct->job)
			ct->job->free(ct->job);
		return -1;
	}
	p->handoff = *sent; /* the collector's copy, woken at the commit */
	p->d = d;
	p->submitted_us = metrics_now_us();
	stats_contact_set(&p->stats, ct);
	if (store_submit(d->store, ct, handle_finish_done, p)) {
		if (ct->job)
			ct->job->free(ct->job);
		free(s->finish_key);
		s->finish_key = NULL;
		free(p->key);
		free(p);
		d->metrics.contacts_not_stored++;
		return -1;
	}
	memcpy(p->session, s->id, sizeof(p->session));
	handle_pending_link(d, p);
	s->state = SESSION_FINISHING;
	util_copy(s->finish_digest, sizeof(s->finish_digest), ct->key_digest);
	return 0;
}

/* Log the open widget conversation s, ended as how. 0 or -1 (logged). */
static int feedback_log(struct daemon *d, struct session *s, enum feedback_how how)
{
	char key[sizeof(FEEDBACK_KEY_PREFIX) + SESSION_ID_LEN], digest[FINISH_DIGEST_LEN + 1];
	struct jbuf path = { 0 }, facts = { 0 };
	struct handoff_finish hf = { 0 }; /* no consent, no check: only the collector's copy */
	struct handoff_sent sent;
	const struct conf_period *period;
	struct contact ct = { 0 };
	json_t *fx;
	int rc = -1;

	snprintf(key, sizeof(key), FEEDBACK_KEY_PREFIX "%s", s->id);
	if (feedback_digest(s, how, digest) || !(fx = json_deep_copy(triage_facts(s->tr))))
		goto fail;
	/* The answer to "Did this help?" rides in the facts until the store
	 * has a column for it (a schema change, not made here). */
	if (how != FEEDBACK_UNANSWERED)
		json_object_set_new(fx, "helped", json_string(how == FEEDBACK_HELPED ? "yes" : "no"));
	feedback_verdict(s, &ct);
	handle_contact_of_session(&ct, s, key, digest, fx, &path, &facts);
	json_decref(fx);
	ct.on_behalf = json_string_value(json_object_get(triage_facts(s->tr), "on_behalf"));
	if (!ct.on_behalf)
		ct.on_behalf = "unknown";
	period = conf_period_at(&d->conf, ct.finished_ms);
	ct.period = period ? period->id : NULL;
	if (!path.oom && !facts.oom && !handle_handoff_finish_job(d, s, &ct, &hf, &sent, &ct.job))
		rc = feedback_submit(d, s, &ct, &sent);
fail:
	if (rc)
		log_err("widget conversation %.8s…: could not hand it to the store", s->id);
	jbuf_free(&path);
	jbuf_free(&facts);
	return rc;
}

/* The citizen's widget session named by the message, NULL after replying.
 * A finished one too: repeating an answer must get the same reply. */
static struct session *feedback_session(struct handler_ctx *h)
{
	struct session *s = handle_session(h, 1);

	if (s && strcmp(s->channel, "widget")) {
		handle_fail(h, PROTO_BAD_REQUEST, "only a widget conversation takes \"%s\"",
			    json_string_value(json_object_get(h->msg, "type")));
		return NULL;
	}
	return s;
}

static void feedback_reply(struct handler_ctx *h, const char *type, json_t *helped, int duplicate)
{
	json_t *reply = proto_reply(type, h->re);

	if (helped)
		json_object_set(reply, "helped", helped);
	if (duplicate)
		json_object_set_new(reply, "duplicate", json_true());
	handle_reply(h, reply);
	json_decref(reply);
}

int handle_feedback(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "helped", NULL };
	json_t *helped = json_object_get(h->msg, "helped");
	char digest[FINISH_DIGEST_LEN + 1];
	enum feedback_how how;
	struct session *s;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!json_is_boolean(helped))
		return handle_fail(h, PROTO_BAD_REQUEST, "\"helped\" must be true or false");
	if (!(s = feedback_session(h)))
		return -1;
	how = json_is_true(helped) ? FEEDBACK_HELPED : FEEDBACK_NOT_HELPED;
	if (feedback_digest(s, how, digest))
		return handle_fail(h, PROTO_INTERNAL, "out of memory");
	if (s->state != SESSION_OPEN) {
		/* The same answer again (a lost reply, a reload): the same reply. */
		if (strcmp(s->finish_digest, digest))
			return handle_fail(
				h, PROTO_CONFLICT,
				"this conversation is already logged; it takes one answer");
		feedback_reply(h, "feedback", helped, 1);
		return 0;
	}
	if (!triage_at_result(s->tr))
		return handle_fail(h, PROTO_CONFLICT,
				   "\"Did this help?\" is asked at a result; "
				   "this conversation has none yet");
	/* Logging would end the session and so take it out of the queue. */
	if (handover_find_session(&h->d->handovers, s->id))
		return handle_fail(h, PROTO_CONFLICT,
				   "this conversation waits for a person; "
				   "the agent logs it");
	if (feedback_log(h->d, s, how))
		return handle_fail(h, PROTO_UNAVAILABLE,
				   "the answer could not be logged; try again");
	feedback_reply(h, "feedback", helped, 0);
	return 0;
}

int handle_end(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "superseded", NULL };
	json_t *superseded = json_object_get(h->msg, "superseded");
	struct session *s;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (superseded && !json_is_boolean(superseded))
		return handle_fail(h, PROTO_BAD_REQUEST, "\"superseded\" must be true or false");
	if (!(s = feedback_session(h)))
		return -1;
	if (s->state != SESSION_OPEN) {
		feedback_reply(h, "ended", NULL, 1);
		return 0;
	}
	/* Withdrawn at once, not at the commit: no agent may call it up now. */
	handle_handover_session_ended(h->d, s->id);
	if (json_is_true(superseded)) {
		/* The conversation goes on in a new session (a new language, the
		 * citizen's own words): this one is no contact of its own. */
		session_destroy(&h->d->sessions, s);
	} else if (feedback_log(h->d, s, FEEDBACK_UNANSWERED)) {
		return handle_fail(h, PROTO_UNAVAILABLE,
				   "the conversation could not be logged; try again");
	}
	feedback_reply(h, "ended", NULL, 0);
	return 0;
}

void handle_feedback_log_idle(struct daemon *d, int64_t cutoff_ms)
{
	struct session_table *t = &d->sessions;
	size_t n = 0;

	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct session *s = t->buckets[i]; s; s = s->next)
			if (s->touched_ms < cutoff_ms && s->state == SESSION_OPEN && s->tr &&
			    s->role == ROLE_CITIZEN && !strcmp(s->channel, "widget") &&
			    !feedback_log(d, s, FEEDBACK_UNANSWERED))
				n++;
	if (n)
		log_info("%zu idle widget conversation%s logged", n, n == 1 ? "" : "s");
}
