/* handle_handover.c - "talk to a person": the citizen's handover, the
 * agents' queue, looking a code up, and taking a handover over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

#include "net/client.h"
#include "app/daemon.h"
#include "handle_internal.h"
#include "desk/handover.h"
#include "base/log.h"
#include "triage/rules.h"
#include "desk/session.h"
#include "base/util.h"

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
	/* The citizen's connection went: they may come back within the grace
	 * period (a reload), else the handover leaves the queue. */
	if (ho->state == HANDOVER_WAITING && ho->left_ms)
		json_object_set_new(item, "left", json_integer(ho->left_ms));
	if (ho->state == HANDOVER_TAKEN)
		json_object_set_new(item, "taken_by", json_string(ho->taken_by));
	return item;
}

/* The first page of the queue, longest waiting first: at most queue_page
 * items, with "total" saying how many wait in all. A page, not the whole
 * queue: its size no longer grows with what citizens put in. */
static json_t *handover_queue_msg(struct daemon *d, json_t *re)
{
	json_t *msg = proto_reply("queue", re), *items = json_array(), *all = json_array();
	size_t page = d->conf.bounds.queue_page, total;

	for (struct handover *ho = d->handovers.head; ho; ho = ho->next) {
		json_t *item;
		if (ho->state == HANDOVER_WAITING && (item = handover_item(d, ho)))
			json_array_insert_new(all, 0, item); /* the list is newest first */
	}
	peers_queue_items(d, all); /* handoffs from other desks */
	total = json_array_size(all);
	for (size_t i = 0; i < total && i < page; i++)
		json_array_append(items, json_array_get(all, i));
	json_decref(all);
	json_object_set_new(msg, "items", items);
	json_object_set_new(msg, "total", json_integer((json_int_t)total));
	return msg;
}

/* Send msg to every agent watching the queue, counted for /metrics. */
static void handover_push(struct daemon *d, json_t *msg)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	size_t len = text ? strlen(text) : 0;

	for (struct client *c = d->subscribers[CLIENTS_QUEUE]; c && text;
	     c = c->sub_next[CLIENTS_QUEUE]) {
		client_send_text(c, text, len);
		d->metrics.queue_pushes++;
		d->metrics.queue_push_bytes += len;
	}
	free(text);
}

/* A resync: every agent watching gets the first page again. For changes
 * that are not one item (handoffs from other desks, peers.c). */
void handle_handover_queue_changed(struct daemon *d)
{
	json_t *msg;

	if (!d->subscribers[CLIENTS_QUEUE])
		return;
	msg = handover_queue_msg(d, NULL);
	handover_push(d, msg);
	json_decref(msg);
}

/* One change, pushed as itself: {"type":"queue_changed","added":[item]},
 * {"type":"queue_changed","removed":["CODE"]}, or both for the same code:
 * the item changed (its citizen left or came back). */
static void handover_push_change(struct daemon *d, json_t *added, const char *removed)
{
	json_t *msg;

	if (!d->subscribers[CLIENTS_QUEUE]) {
		json_decref(added);
		return;
	}
	msg = json_pack("{s:s}", "type", "queue_changed");
	if (added)
		json_object_set_new(msg, "added", json_pack("[o]", added));
	if (removed)
		json_object_set_new(msg, "removed", json_pack("[s]", removed));
	handover_push(d, msg);
	json_decref(msg);
}

void handle_handover_session_ended(struct daemon *d, const char *session)
{
	struct handover *ho = handover_find_session(&d->handovers, session);

	if (!ho || ho->state != HANDOVER_WAITING)
		return;
	handover_push_change(d, NULL, ho->code);
	handover_remove(&d->handovers, ho);
}

/* The citizen of ho left (or came back): the agents see the item change. */
static void handover_push_mark(struct daemon *d, struct handover *ho)
{
	json_t *item = handover_item(d, ho);

	ho->left_told = ho->left_ms != 0;
	if (item)
		handover_push_change(d, item, ho->code);
}

/* 1 if the citizen of waiting ho has been away longer than the grace. */
static int handover_citizen_gone(const struct daemon *d, const struct handover *ho, int64_t now)
{
	return ho->left_ms &&
	       now - ho->left_ms >= (int64_t)d->conf.bounds.handover_grace_seconds * 1000;
}

/* Housekeeping: waiting handovers past their time, whose session went
 * (expired, finished) or whose citizen left longer than the grace period
 * ago leave the queue, each pushed as a removal; a citizen who just left is
 * marked first, so the agent about to take it knows. */
void handle_handover_queue_sweep(struct daemon *d)
{
	const struct conf_bounds *b = &d->conf.bounds;
	int64_t now = util_now_ms();

	for (struct handover *ho = d->handovers.head, *next; ho; ho = next) {
		next = ho->next;
		if (ho->state != HANDOVER_WAITING)
			continue;
		if (ho->expires_ms < now || !handover_session(d, ho) ||
		    handover_citizen_gone(d, ho, now)) {
			if (handover_citizen_gone(d, ho, now))
				log_info("handover %s dropped: the citizen left %lld s ago", ho->code,
					 (long long)((now - ho->left_ms) / 1000));
			handover_push_change(d, NULL, ho->code);
			handover_remove(&d->handovers, ho);
		} else if (ho->left_ms && !ho->left_told) {
			handover_push_mark(d, ho);
		}
	}
	handover_expire(&d->handovers, now); /* the taken ones, kept a while */
	quota_sweep(&d->handovers.rate, now, b->handovers_per_minute, b->handovers_per_address);
}

