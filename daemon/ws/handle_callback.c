/* handle_callback.c - when nobody can take it (docs/protocol.md): whether
 * a handover can be chatted now (desk hours, agents signed in), and the
 * callback requests citizens leave instead: "callback" (citizen),
 * "callbacks" and "callback_done" (agents).
 *
 * A callback holds a citizen's phone number. It is answered at once, kept
 * in memory for the agents and in the store (table callbacks, written by
 * the writer thread) until done or callback_retention_hours pass. Log
 * lines name the code, never the number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

#include "app/daemon.h"
#include "client.h"
#include "handle_internal.h"
#include "conf/hours.h"
#include "desk/callback.h"
#include "desk/handover.h"
#include "base/log.h"
#include "triage/rules.h"
#include "desk/session.h"
#include "store/store.h"
#include "store/store_callbacks.h"
#include "base/util.h"

/* A callback row's write, answered on the service thread: nobody waits for
 * it (the request is in memory already), so a failure is only logged. */
static void callback_stored(void *arg, const struct store_result *r)
{
	(void)arg;
	if (r->status != STORE_OK)
		log_err("a callback request could not be written to the store: %s", r->error);
}

void handle_callback_hours_fields(struct handler_ctx *h, const struct session *s, json_t *reply)
{
	const struct desk_hours *hours = h->d->conf.desk_hours;
	json_t *configured = hours_json(hours, s->country);
	struct handover *ho = handover_find_session(&h->d->handovers, s->id);
	int64_t next = 0;
	int open = hours_open(hours, s->country, util_now_ms(), &next);
	int agents = h->d->metrics.connections[ROLE_AGENT] > 0;

	if (configured)
		json_object_set(reply, "hours", configured);
	/* Once taken, "state" says it all: whether a chat is possible is a
	 * question for a citizen still waiting. */
	if (ho && ho->state != HANDOVER_WAITING)
		return;
	json_object_set_new(reply, "chat", json_boolean(open && agents));
	if (!open) {
		json_object_set_new(reply, "why", json_string("closed"));
		if (next)
			json_object_set_new(reply, "next_open", json_integer(next));
	} else if (!agents) {
		json_object_set_new(reply, "why", json_string("no_agents"));
	}
}

/* Push {"type":"callbacks_changed","added":[item]} or "removed":[code]. */
static void callback_push(struct daemon *d, const struct callback *added, const char *removed)
{
	json_t *msg;

	if (!d->subscribers[CLIENTS_CALLBACKS])
		return;
	msg = json_pack("{s:s}", "type", "callbacks_changed");
	if (added)
		json_object_set_new(msg, "added", json_pack("[o]", callback_item(added)));
	if (removed)
		json_object_set_new(msg, "removed", json_pack("[s]", removed));
	client_broadcast(d, CLIENTS_CALLBACKS, msg);
	json_decref(msg);
}

static void callback_reply(struct handler_ctx *h, const struct callback *cb)
{
	json_t *reply = proto_reply("callback", h->re);

	json_object_set_new(reply, "code", json_string(cb->code));
	json_object_set_new(reply, "until", json_integer(cb->until_ms));
	client_send(h->c, reply);
	json_decref(reply);
}

/* Within the bounds per address and in all; 0, or -1 after replying. */
static int callback_admit(struct handler_ctx *h)
{
	const struct conf_bounds *b = &h->d->conf.bounds;
	unsigned long long *refused = h->d->metrics.bounds_refused;

	if (callback_count_from(&h->d->callbacks, h->c->ip) >= b->callbacks_per_address) {
		refused[METRICS_BOUND_CALLBACKS_PER_ADDRESS]++;
		return handle_fail(h, PROTO_RATE_LIMITED,
				   "%u callbacks from your address are already waiting "
				   "(bounds.callbacks_per_address); call the desk instead",
				   b->callbacks_per_address);
	}
	if (h->d->callbacks.n >= b->callbacks_total) {
		refused[METRICS_BOUND_CALLBACKS_TOTAL]++;
		return handle_fail(h, PROTO_RATE_LIMITED,
				   "the desk cannot take more callbacks now (%u waiting, "
				   "bounds.callbacks_total); call the desk instead",
				   b->callbacks_total);
	}
	return 0;
}

