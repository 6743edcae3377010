/* peers_routes.c - what other desks POST here: handoffs, referral checks,
 * and (for a collector) contacts.
 *
 * Each request is authenticated by its signature before its body means
 * anything, checked completely, handed to the store's writer, and answered
 * only after the commit: the service thread never waits, and a 200 means
 * the data is on disk. Answers: 401 for an unknown desk, a stale timestamp
 * or a bad signature (nothing stored); 400 for a body that is not what it
 * should be; 503 when the store cannot take it now (retry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/daemon.h"
#include "ws/handle_internal.h"
#include "ws/handle.h"
#include "net/http.h"
#include "routes.h"
#include "base/log.h"
#include "app/peers_internal.h"
#include "base/scrub.h"
#include "store/store.h"
#include "base/util.h"

#define INGEST_MAX 1000 /* contacts in one batch */

enum request_kind { REQ_HANDOFF, REQ_FEEDBACK, REQ_INGEST };

/* A request waiting for the store: the argument of each of its writes'
 * completions (request_done), which count outstanding down. */
struct peers_request {
	enum request_kind kind;
	struct daemon *d;
	struct http_req *r; /* NULL once the sender went away */
	size_t outstanding;
	size_t stored, duplicates;
	int failed;
	char error[160];
	json_t *body;              /* a handoff: for the queue once committed */
	struct feedback_msg check; /* a referral check: strings point into body */
	struct peers_request *next;
};

/* The sender closed the connection: the work goes on, the answer does not. */
static void request_gone(void *arg)
{
	((struct peers_request *)arg)->r = NULL;
}

static void request_free(struct peers_request *q)
{
	json_decref(q->body);
	free(q);
}

void peers_routes_free_waiting(struct peers *p)
{
	while (p->waiting) {
		struct peers_request *q = p->waiting;
		p->waiting = q->next;
		request_free(q);
	}
	p->waiting_tail = NULL;
}

static struct peers_request *request_new(struct http_req *r, enum request_kind kind)
{
	struct peers_request *q = calloc(1, sizeof(*q));

	if (q) {
		q->kind = kind;
		q->d = http_daemon(r);
		q->r = r;
	}
	return q;
}

static void request_done(void *arg, const struct store_result *res);

/* Listed while waiting, so that none is lost at exit (peers_routes_free_waiting). */
static void request_wait(struct daemon *d, struct peers_request *q)
{
	struct peers *p = d->peers;

	if (p->waiting_tail)
		p->waiting_tail->next = q;
	else
		p->waiting = q;
	p->waiting_tail = q;
	if (q->r)
		http_defer(q->r, request_gone, q);
}

static int reply_json(struct http_req *r, unsigned status, json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	int rc;

	json_decref(o);
	if (!text)
		return http_error(r, 500, "out of memory");
	rc = http_reply(r, status, "application/json", text, strlen(text));
	free(text);
	return rc;
}

/* --- authentication ------------------------------------------------------ */

struct signed_request {
	char desk[80];
	char timestamp[32];
	char signature[HANDOFF_SIG_LEN + 8];
	const char *body;
	size_t len;
};

/* The three headers and the body; -1 after answering 401 or 413. */
static int signed_read(struct http_req *r, struct signed_request *sr, size_t max)
{
	struct daemon *d = http_daemon(r);

	sr->body = http_body(r, &sr->len);
	if (sr->len > max) {
		http_error(r, 413, "the body is over %zu bytes", max);
		return -1;
	}
	if (http_header(r, "x-vegvisar-desk:", sr->desk, sizeof(sr->desk)) <= 0 ||
	    http_header(r, "x-vegvisar-timestamp:", sr->timestamp, sizeof(sr->timestamp)) <= 0 ||
	    http_header(r, "x-vegvisar-signature:", sr->signature, sizeof(sr->signature)) <= 0) {
		d->peers->requests_refused++;
		http_error(
			r, 401,
			"X-Vegvisar-Desk, X-Vegvisar-Timestamp and X-Vegvisar-Signature are required");
		return -1;
	}
	return 0;
}

static int signed_refuse(struct http_req *r, const char *what, const char *desk, const char *why)
{
	struct daemon *d = http_daemon(r);

	d->peers->requests_refused++;
	log_warn("%s from desk \"%.64s\" refused: %s", what, desk, why);
	return http_error(r, 401, "%s", why);
}

/* Check the signature with the secret shared with the sending desk. */

/* Hand one job to the store's writer; the reply goes out after its commit. */
static int request_submit_one(struct daemon *d, struct http_req *r, struct peers_request *q,
			      struct store_job *job)
{
	q->outstanding = 1;
	if (store_submit_job(d->store, job, request_done, q)) {
		job->free(job);
		request_free(q);
		return http_error(r, 503,
				  "the store's queue is full; nothing was stored, try again");
	}
	request_wait(d, q);
	return 0;
}

