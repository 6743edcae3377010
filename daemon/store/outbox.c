/* outbox.c - the delivery thread: due outbox rows go out through libcurl's
 * multi interface, and each comes back delivered, due again later, or dead.
 * See outbox.h. The service thread only ever calls outbox_kick() (a flag
 * and curl_multi_wakeup) and reads counters. */
#include "outbox.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "conf/conf.h"
#include "base/crypto.h"
#include "desk/handoff.h"
#include "base/log.h"

#define OUTBOX_ACTIVE_MAX 8   /* handoffs and checks in flight at once */
#define OUTBOX_SCAN_ROWS 256  /* due rows read per look */
#define OUTBOX_BATCH_ROWS 200 /* contacts per collector request */
#define OUTBOX_BATCH_BYTES (512 * 1024)
#define OUTBOX_RESPONSE_MAX (64 * 1024)               /* a bigger answer aborts the transfer */
#define OUTBOX_IDLE_MS 60000                          /* look again at least this often */
#define OUTBOX_MIN_SCAN_MS 20                         /* a burst of kicks costs one look per this */
#define OUTBOX_KEEP_DELIVERED_MS (7LL * 86400 * 1000) /* then delivered rows are deleted */
#define OUTBOX_TARGETS 64 /* remembered for "failing"/"delivering again" logs */

static const char *const kind_names[] = { "handoff", "feedback", "collector" };

/* One request in flight: one row, or a batch of collector rows. */
struct outbox_transfer {
	CURL *easy;
	struct curl_slist *headers;
	enum outbox_kind kind;
	char target[64];
	char *body;
	size_t n; /* rows */
	int64_t *ids;
	int *attempts; /* failed attempts before this one, per row */
	int64_t *created;
	char *resp; /* the answer, up to OUTBOX_RESPONSE_MAX */
	size_t resp_len;
	int resp_overflow;
	char errbuf[CURL_ERROR_SIZE];
	struct outbox_transfer *next;
};

struct outbox {
	const struct conf *conf;
	char *path;
	sqlite3 *db; /* the thread's own connection */
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t lock; /* guards kicked and stopping */
	int kicked, stopping;
	struct outbox_transfer *active; /* thread only */
	size_t n_active;
	int collector_busy;
	int64_t next_scan, last_scan, next_sweep;
	unsigned seed;
	struct {
		char name[64];
		int failing;
	} targets[OUTBOX_TARGETS];
	/* Written by the thread, read by anyone: __atomic. */
	struct outbox_counters counters;
};

const char *outbox_kind_name(enum outbox_kind k)
{
	return k < OUTBOX_KINDS ? kind_names[k] : "?";
}

