/* handoff.c - signing and checking requests between desks, and reading
 * their bodies. See handoff.h and docs/protocol.md, "Handoffs between
 * desks". */
#include "handoff.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "base/crypto.h"
#include "handover.h"
#include "base/survey.h"

/* --- signatures ---------------------------------------------------------- */

static void handoff_mac(const char *secret, const char *ts, const void *body, size_t len,
			uint8_t mac[32])
{
	size_t tlen = strlen(ts);
	char *msg = malloc(tlen + 1 + len);

	/* The timestamp is signed with the body: "1795000000.{…}". */
	if (!msg) {
		memset(mac, 0, 32); /* matches nothing a sender made with the secret */
		return;
	}
	memcpy(msg, ts, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, body, len);
	crypto_hmac_sha256(secret, strlen(secret), msg, tlen + 1 + len, mac);
	free(msg);
}

void handoff_sign(const char *secret, int64_t timestamp, const void *body, size_t len,
		  char out[HANDOFF_SIG_LEN + 1])
{
	char ts[24];
	uint8_t mac[32];

	snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	handoff_mac(secret, ts, body, len, mac);
	memcpy(out, "sha256=", 7);
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int handoff_verify(const char *secret, const char *timestamp, const char *signature,
		   const void *body, size_t len, int64_t now_s, char *why, size_t whylen)
{
	uint8_t want[32], got[32];
	long long ts;
	size_t n;

	if (!timestamp || !signature)
		return util_fail(why, whylen,
				 "X-Vegvisar-Timestamp and X-Vegvisar-Signature are required");
	n = strlen(timestamp);
	if (!n || n > 12 || strspn(timestamp, "0123456789") != n)
		return util_fail(why, whylen, "X-Vegvisar-Timestamp must be Unix seconds");
	ts = strtoll(timestamp, NULL, 10);
	if (ts < now_s - HANDOFF_WINDOW_S || ts > now_s + HANDOFF_WINDOW_S)
		return util_fail(
			why, whylen,
			"X-Vegvisar-Timestamp %lld is more than %d s from now (%lld): stale or replayed",
			ts, HANDOFF_WINDOW_S, (long long)now_s);
	if (strlen(signature) != HANDOFF_SIG_LEN || strncmp(signature, "sha256=", 7))
		return util_fail(why, whylen,
				 "X-Vegvisar-Signature must be sha256= and 64 hex digits");
	for (int i = 0; i < 32; i++) {
		int hi = hex_nibble(signature[7 + 2 * i]), lo = hex_nibble(signature[8 + 2 * i]);
		if (hi < 0 || lo < 0)
			return util_fail(why, whylen,
					 "X-Vegvisar-Signature must be sha256= and 64 hex digits");
		got[i] = (uint8_t)(hi << 4 | lo);
	}
	handoff_mac(secret, timestamp, body, len, want);
	if (!crypto_equal(want, got, sizeof(want)))
		return util_fail(why, whylen, "the signature does not match the body");
	return 0;
}

int handoff_code_valid(const char *s)
{
	if (strlen(s) != HANDOVER_CODE_LEN || s[3] != '-')
		return 0;
	for (int i = 0; i < HANDOVER_CODE_LEN; i++)
		if (i != 3 && !strchr(HANDOVER_ALPHABET, s[i]))
			return 0;
	return 1;
}

/* --- bodies -------------------------------------------------------------- */

/* A string member of at most max bytes (min 1 when required); absent
 * optional ones (or null) leave *out NULL. */
static int body_string(json_t *o, const char *key, int required, size_t max, const char **out,
		       char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return util_fail(err, errlen, "\"%s\" is required", key);
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) > max ||
	    (required && !json_string_length(v)))
		return util_fail(err, errlen, "\"%s\" must be a string of %s%zu bytes", key,
				 required ? "1 to " : "at most ", max);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return util_fail(err, errlen, "\"%s\" must not hold a NUL character", key);
	*out = json_string_value(v);
	return 0;
}

