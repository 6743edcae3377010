/* test_report.c - registration periods in the config, report filters, the
 * figures, their three formats, the CSV and NDJSON exports, and note
 * retention, against real SQLite files in a temp dir. Times are in
 * Europe/Oslo so that daylight saving is part of every date test. */
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "conf/conf.h"
#include "base/log.h"
#include "store/report.h"
#include "store/store.h"
#include "results.h"
#include "base/survey.h"

#define DAY_MS 86400000LL

/* 2026-10-25 00:00 in Oslo is 2026-10-24T22:00Z; that day has 25 hours. */
#define OSLO_2026_10_25 1792879200000LL

static char dir[64];
static char db_path[128];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/vv-report-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/vv.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* ---- helpers ---- */

static int load_conf(struct conf *c, const char *json, char *err)
{
	char path[160];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/conf.json", dir);
	f = fopen(path, "w");
	fputs(json, f);
	fclose(f);
	conf_defaults(c);
	rc = conf_load_file(c, path, err, 512);
	unlink(path);
	return rc;
}

static void expect_conf_error(const char *json, const char *needle)
{
	struct conf c;
	char err[512];

	assert_int_equal(load_conf(&c, json, err), -1);
	if (!strstr(err, needle))
		fail_msg("config %s: expected an error mentioning \"%s\", got \"%s\"", json, needle,
			 err);
	conf_free(&c);
}

static struct contact contact(const char *key, int64_t finished_ms)
{
	struct contact c = {
		.started_ms = finished_ms - 60000,
		.finished_ms = finished_ms,
		.key = key,
		.channel = "phone",
		.country = "no",
		.lang = "nb",
		.rules_version = "fixture-1",
		.path_json = "[\"who\",\"topic\",\"login.bank\"]",
		.facts_json = "{\"on_behalf\":\"self\",\"topic\":\"login\"}",
		.suggested = "no.bank",
		.destination = "no.bank",
		.category = "login",
		.outcome = "resolved",
		.on_behalf = "self",
	};
	return c;
}

/* Store contacts without a writer thread: store_close commits them. */
static void fill(const struct contact *cs, size_t n)
{
	char err[256];
	struct store *st = store_open(db_path, err, sizeof(err));

	if (!st)
		fail_msg("%s", err);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(store_submit(st, &cs[i], TICKET(i)), 0);
	store_close(st);
}

static void exec_sql(const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* Output collected in memory. */
struct sink {
	char *p;
	size_t len;
	int fail_after; /* refuse the n-th write and later ones; 0 never */
	int calls;
};

static int sink_write(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;

	if (s->fail_after && ++s->calls >= s->fail_after)
		return -1;
	s->p = realloc(s->p, s->len + len + 1);
	memcpy(s->p + s->len, data, len);
	s->len += len;
	s->p[s->len] = '\0';
	return 0;
}

static void filter_all(struct report_filter *f)
{
	char err[256];

	assert_int_equal(
		report_filter_init(f, NULL, NULL, NULL, NULL, NULL, NULL, 0, err, sizeof(err)), 0);
}

/* The figures with every count shown: the hand-made contacts are all
 * small cells, and these tests read exact counts (test_small_cells reads
 * them hidden). */
static json_t *compute(const struct report_filter *f)
{
	char err[256];
	sqlite3 *db = report_open(db_path, err, sizeof(err));
	struct report_filter exact = *f;
	json_t *rep;

	if (!db)
		fail_msg("%s", err);
	exact.suppress_below = 1;
	rep = report_compute(db, &exact, err, sizeof(err));
	if (!rep)
		fail_msg("%s", err);
	report_close(db);
	return rep;
}

/* The count at a path like "category.login" or "referral.reason.other". */
static long long count_at(json_t *rep, const char *path)
{
	char copy[128], *save = NULL;
	json_t *o = rep;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		/* destination ids contain dots: take the rest as one key */
		if (!strcmp(k, "destination") && o == json_object_get(rep, "referral")) {
			o = json_object_get(o, k);
			k = strtok_r(NULL, "", &save);
			o = json_object_get(o, k);
			break;
		}
		o = json_object_get(o, k);
	}
	if (!o)
		fail_msg("no %s in the report", path);
	return json_is_object(o) ? json_integer_value(json_object_get(o, "count"))
				 : json_integer_value(o);
}

