/* handle.c - protocol v1 message handlers.
 *
 * Each handler validates its message completely before changing anything,
 * and answers with exactly one reply (or error) echoing the message's id. */
#include "handle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "daemon.h"
#include "log.h"
#include "proto.h"
#include "rules.h"
#include "scrub.h"
#include "session.h"
#include "store.h"

#define ROLES_STAFF ((1u << ROLE_AGENT) | (1u << ROLE_SUPERVISOR))
#define ROLES_TRIAGE ((1u << ROLE_AGENT) | (1u << ROLE_CITIZEN))
#define NOTE_MAX 4000

static const char *const langs_all[] = { "nb", "nn", "da", "en", NULL };

struct handler_ctx {
	struct client *c;
	struct daemon *d;
	json_t *msg;
	json_t *re;
	char err[512];
};

/* Every handler's error exit: reply with the error, return -1. */
static int fail(struct handler_ctx *h, enum proto_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct handler_ctx *h, enum proto_code code, const char *fmt, ...)
{
	char message[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	client_send_error(h->c, h->re, code, "%s", message);
	return -1;
}

static int fail_err(struct handler_ctx *h, enum proto_code code)
{
	return fail(h, code, "%s", h->err);
}

/* --- hello -------------------------------------------------------------- */

static json_t *handle_countries(struct daemon *d)
{
	static const char *const countries[] = { "no", "dk" };
	json_t *out = json_object();

	for (size_t i = 0; i < 2; i++) {
		const struct rules_tree *t = rules_tree(d->rules, countries[i]);
		if (t)
			json_object_set_new(out, countries[i],
					    json_pack("{s:s,s:o}", "rules", rules_tree_version(t),
						      "langs", rules_tree_langs(t)));
	}
	return out;
}

static int handle_hello(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "role", "token", "lang", NULL };
	static const char *const roles[] = { "agent", "supervisor", "citizen", NULL };
	const char *role, *token, *lang, *name = "";
	enum role want, got;
	json_t *reply;

	if (h->c->role != ROLE_NONE)
		return fail(h, PROTO_CONFLICT, "already said hello as %s", role_name(h->c->role));
	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "role", 1, roles, &role, h->err, sizeof(h->err)) ||
	    proto_get_string(h->msg, "token", 0, 256, &token, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "lang", 0, langs_all, &lang, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	want = !strcmp(role, "agent") ? ROLE_AGENT
	       : !strcmp(role, "supervisor") ? ROLE_SUPERVISOR
					     : ROLE_CITIZEN;
	if (want != ROLE_CITIZEN) {
		if (!token)
			return fail(h, PROTO_UNAUTHORIZED, "\"token\" is required for role %s",
				    role);
		got = conf_check_token(&h->d->conf, token, &name);
		if (got != want)
			return fail(h, PROTO_UNAUTHORIZED, "the token is not valid for role %s",
				    role);
	}
	h->c->role = want;
	snprintf(h->c->token_name, sizeof(h->c->token_name), "%s", name);
	snprintf(h->c->lang, sizeof(h->c->lang), "%s", lang ? lang : "en");
	log_info("hello: %s%s%s", role, *name ? " " : "", name);

	reply = proto_reply("welcome", h->re);
	json_object_set_new(reply, "role", json_string(role));
	json_object_set_new(reply, "server", json_string("vegvisard/" VV_VERSION));
	json_object_set_new(reply, "countries", handle_countries(h->d));
	json_object_set_new(reply, "langs", json_pack("[ssss]", "nb", "nn", "da", "en"));
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

/* --- triage ------------------------------------------------------------- */

static void handle_send_step(struct handler_ctx *h, struct session *s)
{
	json_t *step = triage_step_json(s->tr, s->lang);

	json_object_set_new(step, "type", json_string("step"));
	if (h->re)
		json_object_set(step, "re", h->re);
	json_object_set_new(step, "session", json_string(s->id));
	json_object_set_new(step, "country", json_string(s->country));
	json_object_set_new(step, "lang", json_string(s->lang));
	json_object_set_new(step, "channel", json_string(s->channel));
	client_send(h->c, step);
	json_decref(step);
}

/* Validate a start (or a restore, from obj) and create its session, with a
 * fresh id or the given one. NULL after replying with the error. */
static struct session *handle_begin(struct handler_ctx *h, json_t *obj, const char *id)
{
	static const char *const countries[] = { "no", "dk", NULL };
	static const char *const staff_channels[] = { "phone", "chat", "desk", NULL };
	static const char *const citizen_channels[] = { "widget", NULL };
	const char *country, *channel, *lang;
	const struct rules_tree *t;
	json_t *facts = json_object_get(obj, "facts");
	struct triage *tr;
	struct session *s;
	int citizen = h->c->role == ROLE_CITIZEN;

	if (proto_get_enum(obj, "country", 1, countries, &country, h->err, sizeof(h->err)) ||
	    proto_get_enum(obj, "channel", 1, citizen ? citizen_channels : staff_channels, &channel,
			   h->err, sizeof(h->err)) ||
	    proto_get_enum(obj, "lang", 0, langs_all, &lang, h->err, sizeof(h->err))) {
		fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	if (facts && !json_is_object(facts)) {
		fail(h, PROTO_BAD_REQUEST, "\"facts\" must be an object of fact: value");
		return NULL;
	}
	t = rules_tree(h->d->rules, country);
	if (!t) {
		fail(h, PROTO_UNAVAILABLE, "no rules are loaded for country %s", country);
		return NULL;
	}
	if (!lang)
		lang = rules_tree_has_lang(t, h->c->lang) ? h->c->lang : NULL;
	if (!lang || !rules_tree_has_lang(t, lang)) {
		json_t *langs = rules_tree_langs(t);
		char *list = json_dumps(langs, JSON_COMPACT);
		fail(h, PROTO_BAD_REQUEST, "\"lang\": the %s rules are written in %s", country,
		     list ? list : "?");
		free(list);
		json_decref(langs);
		return NULL;
	}
	tr = triage_start(h->d->rules, t, facts, h->err, sizeof(h->err));
	if (!tr) {
		fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	s = session_create(&h->d->sessions, id);
	if (!s) {
		triage_free(tr);
		fail(h, PROTO_INTERNAL, "could not create a session");
		return NULL;
	}
	s->tr = tr;
	s->role = h->c->role;
	snprintf(s->owner, sizeof(s->owner), "%s", h->c->token_name);
	snprintf(s->country, sizeof(s->country), "%s", country);
	snprintf(s->lang, sizeof(s->lang), "%s", lang);
	snprintf(s->channel, sizeof(s->channel), "%s", channel);
	return s;
}

static int handle_start(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "country", "channel", "lang", "facts", NULL };
	struct session *s;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_begin(h, h->msg, NULL)))
		return -1;
	handle_send_step(h, s);
	return 0;
}

