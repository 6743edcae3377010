/* Unit tests for desk hours (conf/hours.c): summer time at its edges,
 * holidays, the next opening across a weekend and holidays, and config
 * errors that name the path. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf/hours.h"

/* UTC ms of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (int64_t)timegm(&tm) * 1000;
}

static const char oslo[] =
	"{\"no\": {\"timezone\": \"Europe/Oslo\","
	" \"week\": {\"mon\": \"08:00-15:30\", \"tue\": \"08:00-15:30\", \"wed\": \"08:00-15:30\","
	" \"thu\": \"08:00-15:30\", \"fri\": \"08:00-15:00\", \"sat\": null, \"sun\": null},"
	" \"holidays\": [\"2026-12-24\", \"2026-12-25\", \"2026-12-26\", \"2026-12-31\"]}}";

static struct desk_hours *parse(const char *text, char *err)
{
	json_t *v = json_loads(text, 0, NULL);
	struct desk_hours *h = NULL;

	assert_non_null(v);
	if (hours_parse(v, "test.json", &h, err, 512))
		h = NULL;
	json_decref(v);
	return h;
}

static void expect_offset(const char *zone, int64_t at, int want)
{
	int off = 9999;

	assert_int_equal(hours_zone_offset(zone, at, &off), 0);
	if (off != want)
		fail_msg("%s at %lld: offset %d, expected %d", zone, (long long)at, off, want);
}

static void test_summer_time_edges(void **state)
{
	int off;

	(void)state;
	/* 2026: last Sundays are 29 March and 25 October, switching at 01:00 UTC. */
	expect_offset("Europe/Oslo", utc(2026, 3, 29, 0, 59, 59), 60);
	expect_offset("Europe/Oslo", utc(2026, 3, 29, 1, 0, 0), 120);
	expect_offset("Europe/Copenhagen", utc(2026, 10, 25, 0, 59, 59), 120);
	expect_offset("Europe/Copenhagen", utc(2026, 10, 25, 1, 0, 0), 60);
	expect_offset("Europe/London", utc(2026, 7, 1, 12, 0, 0), 60);
	expect_offset("Europe/London", utc(2026, 1, 1, 12, 0, 0), 0);
	expect_offset("Atlantic/Faroe", utc(2026, 3, 29, 1, 0, 0), 60);
	expect_offset("America/Nuuk", utc(2026, 1, 15, 12, 0, 0), -120);
	expect_offset("America/Nuuk", utc(2026, 6, 15, 12, 0, 0), -60);
	/* 2027: 28 March and 31 October (the 31st itself a Sunday). */
	expect_offset("Europe/Stockholm", utc(2027, 3, 28, 1, 0, 0), 120);
	expect_offset("Europe/Stockholm", utc(2027, 10, 31, 0, 59, 0), 120);
	expect_offset("Europe/Stockholm", utc(2027, 10, 31, 1, 0, 0), 60);
	assert_int_equal(hours_zone_offset("Mars/Olympus", 0, &off), -1);
}

static void test_open_and_closing_minute(void **state)
{
	char err[512];
	struct desk_hours *h = parse(oslo, err);
	int64_t next;

	(void)state;
	assert_non_null(h);
	/* Monday 7 December 2026, winter time: 08:00 in Oslo is 07:00 UTC. */
	assert_int_equal(hours_open(h, "no", utc(2026, 12, 7, 7, 0, 0), &next), 1);
	assert_int_equal(hours_open(h, "no", utc(2026, 12, 7, 6, 59, 0), &next), 0);
	assert_true(next == utc(2026, 12, 7, 7, 0, 0));
	/* 15:30 is closing time: closed, next Tuesday 08:00. */
	assert_int_equal(hours_open(h, "no", utc(2026, 12, 7, 14, 29, 0), &next), 1);
	assert_int_equal(hours_open(h, "no", utc(2026, 12, 7, 14, 30, 0), &next), 0);
	assert_true(next == utc(2026, 12, 8, 7, 0, 0));
	/* Summer: 08:00 in Oslo is 06:00 UTC. */
	assert_int_equal(hours_open(h, "no", utc(2026, 6, 1, 6, 0, 0), &next), 1);
	assert_int_equal(hours_open(h, "no", utc(2026, 6, 1, 5, 59, 0), &next), 0);
	assert_true(next == utc(2026, 6, 1, 6, 0, 0));
	/* A country without hours is always open. */
	assert_int_equal(hours_open(h, "dk", utc(2026, 12, 25, 3, 0, 0), &next), 1);
	assert_int_equal(hours_open(NULL, "no", utc(2026, 12, 25, 3, 0, 0), &next), 1);
	assert_non_null(hours_json(h, "no"));
	assert_null(hours_json(h, "dk"));
	hours_free(h);
}