static int starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix))) {
		print_error("expected output starting with:\n%s\ngot:\n%.*s\n", prefix,
			    (int)strlen(prefix) + 40, s);
		return 0;
	}
	return 1;
}

static void expect_in(const char *s, const char *needle)
{
	if (!strstr(s, needle))
		fail_msg("expected to find:\n%s\nin:\n%s", needle, s);
}

/* Runs of spaces become one, so a test does not depend on column widths. */
static void squeeze(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++)
		if (*r != ' ' || w == s || w[-1] != ' ')
			*w++ = *r;
	*w = '\0';
}

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

/* ---- the figures ---- */

/* Ten contacts with every kind of value the report counts. */
static void fill_ten(void)
{
	struct contact cs[10];
	char keys[10][8];
	int64_t t = OSLO_2026_10_25 + 3600000; /* 01:00 on 25 October, local */

	for (int i = 0; i < 10; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		cs[i] = contact(keys[i], t + i * 3600000LL);
	}
	/* 0-3 login resolved; 4-5 reservation referred; 6 agency referred
	 * elsewhere; 7 abandoned without a suggestion; 8 a category from a
	 * newer daemon; 9 without category, on another day, in Denmark. */
	cs[2].on_behalf = "another_person";
	cs[2].relation = "adult_child_for_parent";
	cs[2].age_band = "80_plus";
	cs[3].channel = "chat";
	cs[3].destination = "no.digdir.idporten"; /* resolved elsewhere than suggested */
	cs[4].category = cs[5].category = "reservation";
	cs[4].outcome = cs[5].outcome = "referred";
	cs[4].referral_reason = "wrong_agency";
	cs[5].referral_reason = "no_mandate";
	cs[5].on_behalf = "another_person";
	cs[5].relation = "guardian";
	cs[6].category = "agency";
	cs[6].outcome = "referred";
	cs[6].referral_reason = "wrong_agency";
	cs[6].suggested = "no.nav";
	cs[6].destination = "no.kommune";
	cs[7].outcome = "abandoned";
	cs[7].suggested = cs[7].destination = NULL;
	cs[7].category = "other";
	cs[8].category = "newcat";
	cs[9].category = NULL;
	cs[9].country = "dk";
	cs[9].channel = "desk";
	cs[9].finished_ms = OSLO_2026_10_25 + 26 * 3600000LL; /* 01:00 on the 26th */
	fill(cs, 10);
}