static int signed_check(struct http_req *r, const struct signed_request *sr, const char *secret,
			const char *what)
{
	char why[200];

	if (handoff_verify(secret, sr->timestamp, sr->signature, sr->body, sr->len,
			   (int64_t)time(NULL), why, sizeof(why))) {
		signed_refuse(r, what, sr->desk, why);
		return -1;
	}
	return 0;
}

static json_t *signed_json(struct http_req *r, const struct signed_request *sr)
{
	json_error_t jerr;
	json_t *body = json_loadb(sr->body, sr->len, JSON_REJECT_DUPLICATES, &jerr);

	if (!body)
		http_error(r, 400, "the body is not JSON: %s", jerr.text);
	return body;
}

/* --- POST /api/v1/handoffs ------------------------------------------------ */

int peers_routes_handoffs(struct http_req *r)
{
	struct daemon *d = http_daemon(r);
	const struct conf_sender *sender;
	struct signed_request sr;
	struct handoff_msg m;
	struct peers_request *q;
	struct store_job *job;
	char err[256], *note = NULL, *text;
	json_t *body;

	if (!d->conf.n_senders)
		return http_error(r, 404,
				  "this desk takes no handoffs: no \"senders\" are configured");
	if (signed_read(r, &sr, HANDOFF_BODY_MAX))
		return 0;
	if (!(sender = conf_sender_find(&d->conf, sr.desk)))
		return signed_refuse(r, "handoff", sr.desk,
				     "this desk takes no handoffs from that desk");
	if (signed_check(r, &sr, sender->secret, "handoff") || !(body = signed_json(r, &sr)))
		return 0;
	if (handoff_parse(body, &m, err, sizeof(err))) {
		json_decref(body);
		return http_error(r, 400, "%s", err);
	}
	if (strcmp(m.desk, sr.desk)) {
		json_decref(body);
		return http_error(r, 400, "\"desk\" in the body is not X-Vegvisar-Desk");
	}
	/* The sender scrubbed the note; scrub again rather than trust it. */
	if (m.note && (note = scrub_text(m.note)))
		json_object_set_new(body, "note", json_string(note));
	free(note);
	handoff_parse(body, &m, err, sizeof(err)); /* the strings may have moved */
	text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
	job = text ? handoff_rows_receive_new(&m, text, util_now_ms()) : NULL;
	free(text);
	if (!job || !(q = request_new(r, REQ_HANDOFF))) {
		if (job)
			job->free(job);
		json_decref(body);
		return http_error(r, 500, "out of memory");
	}
	q->body = body;
	return request_submit_one(d, r, q, job);
}

static void handoff_committed(struct daemon *d, struct peers_request *q,
			      const struct store_result *res)
{
	json_t *reply;

	if (res->status != STORE_OK) {
		log_err("handoff not stored: %s", res->error);
		if (q->r)
			http_error(q->r, 503, "not stored (%s); try again", res->error);
		return;
	}
	if (!res->duplicate) {
		d->peers->handoffs_received++;
		peers_add_received(d->peers, res->contact_id, q->body, util_now_ms());
		log_info("handoff %s received from %s (%s, %s)",
			 json_string_value(json_object_get(q->body, "code")),
			 json_string_value(json_object_get(q->body, "desk")),
			 json_string_value(json_object_get(q->body, "country")),
			 json_string_value(json_object_get(q->body, "lang")));
		handle_handover_queue_changed(d);
	}
	if (!q->r)
		return;
	reply = json_pack("{s:I,s:O}", "handoff", (json_int_t)res->contact_id, "code",
			  json_object_get(q->body, "code"));
	if (res->duplicate)
		json_object_set_new(reply, "duplicate", json_true());
	reply_json(q->r, 200, reply);
}

/* --- POST /api/v1/handoffs/feedback --------------------------------------- */

/* The peer whose secret signed the request: the check must be about a
 * referral to that peer's destination. */
static const struct conf_peer *feedback_peer(struct daemon *d, const struct signed_request *sr,
					     char *why, size_t whylen)
{
	for (size_t i = 0; i < d->conf.n_peers; i++)
		if (!handoff_verify(d->conf.peers[i].secret, sr->timestamp, sr->signature, sr->body,
				    sr->len, (int64_t)time(NULL), why, whylen))
			return &d->conf.peers[i];
	return NULL;
}

