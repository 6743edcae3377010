/* test_store.c - the survey store against a real SQLite file in a temp dir.
 *
 * Synchronisation is by the store's own wake callback, never by sleeping:
 * on_wake signals a condvar and collect() waits on it until every expected
 * result has been polled. STORE_BENCH_N=100000 makes test_throughput submit
 * that many contacts and print the committed rows per second;
 * STORE_TEST_SKIP=glob skips tests by name. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/log.h"
#include "store/store.h"
#include "results.h"
#include "store/correct.h"

/* The capacity documented in docs/store.md (STORE_QUEUE_MAX in store.c). */
#define QUEUE_MAX 65536
/* The number of migration steps in store.c. */
#define SCHEMA_VERSION 7
#define WAIT_SECONDS 60

/* One temp dir and database path per test. */
struct fixture {
	char dir[256];
	char db[300];
};

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static unsigned long wake_count;

/* The store's wake function: called from the writer once per batch. */
static void on_wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wake_lock);
	wake_count++;
	pthread_cond_broadcast(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
}

static unsigned long wakes(void)
{
	unsigned long n;

	pthread_mutex_lock(&wake_lock);
	n = wake_count;
	pthread_mutex_unlock(&wake_lock);
	return n;
}

/* Block until the writer has woken us after seen; fail rather than hang. */
static void wait_wake_after(unsigned long seen)
{
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_SECONDS;
	pthread_mutex_lock(&wake_lock);
	while (wake_count == seen && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&wake_cond, &wake_lock, &deadline);
	pthread_mutex_unlock(&wake_lock);
	if (rc == ETIMEDOUT)
		fail_msg("no wake from the store writer within %d s", WAIT_SECONDS);
}

/* Poll until n results have arrived; out[ticket] receives each. Tickets are
 * 0..n-1 in submission order in these tests, and results must come back in
 * that order (each submission's completion runs in submission order). The wake
 * count is read before polling, so a batch finished after the poll always
 * leaves a newer count to wake us. */
static void collect(struct store *st, struct tres *out, size_t n)
{
	struct tres buf[256];
	size_t got = 0, i, k;
	unsigned long seen;

	(void)st; /* its completions come through the test's queue (results.h) */
	while (got < n) {
		seen = wakes();
		while ((k = poll_results(buf, 256)) > 0) {
			for (i = 0; i < k; i++) {
				if (buf[i].ticket != got + i)
					fail_msg("result %zu is ticket %llu: out of order", got + i,
						 (unsigned long long)buf[i].ticket);
				out[buf[i].ticket] = buf[i];
			}
			got += k;
		}
		if (got < n)
			wait_wake_after(seen);
	}
	assert_int_equal(got, n);
}

static struct contact sample(const char *key)
{
	struct contact c = {
		.started_ms = 1764000000000,
		.finished_ms = 1764000090000,
		.key = key,
		.channel = "phone",
		.country = "no",
		.lang = "nb",
		.rules_version = "2026-11-22.1",
		.path_json = "[\"who\",\"topic\",\"login.minid.forgot\"]",
		.facts_json = "{\"on_behalf\":\"self\",\"topic\":\"login\"}",
		.suggested = "no.digdir.idporten",
		.destination = "no.digdir.idporten",
		.category = "login",
		.outcome = "resolved",
		.on_behalf = "self",
	};
	return c;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	tres_reset(); /* no answers of the test before */
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/vv-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/survey.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[320];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", f->db, suffix[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct store *open_ok(const char *path)
{
	char err[512] = "";
	struct store *st = store_open(path, err, sizeof(err));

	if (!st)
		fail_msg("store_open(%s): %s", path, err);
	return st;
}

static struct store *open_started(const char *path)
{
	struct store *st = open_ok(path);

	/* A store closed before answered its last ones at close: not ours. */
	tres_reset();
	assert_int_equal(store_start(st, test_done()), 0);
	return st;
}

/* A second, independent connection for checking what is really on disk. */
static sqlite3 *peek_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(
		sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
		SQLITE_OK);
	return db;
}

