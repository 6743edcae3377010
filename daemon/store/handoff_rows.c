/* handoff_rows.c - the rows of handoffs and referral checks (app/peers.c
 * keeps them in memory): their writes, run by the store's writer thread
 * inside its batch transaction (struct store_job), and reading them back
 * once at start-up. */
#include "handoff_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "outbox.h"

/* Prepare, bind texts (NULL binds NULL) and integers, step once. */
static int job_exec(sqlite3 *db, const char *sql, const char *const *texts, size_t n_texts,
		    const int64_t *ints, size_t n_ints)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc == SQLITE_OK) {
		for (size_t i = 0; i < n_texts; i++)
			sqlite3_bind_text(q, (int)i + 1, texts[i], -1, SQLITE_STATIC);
		for (size_t i = 0; i < n_ints; i++)
			sqlite3_bind_int64(q, (int)(n_texts + i) + 1, ints[i]);
		rc = sqlite3_step(q);
		rc = rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
	}
	sqlite3_finalize(q);
	return rc;
}

/* --- a finish ------------------------------------------------------------ */

static int finish_job_run(struct store_job *job, sqlite3 *db, int64_t contact_id,
			  struct store_result *res)
{
	struct finish_job *fj = (struct finish_job *)job;
	int rc = SQLITE_OK;

	(void)contact_id;
	(void)res;
	if (fj->handoff_body) {
		const char *t[] = { fj->contact_key, fj->code, fj->destination };
		/* A code already used makes this fail alone: the finish is
		 * answered "unavailable" and its retry draws a new code. */
		rc = job_exec(db,
			      "INSERT INTO referrals (contact_key, code, destination, sent_ms)"
			      " VALUES (?1, ?2, ?3, ?4)",
			      t, 3, &fj->now, 1);
		if (rc == SQLITE_OK)
			rc = outbox_insert(db, OUTBOX_HANDOFF, fj->destination, fj->handoff_body,
					   fj->now);
	}
	if (rc == SQLITE_OK && fj->received_id) {
		const char *t[] = { fj->contact_key };
		const int64_t n[] = { fj->received_id };
		rc = job_exec(
			db,
			"UPDATE handoffs SET state = 'finished', finished_key = ?1 WHERE id = ?2",
			t, 1, n, 1);
	}
	if (rc == SQLITE_OK && fj->feedback_body)
		rc = outbox_insert(db, OUTBOX_FEEDBACK, fj->feedback_target, fj->feedback_body,
				   fj->now);
	if (rc == SQLITE_OK && fj->collector_body)
		rc = outbox_insert(db, OUTBOX_COLLECTOR, "collector", fj->collector_body, fj->now);
	return rc;
}

static void finish_job_free(struct store_job *job)
{
	struct finish_job *fj = (struct finish_job *)job;

	free(fj->handoff_body);
	free(fj->feedback_body);
	free(fj->collector_body);
	free(fj);
}

struct finish_job *handoff_rows_finish_new(void)
{
	struct finish_job *fj = calloc(1, sizeof(*fj));

	if (fj) {
		fj->job.run = finish_job_run;
		fj->job.free = finish_job_free;
	}
	return fj;
}

/* --- a received handoff -------------------------------------------------- */

struct receive_job {
	struct store_job job;
	int64_t now;
	char from[64], key[129], code[HANDOVER_CODE_LEN + 1], destination[64], country[3], lang[3];
	char body[]; /* as stored: the validated body, compact */
};

static int receive_job_run(struct store_job *job, sqlite3 *db, int64_t contact_id,
			   struct store_result *res)
{
	struct receive_job *rj = (struct receive_job *)job;
	const char *t[] = { rj->from,    rj->key,  rj->code, rj->destination,
			    rj->country, rj->lang, rj->body };
	sqlite3_stmt *q = NULL;
	int rc;

	(void)contact_id;
	rc = job_exec(
		db,
		"INSERT INTO handoffs (from_desk, contact_key, code, destination, country, lang,"
		" body, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT (from_desk, contact_key) DO NOTHING",
		t, 7, &rj->now, 1);
	if (rc != SQLITE_OK)
		return rc;
	if (sqlite3_changes(db)) {
		res->contact_id = sqlite3_last_insert_rowid(db);
		return SQLITE_OK;
	}
	/* The same desk and key again: a retry or a replay. Same answer. */
	rc = sqlite3_prepare_v2(db,
				"SELECT id FROM handoffs WHERE from_desk = ?1 AND contact_key = ?2",
				-1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, rj->from, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, rj->key, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			res->contact_id = sqlite3_column_int64(q, 0);
			res->duplicate = 1;
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_CORRUPT; /* cannot happen: the conflict was this row */
		}
	}
	sqlite3_finalize(q);
	return rc;
}

static void job_free_plain(struct store_job *job)
{
	free(job);
}

