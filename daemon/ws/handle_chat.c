/* handle_chat.c - live chat after a handover (docs/protocol.md, "Live chat
 * after a handover"): the messages chat, typing, chat_card and chat_end,
 * the replay of what a side missed, presence, the end of a chat, and the
 * citizen's place in the queue.
 *
 * Nothing either side writes goes to a log line or the store: texts live
 * only in the conversation's ring (desk/chat.h) until the chat ends. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/daemon.h"
#include "client.h"
#include "base/util.h"
#include "desk/chat.h"
#include "desk/handover.h"
#include "desk/session.h"
#include "handle.h"
#include "handle_internal.h"
#include "triage/rules.h"

static const char *const side_names[] = { "citizen", "agent" };

/* The connection of one side, NULL while that side is away. */
static struct client *chat_peer(const struct handover *ho, enum chat_side side)
{
	return side == CHAT_CITIZEN ? ho->citizen : ho->agent;
}

static void chat_send(struct client *c, json_t *msg)
{
	if (c)
		client_send(c, msg);
	json_decref(msg);
}

/* A message as the other side (or a side catching up) receives it. */
static json_t *chat_push_msg(const struct handover *ho, const struct chat_msg *m)
{
	json_t *msg = json_pack("{s:s,s:s}", "type", "chat", "from", side_names[m->from]);

	if (m->from == CHAT_AGENT)
		json_object_set_new(msg, "name", json_string(ho->chat->agent_name));
	json_object_set_new(msg, "session", json_string(ho->session));
	if (m->text)
		json_object_set_new(msg, "text", json_string(m->text));
	if (m->card)
		json_object_set(msg, "card", m->card);
	json_object_set_new(msg, "seq", json_integer((json_int_t)m->seq));
	json_object_set_new(msg, "at", json_integer(m->at));
	return msg;
}

void handle_chat_replay(struct handover *ho, struct client *to, uint64_t after)
{
	if (!ho->chat || !to)
		return;
	for (unsigned i = 0; i < ho->chat->count; i++) {
		const struct chat_msg *m = chat_at(ho->chat, i);
		if (m->seq > after)
			chat_send(to, chat_push_msg(ho, m));
	}
}

void handle_chat_presence(struct handover *ho, enum chat_side side, int present)
{
	if (!ho->chat)
		return;
	chat_send(chat_peer(ho, side == CHAT_CITIZEN ? CHAT_AGENT : CHAT_CITIZEN),
		  json_pack("{s:s,s:s,s:s,s:b}", "type", "chat_presence", "session", ho->session,
			    "side", side_names[side], "present", present));
}

/* The session's step as the citizen would see it (advice to "you", in the
 * citizen's language), when the walk has a result; else NULL. */
static json_t *chat_citizen_step(struct daemon *d, const struct handover *ho)
{
	struct session *s = session_find(&d->sessions, ho->session);
	json_t *step;

	if (!s || !s->tr || !triage_at_result(s->tr))
		return NULL;
	triage_set_citizen(s->tr, 1);
	step = triage_step_json(s->tr, s->lang);
	triage_set_citizen(s->tr, 0);
	return step;
}

void handle_chat_close(struct daemon *d, struct handover *ho, enum chat_side by)
{
	json_t *msg, *step;

	if (!ho->chat)
		return;
	handover_handled(&d->handovers, util_now_ms() - ho->chat->taken_ms);
	msg = json_pack("{s:s,s:s,s:s}", "type", "chat_ended", "session", ho->session, "by",
			side_names[by]);
	if (ho->agent)
		client_send(ho->agent, msg);
	if ((step = chat_citizen_step(d, ho)))
		json_object_set_new(msg, "step", step);
	chat_send(ho->citizen, msg);
	handover_chat_drop(ho);
	/* The estimate of everyone still waiting moved. */
	handle_chat_positions(d);
}

/* The session behind a chat went (idle past bounds.session_idle_seconds):
 * both sides are told, so neither waits for an answer that cannot come. No
 * step: there is no walk left to show, and no handling time to count. */
void handle_chat_expired(struct daemon *d, struct handover *ho)
{
	json_t *msg;

	if (!ho->chat)
		return;
	msg = json_pack("{s:s,s:s,s:s}", "type", "chat_ended", "session", ho->session, "by",
			"expired");
	if (ho->agent)
		client_send(ho->agent, msg);
	chat_send(ho->citizen, msg);
	handover_chat_drop(ho);
	handle_chat_positions(d);
}