static int64_t peek_int(const char *path, const char *sql, const char *bind)
{
	sqlite3 *db = peek_open(path);
	sqlite3_stmt *q = NULL;
	int64_t v;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (bind)
		sqlite3_bind_text(q, 1, bind, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* The first column of the first row as a string; free() it. */
static char *peek_text(const char *path, const char *sql)
{
	sqlite3 *db = peek_open(path);
	sqlite3_stmt *q = NULL;
	char *v;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = strdup(sqlite3_column_text(q, 0) ? (const char *)sqlite3_column_text(q, 0) : "");
	assert_non_null(v);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static int64_t count_rows(const char *path)
{
	return peek_int(path, "SELECT count(*) FROM contacts", NULL);
}

static int64_t count_key(const char *path, const char *key)
{
	return peek_int(path, "SELECT count(*) FROM contacts WHERE key = ?1", key);
}

static void peek_exec(const char *path, const char *sql)
{
	sqlite3 *db = peek_open(path);

	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static void submit_ok(struct store *st, const struct contact *c, uint64_t ticket)
{
	assert_int_equal(store_submit(st, c, TICKET(ticket)), 0);
}

/* Submit one contact with key and wait for its result. */
static struct tres store_one(struct store *st, const char *key)
{
	struct contact c = sample(key);
	struct tres r;

	submit_ok(st, &c, 0);
	collect(st, &r, 1);
	return r;
}

/* ---- opening ---- */

static void test_migrates_empty_file(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_ok(f->db);
	sqlite3 *db;
	sqlite3_stmt *q;

	store_close(st);
	assert_int_equal(peek_int(f->db, "PRAGMA user_version", NULL), SCHEMA_VERSION);
	assert_int_equal(count_rows(f->db), 0);
	assert_int_equal(peek_int(f->db,
				  "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
				  " AND name LIKE 'contacts_%'",
				  NULL),
			 2);
	/* WAL is recorded in the file header and stays after close. */
	db = peek_open(f->db);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	sqlite3_close(db);
}

static void test_reopen_keeps_data(void **state)
{
	struct fixture *f = *state;
	struct store *st = open_started(f->db);
	struct tres first, again;

	first = store_one(st, "reopen-1");
	assert_int_equal(first.status, STORE_OK);
	store_close(st);

	st = open_started(f->db);
	again = store_one(st, "reopen-1");
	assert_int_equal(again.status, STORE_OK);
	assert_int_equal(again.duplicate, 1);
	assert_int_equal(again.contact_id, first.contact_id);
	store_close(st);
	assert_int_equal(count_rows(f->db), 1);
	assert_int_equal(peek_int(f->db, "PRAGMA user_version", NULL), SCHEMA_VERSION);
}

static void test_newer_version_refused(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";

	peek_exec(f->db,
		  "CREATE TABLE contacts (id INTEGER PRIMARY KEY); PRAGMA user_version = 99");
	assert_null(store_open(f->db, err, sizeof(err)));
	if (!strstr(err, "schema version 99 is newer"))
		fail_msg("unexpected reason: %s", err);
	/* Refusing must not have touched the file, not even its journal mode. */
	assert_int_equal(peek_int(f->db, "PRAGMA user_version", NULL), 99);
	assert_int_equal(
		peek_int(f->db, "SELECT journal_mode = 'delete' FROM pragma_journal_mode", NULL),
		1);
}

/* Overwrite len bytes at off with garbage. */
static void scribble(const char *path, off_t off, size_t len)
{
	char junk[4096];
	int fd = open(path, O_WRONLY);
	size_t done, n;

	assert_true(fd >= 0);
	memset(junk, 0xa5, sizeof(junk));
	for (done = 0; done < len; done += n) {
		n = len - done < sizeof(junk) ? len - done : sizeof(junk);
		assert_int_equal(pwrite(fd, junk, n, off + (off_t)done), (ssize_t)n);
	}
	close(fd);
}

/* A closed store with a few pages of rows, ready to be damaged. */
static void make_store_with_rows(const char *path)
{
	struct store *st = open_started(path);
	struct tres r[200];
	char key[32];
	struct contact c;
	int i;

	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "row-%d", i);
		c = sample(key);
		submit_ok(st, &c, (uint64_t)i);
	}
	collect(st, r, 200);
	store_close(st);
}

static void test_garbage_header_refused(void **state)
{
	struct fixture *f = *state;
	char err[512] = "";

	make_store_with_rows(f->db);
	scribble(f->db, 0, 100);
	assert_null(store_open(f->db, err, sizeof(err)));
	if (!strstr(err, "refusing to open"))
		fail_msg("unexpected reason: %s", err);
}

static void test_missing_directory_refused(void **state)
{
	struct fixture *f = *state;
	char path[400], err[512] = "";

	snprintf(path, sizeof(path), "%s/no/such/dir/survey.db", f->dir);
	assert_null(store_open(path, err, sizeof(err)));
	if (!strstr(err, "cannot open"))
		fail_msg("unexpected reason: %s", err);
}

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
	struct contact a = sample("k-digest"), same = sample("k-digest"), other = sample("k-digest"),
		       legacy = sample("k-digest");
	struct tres r[4];

	a.key_digest = same.key_digest = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
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

/* A job that records the contact id in a side table (jobs_side): "fail"
 * inserts a key that is already there, which fails the job alone. */
struct side_job {
	struct store_job job;
	const char *key;
	int64_t report_id; /* for a job alone: what it says as contact_id */
};

static int side_jobs_freed;

static int side_job_run(struct store_job *job, sqlite3 *db, int64_t contact_id,
			struct store_result *res)
{
	struct side_job *sj = (struct side_job *)job;
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, "INSERT INTO jobs_side (k, contact) VALUES (?1, ?2)", -1,
				    &q, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, sj->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, contact_id);
		rc = sqlite3_step(q);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_OK && sj->report_id)
		res->contact_id = sj->report_id;
	return rc;
}

