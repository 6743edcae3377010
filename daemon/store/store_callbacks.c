/* store_callbacks.c - callback requests in the store. The service thread
 * never waits for these writes: inserts and deletes are jobs for the
 * writer thread, answered by their completion like any other job. */
#include "store_callbacks.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

struct callback_job {
	struct store_job job; /* first: the store frees through it */
	struct store *st;
	int insert;
	char code[HANDOVER_CODE_LEN + 1];
	char session[SESSION_ID_LEN + 1];
	char country[3], lang[3];
	char phone[CALLBACK_PHONE_MAX + 1];
	int64_t created_ms, until_ms, now_ms;
	char *step;
};

static void store_callbacks_free(struct store_job *job)
{
	struct callback_job *j = (struct callback_job *)job;

	free(j->step);
	memset(j, 0, sizeof(*j)); /* the number leaves this memory too */
	free(j);
}

static int store_callbacks_run(struct store_job *job, sqlite3 *db, int64_t contact_id,
			       struct store_result *res)
{
	static const char ins[] =
		"INSERT OR IGNORE INTO callbacks (code, session, country, lang, phone, created_ms,"
		" until_ms, step) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	static const char del[] = "DELETE FROM callbacks WHERE code = ?1 OR until_ms <= ?2";
	struct callback_job *j = (struct callback_job *)job;
	sqlite3_stmt *q = NULL;
	int rc;

	(void)contact_id;
	(void)res;
	rc = sqlite3_prepare_v2(db, j->insert ? ins : del, -1, &q, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(q, 1, j->code, -1, SQLITE_STATIC);
	if (j->insert) {
		sqlite3_bind_text(q, 2, j->session, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, j->country, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, j->lang, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, j->phone, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, j->created_ms);
		sqlite3_bind_int64(q, 7, j->until_ms);
		sqlite3_bind_text(q, 8, j->step, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_int64(q, 2, j->now_ms);
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE && !j->insert && sqlite3_changes(db) > 0)
		j->st->callbacks_erased = 1;
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int store_callbacks_submit(struct store *st, struct callback_job *j, store_done_fn *fn,
				  void *arg)
{
	j->st = st;
	j->job.run = store_callbacks_run;
	j->job.free = store_callbacks_free;
	if (store_submit_job(st, &j->job, fn, arg)) {
		store_callbacks_free(&j->job);
		return -1;
	}
	return 0;
}

int store_callbacks_insert(struct store *st, const struct callback *cb, store_done_fn *fn,
			   void *arg)
{
	struct callback_job *j = calloc(1, sizeof(*j));

	if (!j || !(j->step = json_dumps(cb->step, JSON_COMPACT))) {
		free(j);
		return -1;
	}
	j->insert = 1;
	snprintf(j->code, sizeof(j->code), "%s", cb->code);
	snprintf(j->session, sizeof(j->session), "%s", cb->session);
	snprintf(j->country, sizeof(j->country), "%s", cb->country);
	snprintf(j->lang, sizeof(j->lang), "%s", cb->lang);
	snprintf(j->phone, sizeof(j->phone), "%s", cb->phone);
	j->created_ms = cb->created_ms;
	j->until_ms = cb->until_ms;
	return store_callbacks_submit(st, j, fn, arg);
}

int store_callbacks_delete(struct store *st, const char *code, int64_t now_ms,
			   store_done_fn *fn, void *arg)
{
	struct callback_job *j = calloc(1, sizeof(*j));

	if (!j)
		return -1;
	snprintf(j->code, sizeof(j->code), "%s", code ? code : "");
	j->now_ms = now_ms;
	return store_callbacks_submit(st, j, fn, arg);
}

static const char *store_callbacks_col(sqlite3_stmt *q, int i)
{
	const char *s = (const char *)sqlite3_column_text(q, i);

	return s ? s : "";
}

int store_callbacks_load(struct store *st, struct callback_list *l, int64_t now_ms)
{
	static const char sql[] = "SELECT code, session, country, lang, phone, created_ms,"
				  " until_ms, step FROM callbacks ORDER BY created_ms";
	sqlite3_stmt *q = NULL;
	char why[200];
	int rc, n = 0;

	snprintf(why, sizeof(why), "DELETE FROM callbacks WHERE until_ms <= %lld",
		 (long long)now_ms);
	if (sqlite3_exec(st->db, why, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		log_err("store: cannot read the callbacks: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		json_t *step = json_loads(store_callbacks_col(q, 7), 0, NULL);
		if (callback_add(l, store_callbacks_col(q, 0), store_callbacks_col(q, 1),
				 store_callbacks_col(q, 2), store_callbacks_col(q, 3),
				 store_callbacks_col(q, 4), "", sqlite3_column_int64(q, 5),
				 sqlite3_column_int64(q, 6), step))
			n++;
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		log_err("store: cannot read the callbacks: %s", sqlite3_errmsg(st->db));
		return -1;
	}
	return n;
}

