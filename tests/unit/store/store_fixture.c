/* store_fixture.c - the helpers of store_fixture.h, shared by test_store_*.c. */
#include "store_fixture.h"

/* One temp dir and database path per test. */

pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
unsigned long wake_count;

/* The store's wake function: called from the writer once per batch. */
void on_wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wake_lock);
	wake_count++;
	pthread_cond_broadcast(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
}

unsigned long wakes(void)
{
	unsigned long n;

	pthread_mutex_lock(&wake_lock);
	n = wake_count;
	pthread_mutex_unlock(&wake_lock);
	return n;
}

/* Block until the writer has woken us after seen; fail rather than hang. */
void wait_wake_after(unsigned long seen)
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
void collect(struct store *st, struct tres *out, size_t n)
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

struct contact sample(const char *key)
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

int setup(void **state)
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

int teardown(void **state)
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

struct store *open_ok(const char *path)
{
	char err[512] = "";
	struct store *st = store_open(path, err, sizeof(err));

	if (!st)
		fail_msg("store_open(%s): %s", path, err);
	return st;
}

struct store *open_started(const char *path)
{
	struct store *st = open_ok(path);

	/* A store closed before answered its last ones at close: not ours. */
	tres_reset();
	assert_int_equal(store_start(st, test_done()), 0);
	return st;
}

/* A second, independent connection for checking what is really on disk. */
sqlite3 *peek_open(const char *path)
{
	sqlite3 *db = NULL;

	assert_int_equal(
		sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
		SQLITE_OK);
	return db;
}

int64_t peek_int(const char *path, const char *sql, const char *bind)
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
char *peek_text(const char *path, const char *sql)
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

int64_t count_rows(const char *path)
{
	return peek_int(path, "SELECT count(*) FROM contacts", NULL);
}

int64_t count_key(const char *path, const char *key)
{
	return peek_int(path, "SELECT count(*) FROM contacts WHERE key = ?1", key);
}

void peek_exec(const char *path, const char *sql)
{
	sqlite3 *db = peek_open(path);

	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

void submit_ok(struct store *st, const struct contact *c, uint64_t ticket)
{
	assert_int_equal(store_submit(st, c, TICKET(ticket)), 0);
}

/* Submit one contact with key and wait for its result. */
struct tres store_one(struct store *st, const char *key)
{
	struct contact c = sample(key);
	struct tres r;

	submit_ok(st, &c, 0);
	collect(st, &r, 1);
	return r;
}

/* Overwrite len bytes at off with garbage. */
void scribble(const char *path, off_t off, size_t len)
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
void make_store_with_rows(const char *path)
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

/* A job that records the contact id in a side table (jobs_side): "fail"
 * inserts a key that is already there, which fails the job alone. */

int side_jobs_freed;

int side_job_run(struct store_job *job, sqlite3 *db, int64_t contact_id, struct store_result *res)
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

void side_job_free(struct store_job *job)
{
	side_jobs_freed++;
	free(job);
}

struct store_job *side_job(const char *key, int64_t report_id)
{
	struct side_job *sj = calloc(1, sizeof(*sj));

	assert_non_null(sj);
	sj->job.run = side_job_run;
	sj->job.free = side_job_free;
	sj->key = key;
	sj->report_id = report_id;
	return &sj->job;
}

/* The store's own connection, caught as SQLite opens it, so the test can
 * lower max_page_count on it: a real SQLITE_FULL without filling a disk. */
sqlite3 *caught_db;

int catch_db(sqlite3 *db, const char **errmsg, const void *api)
{
	(void)errmsg;
	(void)api;
	if (!caught_db)
		caught_db = db;
	return SQLITE_OK;
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What every test_store_*.c main does before it runs its tests. */
void store_tests_init(void)
{
	/* STORE_TEST_SKIP="test_queue*" (a glob) skips tests, e.g. the
	 * 65536-contact ones under helgrind, which is too slow for them. */
	if (getenv("STORE_TEST_SKIP"))
		cmocka_set_skip_filter(getenv("STORE_TEST_SKIP"));
	/* Expected row failures log warnings; STORE_TEST_LOG=1 shows them. */
	log_init(getenv("STORE_TEST_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
}