static void side_job_free(struct store_job *job)
{
	side_jobs_freed++;
	free(job);
}

static struct store_job *side_job(const char *key, int64_t report_id)
{
	struct side_job *sj = calloc(1, sizeof(*sj));

	assert_non_null(sj);
	sj->job.run = side_job_run;
	sj->job.free = side_job_free;
	sj->key = key;
	sj->report_id = report_id;
	return &sj->job;
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

/* ---- a damaged store ---- */

/* Page-by-page damage is no longer found at open, which only reads the
 * header and the schema: the writer's quick_check finds it, and from then
 * on every batch fails with the reason and /healthz reports it. */
static void test_garbage_pages_fail_writes(void **state)
{
	struct fixture *f = *state;
	char why[256] = "";
	int64_t page_size, root;
	struct tres r[2];
	struct contact c = sample("after-damage"), again = sample("after-damage-2");
	struct store *st;
	int i;

	make_store_with_rows(f->db);
	page_size = peek_int(f->db, "PRAGMA page_size", NULL);
	/* The root pages of contacts and of its indexes; the schema stays. */
	for (i = 0; i < 4; i++) {
		char sql[160];

		snprintf(sql, sizeof(sql),
			 "SELECT rootpage FROM sqlite_schema WHERE tbl_name = 'contacts'"
			 " ORDER BY rootpage LIMIT 1 OFFSET %d",
			 i);
		root = peek_int(f->db, sql, NULL);
		scribble(f->db, (off_t)((root - 1) * page_size), (size_t)page_size);
	}
	st = open_started(f->db);
	submit_ok(st, &c, 0);
	collect(st, r, 1);
	assert_int_equal(r[0].status, STORE_FAILED);
	assert_int_equal(r[0].contact_id, 0);
	if (!strstr(r[0].error, "integrity check failed, nothing stored"))
		fail_msg("first batch: %s", r[0].error);
	assert_int_equal(store_healthy(st, why, sizeof(why)), 0);
	if (!strstr(why, "failed its integrity check") || !strstr(why, "restore it from a backup"))
		fail_msg("health: %s", why);
	/* Later batches, and jobs alone, fail the same way. */
	side_jobs_freed = 0;
	submit_ok(st, &again, 0);
	assert_int_equal(store_submit_job(st, side_job("damaged", 0), TICKET(1)), 0);
	collect(st, r, 2);
	assert_int_equal(r[0].status, STORE_FAILED);
	assert_int_equal(r[1].status, STORE_FAILED);
	if (!strstr(r[1].error, "integrity check failed"))
		fail_msg("job alone: %s", r[1].error);
	assert_int_equal(store_healthy(st, NULL, 0), 0);
	store_close(st);
	assert_int_equal(side_jobs_freed, 1);
}

/* ---- a failing disk ---- */

/* The store's own connection, caught as SQLite opens it, so the test can
 * lower max_page_count on it: a real SQLITE_FULL without filling a disk. */
static sqlite3 *caught_db;

static int catch_db(sqlite3 *db, const char **errmsg, const void *api)
{
	(void)errmsg;
	(void)api;
	if (!caught_db)
		caught_db = db;
	return SQLITE_OK;
}

/* Safe while the writer is idle (no contact pending): the poll that
 * collected the last results orders us after its last use of the db. */
static void set_max_pages(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
}

static void test_disk_full_then_resume(void **state)
{
	struct fixture *f = *state;
	static char big[100000];
	struct store *st;
	struct tres r[3], first;
	struct contact c[3];
	const char *keys[3] = { "big-0", "big-1", "big-2" };
	int i;

	caught_db = NULL;
	sqlite3_auto_extension((void (*)(void))catch_db);
	st = open_started(f->db);
	sqlite3_reset_auto_extension();
	assert_non_null(caught_db);

	first = store_one(st, "before-full");
	assert_int_equal(first.status, STORE_OK);

	/* Lower than the file is means "no new pages"; each big note needs
	 * more overflow pages than the few free ones a new store keeps from
	 * its migrations, so every one of these fails whatever the batching. */
	set_max_pages(caught_db, "PRAGMA max_page_count = 1");
	memset(big, 'x', sizeof(big) - 1);
	for (i = 0; i < 3; i++) {
		c[i] = sample(keys[i]);
		c[i].note = big;
		submit_ok(st, &c[i], (uint64_t)i);
	}
	collect(st, r, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r[i].status, STORE_FULL);
		assert_int_equal(r[i].contact_id, 0);
		if (!strstr(r[i].error, "full"))
			fail_msg("ticket %d: %s", i, r[i].error);
		assert_int_equal(count_key(f->db, keys[i]), 0);
	}

