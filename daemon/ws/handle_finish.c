/* handle_finish.c - finish: the contact goes to the store, and "logged"
 * goes back only once the store has committed it. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#include "client.h"
#include "app/daemon.h"
#include "handle.h"
#include "handle_internal.h"
#include "finish_key.h"
#include "base/jbuf.h"
#include "base/log.h"
#include "triage/rules.h"
#include "base/scrub.h"
#include "desk/session.h"
#include "store/store.h"
#include "store/stories.h"
#include "base/survey.h"

#define NOTE_MAX 4000

/* "no_eid, cannot_get_eid, …" for the error that lists them. */
static const char *handle_barrier_list(void)
{
	static char list[512];

	if (!list[0])
		for (int i = 0; survey_barriers[i]; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", survey_barriers[i]);
	return list;
}

/* The category of a walk that ended before a result, from its topic fact
 * (also for the widget's conversations, handle_feedback.c). */
const char *handle_category_from_facts(json_t *facts)
{
	static const char *const map[][2] = {
		{ "login", "login" },
		{ "digital_post", "reservation" },
		{ "power_of_attorney", "power_of_attorney" },
		{ "case_matter", "agency" },
		{ "deceased_estate", "estate" },
	};
	const char *topic = json_string_value(json_object_get(facts, "topic"));

	for (size_t i = 0; topic && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(topic, map[i][0]))
			return map[i][1];
	return "other";
}

/* Written by hand like the steps: one goes out per contact. The same text
 * as {"type":"logged","re":…,"contact":…,"duplicate"?:true,
 * "handoff"?:{"code":…}} dumped by jansson. */
static void handle_send_logged(struct client *c, json_t *re, int64_t contact, int duplicate,
			       const char *handoff_code)
{
	struct jbuf b = { 0 };
	char num[32];

	client_reply_begin(&b);
	jbuf_lit(&b, "{\"type\":\"logged\"");
	if (re) {
		jbuf_lit(&b, ",\"re\":");
		jbuf_json(&b, re);
	}
	snprintf(num, sizeof(num), ",\"contact\":%lld", (long long)contact);
	jbuf_lit(&b, num);
	if (duplicate)
		jbuf_lit(&b, ",\"duplicate\":true");
	/* The code the caller says at the other desk (peers.h). */
	if (handoff_code && *handoff_code) {
		jbuf_lit(&b, ",\"handoff\":{\"code\":");
		jbuf_str(&b, handoff_code);
		jbuf_raw(&b, "}", 1);
	}
	jbuf_raw(&b, "}", 1);
	client_send_jbuf(c, &b);
}

/* The message's note and story scrubbed, once for the digest and the
 * store: what the contact keeps of them. */
struct finish_texts {
	char *note, *story;
};

static int handle_finish_scrub(struct handler_ctx *h, struct finish_texts *t)
{
	const char *note = json_string_value(json_object_get(h->msg, "note"));
	const char *story = json_string_value(json_object_get(h->msg, "story"));

	if ((note && !(t->note = scrub_text(note))) || (story && !(t->story = scrub_text(story))))
		return handle_fail(h, PROTO_INTERNAL, "out of memory");
	return 0;
}

/* The message's key, checked, and in digest what it stands for
 * (finish_key.h). A session already finishing or finished takes only its
 * own key, with the same fields again. -1 after replying. */
static int handle_finish_key(struct handler_ctx *h, const struct session *s,
			     const struct finish_texts *t, const char **key,
			     char digest[FINISH_DIGEST_LEN + 1])
{
	if (proto_get_string(h->msg, "key", 1, FINISH_KEY_MAX, key, h->err, sizeof(h->err)) ||
	    finish_key_valid(*key, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (finish_key_digest(s, h->msg, t->note, t->story, digest))
		return handle_fail(h, PROTO_INTERNAL, "out of memory");
	if (s->state == SESSION_OPEN)
		return 0;
	if (strcmp(s->finish_key, *key))
		return handle_fail(h, PROTO_CONFLICT,
				   "session \"%s\" was finished with another key", s->id);
	if (strcmp(s->finish_digest, digest))
		return handle_fail(
			h, PROTO_CONFLICT,
			"key \"%s\" was used for this session with other fields; repeat them "
			"to get the same answer",
			*key);
	return 0;
}

/* Hand the contact to the store; "logged" goes out when it is committed. */
static int handle_submit(struct handler_ctx *h, struct session *s, struct contact *ct,
			 const struct handoff_sent *sent)
{
	struct pending_finish *p = calloc(1, sizeof(*p));
	/* The session keeps its own copy (handle_finish_key compares it); taken
	 * before anything is queued, so a failed copy queues nothing. */
	char *session_key = NULL;

	if (!p || !(p->key = strdup(ct->key)) ||
	    (s->state == SESSION_OPEN && !(session_key = strdup(ct->key)))) {
		if (p)
			free(p->key);
		free(p);
		if (ct->job)
			ct->job->free(ct->job);
		return handle_fail(h, PROTO_INTERNAL, "out of memory");
	}
	p->handoff = *sent;
	p->d = h->d;
	p->submitted_us = metrics_now_us();
	stats_contact_set(&p->stats, ct);
	if (store_submit(h->d->store, ct, handle_finish_done, p)) {
		if (ct->job)
			ct->job->free(ct->job);
		free(session_key);
		free(p->key);
		free(p);
		return handle_fail(h, PROTO_UNAVAILABLE,
				   "the store's queue is full; nothing was logged, try again");
	}
	memcpy(p->session, s->id, sizeof(p->session));
	handle_pending_add(h, p);
	if (s->state == SESSION_OPEN) {
		s->state = SESSION_FINISHING;
		s->finish_key = session_key;
		util_copy(s->finish_digest, sizeof(s->finish_digest), ct->key_digest);
	}
	return 0;
}

/* Queue p behind the finishes waiting for the store (results come back in
 * submission order) and tie it to the client, which may go before the
 * answer does (client.c forgets it then). For handle_correct.c. */
void handle_pending_add(struct handler_ctx *h, struct pending_finish *p)
{
	p->c = h->c;
	p->re = h->re ? json_incref(h->re) : NULL;
	handle_pending_link(h->d, p);
	h->c->pending_finishes++;
}

void handle_pending_link(struct daemon *d, struct pending_finish *p)
{
	p->next = NULL;
	p->prev = d->pending_tail;
	if (d->pending_tail)
		d->pending_tail->next = p;
	else
		d->pending_head = p;
	d->pending_tail = p;
}

/* Answered: off the list (usually its head; callbacks' and other desks'
 * writes are not listed, so it need not be). */
static void handle_pending_unlink(struct daemon *d, struct pending_finish *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		d->pending_head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		d->pending_tail = p->prev;
	p->prev = p->next = NULL;
}

/* "barriers": each a code of the survey's list (base/survey.h), at most
 * once, so the array is bounded by the list; never required. "story": a
 * note for the survey's qualitative part, as long as a note may be. */
int handle_finish_survey(struct handler_ctx *h, uint32_t *bits, const char **story)
{
	json_t *list = json_object_get(h->msg, "barriers"), *v;
	size_t i;
	int k;

	*bits = 0;
	if (proto_get_string(h->msg, "story", 0, PROTO_MAX_STRING, story, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (*story && strlen(*story) > SURVEY_STORY_MAX)
		return handle_fail(h, PROTO_TOO_LARGE,
				   "\"story\" is %zu bytes; at most %d are kept", strlen(*story),
				   SURVEY_STORY_MAX);
	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > (size_t)survey_barrier_count())
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"barriers\" must be an array of at most %d barrier codes",
				   survey_barrier_count());
	json_array_foreach(list, i, v) {
		if ((k = survey_barrier_index(json_string_value(v))) < 0)
			return handle_fail(h, PROTO_BAD_REQUEST,
					   "\"barriers\"[%zu] is not a barrier code; allowed: %s",
					   i, handle_barrier_list());
		if (*bits & ((uint32_t)1 << k))
			return handle_fail(h, PROTO_BAD_REQUEST,
					   "\"barriers\": \"%s\" is listed twice",
					   survey_barriers[k]);
		*bits |= (uint32_t)1 << k;
	}
	return 0;
}

/* What every contact takes from its session: when, where, which rules,
 * the walk and its facts (written into path and facts, which the caller
 * frees after the store has copied them). */
void handle_contact_of_session(struct contact *ct, const struct session *s, const char *key,
			       const char *digest, const json_t *facts_json, struct jbuf *path,
			       struct jbuf *facts)
{
	ct->started_ms = s->started_ms;
	ct->finished_ms = util_now_ms();
	ct->key = key;
	ct->key_digest = digest;
	ct->channel = s->channel;
	ct->country = s->country;
	ct->lang = s->lang;
	ct->rules_version = rules_tree_version(triage_tree(s->tr));
	triage_path_write(s->tr, path);
	jbuf_json(facts, facts_json);
	ct->path_json = path->p;
	ct->facts_json = facts->p;
}

/* A finish's survey fields, as sent (strings point into the message). */
struct finish_fields {
	const char *outcome, *dest, *reason, *category, *on_behalf, *note, *relation, *age;
	const char *story;
	uint32_t barriers;
};

/* Read and check every field before anything changes: 0, or -1 after
 * replying. */
static int handle_finish_read(struct handler_ctx *h, struct finish_fields *f)
{
	if (proto_get_enum(h->msg, "outcome", 1, survey_outcomes, &f->outcome, h->err,
			   sizeof(h->err)) ||
	    proto_get_enum(h->msg, "referral_reason", 0, survey_reasons, &f->reason, h->err,
			   sizeof(h->err)) ||
	    proto_get_string(h->msg, "destination", 0, 64, &f->dest, h->err, sizeof(h->err)) ||
	    proto_get_enum(h->msg, "category", 0, survey_categories, &f->category, h->err,
			   sizeof(h->err)) ||
	    proto_get_enum(h->msg, "on_behalf", 0, survey_on_behalf, &f->on_behalf, h->err,
			   sizeof(h->err)) ||
	    proto_get_enum(h->msg, "relation", 0, survey_relations, &f->relation, h->err,
			   sizeof(h->err)) ||
	    proto_get_enum(h->msg, "age_band", 0, survey_age_bands, &f->age, h->err,
			   sizeof(h->err)) ||
	    proto_get_string(h->msg, "note", 0, PROTO_MAX_STRING, &f->note, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (f->note && strlen(f->note) > NOTE_MAX)
		return handle_fail(h, PROTO_TOO_LARGE, "\"note\" is %zu bytes; at most %d are kept",
				   strlen(f->note), NOTE_MAX);
	if (handle_finish_survey(h, &f->barriers, &f->story))
		return -1;
	if (!strcmp(f->outcome, "referred") && (!f->dest || !f->reason))
		return handle_fail(
			h, PROTO_BAD_REQUEST,
			"outcome \"referred\" needs \"destination\" and \"referral_reason\"");
	if (f->reason && strcmp(f->outcome, "referred"))
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"referral_reason\" is only for outcome \"referred\"");
	if (f->dest && !rules_destination(h->d->rules, f->dest))
		return handle_fail(h, PROTO_BAD_REQUEST,
				   "\"destination\": unknown destination \"%s\"", f->dest);
	return 0;
}

/* The survey fields of the contact: what was sent, else what the walk
 * says. Strings stay owned by the message, the walk or the config. */
static void handle_finish_map(struct handler_ctx *h, struct session *s,
			      const struct finish_fields *f, struct contact *ct)
{
	const struct conf_period *period;

	ct->suggested = triage_result_destination(s->tr);
	ct->destination = f->dest ? f->dest : ct->suggested;
	ct->category = f->category               ? f->category
		       : triage_at_result(s->tr) ? triage_result_category(s->tr)
						 : handle_category_from_facts(triage_facts(s->tr));
	ct->outcome = f->outcome;
	ct->referral_reason = f->reason;
	ct->on_behalf =
		f->on_behalf ? f->on_behalf
			     : json_string_value(json_object_get(triage_facts(s->tr), "on_behalf"));
	if (!ct->on_behalf)
		ct->on_behalf = "unknown";
	ct->relation = f->relation;
	ct->age_band = f->age;
	/* Who may correct it later (handle_correct.c); citizens never may. */
	ct->owner = s->role == ROLE_AGENT && s->owner[0] ? s->owner : NULL;
	/* Informational: reports select a period by its dates, so a period
	 * added to the config later also covers the contacts before it. */
	period = conf_period_at(&h->d->conf, ct->finished_ms);
	ct->period = period ? period->id : NULL;
}

/* The second step of a finish, once the message and the session are sound:
 * the contact, scrubbed, with the writes that go with it, handed to the
 * store (answered "logged" at its commit). */
static int handle_finish_contact(struct handler_ctx *h, struct session *s,
				 const struct finish_fields *f, const struct finish_texts *t,
				 const struct handoff_finish *hf, const char *key,
				 const char *digest)
{
	struct contact ct = { 0 };
	struct handoff_sent sent;
	struct jbuf path = { 0 }, facts = { 0 };
	char barriers_text[SURVEY_BARRIERS_TEXT_MAX];
	int rc;

	handle_contact_of_session(&ct, s, key, digest, triage_facts(s->tr), &path, &facts);
	handle_finish_map(h, s, f, &ct);
	/* Identifiers were removed before the note reaches the store or a log. */
	ct.note = t->note && *t->note ? t->note : NULL;
	/* The survey's second half: barriers as codes, a story kept apart. */
	survey_barriers_write(f->barriers, barriers_text, sizeof(barriers_text));
	ct.barriers = f->barriers ? barriers_text : NULL;
	/* A handoff, a referral check, the collector: written with the contact. */
	if (path.oom || facts.oom || handle_handoff_finish_job(h->d, s, &ct, hf, &sent, &ct.job) ||
	    (t->story && *t->story && stories_job_wrap(&ct, t->story, &ct.job)))
		rc = handle_fail(h, PROTO_INTERNAL, "out of memory");
	else
		rc = handle_submit(h, s, &ct, &sent);
	jbuf_free(&path);
	jbuf_free(&facts);
	return rc;
}

int handle_finish(struct handler_ctx *h)
{
	static const char *const keys[] = { "type",
					    "id",
					    "session",
					    "key",
					    "outcome",
					    "destination",
					    "referral_reason",
					    "category",
					    "on_behalf",
					    "note",
					    "relation",
					    "age_band",
					    "consent",
					    "referral_check",
					    "correct_destination",
					    "barriers",
					    "story",
					    NULL };
	struct finish_fields f = { 0 };
	struct finish_texts t = { 0 };
	struct handoff_finish hf;
	struct session *s;
	char digest[FINISH_DIGEST_LEN + 1];
	const char *key;
	int rc = -1;

	if (proto_check_keys(h->msg, keys, h->err, sizeof(h->err)))
		return handle_fail_err(h, PROTO_BAD_REQUEST);
	if (!(s = handle_session(h, 1)) || handle_finish_scrub(h, &t) ||
	    handle_finish_key(h, s, &t, &key, digest))
		goto out;
	if (s->state == SESSION_FINISHED) {
		handle_send_logged(h->c, h->re, s->contact_id, 1, s->handoff_code);
		rc = 0;
	} else if (!handle_finish_read(h, &f) &&
		   !handle_handoff_finish_prepare(h, s, f.outcome, &hf)) {
		rc = handle_finish_contact(h, s, &f, &t, &hf, key, digest);
	}
out:
	free(t.note);
	free(t.story);
	return rc;
}

/* The store did not log p: the session may be finished again, and the
 * client hears why. A key that stands for another contact is a conflict
 * that names none (finish_key.h); anything else is "try again". */
static void handle_finish_refused(struct daemon *d, struct pending_finish *p, struct session *s,
				  const struct store_result *r)
{
	if (s && s->state == SESSION_FINISHING) {
		s->state = SESSION_OPEN;
		free(s->finish_key);
		s->finish_key = NULL;
		s->finish_digest[0] = '\0';
	}
	if (r->status == STORE_KEY_CONFLICT) {
		d->metrics.finish_key_conflicts++;
		if (p->c)
			client_send_error(
				p->c, p->re, PROTO_CONFLICT,
				"key \"%s\" was already used for another contact; nothing "
				"was logged: finish with a new key",
				p->key);
		return;
	}
	d->metrics.contacts_not_stored++;
	/* Not logged per finish: a full disk or a lost file refuses thousands.
	 * The store logs each change of its state once (docs/store.md,
	 * Failures); the count is vegvisar_contacts_not_stored_total. */
	if (p->c)
		client_send_error(p->c, p->re, PROTO_UNAVAILABLE,
				  "not stored (%s); nothing was logged, try again", r->error);
}

/* A finish is durable: count it once, end its session, say "logged". */
static void handle_finish_logged(struct daemon *d, struct pending_finish *p, struct session *s,
				 const struct store_result *r)
{
	if (r->duplicate) {
		d->metrics.contacts_duplicate++;
	} else {
		/* Durable now: it counts, once, wherever it is shown. */
		metrics_contact(&d->metrics, p->stats.outcome, p->stats.category);
		handle_stats_logged(d, &p->stats);
		if (peers_finish_committed(d, &p->handoff))
			handle_handover_queue_changed(d); /* the received handoff left it */
	}
	if (s && s->state != SESSION_FINISHED) {
		session_finished(&d->sessions, s, d->conf.bounds.sessions_finished_kept);
		handle_handover_session_ended(d, s->id);
		s->contact_id = r->contact_id;
		if (!r->duplicate)
			memcpy(s->handoff_code, p->handoff.code, sizeof(s->handoff_code));
		/* Only a repeated finish can still come, and it needs the key
		 * and the contact, not the walk: kept for hours, walks were
		 * most of the daemon's memory (docs/performance.md). */
		triage_free(s->tr);
		s->tr = NULL;
	}
	if (p->c)
		handle_send_logged(p->c, p->re, r->contact_id, r->duplicate,
				   r->duplicate ? NULL : p->handoff.code);
}

void handle_finish_done(void *arg, const struct store_result *r)
{
	struct pending_finish *p = arg;
	struct daemon *d = p->d;
	struct session *s;

	handle_pending_unlink(d, p);
	if (p->correct) {
		handle_correct_result(d, p, r);
	} else {
		s = session_find(&d->sessions, p->session);
		metrics_commit_latency(&d->metrics, p->submitted_us);
		if (r->status == STORE_OK)
			handle_finish_logged(d, p, s, r);
		else
			handle_finish_refused(d, p, s, r);
	}
	if (p->c)
		p->c->pending_finishes--;
	json_decref(p->re);
	free(p->key);
	free(p->correct);
	free(p);
}