static int body_id(json_t *o, const char *key, int required, const char **out, char *err,
		   size_t errlen)
{
	if (body_string(o, key, required, 63, out, err, errlen))
		return -1;
	if (*out && !conf_id_valid(*out))
		return util_fail(
			err, errlen,
			"\"%s\" must be an id of a-z, 0-9, '.', '_' and '-' (got \"%.64s\")", key,
			*out);
	return 0;
}

static int body_enum(json_t *o, const char *key, int required, const char *const *allowed,
		     const char **out, char *err, size_t errlen)
{
	if (body_string(o, key, required, 64, out, err, errlen))
		return -1;
	if (!*out)
		return 0;
	for (size_t i = 0; allowed[i]; i++)
		if (!strcmp(*out, allowed[i]))
			return 0;
	return util_fail(err, errlen, "\"%s\": \"%.64s\" is not an allowed value", key, *out);
}

static int body_lower2(json_t *o, const char *key, const char **out, char *err, size_t errlen)
{
	if (body_string(o, key, 1, 2, out, err, errlen))
		return -1;
	if (strlen(*out) != 2 || strspn(*out, "abcdefghijklmnopqrstuvwxyz") != 2)
		return util_fail(err, errlen, "\"%s\" must be two lowercase letters", key);
	return 0;
}

static int body_int(json_t *o, const char *key, int required, int64_t *out, char *err,
		    size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v && !required)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return util_fail(err, errlen, "\"%s\" must be a whole number of Unix ms", key);
	*out = json_integer_value(v);
	return 0;
}

static int body_version(json_t *o, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "v");

	if (!json_is_object(o))
		return util_fail(err, errlen, "the body must be a JSON object");
	if (!json_is_integer(v) || json_integer_value(v) != 1)
		return util_fail(err, errlen, "\"v\" must be 1");
	return 0;
}

/* facts: {fact: value}, both short strings; path: [node id, …]. */
static int body_walk(json_t *o, json_t **facts, json_t **path, char *err, size_t errlen)
{
	const char *k;
	size_t i;
	json_t *v;

	*facts = json_object_get(o, "facts");
	*path = json_object_get(o, "path");
	if (!json_is_object(*facts) || json_object_size(*facts) > 64)
		return util_fail(err, errlen, "\"facts\" must be an object of at most 64 facts");
	json_object_foreach(*facts, k, v) {
		if (strlen(k) > 64 || !json_is_string(v) || json_string_length(v) > 64)
			return util_fail(
				err, errlen,
				"\"facts\": each fact and value must be a string of at most 64 bytes");
	}
	if (!json_is_array(*path) || json_array_size(*path) > 256)
		return util_fail(err, errlen, "\"path\" must be an array of at most 256 node ids");
	json_array_foreach(*path, i, v) {
		if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 128)
			return util_fail(err, errlen, "\"path\"[%zu] must be a node id", i);
	}
	return 0;
}

int handoff_parse(json_t *body, struct handoff_msg *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (body_version(body, err, errlen) || body_id(body, "desk", 1, &m->desk, err, errlen) ||
	    body_string(body, "contact_key", 1, HANDOFF_KEY_MAX, &m->contact_key, err, errlen) ||
	    body_string(body, "code", 1, HANDOVER_CODE_LEN, &m->code, err, errlen) ||
	    body_id(body, "destination", 1, &m->destination, err, errlen) ||
	    body_lower2(body, "country", &m->country, err, errlen) ||
	    body_lower2(body, "lang", &m->lang, err, errlen) ||
	    body_string(body, "category", 0, 64, &m->category, err, errlen) ||
	    body_string(body, "referral_reason", 0, 64, &m->referral_reason, err, errlen) ||
	    body_string(body, "advice", 0, HANDOFF_ADVICE_MAX, &m->advice, err, errlen) ||
	    body_string(body, "note", 0, HANDOFF_NOTE_MAX, &m->note, err, errlen) ||
	    body_int(body, "created", 0, &m->created, err, errlen) ||
	    body_walk(body, &m->facts, &m->path, err, errlen))
		return -1;
	if (!handoff_code_valid(m->code))
		return util_fail(err, errlen, "\"code\" must be a code like \"K7M-42Q\"");
	return 0;
}

