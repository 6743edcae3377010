/* test_store_faults.c - a damaged store, a failing disk, and the throughput
 * (STORE_BENCH_N). */
#include "unit.h"

#include "store_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_garbage_pages_fail_writes),
		T(test_disk_full_then_resume),
		T(test_throughput),
	};

	store_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
