/* conf.c - defaults, the JSON config file, and validation of every key. */
#include "conf.h"
#include "base/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/crypto.h"
#include "hours.h"

#ifndef VV_DEFAULT_DB
#define VV_DEFAULT_DB "var/vegvisar.db"
#endif
#ifndef VV_DEFAULT_RULES
#define VV_DEFAULT_RULES "rules"
#endif
#ifndef VV_DEFAULT_WWW
#define VV_DEFAULT_WWW "clients"
#endif

void conf_set_str(char **slot, const char *value)
{
	free(*slot);
	*slot = value ? strdup(value) : NULL;
}

void conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	conf_set_str(&c->listen_host, "127.0.0.1");
	c->listen_port = 8470;
	conf_set_str(&c->db, VV_DEFAULT_DB);
	conf_set_str(&c->rules, VV_DEFAULT_RULES);
	conf_set_str(&c->www, VV_DEFAULT_WWW);
	c->log_level = LOG_LVL_INFO;
	c->agent_origins = json_array();
	c->widget_origins = json_array();
	limits_defaults(&c->limits);
	conf_bounds_defaults(&c->bounds);
	c->note_retention_days = 365;
	c->correct_window_seconds = 600;
	c->referral_target = -1; /* none: each dashboard keeps its own */
	c->suppress_below = 5; /* small cells, see docs/store.md */
	c->callback_retention_hours = 72;
	conf_peers_defaults(c);
}

void conf_free(struct conf *c)
{
	free(c->listen_host);
	free(c->db);
	free(c->rules);
	free(c->www);
	free(c->tokens);
	json_decref(c->desk_phone);
	hours_free(c->desk_hours);
	json_decref(c->agent_origins);
	json_decref(c->widget_origins);
	free(c->periods);
	conf_peers_free(c);
	memset(c, 0, sizeof(*c));
}

int conf_set_listen(struct conf *c, const char *value, char *err, size_t errlen)
{
	const char *colon = strrchr(value, ':');
	char *end;
	long port;

	if (!colon || colon == value)
		return util_fail(err, errlen,
				 "listen \"%s\": expected ADDR:PORT, e.g. 127.0.0.1:8470", value);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return util_fail(err, errlen,
				 "listen \"%s\": port must be a number from 1 to 65535", value);
	free(c->listen_host);
	if (!(c->listen_host = strndup(value, (size_t)(colon - value))))
		return util_fail(err, errlen, "out of memory");
	/* "[::1]:8470" → "::1" */
	if (c->listen_host[0] == '[') {
		size_t n = strlen(c->listen_host);
		if (n < 3 || c->listen_host[n - 1] != ']')
			return util_fail(err, errlen,
					 "listen \"%s\": unbalanced [ ] around address", value);
		memmove(c->listen_host, c->listen_host + 1, n - 2);
		c->listen_host[n - 2] = '\0';
	}
	c->listen_port = (int)port;
	return 0;
}

static int conf_hex32(const char *hex, uint8_t out[32])
{
	if (strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 32; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int conf_push_token(struct conf *c, const char *name, enum role role, const uint8_t hash[32])
{
	struct conf_token *t = realloc(c->tokens, (c->n_tokens + 1) * sizeof(*t));

	if (!t)
		return -1;
	c->tokens = t;
	t = &c->tokens[c->n_tokens++];
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->display_name, sizeof(t->display_name), "%s", name);
	t->role = role;
	memcpy(t->sha256, hash, 32);
	return 0;
}

int conf_add_token(struct conf *c, const char *name, enum role role, const char *token)
{
	uint8_t hash[32];

	crypto_sha256(token, strlen(token), hash);
	return conf_push_token(c, name, role, hash);
}

enum role conf_check_token(const struct conf *c, const char *token, const char **name)
{
	enum role found = ROLE_NONE;
	uint8_t hash[32];

	crypto_sha256(token, strlen(token), hash);
	/* No early exit: the time taken does not say which token came close. */
	for (size_t i = 0; i < c->n_tokens; i++) {
		if (crypto_equal(hash, c->tokens[i].sha256, 32) && found == ROLE_NONE) {
			found = c->tokens[i].role;
			if (name)
				*name = c->tokens[i].name;
		}
	}
	return found;
}

const char *conf_display_name(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_tokens; i++)
		if (!strcmp(c->tokens[i].name, name))
			return c->tokens[i].display_name;
	return name;
}

/* --- the config file ---------------------------------------------------- */

static int conf_string(json_t *v, const char *key, const char *path, char **slot, char *err,
		       size_t errlen)
{
	if (!json_is_string(v) || !json_string_length(v))
		return util_fail(err, errlen, "%s: \"%s\" must be a non-empty string", path, key);
	conf_set_str(slot, json_string_value(v));
	return 0;
}

