/* test_store_open.c - opening a store: a new file migrated, a reopened one kept,
 * a newer, garbled or missing one refused. */
#include "unit.h"

#include "store_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_migrates_empty_file),       T(test_reopen_keeps_data),
		T(test_newer_version_refused),     T(test_garbage_header_refused),
		T(test_missing_directory_refused),
	};

	store_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