int peers_routes_handoffs_feedback(struct http_req *r)
{
	struct daemon *d = http_daemon(r);
	const struct conf_peer *peer;
	struct signed_request sr;
	struct feedback_msg m;
	struct peers_request *q;
	struct store_job *job;
	char err[256];
	json_t *body;

	if (!d->conf.n_peers)
		return http_error(r, 404,
				  "this desk sends no handoffs: no \"peers\" are configured");
	if (signed_read(r, &sr, HANDOFF_BODY_MAX))
		return 0;
	if (!(peer = feedback_peer(d, &sr, err, sizeof(err))))
		return signed_refuse(r, "referral check", sr.desk, err);
	if (!(body = signed_json(r, &sr)))
		return 0;
	if (handoff_feedback_parse(body, &m, err, sizeof(err))) {
		json_decref(body);
		return http_error(r, 400, "%s", err);
	}
	if (strcmp(m.destination, peer->destination)) {
		json_decref(body);
		return http_error(
			r, 400,
			"signed with the secret of the peer for %s, but about a referral to %s",
			peer->destination, m.destination);
	}
	if (!(job = handoff_rows_feedback_new(&m, util_now_ms())) ||
	    !(q = request_new(r, REQ_FEEDBACK))) {
		if (job)
			job->free(job);
		json_decref(body);
		return http_error(r, 500, "out of memory");
	}
	q->body = body;
	q->check = m;
	return request_submit_one(d, r, q, job);
}

static void feedback_committed(struct daemon *d, struct peers_request *q,
			       const struct store_result *res)
{
	const struct feedback_msg *m = &q->check;

	if (res->status != STORE_OK) {
		log_err("referral check not stored: %s", res->error);
		if (q->r)
			http_error(q->r, 503, "not stored (%s); try again", res->error);
		return;
	}
	if (!res->contact_id) {
		log_warn("referral check from %s for an unknown handoff %s to %s", m->desk, m->code,
			 m->destination);
		if (q->r)
			http_error(q->r, 422, "no handoff %s with that contact key was sent to %s",
				   m->code, m->destination);
		return;
	}
	if (!res->duplicate) {
		d->peers->checks_received++;
		peers_count_check(d->peers, m->destination, m->referral_check,
				  m->correct_destination, m->code, m->desk,
				  m->checked ? m->checked : util_now_ms());
		log_info("handoff %s to %s: %s by %s%s%s", m->code, m->destination,
			 m->referral_check, m->desk,
			 m->correct_destination ? ", should have gone to " : "",
			 m->correct_destination ? m->correct_destination : "");
		handle_stats_changed(d);
	}
	if (q->r) {
		json_t *reply = json_pack("{s:s,s:s}", "code", m->code, "referral_check",
					  m->referral_check);
		if (res->duplicate)
			json_object_set_new(reply, "duplicate", json_true());
		reply_json(q->r, 200, reply);
	}
}

/* --- POST /api/v1/ingest (collector) -------------------------------------- */

/* Store one contact of the batch under "desk/key", so that keys of
 * different desks never meet; the desk column says whose it is. */
static int ingest_submit(struct daemon *d, const char *desk, const struct ingest_contact *ic,
			 struct peers_request *q)
{
	char key[256];
	struct contact ct = {
		.started_ms = ic->started,
		.finished_ms = ic->finished,
		.key = key,
		.channel = ic->channel,
		.country = ic->country,
		.lang = ic->lang,
		.rules_version = ic->rules_version,
		.path_json = ic->path_json,
		.facts_json = ic->facts_json,
		.suggested = ic->suggested,
		.destination = ic->destination,
		.category = ic->category,
		.outcome = ic->outcome,
		.referral_reason = ic->referral_reason,
		.on_behalf = ic->on_behalf,
		.relation = ic->relation,
		.age_band = ic->age_band,
		.period = ic->period,
		.desk = desk,
	};

	snprintf(key, sizeof(key), "%s/%s", desk, ic->key);
	return store_submit(d->store, &ct, request_done, q);
}

/* Step 1: a collector's batch, authenticated and of the right shape: its
 * body (new reference), or NULL once answered, with *rc the route's return. */