static int outbox_kind_of(const char *name)
{
	for (int k = 0; k < OUTBOX_KINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

static int64_t outbox_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int outbox_insert(sqlite3 *db, enum outbox_kind kind, const char *target, const char *body,
		  int64_t now_ms)
{
	static const char sql[] = "INSERT INTO outbox (kind, target, body, created_ms, due_ms)"
				  " VALUES (?1, ?2, ?3, ?4, ?4)";
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, kind_names[kind], -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, target, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, now_ms);
		rc = sqlite3_step(q);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(q);
	return rc;
}

/* --- counters ------------------------------------------------------------ */

static void count_add(unsigned long long *c, unsigned long long n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

void outbox_counters(struct outbox *ob, struct outbox_counters *out)
{
	for (int k = 0; k < OUTBOX_KINDS; k++) {
		out->delivered[k] = __atomic_load_n(&ob->counters.delivered[k], __ATOMIC_RELAXED);
		out->failed[k] = __atomic_load_n(&ob->counters.failed[k], __ATOMIC_RELAXED);
		out->dead[k] = __atomic_load_n(&ob->counters.dead[k], __ATOMIC_RELAXED);
		out->pending[k] = __atomic_load_n(&ob->counters.pending[k], __ATOMIC_RELAXED);
		out->dead_letters[k] =
			__atomic_load_n(&ob->counters.dead_letters[k], __ATOMIC_RELAXED);
	}
	out->oldest_pending_ms = __atomic_load_n(&ob->counters.oldest_pending_ms, __ATOMIC_RELAXED);
}

/* --- one request --------------------------------------------------------- */

static size_t outbox_on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct outbox_transfer *t = arg;
	size_t len = size * nmemb;
	char *grown;

	/* A peer that answers with more than this is not one of ours: abort. */
	if (t->resp_len + len > OUTBOX_RESPONSE_MAX) {
		t->resp_overflow = 1;
		return 0;
	}
	if (!(grown = realloc(t->resp, t->resp_len + len + 1)))
		return 0;
	t->resp = grown;
	memcpy(t->resp + t->resp_len, data, len);
	t->resp_len += len;
	t->resp[t->resp_len] = '\0';
	return len;
}

static void transfer_free(struct outbox_transfer *t)
{
	if (!t)
		return;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	free(t->body);
	free(t->ids);
	free(t->attempts);
	free(t->created);
	free(t->resp);
	free(t);
}

static struct outbox_transfer *transfer_new(enum outbox_kind kind, const char *target, size_t cap)
{
	struct outbox_transfer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->kind = kind;
	snprintf(t->target, sizeof(t->target), "%s", target);
	t->ids = calloc(cap, sizeof(*t->ids));
	t->attempts = calloc(cap, sizeof(*t->attempts));
	t->created = calloc(cap, sizeof(*t->created));
	if (!t->ids || !t->attempts || !t->created) {
		transfer_free(t);
		return NULL;
	}
	return t;
}

/* Where a kind and target go now: the current config, so a changed URL or
 * a rotated secret applies to messages already waiting. */
static int outbox_endpoint(struct outbox *ob, enum outbox_kind kind, const char *target,
			   const char **url, const char **secret)
{
	const struct conf_peer *p;
	const struct conf_sender *s;

	*url = *secret = NULL;
	if (kind == OUTBOX_HANDOFF && (p = conf_peer_find(ob->conf, target))) {
		*url = p->url;
		*secret = p->secret;
	} else if (kind == OUTBOX_FEEDBACK && (s = conf_sender_find(ob->conf, target))) {
		*url = s->feedback_url;
		*secret = s->secret;
	} else if (kind == OUTBOX_COLLECTOR) {
		*url = ob->conf->collector_url;
		*secret = ob->conf->collector_secret;
	}
	return *url && *secret ? 0 : -1;
}

static int outbox_header(struct outbox_transfer *t, const char *fmt, const char *value)
{
	char line[256];
	struct curl_slist *l;

	snprintf(line, sizeof(line), fmt, value);
	if (!(l = curl_slist_append(t->headers, line)))
		return -1;
	t->headers = l;
	return 0;
}

/* Sign the body now (a retry gets a fresh timestamp) and hand it to curl. */
static int transfer_start(struct outbox *ob, struct outbox_transfer *t, char *why, size_t whylen)
{
	const struct conf_delivery *dl = &ob->conf->delivery;
	const char *url, *secret;
	char sig[HANDOFF_SIG_LEN + 1], ts[24];
	int64_t now_s = outbox_now() / 1000;
	CURL *e;

	if (outbox_endpoint(ob, t->kind, t->target, &url, &secret)) {
		snprintf(why, whylen, "no %s is configured for \"%s\"",
			 t->kind == OUTBOX_FEEDBACK  ? "senders[].feedback_url"
			 : t->kind == OUTBOX_HANDOFF ? "peer"
						     : "collector",
			 t->target);
		return -1;
	}
	if (conf_url_check(url, why, whylen)) /* checked at load; never plain http elsewhere */
		return -1;
	handoff_sign(secret, now_s, t->body, strlen(t->body), sig);
	snprintf(ts, sizeof(ts), "%lld", (long long)now_s);
	if (!(e = t->easy = curl_easy_init()) ||
	    outbox_header(t, "%s", "Content-Type: application/json") ||
	    outbox_header(t, "X-Vegvisar-Desk: %s", ob->conf->desk) ||
	    outbox_header(t, "X-Vegvisar-Timestamp: %s", ts) ||
	    outbox_header(t, "X-Vegvisar-Signature: %s", sig) ||
	    outbox_header(t, "%s", "Expect:")) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
			 conf_url_is_loopback_http(url) ? "http" : "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)dl->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)dl->timeout_ms);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(t->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "vegvisard/" VV_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, outbox_on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	if (curl_multi_add_handle(ob->multi, e) != CURLM_OK) {
		snprintf(why, whylen, "curl would not take the transfer");
		return -1;
	}
	t->next = ob->active;
	ob->active = t;
	ob->n_active++;
	if (t->kind == OUTBOX_COLLECTOR)
		ob->collector_busy = 1;
	return 0;
}

