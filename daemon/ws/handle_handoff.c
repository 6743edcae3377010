/* handle_handoff.c - the protocol side of handoffs between desks: what a
 * finish adds (the caller's consent, the referral check of a handoff this
 * desk received), and looking up and taking a handoff another desk sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "app/daemon.h"
#include "handle.h"
#include "handle_internal.h"
#include "base/log.h"
#include "app/peers_internal.h"
#include "triage/rules.h"
#include "desk/session.h"
#include "store/store.h"

static const char *const checks[] = { "accepted", "misrouted", NULL };
static const char *const take_channels[] = { "phone", "chat", "desk", NULL };

/* --- finish -------------------------------------------------------------- */

int handle_handoff_finish_prepare(struct handler_ctx *h, struct session *s, const char *outcome,
				  struct handoff_finish *hf)
{
	json_t *consent = json_object_get(h->msg, "consent");

	memset(hf, 0, sizeof(*hf));
	if (consent && !json_is_boolean(consent))
		return handle_fail(h, PROTO_BAD_REQUEST, "\"consent\" must be true or false");
	hf->consent = json_is_true(consent);
	if (hf->consent && strcmp(outcome, "referred"))
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"\"consent\" is only for outcome \"referred\": the caller agrees that the "
			"contact is handed to the destination's desk");
	if (hf->consent) {
		const char *to = json_string_value(json_object_get(h->msg, "destination"));
		if (to && !conf_peer_find(&h->d->conf, to))
			return handle_fail(
				h, PROTO_BAD_REQUEST,
				"\"consent\": no desk is connected for %s, so nothing can be handed "
				"over; give the caller the contact details instead",
				to);
	}
	if (proto_get_enum(h->msg, "referral_check", 0, checks, &hf->referral_check, h->err,
			   sizeof(h->err)) ||
	    proto_get_string(h->msg, "correct_destination", 0, 64, &hf->correct_destination, h->err,
			     sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	hf->from = peers_received_by_session(h->d->peers, s->id);
	if (hf->referral_check && !hf->from)
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"\"referral_check\" is only for a contact taken from another desk's handoff");
	if (hf->referral_check && !strcmp(hf->referral_check, "misrouted") &&
	    !hf->correct_destination)
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"\"referral_check\": \"misrouted\" needs \"correct_destination\": where the "
			"caller should have been sent");
	if (hf->correct_destination &&
	    (!hf->referral_check || strcmp(hf->referral_check, "misrouted")))
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"\"correct_destination\" goes with \"referral_check\": \"misrouted\"");
	if (hf->correct_destination && !rules_destination(h->d->rules, hf->correct_destination))
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"correct_destination\": unknown destination \"%s\"",
				   hf->correct_destination);
	return 0;
}

static void set_str(json_t *o, const char *key, const char *value)
{
	json_object_set_new(o, key, value ? json_string(value) : json_null());
}

/* What the receiving desk needs to continue: the code the caller will say,
 * the walk so far, the advice given, and the scrubbed note. */
static char *handoff_body(struct daemon *d, struct session *s, const struct contact *ct,
			  const char *code)
{
	json_t *step = triage_step_json(s->tr, s->lang);
	json_t *advice = json_object_get(json_object_get(step, "result"), "advice");
	json_t *o;
	char *text;

	o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "v", 1, "desk", d->conf.desk,
		      "contact_key", ct->key, "code", code, "destination", ct->destination,
		      "country", ct->country, "lang", ct->lang, "created",
		      (json_int_t)ct->finished_ms);
	json_object_set(o, "facts", triage_facts(s->tr));
	json_object_set_new(o, "path", triage_path(s->tr));
	set_str(o, "category", ct->category);
	set_str(o, "referral_reason", ct->referral_reason);
	set_str(o, "advice", json_string_value(advice));
	set_str(o, "note", ct->note);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	json_decref(step);
	return text;
}