	/* Space is back: the same contacts go through, as new rows. */
	set_max_pages(caught_db, "PRAGMA max_page_count = 1073741823");
	for (i = 0; i < 3; i++)
		submit_ok(st, &c[i], (uint64_t)i);
	collect(st, r, 3);
	store_close(st);
	for (i = 0; i < 3; i++) {
		assert_int_equal(r[i].status, STORE_OK);
		assert_int_equal(r[i].duplicate, 0);
		assert_int_equal(count_key(f->db, keys[i]), 1);
	}
	assert_int_equal(count_rows(f->db), 4);
}

/* ---- throughput ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Poll what is there, checking each result; how many. */
static size_t poll_ok(struct store *st)
{
	struct tres buf[512];
	size_t i, k = poll_results(buf, 512);

	(void)st;
	for (i = 0; i < k; i++)
		if (buf[i].status != STORE_OK)
			fail_msg("ticket %llu: %s", (unsigned long long)buf[i].ticket,
				 buf[i].error);
	return k;
}

/* Submit as fast as the queue allows and time until every row is durable.
 * Not an assertion (machines differ); it prints the figure. */
static void test_throughput(void **state)
{
	struct fixture *f = *state;
	const char *env = getenv("STORE_BENCH_N");
	size_t n = env ? strtoul(env, NULL, 10) : 20000, i = 0, got = 0, k;
	struct store *st = open_started(f->db);
	unsigned long first_wake = wakes(), seen;
	struct contact c;
	char key[32];
	double t0, t1;

	t0 = now_s();
	while (got < n) {
		seen = wakes();
		if (i < n) {
			snprintf(key, sizeof(key), "bench-%zu", i);
			c = sample(key);
			if (store_submit(st, &c, TICKET(i)) == 0) {
				i++;
				continue;
			}
		}
		/* Everything submitted, or the queue is full: collect or wait. */
		k = poll_ok(st);
		got += k;
		if (!k)
			wait_wake_after(seen);
	}
	t1 = now_s();
	store_close(st);
	print_message("store: %zu rows durable in %.3f s = %.0f rows/s, %lu batches\n", n, t1 - t0,
		      (double)n / (t1 - t0), wakes() - first_wake);
	assert_int_equal(count_rows(f->db), (int64_t)n);
}

/* ---- schema version 3: the checks without IN (...) ---- */

/* A store as vegvisard left it at schema version 2: the schema exactly as
 * sqlite_schema held it (contacts.desk came from ALTER TABLE), contacts
 * whose ids have gaps, and outbox, referral and handoff rows that name
 * contacts by key. */