int handoff_feedback_parse(json_t *body, struct feedback_msg *m, char *err, size_t errlen)
{
	static const char *const checks[] = { "accepted", "misrouted", NULL };

	memset(m, 0, sizeof(*m));
	if (body_version(body, err, errlen) || body_id(body, "desk", 1, &m->desk, err, errlen) ||
	    body_id(body, "destination", 1, &m->destination, err, errlen) ||
	    body_string(body, "code", 1, HANDOVER_CODE_LEN, &m->code, err, errlen) ||
	    body_string(body, "contact_key", 1, HANDOFF_KEY_MAX, &m->contact_key, err, errlen) ||
	    body_enum(body, "referral_check", 1, checks, &m->referral_check, err, errlen) ||
	    body_id(body, "correct_destination", 0, &m->correct_destination, err, errlen) ||
	    body_int(body, "checked", 0, &m->checked, err, errlen))
		return -1;
	if (!handoff_code_valid(m->code))
		return util_fail(err, errlen, "\"code\" must be a code like \"K7M-42Q\"");
	if (!strcmp(m->referral_check, "misrouted") != (m->correct_destination != NULL))
		return util_fail(
			err, errlen,
			"\"correct_destination\" is required with \"misrouted\" and only then");
	return 0;
}

void handoff_ingest_free(struct ingest_contact *c)
{
	free(c->path_json);
	free(c->facts_json);
	c->path_json = c->facts_json = NULL;
}

int handoff_ingest_parse(json_t *o, struct ingest_contact *c, char *err, size_t errlen)
{
	json_t *facts, *path;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		return util_fail(err, errlen, "a contact must be an object");
	/* The collector stores it under "desk/key", within the store's 256. */
	if (body_string(o, "key", 1, 190, &c->key, err, errlen) ||
	    body_int(o, "started", 1, &c->started, err, errlen) ||
	    body_int(o, "finished", 1, &c->finished, err, errlen) ||
	    body_enum(o, "channel", 1, survey_channels, &c->channel, err, errlen) ||
	    body_lower2(o, "country", &c->country, err, errlen) ||
	    body_string(o, "lang", 1, 8, &c->lang, err, errlen) ||
	    body_string(o, "rules_version", 1, 64, &c->rules_version, err, errlen) ||
	    body_string(o, "suggested", 0, 64, &c->suggested, err, errlen) ||
	    body_string(o, "destination", 0, 64, &c->destination, err, errlen) ||
	    body_string(o, "category", 0, 64, &c->category, err, errlen) ||
	    body_enum(o, "outcome", 1, survey_outcomes, &c->outcome, err, errlen) ||
	    body_string(o, "referral_reason", 0, 64, &c->referral_reason, err, errlen) ||
	    body_enum(o, "on_behalf", 0, survey_on_behalf, &c->on_behalf, err, errlen) ||
	    body_string(o, "relation", 0, 64, &c->relation, err, errlen) ||
	    body_string(o, "age_band", 0, 64, &c->age_band, err, errlen) ||
	    body_string(o, "period", 0, 31, &c->period, err, errlen) ||
	    body_walk(o, &facts, &path, err, errlen))
		return -1;
	if (c->referral_reason && strcmp(c->outcome, "referred"))
		return util_fail(err, errlen,
				 "\"referral_reason\" is only for outcome \"referred\"");
	if (json_object_get(o, "note"))
		return util_fail(err, errlen, "a contact for the collector must not carry a note");
	c->path_json = json_dumps(path, JSON_COMPACT);
	c->facts_json = json_dumps(facts, JSON_COMPACT);
	if (!c->path_json || !c->facts_json) {
		handoff_ingest_free(c);
		return util_fail(err, errlen, "out of memory");
	}
	return 0;
}
