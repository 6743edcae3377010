/* test_stats.c - the live statistics: every window and figure, filters, the
 * day, hour and period moving on, and the rebuild from a real store file
 * giving the same snapshot as counting the same contacts one by one.
 *
 * Time is passed in, and the zone is fixed to Europe/Oslo so that local
 * days (and a daylight-saving change) are the same everywhere. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "conf/conf.h"
#include "store/stats.h"
#include "store/store.h"
#include "results.h"

#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)

static int64_t local_ms(int y, int mon, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mon - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_isdst = -1 };

	return (int64_t)mktime(&tm) * 1000;
}

/* A contact as finish would hand it over. */
static struct stats_contact contact(int64_t at, const char *country, const char *channel,
				    const char *outcome, const char *reason, const char *dest,
				    const char *suggested)
{
	struct stats_contact sc;

	memset(&sc, 0, sizeof(sc));
	sc.finished_ms = at;
	snprintf(sc.country, sizeof(sc.country), "%s", country);
	snprintf(sc.channel, sizeof(sc.channel), "%s", channel);
	snprintf(sc.outcome, sizeof(sc.outcome), "%s", outcome);
	snprintf(sc.reason, sizeof(sc.reason), "%s", reason ? reason : "");
	snprintf(sc.category, sizeof(sc.category), "%s", "login");
	snprintf(sc.on_behalf, sizeof(sc.on_behalf), "%s", "self");
	snprintf(sc.destination, sizeof(sc.destination), "%s", dest ? dest : "");
	snprintf(sc.suggested, sizeof(sc.suggested), "%s", suggested ? suggested : "");
	return sc;
}

static json_int_t num(json_t *snap, const char *path)
{
	json_t *v = snap;
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return json_integer_value(v);
}

static double real(json_t *snap, const char *path)
{
	json_t *v = snap;
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	if (!json_is_number(v))
		fail_msg("%s is not a number", path);
	return json_number_value(v);
}

static json_t *snap_all(struct stats *st, int64_t now)
{
	struct stats_filter f = { "", "" };

	return stats_snapshot(st, &f, now);
}

static void test_empty(void **state)
{
	struct conf c = { 0 };
	struct stats *st = stats_new(&c);
	int64_t now = local_ms(2026, 11, 22, 12, 0);
	json_t *s = snap_all(st, now);

	(void)state;
	assert_int_equal(num(s, "today.contacts"), 0);
	assert_true(json_is_null(json_object_get(json_object_get(s, "today"), "referral_rate")));
	assert_true(json_is_null(json_object_get(s, "period")));
	assert_int_equal(num(s, "today.from"), local_ms(2026, 11, 22, 0, 0));
	assert_int_equal(num(s, "today.to"), local_ms(2026, 11, 23, 0, 0));
	assert_int_equal(json_array_size(json_object_get(json_object_get(s, "series"), "points")),
			 STATS_SLOTS);
	assert_int_equal(num(s, "today.reasons.wrong_agency"), 0);
	assert_int_equal(num(s, "today.category.estate"), 0);
	json_decref(s);
	stats_free(st);
}

