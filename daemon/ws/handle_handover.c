/* handle_handover.c - "talk to a person": the citizen's handover, the
 * agents' queue, looking a code up, and taking a handover over. */
#include <stdio.h>
#include <string.h>

#include "handle.h"

#include "net/client.h"
#include "app/daemon.h"
#include "handle_internal.h"
#include "desk/handover.h"
#include "base/log.h"
#include "triage/rules.h"
#include "desk/session.h"

/* The handover's session while its walk is there: a finished session keeps
 * only what a repeated finish needs (handle_finish.c), so its handover is
 * over as far as agents are concerned. */
static struct session *handover_session(struct daemon *d, const struct handover *ho)
{
	struct session *s = session_find(&d->sessions, ho->session);

	return s && s->tr ? s : NULL;
}

/* What agents see of a handover: its code and state, and the session's
 * step (facts, path, current question or result) in the citizen's language. */
static json_t *handover_item(struct daemon *d, const struct handover *ho)
{
	struct session *s = handover_session(d, ho);
	json_t *item;

	if (!s)
		return NULL;
	item = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "kind", "handover", "code", ho->code,
			 "state", ho->state == HANDOVER_WAITING ? "waiting" : "taken", "country",
			 s->country, "lang", s->lang, "created", (json_int_t)ho->created_ms,
			 "expires", (json_int_t)ho->expires_ms);
	json_object_set_new(item, "step", triage_step_json(s->tr, s->lang));
	if (ho->state == HANDOVER_TAKEN)
		json_object_set_new(item, "taken_by", json_string(ho->taken_by));
	return item;
}

static json_t *handover_queue_msg(struct daemon *d, json_t *re)
{
	json_t *msg = proto_reply("queue", re), *items = json_array();

	for (struct handover *ho = d->handovers.head; ho; ho = ho->next) {
		json_t *item;
		if (ho->state == HANDOVER_WAITING && (item = handover_item(d, ho)))
			json_array_append_new(items, item);
	}
	peers_queue_items(d, items); /* handoffs from other desks */
	json_object_set_new(msg, "items", items);
	return msg;
}

/* Every agent watching the queue gets the new queue. */
void handover_queue_changed(struct daemon *d)
{
	json_t *msg;

	if (!d->subscribers[CLIENTS_QUEUE])
		return;
	msg = handover_queue_msg(d, NULL);
	client_broadcast(d, CLIENTS_QUEUE, msg);
	json_decref(msg);
}

int handle_handover(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", NULL };
	struct handover *ho;
	struct session *s;
	json_t *reply, *phone;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	ho = handover_find_session(&h->d->handovers, s->id);
	if (ho)
		ho->citizen = h->c; /* after a reconnect, "taken" goes to the new connection */
	if (!ho) {
		if (!(ho = handover_create(&h->d->handovers, s->id, h->c)))
			return fail(h, PROTO_INTERNAL, "could not create a handover");
		log_info("handover %s created (%s, %s)", ho->code, s->country, s->lang);
		handover_queue_changed(h->d);
	}
	reply = proto_reply("handover", h->re);
	json_object_set_new(reply, "code", json_string(ho->code));
	json_object_set_new(reply, "expires", json_integer(ho->expires_ms));
	phone = json_object_get(h->d->conf.desk_phone, s->country);
	if (phone)
		json_object_set(reply, "phone", phone);
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

int handle_queue(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", NULL };
	json_t *reply;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	client_subscribe(h->c, CLIENTS_QUEUE);
	reply = handover_queue_msg(h->d, h->re);
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

/* The handover with the message's code, or else the handoff from another
 * desk (*hi); NULL after replying when neither is known. */
static struct handover *handover_by_code(struct handler_ctx *h, struct handoff_in **hi)
{
	const char *code;
	struct handover *ho;

	*hi = NULL;
	if (proto_get_string(h->msg, "code", 1, 32, &code, h->err, sizeof(h->err))) {
		fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	ho = handover_find_code(&h->d->handovers, code);
	if ((!ho || !handover_session(h->d, ho)) && (*hi = peers_find_code(h->d, code)))
		return NULL;
	if (!ho || !handover_session(h->d, ho)) {
		fail(h, PROTO_NOT_FOUND,
		     "no handover with code \"%s\" (codes expire after %lld minutes)", code,
		     HANDOVER_TTL_MS / 60000);
		return NULL;
	}
	return ho;
}

int handle_lookup(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "code", NULL };
	struct handoff_in *hi;
	struct handover *ho;
	json_t *reply;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(ho = handover_by_code(h, &hi)))
		return hi ? handle_handoff_lookup(h, hi) : -1;
	reply = handover_item(h->d, ho);
	json_object_set_new(reply, "type", json_string("handover"));
	if (h->re)
		json_object_set(reply, "re", h->re);
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

int handle_take(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "code", "channel", NULL };
	struct handoff_in *hi;
	struct handover *ho;
	struct session *s;
	json_t *note;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(ho = handover_by_code(h, &hi)))
		return hi ? handle_handoff_take(h, hi) : -1;
	if (json_object_get(h->msg, "channel"))
		return fail(h, PROTO_BAD_REQUEST,
			    "\"channel\" is only for a handoff from another desk; a handover stays "
			    "a widget contact");
	if (ho->state == HANDOVER_TAKEN)
		return fail(h, PROTO_CONFLICT, "handover %s was already taken by %s", ho->code,
			    ho->taken_by);
	s = handover_session(h->d, ho);
	if (s->state != SESSION_OPEN)
		return fail(h, PROTO_CONFLICT, "the citizen's session has already ended");
	/* The same session, now the agent's: same facts, path and language. */
	s->role = ROLE_AGENT;
	/* From now on an agent walks it: agents' questions, advice for agents. */
	triage_set_citizen(s->tr, 0);
	snprintf(s->owner, sizeof(s->owner), "%s", h->c->token_name);
	s->touched_ms = now_ms();
	ho->state = HANDOVER_TAKEN;
	snprintf(ho->taken_by, sizeof(ho->taken_by), "%s", h->c->token_name);
	h->d->handovers.waiting--;
	log_info("handover %s taken by %s", ho->code, ho->taken_by);
	if (ho->citizen) {
		note = json_pack("{s:s,s:s}", "type", "taken", "code", ho->code);
		client_send(ho->citizen, note);
		json_decref(note);
	}
	handover_queue_changed(h->d);
	handle_send_step(h, s);
	return 0;
}