/* --- the citizen's place in the queue ---------------------------------- */

void handle_chat_estimate(struct daemon *d, struct handover *ho, json_t *obj)
{
	long agents = d->metrics.connections[ROLE_AGENT];
	unsigned pos = handover_position(&d->handovers, ho);
	int64_t wait = -1;

	json_object_set_new(obj, "position", json_integer(pos));
	if (agents > 0) {
		int64_t mean = handover_mean_handling(
			&d->handovers, (int64_t)d->conf.bounds.chat_handling_seconds * 1000);
		int64_t rounds = ((int64_t)pos + agents - 1) / agents;
		/* Whole minutes, rounded up: a wait in seconds promises too much. */
		wait = (rounds * mean / 1000 + 59) / 60 * 60;
		json_object_set_new(obj, "wait_seconds", json_integer(wait));
	}
	ho->told_position = pos;
	ho->told_wait = wait;
}

void handle_chat_positions(struct daemon *d)
{
	for (struct handover *ho = d->handovers.head; ho; ho = ho->next) {
		unsigned pos, was_pos = ho->told_position;
		int64_t was_wait = ho->told_wait;
		json_t *msg;

		if (ho->state != HANDOVER_WAITING || !ho->citizen || !was_pos)
			continue;
		msg = json_pack("{s:s,s:s}", "type", "queue_position", "code", ho->code);
		handle_chat_estimate(d, ho, msg);
		pos = ho->told_position;
		if (pos != was_pos || ho->told_wait != was_wait)
			client_send(ho->citizen, msg);
		json_decref(msg);
	}
}

/* --- the messages -------------------------------------------------------- */

/* The handover whose chat this message is for, with the sender's side; NULL
 * after replying. An agent names a session it took; a citizen reaches only
 * the conversation of its own handover (this connection asked for it). */
static struct handover *chat_find(struct handler_ctx *h, enum chat_side *side)
{
	const char *id;
	struct handover *ho = NULL;

	*side = h->c->role == ROLE_CITIZEN ? CHAT_CITIZEN : CHAT_AGENT;
	if (proto_get_string(h->msg, "session", *side == CHAT_AGENT, 64, &id, h->err,
			     sizeof(h->err))) {
		handle_fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	if (id) {
		ho = handover_find_session(&h->d->handovers, id);
		if (*side == CHAT_AGENT && !ho) {
			handle_fail(h, PROTO_NOT_FOUND, "no handover of session \"%s\"", id);
			return NULL;
		}
		if (!ho || (*side == CHAT_CITIZEN ? ho->citizen != h->c
						  : strcmp(ho->taken_by, h->c->token_name))) {
			handle_fail(h, PROTO_FORBIDDEN, "session \"%s\" is not a chat of yours", id);
			return NULL;
		}
	} else {
		for (ho = h->d->handovers.head; ho && ho->citizen != h->c; ho = ho->next)
			;
		if (!ho) {
			handle_fail(h, PROTO_NOT_FOUND, "you have not asked for a person");
			return NULL;
		}
	}
	if (!ho->chat || ho->state != HANDOVER_TAKEN) {
		handle_fail(h, PROTO_CONFLICT,
			    ho->chat_over ? "the chat has ended" : "no agent has taken it yet");
		return NULL;
	}
	return ho;
}

/* Keep a message and send it: the ack to the sender, the push to the other side. */
static int chat_relay(struct handler_ctx *h, struct handover *ho, enum chat_side side,
		      const char *text, json_t *card)
{
	const struct chat_msg *m = chat_add(ho->chat, side, text, card, util_now_ms());
	struct session *s = session_find(&h->d->sessions, ho->session);
	json_t *ack;

	if (!m)
		return handle_fail(h, PROTO_INTERNAL, "out of memory");
	if (s)
		s->touched_ms = m->at; /* a chat going on keeps its session */
	ack = proto_reply("chat", h->re);
	json_object_set_new(ack, "seq", json_integer((json_int_t)m->seq));
	json_object_set_new(ack, "at", json_integer(m->at));
	handle_reply(h, ack);
	json_decref(ack);
	chat_send(chat_peer(ho, side == CHAT_CITIZEN ? CHAT_AGENT : CHAT_CITIZEN),
		  chat_push_msg(ho, m));
	return 0;
}

int handle_chat(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "text", NULL };
	const struct conf_bounds *b = &h->d->conf.bounds;
	json_t *v = json_object_get(h->msg, "text");
	enum chat_side side;
	struct handover *ho;
	const char *text;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!json_is_string(v) || !json_string_length(v))
		return handle_fail(h, PROTO_BAD_REQUEST, "\"text\" must be a string of 1 to %u bytes",
				   b->chat_message_bytes);
	if (json_string_length(v) > b->chat_message_bytes) {
		h->d->metrics.bounds_refused[METRICS_BOUND_CHAT_MESSAGE_BYTES]++;
		return handle_fail(h, PROTO_TOO_LARGE,
				   "\"text\" is longer than %u bytes (bounds.chat_message_bytes)",
				   b->chat_message_bytes);
	}
	if (proto_get_string(h->msg, "text", 1, b->chat_message_bytes, &text, h->err,
			     sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(ho = chat_find(h, &side)))
		return -1;
	if (!chat_may_send(ho->chat, side, b->chat_per_minute, util_now_ms())) {
		h->d->metrics.bounds_refused[METRICS_BOUND_CHAT_PER_MINUTE]++;
		return handle_fail(h, PROTO_RATE_LIMITED,
				   "too many chat messages (%u a minute in bursts of %d, "
				   "bounds.chat_per_minute); wait a moment",
				   b->chat_per_minute, CHAT_BURST);
	}
	return chat_relay(h, ho, side, text, NULL);
}