static const char v2_store[] =
	"CREATE TABLE contacts ( id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE CHECK"
	" (length(key) BETWEEN 1 AND 256), started_ms INTEGER NOT NULL, finished_ms INTEGER"
	" NOT NULL, channel TEXT NOT NULL CHECK (channel IN ('phone', 'chat', 'widget',"
	" 'desk')), country TEXT NOT NULL CHECK (length(country) = 2), lang TEXT NOT NULL,"
	" rules_version TEXT NOT NULL, path TEXT NOT NULL CHECK (json_valid(path) AND"
	" json_type(path) = 'array'), facts TEXT NOT NULL CHECK (json_valid(facts) AND"
	" json_type(facts) = 'object'), suggested TEXT, destination TEXT, category TEXT,"
	" outcome TEXT NOT NULL CHECK (outcome IN ('resolved', 'referred', 'abandoned')),"
	" referral_reason TEXT CHECK (referral_reason IS NULL OR outcome = 'referred'),"
	" on_behalf TEXT CHECK (on_behalf IN ('self', 'another_person', 'organisation',"
	" 'unknown')), relation TEXT, age_band TEXT, period TEXT, note TEXT, desk TEXT CHECK"
	" (desk IS NULL OR length(desk) BETWEEN 1 AND 63));"
	"CREATE INDEX contacts_finished ON contacts (finished_ms);"
	"CREATE INDEX contacts_country_finished ON contacts (country, finished_ms);"
	"CREATE TABLE outbox ( id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN"
	" ('handoff', 'feedback', 'collector')), target TEXT NOT NULL CHECK (length(target)"
	" BETWEEN 1 AND 64), body TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) ="
	" 'object'), created_ms INTEGER NOT NULL, due_ms INTEGER NOT NULL, attempts INTEGER"
	" NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN"
	" ('pending', 'delivered', 'dead')), last_error TEXT, done_ms INTEGER);"
	"CREATE INDEX outbox_pending ON outbox (due_ms) WHERE state = 'pending';"
	"CREATE TABLE referrals ( contact_key TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
	" destination TEXT NOT NULL, sent_ms INTEGER NOT NULL, check_result TEXT CHECK"
	" (check_result IN ('accepted', 'misrouted')), correct_destination TEXT CHECK"
	" (correct_destination IS NULL OR check_result = 'misrouted'), checked_ms INTEGER,"
	" checked_by TEXT);"
	"CREATE TABLE handoffs ( id INTEGER PRIMARY KEY, from_desk TEXT NOT NULL, contact_key"
	" TEXT NOT NULL, code TEXT NOT NULL, destination TEXT NOT NULL, country TEXT NOT NULL"
	" CHECK (length(country) = 2), lang TEXT NOT NULL, received_ms INTEGER NOT NULL, body"
	" TEXT NOT NULL CHECK (json_valid(body) AND json_type(body) = 'object'), state TEXT"
	" NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'finished')), finished_key"
	" TEXT, UNIQUE (from_desk, contact_key));"
	"CREATE INDEX handoffs_waiting ON handoffs (received_ms) WHERE state = 'waiting';"
	"INSERT INTO contacts VALUES (1, 'c-1', 1764000000000, 1764000090000, 'phone', 'no',"
	" 'nb', '2026-11-22.1', '[\"who\",\"topic\"]', '{\"topic\":\"login\"}', 'no.digdir',"
	" 'no.digdir', 'login', 'resolved', NULL, 'self', NULL, NULL, NULL, NULL, NULL);"
	"INSERT INTO contacts VALUES (2, 'c-2', 1764000100000, 1764000190000, 'chat', 'dk',"
	" 'da', '2026-11-22.1', '[\"who\"]', '{}', 'dk.borger', 'dk.skat', 'estate',"
	" 'referred', 'wrong_agency', 'another_person', 'child', '80+', '2026-4',"
	" 'Ringte for moren sin', NULL);"
	"INSERT INTO contacts VALUES (5, 'desk-a/x', 1764000200000, 1764000290000, 'widget',"
	" 'no', 'en', '2026-11-22.1', '[]', '{}', NULL, NULL, NULL, 'abandoned', NULL, NULL,"
	" NULL, NULL, NULL, NULL, 'desk-a');"
	"INSERT INTO contacts VALUES (7, 'c-7', 1764000300000, 1764000390000, 'desk', 'no',"
	" 'nn', '2026-11-22.1', '[]', '{}', NULL, NULL, 'agency', 'resolved', NULL,"
	" 'organisation', NULL, NULL, NULL, NULL, NULL);"
	"INSERT INTO contacts VALUES (1000, 'c-1000', 1764000400000, 1764000490000, 'phone',"
	" 'no', 'nb', '2026-11-22.1', '[]', '{}', NULL, NULL, NULL, 'resolved', NULL,"
	" 'unknown', NULL, NULL, NULL, NULL, NULL);"
	"INSERT INTO outbox VALUES (1, 'handoff', 'dk.skat', '{\"key\":\"c-2\",\"code\":\"K7Q2\"}',"
	" 1764000190000, 1764000190000, 0, 'pending', NULL, NULL);"
	"INSERT INTO outbox VALUES (2, 'collector', 'collector', '{\"key\":\"c-1\"}',"
	" 1764000090000, 1764000090000, 1, 'delivered', NULL, 1764000091000);"
	"INSERT INTO referrals VALUES ('c-2', 'K7Q2', 'dk.skat', 1764000190000, NULL, NULL,"
	" NULL, NULL);"
	"INSERT INTO handoffs VALUES (1, 'desk-b', 'b-9', 'Q1Q1', 'no.digdir', 'no', 'nb',"
	" 1764000000000, '{\"key\":\"b-9\"}', 'finished', 'c-1');"
	"PRAGMA user_version = 2;";

/* Every column of every contact, and of the outbox, as one text each. */
#define CONTACT_ROWS                                                                               \
	"SELECT json_group_array(json_array(id, key, started_ms, finished_ms, channel, country,"   \
	" lang, rules_version, path, facts, suggested, destination, category, outcome,"            \
	" referral_reason, on_behalf, relation, age_band, period, note, desk)) FROM"               \
	" (SELECT * FROM contacts WHERE id <= 1000 ORDER BY id)"
#define OUTBOX_ROWS                                                                                \
	"SELECT json_group_array(json_array(id, kind, target, body, created_ms, due_ms,"           \
	" attempts, state, last_error, done_ms)) FROM (SELECT * FROM outbox ORDER BY id)"
/* Everything in the schema but where its pages are. */
#define SCHEMA_TEXT                                                                                \
	"SELECT group_concat(type || ' ' || name || ' ' || tbl_name || ' ' || ifnull(sql, ''),"    \
	" char(10)) FROM (SELECT * FROM sqlite_schema ORDER BY name)"

static void remove_db(const char *path)
{
	const char *suffix[] = { "", "-wal", "-shm" };
	char name[340];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		unlink(name);
	}
}

/* Step 3 rebuilds contacts: rows and ids, indexes, the rows that name
 * contacts survive; the result is the schema of a new store, and a daemon
 * that knows fewer steps refuses it. */
