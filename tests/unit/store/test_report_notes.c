/* test_report_notes.c - note retention: notes erased on time, and gone from the file. */
#include "unit.h"

#include "report_fixture.h"

/* ---- note retention ---- */

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static unsigned long wake_count;

static void on_wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wake_lock);
	wake_count++;
	pthread_cond_broadcast(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
}

/* Wait (on wakes, not sleeps) until the store has completed `runs` expiries. */
static void wait_runs(struct store *st, unsigned long runs)
{
	unsigned long done;
	unsigned long long erased;
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 60;
	pthread_mutex_lock(&wake_lock);
	for (;;) {
		store_note_stats(st, &done, &erased);
		if (done >= runs)
			break;
		if (pthread_cond_timedwait(&wake_cond, &wake_lock, &deadline) == ETIMEDOUT)
			fail_msg("note expiry did not finish within 60 s");
	}
	pthread_mutex_unlock(&wake_lock);
}

static long long query_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	long long v;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static void test_note_retention(void **state)
{
	int64_t now = 1795000000000LL, cutoff = now - 365 * DAY_MS;
	struct tres res[8];
	unsigned long runs;
	unsigned long long erased;
	struct contact c;
	struct store *st;
	char err[256];

	(void)state;
	/* 2,500 notes older than the cutoff (more than one chunk, several on
	 * the same millisecond), 10 younger, one exactly at it. */
	fill_ten();
	exec_sql(
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)"
		" INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang,"
		" rules_version, path, facts, outcome, note)"
		" SELECT 'old' || i, 1600000000000 + (i / 3) * 1000, 1600000000000 + (i / 3) * 1000,"
		" 'phone', 'no', 'nb', 'x', '[]', '{}', 'resolved', 'old note ' || i FROM n");
	exec_sql("UPDATE contacts SET note = 'young', finished_ms = 1795000000000 - 1000 * id"
		 " WHERE key LIKE 'k%'");
	exec_sql("UPDATE contacts SET finished_ms = 1795000000000 - 365 * 86400000, note = 'edge'"
		 " WHERE key = 'k9'");

	st = store_open(db_path, err, sizeof(err));
	assert_non_null(st);
	tres_reset(); /* the answers of fill() went by already */
	assert_int_equal(store_start(st, test_done()), 0);
	assert_int_equal(store_expire_notes(st, 0), -1);
	assert_int_equal(store_expire_notes(st, cutoff), 0);
	/* A contact arriving meanwhile is stored as usual. */
	c = contact("during", now);
	c.note = "fresh";
	assert_int_equal(store_submit(st, &c, TICKET(1)), 0);
	wait_runs(st, 1);
	store_note_stats(st, &runs, &erased);
	assert_int_equal(runs, 1);
	assert_int_equal(erased, 2500);
	assert_int_equal(query_int("SELECT count(*) FROM contacts WHERE note IS NOT NULL"), 11);
	assert_int_equal(query_int("SELECT count(*) FROM contacts"), 2511);
	assert_int_equal(query_int("SELECT count(*) FROM contacts WHERE note = 'edge'"), 1);
	/* The next run starts where this one ended: the edge contact goes. */
	assert_int_equal(store_expire_notes(st, cutoff + 1), 0);
	wait_runs(st, 2);
	store_note_stats(st, &runs, &erased);
	assert_int_equal(erased, 2501);
	assert_int_equal(query_int("SELECT count(*) FROM contacts WHERE note IS NOT NULL"), 10);
	assert_int_equal(poll_results(res, 8), 1);
	assert_int_equal(res[0].status, STORE_OK);
	store_close(st);
	assert_int_equal(query_int("SELECT count(*) FROM contacts WHERE note = 'fresh'"), 1);
}

/* 1 if the bytes of the file at path hold text anywhere. */
static int file_holds(const char *path, const char *text)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 0, got, tlen = strlen(text);
	char *buf = NULL;
	int found = 0;

	if (!f)
		return 0; /* no such file holds nothing */
	do {
		if (n + 65536 > cap) {
			cap = (cap + 65536) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, 65536, f);
		n += got;
	} while (got);
	fclose(f);
	for (size_t i = 0; !found && i + tlen <= n; i++)
		found = !memcmp(buf + i, text, tlen);
	free(buf);
	return found;
}

/* Issue 19: a note erased by retention must be gone from the store's
 * files, not only from its table, once the run has ended (the store
 * checkpoints after a run that erased anything). Written through the
 * store, as the daemon writes them. */
static void test_erased_notes_leave_the_file(void **state)
{
	int64_t now = 1795000000000LL;
	struct tres res[64];
	struct contact cs[40];
	char keys[40][16], notes[40][64], wal[160], err[256];
	struct store *st;
	size_t got = 0;

	(void)state;
	st = store_open(db_path, err, sizeof(err));
	assert_non_null(st);
	tres_reset(); /* the answers of fill() went by already */
	assert_int_equal(store_start(st, test_done()), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(keys[i], sizeof(keys[i]), "e%d", i);
		snprintf(notes[i], sizeof(notes[i]), "%s-%02d", i < 30 ? "ERASE-ME" : "KEEP-ME", i);
		cs[i] = contact(keys[i], i < 30 ? now - 400 * DAY_MS : now);
		cs[i].note = notes[i];
		assert_int_equal(store_submit(st, &cs[i], TICKET((uint64_t)i + 1)), 0);
	}
	while (got < 40) {
		unsigned long seen;
		size_t n;

		pthread_mutex_lock(&wake_lock);
		seen = wake_count;
		pthread_mutex_unlock(&wake_lock);
		n = poll_results(res, 64);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(res[k].status, STORE_OK);
		got += n;
		pthread_mutex_lock(&wake_lock);
		while (!n && wake_count == seen)
			pthread_cond_wait(&wake_cond, &wake_lock); /* the writer wakes us */
		pthread_mutex_unlock(&wake_lock);
	}
	snprintf(wal, sizeof(wal), "%s-wal", db_path);
	assert_true(file_holds(db_path, "ERASE-ME-07") || file_holds(wal, "ERASE-ME-07"));
	assert_int_equal(store_expire_notes(st, now - 365 * DAY_MS), 0);
	wait_runs(st, 1);
	assert_int_equal(query_int("SELECT count(*) FROM contacts WHERE note LIKE 'ERASE-ME%'"), 0);
	assert_false(file_holds(db_path, "ERASE-ME"));
	assert_false(file_holds(wal, "ERASE-ME"));
	assert_true(file_holds(db_path, "KEEP-ME-31") || file_holds(wal, "KEEP-ME-31"));
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_note_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erased_notes_leave_the_file, setup, teardown),
	};

	report_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
