/* peers.c - what this desk keeps in memory about the others: the handoffs
 * it received (for the agents' queue) and the referral checks of those it
 * sent (for the live statistics), rebuilt from the store at start. */
#include "peers.h"

#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon.h"
#include "base/log.h"
#include "store/outbox.h"
#include "peers_internal.h"
#include "store/handoff_rows.h"
#include "base/util.h"

/* --- received handoffs --------------------------------------------------- */

static const char *body_str(json_t *body, const char *key)
{
	const char *s = json_string_value(json_object_get(body, key));

	return s ? s : "";
}

struct handoff_in *peers_add_received(struct peers *p, int64_t id, json_t *body,
				      int64_t received_ms)
{
	struct handoff_in *hi = calloc(1, sizeof(*hi)), **tail;

	if (!hi)
		return NULL;
	hi->id = id;
	hi->received_ms = received_ms;
	hi->body = json_incref(body);
	snprintf(hi->code, sizeof(hi->code), "%s", body_str(body, "code"));
	snprintf(hi->from, sizeof(hi->from), "%s", body_str(body, "desk"));
	snprintf(hi->contact_key, sizeof(hi->contact_key), "%s", body_str(body, "contact_key"));
	snprintf(hi->country, sizeof(hi->country), "%s", body_str(body, "country"));
	snprintf(hi->lang, sizeof(hi->lang), "%s", body_str(body, "lang"));
	for (tail = &p->received; *tail; tail = &(*tail)->next)
		;
	*tail = hi;
	return hi;
}

static void handoff_in_free(struct handoff_in *hi)
{
	json_decref(hi->body);
	free(hi);
}

void peers_drop_received(struct peers *p, int64_t id)
{
	for (struct handoff_in **pp = &p->received; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct handoff_in *hi = *pp;
			*pp = hi->next;
			handoff_in_free(hi);
			return;
		}
	}
}

struct handoff_in *peers_received_by_session(struct peers *p, const char *session)
{
	for (struct handoff_in *hi = p ? p->received : NULL; hi; hi = hi->next)
		if (hi->taken && !strcmp(hi->session, session))
			return hi;
	return NULL;
}

/* What agents see of a received handoff, like a handover's queue item. */
static json_t *handoff_item(const struct handoff_in *hi)
{
	static const char *const copied[] = { "destination", "category", "referral_reason",
					      "advice", "note" };
	json_t *item, *step;

	item = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "kind", "handoff", "code", hi->code,
			 "state", hi->taken ? "taken" : "waiting", "from", hi->from, "country",
			 hi->country, "lang", hi->lang, "created", (json_int_t)hi->received_ms,
			 "expires", (json_int_t)(hi->received_ms + PEERS_HANDOFF_TTL_MS));
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		json_t *v = json_object_get(hi->body, copied[i]);
		if (json_is_string(v))
			json_object_set(item, copied[i], v);
	}
	step = json_pack("{s:O,s:O}", "facts", json_object_get(hi->body, "facts"), "path",
			 json_object_get(hi->body, "path"));
	json_object_set_new(item, "step", step);
	if (hi->taken)
		json_object_set_new(item, "taken_by", json_string(hi->taken_by));
	return item;
}

void peers_queue_items(struct daemon *d, json_t *items)
{
	for (struct handoff_in *hi = d->peers ? d->peers->received : NULL; hi; hi = hi->next)
		if (!hi->taken)
			json_array_append_new(items, handoff_item(hi));
}

/* By the code as typed; a waiting handoff before a taken one with the same
 * code (codes come from several desks and may, rarely, repeat). */
struct handoff_in *peers_find_code(struct daemon *d, const char *typed)
{
	char code[HANDOVER_CODE_LEN + 1];
	struct handoff_in *taken = NULL;

	if (!d->peers || handover_normalise(typed, code))
		return NULL;
	for (struct handoff_in *hi = d->peers->received; hi; hi = hi->next) {
		if (strcmp(hi->code, code))
			continue;
		if (!hi->taken)
			return hi;
		if (!taken)
			taken = hi;
	}
	return taken;
}

json_t *peers_handoff_json(const struct handoff_in *hi)
{
	return handoff_item(hi);
}

