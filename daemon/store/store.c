/* store.c - the survey store: one SQLite file, one writer thread.
 *
 * The service thread only copies contacts into a queue (store_submit). The
 * writer thread takes everything waiting, inserts it in one transaction and
 * answers each contact only after COMMIT has returned: one fsync per batch
 * instead of one per row is what lets a slow disk keep up with a burst.
 * See docs/store.md. */
#include "store.h"
#include "base/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "base/log.h"
#include "store_schema.h"

/* Contacts submitted and not yet collected by store_poll_results (queued,
 * being written, or answered and not polled). Bounds memory and makes a
 * stuck disk push back on the service thread instead of growing forever. */
#ifndef STORE_QUEUE_MAX
#define STORE_QUEUE_MAX 65536
#endif

/* How long a write waits for a lock held by another connection (an admin's
 * sqlite3 shell, a backup) before the batch fails and is answered. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* ON CONFLICT DO NOTHING makes a repeated key a no-op we can detect with
 * sqlite3_changes(), so a new key (the common case) costs one statement. */
static const char store_sql_insert[] =
	"INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang,"
	" rules_version, path, facts, suggested, destination, category, outcome,"
	" referral_reason, on_behalf, relation, age_band, period, note, desk)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	" ?17, ?18, ?19, ?20) ON CONFLICT (key) DO NOTHING";
static const char store_sql_find[] = "SELECT id FROM contacts WHERE key = ?1";

/* One submitted contact, from store_submit until store_poll_results. The
 * strings of c point into text, so one malloc and one free per contact. */
struct store_item {
	struct store_item *next;
	struct contact c;
	struct store_result res;
	char text[];
};

/* A FIFO of items; the writer takes a whole one in O(1) under the lock. */
struct store_queue {
	struct store_item *head;
	struct store_item *tail;
	size_t len;
};

struct store {
	sqlite3 *db; /* used by one thread at a time: open, writer, close */
	char *path;  /* for log lines */
	sqlite3_stmt *begin;
	sqlite3_stmt *commit;
	sqlite3_stmt *rollback;
	sqlite3_stmt *insert;
	sqlite3_stmt *find;
	sqlite3_stmt *savepoint, *release, *rollback_to; /* around a contact with a job */

	pthread_mutex_t lock;       /* guards everything below */
	pthread_cond_t work;        /* contacts queued, or closing */
	struct store_queue pending; /* submitted, waiting for the writer */
	struct store_queue results; /* answered, waiting for store_poll_results */
	size_t in_flight;           /* taken by the writer, not yet answered */
	int stopping;

	/* The page-by-page check the writer runs before its first batch (see
	 * store_check_pages). Written by the writer under the lock. */
	pthread_cond_t checked; /* checking went back to 0 */
	int checking;           /* the check is running: store_close interrupts it */
	char damaged[112];      /* what the check found; "" while the store is sound */

	pthread_t writer;
	int started;
	void (*wake)(void *arg);
	void *wake_arg;
	unsigned long failed_batches; /* written by the writer, read by store_healthy (atomics) */

	/* Note expiry, see store_expire_notes() at the end of this file. */
	int64_t expire_cutoff;            /* lock: requested, not yet done; 0 if none */
	unsigned long expire_runs;        /* lock: completed runs */
	unsigned long long expire_erased; /* lock: notes erased in all runs */
	int64_t expire_target; /* writer only: cutoff of the run in progress, 0 if none */
	int64_t expire_lo;     /* writer only: the run has erased notes before this */
	int64_t expire_done;   /* writer only: cutoff of the last completed run */
	unsigned long long expire_run_erased; /* writer only */
};

/* Every string of struct contact, so copying one cannot be forgotten. */
static const size_t store_text_fields[] = {
	offsetof(struct contact, key),           offsetof(struct contact, channel),
	offsetof(struct contact, country),       offsetof(struct contact, lang),
	offsetof(struct contact, rules_version), offsetof(struct contact, path_json),
	offsetof(struct contact, facts_json),    offsetof(struct contact, suggested),
	offsetof(struct contact, destination),   offsetof(struct contact, category),
	offsetof(struct contact, outcome),       offsetof(struct contact, referral_reason),
	offsetof(struct contact, on_behalf),     offsetof(struct contact, relation),
	offsetof(struct contact, age_band),      offsetof(struct contact, period),
	offsetof(struct contact, note),          offsetof(struct contact, desk),
};
#define STORE_TEXT_FIELDS (sizeof(store_text_fields) / sizeof(store_text_fields[0]))

