/* store_writer.c - the store's writer thread: takes every contact
 * waiting, inserts them in one transaction, answers each only after COMMIT
 * has returned, and watches the file and its pages (docs/store.md). Between
 * batches it runs note expiry (store_retention.c). */
#include "store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "store_schema.h"

/* Step a statement that returns no rows and reset it for the next use.
 * SQLITE_OK on success; sqlite3_errmsg still describes a failure. */
int store_step(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static enum store_status store_writer_status_of(sqlite3 *db, int rc)
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
static int store_writer_is_row_error(sqlite3 *db, int rc)
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

static void store_writer_fail_row(struct store *st, struct store_item *it)
{
	it->res.status = STORE_FAILED;
	it->res.contact_id = 0;
	it->res.duplicate = 0;
	snprintf(it->res.error, sizeof(it->res.error), "%s not stored: %s",
		 it->c.key ? "contact" : "job", sqlite3_errmsg(st->db));
	log_warn("store: %s%s%s", it->c.key ? it->c.key : "", it->c.key ? ": " : "", it->res.error);
}

/* A repeated key with another digest stands for another contact. Rows
 * without one (stored before digests, or taken in from other desks) and
 * contacts without one keep the old rule: the same key is the same contact. */
static int store_writer_key_conflict(sqlite3_stmt *find, int col, const char *digest)
{
	const char *stored = (const char *)sqlite3_column_text(find, col);

	return stored && digest && strcmp(stored, digest) != 0;
}

/* The key is already stored (in an earlier batch or earlier in this one):
 * answer with that row's id and write nothing, if it stands for the same
 * contact; else a conflict that does not tell the id (store_writer_key_conflict). */
static int store_writer_find_existing(struct store *st, struct store_item *it)
{
	int rc;

	sqlite3_bind_text(st->find, 1, it->c.key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st->find);
	if (rc == SQLITE_ROW && store_writer_key_conflict(st->find, 1, it->c.key_digest)) {
		it->res.status = STORE_KEY_CONFLICT;
		snprintf(it->res.error, sizeof(it->res.error),
			 "the key was already used for another contact");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_ROW) {
		it->res.contact_id = sqlite3_column_int64(st->find, 0);
		it->res.duplicate = 1;
		rc = SQLITE_OK;
	}
	sqlite3_reset(st->find);
	return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
}

static void store_writer_bind_contact(sqlite3_stmt *s, const struct contact *c)
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
	sqlite3_bind_text(s, 21, c->key_digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 22, c->barriers, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 23, c->owner, -1, SQLITE_STATIC);
}

static int store_writer_insert_row(struct store *st, struct store_item *it);

/* A contact's job, or a job alone, inside its savepoint: a row error undoes
 * the contact and the job's writes and fails this item alone. */
static int store_writer_insert_job(struct store *st, struct store_item *it)
{
	int rc = store_step(st->savepoint);

	if (rc != SQLITE_OK)
		return rc;
	rc = it->c.key ? store_writer_insert_row(st, it) : SQLITE_OK;
	if (rc == SQLITE_OK && (!it->c.key || (!it->res.duplicate && it->res.status == STORE_OK)))
		rc = it->c.job->run(it->c.job, st->db, it->c.key ? it->res.contact_id : 0,
				    &it->res);
	if (rc == SQLITE_OK)
		return store_step(st->release);
	if (!store_writer_is_row_error(st->db, rc))
		return rc; /* the batch fails and is rolled back whole */
	store_writer_fail_row(st, it);
	if (store_step(st->rollback_to) != SQLITE_OK || store_step(st->release) != SQLITE_OK)
		return SQLITE_ERROR;
	return SQLITE_OK;
}

/* Insert one contact inside the batch transaction. SQLITE_OK when the row
 * was inserted, found, or failed on its own (see store_writer_is_row_error). */
static int store_writer_insert(struct store *st, struct store_item *it)
{
	int rc;

	if (it->c.job)
		return store_writer_insert_job(st, it);
	rc = store_writer_insert_row(st, it);
	if (rc != SQLITE_OK && store_writer_is_row_error(st->db, rc)) {
		store_writer_fail_row(st, it);
		rc = SQLITE_OK;
	}
	return rc;
}