static void test_migrates_version_2(void **state)
{
	struct fixture *f = *state;
	char fresh[320], err[512] = "";
	char *rows, *outbox, *text;
	struct tres r;
	struct store *st;

	peek_exec(f->db, v2_store);
	rows = peek_text(f->db, CONTACT_ROWS);
	outbox = peek_text(f->db, OUTBOX_ROWS);
	st = open_started(f->db);
	r = store_one(st, "after-migration");
	store_close(st);
	assert_int_equal(r.status, STORE_OK);
	assert_int_equal(r.contact_id, 1001); /* after the highest id kept */
	assert_int_equal(peek_int(f->db, "PRAGMA user_version", NULL), SCHEMA_VERSION);

	text = peek_text(f->db, CONTACT_ROWS);
	assert_string_equal(text, rows);
	free(text);
	text = peek_text(f->db, OUTBOX_ROWS);
	assert_string_equal(text, outbox);
	free(text);
	assert_int_equal(peek_int(f->db,
				  "SELECT count(*) FROM outbox JOIN contacts"
				  " ON contacts.key = json_extract(outbox.body, '$.key')",
				  NULL),
			 2);
	assert_int_equal(peek_int(f->db,
				  "SELECT count(*) FROM referrals JOIN contacts"
				  " ON contacts.key = referrals.contact_key",
				  NULL),
			 1);
	text = peek_text(f->db, "SELECT group_concat(name, ' ') FROM (SELECT name FROM"
				" sqlite_schema WHERE type = 'index' AND tbl_name = 'contacts'"
				" ORDER BY name)");
	assert_string_equal(
		text, "contacts_country_finished contacts_finished sqlite_autoindex_contacts_1");
	free(text);
	text = peek_text(f->db, "PRAGMA integrity_check"); /* indexes match the table */
	assert_string_equal(text, "ok");
	free(text);

	/* Exactly the schema a new store gets. */
	free(rows);
	rows = peek_text(f->db, SCHEMA_TEXT);
	snprintf(fresh, sizeof(fresh), "%s/fresh.db", f->dir);
	store_close(open_ok(fresh));
	text = peek_text(fresh, SCHEMA_TEXT);
	remove_db(fresh);
	assert_string_equal(text, rows);
	free(text);
	text = peek_text(f->db, "SELECT sql FROM sqlite_schema WHERE name = 'contacts'");
	if (strstr(text, " IN ("))
		fail_msg("contacts still has IN (...) checks: %s", text);
	free(text);

	/* The refusal an older daemon makes, one version up. */
	peek_exec(f->db, "PRAGMA user_version = 8");
	assert_null(store_open(f->db, err, sizeof(err)));
	if (!strstr(err, "schema version 8 is newer than this vegvisard knows (7)"))
		fail_msg("unexpected reason: %s", err);
	free(rows);
	free(outbox);
}

/* Indexes, triggers, views and foreign keys an administrator added keep
 * working: the rebuild saves and recreates what DROP TABLE takes along,
 * and its RENAME leaves what names contacts alone. */
static void test_migration_keeps_what_names_contacts(void **state)
{
	struct fixture *f = *state;
	struct tres r;
	struct store *st;
	char *text;

	peek_exec(f->db, v2_store);
	peek_exec(f->db,
		  "CREATE INDEX contacts_by_desk ON contacts (desk);"
		  "CREATE TABLE audit (contact INTEGER REFERENCES contacts (id), what TEXT);"
		  "INSERT INTO audit VALUES (2, 'by hand');"
		  "CREATE TRIGGER contacts_audit AFTER INSERT ON contacts"
		  " BEGIN INSERT INTO audit VALUES (new.id, 'insert'); END;"
		  "CREATE VIEW referred AS SELECT key FROM contacts WHERE outcome = 'referred';");
	st = open_started(f->db);
	r = store_one(st, "audited");
	store_close(st);
	assert_int_equal(r.status, STORE_OK);

	assert_int_equal(
		peek_int(f->db,
			 "SELECT count(*) FROM sqlite_schema WHERE name = 'contacts_by_desk'"
			 " AND sql = 'CREATE INDEX contacts_by_desk ON contacts (desk)'",
			 NULL),
		1);
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM audit WHERE contact = ?1", "1001"),
			 1);
	text = peek_text(f->db, "SELECT group_concat(key) FROM referred");
	assert_string_equal(text, "c-2");
	free(text);
	text = peek_text(f->db, "SELECT sql FROM sqlite_schema WHERE name = 'audit'");
	if (!strstr(text, "REFERENCES contacts (id)"))
		fail_msg("audit: %s", text);
	free(text);
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM pragma_foreign_key_check", NULL), 0);
	text = peek_text(f->db, "PRAGMA integrity_check");
	assert_string_equal(text, "ok");
	free(text);
}

/* The comparisons accept exactly what IN (...) accepted: each value is
 * inserted into a version 2 store and a new one, with the same result. */