static void test_figures(void **state)
{
	struct conf c = { 0 };
	struct stats *st = stats_new(&c);
	int64_t now = local_ms(2026, 11, 22, 12, 0);
	struct stats_contact sc;
	json_t *s, *dests;

	(void)state;
	/* 3 resolved, 2 referred to the bank (one suggested there), 1 to nav, 1 abandoned. */
	for (int i = 0; i < 3; i++) {
		sc = contact(now - 10 * MIN, "no", "phone", "resolved", NULL, "no.bank", "no.bank");
		stats_add(st, &sc, now);
	}
	sc = contact(now - 9 * MIN, "no", "chat", "referred", "wrong_agency", "no.bank", "no.bank");
	stats_add(st, &sc, now);
	sc = contact(now - 8 * MIN, "no", "chat", "referred", "no_mandate", "no.bank", "no.nav");
	stats_add(st, &sc, now);
	sc = contact(now - 7 * MIN, "dk", "phone", "referred", "no_mandate", "dk.skat", NULL);
	snprintf(sc.on_behalf, sizeof(sc.on_behalf), "another_person");
	stats_add(st, &sc, now);
	sc = contact(now - 6 * MIN, "dk", "desk", "abandoned", NULL, NULL, NULL);
	snprintf(sc.category, sizeof(sc.category), "estate");
	stats_add(st, &sc, now);

	s = snap_all(st, now);
	assert_int_equal(num(s, "today.contacts"), 7);
	assert_int_equal(num(s, "hour.contacts"), 7);
	assert_int_equal(num(s, "today.outcome.resolved"), 3);
	assert_int_equal(num(s, "today.outcome.referred"), 3);
	assert_int_equal(num(s, "today.outcome.abandoned"), 1);
	assert_true(real(s, "today.referral_rate") == 0.5); /* 3 / (3 + 3) */
	assert_int_equal(num(s, "today.reasons.wrong_agency"), 1);
	assert_int_equal(num(s, "today.reasons.no_mandate"), 2);
	/* Destinations of referred contacts only, most first. */
	dests = json_object_get(json_object_get(s, "today"), "destinations");
	assert_int_equal(json_array_size(dests), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(dests, 0), "id")),
			    "no.bank");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(dests, 0), "count")), 2);
	/* Followed: 5 contacts had a suggestion, 4 ended there. */
	assert_int_equal(num(s, "today.suggested.contacts"), 5);
	assert_int_equal(num(s, "today.suggested.followed"), 4);
	assert_int_equal(num(s, "today.category.login"), 6);
	assert_int_equal(num(s, "today.category.estate"), 1);
	assert_int_equal(num(s, "today.on_behalf.another_person"), 1);
	assert_true(real(s, "today.on_behalf_share") == 1.0 / 7);
	assert_int_equal(num(s, "today.channel.chat"), 2);
	assert_int_equal(num(s, "today.channel.desk"), 1);
	json_decref(s);

	/* Filters pick cells: country, channel, both. */
	s = stats_snapshot(st, &(struct stats_filter){ "dk", "" }, now);
	assert_int_equal(num(s, "today.contacts"), 2);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(s, "filter"), "country")), "dk");
	json_decref(s);
	s = stats_snapshot(st, &(struct stats_filter){ "", "chat" }, now);
	assert_int_equal(num(s, "today.contacts"), 2);
	assert_true(real(s, "today.referral_rate") == 1.0);
	json_decref(s);
	s = stats_snapshot(st, &(struct stats_filter){ "no", "phone" }, now);
	assert_int_equal(num(s, "today.contacts"), 3);
	assert_true(json_is_null(json_object_get(json_object_get(s, "today"), "on_behalf_share")) ==
		    0);
	json_decref(s);
	s = stats_snapshot(st, &(struct stats_filter){ "dk", "chat" }, now);
	assert_int_equal(num(s, "today.contacts"), 0);
	json_decref(s);
	sc = contact(now, "dk", "chat", "resolved", NULL, NULL, NULL);
	assert_true(stats_filter_matches(&(struct stats_filter){ "dk", "" }, &sc));
	assert_false(stats_filter_matches(&(struct stats_filter){ "no", "" }, &sc));
	assert_false(stats_filter_matches(&(struct stats_filter){ "", "phone" }, &sc));
	stats_free(st);
}

static void test_top_ten(void **state)
{
	struct conf c = { 0 };
	struct stats *st = stats_new(&c);
	int64_t now = local_ms(2026, 11, 22, 12, 0);
	char id[32];
	json_t *s, *dests;

	(void)state;
	/* Destination d<i> gets i referrals, i = 1..12. */
	for (int i = 1; i <= 12; i++) {
		snprintf(id, sizeof(id), "no.d%02d", i);
		for (int k = 0; k < i; k++) {
			struct stats_contact sc =
				contact(now - MIN, "no", "phone", "referred", "other", id, NULL);
			stats_add(st, &sc, now);
		}
	}
	s = snap_all(st, now);
	dests = json_object_get(json_object_get(s, "today"), "destinations");
	assert_int_equal(json_array_size(dests), STATS_TOP_DESTINATIONS);
	assert_string_equal(json_string_value(json_object_get(json_array_get(dests, 0), "id")),
			    "no.d12");
	assert_string_equal(json_string_value(json_object_get(json_array_get(dests, 9), "id")),
			    "no.d03");
	json_decref(s);
	stats_free(st);
}