/* One hash under two entries would sign in with whichever role came first,
 * and two entries with one name cannot be told apart in the log or in
 * sessions_per_token: both are mistakes, refused naming both entries.
 * base is where this file's "tokens" start in c->tokens. */
static int conf_token_unique(const struct conf *c, size_t base, const char *name,
			     const uint8_t hash[32], const char *path, char *err, size_t errlen)
{
	size_t i = c->n_tokens - base;

	for (size_t j = base; j < c->n_tokens; j++) {
		const struct conf_token *t = &c->tokens[j];
		if (!memcmp(t->sha256, hash, 32))
			return util_fail(err, errlen,
					 "%s: tokens[%zu] (\"%s\") has the same sha256 as tokens[%zu] "
					 "(\"%s\"); give each its own token",
					 path, i, name, j - base, t->name);
		if (!strcmp(t->name, name))
			return util_fail(err, errlen,
					 "%s: tokens[%zu] has the same name \"%s\" as tokens[%zu]; "
					 "names must be unique",
					 path, i, name, j - base);
	}
	return 0;
}

/* One entry of "tokens" as written (borrowed from the JSON). */
struct conf_token_text {
	const char *name, *role, *hex, *display;
};

/* Step 1: tokens[i]'s keys, each one known and a string. */
static int conf_tokens_fields(json_t *t, size_t i, struct conf_token_text *f, const char *path,
			      char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	if (!json_is_object(t))
		return util_fail(err, errlen, "%s: tokens[%zu] must be an object", path, i);
	json_object_foreach(t, k, v) {
		const char **slot = !strcmp(k, "name")           ? &f->name
				    : !strcmp(k, "role")         ? &f->role
				    : !strcmp(k, "sha256")       ? &f->hex
				    : !strcmp(k, "display_name") ? &f->display
								 : NULL;
		if (!slot)
			return util_fail(
				err, errlen,
				"%s: tokens[%zu]: unknown key \"%s\" (allowed: name, role, sha256, display_name)",
				path, i, k);
		if (!json_is_string(v))
			return util_fail(err, errlen, "%s: tokens[%zu].%s must be a string", path,
					 i, k);
		*slot = json_string_value(v);
	}
	return 0;
}

/* Step 2: tokens[i]'s values checked (unique among those from base on),
 * and the token added. */
static int conf_tokens_add(struct conf *c, size_t base, size_t i, const struct conf_token_text *f,
			   const char *path, char *err, size_t errlen)
{
	uint8_t hash[32];
	enum role r;

	if (!f->name || !*f->name || strlen(f->name) >= sizeof(c->tokens[0].name))
		return util_fail(err, errlen, "%s: tokens[%zu].name must be 1 to 63 characters",
				 path, i);
	if (!f->role || (strcmp(f->role, "agent") && strcmp(f->role, "supervisor")))
		return util_fail(err, errlen,
				 "%s: tokens[%zu].role must be \"agent\" or \"supervisor\"", path,
				 i);
	r = !strcmp(f->role, "agent") ? ROLE_AGENT : ROLE_SUPERVISOR;
	if (!f->hex || conf_hex32(f->hex, hash))
		return util_fail(
			err, errlen,
			"%s: tokens[%zu].sha256 must be 64 hex digits (see vegvisard --hash-token)",
			path, i);
	if (conf_token_unique(c, base, f->name, hash, path, err, errlen))
		return -1;
	if (f->display && (!*f->display || strlen(f->display) >= sizeof(c->tokens[0].display_name)))
		return util_fail(err, errlen,
				 "%s: tokens[%zu].display_name must be 1 to 63 characters", path,
				 i);
	if (conf_push_token(c, f->name, r, hash))
		return util_fail(err, errlen, "out of memory");
	if (f->display)
		snprintf(c->tokens[c->n_tokens - 1].display_name, sizeof(c->tokens[0].display_name),
			 "%s", f->display);
	return 0;
}

static int conf_tokens(struct conf *c, json_t *arr, const char *path, char *err, size_t errlen)
{
	size_t base = c->n_tokens;
	size_t i;
	json_t *t;

	if (!json_is_array(arr))
		return util_fail(err, errlen, "%s: \"tokens\" must be an array", path);
	json_array_foreach(arr, i, t) {
		struct conf_token_text f = { 0 };

		if (conf_tokens_fields(t, i, &f, path, err, errlen) ||
		    conf_tokens_add(c, base, i, &f, path, err, errlen))
			return -1;
	}
	return 0;
}

static int conf_key_log_level(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	static const char *const names[] = { "error", "warning", "notice", "info", "debug" };
	const char *s = json_string_value(v);

	for (int i = 0; s && i < 5; i++) {
		if (!strcmp(s, names[i])) {
			c->log_level = (enum log_level)i;
			return 0;
		}
	}
	return util_fail(err, errlen,
			 "%s: \"log_level\" must be one of error, warning, notice, info, debug",
			 path);
}