static void test_checks_accept_the_same_values(void **state)
{
	static const struct {
		const char *column, *value;
		int allowed;
	} cases[] = {
		{ "channel", "'phone'", 1 },
		{ "channel", "'chat'", 1 },
		{ "channel", "'widget'", 1 },
		{ "channel", "'desk'", 1 },
		{ "channel", "'fax'", 0 },
		{ "channel", "'Phone'", 0 },
		{ "channel", "'phone '", 0 },
		{ "channel", "''", 0 },
		{ "channel", "NULL", 0 },
		{ "channel", "X'70686F6E65'", 0 },
		{ "channel", "1", 0 },
		{ "outcome", "'resolved'", 1 },
		{ "outcome", "'referred'", 1 },
		{ "outcome", "'abandoned'", 1 },
		{ "outcome", "'done'", 0 },
		{ "outcome", "NULL", 0 },
		{ "on_behalf", "'self'", 1 },
		{ "on_behalf", "'another_person'", 1 },
		{ "on_behalf", "'organisation'", 1 },
		{ "on_behalf", "'unknown'", 1 },
		{ "on_behalf", "NULL", 1 },
		{ "on_behalf", "'someone'", 0 },
		{ "on_behalf", "''", 0 },
	};
	struct fixture *f = *state;
	sqlite3 *old_db, *new_db;
	char fresh[320], sql[512];
	int old_ok, new_ok;
	size_t i;

	peek_exec(f->db, v2_store);
	snprintf(fresh, sizeof(fresh), "%s/fresh.db", f->dir);
	store_close(open_ok(fresh));
	old_db = peek_open(f->db);
	new_db = peek_open(fresh);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* A valid contact, but for the one column under test. */
		snprintf(sql, sizeof(sql),
			 "INSERT INTO contacts (key, started_ms, finished_ms, channel, country,"
			 " lang, rules_version, path, facts, outcome, on_behalf)"
			 " VALUES ('k-%zu', 1, 2, %s, 'no', 'nb', 'v', '[]', '{}', %s, %s)",
			 i, strcmp(cases[i].column, "channel") ? "'phone'" : cases[i].value,
			 strcmp(cases[i].column, "outcome") ? "'resolved'" : cases[i].value,
			 strcmp(cases[i].column, "on_behalf") ? "'self'" : cases[i].value);
		old_ok = sqlite3_exec(old_db, sql, NULL, NULL, NULL) == SQLITE_OK;
		new_ok = sqlite3_exec(new_db, sql, NULL, NULL, NULL) == SQLITE_OK;
		if (old_ok != cases[i].allowed || new_ok != cases[i].allowed)
			fail_msg("%s = %s: version 2 %s, version 3 %s, expected %s",
				 cases[i].column, cases[i].value, old_ok ? "accepts" : "refuses",
				 new_ok ? "accepts" : "refuses",
				 cases[i].allowed ? "accepted" : "refused");
	}
	sqlite3_close(old_db);
	sqlite3_close(new_db);
	remove_db(fresh);
}

/* The writer's INSERT, as the store prepared it, opens no ephemeral table
 * (EXPLAIN would show OpenEphemeral); the same text on a version 2 store
 * shows the ones the IN (...) checks needed. */
static int count_ephemeral(sqlite3 *db, const char *insert)
{
	char *sql = sqlite3_mprintf("EXPLAIN %s", insert);
	sqlite3_stmt *q = NULL;
	int n = 0, ops = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	while (sqlite3_step(q) == SQLITE_ROW) {
		ops++;
		if (strcmp((const char *)sqlite3_column_text(q, 1), "OpenEphemeral") == 0)
			n++;
	}
	assert_true(ops > 10);
	sqlite3_finalize(q);
	sqlite3_free(sql);
	return n;
}

static void test_insert_needs_no_ephemeral_table(void **state)
{
	struct fixture *f = *state;
	char old_path[320], *insert = NULL;
	sqlite3_stmt *s = NULL;
	struct store *st;
	sqlite3 *db;

	caught_db = NULL;
	sqlite3_auto_extension((void (*)(void))catch_db);
	st = open_ok(f->db);
	sqlite3_reset_auto_extension();
	assert_non_null(caught_db);
	while ((s = sqlite3_next_stmt(caught_db, s)))
		if (strncmp(sqlite3_sql(s), "INSERT INTO contacts", 20) == 0)
			insert = strdup(sqlite3_sql(s));
	assert_non_null(insert);
	assert_int_equal(count_ephemeral(caught_db, insert), 0);
	store_close(st);

	snprintf(old_path, sizeof(old_path), "%s/v2.db", f->dir);
	peek_exec(old_path, v2_store);
	/* The columns added after version 3, without their checks, so that
	 * the same INSERT compiles there; the IN (...) checks stay. */
	peek_exec(old_path, "ALTER TABLE contacts ADD COLUMN key_digest TEXT;"
			    "ALTER TABLE contacts ADD COLUMN barriers TEXT;"
			    "ALTER TABLE contacts ADD COLUMN owner TEXT;");
	db = peek_open(old_path);
	assert_int_equal(count_ephemeral(db, insert), 3);
	sqlite3_close(db);
	remove_db(old_path);
	free(insert);
}

/* store_close interrupts a quick_check that is still reading: it does not
 * wait for it, the interrupted check is not taken for damage, and what was
 * queued meanwhile is still committed. Measured against a close after the
 * check, which commits and checkpoints as much, so a slow disk's fsync
 * does not count against it. */