static void test_figures(void **state)
{
	struct report_filter f;
	json_t *rep, *sugg;

	(void)state;
	fill_ten();
	filter_all(&f);
	rep = compute(&f);
	assert_int_equal(count_at(rep, "total"), 10);
	assert_int_equal(count_at(rep, "category.login"), 4);
	assert_int_equal(count_at(rep, "category.reservation"), 2);
	assert_int_equal(count_at(rep, "category.agency"), 1);
	assert_int_equal(count_at(rep, "category.other"), 1);
	assert_int_equal(count_at(rep, "category.estate"), 0);
	assert_int_equal(count_at(rep, "category.newcat"), 1);
	assert_int_equal(count_at(rep, "category.not_recorded"), 1);
	assert_int_equal(count_at(rep, "on_behalf.another_person"), 2);
	assert_int_equal(count_at(rep, "on_behalf.self"), 8);
	assert_int_equal(count_at(rep, "relation.guardian"), 1);
	assert_int_equal(count_at(rep, "relation.not_recorded"), 8);
	assert_int_equal(count_at(rep, "age_band.80_plus"), 1);
	assert_int_equal(count_at(rep, "outcome.resolved"), 6);
	assert_int_equal(count_at(rep, "outcome.referred"), 3);
	assert_int_equal(count_at(rep, "outcome.abandoned"), 1);
	assert_int_equal(count_at(rep, "channel.chat"), 1);
	assert_int_equal(count_at(rep, "channel.desk"), 1);
	assert_int_equal(count_at(rep, "referral.referred"), 3);
	assert_int_equal(count_at(rep, "referral.resolved"), 6);
	assert_true(json_real_value(json_object_get(json_object_get(rep, "referral"), "rate")) ==
		    3.0 / 9.0);
	assert_int_equal(count_at(rep, "referral.reason.wrong_agency"), 2);
	assert_int_equal(count_at(rep, "referral.reason.no_mandate"), 1);
	assert_int_equal(count_at(rep, "referral.destination.no.bank"), 2);
	assert_int_equal(count_at(rep, "referral.destination.no.kommune"), 1);
	/* Shares are of all contacts, and of the referred for reasons. */
	assert_true(json_real_value(json_object_get(
			    json_object_get(json_object_get(rep, "category"), "login"), "share")) ==
		    0.4);
	assert_true(
		json_real_value(json_object_get(
			json_object_get(json_object_get(json_object_get(rep, "referral"), "reason"),
					"wrong_agency"),
			"share")) == 2.0 / 3.0);
	/* 9 had a suggestion; 3 and 6 went elsewhere. */
	sugg = json_object_get(rep, "suggested");
	assert_int_equal(count_at(sugg, "contacts"), 9);
	assert_int_equal(count_at(sugg, "followed"), 7);
	assert_int_equal(count_at(sugg, "referred.contacts"), 3);
	assert_int_equal(count_at(sugg, "referred.followed"), 2);
	/* Known values come first, in their order; then the others. */
	{
		const char *order[] = { "login",  "reservation", "power_of_attorney",
					"agency", "estate",      "other",
					"newcat", "not_recorded" };
		const char *key;
		json_t *v;
		size_t i = 0;
		json_object_foreach(json_object_get(rep, "category"), key, v)
			assert_string_equal(key, order[i++]);
		assert_int_equal(i, 8);
	}
	json_decref(rep);
}

static void test_filtered_figures(void **state)
{
	struct report_filter f;
	json_t *rep;
	char err[256];

	(void)state;
	fill_ten();
	/* The 25th in Oslo (25 hours) holds 0-8; the 26th holds 9. */
	assert_int_equal(report_filter_init(&f, NULL, "2026-10-25", "2026-10-25", NULL, NULL, NULL,
					    0, err, sizeof(err)),
			 0);
	rep = compute(&f);
	assert_int_equal(count_at(rep, "total"), 9);
	json_decref(rep);
	assert_int_equal(report_filter_init(&f, NULL, "2026-10-26", NULL, NULL, NULL, NULL, 0, err,
					    sizeof(err)),
			 0);
	rep = compute(&f);
	assert_int_equal(count_at(rep, "total"), 1);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rep, "filter"), "from")),
		"2026-10-26");
	json_decref(rep);
	assert_int_equal(
		report_filter_init(&f, NULL, NULL, NULL, NULL, "dk", NULL, 0, err, sizeof(err)), 0);
	rep = compute(&f);
	assert_int_equal(count_at(rep, "total"), 1);
	json_decref(rep);
	assert_int_equal(
		report_filter_init(&f, NULL, NULL, NULL, NULL, "no", "chat", 0, err, sizeof(err)),
		0);
	rep = compute(&f);
	assert_int_equal(count_at(rep, "total"), 1);
	assert_int_equal(count_at(rep, "channel.chat"), 1);
	json_decref(rep);
	/* Nothing matches: counts are zero and shares null, not NaN. */
	assert_int_equal(report_filter_init(&f, NULL, "2020-01-01", "2020-01-01", NULL, NULL, NULL,
					    0, err, sizeof(err)),
			 0);
	rep = compute(&f);
	assert_int_equal(count_at(rep, "total"), 0);
	assert_true(json_is_null(json_object_get(json_object_get(rep, "referral"), "rate")));
	assert_true(json_is_null(json_object_get(
		json_object_get(json_object_get(rep, "category"), "login"), "share")));
	json_decref(rep);
}