struct store_job *handoff_rows_receive_new(const struct handoff_msg *m, const char *body,
					   int64_t now)
{
	struct receive_job *rj = calloc(1, sizeof(*rj) + strlen(body) + 1);

	if (!rj)
		return NULL;
	rj->job.run = receive_job_run;
	rj->job.free = job_free_plain;
	rj->now = now;
	snprintf(rj->from, sizeof(rj->from), "%s", m->desk);
	snprintf(rj->key, sizeof(rj->key), "%s", m->contact_key);
	snprintf(rj->code, sizeof(rj->code), "%s", m->code);
	snprintf(rj->destination, sizeof(rj->destination), "%s", m->destination);
	snprintf(rj->country, sizeof(rj->country), "%s", m->country);
	snprintf(rj->lang, sizeof(rj->lang), "%s", m->lang);
	strcpy(rj->body, body);
	return &rj->job;
}

/* --- a referral check ---------------------------------------------------- */

struct feedback_job {
	struct store_job job;
	int64_t checked;
	char destination[64], code[HANDOVER_CODE_LEN + 1], key[129], check[16], correct[64], by[64];
};

static int feedback_job_run(struct store_job *job, sqlite3 *db, int64_t contact_id,
			    struct store_result *res)
{
	struct feedback_job *fb = (struct feedback_job *)job;
	sqlite3_stmt *q = NULL;
	int rc, checked_before;

	(void)contact_id;
	rc = sqlite3_prepare_v2(db,
				"SELECT check_result IS NOT NULL FROM referrals"
				" WHERE contact_key = ?1 AND code = ?2 AND destination = ?3",
				-1, &q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(q, 1, fb->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, fb->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, fb->destination, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	checked_before = rc == SQLITE_ROW && sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		return SQLITE_OK; /* no such handoff: contact_id stays 0 */
	if (rc != SQLITE_ROW)
		return rc;
	res->contact_id = 1;
	if (checked_before) {
		res->duplicate = 1;
		return SQLITE_OK;
	}
	{
		const char *t[] = { fb->check, fb->correct[0] ? fb->correct : NULL, fb->by,
				    fb->key };
		return job_exec(db,
				"UPDATE referrals SET check_result = ?1, correct_destination = ?2,"
				" checked_by = ?3, checked_ms = ?5 WHERE contact_key = ?4",
				t, 4, &fb->checked, 1);
	}
}

struct store_job *handoff_rows_feedback_new(const struct feedback_msg *m, int64_t now)
{
	struct feedback_job *fb = calloc(1, sizeof(*fb));

	if (!fb)
		return NULL;
	fb->job.run = feedback_job_run;
	fb->job.free = job_free_plain;
	/* The receiver's clock says when; ours if it said nothing. */
	fb->checked = m->checked ? m->checked : now;
	snprintf(fb->destination, sizeof(fb->destination), "%s", m->destination);
	snprintf(fb->code, sizeof(fb->code), "%s", m->code);
	snprintf(fb->key, sizeof(fb->key), "%s", m->contact_key);
	snprintf(fb->check, sizeof(fb->check), "%s", m->referral_check);
	snprintf(fb->correct, sizeof(fb->correct), "%s",
		 m->correct_destination ? m->correct_destination : "");
	snprintf(fb->by, sizeof(fb->by), "%s", m->desk);
	return &fb->job;
}

/* --- start-up ------------------------------------------------------------ */

static int handoff_rows_load_received(sqlite3 *db, int64_t since,
				      const struct handoff_rows_loader *l)
{
	static const char sql[] =
		"SELECT id, body, received_ms FROM handoffs"
		" WHERE state = 'waiting' AND received_ms >= ?1 ORDER BY received_ms, id";
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, since);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		l->received(l->arg, sqlite3_column_int64(q, 0),
			    (const char *)sqlite3_column_text(q, 1), sqlite3_column_int64(q, 2));
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int handoff_rows_load_checks(sqlite3 *db, const struct handoff_rows_loader *l)
{
	static const char tallies[] =
		"SELECT destination, count(*), count(*) FILTER (WHERE check_result = 'accepted'),"
		" count(*) FILTER (WHERE check_result = 'misrouted') FROM referrals GROUP BY destination";
	static const char corrections[] =
		"SELECT code, destination, correct_destination, checked_by, checked_ms FROM referrals"
		" WHERE check_result = 'misrouted' ORDER BY checked_ms, rowid";
	sqlite3_stmt *q;
	int rc;

	if (sqlite3_prepare_v2(db, tallies, -1, &q, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (l->tally(l->arg, (const char *)sqlite3_column_text(q, 0),
			     sqlite3_column_int64(q, 1), sqlite3_column_int64(q, 2),
			     sqlite3_column_int64(q, 3)))
			break;
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE || sqlite3_prepare_v2(db, corrections, -1, &q, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		l->correction(l->arg, (const char *)sqlite3_column_text(q, 0),
			      (const char *)sqlite3_column_text(q, 1),
			      (const char *)sqlite3_column_text(q, 2),
			      (const char *)sqlite3_column_text(q, 3), sqlite3_column_int64(q, 4));
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int handoff_rows_load(const char *path, int64_t since, const struct handoff_rows_loader *l,
		      char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = 0;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    handoff_rows_load_received(db, since, l) || handoff_rows_load_checks(db, l)) {
		snprintf(err, errlen, "%s", db ? sqlite3_errmsg(db) : "out of memory");
		rc = -1;
	}
	sqlite3_close(db);
	return rc;
}