/* --- marking rows -------------------------------------------------------- */

/* The next try after the failed-th failure: base·2^(failed-1), at most
 * max_delay, with jitter over its upper half so that rows that failed
 * together do not all come back at the same moment. */
static int64_t outbox_backoff(struct outbox *ob, int failed)
{
	const struct conf_delivery *dl = &ob->conf->delivery;
	int64_t delay = dl->retry_base_ms;

	for (int i = 1; i < failed && delay < dl->max_delay_ms; i++)
		delay *= 2;
	if (delay > dl->max_delay_ms)
		delay = dl->max_delay_ms;
	return delay / 2 + (int64_t)(rand_r(&ob->seed) % (unsigned)(delay / 2 + 1));
}

static int outbox_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The outcome of one transfer for each of its rows, in one transaction.
 * permanent: the receiver will never take it (400, 413, 422): dead now. */
static void outbox_mark(struct outbox *ob, struct outbox_transfer *t, int delivered, int permanent,
			const char *error)
{
	static const char sql_done[] =
		"UPDATE outbox SET state = 'delivered', attempts = attempts + 1,"
		" done_ms = ?2, last_error = NULL WHERE id = ?1 AND state = 'pending'";
	static const char sql_retry[] = "UPDATE outbox SET attempts = attempts + 1, due_ms = ?2,"
					" last_error = ?3 WHERE id = ?1 AND state = 'pending'";
	static const char sql_dead[] =
		"UPDATE outbox SET state = 'dead', attempts = attempts + 1,"
		" done_ms = ?2, last_error = ?3 WHERE id = ?1 AND state = 'pending'";
	const int64_t max_age = (int64_t)ob->conf->delivery.max_age_seconds * 1000;
	sqlite3_stmt *q[3] = { NULL, NULL, NULL };
	int64_t now = outbox_now();
	size_t dead = 0;
	int rc;

	rc = outbox_exec(ob->db, "BEGIN IMMEDIATE");
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(ob->db, sql_done, -1, &q[0], NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(ob->db, sql_retry, -1, &q[1], NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(ob->db, sql_dead, -1, &q[2], NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < t->n; i++) {
		int give_up = permanent || now >= t->created[i] + max_age;
		sqlite3_stmt *s = delivered ? q[0] : give_up ? q[2] : q[1];
		int64_t due = now + outbox_backoff(ob, t->attempts[i] + 1);

		/* The last try falls at max_age, not past it. */
		if (due > t->created[i] + max_age)
			due = t->created[i] + max_age;
		sqlite3_bind_int64(s, 1, t->ids[i]);
		sqlite3_bind_int64(s, 2, delivered || give_up ? now : due);
		if (!delivered)
			sqlite3_bind_text(s, 3, error, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_reset(s);
		dead += !delivered && give_up;
	}
	if (rc == SQLITE_OK)
		rc = outbox_exec(ob->db, "COMMIT");
	for (int i = 0; i < 3; i++)
		sqlite3_finalize(q[i]);
	if (rc != SQLITE_OK) {
		/* The rows stay as they were: due, so they are sent again (the
		 * receiver deduplicates). Wait a moment before looking again. */
		log_warn("outbox: cannot record the outcome of %zu %s message%s: %s", t->n,
			 kind_names[t->kind], t->n == 1 ? "" : "s", sqlite3_errmsg(ob->db));
		outbox_exec(ob->db, "ROLLBACK");
		ob->next_scan = now + 1000;
		return;
	}
	if (delivered) {
		count_add(&ob->counters.delivered[t->kind], t->n);
	} else {
		count_add(&ob->counters.failed[t->kind], t->n);
		count_add(&ob->counters.dead[t->kind], dead);
		__atomic_add_fetch(&ob->counters.dead_letters[t->kind], (long long)dead,
				   __ATOMIC_RELAXED);
		if (dead)
			log_err("outbox: %zu %s message%s for %s given up after %d s or a refusal "
				"(dead letter): %s",
				dead, kind_names[t->kind], dead == 1 ? "" : "s", t->target,
				ob->conf->delivery.max_age_seconds, error);
	}
}

/* Say once when a target starts failing and once when it recovers. */
static void outbox_target_state(struct outbox *ob, const char *target, int failing,
				const char *error)
{
	int free_slot = -1, i;

	for (i = 0; i < OUTBOX_TARGETS; i++) {
		if (!strcmp(ob->targets[i].name, target))
			break;
		if (free_slot < 0 && !ob->targets[i].name[0])
			free_slot = i;
	}
	if (i == OUTBOX_TARGETS) {
		if (!failing || free_slot < 0)
			return;
		i = free_slot;
		snprintf(ob->targets[i].name, sizeof(ob->targets[i].name), "%s", target);
	}
	if (failing && !ob->targets[i].failing)
		log_warn("outbox: deliveries to %s are failing (%s); retrying with back-off",
			 target, error);
	else if (!failing && ob->targets[i].failing)
		log_notice("outbox: deliveries to %s work again", target);
	ob->targets[i].failing = failing;
}

static void transfer_done(struct outbox *ob, struct outbox_transfer *t, CURLcode res)
{
	char error[200];
	long status = 0;
	int ok, permanent;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	ok = res == CURLE_OK && status >= 200 && status < 300;
	permanent = res == CURLE_OK && (status == 400 || status == 413 || status == 422);
	if (res != CURLE_OK)
		snprintf(error, sizeof(error), "%.180s",
			 t->resp_overflow ? "the answer was over 64 KiB"
			 : t->errbuf[0]   ? t->errbuf
					  : curl_easy_strerror(res));
	else
		snprintf(error, sizeof(error), "HTTP %ld: %.120s", status, t->resp ? t->resp : "");
	error[strcspn(error, "\r\n")] = '\0';
	outbox_mark(ob, t, ok, permanent, error);
	outbox_target_state(ob, t->target, !ok, error);
	if (ok)
		log_info("outbox: %zu %s message%s delivered to %s", t->n, kind_names[t->kind],
			 t->n == 1 ? "" : "s", t->target);
	else
		log_info("outbox: %zu %s message%s for %s not delivered: %s", t->n,
			 kind_names[t->kind], t->n == 1 ? "" : "s", t->target, error);
}

/* Collect finished transfers; returns how many. */
static int outbox_collect(struct outbox *ob)
{
	CURLMsg *msg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(ob->multi, &left))) {
		struct outbox_transfer *t = NULL, **pp;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		transfer_done(ob, t, msg->data.result);
		curl_multi_remove_handle(ob->multi, t->easy);
		for (pp = &ob->active; *pp; pp = &(*pp)->next) {
			if (*pp == t) {
				*pp = t->next;
				break;
			}
		}
		ob->n_active--;
		if (t->kind == OUTBOX_COLLECTOR)
			ob->collector_busy = 0;
		transfer_free(t);
		n++;
	}
	return n;
}

/* --- finding due rows ---------------------------------------------------- */

static int outbox_in_flight(struct outbox *ob, int64_t id)
{
	for (struct outbox_transfer *t = ob->active; t; t = t->next)
		for (size_t i = 0; i < t->n; i++)
			if (t->ids[i] == id)
				return 1;
	return 0;
}

/* A transfer that could not even start counts as a failed attempt. */
static void outbox_start_or_fail(struct outbox *ob, struct outbox_transfer *t)
{
	char why[200];

	if (transfer_start(ob, t, why, sizeof(why)) == 0)
		return;
	outbox_mark(ob, t, 0, 0, why);
	outbox_target_state(ob, t->target, 1, why);
	transfer_free(t);
}

/* Append one collector row to the batch being built. */
static int batch_add(struct outbox_transfer *b, int64_t id, int attempts, int64_t created,
		     const char *body)
{
	size_t have = b->body ? strlen(b->body) : 0, add = strlen(body) + 1;
	char *grown = realloc(b->body, have + add + 1);

	if (!grown)
		return -1;
	b->body = grown;
	memcpy(b->body + have, have ? "," : "[", 1);
	memcpy(b->body + have + 1, body, add);
	b->ids[b->n] = id;
	b->attempts[b->n] = attempts;
	b->created[b->n] = created;
	b->n++;
	return 0;
}

/* {"v":1,"desk":…,"contacts":[…]} around the rows gathered. */
static int batch_seal(struct outbox *ob, struct outbox_transfer *b)
{
	char *body;

	if (!b->body || asprintf(&body, "{\"v\":1,\"desk\":\"%s\",\"contacts\":%s]}",
				 ob->conf->desk, b->body) < 0)
		return -1;
	free(b->body);
	b->body = body;
	return 0;
}

/* The gauges: what waits, and since when. */
static void outbox_gauges(struct outbox *ob)
{
	static const char sql[] = "SELECT kind, count(*), min(created_ms) FROM outbox"
				  " WHERE state = 'pending' GROUP BY kind";
	long long pending[OUTBOX_KINDS] = { 0 };
	int64_t oldest = 0;
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(ob->db, sql, -1, &q, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(q) == SQLITE_ROW) {
		int k = outbox_kind_of((const char *)sqlite3_column_text(q, 0));
		int64_t first = sqlite3_column_int64(q, 2);
		if (k < 0)
			continue;
		pending[k] = sqlite3_column_int64(q, 1);
		if (!oldest || first < oldest)
			oldest = first;
	}
	sqlite3_finalize(q);
	for (int k = 0; k < OUTBOX_KINDS; k++)
		__atomic_store_n(&ob->counters.pending[k], pending[k], __ATOMIC_RELAXED);
	__atomic_store_n(&ob->counters.oldest_pending_ms, oldest, __ATOMIC_RELAXED);
}

/* When the first row not yet due falls due (or a minute from now). */
static int64_t outbox_next_due(struct outbox *ob, int64_t now)
{
	static const char sql[] =
		"SELECT min(due_ms) FROM outbox WHERE state = 'pending' AND due_ms > ?1";
	int64_t next = now + OUTBOX_IDLE_MS;
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(ob->db, sql, -1, &q, NULL) != SQLITE_OK)
		return now + 1000;
	sqlite3_bind_int64(q, 1, now);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(q, 0) < next)
		next = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return next;
}

