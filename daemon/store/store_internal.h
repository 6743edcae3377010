/* store_internal.h - the store's state, shared by store.c (the writer and
 * the service thread's side) and store_retention.c (note expiry). Nothing
 * outside daemon/store/store*.c includes it. */
#ifndef VV_STORE_INTERNAL_H
#define VV_STORE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/done.h"
#include "store.h"
#include "store_watch.h"

/* How long a write waits for a lock held by another connection (an admin's
 * sqlite3 shell, a backup) before the batch fails and is answered. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* One submitted contact, from store_submit until its completion has run.
 * The strings of c point into text, so one malloc and one free per contact;
 * done is posted with it, so answering it cannot fail. */
struct store_item {
	struct store_item *next;
	struct contact c;
	struct store_result res;
	store_done_fn *fn; /* the submitter's completion, and its argument */
	void *arg;
	struct store *st;
	struct done_item done;
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
	size_t in_flight;           /* taken by the writer, not yet answered */
	size_t unrun;               /* answered, completion posted and not yet run */
	int stopping;

	/* The page-by-page check the writer runs before its first batch (see
	 * store_check_pages). Written by the writer under the lock. */
	pthread_cond_t checked; /* checking went back to 0 */
	int checking;           /* the check is running: store_close interrupts it */
	char damaged[112];      /* what the check found; "" while the store is sound */

	pthread_t writer;
	int started;
	struct done *done; /* where completions go (store_start); NULL before */
	unsigned long failed_batches; /* written by the writer, read by store_healthy (atomics) */

	/* The file under the connection (store_watch.c). The writer checks it;
	 * watch_state and watch_why change under the lock (store_healthy). */
	struct store_watch watch;
	enum store_watch_state watch_state;
	char watch_why[200];

	/* Note expiry (store_retention.c). */
	int64_t expire_cutoff;            /* lock: requested, not yet done; 0 if none */
	unsigned long expire_runs;        /* lock: completed runs */
	unsigned long long expire_erased; /* lock: notes erased in all runs */
	int64_t expire_target; /* writer only: cutoff of the run in progress, 0 if none */
	int64_t expire_lo;     /* writer only: the run has erased notes before this */
	int64_t expire_done;   /* writer only: cutoff of the last completed run */
	unsigned long long expire_run_erased; /* writer only */

	/* Callback rows (store_callbacks.c): one was deleted since the last
	 * checkpoint, so the number is still in the WAL. Writer only. */
	int callbacks_erased;
};

/* Move every item of from to the end of to (under st->lock). */
void store_queue_move(struct store_queue *to, struct store_queue *from);
/* Answer a batch the writer has finished: post each item's completion, in
 * order (run directly when never started: store_close's own thread). */
void store_answer(struct store *st, struct store_queue *batch);
/* The writer thread (store_writer.c); store_close runs it on the caller's
 * thread when it was never started, to answer what is queued. */
void *store_writer_run(void *arg);
/* Step a statement that returns no rows and reset it for the next use.
 * SQLITE_OK on success; sqlite3_errmsg still describes a failure. */
int store_step(sqlite3_stmt *stmt);
/* Writer thread, when no contacts wait: one chunk of a requested note
 * expiry (store_expire_notes), or nothing. */
void store_retention_step(struct store *st);
/* Writer thread, when idle: checkpoint after deleted callbacks. */
void store_retention_idle(struct store *st);

#endif