static void test_formats(void **state)
{
	struct report_filter f;
	struct sink text = { 0 }, csv = { 0 }, js = { 0 }, broken = { .fail_after = 1 };
	enum report_format fmt;
	json_t *rep, *back;

	(void)state;
	fill_ten();
	filter_all(&f);
	rep = compute(&f);
	assert_int_equal(report_print(rep, REPORT_TEXT, sink_write, &text), 0);
	assert_int_equal(report_print(rep, REPORT_CSV, sink_write, &csv), 0);
	assert_int_equal(report_print(rep, REPORT_JSON, sink_write, &js), 0);
	assert_int_equal(report_print(rep, REPORT_TEXT, sink_write, &broken), -1);

	/* The table's columns, with runs of spaces read as one. */
	squeeze(text.p);
	expect_in(text.p, "Vegvisar survey report\n Finished any day\n Country all\n");
	expect_in(text.p, "\nContacts 10\n\nCategory count %\n login 4 40.0\n");
	/* 1 of 3 referred is 33.3 %, 2 of 3 rounds up to 66.7 %. */
	expect_in(text.p, "\nReferral reason count %\n (of 3 referred)\n wrong_agency 2 66.7\n"
			  " no_mandate 1 33.3\n needs_in_person 0 0.0\n");
	expect_in(text.p,
		  "\nReferral rate count %\n (of 9 resolved or referred)\n referred 3 33.3\n");
	expect_in(text.p, "\n newcat 1 10.0\n not_recorded 1 10.0\n");
	expect_in(text.p, "\nReferred where suggested count %\n"
			  " (of 3 referrals with a suggestion)\n followed 2 66.7\n");

	assert_true(starts_with(csv.p, "section,value,count,of,percent\r\ncontacts,total,10,,\r\n"
				       "category,login,4,10,40.0\r\n"));
	assert_non_null(strstr(csv.p, "\r\nreferral_rate,referred,3,9,33.3\r\n"));
	assert_non_null(strstr(csv.p, "\r\nreferral_destination,no.bank,2,3,66.7\r\n"));
	assert_non_null(strstr(csv.p, "\r\nsuggested,followed,7,9,77.8\r\n"));
	assert_non_null(strstr(csv.p, "\r\nsuggested_referred,followed,2,3,66.7\r\n"));

	back = json_loads(js.p, 0, NULL);
	assert_non_null(back);
	assert_true(json_equal(back, rep));

	assert_int_equal(report_format_parse("csv", &fmt), 0);
	assert_int_equal(fmt, REPORT_CSV);
	assert_int_equal(report_format_parse("xml", &fmt), -1);
	json_decref(back);
	json_decref(rep);
	free(text.p);
	free(csv.p);
	free(js.p);
	free(broken.p);
}

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
		out.p, "id,started_utc,finished_utc,channel,country,lang,rules_version,"
		       "category,outcome,referral_reason,suggested,destination,"
		       "on_behalf,relation,age_band,period,path,fact_topic,fact_country,"
		       "fact_on_behalf,note,barrier_no_eid,barrier_cannot_get_eid,barrier_no_device,"
		       "barrier_language,barrier_sensory_motor,barrier_cognitive,barrier_low_skills,"
		       "barrier_distrust,barrier_wants_person,barrier_no_helper,"
		       "barrier_mental_health,barrier_helper_not_allowed,barrier_other\r\n"));
	line2 = strstr(out.p, "\r\n") + 2;
	assert_non_null(strstr(
		line2, "1,2026-10-24 23:01:03,2026-10-24 23:02:03,phone,no,nb,"
		       "fixture-1,login,resolved,,no.bank,no.bank,self,,,,"
		       "who > topic > login.bank,login,,self,"
		       "\"'=HYPERLINK(\"\"http://x\"\"), \"\"quoted\"\"\nsecond line\",,,,,,,,,,,,,\r\n"));
	/* After the clocks went back: UTC runs on without a jump. */
	assert_non_null(strstr(out.p, ",2026-10-25 01:00:00,phone,"));
	assert_non_null(strstr(out.p, ",self,guardian,,,"));
	assert_non_null(strstr(out.p, ",'-5 kr,"));
	assert_non_null(strstr(
		out.p, ",\"'@home\ttab, \xc3\xa6\xc3\xb8\xc3\xa5 \xef\xbf\xbd bad byte\","));
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
	assert_int_equal(report_export(db, &f, EXPORT_CSV, NULL, sink_write, &gone, err,
				       sizeof(err)),
			 -1);
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

/* ---- barriers, small cells and stories (issue 21) ---- */

