/* test_store_write.c - writing: rows verified, duplicates, jobs, the queue's
 * bound, draining on close, and corrections (store/correct.c). */
#include "unit.h"

#include "store_fixture.h"

/* ---- writing ---- */

static void test_submit_and_verify_rows(void **state)
{
	struct fixture *f = *state;
	enum { N = 1000 };
	struct store *st = open_started(f->db);
	struct tres *r = calloc(N, sizeof(*r));
	struct contact c;
	char key[32];
	sqlite3 *db;
	sqlite3_stmt *q;
	int i;

	assert_non_null(r);
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "submit-%d", i);
		c = sample(key);
		c.finished_ms += i;
		if (i == 7) {
			/* Every field set, so each column is checked once. */
			c.channel = "chat";
			c.country = "dk";
			c.lang = "da";
			c.outcome = "referred";
			c.referral_reason = "needs_power_of_attorney";
			c.on_behalf = "another_person";
			c.relation = "child";
			c.age_band = "80+";
			c.period = "2026-h1";
			c.note = "Ringte for moren sin";
			c.suggested = "dk.borger";
			c.destination = "dk.mitid";
			c.category = "power_of_attorney";
		}
		if (i == 8) {
			/* Every optional field NULL. */
			c.suggested = c.destination = c.category = c.on_behalf = NULL;
			c.outcome = "abandoned";
		}
		submit_ok(st, &c, (uint64_t)i);
	}
	collect(st, r, N);
	store_close(st);

	for (i = 0; i < N; i++) {
		if (r[i].status != STORE_OK)
			fail_msg("ticket %d: status %d: %s", i, r[i].status, r[i].error);
		assert_int_equal(r[i].duplicate, 0);
		assert_true(r[i].contact_id > 0);
	}
	assert_int_equal(count_rows(f->db), N);
	assert_int_equal(peek_int(f->db, "SELECT count(DISTINCT id) FROM contacts", NULL), N);

	db = peek_open(f->db);
	assert_int_equal(
		sqlite3_prepare_v2(db,
				   "SELECT id, key, started_ms, finished_ms, channel, country,"
				   " lang, rules_version, path, facts, suggested, destination,"
				   " category, outcome, referral_reason, on_behalf, relation,"
				   " age_band, period, note FROM contacts WHERE key = ?1",
				   -1, &q, NULL),
		SQLITE_OK);
	sqlite3_bind_text(q, 1, "submit-7", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(q, 0), r[7].contact_id);
	assert_string_equal((const char *)sqlite3_column_text(q, 1), "submit-7");
	assert_int_equal(sqlite3_column_int64(q, 2), 1764000000000);
	assert_int_equal(sqlite3_column_int64(q, 3), 1764000090007);
	assert_string_equal((const char *)sqlite3_column_text(q, 4), "chat");
	assert_string_equal((const char *)sqlite3_column_text(q, 5), "dk");
	assert_string_equal((const char *)sqlite3_column_text(q, 6), "da");
	assert_string_equal((const char *)sqlite3_column_text(q, 7), "2026-11-22.1");
	assert_string_equal((const char *)sqlite3_column_text(q, 8),
			    "[\"who\",\"topic\",\"login.minid.forgot\"]");
	assert_string_equal((const char *)sqlite3_column_text(q, 9),
			    "{\"on_behalf\":\"self\",\"topic\":\"login\"}");
	assert_string_equal((const char *)sqlite3_column_text(q, 10), "dk.borger");
	assert_string_equal((const char *)sqlite3_column_text(q, 11), "dk.mitid");
	assert_string_equal((const char *)sqlite3_column_text(q, 12), "power_of_attorney");
	assert_string_equal((const char *)sqlite3_column_text(q, 13), "referred");
	assert_string_equal((const char *)sqlite3_column_text(q, 14), "needs_power_of_attorney");
	assert_string_equal((const char *)sqlite3_column_text(q, 15), "another_person");
	assert_string_equal((const char *)sqlite3_column_text(q, 16), "child");
	assert_string_equal((const char *)sqlite3_column_text(q, 17), "80+");
	assert_string_equal((const char *)sqlite3_column_text(q, 18), "2026-h1");
	assert_string_equal((const char *)sqlite3_column_text(q, 19), "Ringte for moren sin");
	sqlite3_reset(q);

	sqlite3_bind_text(q, 1, "submit-8", -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	for (i = 10; i <= 19; i++)
		if (i != 13 && sqlite3_column_type(q, i) != SQLITE_NULL)
			fail_msg("submit-8: column %d should be NULL", i);
	assert_string_equal((const char *)sqlite3_column_text(q, 13), "abandoned");
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(r);
}

