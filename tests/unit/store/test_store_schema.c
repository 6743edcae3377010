/* test_store_schema.c - schema version 3 and later: migrations from version 2,
 * the checks without IN (...), and a close that interrupts a check. */
#include "unit.h"

#include "store_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_migrates_version_2),
		T(test_migration_keeps_what_names_contacts),
		T(test_checks_accept_the_same_values),
		T(test_insert_needs_no_ephemeral_table),
		T(test_close_interrupts_check),
	};

	store_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