/* The survey fields of a contact, never its note. */
static char *collector_body(const struct contact *ct)
{
	json_t *o = json_pack("{s:s,s:I,s:I}", "key", ct->key, "started",
			      (json_int_t)ct->started_ms, "finished", (json_int_t)ct->finished_ms);
	const struct {
		const char *key, *value;
	} fields[] = {
		{ "channel", ct->channel },
		{ "country", ct->country },
		{ "lang", ct->lang },
		{ "rules_version", ct->rules_version },
		{ "suggested", ct->suggested },
		{ "destination", ct->destination },
		{ "category", ct->category },
		{ "outcome", ct->outcome },
		{ "referral_reason", ct->referral_reason },
		{ "on_behalf", ct->on_behalf },
		{ "relation", ct->relation },
		{ "age_band", ct->age_band },
		{ "period", ct->period },
	};
	char *text;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		set_str(o, fields[i].key, fields[i].value);
	json_object_set_new(o, "path", json_loads(ct->path_json, 0, NULL));
	json_object_set_new(o, "facts", json_loads(ct->facts_json, 0, NULL));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

/* The referral check going back to the desk that sent the handoff. */
static char *feedback_body(struct daemon *d, const struct handoff_in *hi,
			   const struct handoff_finish *hf, int64_t now)
{
	json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:I}", "v", 1, "desk", d->conf.desk,
			      "destination",
			      json_string_value(json_object_get(hi->body, "destination")), "code",
			      hi->code, "contact_key", hi->contact_key, "referral_check",
			      hf->referral_check, "checked", (json_int_t)now);
	char *text;

	if (!o)
		return NULL;
	if (hf->correct_destination)
		json_object_set_new(o, "correct_destination", json_string(hf->correct_destination));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

int handle_handoff_finish_job(struct daemon *d, struct session *s, const struct contact *ct,
			      const struct handoff_finish *hf, struct handoff_sent *sent,
			      struct store_job **job)
{
	int handoff = hf->consent && conf_peer_find(&d->conf, ct->destination);
	const struct conf_sender *sender =
		hf->from ? conf_sender_find(&d->conf, hf->from->from) : NULL;
	int feedback = hf->referral_check && sender && sender->feedback_url;
	struct finish_job *fj;

	memset(sent, 0, sizeof(*sent));
	*job = NULL;
	if (hf->consent && !handoff)
		log_info(
			"finish: consent given, but no peer desk is configured for %s: nothing handed off",
			ct->destination);
	if (hf->referral_check && !feedback)
		log_notice(
			"finish: no senders[].feedback_url for desk \"%s\": its referral check is "
			"not sent",
			hf->from->from);
	if (!handoff && !hf->from && !d->conf.collector_url)
		return 0;
	if (!(fj = handoff_rows_finish_new()))
		return -1;
	fj->now = ct->finished_ms;
	snprintf(fj->contact_key, sizeof(fj->contact_key), "%s", ct->key);
	if (handoff) {
		snprintf(fj->destination, sizeof(fj->destination), "%s", ct->destination);
		if (handover_make_code(fj->code) ||
		    !(fj->handoff_body = handoff_body(d, s, ct, fj->code)))
			goto fail;
		memcpy(sent->code, fj->code, sizeof(sent->code));
		memcpy(sent->destination, fj->destination, sizeof(sent->destination));
	}
	if (hf->from) {
		fj->received_id = sent->received_id = hf->from->id;
		if (feedback) {
			snprintf(fj->feedback_target, sizeof(fj->feedback_target), "%s",
				 hf->from->from);
			if (!(fj->feedback_body = feedback_body(d, hf->from, hf, ct->finished_ms)))
				goto fail;
		}
	}
	if (d->conf.collector_url && !(fj->collector_body = collector_body(ct)))
		goto fail;
	sent->outbox = fj->handoff_body || fj->feedback_body || fj->collector_body;
	*job = &fj->job;
	return 0;
fail:
	fj->job.free(&fj->job);
	memset(sent, 0, sizeof(*sent));
	return -1;
}

/* --- lookup and take ----------------------------------------------------- */

