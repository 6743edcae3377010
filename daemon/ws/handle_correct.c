/* handle_correct.c - correct: the agent who logged a contact changes its
 * survey fields within correct_window_seconds. The store makes it a new
 * version and keeps the old one (store/correct.h); "logged" with the new
 * version goes back only after the commit, as for finish. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#include "app/daemon.h"
#include "client.h"
#include "handle.h"
#include "handle_internal.h"
#include "finish_key.h"
#include "base/crypto.h"
#include "base/jbuf.h"
#include "base/scrub.h"
#include "base/survey.h"
#include "desk/session.h"
#include "triage/rules.h"
#include "store/correct.h"
#include "store/store.h"

#define CORRECT_NOTE_MAX 4000

/* The message's fields that name survey values, in the digest's order. */
static const char *const correct_fields[] = {
	"outcome",  "destination", "referral_reason", "category", "on_behalf",
	"relation", "age_band",    "barriers",        "note",     NULL,
};

/* What the key stands for: this contact, corrected by this agent, to these
 * values (the note as it will be stored). A field left out ("keep") and one
 * sent as null ("clear") differ, so they are different corrections. */
static int correct_digest(struct handler_ctx *h, int64_t contact, const char *note,
			  char out[FINISH_DIGEST_LEN + 1])
{
	struct jbuf b = { 0 };
	char num[32];

	snprintf(num, sizeof(num), ",%lld,", (long long)contact);
	jbuf_lit(&b, "[\"vegvisar-correct-1\"");
	jbuf_lit(&b, num);
	jbuf_str(&b, h->c->token_name);
	for (size_t i = 0; correct_fields[i]; i++) {
		json_t *v = json_object_get(h->msg, correct_fields[i]);

		jbuf_raw(&b, ",", 1);
		if (!v)
			jbuf_lit(&b, "false");
		else if (!strcmp(correct_fields[i], "note") && json_is_string(v) && note)
			jbuf_str(&b, note); /* as stored: the digest tests for nothing scrubbed */
		else if (!strcmp(correct_fields[i], "note") && json_is_string(v))
			jbuf_lit(&b, "null"); /* "" clears, as null does */
		else
			jbuf_json(&b, v);
	}
	jbuf_raw(&b, "]", 1);
	if (b.oom) {
		jbuf_free(&b);
		return -1;
	}
	crypto_sha256_hex(b.p, b.len, out);
	jbuf_free(&b);
	return 0;
}

/* A field sent as null: the correction clears it. */
static int correct_is_null(struct handler_ctx *h, const char *field)
{
	return json_is_null(json_object_get(h->msg, field));
}

/* The fields, checked as finish checks them, into values (NULL: left out)
 * and clear. -1 after replying. */
