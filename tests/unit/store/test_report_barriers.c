/* test_report_barriers.c - barriers, small cells and stories (issue 21). */
#include "unit.h"

#include "report_fixture.h"

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
	assert_int_equal(
		json_integer_value(at(rep, "barrier_by", "outcome", "referred", "contacts")), 12);
	e = at(rep, "barrier_by", "outcome", "referred", "barrier");
	assert_int_equal(count_at(e, "no_eid"), 3);
	assert_int_equal(count_at(e, "cannot_get_eid"), 6);
	assert_true(json_real_value(at(e, "cannot_get_eid", "share", NULL, NULL)) == 0.5);
	/* login is i % 4 == 0: 0, 4, …, 36; no_eid among them 0, 20. */
	e = at(rep, "barrier_by", "category", "login", "barrier");
	assert_int_equal(count_at(e, "no_eid"), 2);
	assert_int_equal(count_at(e, "language"), 2); /* 0 and 28 */
	assert_int_equal(json_integer_value(at(rep, "barrier_by", "channel", "phone", "contacts")),
			 40);
	assert_int_equal(json_integer_value(at(rep, "barrier_by", "channel", "chat", "contacts")),
			 0);
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
			"referral", "resolved", (json_int_t)1, "referred", (json_int_t)7, "rate",
			0.875, "category", "login", "count", (json_int_t)5, "share", 1.0, "list",
			"sent", (json_int_t)4);
	report_suppress(rep, 5);
	assert_int_equal(json_integer_value(json_object_get(rep, "total")), 3);
	assert_string_equal(json_string_value(at(rep, "referral", "resolved", NULL, NULL)), "< 5");
	assert_int_equal(json_integer_value(at(rep, "referral", "referred", NULL, NULL)), 7);
	assert_true(json_is_null(at(rep, "referral", "rate", NULL, NULL)));
	assert_int_equal(json_integer_value(at(rep, "category", "login", "count", NULL)), 5);
	assert_true(json_real_value(at(rep, "category", "login", "share", NULL)) == 1.0);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(rep, "list"), 0), "sent")),
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
	assert_int_equal(
		report_export_stories(db, &f, EXPORT_CSV, sink_write, &out, err, sizeof(err)), 1);
	assert_true(starts_with(out.p, "id,finished_utc,country,channel,lang,category,outcome,"
				       "on_behalf,barrier_no_eid,barrier_cannot_get_eid,"));
	expect_in(out.p, ",barrier_other,story\r\n1,2026-10-25 02:00:00,");
	/* One barrier per cell: no_eid is the first of 13 codes. */
	expect_in(out.p,
		  ",no,phone,nb,login,referred,,1,0,0,0,0,0,0,0,0,0,0,0,0,\"'=Hun hadde ingen, \n"
		  "og ga opp\"\r\n");
	free(out.p);
	memset(&out, 0, sizeof(out));
	filter_all(&f);
	assert_int_equal(
		report_export_stories(db, &f, EXPORT_NDJSON, sink_write, &out, err, sizeof(err)),
		2);
	expect_in(out.p, "\"barriers\":null,\"story\":\"gammel\"}\n");
	expect_in(out.p,
		  "\"barriers\":[\"no_eid\"],\"story\":\"=Hun hadde ingen, \\nog ga opp\"}\n");
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
		cmocka_unit_test_setup_teardown(test_barrier_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stories_export, setup, teardown),
		cmocka_unit_test(test_barrier_codes),
	};

	report_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