int handle_handoff_lookup(struct handler_ctx *h, struct handoff_in *hi)
{
	json_t *reply = peers_handoff_json(hi);

	json_object_set_new(reply, "type", json_string("handover"));
	if (h->re)
		json_object_set(reply, "re", h->re);
	client_send(h->c, reply);
	json_decref(reply);
	return 0;
}

/* The handoff's facts that this desk's vocabulary knows; the others are
 * named in dropped (the sending desk may run newer rules). */
static json_t *handoff_known_facts(struct daemon *d, json_t *facts, json_t *dropped)
{
	json_t *known = json_object(), *v;
	const char *fact;

	json_object_foreach(facts, fact, v) {
		if (rules_fact_valid(d->rules, fact, json_string_value(v)))
			json_object_set(known, fact, v);
		else
			json_array_append_new(dropped, json_string(fact));
	}
	return known;
}

/* The handoff's language if this desk's tree has it, else the agent's,
 * else the tree's first. */
static const char *handoff_lang(const struct rules_tree *t, const struct handoff_in *hi,
				const char *agent_lang, char out[3])
{
	json_t *langs;

	if (rules_tree_has_lang(t, hi->lang))
		return hi->lang;
	if (rules_tree_has_lang(t, agent_lang))
		return agent_lang;
	langs = rules_tree_langs(t);
	snprintf(out, 3, "%s", json_string_value(json_array_get(langs, 0)));
	json_decref(langs);
	return out;
}

int handle_handoff_take(struct handler_ctx *h, struct handoff_in *hi)
{
	const char *channel;
	const struct rules_tree *t = rules_tree(h->d->rules, hi->country);
	json_t *dropped, *facts, *step, *about;
	struct triage *tr;
	struct session *s;
	const char *lang;
	char first[3];

	if (proto_get_enum(h->msg, "channel", 0, take_channels, &channel, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (hi->taken)
		return handle_fail(h, PROTO_CONFLICT, "handoff %s was already taken by %s",
				   hi->code, hi->taken_by);
	if (!t)
		return handle_fail(
			h, PROTO_UNAVAILABLE,
			"handoff %s is for country %s, and this desk has no rules for it", hi->code,
			hi->country);
	lang = handoff_lang(t, hi, h->c->lang, first);
	dropped = json_array();
	facts = handoff_known_facts(h->d, json_object_get(hi->body, "facts"), dropped);
	tr = triage_start(h->d->rules, t, facts, 0, h->err, sizeof(h->err));
	json_decref(facts);
	if (!tr || !(s = session_create(&h->d->sessions, NULL))) {
		triage_free(tr);
		json_decref(dropped);
		return handle_fail(h, PROTO_INTERNAL, "could not start a session for handoff %s",
				   hi->code);
	}
	/* An agent session like one from "start", prefilled with the facts. */
	s->tr = tr;
	s->role = ROLE_AGENT;
	snprintf(s->owner, sizeof(s->owner), "%s", h->c->token_name);
	snprintf(s->country, sizeof(s->country), "%s", hi->country);
	snprintf(s->lang, sizeof(s->lang), "%s", lang);
	snprintf(s->channel, sizeof(s->channel), "%s", channel ? channel : "phone");
	hi->taken = 1;
	memcpy(hi->session, s->id, sizeof(hi->session));
	snprintf(hi->taken_by, sizeof(hi->taken_by), "%s", h->c->token_name);
	log_info("handoff %s from %s taken by %s", hi->code, hi->from, hi->taken_by);
	handle_handover_queue_changed(h->d);

	step = triage_step_json(s->tr, s->lang);
	json_object_set_new(step, "type", json_string("step"));
	if (h->re)
		json_object_set(step, "re", h->re);
	json_object_set_new(step, "session", json_string(s->id));
	json_object_set_new(step, "country", json_string(s->country));
	json_object_set_new(step, "lang", json_string(s->lang));
	json_object_set_new(step, "channel", json_string(s->channel));
	about = peers_handoff_json(hi);
	json_object_set_new(about, "dropped_facts", dropped);
	json_object_set_new(step, "handoff", about);
	client_send(h->c, step);
	json_decref(step);
	return 0;
}
