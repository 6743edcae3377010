/* test_report_periods.c - registration periods and retention in the config, and
 * report filters. */
#include "unit.h"

#include "report_fixture.h"

/* ---- periods and retention in the config ---- */

static void test_dates(void **state)
{
	(void)state;
	assert_true(conf_date_valid("2026-10-01"));
	assert_true(conf_date_valid("2024-02-29"));
	assert_true(conf_date_valid("2000-02-29"));
	assert_false(conf_date_valid("2026-02-29"));
	assert_false(conf_date_valid("1900-02-29"));
	assert_false(conf_date_valid("2026-13-01"));
	assert_false(conf_date_valid("2026-04-31"));
	assert_false(conf_date_valid("2026-00-10"));
	assert_false(conf_date_valid("2026-1-01"));
	assert_false(conf_date_valid("2026-10-01 "));
	assert_false(conf_date_valid("2026/10/01"));
	assert_false(conf_date_valid(""));
}

static void test_periods_config(void **state)
{
	struct conf c;
	char err[512];

	(void)state;
	assert_int_equal(
		load_conf(
			&c,
			"{\"periods\":[{\"id\":\"2026-3\",\"from\":\"2026-07-01\",\"to\":\"2026-09-30\"},"
			"{\"id\":\"2026-4\",\"from\":\"2026-10-01\",\"to\":\"2026-12-31\"}],"
			"\"note_retention_days\":30}",
			err),
		0);
	assert_int_equal(c.n_periods, 2);
	assert_int_equal(c.note_retention_days, 30);
	assert_string_equal(conf_period_find(&c, "2026-4")->from, "2026-10-01");
	assert_null(conf_period_find(&c, "2026-5"));
	/* Local days: 23:30 on 30 September in Oslo is 21:30Z, still 2026-3. */
	assert_string_equal(conf_period_at(&c, 1790803800000LL)->id, "2026-3");
	assert_string_equal(conf_period_at(&c, 1790803800000LL + 3600000)->id, "2026-4");
	assert_null(conf_period_at(&c, 1790803800000LL - 100 * DAY_MS));
	conf_free(&c);

	conf_defaults(&c);
	assert_int_equal(c.note_retention_days, 365);
	assert_int_equal(c.n_periods, 0);
	conf_free(&c);

	expect_conf_error("{\"periods\":{}}", "\"periods\" must be an array");
	expect_conf_error("{\"periods\":[1]}", "periods[0] must be an object");
	expect_conf_error(
		"{\"periods\":[{\"id\":\"a\",\"from\":\"2026-01-01\",\"to\":\"2026-02-30\"}]}",
		"periods[0].to must be a real date YYYY-MM-DD (got \"2026-02-30\")");
	expect_conf_error("{\"periods\":[{\"id\":\"a\",\"to\":\"2026-02-01\"}]}",
			  "periods[0].from must be a real date YYYY-MM-DD (got nothing)");
	expect_conf_error(
		"{\"periods\":[{\"id\":\"a\",\"from\":\"2026-03-01\",\"to\":\"2026-02-01\"}]}",
		"periods[0] (\"a\"): from 2026-03-01 is after to 2026-02-01");
	expect_conf_error(
		"{\"periods\":[{\"id\":\"a\",\"from\":\"2026-01-01\",\"to\":\"2026-01-31\"},"
		"{\"id\":\"a\",\"from\":\"2026-02-01\",\"to\":\"2026-02-28\"}]}",
		"periods[1].id \"a\" is already used by periods[0]");
	expect_conf_error(
		"{\"periods\":[{\"id\":\"a\",\"from\":\"2026-01-01\",\"to\":\"2026-01-31\"},"
		"{\"id\":\"b\",\"from\":\"2026-02-01\",\"to\":\"2026-02-28\"},"
		"{\"id\":\"c\",\"from\":\"2026-01-31\",\"to\":\"2026-01-31\"}]}",
		"periods[2] (\"c\", 2026-01-31 to 2026-01-31) overlaps periods[0]");
	expect_conf_error(
		"{\"periods\":[{\"id\":\"a b\",\"from\":\"2026-01-01\",\"to\":\"2026-01-31\"}]}",
		"periods[0].id must be 1 to 31 letters");
	expect_conf_error(
		"{\"periods\":[{\"id\":\"a\",\"from\":\"2026-01-01\",\"to\":\"2026-01-31\",\"x\":1}]}",
		"periods[0]: unknown key \"x\"");
	expect_conf_error("{\"periods\":[{\"id\":\"a\",\"from\":20260101,\"to\":\"2026-01-31\"}]}",
			  "periods[0].from must be a string");
	expect_conf_error("{\"note_retention_days\":0}",
			  "\"note_retention_days\" must be a whole number of days from 1 to 3650");
	expect_conf_error("{\"note_retention_days\":3651}", "from 1 to 3650");
	expect_conf_error("{\"note_retention_days\":1.5}", "from 1 to 3650");
	expect_conf_error("{\"note_retention_days\":\"365\"}", "from 1 to 3650");
}