static void test_next_open_across_weekend_and_holidays(void **state)
{
	char err[512];
	struct desk_hours *h = parse(oslo, err);
	int64_t next;

	(void)state;
	/* Friday 4 December 16:00 in Oslo (closes 15:00): Monday 08:00. */
	assert_int_equal(hours_open(h, "no", utc(2026, 12, 4, 15, 0, 0), &next), 0);
	assert_true(next == utc(2026, 12, 7, 7, 0, 0));
	/* Christmas Eve at 11:00, a Thursday: holidays, then the weekend. */
	assert_int_equal(hours_open(h, "no", utc(2026, 12, 24, 10, 0, 0), &next), 0);
	assert_true(next == utc(2026, 12, 28, 7, 0, 0));
	/* New Year's Eve (Thursday) skips to Friday 1 January. */
	assert_int_equal(hours_open(h, "no", utc(2026, 12, 30, 20, 0, 0), &next), 0);
	assert_true(next == utc(2027, 1, 1, 7, 0, 0));
	/* Across the switch to summer time: Friday 27 March 2026 after
	 * closing, Monday 30 March 08:00 is 06:00 UTC. */
	assert_int_equal(hours_open(h, "no", utc(2026, 3, 27, 15, 0, 0), &next), 0);
	assert_true(next == utc(2026, 3, 30, 6, 0, 0));
	/* And back: Friday 23 October 2026, Monday 26 October 08:00 is 07:00 UTC. */
	assert_int_equal(hours_open(h, "no", utc(2026, 10, 23, 14, 0, 0), &next), 0);
	assert_true(next == utc(2026, 10, 26, 7, 0, 0));
	hours_free(h);
}

static void expect_error(const char *text, const char *needle)
{
	char err[512] = "";

	assert_null(parse(text, err));
	if (!strstr(err, needle))
		fail_msg("%s: expected an error with \"%s\", got \"%s\"", text, needle, err);
}

static void test_errors_name_the_path(void **state)
{
	(void)state;
	expect_error("{\"no\": {\"timezone\": \"Europe/Oslo\", \"week\": {\"mon\": \"8:00-15:30\"}}}",
		     "test.json: desk_hours.no.week.mon");
	expect_error("{\"no\": {\"timezone\": \"Europe/Oslo\", \"week\": {\"tue\": \"15:00-08:00\"}}}",
		     "desk_hours.no.week.tue");
	expect_error("{\"no\": {\"timezone\": \"Europe/Oslo\", \"week\": {\"mon\": \"08:00-25:00\"}}}",
		     "desk_hours.no.week.mon");
	expect_error("{\"no\": {\"timezone\": \"Mars/Base\", \"week\": {}}}",
		     "desk_hours.no.timezone: unknown time zone \"Mars/Base\"");
	expect_error("{\"no\": {\"timezone\": \"Europe/Oslo\", \"week\": {},"
		     " \"holidays\": [\"2026-12-24\", \"2026-02-30\"]}}",
		     "desk_hours.no.holidays[1]");
	expect_error("{\"no\": {\"timezone\": \"Europe/Oslo\", \"week\": {\"xyz\": null}}}",
		     "unknown day \"xyz\"");
	expect_error("{\"no\": {\"timezone\": \"Europe/Oslo\"}}", "desk_hours.no.week");
	expect_error("{\"norway\": {}}", "\"norway\" is not a country code");
	expect_error("[]", "\"desk_hours\" must be an object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summer_time_edges),
		cmocka_unit_test(test_open_and_closing_minute),
		cmocka_unit_test(test_next_open_across_weekend_and_holidays),
		cmocka_unit_test(test_errors_name_the_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