/* The new callback for s, from its waiting handover; NULL after replying. */
static struct callback *callback_create(struct handler_ctx *h, struct session *s,
					const char *phone)
{
	struct handover *ho = handover_find_session(&h->d->handovers, s->id);
	int64_t now = util_now_ms();
	struct callback *cb;

	if (!ho || ho->state != HANDOVER_WAITING) {
		handle_fail(h, PROTO_CONFLICT,
			    ho ? "an agent has already taken this conversation"
			       : "ask for a person (\"handover\") before asking to be called back");
		return NULL;
	}
	if (callback_admit(h))
		return NULL;
	cb = callback_add(&h->d->callbacks, ho->code, s->id, s->country, s->lang, phone,
			  h->c->ip, now,
			  now + (int64_t)h->d->conf.callback_retention_hours * 3600000,
			  triage_step_json(s->tr, s->lang));
	if (!cb) {
		handle_fail(h, PROTO_INTERNAL, "could not keep the callback request");
		return NULL;
	}
	if (store_callbacks_insert(h->d->store, cb, callback_stored, NULL)) {
		callback_remove(&h->d->callbacks, cb);
		handle_fail(h, PROTO_UNAVAILABLE, "the store is busy; try again in a moment");
		return NULL;
	}
	/* It leaves the live queue: nobody is to take it as a chat now. */
	handle_handover_session_ended(h->d, s->id);
	log_info("callback %s requested (%s, %s)", cb->code, cb->country, cb->lang);
	callback_push(h->d, cb, NULL);
	return cb;
}

int handle_callback(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "phone", NULL };
	const char *phone;
	struct callback *cb;
	struct session *s;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	/* The message names the field, never echoes the number. */
	if (proto_get_string(h->msg, "phone", 1, CALLBACK_PHONE_MAX, &phone, h->err,
			     sizeof(h->err)) ||
	    !callback_phone_valid(phone))
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"phone\" must be a phone number: 6 to %d digits, spaces, + - "
				   "( ), with at least 6 digits",
				   CALLBACK_PHONE_MAX);
	if (!(s = handle_session(h, 0)))
		return -1;
	cb = callback_find_session(&h->d->callbacks, s->id);
	if (cb && strcmp(cb->phone, phone))
		return handle_fail(h, PROTO_CONFLICT,
				   "this conversation already has callback %s with another number",
				   cb->code);
	if (!cb && !(cb = callback_create(h, s, phone)))
		return -1;
	callback_reply(h, cb);
	return 0;
}

int handle_callbacks(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", NULL };
	json_t *reply, *items;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	client_subscribe(h->c, CLIENTS_CALLBACKS);
	reply = proto_reply("callbacks", h->re);
	items = json_array();
	/* The list is newest first; agents call the one who waited longest first. */
	for (struct callback *cb = h->d->callbacks.head; cb; cb = cb->next)
		json_array_insert_new(items, 0, callback_item(cb));
	json_object_set_new(reply, "items", items);
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

/* Forget cb everywhere: memory, the agents' lists, the store. */
static void callback_forget(struct daemon *d, struct callback *cb, int64_t now)
{
	char code[HANDOVER_CODE_LEN + 1];

	snprintf(code, sizeof(code), "%s", cb->code);
	if (store_callbacks_delete(d->store, code, now, callback_stored, NULL))
		log_warn("callback %s: the store is busy; its row goes at the next sweep", code);
	callback_remove(&d->callbacks, cb);
	callback_push(d, NULL, code);
}

int handle_callback_done(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "code", NULL };
	struct callback *cb;
	const char *code;
	json_t *reply;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)) ||
	    proto_get_string(h->msg, "code", 1, 32, &code, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(cb = callback_find_code(&h->d->callbacks, code)))
		return handle_fail(h, PROTO_NOT_FOUND,
				   "no callback with code \"%s\" (done already, or past "
				   "callback_retention_hours)",
				   code);
	log_info("callback %s done by %s", cb->code, h->c->token_name);
	callback_forget(h->d, cb, util_now_ms());
	reply = proto_reply("callback_done", h->re);
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

void handle_callback_sweep(struct daemon *d)
{
	int64_t now = util_now_ms();

	for (struct callback *cb = d->callbacks.head, *next; cb; cb = next) {
		next = cb->next;
		if (cb->until_ms <= now) {
			log_info("callback %s deleted: past callback_retention_hours", cb->code);
			callback_forget(d, cb, now);
		}
	}
}

int handle_callback_load(struct daemon *d)
{
	int n = store_callbacks_load(d->store, &d->callbacks, util_now_ms());

	if (n > 0)
		log_info("%d callback request%s waiting", n, n == 1 ? "" : "s");
	return n < 0 ? -1 : 0;
}