static int conf_key_listen(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	char sub[200];

	if (!json_is_string(v))
		return util_fail(err, errlen, "%s: \"listen\" must be a string ADDR:PORT", path);
	if (conf_set_listen(c, json_string_value(v), sub, sizeof(sub)))
		return util_fail(err, errlen, "%s: %s", path, sub);
	return 0;
}

static int conf_key_db(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	return conf_string(v, "db", path, &c->db, err, errlen);
}

static int conf_key_rules(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	return conf_string(v, "rules", path, &c->rules, err, errlen);
}

static int conf_key_www(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	return conf_string(v, "www", path, &c->www, err, errlen);
}

/* {"no": "…", "dk": "…"}: what the widget tells a citizen to call. */
static int conf_key_desk_phone(struct conf *c, json_t *v, const char *path, char *err,
			       size_t errlen)
{
	const char *country;
	json_t *phone;

	if (!json_is_object(v))
		return util_fail(err, errlen,
				 "%s: \"desk_phone\" must be an object like {\"no\": \"…\"}", path);
	json_object_foreach(v, country, phone) {
		if (strcmp(country, "no") && strcmp(country, "dk"))
			return util_fail(err, errlen,
					 "%s: desk_phone: unknown country \"%s\" (no, dk)", path,
					 country);
		if (!json_is_string(phone) || !json_string_length(phone) ||
		    json_string_length(phone) > 40)
			return util_fail(
				err, errlen,
				"%s: desk_phone.%s must be a phone number of 1 to 40 characters",
				path, country);
	}
	json_decref(c->desk_phone);
	c->desk_phone = json_incref(v);
	return 0;
}

/* Opening hours per country (hours.c). */
static int conf_key_desk_hours(struct conf *c, json_t *v, const char *path, char *err,
			       size_t errlen)
{
	struct desk_hours *h;

	if (hours_parse(v, path, &h, err, errlen))
		return -1;
	hours_free(c->desk_hours);
	c->desk_hours = h;
	return 0;
}

/* A callback request holds a citizen's phone number: kept no longer than
 * this when no agent marks it done (docs/store.md). */
static int conf_key_callback_retention(struct conf *c, json_t *v, const char *path, char *err,
				       size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 8760)
		return util_fail(err, errlen,
				 "%s: \"callback_retention_hours\" must be a whole number of hours "
				 "from 1 to 8760",
				 path);
	c->callback_retention_hours = (int)json_integer_value(v);
	return 0;
}

/* An origin is scheme://host[:port], exactly as browsers send it. */
static int conf_origins(json_t *v, const char *key, const char *path, json_t **slot, char *err,
			size_t errlen)
{
	size_t i;
	json_t *o;

	if (!json_is_array(v))
		return util_fail(err, errlen, "%s: \"%s\" must be an array of origins", path, key);
	json_array_foreach(v, i, o) {
		const char *s = json_string_value(o);
		if (!s || (strncmp(s, "https://", 8) && strncmp(s, "http://", 7)) ||
		    strchr(s + 8, '/') || strlen(s) > 200)
			return util_fail(
				err, errlen,
				"%s: %s[%zu] must be an origin like \"https://www.nav.no\" (scheme and host, no path)",
				path, key, i);
	}
	json_decref(*slot);
	*slot = json_incref(v);
	return 0;
}

static int conf_key_agent_origins(struct conf *c, json_t *v, const char *path, char *err,
				  size_t errlen)
{
	return conf_origins(v, "agent_origins", path, &c->agent_origins, err, errlen);
}

static int conf_key_widget_origins(struct conf *c, json_t *v, const char *path, char *err,
				   size_t errlen)
{
	return conf_origins(v, "widget_origins", path, &c->widget_origins, err, errlen);
}

/* {"connections_per_ip": 200, "messages_per_second": 20, "burst": 60,
 *  "auth_failures_ban": 10, "ban_seconds": 300}; each key optional. */
static int conf_key_limits(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	static const char *const names[] = { "connections_per_ip", "messages_per_second", "burst",
					     "auth_failures_ban", "ban_seconds" };
	const char *key;
	json_t *n;

	if (!json_is_object(v))
		return util_fail(err, errlen, "%s: \"limits\" must be an object", path);
	json_object_foreach(v, key, n) {
		double x = json_number_value(n);
		int k;
		for (k = 0; k < 5 && strcmp(key, names[k]); k++)
			;
		if (k == 5)
			return util_fail(
				err, errlen,
				"%s: limits: unknown key \"%s\" (allowed: connections_per_ip, messages_per_second, burst, auth_failures_ban, ban_seconds)",
				path, key);
		if (!json_is_number(n) || x < 1 || x > 10000000)
			return util_fail(err, errlen,
					 "%s: limits.%s must be a number from 1 to 10000000", path,
					 key);
		if (k == 0)
			c->limits.connections_per_ip = (unsigned)x;
		else if (k == 1)
			c->limits.messages_per_second = x;
		else if (k == 2)
			c->limits.burst = x;
		else if (k == 3)
			c->limits.auth_failures_ban = (unsigned)x;
		else
			c->limits.ban_seconds = (unsigned)x;
	}
	return 0;
}