/* 40 contacts: i % 4 picks the category (login, reservation,
 * power_of_attorney, agency), i < 12 is referred; barriers by i: every
 * fifth lacks an eID, every seventh has the language barrier, the referred
 * ones from 0 to 5 cannot get one, and one row has a code from a newer
 * daemon. Some cross cells are 1 to 4: the small cells. */
static void fill_barriers(void)
{
	static const char *const cats[] = { "login", "reservation", "power_of_attorney", "agency" };
	struct contact cs[40];
	char keys[40][8], text[40][SURVEY_BARRIERS_TEXT_MAX];

	for (int i = 0; i < 40; i++) {
		uint32_t bits = 0;
		snprintf(keys[i], sizeof(keys[i]), "b%d", i);
		cs[i] = contact(keys[i], OSLO_2026_10_25 + 3600000 + i * 60000LL);
		cs[i].category = cats[i % 4];
		if (i < 12) {
			cs[i].outcome = "referred";
			cs[i].referral_reason = "wrong_agency";
		}
		if (i % 5 == 0)
			bits |= 1u << survey_barrier_index("no_eid");
		if (i % 7 == 0)
			bits |= 1u << survey_barrier_index("language");
		if (i < 6)
			bits |= 1u << survey_barrier_index("cannot_get_eid");
		assert_int_equal(survey_barriers_write(bits, text[i], sizeof(text[i])), 0);
		cs[i].barriers = bits ? text[i] : NULL;
	}
	cs[39].barriers = "[\"no_eid\",\"from_the_future\"]";
	fill(cs, 40);
}

static json_t *at(json_t *o, const char *a, const char *b, const char *c, const char *d)
{
	const char *keys[] = { a, b, c, d };

	for (int i = 0; i < 4 && keys[i] && o; i++)
		o = json_object_get(o, keys[i]);
	if (!o)
		fail_msg("no %s.%s.%s.%s in the report", a, b ? b : "", c ? c : "", d ? d : "");
	return o;
}

static void test_barrier_figures(void **state)
{
	struct report_filter f;
	json_t *rep, *e;

	(void)state;
	fill_barriers();
	filter_all(&f);
	rep = compute(&f);
	/* no_eid: 0, 5, …, 35 and 39 (its unknown code is not counted). */
	assert_int_equal(count_at(rep, "barrier.no_eid"), 9);
	assert_int_equal(count_at(rep, "barrier.language"), 6);
	assert_int_equal(count_at(rep, "barrier.cannot_get_eid"), 6);
	assert_int_equal(count_at(rep, "barrier.distrust"), 0);
	e = at(rep, "barrier", "no_eid", "share", NULL);
	assert_true(json_real_value(e) == 9.0 / 40.0);
	/* Without any barrier: 40 minus the 17 with one. */
	assert_int_equal(count_at(rep, "barrier.not_recorded"), 23);
	/* Of those referred (0-11), how many lacked an eID: 0, 5, 10. */
	assert_int_equal(json_integer_value(at(rep, "barrier_by", "outcome", "referred", "contacts")), 12);
	e = at(rep, "barrier_by", "outcome", "referred", "barrier");
	assert_int_equal(count_at(e, "no_eid"), 3);
	assert_int_equal(count_at(e, "cannot_get_eid"), 6);
	assert_true(json_real_value(at(e, "cannot_get_eid", "share", NULL, NULL)) == 0.5);
	/* login is i % 4 == 0: 0, 4, …, 36; no_eid among them 0, 20. */
	e = at(rep, "barrier_by", "category", "login", "barrier");
	assert_int_equal(count_at(e, "no_eid"), 2);
	assert_int_equal(count_at(e, "language"), 2); /* 0 and 28 */
	assert_int_equal(json_integer_value(at(rep, "barrier_by", "channel", "phone", "contacts")), 40);
	assert_int_equal(json_integer_value(at(rep, "barrier_by", "channel", "chat", "contacts")), 0);
	/* Nothing to divide by: null, never NaN. */
	e = at(rep, "barrier_by", "channel", "chat", "barrier");
	assert_true(json_is_null(at(e, "no_eid", "share", NULL, NULL)));
	/* Every code and every value is listed, in the stored order. */
	{
		const char *key;
		json_t *v;
		int i = 0;
		json_object_foreach(json_object_get(rep, "barrier"), key, v)
			if (strcmp(key, "not_recorded"))
				assert_string_equal(key, survey_barriers[i++]);
		assert_int_equal(i, survey_barrier_count());
	}
	assert_null(json_object_get(at(rep, "barrier_by", "category", NULL, NULL), "not_recorded"));
	json_decref(rep);
}