static int correct_read_fields(struct handler_ctx *h, const char **outcome, const char **v,
			       unsigned char *clear, char *barriers_text, size_t barriers_len)
{
	const char *story = NULL;
	uint32_t bits = 0;

	clear[CORRECT_RELATION] = correct_is_null(h, "relation");
	clear[CORRECT_AGE_BAND] = correct_is_null(h, "age_band");
	clear[CORRECT_BARRIERS] = correct_is_null(h, "barriers");
	clear[CORRECT_NOTE] = correct_is_null(h, "note");
	if (proto_get_enum(h->msg, "outcome", 1, survey_outcomes, outcome, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "referral_reason", 0, survey_reasons, &v[CORRECT_REASON], h->err,
			   sizeof(h->err)) ||
	    proto_get_string(h->msg, "destination", 0, 64, &v[CORRECT_DESTINATION], h->err,
			     sizeof(h->err)) ||
	    proto_get_enum(h->msg, "category", 0, survey_categories, &v[CORRECT_CATEGORY], h->err,
			   sizeof(h->err)) ||
	    proto_get_enum(h->msg, "on_behalf", 0, survey_on_behalf, &v[CORRECT_ON_BEHALF], h->err,
			   sizeof(h->err)) ||
	    (!clear[CORRECT_RELATION] &&
	     proto_get_enum(h->msg, "relation", 0, survey_relations, &v[CORRECT_RELATION], h->err,
			    sizeof(h->err))) ||
	    (!clear[CORRECT_AGE_BAND] &&
	     proto_get_enum(h->msg, "age_band", 0, survey_age_bands, &v[CORRECT_AGE_BAND], h->err,
			    sizeof(h->err))) ||
	    (!clear[CORRECT_NOTE] && proto_get_string(h->msg, "note", 0, PROTO_MAX_STRING,
						      &v[CORRECT_NOTE], h->err, sizeof(h->err))))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (v[CORRECT_NOTE] && strlen(v[CORRECT_NOTE]) > CORRECT_NOTE_MAX)
		return handle_fail(h, PROTO_TOO_LARGE, "\"note\" is %zu bytes; at most %d are kept",
				   strlen(v[CORRECT_NOTE]), CORRECT_NOTE_MAX);
	if (!clear[CORRECT_BARRIERS] && handle_finish_survey(h, &bits, &story))
		return -1;
	if (json_object_get(h->msg, "barriers") && !clear[CORRECT_BARRIERS]) {
		survey_barriers_write(bits, barriers_text, barriers_len);
		v[CORRECT_BARRIERS] = bits ? barriers_text : NULL;
		clear[CORRECT_BARRIERS] = !bits; /* [] clears, as null does */
	}
	if (!strcmp(*outcome, "referred") && (!v[CORRECT_DESTINATION] || !v[CORRECT_REASON]))
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"outcome \"referred\" needs \"destination\" and \"referral_reason\"");
	if (v[CORRECT_REASON] && strcmp(*outcome, "referred"))
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"referral_reason\" is only for outcome \"referred\"");
	if (v[CORRECT_DESTINATION] && !rules_destination(h->d->rules, v[CORRECT_DESTINATION]))
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"destination\": unknown destination \"%s\"",
				   v[CORRECT_DESTINATION]);
	return 0;
}

/* The correction to hand to the store: the checked values copied in, the
 * note scrubbed. NULL after replying. */
static struct correction *correct_build(struct handler_ctx *h, int64_t contact, const char *key)
{
	const char *outcome, *v[CORRECT_NFIELDS] = { 0 };
	char barriers[SURVEY_BARRIERS_TEXT_MAX], *note = NULL;
	unsigned char clear[CORRECT_NFIELDS] = { 0 };
	struct correction *c = NULL;
	size_t len = 0, used = 0;

	if (correct_read_fields(h, &outcome, v, clear, barriers, sizeof(barriers)))
		return NULL;
	/* Identifiers go before the note reaches the store, the digest or a log. */
	if (v[CORRECT_NOTE] && *v[CORRECT_NOTE] && !(note = scrub_text(v[CORRECT_NOTE])))
		goto oom;
	clear[CORRECT_NOTE] |= v[CORRECT_NOTE] && !*v[CORRECT_NOTE];
	v[CORRECT_NOTE] = note;
	for (int f = 0; f < CORRECT_NFIELDS; f++)
		len += v[f] ? strlen(v[f]) + 1 : 0;
	if (!(c = correct_new(len)))
		goto oom;
	for (int f = 0; f < CORRECT_NFIELDS; f++)
		if (v[f])
			correct_set(c, (enum correct_field)f, v[f], &used);
	memcpy(c->clear, clear, sizeof(clear));
	c->contact_id = contact;
	c->now_ms = util_now_ms();
	c->window_ms = (int64_t)h->d->conf.correct_window_seconds * 1000;
	util_copy(c->key, sizeof(c->key), key);
	util_copy(c->owner, sizeof(c->owner), h->c->token_name);
	util_copy(c->outcome, sizeof(c->outcome), outcome);
	if (correct_digest(h, contact, note, c->digest))
		goto oom;
	free(note);
	return c;
oom:
	free(note);
	free(c);
	handle_fail(h, PROTO_INTERNAL, "out of memory");
	return NULL;
}