static double close_with_one_queued(struct store *st, const char *key)
{
	struct contact c = sample(key);
	double t0;

	submit_ok(st, &c, 0);
	t0 = now_s();
	store_close(st);
	return now_s() - t0;
}

/* Told by SQLite on the writer's thread when its quick_check has begun. */
static int check_started;

static int on_statement(unsigned type, void *ctx, void *stmt, void *sql)
{
	(void)type;
	(void)ctx;
	(void)sql;
	if (strstr(sqlite3_sql(stmt), "quick_check")) {
		pthread_mutex_lock(&wake_lock);
		check_started = 1;
		pthread_cond_broadcast(&wake_cond);
		pthread_mutex_unlock(&wake_lock);
	}
	return 0;
}

static int trace_check(sqlite3 *db, const char **errmsg, const void *api)
{
	(void)errmsg;
	(void)api;
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_statement, NULL);
	return SQLITE_OK;
}

static void wait_check_started(void)
{
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_SECONDS;
	pthread_mutex_lock(&wake_lock);
	while (!check_started && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&wake_cond, &wake_lock, &deadline);
	pthread_mutex_unlock(&wake_lock);
	if (rc == ETIMEDOUT)
		fail_msg("the writer did not begin its check within %d s", WAIT_SECONDS);
}

static void test_close_interrupts_check(void **state)
{
	struct fixture *f = *state;
	double t0, full, after_check, during_check;
	struct store *st;

	store_close(open_ok(f->db));
	/* Large enough that reading every page takes a noticeable time. */
	peek_exec(
		f->db,
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)"
		" INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang,"
		" rules_version, path, facts, outcome, on_behalf, note)"
		" SELECT 'gen-' || i, i, i + 1000, 'phone', 'no', 'nb', '2026-11-22.1',"
		" '[\"no.who\",\"no.topic.self\",\"no.login.method\"]', '{\"topic\":\"login\"}',"
		" 'resolved', 'self', 'Innringer har sperret MinID etter tre feil koder.' FROM n");
	t0 = now_s();
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM pragma_quick_check", NULL), 1);
	full = now_s() - t0;

	st = open_started(f->db);
	assert_int_equal(store_one(st, "after-check").status, STORE_OK); /* the check is done */
	after_check = close_with_one_queued(st, "closed-after-check");

	check_started = 0;
	sqlite3_auto_extension((void (*)(void))trace_check);
	st = open_started(f->db);
	sqlite3_reset_auto_extension();
	wait_check_started();
	during_check = close_with_one_queued(st, "queued-during-check");
	if (during_check > after_check + full / 2)
		fail_msg("store_close took %.3f s during the check, %.3f s after it; the whole"
			 " check takes %.3f s",
			 during_check, after_check, full);
	assert_int_equal(count_key(f->db, "closed-after-check"), 1);
	assert_int_equal(count_key(f->db, "queued-during-check"), 1);

	/* Not taken for damage: the next start checks again and writes. */
	st = open_started(f->db);
	assert_int_equal(store_one(st, "after-restart").status, STORE_OK);
	assert_int_equal(store_healthy(st, NULL, 0), 1);
	store_close(st);
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
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM contacts WHERE outcome = 'referred'"
					 " AND relation IS NULL AND note = 'kept' AND version = 2",
				  NULL),
			 1);
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM contact_versions WHERE version = 2"
					 " AND outcome = 'resolved' AND relation = 'friend_or_neighbour'"
					 " AND corrected_by = 'desk-1' AND key = 'fix-1'",
				  NULL),
			 1);
	assert_int_equal(peek_int(f->db, "SELECT count(*) FROM contact_versions", NULL), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_migrates_empty_file),
		T(test_reopen_keeps_data),
		T(test_newer_version_refused),
		T(test_garbage_header_refused),
		T(test_garbage_pages_fail_writes),
		T(test_missing_directory_refused),
		T(test_submit_and_verify_rows),
		T(test_duplicate_across_batches),
		T(test_duplicate_within_batch),
		T(test_key_digest_conflict),
		T(test_bad_row_fails_alone),
		T(test_submit_without_key_refused),
		T(test_queue_full),
		T(test_queue_counts_unpolled_results),
		T(test_close_drains),
		T(test_disk_full_then_resume),
		T(test_throughput),
		T(test_jobs),
		T(test_migrates_version_2),
		T(test_migration_keeps_what_names_contacts),
		T(test_checks_accept_the_same_values),
		T(test_insert_needs_no_ephemeral_table),
		T(test_close_interrupts_check),
		T(test_correction_is_a_new_version),
	};

	/* STORE_TEST_SKIP="test_queue*" (a glob) skips tests, e.g. the
	 * 65536-contact ones under helgrind, which is too slow for them. */
	if (getenv("STORE_TEST_SKIP"))
		cmocka_set_skip_filter(getenv("STORE_TEST_SKIP"));
	/* Expected row failures log warnings; STORE_TEST_LOG=1 shows them. */
	log_init(getenv("STORE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
