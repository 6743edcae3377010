/* test_report_figures.c - the report's figures, filtered, and their three formats. */
#include "unit.h"

#include "report_fixture.h"

/* ---- the figures ---- */

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filtered_figures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_formats, setup, teardown),
	};

	report_tests_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