static json_t *peers_routes_ingest_read(struct http_req *r, struct daemon *d, int *rc)
{
	const struct conf_sender *sender;
	struct signed_request sr;
	const char *desk;
	json_t *body = NULL, *list;

	*rc = 0;
	if (!d->conf.collector_mode) {
		*rc = http_error(r, 404,
				 "this daemon is not a collector (start it with --collector)");
		return NULL;
	}
	if (signed_read(r, &sr, 1024 * 1024))
		return NULL;
	if (!(sender = conf_sender_find(&d->conf, sr.desk))) {
		*rc = signed_refuse(r, "contacts", sr.desk,
				    "this collector takes nothing from that desk");
		return NULL;
	}
	if (signed_check(r, &sr, sender->secret, "contacts") || !(body = signed_json(r, &sr)))
		return NULL;
	desk = json_string_value(json_object_get(body, "desk"));
	list = json_object_get(body, "contacts");
	if (!json_is_integer(json_object_get(body, "v")) ||
	    json_integer_value(json_object_get(body, "v")) != 1 || !desk || strcmp(desk, sr.desk) ||
	    !json_is_array(list) || json_array_size(list) > INGEST_MAX) {
		*rc = http_error(
			r, 400,
			"the body must be {\"v\": 1, \"desk\": X-Vegvisar-Desk, \"contacts\": [at most %d]}",
			INGEST_MAX);
		json_decref(body);
		return NULL;
	}
	return body;
}

/* Step 3: hand the n parsed contacts to the store, each counted on q. 1
 * when q now waits for their commits (the request list owns it). */
static int peers_routes_ingest_queue(struct daemon *d, struct http_req *r, const char *desk,
				     const struct ingest_contact *ics, size_t n,
				     struct peers_request *q)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ingest_submit(d, desk, &ics[i], q))
			break;
		q->outstanding++;
	}
	if (i < n) {
		/* The store is full: the ones queued still come back; say no now. */
		q->failed = 1;
		http_error(r, 503, "the store's queue is full; try again");
		q->r = NULL;
	}
	if (!q->outstanding)
		return 0;
	request_wait(d, q);
	return 1;
}

int peers_routes_ingest(struct http_req *r)
{
	struct daemon *d = http_daemon(r);
	struct ingest_contact *ics = NULL;
	struct peers_request *q = NULL;
	char err[256];
	json_t *body, *list, *o;
	size_t i, n, parsed = 0;
	int rc = 0;

	if (!(body = peers_routes_ingest_read(r, d, &rc)))
		return rc;
	list = json_object_get(body, "contacts");
	n = json_array_size(list);
	if (!(ics = calloc(n ? n : 1, sizeof(*ics))) || !(q = request_new(r, REQ_INGEST))) {
		rc = http_error(r, 500, "out of memory");
		goto out;
	}
	/* Step 2, all or nothing: a batch with one bad contact is refused whole. */
	json_array_foreach(list, i, o) {
		if (handoff_ingest_parse(o, &ics[i], err, sizeof(err))) {
			rc = http_error(r, 400, "contacts[%zu]: %s", i, err);
			goto out;
		}
		parsed++;
	}
	if (!n)
		rc = reply_json(r, 200, json_pack("{s:i,s:i}", "stored", 0, "duplicates", 0));
	else if (peers_routes_ingest_queue(d, r, json_string_value(json_object_get(body, "desk")),
					   ics, n, q))
		q = NULL;
out:
	for (i = 0; i < parsed; i++)
		handoff_ingest_free(&ics[i]);
	free(ics);
	if (q)
		request_free(q);
	json_decref(body);
	return rc;
}

static void ingest_result(struct daemon *d, struct peers_request *q, const struct store_result *res)
{
	if (res->status != STORE_OK) {
		if (!q->failed)
			snprintf(q->error, sizeof(q->error), "%s", res->error);
		q->failed = 1;
	} else if (res->duplicate) {
		q->duplicates++;
	} else {
		q->stored++;
		d->peers->contacts_ingested++;
	}
	if (q->outstanding > 1 || !q->r)
		return;
	if (q->failed) {
		log_err("contacts from a desk not all stored: %s", q->error);
		http_error(q->r, 503, "not all stored (%s); send the batch again", q->error);
		return;
	}
	reply_json(q->r, 200,
		   json_pack("{s:I,s:I}", "stored", (json_int_t)q->stored, "duplicates",
			     (json_int_t)q->duplicates));
}

/* --- results ------------------------------------------------------------- */

/* The completion of each store write a request made (store_done_fn, arg q):
 * the request answers once its last one has come back. */
static void request_done(void *arg, const struct store_result *res)
{
	struct peers_request *q = arg, **pp;
	struct daemon *d = q->d;
	struct peers *p = d->peers;

	switch (q->kind) {
	case REQ_HANDOFF:
		handoff_committed(d, q, res);
		break;
	case REQ_FEEDBACK:
		feedback_committed(d, q, res);
		break;
	case REQ_INGEST:
		ingest_result(d, q, res);
		break;
	}
	if (--q->outstanding)
		return;
	/* Usually the head: writes come back in submission order. */
	p->waiting_tail = NULL;
	for (pp = &p->waiting; *pp; pp = &(*pp)->next) {
		if (*pp == q)
			*pp = q->next;
		if (!*pp)
			break;
		p->waiting_tail = *pp;
	}
	request_free(q);
}