/* Hand c to the store; its completion answers like a finish's
 * (handle_finish_done, which sees p->correct). */
static int correct_submit(struct handler_ctx *h, struct correction *c)
{
	struct pending_finish *p = calloc(1, sizeof(*p));

	if (!p || !(p->key = strdup(c->key))) {
		free(p);
		free(c);
		return handle_fail(h, PROTO_INTERNAL, "out of memory");
	}
	p->d = h->d;
	p->submitted_us = metrics_now_us();
	p->correct = c;
	if (store_submit_job(h->d->store, &c->job, handle_finish_done, p)) {
		free(p->key);
		free(p);
		free(c);
		return handle_fail(h, PROTO_UNAVAILABLE,
				   "the store's queue is full; nothing was changed, try again");
	}
	handle_pending_add(h, p);
	return 0;
}

/* {"type":"correct","contact":N,"key":K,…the finish's survey fields…} */
int handle_correct(struct handler_ctx *h)
{
	static const char *const keys[] = { "type",     "id",       "contact",  "key",
					    "outcome",  "destination", "referral_reason",
					    "category", "on_behalf", "relation", "age_band",
					    "note",     "barriers", NULL };
	json_t *id = json_object_get(h->msg, "contact");
	struct correction *c;
	const char *key;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!json_is_integer(id) || json_integer_value(id) < 1)
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"contact\" must be a contact number from \"logged\"");
	if (proto_get_string(h->msg, "key", 1, FINISH_KEY_MAX, &key, h->err, sizeof(h->err)) ||
	    finish_key_valid(key, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!h->d->conf.correct_window_seconds)
		return handle_fail(h, PROTO_FORBIDDEN, "corrections are switched off on this desk");
	if (!(c = correct_build(h, json_integer_value(id), key)))
		return -1;
	return correct_submit(h, c);
}

/* The store's answer to p, a correction: "logged" with the new version, or
 * why nothing was changed. The same refusal for a contact of another agent
 * and for one that does not exist, so that nothing is learnt by trying. */
void handle_correct_result(struct daemon *d, struct pending_finish *p, const struct store_result *r)
{
	const struct correction *c = p->correct;
	struct handler_ctx h = { .c = p->c, .d = d, .re = p->re };
	long long id = (long long)c->contact_id;
	json_t *reply;

	if (r->status == STORE_OK && !r->duplicate)
		handle_stats_corrected(d, &c->was, &c->is);
	if (!p->c)
		return;
	if (r->status == STORE_OK) {
		reply = json_pack("{s:s, s:I, s:i}", "type", "logged", "contact",
				  (json_int_t)r->contact_id, "version", c->version);
		if (reply && r->duplicate)
			json_object_set_new(reply, "duplicate", json_true());
		if (reply && p->re)
			json_object_set(reply, "re", p->re);
		if (reply)
			handle_reply(&h, reply);
		else
			handle_fail(&h, PROTO_INTERNAL, "out of memory");
		json_decref(reply);
	} else if (r->status == STORE_KEY_CONFLICT) {
		handle_fail(
			&h, PROTO_CONFLICT,
			"key \"%s\" was already used for another correction; nothing was changed: "
			"correct with a new key",
			p->key);
	} else if (r->status == STORE_FORBIDDEN) {
		handle_fail(&h, PROTO_FORBIDDEN,
			    "contact %lld is not one you logged; nothing was changed", id);
	} else if (r->status == STORE_TOO_LATE) {
		handle_fail(
			&h, PROTO_FORBIDDEN,
			"contact %lld can no longer be corrected: corrections are taken for %d seconds "
			"after it was logged",
			id, d->conf.correct_window_seconds);
	} else {
		handle_fail(&h, PROTO_UNAVAILABLE,
			    "not stored (%s); nothing was changed, try again", r->error);
	}
}