static void test_duplicate_across_batches(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_started(f->db);
	struct tres first, again;

	first = store_one(st, "dup-across");
	again = store_one(st, "dup-across");
	store_close(st);

	assert_int_equal(first.status, STORE_OK);
	assert_int_equal(first.duplicate, 0);
	assert_int_equal(again.status, STORE_OK);
	assert_int_equal(again.duplicate, 1);
	assert_int_equal(again.contact_id, first.contact_id);
	assert_int_equal(count_key(f->db, "dup-across"), 1);
}

/* Everything submitted before store_start is one batch: the writer takes
 * all that is waiting at once. */
static void test_duplicate_within_batch(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	struct contact a = sample("dup-within"), b = sample("other");
	struct tres r[3];
	unsigned long before = wakes();

	submit_ok(st, &a, 0);
	submit_ok(st, &a, 1);
	submit_ok(st, &b, 2);
	assert_int_equal(store_queue_depth(st), 3);
	assert_int_equal(store_start(st, test_done()), 0);
	collect(st, r, 3);
	assert_int_equal(wakes() - before, 1);
	assert_int_equal(store_queue_depth(st), 0);
	store_close(st);

	assert_int_equal(r[0].status, STORE_OK);
	assert_int_equal(r[0].duplicate, 0);
	assert_int_equal(r[1].status, STORE_OK);
	assert_int_equal(r[1].duplicate, 1);
	assert_int_equal(r[1].contact_id, r[0].contact_id);
	assert_int_equal(r[2].duplicate, 0);
	assert_true(r[2].contact_id != r[0].contact_id);
	assert_int_equal(count_key(f->db, "dup-within"), 1);
	assert_int_equal(count_rows(f->db), 2);
}

/* A key stands for one contact (issue 19): the same digest is a duplicate,
 * another digest a conflict that neither writes nor tells the first id,
 * within a batch and across batches; rows without a digest keep the old
 * rule. */
static void test_key_digest_conflict(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	struct contact a = sample("k-digest"), same = sample("k-digest"),
		       other = sample("k-digest"), legacy = sample("k-digest");
	struct tres r[4];

	a.key_digest = same.key_digest =
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	other.key_digest = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	other.outcome = "abandoned";
	submit_ok(st, &a, 0);
	submit_ok(st, &other, 1);
	submit_ok(st, &same, 2);
	submit_ok(st, &legacy, 3);
	assert_int_equal(store_start(st, test_done()), 0);
	collect(st, r, 4);
	assert_int_equal(r[0].status, STORE_OK);
	assert_int_equal(r[0].duplicate, 0);
	assert_int_equal(r[1].status, STORE_KEY_CONFLICT);
	assert_int_equal(r[1].contact_id, 0);
	assert_int_equal(r[2].status, STORE_OK);
	assert_int_equal(r[2].duplicate, 1);
	assert_int_equal(r[2].contact_id, r[0].contact_id);
	assert_int_equal(r[3].status, STORE_OK); /* no digest: the old rule */
	assert_int_equal(r[3].duplicate, 1);
	/* Across batches: the conflict again. */
	submit_ok(st, &other, 0);
	collect(st, r, 1);
	assert_int_equal(r[0].status, STORE_KEY_CONFLICT);
	store_close(st);
	assert_int_equal(count_key(f->db, "k-digest"), 1);
	assert_int_equal(count_rows(f->db), 1);
}

/* A contact the schema rejects fails alone; the rest of its batch commits. */
static void test_bad_row_fails_alone(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	struct contact good1 = sample("good-1"), good2 = sample("good-2");
	struct contact fax = sample("bad-channel"), json = sample("bad-json");
	struct contact nullpath = sample("bad-null");
	struct tres r[5];

	fax.channel = "fax";
	json.path_json = "[\"who\",";
	nullpath.path_json = NULL;
	submit_ok(st, &good1, 0);
	submit_ok(st, &fax, 1);
	submit_ok(st, &json, 2);
	submit_ok(st, &nullpath, 3);
	submit_ok(st, &good2, 4);
	assert_int_equal(store_start(st, test_done()), 0);
	collect(st, r, 5);
	store_close(st);

	assert_int_equal(r[0].status, STORE_OK);
	assert_int_equal(r[4].status, STORE_OK);
	assert_int_equal(r[1].status, STORE_FAILED);
	if (!strstr(r[1].error, "CHECK constraint failed"))
		fail_msg("bad channel: %s", r[1].error);
	assert_int_equal(r[2].status, STORE_FAILED);
	assert_int_equal(r[3].status, STORE_FAILED);
	if (!strstr(r[3].error, "NOT NULL constraint failed"))
		fail_msg("NULL path: %s", r[3].error);
	assert_int_equal(r[1].contact_id, 0);
	assert_int_equal(count_rows(f->db), 2);
	assert_int_equal(count_key(f->db, "bad-channel"), 0);
}