/* A new handover within the bounds: waiting ones per address and in all,
 * and the rate per address. NULL after replying. */
static struct handover *handover_admit(struct handler_ctx *h, struct session *s)
{
	const struct conf_bounds *b = &h->d->conf.bounds;
	struct handover_list *l = &h->d->handovers;
	unsigned long long *refused = h->d->metrics.bounds_refused;
	struct handover *ho;

	if (handover_waiting_from(l, h->c->ip) >= b->handovers_per_address) {
		refused[METRICS_BOUND_HANDOVERS_PER_ADDRESS]++;
		handle_fail(h, PROTO_RATE_LIMITED,
			    "%u handovers from your address are already waiting "
			    "(bounds.handovers_per_address)",
			    b->handovers_per_address);
		return NULL;
	}
	if (l->waiting >= b->handovers_total) {
		refused[METRICS_BOUND_HANDOVERS_TOTAL]++;
		handle_fail(h, PROTO_RATE_LIMITED,
			    "the agents' queue is full (%u waiting, bounds.handovers_total); "
			    "call the desk instead",
			    b->handovers_total);
		return NULL;
	}
	if (!handover_may_create(l, h->c->ip, b->handovers_per_minute, b->handovers_per_address,
				 util_now_ms())) {
		refused[METRICS_BOUND_HANDOVERS_PER_MINUTE]++;
		handle_fail(h, PROTO_RATE_LIMITED,
			    "too many handovers from your address (%u a minute, "
			    "bounds.handovers_per_minute); try again in a minute",
			    b->handovers_per_minute);
		return NULL;
	}
	if (!(ho = handover_create(l, s->id, h->c, h->c->ip)))
		handle_fail(h, PROTO_INTERNAL, "could not create a handover");
	return ho;
}

int handle_handover(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", NULL };
	struct handover *ho;
	struct session *s;
	json_t *reply, *phone;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	ho = handover_find_session(&h->d->handovers, s->id);
	if (ho) {
		int was_told = ho->left_told;
		/* After a reconnect, "taken" goes to the new connection, and the
		 * citizen is no longer away. */
		handover_citizen_back(ho, h->c);
		if (was_told && ho->state == HANDOVER_WAITING)
			handover_push_mark(h->d, ho);
	}
	if (!ho) {
		if (!(ho = handover_admit(h, s)))
			return -1;
		log_info("handover %s created (%s, %s)", ho->code, s->country, s->lang);
		handover_push_change(h->d, handover_item(h->d, ho), NULL);
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
		return handle_fail_err(h, PROTO_BAD_REQUEST);
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
		handle_fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	ho = handover_find_code(&h->d->handovers, code);
	if ((!ho || !handover_session(h->d, ho)) && (*hi = peers_find_code(h->d, code)))
		return NULL;
	if (!ho || !handover_session(h->d, ho)) {
		handle_fail(h, PROTO_NOT_FOUND,
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
		return handle_fail_err(h, PROTO_BAD_REQUEST);
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
	char key[QUOTA_KEY_MAX];
	json_t *note;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(ho = handover_by_code(h, &hi)))
		return hi ? handle_handoff_take(h, hi) : -1;
	if (json_object_get(h->msg, "channel"))
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"\"channel\" is only for a handoff from another desk; a handover stays "
			"a widget contact");
	if (ho->state == HANDOVER_TAKEN)
		return handle_fail(h, PROTO_CONFLICT, "handover %s was already taken by %s",
				   ho->code, ho->taken_by);
	s = handover_session(h->d, ho);
	if (s->state != SESSION_OPEN)
		return handle_fail(h, PROTO_CONFLICT, "the citizen's session has already ended");
	/* The same session, now the agent's: same facts, path and language. */
	s->role = ROLE_AGENT;
	/* From now on an agent walks it: agents' questions, advice for agents. */
	triage_set_citizen(s->tr, 0);
	snprintf(s->owner, sizeof(s->owner), "%s", h->c->token_name);
	s->touched_ms = util_now_ms();
	/* It counts against the agent now; taking is never refused for that. */
	handle_bound_key(h, key, sizeof(key));
	session_admit(&h->d->sessions, s, key, &h->c->sessions);
	handover_set_taken(&h->d->handovers, ho, h->c->token_name);
	log_info("handover %s taken by %s", ho->code, ho->taken_by);
	if (ho->citizen) {
		note = json_pack("{s:s,s:s}", "type", "taken", "code", ho->code);
		client_send(ho->citizen, note);
		json_decref(note);
	}
	handover_push_change(h->d, NULL, ho->code);
	handle_send_step(h, s);
	return 0;
}