int peers_sweep(struct daemon *d, int64_t now)
{
	int changed = 0;

	if (!d->peers)
		return 0;
	for (struct handoff_in **pp = &d->peers->received; *pp;) {
		struct handoff_in *hi = *pp;
		/* The agent's session expired unfinished: the caller may call again. */
		if (hi->taken && !session_find(&d->sessions, hi->session)) {
			log_info("handoff %s from %s waits again: its session ended unfinished",
				 hi->code, hi->from);
			hi->taken = 0;
			hi->session[0] = hi->taken_by[0] = '\0';
			changed = 1;
		}
		if (!hi->taken && hi->received_ms + PEERS_HANDOFF_TTL_MS < now) {
			*pp = hi->next;
			handoff_in_free(hi);
			changed = 1;
			continue;
		}
		pp = &hi->next;
	}
	return changed;
}

/* --- referral checks ----------------------------------------------------- */

static struct referral_tally *peers_tally(struct peers *p, const char *destination)
{
	struct referral_tally *t;

	for (size_t i = 0; i < p->n_tallies; i++)
		if (!strcmp(p->tallies[i].destination, destination))
			return &p->tallies[i];
	t = realloc(p->tallies, (p->n_tallies + 1) * sizeof(*t));
	if (!t)
		return NULL;
	p->tallies = t;
	t = &p->tallies[p->n_tallies++];
	memset(t, 0, sizeof(*t));
	snprintf(t->destination, sizeof(t->destination), "%s", destination);
	return t;
}

static void peers_add_correction(struct peers *p, const char *code, const char *destination,
				 const char *correct, const char *by, int64_t checked)
{
	struct referral_correction *c;

	if (p->n_corrections < PEERS_CORRECTIONS)
		p->n_corrections++;
	memmove(&p->corrections[1], &p->corrections[0],
		(p->n_corrections - 1) * sizeof(p->corrections[0]));
	c = &p->corrections[0];
	snprintf(c->code, sizeof(c->code), "%s", code);
	snprintf(c->destination, sizeof(c->destination), "%s", destination);
	snprintf(c->correct, sizeof(c->correct), "%s", correct ? correct : "");
	snprintf(c->by, sizeof(c->by), "%s", by);
	c->checked_ms = checked;
}

void peers_count_check(struct peers *p, const char *destination, const char *check,
		       const char *correct, const char *code, const char *by, int64_t checked)
{
	struct referral_tally *t = peers_tally(p, destination);

	if (!t)
		return;
	if (!strcmp(check, "accepted")) {
		t->accepted++;
	} else {
		t->misrouted++;
		peers_add_correction(p, code, destination, correct, by, checked);
	}
}

int peers_finish_committed(struct daemon *d, const struct handoff_sent *sent)
{
	struct referral_tally *t;
	int changed = 0;

	if (sent->code[0] && d->peers && (t = peers_tally(d->peers, sent->destination))) {
		t->sent++;
		log_info("handoff %s to %s queued for delivery", sent->code, sent->destination);
	}
	if (sent->received_id && d->peers) {
		peers_drop_received(d->peers, sent->received_id);
		changed = 1;
	}
	if (sent->outbox)
		outbox_kick(d->outbox);
	return changed;
}

static json_t *tally_json(long long sent, long long accepted, long long misrouted)
{
	long long unanswered = sent - accepted - misrouted;

	return json_pack("{s:I,s:I,s:I,s:I}", "sent", (json_int_t)sent, "accepted",
			 (json_int_t)accepted, "misrouted", (json_int_t)misrouted, "unanswered",
			 (json_int_t)(unanswered > 0 ? unanswered : 0));
}

json_t *peers_referral_checks_json(struct daemon *d)
{
	struct peers *p = d->peers;
	long long sent = 0, accepted = 0, misrouted = 0;
	json_t *out, *by = json_object(), *list = json_array();

	for (size_t i = 0; p && i < p->n_tallies; i++) {
		const struct referral_tally *t = &p->tallies[i];
		json_object_set_new(by, t->destination,
				    tally_json(t->sent, t->accepted, t->misrouted));
		sent += t->sent;
		accepted += t->accepted;
		misrouted += t->misrouted;
	}
	for (size_t i = 0; p && i < p->n_corrections; i++) {
		const struct referral_correction *c = &p->corrections[i];
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:I}", "code", c->code,
						      "destination", c->destination,
						      "correct_destination", c->correct, "by",
						      c->by, "checked", (json_int_t)c->checked_ms));
	}
	out = tally_json(sent, accepted, misrouted);
	json_object_set_new(out, "destination", by);
	json_object_set_new(out, "corrections", list);
	return out;
}

void peers_stats(struct daemon *d, json_t *msg)
{
	if (d->conf.n_peers)
		json_object_set_new(msg, "referral_checks", peers_referral_checks_json(d));
	if (d->outbox)
		json_object_set_new(msg, "delivery", outbox_json(d->outbox));
}