/* Jobs run in the contact's transaction: only for a new row, undone with
 * it when they fail, and alone in submission order; every job is freed. */
static void test_jobs(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	struct contact a = sample("job-a"), again = sample("job-a"), bad = sample("job-bad");
	struct contact plain = sample("job-plain");
	struct tres r[5];

	peek_exec(f->db, "CREATE TABLE jobs_side (k TEXT UNIQUE, contact INTEGER)");
	side_jobs_freed = 0;
	a.job = side_job("a", 0);
	again.job = side_job("a-again", 0); /* the key repeats: never runs */
	bad.job = side_job("a", 0);         /* "a" is taken: fails with its contact */
	submit_ok(st, &a, 0);
	submit_ok(st, &again, 1);
	submit_ok(st, &bad, 2);
	submit_ok(st, &plain, 3);
	assert_int_equal(store_submit_job(st, side_job("alone", 77), TICKET(4)), 0);
	/* One batch: everything is queued before the writer starts. */
	assert_int_equal(store_start(st, test_done()), 0);
	collect(st, r, 5);
	store_close(st);

	assert_int_equal(r[0].status, STORE_OK);
	assert_int_equal(r[1].status, STORE_OK);
	assert_int_equal(r[1].duplicate, 1);
	assert_int_equal(r[1].contact_id, r[0].contact_id);
	assert_int_equal(r[2].status, STORE_FAILED);
	if (!strstr(r[2].error, "UNIQUE constraint failed"))
		fail_msg("failing job: %s", r[2].error);
	assert_int_equal(r[3].status, STORE_OK);
	assert_int_equal(r[4].status, STORE_OK);
	assert_int_equal(r[4].contact_id, 77);
	assert_int_equal(count_key(f->db, "job-bad"), 0);
	assert_int_equal(count_rows(f->db), 2);
	assert_int_equal(peek_int(f->db, "SELECT contact FROM jobs_side WHERE k = ?1", "a"),
			 r[0].contact_id);
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM jobs_side WHERE k = ?1", "a-again"),
			 0);
	assert_int_equal(peek_int(f->db, "SELECT contact FROM jobs_side WHERE k = ?1", "alone"), 0);
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM jobs_side", NULL), 2);
	assert_int_equal(side_jobs_freed, 4);
}

static void test_submit_without_key_refused(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	struct contact c = sample(NULL);

	assert_int_equal(store_submit(st, &c, TICKET(1)), -1);
	assert_int_equal(store_queue_depth(st), 0);
	store_close(st);
}

/* With no writer running nothing drains, so the queue fills exactly; close
 * then commits everything on the caller's thread. */
static void test_queue_full(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	struct contact c;
	char key[32];
	int i;

	for (i = 0; i < QUEUE_MAX; i++) {
		snprintf(key, sizeof(key), "full-%d", i);
		c = sample(key);
		submit_ok(st, &c, (uint64_t)i);
	}
	assert_int_equal(store_queue_depth(st), QUEUE_MAX);
	c = sample("one-too-many");
	assert_int_equal(store_submit(st, &c, TICKET(QUEUE_MAX)), -1);
	assert_int_equal(store_queue_depth(st), QUEUE_MAX);
	store_close(st);
	assert_int_equal(count_rows(f->db), QUEUE_MAX);
	assert_int_equal(count_key(f->db, "one-too-many"), 0);
}

/* Unpolled results hold their slot, so a service thread that stops polling
 * is pushed back on instead of the store growing. */
static void test_queue_counts_unpolled_results(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	struct tres r;
	struct contact c;
	char key[32];
	int i;

	for (i = 0; i < QUEUE_MAX; i++) {
		snprintf(key, sizeof(key), "held-%d", i);
		c = sample(key);
		submit_ok(st, &c, (uint64_t)i);
	}
	assert_int_equal(store_start(st, test_done()), 0);
	/* Wait for the writer to answer everything, polling nothing yet. */
	for (;;) {
		unsigned long seen = wakes();

		if (store_queue_depth(st) == 0)
			break;
		wait_wake_after(seen);
	}
	assert_int_equal(store_submit(st, &c, TICKET(0)), -1);
	assert_int_equal(poll_results(&r, 1), 1);
	c = sample("after-poll");
	submit_ok(st, &c, 0);
	store_close(st);
	assert_int_equal(count_key(f->db, "after-poll"), 1);
}