/* ---- filters ---- */

static void expect_filter_error(const struct conf *c, const char *from, const char *to,
				const char *period, const char *country, const char *channel,
				int cli, const char *needle)
{
	struct report_filter f;
	char err[256];

	assert_int_equal(report_filter_init(&f, c, from, to, period, country, channel, cli, err,
					    sizeof(err)),
			 -1);
	if (!strstr(err, needle))
		fail_msg("expected an error mentioning '%s', got '%s'", needle, err);
}

static void test_filters(void **state)
{
	struct report_filter f;
	struct conf c;
	char err[512];

	(void)state;
	assert_int_equal(
		load_conf(
			&c,
			"{\"periods\":[{\"id\":\"2026-4\",\"from\":\"2026-10-01\",\"to\":\"2026-12-31\"}]}",
			err),
		0);
	/* One local day across the end of daylight saving: 25 hours. */
	assert_int_equal(report_filter_init(&f, &c, "2026-10-25", "2026-10-25", NULL, "no", "chat",
					    0, err, sizeof(err)),
			 0);
	assert_int_equal(f.from_ms, OSLO_2026_10_25);
	assert_int_equal(f.to_ms - f.from_ms, 25 * 3600000LL);
	assert_string_equal(f.country, "no");
	assert_string_equal(f.channel, "chat");
	/* A period stands for its dates. */
	assert_int_equal(
		report_filter_init(&f, &c, NULL, NULL, "2026-4", NULL, NULL, 0, err, sizeof(err)),
		0);
	assert_string_equal(f.from, "2026-10-01");
	assert_string_equal(f.to, "2026-12-31");
	assert_string_equal(f.period, "2026-4");
	/* Open ends. */
	assert_int_equal(
		report_filter_init(&f, &c, NULL, NULL, NULL, NULL, NULL, 0, err, sizeof(err)), 0);
	assert_true(f.from_ms == INT64_MIN && f.to_ms == INT64_MAX);

	expect_filter_error(&c, "2026-02-30", NULL, NULL, NULL, NULL, 0,
			    "\"from\" must be a real date YYYY-MM-DD, not \"2026-02-30\"");
	expect_filter_error(&c, NULL, "tomorrow", NULL, NULL, NULL, 1,
			    "--to must be a real date YYYY-MM-DD, not \"tomorrow\"");
	expect_filter_error(&c, "2026-10-02", "2026-10-01", NULL, NULL, NULL, 0,
			    "\"from\" 2026-10-02 is after \"to\" 2026-10-01");
	expect_filter_error(&c, "2026-10-01", NULL, "2026-4", NULL, NULL, 0,
			    "\"period\" stands for its own dates");
	expect_filter_error(&c, NULL, NULL, "2027-1", NULL, NULL, 0,
			    "\"period\": no period \"2027-1\" is configured (configured: 2026-4)");
	expect_filter_error(NULL, NULL, NULL, "2027-1", NULL, NULL, 1, "--period: no period");
	expect_filter_error(&c, NULL, NULL, NULL, "NO", NULL, 0,
			    "\"country\" must be a two-letter");
	expect_filter_error(&c, NULL, NULL, NULL, "", NULL, 0, "\"country\"");
	expect_filter_error(
		&c, NULL, NULL, NULL, NULL, "fax", 0,
		"\"channel\": \"fax\" is not allowed; allowed: phone, chat, widget, desk");
	expect_filter_error(&c, "", NULL, NULL, NULL, NULL, 0, "\"from\"");
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test_setup_teardown(test_periods_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
	};

	report_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