/* Start a transfer for each due row not in flight: handoffs and checks one
 * by one (at most OUTBOX_ACTIVE_MAX at once), collector rows in one batch. */
static void outbox_scan(struct outbox *ob, int64_t now)
{
	static const char sql[] =
		"SELECT id, kind, target, body, attempts, created_ms FROM outbox"
		" WHERE state = 'pending' AND due_ms <= ?1 ORDER BY due_ms, id LIMIT ?2";
	struct outbox_transfer *batch = NULL;
	sqlite3_stmt *q;
	int held_back = 0, rc;

	ob->last_scan = now;
	if (sqlite3_prepare_v2(ob->db, sql, -1, &q, NULL) != SQLITE_OK) {
		log_warn("outbox: cannot read the outbox: %s", sqlite3_errmsg(ob->db));
		ob->next_scan = now + 1000;
		return;
	}
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int(q, 2, OUTBOX_SCAN_ROWS);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(q, 0);
		int k = outbox_kind_of((const char *)sqlite3_column_text(q, 1));
		const char *target = (const char *)sqlite3_column_text(q, 2);
		const char *body = (const char *)sqlite3_column_text(q, 3);
		int attempts = sqlite3_column_int(q, 4);
		int64_t created = sqlite3_column_int64(q, 5);
		struct outbox_transfer *t;

		if (k < 0 || outbox_in_flight(ob, id))
			continue;
		if (k == OUTBOX_COLLECTOR) {
			if (ob->collector_busy ||
			    (batch && (batch->n == OUTBOX_BATCH_ROWS ||
				       strlen(batch->body) > OUTBOX_BATCH_BYTES))) {
				held_back = 1;
				continue;
			}
			if (!batch && !(batch = transfer_new(OUTBOX_COLLECTOR, "collector",
							     OUTBOX_BATCH_ROWS)))
				break;
			if (batch_add(batch, id, attempts, created, body))
				break;
			continue;
		}
		if (ob->n_active >= OUTBOX_ACTIVE_MAX) {
			held_back = 1;
			continue;
		}
		if (!(t = transfer_new((enum outbox_kind)k, target, 1)) ||
		    !(t->body = strdup(body))) {
			transfer_free(t);
			break;
		}
		t->ids[0] = id;
		t->attempts[0] = attempts;
		t->created[0] = created;
		t->n = 1;
		outbox_start_or_fail(ob, t);
	}
	sqlite3_finalize(q);
	if (batch && batch_seal(ob, batch) == 0)
		outbox_start_or_fail(ob, batch);
	else
		transfer_free(batch);
	outbox_gauges(ob);
	/* Rows held back go as soon as a transfer finishes (that kicks); the
	 * second is a backstop. */
	ob->next_scan = held_back ? now + 1000 : outbox_next_due(ob, now);
}

