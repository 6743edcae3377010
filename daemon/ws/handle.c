/* handle.c - protocol v1 message handlers.
 *
 * Each handler validates its message completely before changing anything,
 * and answers with exactly one reply (or error) echoing the message's id. */
#include "handle.h"
#include "handle_internal.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "app/daemon.h"
#include "base/jbuf.h"
#include "base/limits.h"
#include "base/log.h"
#include "proto.h"
#include "triage/rules.h"
#include "base/scrub.h"
#include "triage/search.h"
#include "desk/session.h"
#include "store/store.h"

#define ROLES_TRIAGE ((1u << ROLE_AGENT) | (1u << ROLE_CITIZEN))
#define ROLES_AGENT (1u << ROLE_AGENT)
#define ROLES_CITIZEN (1u << ROLE_CITIZEN)
#define ROLES_SUPERVISOR (1u << ROLE_SUPERVISOR)


int handle_fail(struct handler_ctx *h, enum proto_code code, const char *fmt, ...)
{
	char message[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	client_send_error(h->c, h->re, code, "%s", message);
	return -1;
}

int handle_fail_err(struct handler_ctx *h, enum proto_code code)
{
	return handle_fail(h, code, "%s", h->err);
}

void handle_reply(struct handler_ctx *h, json_t *reply)
{
	client_send(h->c, reply);
}

/* --- hello -------------------------------------------------------------- */

/* --- triage ------------------------------------------------------------- */

/* Steps are the replies sent most: written as text around the node's
 * cached question or result instead of built and dumped with jansson
 * (docs/performance.md, finding 1). */
void handle_send_step(struct handler_ctx *h, struct session *s)
{
	handle_send_step_understood(h, s, NULL);
}

void handle_send_step_understood(struct handler_ctx *h, struct session *s, const json_t *understood)
{
	struct jbuf b = { 0 };

	client_reply_begin(&b);
	jbuf_raw(&b, "{", 1);
	triage_step_write(s->tr, s->lang, &b);
	if (understood) {
		jbuf_lit(&b, ",\"understood\":");
		jbuf_json(&b, understood);
	}
	jbuf_lit(&b, ",\"type\":\"step\"");
	if (h->re) {
		jbuf_lit(&b, ",\"re\":");
		jbuf_json(&b, h->re);
	}
	jbuf_lit(&b, ",\"session\":");
	jbuf_str(&b, s->id);
	jbuf_lit(&b, ",\"country\":");
	jbuf_str(&b, s->country);
	jbuf_lit(&b, ",\"lang\":");
	jbuf_str(&b, s->lang);
	jbuf_lit(&b, ",\"channel\":");
	jbuf_str(&b, s->channel);
	jbuf_raw(&b, "}", 1);
	client_send_jbuf(h->c, &b);
}

/* The current tree for country, and the language to use in it: *lang if
 * given, else the client's hello language if the tree has it. NULL after
 * replying with the error. */
static const struct rules_tree *handle_tree(struct handler_ctx *h, const char *country,
					    const char **lang)
{
	const struct rules_tree *t = rules_tree(h->d->rules, country);

	if (!t) {
		handle_fail(h, PROTO_UNAVAILABLE, "no rules are loaded for country %s", country);
		return NULL;
	}
	if (!*lang)
		*lang = rules_tree_has_lang(t, h->c->lang) ? h->c->lang : NULL;
	if (!*lang || !rules_tree_has_lang(t, *lang)) {
		json_t *langs = rules_tree_langs(t);
		char *list = json_dumps(langs, JSON_COMPACT);
		handle_fail(h, PROTO_BAD_REQUEST, "\"lang\": the %s rules are written in %s",
			    country, list ? list : "?");
		free(list);
		json_decref(langs);
		return NULL;
	}
	return t;
}

void handle_bound_key(const struct handler_ctx *h, char *out, size_t outlen)
{
	if (h->c->role == ROLE_CITIZEN)
		snprintf(out, outlen, "address:%s", h->c->ip);
	else
		snprintf(out, outlen, "token:%s", h->c->token_name);
}

/* Refuse a session over one of the bounds on open sessions, naming the
 * bound and its config key; counted in /metrics. Returns NULL. */
static struct session *handle_session_refused(struct handler_ctx *h, enum session_bound bound)
{
	const struct conf_bounds *b = &h->d->conf.bounds;
	unsigned long long *refused = h->d->metrics.bounds_refused;

	if (bound == SESSION_BOUND_CONNECTION) {
		refused[METRICS_BOUND_SESSIONS_PER_CONNECTION]++;
		handle_fail(h, PROTO_RATE_LIMITED,
			    "too many open sessions: %u on this connection "
			    "(bounds.sessions_per_connection); finish one first",
			    b->sessions_per_connection);
	} else if (bound == SESSION_BOUND_OWNER && h->c->role == ROLE_CITIZEN) {
		refused[METRICS_BOUND_SESSIONS_PER_ADDRESS]++;
		handle_fail(h, PROTO_RATE_LIMITED,
			    "too many open sessions: %u from your address "
			    "(bounds.sessions_per_address); finish one first",
			    b->sessions_per_address);
	} else if (bound == SESSION_BOUND_OWNER) {
		refused[METRICS_BOUND_SESSIONS_PER_TOKEN]++;
		handle_fail(
			h, PROTO_RATE_LIMITED,
			"too many open sessions: %u for your token (bounds.sessions_per_token); "
			"finish one first",
			b->sessions_per_token);
	} else {
		refused[METRICS_BOUND_SESSIONS_TOTAL]++;
		handle_fail(h, PROTO_RATE_LIMITED,
			    "too many open sessions: the daemon holds %u (bounds.sessions_total); "
			    "try again later",
			    b->sessions_total);
	}
	return NULL;
}

/* A new session within the bounds on open sessions (per connection, per
 * token or citizen address, in total), counted against them; NULL after
 * replying. */
static struct session *handle_new_session(struct handler_ctx *h, const char *id)
{
	char key[QUOTA_KEY_MAX];
	enum session_bound bound;
	struct session *s;

	handle_bound_key(h, key, sizeof(key));
	bound = session_may_open(&h->d->sessions, key, &h->c->sessions, &h->d->conf.bounds);
	if (bound != SESSION_BOUND_OK)
		return handle_session_refused(h, bound);
	if (!(s = session_create(&h->d->sessions, id))) {
		handle_fail(h, PROTO_INTERNAL, "could not create a session");
		return NULL;
	}
	session_admit(&h->d->sessions, s, key, &h->c->sessions);
	return s;
}

/* Validate a start (or a restore, from obj) and create its session, with a
 * fresh id or the given one. NULL after replying with the error. */
struct session *handle_begin(struct handler_ctx *h, json_t *obj, const char *id)
{
	static const char *const staff_channels[] = { "phone", "chat", "desk", NULL };
	/* A restored session may be a widget session an agent took over. */
	static const char *const restore_channels[] = { "phone", "chat", "desk", "widget", NULL };
	static const char *const citizen_channels[] = { "widget", NULL };
	const char *country, *channel, *lang;
	const struct rules_tree *t;
	json_t *facts = json_object_get(obj, "facts");
	struct triage *tr;
	struct session *s;
	int citizen = h->c->role == ROLE_CITIZEN;
	const char *const *channels = citizen ? citizen_channels
				      : id    ? restore_channels
					      : staff_channels;

	if (proto_get_enum(obj, "country", 1, names_countries, &country, h->err, sizeof(h->err)) ||
	    proto_get_enum(obj, "channel", 1, channels, &channel, h->err, sizeof(h->err)) ||
	    proto_get_enum(obj, "lang", 0, names_langs, &lang, h->err, sizeof(h->err))) {
		handle_fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	if (facts && !json_is_object(facts)) {
		handle_fail(h, PROTO_BAD_REQUEST, "\"facts\" must be an object of fact: value");
		return NULL;
	}
	if (!(t = handle_tree(h, country, &lang)))
		return NULL;
	tr = triage_start(h->d->rules, t, facts, h->c->role == ROLE_CITIZEN, h->err,
			  sizeof(h->err));
	if (!tr) {
		handle_fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	s = handle_new_session(h, id);
	if (!s) {
		triage_free(tr);
		return NULL;
	}
	s->tr = tr;
	s->role = h->c->role;
	util_copy(s->owner, sizeof(s->owner), h->c->token_name);
	util_copy(s->country, sizeof(s->country), country);
	util_copy(s->lang, sizeof(s->lang), lang);
	util_copy(s->channel, sizeof(s->channel), channel);
	return s;
}

/* The caller's words as facts: a copy of the start message whose facts
 * also hold what the text states (explicit facts win), and in *understood
 * what was read from which words. The text itself goes nowhere else: it is
 * neither stored nor logged. NULL after replying with the error. */
static json_t *handle_read_text(struct handler_ctx *h, json_t **understood)
{
	const char *text, *lang = json_string_value(json_object_get(h->msg, "lang"));
	json_t *msg, *facts = json_object_get(h->msg, "facts");

	if (proto_get_string(h->msg, "text", 0, HANDLE_TEXT_MAX, &text, h->err, sizeof(h->err))) {
		handle_fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	if (facts && !json_is_object(facts)) {
		handle_fail(h, PROTO_BAD_REQUEST, "\"facts\" must be an object of fact: value");
		return NULL;
	}
	msg = json_copy(h->msg);
	facts = facts ? json_copy(facts) : json_object();
	*understood = json_array();
	if (!lang)
		lang = h->c->lang;
	if (text && h->d->rules)
		rules_understand(h->d->rules, lang, text, facts, *understood);
	json_object_set_new(msg, "facts", facts);
	return msg;
}

static int handle_start(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id",    "country", "channel",
					    "lang", "facts", "text",    NULL };
	json_t *msg = h->msg, *understood = NULL;
	struct session *s;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (json_object_get(h->msg, "text") && !(msg = handle_read_text(h, &understood)))
		return -1;
	s = handle_begin(h, msg, NULL);
	if (s)
		handle_send_step_understood(h, s, understood);
	if (msg != h->msg)
		json_decref(msg);
	json_decref(understood);
	return s ? 0 : -1;
}

/* 1 if this client started (or took) session s. */
static int handle_owns(const struct handler_ctx *h, const struct session *s)
{
	return s->role == h->c->role && !strcmp(s->owner, h->c->token_name);
}

/* The session named in the message, if this client may use it. */
struct session *handle_session(struct handler_ctx *h, int allow_finished)
{
	const char *id;
	struct session *s;

	if (proto_get_string(h->msg, "session", 1, 64, &id, h->err, sizeof(h->err))) {
		handle_fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	s = session_find(&h->d->sessions, id);
	if (!s) {
		handle_fail(h, PROTO_NOT_FOUND, "no session \"%s\" (it may have expired)", id);
		return NULL;
	}
	if (!handle_owns(h, s)) {
		handle_fail(h, PROTO_FORBIDDEN, "session \"%s\" belongs to another %s", id,
			    names_role(s->role));
		return NULL;
	}
	if (!allow_finished && s->state != SESSION_OPEN) {
		handle_fail(h, PROTO_CONFLICT, "session \"%s\" is already %s", id,
			    s->state == SESSION_FINISHED ? "finished" : "being finished");
		return NULL;
	}
	s->touched_ms = util_now_ms();
	return s;
}

static int handle_answer(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "value", NULL };
	struct session *s;
	const char *value;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	if (proto_get_string(h->msg, "value", 1, 64, &value, h->err, sizeof(h->err)) ||
	    triage_answer(s->tr, value, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	handle_send_step(h, s);
	return 0;
}

static int handle_back(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", NULL };
	struct session *s;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	if (triage_back(s->tr, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_CONFLICT);
	handle_send_step(h, s);
	return 0;
}

static int handle_jump(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "node", NULL };
	struct session *s;
	const char *node;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	if (proto_get_string(h->msg, "node", 1, 128, &node, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (triage_jump(s->tr, node, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_NOT_FOUND);
	handle_send_step(h, s);
	return 0;
}

/* --- search ------------------------------------------------------------- */

/* Search the current rules (d->rules; a session on older rules may find a
 * node gone, and its jump then says not_found). Citizens see only the nodes
 * meant for them. The work is in search.c. */
/* The facts a search ranks by: the walk's (when "session" names one of this
 * client's) and, where the walk has none, what the words of q state. */
static json_t *handle_search_facts(struct handler_ctx *h, const struct search_request *req)
{
	json_t *facts = json_object(), *understood = json_array();
	const char *id = json_string_value(json_object_get(h->msg, "session"));
	struct session *s = id ? session_find(&h->d->sessions, id) : NULL;

	if (s && s->tr && handle_owns(h, s) && !strcmp(s->country, req->country))
		json_object_update(facts, triage_facts(s->tr));
	rules_understand(h->d->rules, req->lang, req->q, facts, understood);
	json_decref(understood);
	return facts;
}

static int handle_search(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "q", "country", "lang", "session", NULL };
	struct search_request req = { .citizen = h->c->role == ROLE_CITIZEN,
				      .limit = SEARCH_MAX_ITEMS };
	json_t *items, *reply, *facts = NULL;
	enum search_status status;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)) ||
	    proto_get_string(h->msg, "q", 1, SEARCH_MAX_QUERY, &req.q, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "country", 1, names_countries, &req.country, h->err,
			   sizeof(h->err)) ||
	    proto_get_enum(h->msg, "lang", 0, names_langs, &req.lang, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(req.tree = handle_tree(h, req.country, &req.lang)))
		return -1;
	req.facts = facts = handle_search_facts(h, &req);
	status = search_run(h->d->search, &req, &items, h->err, sizeof(h->err));
	json_decref(facts);
	switch (status) {
	case SEARCH_OK:
		break;
	case SEARCH_BAD_QUERY:
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	default:
		log_err("%s", h->err);
		return handle_fail(h, PROTO_INTERNAL, "the search failed");
	}
	reply = proto_reply("results", h->re);
	json_object_set_new(reply, "items", items);
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

/* --- dispatch ----------------------------------------------------------- */

static const struct {
	const char *type;
	unsigned roles; /* who may send it; 0: before hello */
	int (*fn)(struct handler_ctx *h);
} handlers[] = {
	{ "hello", 0, handle_hello },
	{ "start", ROLES_TRIAGE, handle_start },
	{ "answer", ROLES_TRIAGE, handle_answer },
	{ "back", ROLES_TRIAGE, handle_back },
	{ "jump", ROLES_TRIAGE, handle_jump },
	{ "resume", ROLES_TRIAGE, handle_resume },
	{ "finish", ROLES_TRIAGE, handle_finish },
	{ "correct", ROLES_AGENT, handle_correct },
	{ "handover", ROLES_CITIZEN, handle_handover },
	{ "queue", ROLES_AGENT, handle_queue },
	{ "lookup", ROLES_AGENT, handle_lookup },
	{ "take", ROLES_AGENT, handle_take },
	{ "callback", ROLES_CITIZEN, handle_callback },
	{ "callbacks", ROLES_AGENT, handle_callbacks },
	{ "callback_done", ROLES_AGENT, handle_callback_done },
	{ "search", ROLES_TRIAGE, handle_search },
	{ "subscribe", ROLES_SUPERVISOR, handle_subscribe },
	{ "feedback", ROLES_CITIZEN, handle_feedback },
	{ "end", ROLES_CITIZEN, handle_end },
	{ "chat", ROLES_TRIAGE, handle_chat },
	{ "typing", ROLES_TRIAGE, handle_typing },
	{ "chat_card", ROLES_AGENT, handle_chat_card },
	{ "chat_end", ROLES_TRIAGE, handle_chat_end },
};

const char *handle_message_type(size_t i)
{
	return i < sizeof(handlers) / sizeof(handlers[0]) ? handlers[i].type : NULL;
}

/* For /metrics: messages by type; a type nobody handles is "unknown", so
 * clients cannot make up label values. */
static void handle_count_message(struct metrics *m, const char *type)
{
	size_t i, n = sizeof(handlers) / sizeof(handlers[0]);

	for (i = 0; i < n && strcmp(handlers[i].type, type); i++)
		;
	if (i == n || i >= METRICS_MAX_TYPES)
		m->messages_unknown++;
	else
		m->messages[i]++;
}

void handle_message(struct client *c, const char *text, size_t len)
{
	struct handler_ctx h = { .c = c, .d = c->d };
	struct proto_msg msg;
	enum proto_code code;
	size_t i, n = sizeof(handlers) / sizeof(handlers[0]);

	if (proto_parse(text, len, &msg, &code, h.err, sizeof(h.err))) {
		c->d->metrics.messages_invalid++;
		client_send_error(c, msg.id, code, "%s", h.err);
		proto_msg_free(&msg);
		return;
	}
	h.msg = msg.root;
	h.re = msg.id;
	handle_count_message(&c->d->metrics, msg.type);
	/* Signed-in staff are not throttled; everyone else shares a budget per address. */
	if ((c->role == ROLE_NONE || c->role == ROLE_CITIZEN) &&
	    !limits_may_send(&c->d->limits, c->ip, util_now_ms())) {
		handle_fail(&h, PROTO_RATE_LIMITED,
			    "too many messages from your address; slow down");
		proto_msg_free(&msg);
		return;
	}
	for (i = 0; i < n && strcmp(handlers[i].type, msg.type); i++)
		;
	if (i == n) {
		char list[256] = "";
		for (size_t k = 0; k < n; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 k ? ", " : "", handlers[k].type);
		handle_fail(&h, PROTO_BAD_REQUEST, "unknown message type \"%s\"; known: %s",
			    msg.type, list);
	} else if (handlers[i].roles && c->role == ROLE_NONE) {
		handle_fail(&h, PROTO_UNAUTHORIZED, "say hello first");
	} else if (handlers[i].roles && !(handlers[i].roles & (1u << c->role))) {
		handle_fail(&h, PROTO_FORBIDDEN, "role %s may not send \"%s\"",
			    names_role(c->role), msg.type);
	} else {
		handlers[i].fn(&h);
	}
	proto_msg_free(&msg);
}