/* close waits for the writer to commit everything queued. */
static void test_close_drains(void **state)
{
	struct fixture *f = *state;
	enum { N = 20000 };
	struct store *st = open_started(f->db);
	struct contact c;
	char key[32];
	int i;

	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "drain-%d", i);
		c = sample(key);
		submit_ok(st, &c, (uint64_t)i);
	}
	store_close(st);
	assert_int_equal(count_rows(f->db), N);
}

/* ---- corrections (store/correct.c) ---- */

/* Submit correction c alone and wait for its result. */
static struct tres correct_one(struct store *st, struct correction *c)
{
	struct tres r;

	assert_int_equal(store_submit_job(st, &c->job, TICKET(0)), 0);
	collect(st, &r, 1);
	return r;
}

static struct correction *correction(int64_t id, const char *key, const char *owner, int64_t now)
{
	struct correction *c = correct_new(64);
	size_t used = 0;

	assert_non_null(c);
	c->contact_id = id;
	c->now_ms = now;
	c->window_ms = 600000;
	snprintf(c->key, sizeof(c->key), "%s", key);
	memset(c->digest, 'a', 64);
	snprintf(c->owner, sizeof(c->owner), "%s", owner);
	snprintf(c->outcome, sizeof(c->outcome), "referred");
	correct_set(c, CORRECT_DESTINATION, "no.bank", &used);
	correct_set(c, CORRECT_REASON, "wrong_agency", &used);
	c->clear[CORRECT_RELATION] = 1;
	return c;
}

/* A correction is a new version of the same row: the previous version is
 * kept in contact_versions, a count over contacts sees the contact once
 * under its new values, and a second agent, a late one or a reused key
 * change nothing. */
static void test_correction_is_a_new_version(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_started(f->db);
	struct contact c = sample("corr-1");
	struct correction *k;
	struct tres r;
	int64_t id, t = 1764000090000 + 1000;

	c.owner = "desk-1";
	c.relation = "friend_or_neighbour";
	c.note = "kept";
	submit_ok(st, &c, 0);
	collect(st, &r, 1);
	id = r.contact_id;

	k = correction(id, "fix-1", "desk-1", t);
	r = correct_one(st, k);
	assert_int_equal(r.status, STORE_OK);
	assert_int_equal(r.contact_id, id);
	assert_int_equal(r.duplicate, 0);
	assert_int_equal(k->version, 2);
	assert_string_equal(k->was.outcome, "resolved");
	assert_string_equal(k->is.outcome, "referred");
	assert_string_equal(k->is.destination, "no.bank");
	free(k);

	k = correction(id, "fix-1", "desk-1", t); /* the same key and digest */
	r = correct_one(st, k);
	assert_int_equal(r.status, STORE_OK);
	assert_int_equal(r.duplicate, 1);
	assert_int_equal(k->version, 2);
	memset(k->digest, 'b', 64); /* the same key, another payload */
	k->version = 0;
	r = correct_one(st, k);
	assert_int_equal(r.status, STORE_KEY_CONFLICT);
	free(k);

	k = correction(id, "fix-2", "desk-2", t);
	assert_int_equal(correct_one(st, k).status, STORE_FORBIDDEN);
	free(k);
	k = correction(id + 7, "fix-3", "desk-1", t); /* no such contact: the same answer */
	assert_int_equal(correct_one(st, k).status, STORE_FORBIDDEN);
	free(k);
	k = correction(id, "fix-4", "desk-1", 1764000090000 + 600001);
	assert_int_equal(correct_one(st, k).status, STORE_TOO_LATE);
	free(k);
	store_close(st);

	/* Counted once, under the new values; the old ones in the audit. */
	assert_int_equal(count_rows(f->db), 1);
	assert_int_equal(peek_int(f->db,
				  "SELECT count(*) FROM contacts WHERE outcome = 'referred'"
				  " AND relation IS NULL AND note = 'kept' AND version = 2",
				  NULL),
			 1);
	assert_int_equal(peek_int(f->db,
				  "SELECT count(*) FROM contact_versions WHERE version = 2"
				  " AND outcome = 'resolved' AND relation = 'friend_or_neighbour'"
				  " AND corrected_by = 'desk-1' AND key = 'fix-1'",
				  NULL),
			 1);
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM contact_versions", NULL), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_submit_and_verify_rows),
		T(test_duplicate_across_batches),
		T(test_duplicate_within_batch),
		T(test_key_digest_conflict),
		T(test_bad_row_fails_alone),
		T(test_submit_without_key_refused),
		T(test_queue_full),
		T(test_queue_counts_unpolled_results),
		T(test_close_drains),
		T(test_jobs),
		T(test_correction_is_a_new_version),
	};

	store_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