/* Delivered rows are kept a week for inspection, then deleted. */
static void outbox_sweep(struct outbox *ob, int64_t now)
{
	sqlite3_stmt *q;

	ob->next_sweep = now + 3600000;
	if (sqlite3_prepare_v2(ob->db,
			       "DELETE FROM outbox WHERE state = 'delivered' AND done_ms < ?1", -1,
			       &q, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(q, 1, now - OUTBOX_KEEP_DELIVERED_MS);
	if (sqlite3_step(q) != SQLITE_DONE)
		log_warn("outbox: cannot delete old delivered rows: %s", sqlite3_errmsg(ob->db));
	sqlite3_finalize(q);
}

/* --- the thread ---------------------------------------------------------- */

static void *outbox_run(void *arg)
{
	struct outbox *ob = arg;
	int running, kicked;

	for (;;) {
		int64_t now = outbox_now(), wait;

		pthread_mutex_lock(&ob->lock);
		kicked = ob->kicked;
		if (ob->stopping) {
			pthread_mutex_unlock(&ob->lock);
			break;
		}
		/* A burst of commits costs one look per OUTBOX_MIN_SCAN_MS. */
		if (kicked && now - ob->last_scan >= OUTBOX_MIN_SCAN_MS)
			ob->kicked = 0;
		else
			kicked = 0;
		pthread_mutex_unlock(&ob->lock);
		if (now >= ob->next_sweep)
			outbox_sweep(ob, now);
		if (kicked || now >= ob->next_scan)
			outbox_scan(ob, now);
		curl_multi_perform(ob->multi, &running);
		if (outbox_collect(ob))
			ob->next_scan = now; /* room for rows held back, and retries due */
		wait = ob->next_scan - outbox_now();
		pthread_mutex_lock(&ob->lock);
		if (ob->kicked)
			wait = OUTBOX_MIN_SCAN_MS - (outbox_now() - ob->last_scan);
		pthread_mutex_unlock(&ob->lock);
		if (wait > 1000)
			wait = 1000;
		if (wait > 0)
			curl_multi_poll(ob->multi, NULL, 0, (int)wait, NULL);
	}
	while (ob->active) {
		struct outbox_transfer *t = ob->active;
		ob->active = t->next;
		curl_multi_remove_handle(ob->multi, t->easy);
		transfer_free(t);
	}
	return NULL;
}

/* The dead letters so far, for the gauge. */
static void outbox_count_dead(struct outbox *ob)
{
	sqlite3_stmt *q;

	if (sqlite3_prepare_v2(
		    ob->db, "SELECT kind, count(*) FROM outbox WHERE state = 'dead' GROUP BY kind",
		    -1, &q, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(q) == SQLITE_ROW) {
		int k = outbox_kind_of((const char *)sqlite3_column_text(q, 0));
		if (k >= 0)
			ob->counters.dead_letters[k] = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
}

static void outbox_free(struct outbox *ob)
{
	if (ob->multi)
		curl_multi_cleanup(ob->multi);
	if (ob->db)
		sqlite3_close(ob->db);
	pthread_mutex_destroy(&ob->lock);
	free(ob->path);
	free(ob);
}

struct outbox *outbox_start(const struct conf *c, const char *db, char *err, size_t errlen)
{
	struct outbox *ob = calloc(1, sizeof(*ob));
	int rc;

	if (!ob) {
		snprintf(err, errlen, "outbox: out of memory");
		return NULL;
	}
	pthread_mutex_init(&ob->lock, NULL);
	ob->conf = c;
	ob->path = strdup(db);
	if (crypto_random(&ob->seed, sizeof(ob->seed)))
		ob->seed = (unsigned)outbox_now();
	/* Before any thread uses curl; the daemon has no other user of it. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(ob->multi = curl_multi_init())) {
		snprintf(err, errlen, "outbox: cannot initialise libcurl");
		goto fail;
	}
	/* Its own connection, used by its thread alone. synchronous=NORMAL:
	 * a "delivered" mark lost in a power cut only means one more send,
	 * which the receiver deduplicates. */
	rc = sqlite3_open_v2(db, &ob->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "outbox: %s: cannot open: %s", db,
			 ob->db ? sqlite3_errmsg(ob->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(ob->db, 5000);
	outbox_exec(ob->db, "PRAGMA synchronous = NORMAL");
	outbox_count_dead(ob);
	rc = pthread_create(&ob->thread, NULL, outbox_run, ob);
	if (rc != 0) {
		snprintf(err, errlen, "outbox: cannot start the delivery thread: %s", strerror(rc));
		goto fail;
	}
	return ob;
fail:
	outbox_free(ob);
	return NULL;
}

void outbox_kick(struct outbox *ob)
{
	if (!ob)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->kicked = 1;
	pthread_mutex_unlock(&ob->lock);
	curl_multi_wakeup(ob->multi);
}

void outbox_stop(struct outbox *ob)
{
	if (!ob)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->stopping = 1;
	pthread_mutex_unlock(&ob->lock);
	curl_multi_wakeup(ob->multi);
	pthread_join(ob->thread, NULL);
	outbox_free(ob);
	curl_global_cleanup();
}
