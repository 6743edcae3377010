/* outbox.c - the delivery thread's life and loop: start, kick, stop, and
 * the loop that looks for due rows and runs curl (see outbox.h). The rows'
 * SQL is in outbox_rows.c, one request's curl work in outbox_transfer.c.
 * The service thread only ever calls outbox_kick() (a flag and
 * curl_multi_wakeup) and reads counters. */
#include "outbox.h"
#include "outbox_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "base/crypto.h"

static const char *const kind_names[] = { "handoff", "feedback", "collector" };

const char *outbox_kind_name(enum outbox_kind k)
{
	return k < OUTBOX_KINDS ? kind_names[k] : "?";
}

int outbox_kind_of(const char *name)
{
	for (int k = 0; k < OUTBOX_KINDS; k++)
		if (!strcmp(name, kind_names[k]))
			return k;
	return -1;
}

int64_t outbox_now(void)
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
			outbox_rows_sweep(ob, now);
		if (kicked || now >= ob->next_scan)
			outbox_rows_scan(ob, now);
		curl_multi_perform(ob->multi, &running);
		if (outbox_transfer_collect(ob))
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
		outbox_transfer_free(t);
	}
	return NULL;
}

static void outbox_free(struct outbox *ob)
{
	if (ob->multi)
		curl_multi_cleanup(ob->multi);
	if (ob->db)
		sqlite3_close(ob->db);
	pthread_mutex_destroy(&ob->lock);
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
	outbox_rows_exec(ob->db, "PRAGMA synchronous = NORMAL");
	outbox_rows_count_dead(ob);
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
