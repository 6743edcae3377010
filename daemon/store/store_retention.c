/* store_retention.c - erasing old notes (docs/store.md, "Note retention").
 *
 * The service thread asks (store_expire_notes); the writer thread erases,
 * a chunk at a time between batches of contacts, so that "logged" is not
 * held up, and then checkpoints so that the notes leave the file too. */
#include "store_internal.h"

#include <stdio.h>
#include <time.h>

#include "base/log.h"

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
static int store_retention_chunk_end(struct store *st, int64_t *hi)
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
static int store_retention_chunk(struct store *st, int64_t hi, int *erased)
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

/* secure_delete zeroes an erased note in its page, but in WAL mode the page
 * reaches the main file only at a checkpoint, and the WAL still holds the
 * frames that first wrote the note. A TRUNCATE checkpoint copies the zeroed
 * pages into the file and empties the WAL. It must not hold up finishes
 * behind a reader (an export's snapshot): without a busy timeout it does
 * what it can at once, and what a reader pins waits for the next run. */
static void store_retention_checkpoint(struct store *st)
{
	int rc;

	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (rc == SQLITE_BUSY)
		log_info("store: erased notes stay in the WAL until the next run: a reader is open");
	else if (rc != SQLITE_OK)
		log_warn("store: checkpoint after erasing notes failed: %s", sqlite3_errmsg(st->db));
}

/* Writer thread: one chunk of the requested expiry. The first run of a
 * process scans from the beginning; later runs start where the previous
 * one ended, so an hourly run reads an hour of contacts, not the store. */
static const char *store_retention_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(out, 32, "%lld ms", (long long)ms);
	return out;
}

void store_retention_step(struct store *st)
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
	if (st->damaged[0] || st->watch_state != WATCH_OK) {
		done = -1; /* nothing is written to a damaged or lost store; logged already */
	} else if (st->expire_lo >= st->expire_target) {
		done = 1;
	} else if ((rc = store_retention_chunk_end(st, &hi)) != SQLITE_OK ||
		   (rc = store_retention_chunk(st, hi, &erased)) != SQLITE_OK) {
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
		if (st->expire_run_erased) {
			log_notice("store: erased the notes of %llu contacts finished before %s",
				   st->expire_run_erased,
				   store_retention_time(st->expire_target, when));
			store_retention_checkpoint(st);
		}
	}
	pthread_mutex_lock(&st->lock);
	if (st->expire_cutoff == st->expire_target)
		st->expire_cutoff = 0; /* else a newer request came in: run again */
	st->expire_runs++;
	st->expire_erased += st->expire_run_erased;
	pthread_mutex_unlock(&st->lock);
	st->expire_target = 0;
	if (st->done)
		done_wake(st->done); /* no completion: store_note_stats tells */
}

/* Callback rows (store_callbacks.c) hold a phone number. secure_delete
 * zeroes a deleted row in its page, but the WAL keeps the frames that
 * first wrote it until a checkpoint, so once the writer is idle after a
 * delete (about a second later) it checkpoints as after erasing notes. A
 * busy checkpoint (a reader's snapshot) is tried again at the next idle
 * second; a failed one is logged once. */
void store_retention_idle(struct store *st)
{
	int rc;

	if (!st->callbacks_erased || st->damaged[0])
		return;
	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	if (rc == SQLITE_BUSY)
		return;
	st->callbacks_erased = 0;
	if (rc != SQLITE_OK)
		log_warn("store: checkpoint after deleting callbacks failed: %s",
			 sqlite3_errmsg(st->db));
}