/* Counts from 1 to below - 1 become "< below" with a null share, wherever
 * they are; zero and "total" stay; the printed forms show the same. */
static void test_small_cells(void **state)
{
	struct report_filter f;
	struct sink text = { 0 }, csv = { 0 };
	char err[256];
	sqlite3 *db;
	json_t *rep, *e;

	(void)state;
	fill_barriers();
	filter_all(&f);
	assert_int_equal(f.suppress_below, 5); /* the default without a config */
	db = report_open(db_path, err, sizeof(err));
	assert_non_null(db);
	rep = report_compute(db, &f, err, sizeof(err));
	assert_non_null(rep);
	assert_int_equal(json_integer_value(json_object_get(rep, "total")), 40);
	e = at(rep, "barrier_by", "outcome", "referred", "barrier");
	assert_string_equal(json_string_value(at(e, "no_eid", "count", NULL, NULL)), "< 5");
	assert_true(json_is_null(at(e, "no_eid", "share", NULL, NULL)));
	assert_int_equal(json_integer_value(at(e, "cannot_get_eid", "count", NULL, NULL)), 6);
	assert_int_equal(json_integer_value(at(e, "distrust", "count", NULL, NULL)), 0);
	assert_true(json_real_value(at(e, "distrust", "share", NULL, NULL)) == 0.0);
	/* None abandoned: 0 is shown, it singles nobody out. */
	assert_int_equal(json_integer_value(at(rep, "outcome", "abandoned", "count", NULL)), 0);
	/* The referral figures too: 12 referred is shown, its reasons as well. */
	assert_int_equal(json_integer_value(at(rep, "referral", "referred", NULL, NULL)), 12);
	assert_true(json_is_real(at(rep, "referral", "rate", NULL, NULL)));
	assert_int_equal(report_print(rep, REPORT_TEXT, sink_write, &text), 0);
	assert_int_equal(report_print(rep, REPORT_CSV, sink_write, &csv), 0);
	squeeze(text.p);
	expect_in(text.p, "\nBarriers, outcome referred count %\n (of 12 contacts)\n no_eid < 5 \n"
			  " cannot_get_eid 6 50.0\n");
	expect_in(csv.p, "\r\nbarrier_by_outcome.referred,no_eid,< 5,12,\r\n");
	expect_in(csv.p, "\r\nbarrier_by_outcome.referred,cannot_get_eid,6,12,50.0\r\n");
	expect_in(csv.p, "\r\nbarrier,no_eid,9,40,22.5\r\n");
	/* A hidden count has no percent, which would give it back. */
	expect_in(csv.p, "\r\nbarrier_by_category.login,no_eid,< 5,10,\r\n");
	json_decref(rep);

	/* A direct check of the rule on a made-up report. */
	rep = json_pack("{s:I,s:{s:I,s:I,s:f},s:{s:{s:I,s:f}},s:[{s:I}]}", "total", (json_int_t)3,
			"referral", "resolved", (json_int_t)1, "referred", (json_int_t)7, "rate", 0.875,
			"category", "login", "count", (json_int_t)5, "share", 1.0, "list", "sent",
			(json_int_t)4);
	report_suppress(rep, 5);
	assert_int_equal(json_integer_value(json_object_get(rep, "total")), 3);
	assert_string_equal(json_string_value(at(rep, "referral", "resolved", NULL, NULL)), "< 5");
	assert_int_equal(json_integer_value(at(rep, "referral", "referred", NULL, NULL)), 7);
	assert_true(json_is_null(at(rep, "referral", "rate", NULL, NULL)));
	assert_int_equal(json_integer_value(at(rep, "category", "login", "count", NULL)), 5);
	assert_true(json_real_value(at(rep, "category", "login", "share", NULL)) == 1.0);
	assert_string_equal(
		json_string_value(json_object_get(json_array_get(json_object_get(rep, "list"), 0), "sent")),
		"< 5");
	report_suppress(rep, 1); /* off: nothing changes */
	json_decref(rep);
	report_close(db);
	free(text.p);
	free(csv.p);
}