static void test_windows_move(void **state)
{
	struct conf c = { 0 };
	struct stats *st = stats_new(&c);
	int64_t late = local_ms(2026, 11, 22, 23, 50);
	struct stats_contact sc = contact(late, "no", "phone", "referred", "other", "no.nav", NULL);
	json_t *s, *points;
	int64_t next;

	(void)state;
	stats_add(st, &sc, late);
	sc = contact(late + MIN, "no", "phone", "resolved", NULL, NULL, NULL);
	stats_add(st, &sc, late + MIN);

	/* 30 minutes later: a new day, the last hour still has both. */
	next = late + 30 * MIN;
	s = snap_all(st, next);
	assert_int_equal(num(s, "today.contacts"), 0);
	assert_int_equal(num(s, "today.from"), local_ms(2026, 11, 23, 0, 0));
	assert_int_equal(num(s, "hour.contacts"), 2);
	points = json_object_get(json_object_get(s, "series"), "points");
	/* 23:45-00:00 is the third point from the end (00:00, 00:15 after it). */
	assert_int_equal(
		json_integer_value(json_object_get(json_array_get(points, 93), "referred")), 1);
	assert_true(json_real_value(json_object_get(json_array_get(points, 93), "rate")) == 0.5);
	assert_true(json_is_null(json_object_get(json_array_get(points, 95), "rate")));
	json_decref(s);

	/* An hour and a minute after the first: it has left the hour. */
	s = snap_all(st, late + HOUR + 30 * 1000);
	assert_int_equal(num(s, "hour.contacts"), 1);
	assert_int_equal(num(s, "hour.outcome.resolved"), 1);
	json_decref(s);

	/* A day later the series has forgotten them too. */
	s = snap_all(st, late + 25 * HOUR);
	points = json_object_get(json_object_get(s, "series"), "points");
	for (size_t i = 0; i < STATS_SLOTS; i++)
		assert_int_equal(
			json_integer_value(json_object_get(json_array_get(points, i), "referred")),
			0);
	assert_int_equal(num(s, "hour.contacts"), 0);
	json_decref(s);
	stats_free(st);
}

static void test_period(void **state)
{
	struct conf_period periods[] = {
		{ "2026-3", "2026-07-01", "2026-09-30" },
		{ "2026-4", "2026-10-01", "2026-11-30" },
	};
	struct conf c = { .periods = periods, .n_periods = 2 };
	struct stats *st = stats_new(&c);
	int64_t now = local_ms(2026, 11, 22, 12, 0);
	struct stats_contact sc = contact(now - MIN, "no", "phone", "resolved", NULL, NULL, NULL);
	json_t *s;

	(void)state;
	stats_add(st, &sc, now);
	s = snap_all(st, now);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s, "period"), "id")),
			    "2026-4");
	assert_int_equal(num(s, "period.contacts"), 1);
	/* October 1 to November 22, both counted, across the end of summer time. */
	assert_int_equal(num(s, "period.days"), 31 + 22);
	assert_int_equal(num(s, "period.from_ms"), local_ms(2026, 10, 1, 0, 0));
	assert_int_equal(num(s, "period.to_ms"), local_ms(2026, 12, 1, 0, 0));
	json_decref(s);
	/* December is in no period. */
	s = snap_all(st, local_ms(2026, 12, 1, 0, 5));
	assert_true(json_is_null(json_object_get(s, "period")));
	json_decref(s);
	stats_free(st);
}

/* The rebuild from a store file gives exactly the snapshot that counting
 * the same contacts one by one gives. */
