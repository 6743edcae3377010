/* outbox_rows.c - the delivery thread's SQL on its own connection
 * (outbox.h): which rows are due, batches for the collector, each
 * transfer's outcome, the gauges, and the weekly sweep. */
#include "outbox.h"
#include "outbox_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "conf/conf.h"
#include "base/log.h"

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

int outbox_rows_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* The three updates a row's outcome may take: delivered, retry, dead. */
static int mark_prepare(struct outbox *ob, sqlite3_stmt *q[3])
{
	static const char *const sql[3] = {
		"UPDATE outbox SET state = 'delivered', attempts = attempts + 1,"
		" done_ms = ?2, last_error = NULL WHERE id = ?1 AND state = 'pending'",
		"UPDATE outbox SET attempts = attempts + 1, due_ms = ?2,"
		" last_error = ?3 WHERE id = ?1 AND state = 'pending'",
		"UPDATE outbox SET state = 'dead', attempts = attempts + 1,"
		" done_ms = ?2, last_error = ?3 WHERE id = ?1 AND state = 'pending'",
	};
	int rc = SQLITE_OK;

	for (int i = 0; rc == SQLITE_OK && i < 3; i++)
		rc = sqlite3_prepare_v2(ob->db, sql[i], -1, &q[i], NULL);
	return rc;
}

/* Row i of t: delivered, due again after its back-off, or given up (a
 * refusal, or older than max_age). Counts a give-up in *dead. */