/* ---- opening: the file (store_schema.c), then our statements ---- */

static int store_prepare(struct store *st, const char *path, char *err, size_t errlen)
{
	const struct {
		sqlite3_stmt **stmt;
		const char *sql;
	} list[] = {
		{ &st->begin, "BEGIN IMMEDIATE" }, { &st->commit, "COMMIT" },
		{ &st->rollback, "ROLLBACK" },     { &st->insert, store_sql_insert },
		{ &st->find, store_sql_find },     { &st->savepoint, "SAVEPOINT job" },
		{ &st->release, "RELEASE job" },   { &st->rollback_to, "ROLLBACK TO job" },
	};
	size_t i;

	for (i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (sqlite3_prepare_v3(st->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
				       list[i].stmt, NULL) != SQLITE_OK) {
			util_fail(err, errlen, "%s: cannot prepare \"%s\": %s", path, list[i].sql,
				  sqlite3_errmsg(st->db));
			return -1;
		}
	}
	return 0;
}

/* Free whatever store_open got as far as creating. */
static void store_free(struct store *st)
{
	sqlite3_finalize(st->begin);
	sqlite3_finalize(st->commit);
	sqlite3_finalize(st->rollback);
	sqlite3_finalize(st->insert);
	sqlite3_finalize(st->find);
	sqlite3_finalize(st->savepoint);
	sqlite3_finalize(st->release);
	sqlite3_finalize(st->rollback_to);
	/* sqlite3_close checkpoints the WAL into the main file and removes it. */
	if (st->db && sqlite3_close(st->db) != SQLITE_OK)
		log_err("store: close: %s", sqlite3_errmsg(st->db));
	pthread_cond_destroy(&st->checked);
	pthread_cond_destroy(&st->work);
	pthread_mutex_destroy(&st->lock);
	free(st->path);
	free(st);
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
	struct store *st;
	int rc;

	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		util_fail(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_cond_init(&st->checked, NULL);
	/* NOMUTEX: the connection is only ever used by one thread at a time,
	 * handed over by pthread_create and pthread_join. */
	rc = sqlite3_open_v2(path, &st->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		util_fail(err, errlen, "%s: cannot open: %s", path,
			  st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (store_schema_open(st->db, path, err, errlen) < 0 ||
	    store_prepare(st, path, err, errlen) < 0)
		goto fail;
	log_info("store: %s: open, schema version %d, WAL, synchronous=FULL", path,
		 store_schema_version());
	return st;
fail:
	store_free(st);
	return NULL;
}

/* ---- queues ---- */

static void store_queue_push(struct store_queue *q, struct store_item *it)
{
	it->next = NULL;
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->len++;
}

/* Move all of from to the end of to. */
static void store_queue_move(struct store_queue *to, struct store_queue *from)
{
	if (!from->head)
		return;
	if (to->tail)
		to->tail->next = from->head;
	else
		to->head = from->head;
	to->tail = from->tail;
	to->len += from->len;
	memset(from, 0, sizeof(*from));
}

static void store_queue_free(struct store_queue *q)
{
	struct store_item *it, *next;

	for (it = q->head; it; it = next) {
		next = it->next;
		if (it->c.job)
			it->c.job->free(it->c.job);
		free(it);
	}
	memset(q, 0, sizeof(*q));
}

static const char *store_field(const struct contact *c, size_t off)
{
	return *(const char *const *)(const void *)((const char *)c + off);
}

/* Copy c and its strings into one allocation the store owns. */
static struct store_item *store_item_new(const struct contact *c, uint64_t ticket)
{
	struct store_item *it;
	const char *s;
	const char **field;
	size_t i, len, need = 0, used = 0;

	for (i = 0; i < STORE_TEXT_FIELDS; i++) {
		s = store_field(c, store_text_fields[i]);
		if (s)
			need += strlen(s) + 1;
	}
	it = malloc(sizeof(*it) + need);
	if (!it)
		return NULL;
	it->next = NULL;
	it->c = *c;
	memset(&it->res, 0, sizeof(it->res));
	it->res.ticket = ticket;
	it->res.status = STORE_OK;
	for (i = 0; i < STORE_TEXT_FIELDS; i++) {
		field = (const char **)(void *)((char *)&it->c + store_text_fields[i]);
		if (!*field)
			continue;
		len = strlen(*field) + 1;
		memcpy(it->text + used, *field, len);
		*field = it->text + used;
		used += len;
	}
	return it;
}

/* ---- the writer ---- */

/* Step a statement that returns no rows and reset it for the next use.
 * SQLITE_OK on success; sqlite3_errmsg still describes a failure. */
static int store_step(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static enum store_status store_status_of(sqlite3 *db, int rc)
{
	int sys = sqlite3_system_errno(db);

	if ((rc & 0xff) == SQLITE_FULL)
		return STORE_FULL;
	if ((rc & 0xff) == SQLITE_IOERR && (sys == ENOSPC || sys == EDQUOT))
		return STORE_FULL;
	return STORE_FAILED;
}

/* A constraint or a bad value fails only its own row: SQLite undid that
 * one statement and the transaction is still open for the others. Anything
 * else (disk full, I/O error, busy) fails the whole batch. */
static int store_is_row_error(sqlite3 *db, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_TOOBIG:
	case SQLITE_MISMATCH:
	case SQLITE_ERROR:
		return !sqlite3_get_autocommit(db);
	default:
		return 0;
	}
}

static void store_fail_row(struct store *st, struct store_item *it)
{
	it->res.status = STORE_FAILED;
	it->res.contact_id = 0;
	it->res.duplicate = 0;
	snprintf(it->res.error, sizeof(it->res.error), "%s not stored: %s",
		 it->c.key ? "contact" : "job", sqlite3_errmsg(st->db));
	log_warn("store: ticket %llu: %s", (unsigned long long)it->res.ticket, it->res.error);
}

/* The key is already stored (in an earlier batch or earlier in this one):
 * answer with that row's id and write nothing. */
static int store_find_existing(struct store *st, struct store_item *it)
{
	int rc;

	sqlite3_bind_text(st->find, 1, it->c.key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st->find);
	if (rc == SQLITE_ROW) {
		it->res.contact_id = sqlite3_column_int64(st->find, 0);
		it->res.duplicate = 1;
		rc = SQLITE_OK;
	}
	sqlite3_reset(st->find);
	return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
}

static void store_bind_contact(sqlite3_stmt *s, const struct contact *c)
{
	/* SQLITE_STATIC: the strings live in the item until the batch is done. */
	sqlite3_bind_text(s, 1, c->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, c->started_ms);
	sqlite3_bind_int64(s, 3, c->finished_ms);
	sqlite3_bind_text(s, 4, c->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, c->country, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, c->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, c->rules_version, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, c->path_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, c->facts_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, c->suggested, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, c->destination, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, c->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 13, c->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 14, c->referral_reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 15, c->on_behalf, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 16, c->relation, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 17, c->age_band, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 18, c->period, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 19, c->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 20, c->desk, -1, SQLITE_STATIC);
}

static int store_insert_row(struct store *st, struct store_item *it);

/* A contact's job, or a job alone, inside its savepoint: a row error undoes
 * the contact and the job's writes and fails this item alone. */
static int store_insert_job(struct store *st, struct store_item *it)
{
	int rc = store_step(st->savepoint);

	if (rc != SQLITE_OK)
		return rc;
	rc = it->c.key ? store_insert_row(st, it) : SQLITE_OK;
	if (rc == SQLITE_OK && (!it->c.key || !it->res.duplicate))
		rc = it->c.job->run(it->c.job, st->db, it->c.key ? it->res.contact_id : 0,
				    &it->res);
	if (rc == SQLITE_OK)
		return store_step(st->release);
	if (!store_is_row_error(st->db, rc))
		return rc; /* the batch fails and is rolled back whole */
	store_fail_row(st, it);
	if (store_step(st->rollback_to) != SQLITE_OK || store_step(st->release) != SQLITE_OK)
		return SQLITE_ERROR;
	return SQLITE_OK;
}

/* Insert one contact inside the batch transaction. SQLITE_OK when the row
 * was inserted, found, or failed on its own (see store_is_row_error). */
static int store_insert(struct store *st, struct store_item *it)
{
	int rc;

	if (it->c.job)
		return store_insert_job(st, it);
	rc = store_insert_row(st, it);
	if (rc != SQLITE_OK && store_is_row_error(st->db, rc)) {
		store_fail_row(st, it);
		rc = SQLITE_OK;
	}
	return rc;
}

/* The INSERT itself: SQLITE_OK when inserted or found (a repeated key). */
static int store_insert_row(struct store *st, struct store_item *it)
{
	int rc;

	store_bind_contact(st->insert, &it->c);
	rc = sqlite3_step(st->insert);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st->insert);
		if (sqlite3_changes(st->db) == 0)
			rc = store_find_existing(st, it);
		else {
			it->res.contact_id = sqlite3_last_insert_rowid(st->db);
			rc = SQLITE_OK;
		}
	} else {
		sqlite3_reset(st->insert);
	}
	return rc;
}

/* The transaction failed: roll back and give every contact of the batch the
 * reason, because none of it is on disk. Logged once per run of failures so
 * a full disk does not also fill the journal. */
static void store_fail_batch(struct store *st, struct store_item *batch, size_t n, const char *what,
			     int rc)
{
	enum store_status status = store_status_of(st->db, rc);
	struct store_item *it;
	char why[120];

	snprintf(why, sizeof(why), "%s", sqlite3_errmsg(st->db));
	if (!sqlite3_get_autocommit(st->db) && store_step(st->rollback) != SQLITE_OK)
		log_err("store: ROLLBACK failed: %s", sqlite3_errmsg(st->db));
	for (it = batch; it; it = it->next) {
		/* A row that failed on its own keeps its own, more precise reason. */
		if (it->res.status != STORE_OK)
			continue;
		it->res.status = status;
		it->res.contact_id = 0;
		it->res.duplicate = 0;
		snprintf(it->res.error, sizeof(it->res.error), "%s failed, nothing stored: %s",
			 what, why);
	}
	if (__atomic_fetch_add(&st->failed_batches, 1, __ATOMIC_RELAXED) == 0)
		log_err("store: %s failed, batch of %zu contacts not stored: %s "
			"(later batches will retry)",
			what, n, why);
}

/* The check found damage: the writer writes nothing more to it, so every
 * item fails with the reason (logged once, by store_check_pages). */
static void store_refuse_batch(struct store *st, struct store_item *batch)
{
	struct store_item *it;

	for (it = batch; it; it = it->next) {
		it->res.status = STORE_FAILED;
		snprintf(it->res.error, sizeof(it->res.error),
			 "integrity check failed, nothing stored: %s", st->damaged);
	}
}

static void store_write_batch(struct store *st, struct store_item *batch, size_t n)
{
	struct store_item *it;
	int rc;

	if (st->damaged[0]) {
		store_refuse_batch(st, batch);
		return;
	}

	/* A ROLLBACK that failed earlier must not leave every later BEGIN failing. */
	if (!sqlite3_get_autocommit(st->db))
		store_step(st->rollback);
	rc = store_step(st->begin);
	if (rc != SQLITE_OK) {
		store_fail_batch(st, batch, n, "BEGIN", rc);
		return;
	}
	for (it = batch; it; it = it->next) {
		rc = store_insert(st, it);
		if (rc != SQLITE_OK) {
			store_fail_batch(st, batch, n, "INSERT", rc);
			return;
		}
	}
	/* Only when COMMIT returns SQLITE_OK is the batch durable (WAL synced). */
	rc = store_step(st->commit);
	if (rc != SQLITE_OK) {
		store_fail_batch(st, batch, n, "COMMIT", rc);
		return;
	}
	if (st->failed_batches) {
		log_notice("store: writes resumed after %lu failed batches", st->failed_batches);
		__atomic_store_n(&st->failed_batches, 0, __ATOMIC_RELAXED);
	}
}

/* Wait for work and take everything queued; 0 when closing and drained. */
static int store_take_batch(struct store *st, struct store_queue *batch)
{
	int expire;

	pthread_mutex_lock(&st->lock);
	while (!st->pending.len && !st->stopping && !st->expire_cutoff)
		pthread_cond_wait(&st->work, &st->lock);
	memset(batch, 0, sizeof(*batch));
	store_queue_move(batch, &st->pending);
	st->in_flight = batch->len;
	expire = st->expire_cutoff && !st->stopping;
	pthread_mutex_unlock(&st->lock);
	return batch->len > 0 || expire;
}

/* Hand the answered batch to the service thread, in submission order. */
static void store_finish_batch(struct store *st, struct store_queue *batch)
{
	int closing;

	pthread_mutex_lock(&st->lock);
	store_queue_move(&st->results, batch);
	st->in_flight = 0;
	closing = st->stopping;
	pthread_mutex_unlock(&st->lock);
	/* Once store_close has begun the service thread is inside it and cannot
	 * poll, and its event loop may already be gone: do not wake it. */
	if (st->wake && !closing)
		st->wake(st->wake_arg);
}

/* PRAGMA quick_check reads every page: seconds for a million contacts,
 * ten with a cold page cache. So it runs here, after READY, instead of in
 * store_open; contacts submitted meanwhile wait in the queue. quick_check
 * rather than integrity_check, which also cross-checks every index against
 * its table and can take minutes. A store that fails it is not written to
 * again until it is restored and the daemon restarted. */
static void store_check_pages(struct store *st)
{
	static const char prefix[] = "*** in database main ***\n";
	char verdict[512], *problem = verdict;
	struct timespec t0, t1;
	int rc, run, interrupted;

	pthread_mutex_lock(&st->lock);
	run = st->checking = !st->stopping;
	pthread_mutex_unlock(&st->lock);
	if (!run)
		return; /* closing before it began: the next start checks */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_query_text(st->db, "PRAGMA quick_check", verdict, sizeof(verdict));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Only store_close interrupts, and a check cut short found nothing. */
	interrupted = (rc & 0xff) == SQLITE_INTERRUPT;
	/* The first problem alone, on one line, for the log, the clients and
	 * /healthz: quick_check lists them one a line after this prefix. */
	if (strncmp(problem, prefix, sizeof(prefix) - 1) == 0)
		problem += sizeof(prefix) - 1;
	problem[strcspn(problem, "\n")] = '\0';
	pthread_mutex_lock(&st->lock);
	st->checking = 0;
	if (!interrupted && (rc != SQLITE_OK || strcmp(problem, "ok") != 0))
		snprintf(st->damaged, sizeof(st->damaged), "%.*s", (int)sizeof(st->damaged) - 1,
			 problem);
	pthread_cond_broadcast(&st->checked);
	pthread_mutex_unlock(&st->lock);
	if (interrupted)
		log_notice("store: %s: integrity check stopped by close", st->path);
	else if (st->damaged[0])
		log_err("store: %s: integrity check failed (%s); nothing will be stored until "
			"the file is restored from a backup",
			st->path, st->damaged);
	else
		log_info("store: %s: integrity check ok in %.1f s", st->path,
			 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
}

static void store_expire_step(struct store *st);

static void *store_writer(void *arg)
{
	struct store *st = arg;
	struct store_queue batch;

	store_check_pages(st);
	while (store_take_batch(st, &batch)) {
		/* Contacts first: expiry only runs, a chunk at a time, when idle. */
		if (!batch.len) {
			store_expire_step(st);
			continue;
		}
		store_write_batch(st, batch.head, batch.len);
		store_finish_batch(st, &batch);
	}
	return NULL;
}

/* ---- the service thread's side ---- */

int store_start(struct store *st, void (*wake)(void *arg), void *arg)
{
	int rc;

	if (st->started) {
		log_err("store: writer already started");
		return -1;
	}
	st->wake = wake;
	st->wake_arg = arg;
	rc = pthread_create(&st->writer, NULL, store_writer, st);
	if (rc != 0) {
		log_err("store: cannot start the writer thread: %s", strerror(rc));
		return -1;
	}
	st->started = 1;
	return 0;
}

int store_submit(struct store *st, const struct contact *c, uint64_t ticket)
{
	struct store_item *it;
	size_t held;

	/* The key is what makes a retry safe; without one we cannot store. */
	if (!c->key) {
		log_err("store: ticket %llu: contact without key refused",
			(unsigned long long)ticket);
		return -1;
	}
	it = store_item_new(c, ticket);
	if (!it) {
		log_err("store: ticket %llu: out of memory", (unsigned long long)ticket);
		return -1;
	}
	pthread_mutex_lock(&st->lock);
	held = st->pending.len + st->in_flight + st->results.len;
	if (st->stopping || held >= STORE_QUEUE_MAX) {
		pthread_mutex_unlock(&st->lock);
		free(it);
		return -1;
	}
	store_queue_push(&st->pending, it);
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

int store_submit_job(struct store *st, struct store_job *job, uint64_t ticket)
{
	struct contact c = { .job = job };
	struct store_item *it;
	size_t held;

	if (!job || !(it = store_item_new(&c, ticket)))
		return -1;
	pthread_mutex_lock(&st->lock);
	held = st->pending.len + st->in_flight + st->results.len;
	if (st->stopping || held >= STORE_QUEUE_MAX) {
		pthread_mutex_unlock(&st->lock);
		free(it); /* not the job: the caller keeps it */
		return -1;
	}
	store_queue_push(&st->pending, it);
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

size_t store_poll_results(struct store *st, struct store_result *out, size_t max)
{
	struct store_queue done = { 0 };
	struct store_item *it;
	size_t n = 0;

	pthread_mutex_lock(&st->lock);
	while (n < max && st->results.head) {
		it = st->results.head;
		st->results.head = it->next;
		if (!st->results.head)
			st->results.tail = NULL;
		st->results.len--;
		out[n++] = it->res;
		store_queue_push(&done, it);
	}
	pthread_mutex_unlock(&st->lock);
	/* Free outside the lock so the writer is not kept waiting. */
	store_queue_free(&done);
	return n;
}

size_t store_queue_depth(struct store *st)
{
	size_t depth;

	pthread_mutex_lock(&st->lock);
	depth = st->pending.len + st->in_flight;
	pthread_mutex_unlock(&st->lock);
	return depth;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	st->stopping = 1;
	pthread_cond_signal(&st->work);
	/* A SIGTERM must not wait seconds for the check. SQLite forgets an
	 * interrupt that comes before the check's statement has begun, so it
	 * is repeated until the writer says the check is over. */
	while (st->checking) {
		struct timespec soon;

		sqlite3_interrupt(st->db);
		clock_gettime(CLOCK_REALTIME, &soon);
		soon.tv_nsec += 10 * 1000000;
		if (soon.tv_nsec >= 1000000000) {
			soon.tv_sec++;
			soon.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&st->checked, &st->lock, &soon);
	}
	pthread_mutex_unlock(&st->lock);
	if (st->started)
		pthread_join(st->writer, NULL);
	else
		/* Never started: commit what was queued here, on this thread. */
		store_writer(st);
	/* Results nobody polled go with the store. */
	store_queue_free(&st->results);
	store_free(st);
}

int store_healthy(struct store *st, char *why, size_t whylen)
{
	char reason[200] = "";

	pthread_mutex_lock(&st->lock);
	if (st->stopping)
		snprintf(reason, sizeof(reason), "the store is closing");
	else if (st->damaged[0])
		snprintf(reason, sizeof(reason),
			 "the store failed its integrity check (%s); restore it from a backup",
			 st->damaged);
	pthread_mutex_unlock(&st->lock);
	/* Written by the writer alone; a stale read only delays the answer. */
	if (!reason[0] && __atomic_load_n(&st->failed_batches, __ATOMIC_RELAXED))
		snprintf(reason, sizeof(reason),
			 "the store is not accepting writes: its last commit failed");
	if (why && whylen)
		snprintf(why, whylen, "%s", reason);
	return !reason[0];
}

/* ---- note retention ---- */

/* Notes are erased this many at a time, each chunk its own transaction,
 * with any contacts waiting written in between: a first run over a large
 * store does not hold up "logged" for seconds. */
#define STORE_EXPIRE_CHUNK 1000

int store_expire_notes(struct store *st, int64_t cutoff_ms)
{
	if (cutoff_ms <= 0)
		return -1;
	pthread_mutex_lock(&st->lock);
	st->expire_cutoff = cutoff_ms;
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

void store_note_stats(struct store *st, unsigned long *runs, unsigned long long *erased)
{
	pthread_mutex_lock(&st->lock);
	*runs = st->expire_runs;
	*erased = st->expire_erased;
	pthread_mutex_unlock(&st->lock);
}

/* The end of the next chunk: just past the STORE_EXPIRE_CHUNK-th note
 * from lo, or the cutoff when fewer are left. */
static int store_expire_chunk_end(struct store *st, int64_t *hi)
{
	static const char sql[] =
		"SELECT finished_ms FROM contacts WHERE finished_ms >= ?1 AND finished_ms < ?2"
		" AND note IS NOT NULL ORDER BY finished_ms LIMIT 1 OFFSET ?3";
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, st->expire_lo);
		sqlite3_bind_int64(q, 2, st->expire_target);
		sqlite3_bind_int(q, 3, STORE_EXPIRE_CHUNK - 1);
		rc = sqlite3_step(q);
	}
	*hi = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) + 1 : st->expire_target;
	sqlite3_finalize(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Erase the notes finished in [lo, hi) in one transaction. */
static int store_expire_chunk(struct store *st, int64_t hi, int *erased)
{
	static const char sql[] =
		"UPDATE contacts SET note = NULL"
		" WHERE finished_ms >= ?1 AND finished_ms < ?2 AND note IS NOT NULL";
	sqlite3_stmt *u = NULL;
	int rc;

	*erased = 0;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &u, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(u, 1, st->expire_lo);
	sqlite3_bind_int64(u, 2, hi);
	if ((rc = store_step(st->begin)) == SQLITE_OK) {
		rc = sqlite3_step(u);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		if (rc == SQLITE_OK) {
			*erased = sqlite3_changes(st->db);
			rc = store_step(st->commit);
		}
		if (rc != SQLITE_OK && !sqlite3_get_autocommit(st->db))
			store_step(st->rollback);
	}
	sqlite3_finalize(u);
	return rc;
}

/* Writer thread: one chunk of the requested expiry. The first run of a
 * process scans from the beginning; later runs start where the previous
 * one ended, so an hourly run reads an hour of contacts, not the store. */
static const char *store_local_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(out, 32, "%lld ms", (long long)ms);
	return out;
}

static void store_expire_step(struct store *st)
{
	char when[32];
	int64_t hi;
	int rc, erased = 0, done = 0;

	if (!st->expire_target) {
		pthread_mutex_lock(&st->lock);
		st->expire_target = st->expire_cutoff;
		pthread_mutex_unlock(&st->lock);
		st->expire_lo = st->expire_done ? st->expire_done : INT64_MIN;
		st->expire_run_erased = 0;
	}
	if (st->damaged[0]) {
		done = -1; /* nothing is written to a damaged store; logged already */
	} else if (st->expire_lo >= st->expire_target) {
		done = 1;
	} else if ((rc = store_expire_chunk_end(st, &hi)) != SQLITE_OK ||
		   (rc = store_expire_chunk(st, hi, &erased)) != SQLITE_OK) {
		/* Given up until the next request (the daemon asks hourly). */
		log_warn("store: erasing old notes failed: %s", sqlite3_errmsg(st->db));
		done = -1;
	} else {
		st->expire_run_erased += (unsigned long long)erased;
		st->expire_lo = hi;
		done = hi >= st->expire_target;
	}
	if (!done)
		return;
	if (done > 0) {
		st->expire_done = st->expire_target;
		if (st->expire_run_erased)
			log_notice("store: erased the notes of %llu contacts finished before %s",
				   st->expire_run_erased,
				   store_local_time(st->expire_target, when));
	}
	pthread_mutex_lock(&st->lock);
	if (st->expire_cutoff == st->expire_target)
		st->expire_cutoff = 0; /* else a newer request came in: run again */
	st->expire_runs++;
	st->expire_erased += st->expire_run_erased;
	pthread_mutex_unlock(&st->lock);
	st->expire_target = 0;
	if (st->wake)
		st->wake(st->wake_arg);
}