static void test_load_matches_incremental(void **state)
{
	struct conf_period periods[] = { { "2026-4", "2026-10-01", "2026-12-31" } };
	struct conf c = { .periods = periods, .n_periods = 1 };
	static const char *const outcomes[] = { "resolved", "referred", "abandoned" };
	static const char *const channels[] = { "phone", "chat", "widget", "desk" };
	static const char *const reasons[] = { "wrong_agency", "no_mandate", "needs_in_person",
					       "other" };
	struct stats *inc = stats_new(&c), *loaded = stats_new(&c);
	int64_t now = local_ms(2026, 11, 22, 12, 7);
	char dir[] = "/tmp/vv-stats-XXXXXX", db[64], err[256], key[32], dest[32];
	struct stats_load_info info;
	struct store *store;
	char *a, *b;
	int n = 0, in_period = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/vegvisar.db", dir);
	store = store_open(db, err, sizeof(err));
	if (!store)
		fail_msg("%s", err);
	/* Every 7 minutes back to September: before the period, in it, in the
	 * last 24 hours and in the last hour. */
	for (int64_t t = now - 2 * MIN; t > local_ms(2026, 9, 20, 0, 0); t -= 7 * MIN, n++) {
		const char *outcome = outcomes[n % 3];
		struct contact ct = {
			.started_ms = t - 5 * MIN,
			.finished_ms = t,
			.key = key,
			.channel = channels[n % 4],
			.country = n % 5 ? "no" : "dk",
			.lang = "nb",
			.rules_version = "t",
			.path_json = "[]",
			.facts_json = "{}",
			.suggested = n % 6 ? "no.bank" : NULL,
			.destination = dest,
			.category = n % 2 ? "login" : "agency",
			.outcome = outcome,
			.referral_reason = n % 3 == 1 ? reasons[n % 4] : NULL,
			.on_behalf = n % 4 ? "self" : "organisation",
		};
		struct stats_contact sc;
		snprintf(key, sizeof(key), "k%d", n);
		snprintf(dest, sizeof(dest), "no.d%d", n % 13);
		assert_int_equal(store_submit(store, &ct, TICKET((uint64_t)n)), 0);
		in_period += t >= local_ms(2026, 10, 1, 0, 0);
		stats_contact_set(&sc, &ct);
		stats_add(inc, &sc, now);
	}
	store_close(store); /* commits the queue on this thread */
	assert_int_equal(stats_load(loaded, db, now, &info, err, sizeof(err)), 0);
	/* Since the first 15-minute point of the series, 23 h 45 min and more ago. */
	assert_true(info.rows > 23 * 60 / 7 && info.rows < 25 * 60 / 7);
	assert_int_equal(info.rows + info.period_rows, in_period);

	for (int f = 0; f < 3; f++) {
		struct stats_filter filters[] = { { "", "" }, { "dk", "" }, { "no", "chat" } };
		json_t *x = stats_snapshot(inc, &filters[f], now),
		       *y = stats_snapshot(loaded, &filters[f], now);
		a = json_dumps(x, JSON_SORT_KEYS | JSON_COMPACT);
		b = json_dumps(y, JSON_SORT_KEYS | JSON_COMPACT);
		if (strcmp(a, b))
			fail_msg("loaded and incremental differ:\n%s\n%s", a, b);
		assert_true(num(x, "period.contacts") > num(x, "today.contacts"));
		assert_true(num(x, "hour.contacts") > 0);
		free(a);
		free(b);
		json_decref(x);
		json_decref(y);
	}
	stats_free(inc);
	stats_free(loaded);
	unlink(db);
	rmdir(dir);
}

static void test_load_missing_file(void **state)
{
	struct conf c = { 0 };
	struct stats *st = stats_new(&c);
	char err[256];

	(void)state;
	assert_int_equal(stats_load(st, "/nonexistent/vegvisar.db", 0, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/vegvisar.db"));
	stats_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_top_ten),
		cmocka_unit_test(test_windows_move),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_load_matches_incremental),
		cmocka_unit_test(test_load_missing_file),
	};

	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
