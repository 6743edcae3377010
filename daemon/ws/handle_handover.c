/* handle_handover.c - "talk to a person": the citizen's handover, the
 * agents' queue, looking a code up, and taking a handover over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

#include "client.h"
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

	/* An agent's finish ends its chat: the citizen is shown what to do next. */
	if (ho && ho->chat)
		handle_chat_close(d, ho, CHAT_AGENT);
	if (!ho || ho->state != HANDOVER_WAITING)
		return;
	handover_push_change(d, NULL, ho->code);
	handover_remove(&d->handovers, ho);
	handle_chat_positions(d);
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

/* The agent of ho's chat was away longer than bounds.agent_grace_seconds:
 * the handover waits again at its old place, with the chat so far for the
 * next agent, and the citizen is told. */
static void handover_requeue_chat(struct daemon *d, struct handover *ho, int64_t now)
{
	struct session *s = handover_session(d, ho);
	json_t *msg;

	log_info("handover %s back in the queue: its agent %s was away %lld s", ho->code,
		 ho->taken_by, (long long)((now - ho->agent_left_ms) / 1000));
	handover_requeue(&d->handovers, ho, now);
	if (!ho->citizen)
		ho->left_ms = now; /* the citizen's grace runs from now */
	/* Nobody's session until the next take; it no longer counts for the agent. */
	s->owner[0] = '\0';
	session_admit(&d->sessions, s, "", NULL);
	handover_push_change(d, handover_item(d, ho), NULL);
	if (ho->citizen) {
		msg = json_pack("{s:s,s:s}", "type", "requeued", "code", ho->code);
		handle_chat_estimate(d, ho, msg);
		client_send(ho->citizen, msg);
		json_decref(msg);
	}
}

/* Chats whose session went are dropped; chats whose agent stayed away are
 * requeued. */
static void handover_chat_sweep(struct daemon *d, int64_t now)
{
	int64_t grace = (int64_t)d->conf.bounds.agent_grace_seconds * 1000;

	for (struct handover *ho = d->handovers.head; ho; ho = ho->next) {
		if (!ho->chat)
			continue;
		/* A finish on its way to the store ends the chat when it commits
		 * (handle_handover_session_ended); only a session gone drops it here. */
		if (!handover_session(d, ho))
			handle_chat_expired(d, ho);
		else if (ho->state == HANDOVER_TAKEN && !ho->agent && ho->agent_left_ms &&
			 now - ho->agent_left_ms >= grace &&
			 handover_session(d, ho)->state == SESSION_OPEN)
			handover_requeue_chat(d, ho, now);
	}
}

/* A citizen's connection closed: its waiting handovers are marked for the
 * agents now, not at the next housekeeping (docs/protocol.md, "The queue
 * tells the truth"). */
void handle_handover_push_marks(struct daemon *d)
{
	for (struct handover *ho = d->handovers.head; ho; ho = ho->next)
		if (ho->state == HANDOVER_WAITING && ho->left_ms && !ho->left_told)
			handover_push_mark(d, ho);
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
	handover_chat_sweep(d, now);
	handover_expire(&d->handovers, now); /* the taken ones, kept a while */
	/* Agents signed in or out since: the estimates move. */
	handle_chat_positions(d);
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

/* The "after" of a handover or take: the last seq the side has; 0 if absent. */
static int handover_after(struct handler_ctx *h, uint64_t *after)
{
	json_t *v = json_object_get(h->msg, "after");

	*after = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"after\" must be the last chat seq you have (0 or more)");
	*after = (uint64_t)json_integer_value(v);
	return 0;
}

/* The session of a taken handover the citizen comes back to: the session
 * is the agent's now, so its id (a secret only the citizen's widget holds)
 * is what shows it is theirs. NULL: not that case. */
static struct handover *handover_return(struct handler_ctx *h)
{
	const char *id = json_string_value(json_object_get(h->msg, "session"));
	struct handover *ho = id ? handover_find_session(&h->d->handovers, id) : NULL;

	if (!ho || (ho->state != HANDOVER_TAKEN && !ho->chat) || !handover_session(h->d, ho))
		return NULL;
	return ho;
}

/* The handover reply: the code, where it stands (waiting with its place
 * and wait, taken with the agent, ended), and the desk's phone. */
static void handover_reply(struct handler_ctx *h, struct handover *ho, struct session *s)
{
	json_t *reply = proto_reply("handover", h->re), *phone;

	json_object_set_new(reply, "code", json_string(ho->code));
	json_object_set_new(reply, "expires", json_integer(ho->expires_ms));
	phone = json_object_get(h->d->conf.desk_phone, s->country);
	if (phone)
		json_object_set(reply, "phone", phone);
	if (ho->state == HANDOVER_WAITING) {
		json_object_set_new(reply, "state", json_string("waiting"));
		handle_chat_estimate(h->d, ho, reply);
	} else {
		json_object_set_new(reply, "state", json_string(ho->chat ? "taken" : "ended"));
		json_object_set_new(reply, "session", json_string(ho->session));
		if (ho->chat)
			json_object_set_new(reply, "agent", json_string(ho->chat->agent_name));
	}
	handle_callback_hours_fields(h, s, reply);
	client_send(h->c, reply);
	json_decref(reply);
}