static void test_stories_export(void **state)
{
	struct report_filter f;
	struct sink out = { 0 };
	char err[256];
	sqlite3 *db;

	(void)state;
	fill_barriers();
	exec_sql("INSERT INTO stories (contact_id, finished_ms, country, channel, lang, category,"
		 " outcome, barriers, text) VALUES"
		 " (1, 1792893600000, 'no', 'phone', 'nb', 'login', 'referred', '[\"no_eid\"]',"
		 " '=Hun hadde ingen, ' || char(10) || 'og ga opp'),"
		 " (2, 1500000000000, 'dk', 'chat', 'da', NULL, 'resolved', NULL, 'gammel')");
	assert_int_equal(report_filter_init(&f, NULL, "2026-10-01", "2026-12-31", NULL, NULL, NULL,
					    0, err, sizeof(err)),
			 0);
	db = report_open(db_path, err, sizeof(err));
	assert_int_equal(report_export_stories(db, &f, EXPORT_CSV, sink_write, &out, err,
					       sizeof(err)),
			 1);
	assert_true(starts_with(out.p, "id,finished_utc,country,channel,lang,category,outcome,"
				       "on_behalf,barrier_no_eid,barrier_cannot_get_eid,"));
	expect_in(out.p, ",barrier_other,story\r\n1,2026-10-25 02:00:00,");
	/* One barrier per cell: no_eid is the first of 13 codes. */
	expect_in(out.p, ",no,phone,nb,login,referred,,1,0,0,0,0,0,0,0,0,0,0,0,0,\"'=Hun hadde ingen, \n"
			 "og ga opp\"\r\n");
	free(out.p);
	memset(&out, 0, sizeof(out));
	filter_all(&f);
	assert_int_equal(report_export_stories(db, &f, EXPORT_NDJSON, sink_write, &out, err,
					       sizeof(err)),
			 2);
	expect_in(out.p, "\"barriers\":null,\"story\":\"gammel\"}\n");
	expect_in(out.p, "\"barriers\":[\"no_eid\"],\"story\":\"=Hun hadde ingen, \\nog ga opp\"}\n");
	report_close(db);
	free(out.p);
}

/* The stored form and back: the vocabulary's order, unknown codes noticed. */
static void test_barrier_codes(void **state)
{
	char buf[SURVEY_BARRIERS_TEXT_MAX];
	int unknown = 0;
	uint32_t all = (1u << survey_barrier_count()) - 1;

	(void)state;
	assert_int_equal(survey_barrier_count(), 13);
	assert_int_equal(survey_barrier_index("no_eid"), 0);
	assert_int_equal(survey_barrier_index("no_helper"), 9);
	assert_int_equal(survey_barrier_index("nope"), -1);
	assert_int_equal(survey_barriers_write(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(survey_barriers_write(0x201, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "[\"no_eid\",\"no_helper\"]");
	assert_int_equal(survey_barriers_parse(buf, &unknown), 0x201);
	assert_int_equal(unknown, 0);
	assert_int_equal(survey_barriers_write(all, buf, sizeof(buf)), 0);
	assert_int_equal(survey_barriers_parse(buf, NULL), all);
	assert_int_equal(survey_barriers_write(all, buf, 20), -1);
	assert_int_equal(survey_barriers_parse("[\"language\",\"newer\"]", &unknown), 1u << 3);
	assert_int_equal(unknown, 1);
	assert_int_equal(survey_barriers_parse(NULL, NULL), 0);
	assert_int_equal(survey_barriers_parse("no_eid", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test_setup_teardown(test_periods_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filtered_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_ndjson, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_order_and_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_uses_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_note_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erased_notes_leave_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_barrier_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stories_export, setup, teardown),
		cmocka_unit_test(test_barrier_codes),
	};

	/* Every date in these tests is a day in Oslo, DST changes included. */
	setenv("TZ", "Europe/Oslo", 1);
	tzset();
	log_init(LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
