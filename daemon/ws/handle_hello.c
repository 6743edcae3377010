/* handle_hello.c - hello: who is connecting, and the welcome that tells a
 * client what this daemon offers (countries, languages, barrier codes). */
#include "handle.h"
#include "handle_internal.h"

#include <stdio.h>
#include <string.h>

#include "app/daemon.h"
#include "client.h"
#include "base/log.h"
#include "base/util.h"
#include "proto.h"
#include "base/limits.h"
#include "triage/rules.h"

static json_t *handle_countries(struct daemon *d)
{
	json_t *out = json_object();

	for (size_t i = 0; i < NAMES_NCOUNTRIES; i++) {
		const struct rules_tree *t = rules_tree(d->rules, names_countries[i]);
		if (t)
			json_object_set_new(out, names_countries[i],
					    json_pack("{s:s,s:o}", "rules", rules_tree_version(t),
						      "langs", rules_tree_langs(t)));
	}
	return out;
}

static json_t *handle_langs_json(void)
{
	json_t *out = json_array();

	for (size_t i = 0; names_langs[i]; i++)
		json_array_append_new(out, json_string(names_langs[i]));
	return out;
}

/* The destinations with a connected desk: a referral there can be handed
 * over with the caller's consent. */
static json_t *handle_handoff_destinations(struct daemon *d)
{
	json_t *out = json_array();

	for (size_t i = 0; i < d->conf.n_peers; i++)
		json_array_append_new(out, json_string(d->conf.peers[i].destination));
	return out;
}

/* A staff sign-in: only from the daemon's own pages, with back-off after
 * failures like any sign-in. *name is the token's name. 0, or -1 after
 * replying. */
static int handle_hello_staff(struct handler_ctx *h, const char *role, enum role want,
			      const char *token, const char **name)
{
	unsigned wait = limits_auth_wait(&h->d->limits, h->c->ip, util_now_ms());

	if (!h->c->staff_origin)
		return handle_fail(h, PROTO_FORBIDDEN,
				   "%s sign-in is only allowed from the daemon's own pages", role);
	if (wait)
		return handle_fail(h, PROTO_RATE_LIMITED,
				   "too many failed sign-ins from your address; try again in %u s",
				   wait);
	if (!token)
		return handle_fail(h, PROTO_UNAUTHORIZED, "\"token\" is required for role %s",
				   role);
	if (conf_check_token(&h->d->conf, token, name) != want) {
		limits_auth_failed(&h->d->limits, h->c->ip, util_now_ms());
		return handle_fail(h, PROTO_UNAUTHORIZED, "the token is not valid for role %s",
				   role);
	}
	limits_auth_ok(&h->d->limits, h->c->ip);
	return 0;
}

static void handle_welcome(struct handler_ctx *h, const char *role, enum role want)
{
	json_t *reply = proto_reply("welcome", h->re);

	json_object_set_new(reply, "role", json_string(role));
	json_object_set_new(reply, "server", json_string("vegvisard/" VV_VERSION));
	json_object_set_new(reply, "countries", handle_countries(h->d));
	json_object_set_new(reply, "langs", handle_langs_json());
	json_object_set_new(reply, "handoff_destinations", handle_handoff_destinations(h->d));
	/* How long an agent may correct a contact after "logged" (handle_correct.c). */
	if (want == ROLE_AGENT)
		json_object_set_new(reply, "correct_window_seconds",
				    json_integer(h->d->conf.correct_window_seconds));
	/* The desk's referral-rate target: the dashboard's default (conf.c). */
	if (want == ROLE_SUPERVISOR && h->d->conf.referral_target >= 0)
		json_object_set_new(reply, "referral_target",
				    json_real(h->d->conf.referral_target));
	/* The survey's barrier codes and their texts (rules/barriers.json). */
	if (rules_barriers(h->d->rules))
		json_object_set(reply, "barriers", (json_t *)rules_barriers(h->d->rules));
	client_send(h->c, reply);
	json_decref(reply);
}

int handle_hello(struct handler_ctx *h)
{
	static const char *const keys[] = { "type", "id", "role", "token", "lang", NULL };
	static const char *const roles[] = { "agent", "supervisor", "citizen", NULL };
	const char *role, *token, *lang, *name = "";
	enum role want;

	if (h->c->role != ROLE_NONE)
		return handle_fail(h, PROTO_CONFLICT, "already said hello as %s",
				   names_role(h->c->role));
	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "role", 1, roles, &role, h->err, sizeof(h->err)) ||
	    proto_get_string(h->msg, "token", 0, 256, &token, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "lang", 0, names_langs, &lang, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	want = !strcmp(role, "agent")        ? ROLE_AGENT
	       : !strcmp(role, "supervisor") ? ROLE_SUPERVISOR
					     : ROLE_CITIZEN;
	if (want != ROLE_CITIZEN && handle_hello_staff(h, role, want, token, &name))
		return -1;
	h->c->role = want;
	metrics_signed_in(&h->d->metrics, want);
	snprintf(h->c->token_name, sizeof(h->c->token_name), "%s", name);
	snprintf(h->c->lang, sizeof(h->c->lang), "%s", lang ? lang : "en");
	log_info("hello: %s%s%s", role, *name ? " " : "", name);
	handle_welcome(h, role, want);
	/* One agent more: the waiting citizens hear their shorter wait (and,
	 * with the first agent, that there is one) at once. */
	if (want == ROLE_AGENT)
		handle_chat_positions(h->d);
	return 0;
}