/* The INSERT itself: SQLITE_OK when inserted or found (a repeated key). */
static int store_writer_insert_row(struct store *st, struct store_item *it)
{
	int rc;

	store_writer_bind_contact(st->insert, &it->c);
	rc = sqlite3_step(st->insert);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st->insert);
		if (sqlite3_changes(st->db) == 0)
			rc = store_writer_find_existing(st, it);
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
static void store_writer_fail_batch(struct store *st, struct store_item *batch, size_t n, const char *what,
			     int rc)
{
	enum store_status status = store_writer_status_of(st->db, rc);
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
 * item fails with the reason (logged once, by store_writer_check_pages). */
static void store_writer_refuse_batch(struct store *st, struct store_item *batch)
{
	struct store_item *it;

	for (it = batch; it; it = it->next) {
		it->res.status = STORE_FAILED;
		snprintf(it->res.error, sizeof(it->res.error),
			 "integrity check failed, nothing stored: %s", st->damaged);
	}
}

/* Look at the file and log each change of state once. A lost file stays
 * lost: going on through this connection, into a file nobody will read, or
 * into a restored copy it has not opened, would not be safe. */
static enum store_watch_state store_writer_watch_update(struct store *st)
{
	enum store_watch_state now;
	char why[200];

	if (st->watch_state == WATCH_LOST)
		return WATCH_LOST;
	now = store_watch_check(&st->watch, why, sizeof(why));
	if (now == st->watch_state)
		return now;
	if (now == WATCH_LOST)
		log_err("store: %s; nothing will be stored until it is restored and the daemon "
			"restarted (docs/store.md, \"Restoring a backup\")",
			why);
	else if (now == WATCH_UNWRITABLE)
		log_err("store: %s; contacts are refused until it is writable again", why);
	else
		log_notice("store: %s is writable again: writes resume", st->path);
	pthread_mutex_lock(&st->lock);
	st->watch_state = now;
	snprintf(st->watch_why, sizeof(st->watch_why), "%s", why);
	pthread_mutex_unlock(&st->lock);
	return now;
}

/* Before a batch: refuse it whole while the file is not fit to write. */
static int store_writer_watch_refuses(struct store *st, struct store_item *batch)
{
	struct store_item *it;

	if (store_writer_watch_update(st) == WATCH_OK)
		return 0;
	for (it = batch; it; it = it->next) {
		it->res.status = STORE_FAILED;
		it->res.contact_id = 0;
		it->res.duplicate = 0;
		snprintf(it->res.error, sizeof(it->res.error), "nothing stored: %.140s", st->watch_why);
	}
	return 1;
}

/* After COMMIT: a file deleted or replaced while the batch was written
 * took the batch with it, so none of it is acknowledged (a retry with the
 * same key is safe once the store is restored). */
static void store_writer_watch_after_commit(struct store *st, struct store_item *batch)
{
	struct store_item *it;

	if (store_writer_watch_update(st) != WATCH_LOST)
		return;
	for (it = batch; it; it = it->next) {
		if (it->res.status != STORE_OK)
			continue;
		it->res.status = STORE_FAILED;
		it->res.contact_id = 0;
		it->res.duplicate = 0;
		snprintf(it->res.error, sizeof(it->res.error), "not kept: %.145s", st->watch_why);
	}
}

static void store_writer_write_batch(struct store *st, struct store_item *batch, size_t n)
{
	struct store_item *it;
	int rc;

	if (st->damaged[0]) {
		store_writer_refuse_batch(st, batch);
		return;
	}
	if (store_writer_watch_refuses(st, batch))
		return;

	/* A ROLLBACK that failed earlier must not leave every later BEGIN failing. */
	if (!sqlite3_get_autocommit(st->db))
		store_step(st->rollback);
	rc = store_step(st->begin);
	if (rc != SQLITE_OK) {
		store_writer_fail_batch(st, batch, n, "BEGIN", rc);
		return;
	}
	for (it = batch; it; it = it->next) {
		rc = store_writer_insert(st, it);
		if (rc != SQLITE_OK) {
			store_writer_fail_batch(st, batch, n, "INSERT", rc);
			return;
		}
	}
	/* Only when COMMIT returns SQLITE_OK is the batch durable (WAL synced). */
	rc = store_step(st->commit);
	if (rc != SQLITE_OK) {
		store_writer_fail_batch(st, batch, n, "COMMIT", rc);
		return;
	}
	store_writer_watch_after_commit(st, batch);
	if (st->failed_batches) {
		log_notice("store: writes resumed after %lu failed batches", st->failed_batches);
		__atomic_store_n(&st->failed_batches, 0, __ATOMIC_RELAXED);
	}
}

/* Wait for work and take everything queued; 0 when closing and drained.
 * *idle is set when a second went by with nothing to do: the writer then
 * looks at the file, so /healthz knows within a second without traffic. */
static int store_writer_take_batch(struct store *st, struct store_queue *batch, int *idle)
{
	struct timespec deadline;
	int expire;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 1;
	*idle = 0;
	pthread_mutex_lock(&st->lock);
	while (!st->pending.len && !st->stopping && !st->expire_cutoff && !*idle)
		*idle = pthread_cond_timedwait(&st->work, &st->lock, &deadline) == ETIMEDOUT;
	memset(batch, 0, sizeof(*batch));
	store_queue_move(batch, &st->pending);
	st->in_flight = batch->len;
	expire = st->expire_cutoff && !st->stopping;
	pthread_mutex_unlock(&st->lock);
	return batch->len > 0 || expire || *idle;
}

/* PRAGMA quick_check reads every page: seconds for a million contacts,
 * ten with a cold page cache. So it runs here, after READY, instead of in
 * store_open; contacts submitted meanwhile wait in the queue. quick_check
 * rather than integrity_check, which also cross-checks every index against
 * its table and can take minutes. A store that fails it is not written to
 * again until it is restored and the daemon restarted. */
static void store_writer_check_pages(struct store *st)
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

void *store_writer_run(void *arg)
{
	struct store *st = arg;
	struct store_queue batch;
	int idle;

	store_writer_check_pages(st);
	while (store_writer_take_batch(st, &batch, &idle)) {
		if (!batch.len && idle) {
			store_writer_watch_update(st);
			store_retention_idle(st);
			continue;
		}
		/* Contacts first: expiry only runs, a chunk at a time, when idle. */
		if (!batch.len) {
			store_retention_step(st);
			continue;
		}
		store_writer_write_batch(st, batch.head, batch.len);
		store_answer(st, &batch); /* after the commit, in submission order */
	}
	return NULL;
}