int handle_handover(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "after", NULL };
	struct handover *ho;
	struct session *s;
	uint64_t after;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (handover_after(h, &after))
		return -1;
	ho = handover_return(h);
	if (ho) {
		s = handover_session(h->d, ho);
	} else {
		if (!(s = handle_session(h, 0)))
			return -1;
		ho = handover_find_session(&h->d->handovers, s->id);
	}
	if (ho) {
		int was_told = ho->left_told, was_away = !ho->citizen;
		/* After a reconnect, "taken" goes to the new connection, and the
		 * citizen is no longer away. */
		handover_citizen_back(ho, h->c);
		if (was_told && ho->state == HANDOVER_WAITING)
			handover_push_mark(h->d, ho);
		if (was_away && ho->state == HANDOVER_TAKEN)
			handle_chat_presence(ho, CHAT_CITIZEN, 1);
	}
	if (!ho) {
		if (!(ho = handover_admit(h, s)))
			return -1;
		snprintf(ho->country, sizeof(ho->country), "%s", s->country);
		log_info("handover %s created (%s, %s)", ho->code, s->country, s->lang);
		handover_push_change(h->d, handover_item(h->d, ho), NULL);
	}
	handover_reply(h, ho, s);
	/* What the citizen missed while away, in both directions. */
	handle_chat_replay(ho, h->c, after);
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

/* The agent who took ho takes it again (after a reload of the panel): this
 * connection gets the chat, the step, and the messages after "after". */
static int handover_retake(struct handler_ctx *h, struct handover *ho, uint64_t after)
{
	struct session *s = handover_session(h->d, ho);
	int was_away = !ho->agent;

	ho->agent = h->c;
	ho->agent_left_ms = 0;
	if (was_away && ho->citizen)
		handle_chat_presence(ho, CHAT_AGENT, 1);
	handle_send_step(h, s);
	handle_chat_replay(ho, h->c, after);
	return 0;
}

/* 1 if the agent may open one more chat (bounds.chats_per_agent); else
 * replies rate_limited. */
static int handover_may_chat(struct handler_ctx *h)
{
	unsigned open = 0, max = h->d->conf.bounds.chats_per_agent;

	for (struct handover *ho = h->d->handovers.head; ho; ho = ho->next)
		open += ho->state == HANDOVER_TAKEN && ho->chat &&
			!strcmp(ho->taken_by, h->c->token_name);
	if (open < max)
		return 1;
	h->d->metrics.bounds_refused[METRICS_BOUND_CHATS_PER_AGENT]++;
	handle_fail(h, PROTO_RATE_LIMITED,
		    "you have %u chats open (bounds.chats_per_agent); end one first", open);
	return 0;
}

/* The chat of a taken handover: a new one, or the one so far after a
 * requeue; the citizen is told who has it. */
static void handover_start_chat(struct handler_ctx *h, struct handover *ho)
{
	const char *name = conf_display_name(&h->d->conf, h->c->token_name);
	json_t *note;

	if (!ho->chat)
		ho->chat = chat_new(h->d->conf.bounds.chat_history);
	if (ho->chat)
		chat_set_agent(ho->chat, h->c->token_name, name, util_now_ms());
	ho->agent = h->c;
	ho->agent_left_ms = 0;
	if (ho->citizen) {
		note = json_pack("{s:s,s:s,s:s,s:s}", "type", "taken", "code", ho->code, "session",
				 ho->session, "agent", name);
		client_send(ho->citizen, note);
		json_decref(note);
	}
}

int handle_take(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "code", "channel", "after", NULL };
	struct handoff_in *hi;
	struct handover *ho;
	struct session *s;
	char key[QUOTA_KEY_MAX];
	uint64_t after;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(ho = handover_by_code(h, &hi)))
		return hi ? handle_handoff_take(h, hi) : -1;
	if (json_object_get(h->msg, "channel"))
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"\"channel\" is only for a handoff from another desk; a handover stays "
			"a widget contact");
	if (handover_after(h, &after))
		return -1;
	if (ho->state == HANDOVER_TAKEN && !strcmp(ho->taken_by, h->c->token_name))
		return handover_retake(h, ho, after);
	if (ho->state == HANDOVER_TAKEN)
		return handle_fail(h, PROTO_CONFLICT, "handover %s was already taken by %s",
				   ho->code, ho->taken_by);
	s = handover_session(h->d, ho);
	if (s->state != SESSION_OPEN)
		return handle_fail(h, PROTO_CONFLICT, "the citizen's session has already ended");
	/* A caller on the phone (citizen gone) is no chat and not bounded by it. */
	if (ho->citizen && !handover_may_chat(h))
		return -1;
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
	handover_start_chat(h, ho);
	handover_push_change(h->d, NULL, ho->code);
	handle_send_step(h, s);
	/* After a requeue: the story so far, so the citizen need not tell it twice. */
	handle_chat_replay(ho, h->c, after);
	handle_chat_positions(h->d);
	return 0;
}