/* --- registration periods and retention --------------------------------- */

static int conf_key_note_retention_days(struct conf *c, json_t *v, const char *path, char *err,
					size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3650)
		return util_fail(
			err, errlen,
			"%s: \"note_retention_days\" must be a whole number of days from 1 to 3650",
			path);
	c->note_retention_days = (int)json_integer_value(v);
	return 0;
}

/* Reports and exports of figures show a count from 1 to this minus one as
 * "< N", so that a rare combination cannot single a person out. 1 turns it
 * off (no count is below 1 but 0, which is never hidden). */
static int conf_key_suppress_below(struct conf *c, json_t *v, const char *path, char *err,
				   size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000)
		return util_fail(err, errlen,
				 "%s: \"suppress_below\" must be a whole number from 1 to 1000",
				 path);
	c->suppress_below = (int)json_integer_value(v);
	return 0;
}

/* How long after "logged" the agent who logged a contact may correct it
 * (docs/protocol.md, "correct"). Short by design: a correction fixes a
 * slip made in the call, not a figure someone wants changed later. 0
 * switches corrections off; a day is the most. */
static int conf_key_correct_window(struct conf *c, json_t *v, const char *path, char *err,
				   size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 86400)
		return util_fail(err, errlen,
				 "%s: \"correct_window_seconds\" must be a whole number of seconds "
				 "from 0 to 86400",
				 path);
	c->correct_window_seconds = (int)json_integer_value(v);
	return 0;
}

/* The share of contacts the desk aims to refer onward at most (the
 * survey's "one in three"): the dashboards' default target, which a desk
 * lead may still change in their own browser. A fraction, not a percent. */
static int conf_key_referral_target(struct conf *c, json_t *v, const char *path, char *err,
				    size_t errlen)
{
	if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
		return util_fail(err, errlen,
				 "%s: \"referral_target\" must be a number from 0 to 1 (0.33 is 33 %%)",
				 path);
	c->referral_target = json_number_value(v);
	return 0;
}

/* Every key the config file may hold; anything else is refused. */
static const struct {
	const char *key;
	int (*apply)(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);
} conf_keys[] = {
	{ "listen", conf_key_listen },
	{ "db", conf_key_db },
	{ "rules", conf_key_rules },
	{ "www", conf_key_www },
	{ "tokens", conf_tokens },
	{ "log_level", conf_key_log_level },
	{ "desk_phone", conf_key_desk_phone },
	{ "desk_hours", conf_key_desk_hours },
	{ "callback_retention_hours", conf_key_callback_retention },
	{ "agent_origins", conf_key_agent_origins },
	{ "widget_origins", conf_key_widget_origins },
	{ "limits", conf_key_limits },
	{ "bounds", conf_key_bounds },
	{ "periods", conf_key_periods },
	{ "note_retention_days", conf_key_note_retention_days },
	{ "suppress_below", conf_key_suppress_below },
	{ "correct_window_seconds", conf_key_correct_window },
	{ "referral_target", conf_key_referral_target },
	{ "desk", conf_key_desk },
	{ "peers", conf_key_peers },
	{ "senders", conf_key_senders },
	{ "collector", conf_key_collector },
	{ "delivery", conf_key_delivery },
};

static int conf_apply_key(struct conf *c, const char *key, json_t *v, const char *path, char *err,
			  size_t errlen)
{
	char allowed[512] = "";

	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		if (!strcmp(key, conf_keys[i].key))
			return conf_keys[i].apply(c, v, path, err, errlen);
		snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
			 i ? ", " : "", conf_keys[i].key);
	}
	return util_fail(err, errlen, "%s: unknown key \"%s\" (allowed: %s)", path, key, allowed);
}

int conf_load_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	const char *key;
	json_t *root, *v;
	int rc = 0;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line < 1)
			return util_fail(err, errlen, "%s: %s", path, jerr.text);
		return util_fail(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
				 jerr.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return util_fail(err, errlen, "%s: the config must be a JSON object", path);
	}
	json_object_foreach(root, key, v) {
		if ((rc = conf_apply_key(c, key, v, path, err, errlen)))
			break;
	}
	json_decref(root);
	return rc;
}
