/* test_report_export.c - the CSV and NDJSON exports: fields, order, filter, index. */
#include "unit.h"

#include "report_fixture.h"

/* ---- exports ---- */

/* The vocabulary's facts as the daemon passes them: the CSV's fact columns
 * in this order, then the others the rows hold (on_behalf), by name. */
static const char *const export_vocabulary[] = { "topic", "country", NULL };

static int64_t export(enum export_format fmt, struct sink *out, const struct report_filter *f)
{
	char err[256];
	sqlite3 *db = report_open(db_path, err, sizeof(err));
	int64_t rows;

	assert_non_null(db);
	rows = report_export(db, f, fmt, export_vocabulary, sink_write, out, err, sizeof(err));
	report_close(db);
	return rows;
}

static void fill_notes(void)
{
	struct contact cs[4];

	cs[0] = contact("n0", OSLO_2026_10_25 + 3723456); /* 01:02:03.456 CEST */
	cs[0].note = "=HYPERLINK(\"http://x\"), \"quoted\"\nsecond line";
	cs[1] = contact("n1", OSLO_2026_10_25 + 3 * 3600000); /* 02:00 CET, after the change */
	cs[1].note = "-5 kr";
	cs[1].relation = "guardian";
	cs[2] = contact("n2", OSLO_2026_10_25 + 4 * 3600000);
	cs[2].note = "@home\ttab, \xc3\xa6\xc3\xb8\xc3\xa5 \xff bad byte";
	cs[3] = contact("n3", OSLO_2026_10_25 + 5 * 3600000);
	cs[3].note = "+47 removed";
	cs[3].period = "2026-4";
	fill(cs, 4);
}

static void test_export_csv(void **state)
{
	struct report_filter f;
	struct sink out = { 0 };
	char *line2;

	(void)state;
	fill_notes();
	filter_all(&f);
	assert_int_equal(export(EXPORT_CSV, &out, &f), 4);
	/* One value per cell: UTC dates a spreadsheet reads, the path as text,
	 * a column per fact and per barrier code; no JSON in a cell. */
	assert_true(starts_with(
		out.p,
		"id,started_utc,finished_utc,channel,country,lang,rules_version,"
		"category,outcome,referral_reason,suggested,destination,"
		"on_behalf,relation,age_band,period,path,fact_topic,fact_country,"
		"fact_on_behalf,note,barrier_no_eid,barrier_cannot_get_eid,barrier_no_device,"
		"barrier_language,barrier_sensory_motor,barrier_cognitive,barrier_low_skills,"
		"barrier_distrust,barrier_wants_person,barrier_no_helper,"
		"barrier_mental_health,barrier_helper_not_allowed,barrier_other\r\n"));
	line2 = strstr(out.p, "\r\n") + 2;
	assert_non_null(strstr(
		line2,
		"1,2026-10-24 23:01:03,2026-10-24 23:02:03,phone,no,nb,"
		"fixture-1,login,resolved,,no.bank,no.bank,self,,,,"
		"who > topic > login.bank,login,,self,"
		"\"'=HYPERLINK(\"\"http://x\"\"), \"\"quoted\"\"\nsecond line\",,,,,,,,,,,,,\r\n"));
	/* After the clocks went back: UTC runs on without a jump. */
	assert_non_null(strstr(out.p, ",2026-10-25 01:00:00,phone,"));
	assert_non_null(strstr(out.p, ",self,guardian,,,"));
	assert_non_null(strstr(out.p, ",'-5 kr,"));
	assert_non_null(
		strstr(out.p, ",\"'@home\ttab, \xc3\xa6\xc3\xb8\xc3\xa5 \xef\xbf\xbd bad byte\","));
	assert_non_null(strstr(out.p, ",2026-4,who > topic > login.bank,"));
	assert_non_null(strstr(out.p, ",'+47 removed,"));
	assert_null(strstr(out.p, ",\"{"));
	assert_null(strstr(out.p, ",\"["));
	free(out.p);
}