static int mark_row(struct outbox *ob, sqlite3_stmt *q[3], struct outbox_transfer *t, size_t i,
		    int delivered, int permanent, const char *error, int64_t now, size_t *dead)
{
	const int64_t max_age = (int64_t)ob->conf->delivery.max_age_seconds * 1000;
	int give_up = permanent || now >= t->created[i] + max_age;
	sqlite3_stmt *s = delivered ? q[0] : give_up ? q[2] : q[1];
	int64_t due = now + outbox_backoff(ob, t->attempts[i] + 1);
	int rc;

	/* The last try falls at max_age, not past it. */
	if (due > t->created[i] + max_age)
		due = t->created[i] + max_age;
	sqlite3_bind_int64(s, 1, t->ids[i]);
	sqlite3_bind_int64(s, 2, delivered || give_up ? now : due);
	if (!delivered)
		sqlite3_bind_text(s, 3, error, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	*dead += !delivered && give_up;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The counters, and a log line for dead letters, once the marks are in. */
static void mark_count(struct outbox *ob, struct outbox_transfer *t, int delivered, size_t dead,
		       const char *error)
{
	if (delivered) {
		__atomic_add_fetch(&ob->counters.delivered[t->kind], t->n, __ATOMIC_RELAXED);
		return;
	}
	__atomic_add_fetch(&ob->counters.failed[t->kind], t->n, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ob->counters.dead[t->kind], dead, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ob->counters.dead_letters[t->kind], (long long)dead, __ATOMIC_RELAXED);
	if (dead)
		log_err("outbox: %zu %s message%s for %s given up after %d s or a refusal "
			"(dead letter): %s",
			dead, outbox_kind_name(t->kind), dead == 1 ? "" : "s", t->target,
			ob->conf->delivery.max_age_seconds, error);
}

/* The outcome of one transfer for each of its rows, in one transaction.
 * permanent: the receiver will never take it (400, 413, 422): dead now. */
void outbox_rows_mark(struct outbox *ob, struct outbox_transfer *t, int delivered, int permanent,
		      const char *error)
{
	sqlite3_stmt *q[3] = { NULL, NULL, NULL };
	int64_t now = outbox_now();
	size_t dead = 0;
	int rc;

	rc = outbox_rows_exec(ob->db, "BEGIN IMMEDIATE");
	if (rc == SQLITE_OK)
		rc = mark_prepare(ob, q);
	for (size_t i = 0; rc == SQLITE_OK && i < t->n; i++)
		rc = mark_row(ob, q, t, i, delivered, permanent, error, now, &dead);
	if (rc == SQLITE_OK)
		rc = outbox_rows_exec(ob->db, "COMMIT");
	for (int i = 0; i < 3; i++)
		sqlite3_finalize(q[i]);
	if (rc != SQLITE_OK) {
		/* The rows stay as they were: due, so they are sent again (the
		 * receiver deduplicates). Wait a moment before looking again. */
		log_warn("outbox: cannot record the outcome of %zu %s message%s: %s", t->n,
			 outbox_kind_name(t->kind), t->n == 1 ? "" : "s", sqlite3_errmsg(ob->db));
		outbox_rows_exec(ob->db, "ROLLBACK");
		ob->next_scan = now + 1000;
		return;
	}
	mark_count(ob, t, delivered, dead, error);
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

/* One due row, as the scan reads it. */
struct scan_row {
	int64_t id;
	int kind;
	const char *target, *body;
	int attempts;
	int64_t created;
};

/* A collector row joins the batch being built, unless the collector is
 * busy or the batch is full (*held_back). -1 when out of memory. */
static int scan_collector(struct outbox *ob, const struct scan_row *r,
			  struct outbox_transfer **batch, int *held_back)
{
	struct outbox_transfer *b = *batch;

	if (ob->collector_busy ||
	    (b && (b->n == OUTBOX_BATCH_ROWS || strlen(b->body) > OUTBOX_BATCH_BYTES))) {
		*held_back = 1;
		return 0;
	}
	if (!b &&
	    !(b = *batch = outbox_transfer_new(OUTBOX_COLLECTOR, "collector", OUTBOX_BATCH_ROWS)))
		return -1;
	return batch_add(b, r->id, r->attempts, r->created, r->body);
}

/* A handoff or check goes on its own, if there is room (else *held_back).
 * -1 when out of memory. */
static int scan_single(struct outbox *ob, const struct scan_row *r, int *held_back)
{
	struct outbox_transfer *t;

	if (ob->n_active >= OUTBOX_ACTIVE_MAX) {
		*held_back = 1;
		return 0;
	}
	if (!(t = outbox_transfer_new((enum outbox_kind)r->kind, r->target, 1)) ||
	    !(t->body = strdup(r->body))) {
		outbox_transfer_free(t);
		return -1;
	}
	t->ids[0] = r->id;
	t->attempts[0] = r->attempts;
	t->created[0] = r->created;
	t->n = 1;
	outbox_transfer_start_or_fail(ob, t);
	return 0;
}

/* Start a transfer for each due row not in flight: handoffs and checks one
 * by one (at most OUTBOX_ACTIVE_MAX at once), collector rows in one batch. */
void outbox_rows_scan(struct outbox *ob, int64_t now)
{
	static const char sql[] =
		"SELECT id, kind, target, body, attempts, created_ms FROM outbox"
		" WHERE state = 'pending' AND due_ms <= ?1 ORDER BY due_ms, id LIMIT ?2";
	struct outbox_transfer *batch = NULL;
	sqlite3_stmt *q;
	int held_back = 0, rc = 0;

	ob->last_scan = now;
	if (sqlite3_prepare_v2(ob->db, sql, -1, &q, NULL) != SQLITE_OK) {
		log_warn("outbox: cannot read the outbox: %s", sqlite3_errmsg(ob->db));
		ob->next_scan = now + 1000;
		return;
	}
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int(q, 2, OUTBOX_SCAN_ROWS);
	while (rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
		struct scan_row r = {
			.id = sqlite3_column_int64(q, 0),
			.kind = outbox_kind_of((const char *)sqlite3_column_text(q, 1)),
			.target = (const char *)sqlite3_column_text(q, 2),
			.body = (const char *)sqlite3_column_text(q, 3),
			.attempts = sqlite3_column_int(q, 4),
			.created = sqlite3_column_int64(q, 5),
		};
		if (r.kind < 0 || outbox_in_flight(ob, r.id))
			continue;
		rc = r.kind == OUTBOX_COLLECTOR ? scan_collector(ob, &r, &batch, &held_back)
						: scan_single(ob, &r, &held_back);
	}
	sqlite3_finalize(q);
	if (batch && batch_seal(ob, batch) == 0)
		outbox_transfer_start_or_fail(ob, batch);
	else
		outbox_transfer_free(batch);
	outbox_gauges(ob);
	/* Rows held back go as soon as a transfer finishes (that kicks); the
	 * second is a backstop. */
	ob->next_scan = held_back ? now + 1000 : outbox_next_due(ob, now);
}

/* Delivered rows are kept a week for inspection, then deleted. */
void outbox_rows_sweep(struct outbox *ob, int64_t now)
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

/* The dead letters so far, for the gauge. */
void outbox_rows_count_dead(struct outbox *ob)
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