void peers_metrics(struct daemon *d, FILE *f)
{
	struct peers *p = d->peers;

	outbox_metrics(d->outbox, f);
	if (!p)
		return;
	fputs("# HELP vegvisar_handoffs_received_total Handoffs from other desks stored (repeats not counted).\n"
	      "# TYPE vegvisar_handoffs_received_total counter\n",
	      f);
	fprintf(f, "vegvisar_handoffs_received_total %llu\n", p->handoffs_received);
	fputs("# HELP vegvisar_handoffs_waiting Handoffs from other desks waiting in the agents' queue.\n"
	      "# TYPE vegvisar_handoffs_waiting gauge\n",
	      f);
	{
		unsigned long n = 0;
		for (struct handoff_in *hi = p->received; hi; hi = hi->next)
			n += !hi->taken;
		fprintf(f, "vegvisar_handoffs_waiting %lu\n", n);
	}
	fputs("# HELP vegvisar_referral_checks_received_total Referral checks received for handoffs this desk sent.\n"
	      "# TYPE vegvisar_referral_checks_received_total counter\n",
	      f);
	fprintf(f, "vegvisar_referral_checks_received_total %llu\n", p->checks_received);
	fputs("# HELP vegvisar_contacts_ingested_total Contacts a collector took in from other desks (repeats not counted).\n"
	      "# TYPE vegvisar_contacts_ingested_total counter\n",
	      f);
	fprintf(f, "vegvisar_contacts_ingested_total %llu\n", p->contacts_ingested);
	fputs("# HELP vegvisar_peer_requests_refused_total Requests from other desks refused: unknown desk, stale timestamp or bad signature.\n"
	      "# TYPE vegvisar_peer_requests_refused_total counter\n",
	      f);
	fprintf(f, "vegvisar_peer_requests_refused_total %llu\n", p->requests_refused);
	if (!p->n_tallies)
		return;
	fputs("# HELP vegvisar_referrals Handoffs this desk sent, by destination and what the receiving desk said.\n"
	      "# TYPE vegvisar_referrals gauge\n",
	      f);
	for (size_t i = 0; i < p->n_tallies; i++) {
		const struct referral_tally *t = &p->tallies[i];
		long long unanswered = t->sent - t->accepted - t->misrouted;
		fprintf(f, "vegvisar_referrals{destination=\"%s\",check=\"accepted\"} %lld\n",
			t->destination, t->accepted);
		fprintf(f, "vegvisar_referrals{destination=\"%s\",check=\"misrouted\"} %lld\n",
			t->destination, t->misrouted);
		fprintf(f, "vegvisar_referrals{destination=\"%s\",check=\"unanswered\"} %lld\n",
			t->destination, unanswered > 0 ? unanswered : 0);
	}
}

/* --- start-up ------------------------------------------------------------ */

static void peers_load_received(void *arg, int64_t id, const char *text, int64_t received_ms)
{
	json_t *body = json_loads(text, 0, NULL);

	if (body)
		peers_add_received(arg, id, body, received_ms);
	json_decref(body);
}

static int peers_load_tally(void *arg, const char *destination, long long sent, long long accepted,
			    long long misrouted)
{
	struct referral_tally *t = peers_tally(arg, destination);

	if (!t)
		return -1;
	t->sent = sent;
	t->accepted = accepted;
	t->misrouted = misrouted;
	return 0;
}

/* Oldest first, so the newest end up in front. */
static void peers_load_correction(void *arg, const char *code, const char *destination,
				  const char *correct, const char *by, int64_t checked_ms)
{
	peers_add_correction(arg, code, destination, correct, by, checked_ms);
}

struct peers *peers_open(const char *path)
{
	struct peers *p = calloc(1, sizeof(*p));
	struct handoff_rows_loader l = { p, peers_load_received, peers_load_tally,
					 peers_load_correction };
	char err[256];

	if (!p)
		return NULL;
	if (handoff_rows_load(path, util_now_ms() - PEERS_HANDOFF_TTL_MS, &l, err, sizeof(err))) {
		log_err("peers: %s: cannot read the handoffs: %s", path, err);
		peers_free(p);
		return NULL;
	}
	return p;
}

void peers_free(struct peers *p)
{
	if (!p)
		return;
	while (p->received) {
		struct handoff_in *hi = p->received;
		p->received = hi->next;
		handoff_in_free(hi);
	}
	free(p->tallies);
	free(p);
}