static void test_export_ndjson(void **state)
{
	struct report_filter f;
	struct sink out = { 0 };
	json_t *row;
	char *line, *save = NULL;
	int n = 0;

	(void)state;
	fill_notes();
	filter_all(&f);
	assert_int_equal(export(EXPORT_NDJSON, &out, &f), 4);
	for (line = strtok_r(out.p, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		json_error_t jerr;
		if (!(row = json_loads(line, 0, &jerr)))
			fail_msg("line %d is not JSON (%s): %s", n + 1, jerr.text, line);
		assert_int_equal(json_object_size(row), 20);
		assert_int_equal(json_integer_value(json_object_get(row, "id")), n + 1);
		assert_true(json_is_array(json_object_get(row, "path")));
		assert_string_equal(
			json_string_value(json_object_get(json_object_get(row, "facts"), "topic")),
			"login");
		assert_true(json_is_null(json_object_get(row, "referral_reason")));
		if (n == 0) {
			/* No formula guard in JSON: the value is what was stored. */
			assert_string_equal(json_string_value(json_object_get(row, "note")),
					    "=HYPERLINK(\"http://x\"), \"quoted\"\nsecond line");
			assert_string_equal(json_string_value(json_object_get(row, "finished")),
					    "2026-10-25T01:02:03.456+02:00");
		}
		if (n == 2)
			assert_string_equal(
				json_string_value(json_object_get(row, "note")),
				"@home\ttab, \xc3\xa6\xc3\xb8\xc3\xa5 \xef\xbf\xbd bad byte");
		if (n == 3)
			assert_string_equal(json_string_value(json_object_get(row, "period")),
					    "2026-4");
		json_decref(row);
	}
	assert_int_equal(n, 4);
	free(out.p);
}

static void test_export_order_and_filter(void **state)
{
	struct report_filter f;
	struct sink out = { 0 }, gone = { .fail_after = 1 };
	char err[256];
	sqlite3 *db;

	(void)state;
	fill_ten();
	/* A contact stored later but finished earlier comes first. */
	exec_sql("INSERT INTO contacts (key, started_ms, finished_ms, channel, country, lang,"
		 " rules_version, path, facts, outcome) VALUES ('late', 1, 1000, 'phone', 'no',"
		 " 'nb', 'x', '[]', '{}', 'resolved')");
	filter_all(&f);
	assert_int_equal(export(EXPORT_NDJSON, &out, &f), 11);
	assert_int_equal(strncmp(out.p, "{\"id\":11,", 9), 0);
	free(out.p);
	memset(&out, 0, sizeof(out));
	assert_int_equal(
		report_filter_init(&f, NULL, NULL, NULL, NULL, "dk", NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(export(EXPORT_CSV, &out, &f), 1);
	assert_non_null(strstr(out.p, "\r\n10,"));
	free(out.p);
	/* The reader goes away: the export stops and says so. */
	filter_all(&f);
	db = report_open(db_path, err, sizeof(err));
	assert_int_equal(
		report_export(db, &f, EXPORT_CSV, NULL, sink_write, &gone, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the reader went away"));
	report_close(db);
	free(gone.p);
	/* No database. */
	assert_null(report_open("/nonexistent/vv.db", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/vv.db: cannot open"));
}

/* Plan check: both orders the export asks for come from an index. */
static void test_export_uses_index(void **state)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	const char *plans[] = {
		"EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE finished_ms >= 0 AND finished_ms < 9"
		" ORDER BY finished_ms, id",
		"EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE finished_ms >= 0 AND finished_ms < 9"
		" AND country = 'no' ORDER BY finished_ms, id",
	};

	(void)state;
	fill_ten();
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(sqlite3_prepare_v2(db, plans[i], -1, &q, NULL), SQLITE_OK);
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(q, 3);
			if (strstr(detail, "TEMP B-TREE"))
				fail_msg("%s: needs a sort: %s", plans[i], detail);
		}
		sqlite3_finalize(q);
	}
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_export_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_ndjson, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_order_and_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_uses_index, setup, teardown),
	};

	report_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
