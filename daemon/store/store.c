/* store.c - the survey store: one SQLite file, one writer thread.
 *
 * The service thread only copies contacts into a queue (store_submit). The
 * writer thread takes everything waiting, inserts it in one transaction and
 * answers each contact only after COMMIT has returned: one fsync per batch
 * instead of one per row is what lets a slow disk keep up with a burst.
 * This file: opening, the queues and the service thread's side; the writer
 * is store_writer.c, note expiry store_retention.c.
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
#include "store_internal.h"
#include "store_schema.h"

/* Contacts submitted whose completion has not run yet (queued, being
 * written, or answered and waiting for the service thread). Bounds memory and makes a
 * stuck disk push back on the service thread instead of growing forever. */
#ifndef STORE_QUEUE_MAX
#define STORE_QUEUE_MAX 65536
#endif

/* ON CONFLICT DO NOTHING makes a repeated key a no-op we can detect with
 * sqlite3_changes(), so a new key (the common case) costs one statement. */
static const char store_sql_insert[] =
	"INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang,"
	" rules_version, path, facts, suggested, destination, category, outcome,"
	" referral_reason, on_behalf, relation, age_band, period, note, desk, key_digest,"
	" barriers, owner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	" ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23) ON CONFLICT (key) DO NOTHING";
static const char store_sql_find[] = "SELECT id, key_digest FROM contacts WHERE key = ?1";

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
	offsetof(struct contact, key_digest),    offsetof(struct contact, barriers),
	offsetof(struct contact, owner),
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
	store_watch_free(&st->watch);
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
	    store_prepare(st, path, err, errlen) < 0 ||
	    store_watch_init(&st->watch, path, err, errlen) < 0)
		goto fail;
	/* SQLite opens a file it may not write read-only, without a word, and
	 * then refuses every write: say so once, and in /healthz. */
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		st->watch_state = WATCH_LOST;
		snprintf(st->watch_why, sizeof(st->watch_why),
			 "%s was opened read-only (its permissions or its file system); "
			 "fix that and restart",
			 path);
		log_err("store: %s; nothing will be stored", st->watch_why);
	}
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
void store_queue_move(struct store_queue *to, struct store_queue *from)
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

static const char *store_field(const struct contact *c, size_t off)
{
	return *(const char *const *)(const void *)((const char *)c + off);
}

/* Copy c and its strings into one allocation the store owns. */
static struct store_item *store_item_new(struct store *st, const struct contact *c,
					 store_done_fn *fn, void *arg)
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
	it->fn = fn;
	it->arg = arg;
	it->st = st;
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

/* ---- the service thread's side ---- */

/* An item's completion, on the service thread: its job goes (as when
 * results were polled), the submitter hears, then the item goes and its
 * slot in the queue's bound is free. */
static void store_item_done(void *arg, void *result)
{
	struct store_item *it = arg;
	struct store *st = it->st;

	/* The job first: a submitter that owns the job's memory (a correction,
	 * whose free does nothing) may free it in its completion. */
	if (it->c.job)
		it->c.job->free(it->c.job);
	if (it->fn)
		it->fn(it->arg, result);
	pthread_mutex_lock(&st->lock);
	st->unrun--;
	pthread_mutex_unlock(&st->lock);
	free(it);
}

void store_answer(struct store *st, struct store_queue *batch)
{
	struct store_item *it, *next;

	if (!batch->head)
		return;
	pthread_mutex_lock(&st->lock);
	st->in_flight = 0;
	st->unrun += batch->len;
	pthread_mutex_unlock(&st->lock);
	for (it = batch->head; it; it = next) {
		next = it->next; /* the completion may run (and free it) at once */
		done_fill(&it->done, store_item_done, it, &it->res);
		if (next)
			it->done.next = &next->done;
		else if (st->done) /* the whole batch in one post: one wake */
			done_post_chain(st->done, &batch->head->done, &it->done, batch->len);
		if (!st->done)
			store_item_done(it, &it->res);
	}
	memset(batch, 0, sizeof(*batch));
}

int store_start(struct store *st, struct done *q)
{
	int rc;

	if (st->started) {
		log_err("store: writer already started");
		return -1;
	}
	st->done = q;
	rc = pthread_create(&st->writer, NULL, store_writer_run, st);
	if (rc != 0) {
		log_err("store: cannot start the writer thread: %s", strerror(rc));
		return -1;
	}
	st->started = 1;
	return 0;
}

/* Queue it unless the store is closing or full; 0 or -1 (it is not freed). */
static int store_enqueue(struct store *st, struct store_item *it)
{
	size_t held;

	pthread_mutex_lock(&st->lock);
	held = st->pending.len + st->in_flight + st->unrun;
	if (st->stopping || held >= STORE_QUEUE_MAX) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	store_queue_push(&st->pending, it);
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->lock);
	return 0;
}

int store_submit(struct store *st, const struct contact *c, store_done_fn *fn, void *arg)
{
	struct store_item *it;

	/* The key is what makes a retry safe; without one we cannot store. */
	if (!c->key) {
		log_err("store: contact without key refused");
		return -1;
	}
	it = store_item_new(st, c, fn, arg);
	if (!it) {
		log_err("store: contact %s: out of memory", c->key);
		return -1;
	}
	if (store_enqueue(st, it)) {
		free(it);
		return -1;
	}
	return 0;
}

int store_submit_job(struct store *st, struct store_job *job, store_done_fn *fn, void *arg)
{
	struct contact c = { .job = job };
	struct store_item *it;

	if (!job || !(it = store_item_new(st, &c, fn, arg)))
		return -1;
	if (store_enqueue(st, it)) {
		free(it); /* not the job: the caller keeps it */
		return -1;
	}
	return 0;
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
		store_writer_run(st);
	/* The writer's last completions count against st: run them before it goes. */
	if (st->done)
		done_run(st->done);
	store_free(st);
}

int store_healthy(struct store *st, char *why, size_t whylen)
{
	char reason[320] = "";

	pthread_mutex_lock(&st->lock);
	if (st->stopping)
		snprintf(reason, sizeof(reason), "the store is closing");
	else if (st->damaged[0])
		snprintf(reason, sizeof(reason),
			 "the store failed its integrity check (%s); restore it from a backup",
			 st->damaged);
	else if (st->watch_state != WATCH_OK)
		snprintf(reason, sizeof(reason), "the store is not accepting writes: %s",
			 st->watch_why);
	pthread_mutex_unlock(&st->lock);
	/* Written by the writer alone; a stale read only delays the answer. */
	if (!reason[0] && __atomic_load_n(&st->failed_batches, __ATOMIC_RELAXED))
		snprintf(reason, sizeof(reason),
			 "the store is not accepting writes: its last commit failed");
	if (why && whylen)
		snprintf(why, whylen, "%s", reason);
	return !reason[0];
}