/* typing, chat_card, chat_end: the keys checked and the conversation
 * found (NULL after replying). */
static struct handover *chat_begin(struct handler_ctx *h, enum chat_side *side)
{
	static const char *const keys[] = { "type", "id", "session", NULL };

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err))) {
		handle_fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	return chat_find(h, side);
}

static void chat_ack(struct handler_ctx *h, const char *type)
{
	json_t *ack = proto_reply(type, h->re);

	handle_reply(h, ack);
	json_decref(ack);
}

int handle_typing(struct handler_ctx *h)
{
	enum chat_side side;
	struct handover *ho;

	if (!(ho = chat_begin(h, &side)))
		return -1;
	chat_ack(h, "typing");
	/* At most one a second is passed on: a keystroke each is noise. */
	if (chat_may_type(ho->chat, side, util_now_ms()))
		chat_send(chat_peer(ho, side == CHAT_CITIZEN ? CHAT_AGENT : CHAT_CITIZEN),
			  json_pack("{s:s,s:s,s:s}", "type", "typing", "from", side_names[side],
				    "session", ho->session));
	return 0;
}

int handle_chat_card(struct handler_ctx *h)
{
	enum chat_side side;
	struct handover *ho;
	json_t *step, *card;
	int rc;

	if (!(ho = chat_begin(h, &side)))
		return -1;
	step = chat_citizen_step(h->d, ho);
	if (!step || !json_object_get(json_object_get(step, "result"), "destination")) {
		json_decref(step);
		return handle_fail(h, PROTO_CONFLICT,
				   "the walk has no result with a destination yet: nothing to send");
	}
	card = json_pack("{s:O}", "destination",
			 json_object_get(json_object_get(step, "result"), "destination"));
	json_decref(step);
	rc = chat_relay(h, ho, side, NULL, card);
	json_decref(card);
	return rc;
}

int handle_chat_end(struct handler_ctx *h)
{
	enum chat_side side;
	struct handover *ho;

	if (!(ho = chat_begin(h, &side)))
		return -1;
	chat_ack(h, "chat_end");
	handle_chat_close(h->d, ho, side);
	return 0;
}

/* A connection closed: the other side of each of its chats is told. Called
 * before the handovers forget it (client_cleanup). */
void handle_chat_client_gone(struct client *c)
{
	for (struct handover *ho = c->d->handovers.head; ho; ho = ho->next) {
		if (ho->state != HANDOVER_TAKEN || !ho->chat)
			continue;
		if (ho->citizen == c) {
			ho->citizen = NULL;
			handle_chat_presence(ho, CHAT_CITIZEN, 0);
		}
		if (ho->agent == c) {
			ho->agent = NULL;
			ho->agent_left_ms = util_now_ms();
			handle_chat_presence(ho, CHAT_AGENT, 0);
		}
	}
	/* One agent fewer: the waiting citizens' estimates grow now, not at the
	 * next housekeeping. */
	if (c->role == ROLE_AGENT)
		handle_chat_positions(c->d);
}