/* The session named in the message, if this client may use it. */
static struct session *handle_session(struct handler_ctx *h, int allow_finished)
{
	const char *id;
	struct session *s;

	if (proto_get_string(h->msg, "session", 1, 64, &id, h->err, sizeof(h->err))) {
		fail_err(h, PROTO_BAD_REQUEST);
		return NULL;
	}
	s = session_find(&h->d->sessions, id);
	if (!s) {
		fail(h, PROTO_NOT_FOUND, "no session \"%s\" (it may have expired)", id);
		return NULL;
	}
	if (s->role != h->c->role || strcmp(s->owner, h->c->token_name)) {
		fail(h, PROTO_FORBIDDEN, "session \"%s\" belongs to another %s", id,
		     role_name(s->role));
		return NULL;
	}
	if (!allow_finished && s->state != SESSION_OPEN) {
		fail(h, PROTO_CONFLICT, "session \"%s\" is already %s", id,
		     s->state == SESSION_FINISHED ? "finished" : "being finished");
		return NULL;
	}
	s->touched_ms = now_ms();
	return s;
}

static int handle_answer(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "value", NULL };
	struct session *s;
	const char *value;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	if (proto_get_string(h->msg, "value", 1, 64, &value, h->err, sizeof(h->err)) ||
	    triage_answer(s->tr, value, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	handle_send_step(h, s);
	return 0;
}

static int handle_back(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", NULL };
	struct session *s;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	if (triage_back(s->tr, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_CONFLICT);
	handle_send_step(h, s);
	return 0;
}

static int handle_jump(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "node", NULL };
	struct session *s;
	const char *node;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 0)))
		return -1;
	if (proto_get_string(h->msg, "node", 1, 128, &node, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (triage_jump(s->tr, node, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_NOT_FOUND);
	handle_send_step(h, s);
	return 0;
}

/* Rebuild a session the daemon lost (it was restarted) from the client's
 * record of it: the start, then every answer and jump in order, so that the
 * walk, its path and its back history are as they were. */
static int handle_restore(struct handler_ctx *h, const char *id, json_t *restore)
{
	static const char *const keys[] = { "country", "channel", "lang", "facts", "steps",
					    "started", NULL };
	json_t *steps = json_object_get(restore, "steps"), *step, *started;
	struct session *s;
	size_t i;

	if (!json_is_object(restore))
		return fail(h, PROTO_BAD_REQUEST, "\"restore\" must be an object");
	if (proto_check_keys(restore, keys, h->err, sizeof(h->err)))
		return fail(h, PROTO_BAD_REQUEST, "\"restore\": %s", h->err);
	if (steps && !json_is_array(steps))
		return fail(h, PROTO_BAD_REQUEST, "\"restore.steps\" must be an array");
	if (strlen(id) != SESSION_ID_LEN || strspn(id, "0123456789abcdef") != SESSION_ID_LEN)
		return fail(h, PROTO_BAD_REQUEST, "\"session\" is not a session id");
	if (!(s = handle_begin(h, restore, id)))
		return -1;
	json_array_foreach(steps, i, step) {
		const char *answer = json_string_value(json_object_get(step, "answer"));
		const char *jump = json_string_value(json_object_get(step, "jump"));
		int rc = answer ? triage_answer(s->tr, answer, h->err, sizeof(h->err))
			 : jump ? triage_jump(s->tr, jump, h->err, sizeof(h->err))
				: (snprintf(h->err, sizeof(h->err), "need \"answer\" or \"jump\""), -1);
		if (rc) {
			session_destroy(&h->d->sessions, s);
			return fail(h, PROTO_CONFLICT, "cannot restore the session: steps[%zu]: %s", i,
				    h->err);
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
static int handle_resume(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "session", "restore", NULL };
	json_t *restore = json_object_get(h->msg, "restore");
	struct session *s;
	const char *id;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)) ||
	    proto_get_string(h->msg, "session", 1, 64, &id, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (restore && !session_find(&h->d->sessions, id))
		return handle_restore(h, id, restore);
	if (!(s = handle_session(h, 1)))
		return -1;
	handle_send_step(h, s);
	return 0;
}

/* --- finish ------------------------------------------------------------- */

static const char *const outcomes[] = { "resolved", "referred", "abandoned", NULL };
static const char *const reasons[] = { "wrong_agency", "no_mandate", "needs_in_person", "other",
				       NULL };
static const char *const categories[] = { "login", "reservation", "power_of_attorney", "agency",
					  "estate", "other", NULL };
static const char *const on_behalfs[] = { "self", "another_person", "organisation", "unknown",
					  NULL };
static const char *const relations[] = { "adult_child_for_parent", "parent_for_child", "guardian",
					 "spouse_or_partner", "other_family", "friend_or_neighbour",
					 "professional_helper", "other", NULL };
static const char *const age_bands[] = { "under_18", "18_29", "30_49", "50_66", "67_79", "80_plus",
					 "unknown", NULL };

/* The category of a walk that ended before a result, from its topic fact. */
static const char *handle_category_from_facts(json_t *facts)
{
	static const char *const map[][2] = {
		{ "login", "login" },			{ "digital_post", "reservation" },
		{ "power_of_attorney", "power_of_attorney" }, { "case_matter", "agency" },
		{ "deceased_estate", "estate" },
	};
	const char *topic = json_string_value(json_object_get(facts, "topic"));

	for (size_t i = 0; topic && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(topic, map[i][0]))
			return map[i][1];
	return "other";
}

static void handle_send_logged(struct client *c, json_t *re, int64_t contact, int duplicate)
{
	json_t *reply = proto_reply("logged", re);

	json_object_set_new(reply, "contact", json_integer(contact));
	if (duplicate)
		json_object_set_new(reply, "duplicate", json_true());
	client_send(c, reply);
	json_decref(reply);
}

/* Hand the contact to the store; "logged" goes out when it is committed. */
static int handle_submit(struct handler_ctx *h, struct session *s, struct contact *ct)
{
	struct pending_finish *p = calloc(1, sizeof(*p));

	if (!p || !(p->key = strdup(ct->key))) {
		free(p);
		return fail(h, PROTO_INTERNAL, "out of memory");
	}
	p->ticket = ++h->d->next_ticket;
	if (store_submit(h->d->store, ct, p->ticket)) {
		free(p->key);
		free(p);
		return fail(h, PROTO_UNAVAILABLE,
			    "the store's queue is full; nothing was logged, try again");
	}
	p->c = h->c;
	p->re = h->re ? json_incref(h->re) : NULL;
	memcpy(p->session, s->id, sizeof(p->session));
	if (h->d->pending_tail)
		h->d->pending_tail->next = p;
	else
		h->d->pending_head = p;
	h->d->pending_tail = p;
	h->c->pending_finishes++;
	if (s->state == SESSION_OPEN) {
		s->state = SESSION_FINISHING;
		s->finish_key = strdup(ct->key);
	}
	return 0;
}

static int handle_finish(struct handler_ctx *h)
{
	static const char *const keys[] = { "type",	"id",	"session", "key",
					    "outcome",	"destination", "referral_reason",
					    "category", "on_behalf",   "note",
					    "relation", "age_band",	NULL };
	const char *key, *outcome, *dest, *reason, *category, *on_behalf, *note, *relation, *age;
	struct contact ct = { 0 };
	struct session *s;
	char *path = NULL, *facts = NULL, *clean_note = NULL;
	json_t *dest_json, *path_arr;
	int rc;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 1)))
		return -1;
	if (proto_get_string(h->msg, "key", 1, 128, &key, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (!*key)
		return fail(h, PROTO_BAD_REQUEST, "\"key\" must not be empty");
	if (s->state != SESSION_OPEN && strcmp(s->finish_key, key))
		return fail(h, PROTO_CONFLICT, "session \"%s\" was finished with another key",
			    s->id);
	if (s->state == SESSION_FINISHED) {
		handle_send_logged(h->c, h->re, s->contact_id, 1);
		return 0;
	}
	if (proto_get_enum(h->msg, "outcome", 1, outcomes, &outcome, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "referral_reason", 0, reasons, &reason, h->err,
			   sizeof(h->err)) ||
	    proto_get_string(h->msg, "destination", 0, 64, &dest, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "category", 0, categories, &category, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "on_behalf", 0, on_behalfs, &on_behalf, h->err,
			   sizeof(h->err)) ||
	    proto_get_enum(h->msg, "relation", 0, relations, &relation, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "age_band", 0, age_bands, &age, h->err, sizeof(h->err)) ||
	    proto_get_string(h->msg, "note", 0, PROTO_MAX_STRING, &note, h->err, sizeof(h->err)))
		return fail_err(h, PROTO_BAD_REQUEST);
	if (note && strlen(note) > NOTE_MAX)
		return fail(h, PROTO_TOO_LARGE, "\"note\" is %zu bytes; at most %d are kept",
			    strlen(note), NOTE_MAX);
	if (!strcmp(outcome, "referred") && (!dest || !reason))
		return fail(h, PROTO_BAD_REQUEST,
			    "outcome \"referred\" needs \"destination\" and \"referral_reason\"");
	if (reason && strcmp(outcome, "referred"))
		return fail(h, PROTO_BAD_REQUEST,
			    "\"referral_reason\" is only for outcome \"referred\"");
	if (dest) {
		if (!(dest_json = rules_destination_json(h->d->rules, dest)))
			return fail(h, PROTO_BAD_REQUEST, "\"destination\": unknown destination \"%s\"",
				    dest);
		json_decref(dest_json);
	}

	ct.started_ms = s->started_ms;
	ct.finished_ms = now_ms();
	ct.key = key;
	ct.channel = s->channel;
	ct.country = s->country;
	ct.lang = s->lang;
	ct.rules_version = rules_tree_version(triage_tree(s->tr));
	path_arr = triage_path(s->tr);
	ct.path_json = path = json_dumps(path_arr, JSON_COMPACT);
	json_decref(path_arr);
	ct.facts_json = facts = json_dumps(triage_facts(s->tr), JSON_COMPACT);
	ct.suggested = triage_result_destination(s->tr);
	ct.destination = dest ? dest : ct.suggested;
	ct.category = category ? category
		      : triage_at_result(s->tr) ? triage_result_category(s->tr)
						: handle_category_from_facts(triage_facts(s->tr));
	ct.outcome = outcome;
	ct.referral_reason = reason;
	ct.on_behalf = on_behalf ? on_behalf
				 : json_string_value(json_object_get(triage_facts(s->tr), "on_behalf"));
	if (!ct.on_behalf)
		ct.on_behalf = "unknown";
	ct.relation = relation;
	ct.age_band = age;
	/* Identifiers are removed before the note reaches the store or a log. */
	ct.note = clean_note = note && *note ? scrub_text(note) : NULL;
	rc = handle_submit(h, s, &ct);
	free(path);
	free(facts);
	free(clean_note);
	return rc;
}

void handle_store_results(struct daemon *d)
{
	struct store_result results[64];
	size_t n;

	while ((n = store_poll_results(d->store, results, 64)) > 0) {
		for (size_t i = 0; i < n; i++) {
			struct store_result *r = &results[i];
			struct pending_finish *p = d->pending_head;
			struct session *s;

			/* One writer, so results arrive in submission order. */
			if (!p || p->ticket != r->ticket) {
				log_err("store result %llu does not match the oldest pending finish",
					(unsigned long long)r->ticket);
				continue;
			}
			d->pending_head = p->next;
			if (!d->pending_head)
				d->pending_tail = NULL;
			s = session_find(&d->sessions, p->session);
			if (r->status == STORE_OK) {
				if (s && s->state != SESSION_FINISHED) {
					s->state = SESSION_FINISHED;
					s->contact_id = r->contact_id;
				}
				if (p->c)
					handle_send_logged(p->c, p->re, r->contact_id, r->duplicate);
			} else {
				log_err("contact not stored: %s", r->error);
				if (s && s->state == SESSION_FINISHING) {
					s->state = SESSION_OPEN;
					free(s->finish_key);
					s->finish_key = NULL;
				}
				if (p->c)
					client_send_error(p->c, p->re, PROTO_UNAVAILABLE,
							  "not stored (%s); nothing was logged, try again",
							  r->error);
			}
			if (p->c)
				p->c->pending_finishes--;
			json_decref(p->re);
			free(p->key);
			free(p);
		}
	}
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
};

void handle_message(struct client *c, const char *text, size_t len)
{
	struct handler_ctx h = { .c = c, .d = c->d };
	struct proto_msg msg;
	enum proto_code code;
	size_t i, n = sizeof(handlers) / sizeof(handlers[0]);

	if (proto_parse(text, len, &msg, &code, h.err, sizeof(h.err))) {
		client_send_error(c, msg.id, code, "%s", h.err);
		proto_msg_free(&msg);
		return;
	}
	h.msg = msg.root;
	h.re = msg.id;
	for (i = 0; i < n && strcmp(handlers[i].type, msg.type); i++)
		;
	if (i == n) {
		char list[256] = "";
		for (size_t k = 0; k < n; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 k ? ", " : "", handlers[k].type);
		fail(&h, PROTO_BAD_REQUEST, "unknown message type \"%s\"; known: %s", msg.type, list);
	} else if (handlers[i].roles && c->role == ROLE_NONE) {
		fail(&h, PROTO_UNAUTHORIZED, "say hello first");
	} else if (handlers[i].roles && !(handlers[i].roles & (1u << c->role))) {
		fail(&h, PROTO_FORBIDDEN, "role %s may not send \"%s\"", role_name(c->role),
		     msg.type);
	} else {
		handlers[i].fn(&h);
	}
	proto_msg_free(&msg);
}
