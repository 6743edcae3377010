/* test_rules_load.c - the fixture rule set loads: summary, languages, facts, localized destinations. */
#include "unit.h"

#include "rules_fixture.h"

/* ---- loading the fixture ------------------------------------------------- */

static void test_fixture_loads(void **state)
{
	json_t *problems = json_array(), *langs;
	struct rulebook *rb;
	char *list;

	(void)state;
	rb = rules_load(FIXTURE, collect, problems);
	list = json_dumps(problems, JSON_INDENT(1));
	assert_string_equal(list, "[]");
	free(list);
	json_decref(problems);
	assert_non_null(rb);
	assert_string_equal(rules_tree_country(rules_tree(rb, "no")), "no");
	assert_string_equal(rules_tree_country(rules_tree(rb, "dk")), "dk");
	assert_string_equal(rules_tree_version(rules_tree(rb, "no")), "fixture-1");
	assert_string_equal(rules_tree_version(rules_tree(rb, "dk")), "fixture-1");
	assert_null(rules_tree(rb, "se"));
	assert_null(rules_tree(rb, NULL));
	langs = rules_tree_langs(rules_tree(rb, "no"));
	assert_json(langs, "[\"nb\", \"nn\", \"en\"]");
	json_decref(langs);
	langs = rules_tree_langs(rules_tree(rb, "dk"));
	assert_json(langs, "[\"da\", \"en\"]");
	json_decref(langs);
	rules_unref(rb);
}

/* Six questions; the longest walk (who=another_person, topic=unknown, then
 * every login question, mandate and case.service) asks all six. The walks
 * are the agents' walks from no facts, every offered answer tried: the
 * mandate question shows all its options (show_all), so "guardian" is a
 * walk of its own too. */
static void test_summary(void **state)
{
	json_t *summary = rules_summary(fixture);

	(void)state;
	assert_json(summary, "{\"no\": {\"version\": \"fixture-1\", \"questions\": 6,"
			     " \"results\": 13, \"depth\": 6, \"walks\": 96},"
			     " \"dk\": {\"version\": \"fixture-1\", \"questions\": 2,"
			     " \"results\": 5, \"depth\": 2, \"walks\": 7}}");
	json_decref(summary);
}

static void test_langs(void **state)
{
	const struct rules_tree *no = rules_tree(fixture, "no"), *dk = rules_tree(fixture, "dk");

	(void)state;
	assert_int_equal(rules_tree_has_lang(no, "nb"), 1);
	assert_int_equal(rules_tree_has_lang(no, "nn"), 1);
	assert_int_equal(rules_tree_has_lang(no, "en"), 1);
	assert_int_equal(rules_tree_has_lang(no, "da"), 0);
	assert_int_equal(rules_tree_has_lang(no, NULL), 0);
	assert_int_equal(rules_tree_has_lang(dk, "da"), 1);
	assert_int_equal(rules_tree_has_lang(dk, "en"), 1);
	assert_int_equal(rules_tree_has_lang(dk, "nb"), 0);
}

static void test_fact_valid(void **state)
{
	(void)state;
	assert_int_equal(rules_fact_valid(fixture, "topic", "login"), 1);
	assert_int_equal(rules_fact_valid(fixture, "topic", NULL), 1);
	assert_int_equal(rules_fact_valid(fixture, "topic", "lunch"), 0);
	assert_int_equal(rules_fact_valid(fixture, "colour", NULL), 0);
	assert_int_equal(rules_fact_valid(fixture, NULL, NULL), 0);
}

/* ---- destinations, localized ---------------------------------------------- */

static void test_destination_localized(void **state)
{
	json_t *d;

	(void)state;
	/* Per-language texts in the language asked for, one-string texts as
	 * they are; every confirmed field with its page, the rest unverified. */
	d = rules_destination_localized(fixture, "no.digdir.idporten", "nn");
	assert_json(
		d,
		"{\"id\": \"no.digdir.idporten\","
		" \"name\": \"Digdir brukarstøtte (ID-porten og MinID)\","
		" \"mandate\": \"Hjelp med innlogging i ID-porten og MinID, og med reservasjon mot digital post.\","
		" \"phone\": \"800 30 300\", \"dial\": \"+4780030300\","
		" \"web\": \"https://www.idporten.no/\", \"hours\": \"Kvardagar 09–15\","
		" \"sources\": ["
		"{\"field\": \"name\", \"url\": \"https://www.digdir.no/kontakt\", \"checked\": \"2026-12-01\"},"
		"{\"field\": \"mandate\", \"url\": \"https://www.digdir.no/kontakt\", \"checked\": \"2026-12-01\"},"
		"{\"field\": \"mandate\", \"url\": \"https://www.norge.no/nn/digital-borgar/reservasjon\","
		" \"checked\": \"2026-12-01\"},"
		"{\"field\": \"phone\", \"url\": \"https://www.idporten.no/kontakt\", \"checked\": \"2026-12-01\"},"
		"{\"field\": \"web\", \"url\": \"https://www.idporten.no/\", \"checked\": \"2026-12-01\"}],"
		" \"unverified\": [\"hours\"]}");
	json_decref(d);
	d = rules_destination_localized(fixture, "no.digdir.idporten", "en");
	assert_string_equal(json_string_value(json_object_get(d, "name")),
			    "Digdir user support (ID-porten and MinID)");
	assert_string_equal(json_string_value(json_object_get(d, "hours")), "Weekdays 09–15");
	json_decref(d);
	/* A phone without one number to dial has no "dial"; no hours, no web. */
	d = rules_destination_localized(fixture, "no.bank", "en");
	assert_json(
		d,
		"{\"id\": \"no.bank\", \"name\": \"Your bank\","
		" \"mandate\": \"BankID: a new BankID, blocking it, the code device.\","
		" \"phone\": \"The number is on your bank card and the bank's website.\","
		" \"sources\": ["
		"{\"field\": \"name\", \"url\": \"https://www.bankid.no/privat/kundeservice/\", \"checked\": \"2026-12-01\"},"
		"{\"field\": \"mandate\", \"url\": \"https://www.bankid.no/privat/kundeservice/\", \"checked\": \"2026-12-01\"},"
		"{\"field\": \"phone\", \"url\": \"https://www.bankid.no/privat/kundeservice/\", \"checked\": \"2026-12-01\"}],"
		" \"unverified\": []}");
	json_decref(d);
	d = rules_destination_localized(fixture, "no.kommune", "nb");
	assert_string_equal(json_string_value(json_object_get(d, "other")),
			    "Oppmøte uten timeavtale.");
	assert_json(json_object_get(d, "unverified"), "[\"other\"]");
	json_decref(d);
	d = rules_destination_localized(fixture, "no.nav.kontor", "nn");
	assert_json(
		d,
		"{\"id\": \"no.nav.kontor\", \"name\": \"NAV-kontoret i kommunen\","
		" \"mandate\": \"Økonomisk sosialhjelp og akutt hjelp.\","
		" \"phone\": \"Ring NAV Kontaktsenter på 55 55 33 33 og be om NAV-kontoret.\","
		" \"hours\": \"Varierer frå kontor til kontor\","
		" \"sources\": ["
		"{\"field\": \"name\", \"url\": \"https://www.nav.no/sok-nav-kontor\", \"checked\": \"2026-12-01\"},"
		"{\"field\": \"mandate\", \"url\": \"https://www.nav.no/okonomisk-sosialhjelp\", \"checked\": \"2026-12-01\"}],"
		" \"unverified\": [\"phone\", \"hours\"]}");
	json_decref(d);
	d = rules_destination_localized(fixture, "dk.borgerservice", "da");
	assert_string_equal(json_string_value(json_object_get(d, "name")),
			    "Borgerservice i kommunen");
	assert_string_equal(json_string_value(json_object_get(d, "phone")),
			    "Se kommunens hjemmeside");
	assert_null(json_object_get(d, "dial"));
	assert_json(json_object_get(d, "unverified"), "[\"phone\", \"hours\"]");
	assert_int_equal(json_array_size(json_object_get(d, "sources")), 2);
	json_decref(d);
	/* rules_destination_json: the country's first language. */
	d = rules_destination_json(fixture, "no.nav");
	assert_string_equal(json_string_value(json_object_get(d, "name")), "NAV Kontaktsenter");
	assert_string_equal(json_string_value(json_object_get(d, "mandate")),
			    "Pensjon, trygd og andre ytelser fra NAV.");
	assert_string_equal(json_string_value(json_object_get(d, "dial")), "+4755553333");
	json_decref(d);
	d = rules_destination_json(fixture, "dk.mitid");
	assert_string_equal(json_string_value(json_object_get(d, "mandate")),
			    "Ny adgangskode, midlertidig PIN og spærring af MitID.");
	json_decref(d);
	assert_null(rules_destination_json(fixture, "no.nowhere"));
	assert_null(rules_destination_json(fixture, NULL));
	assert_null(rules_destination_localized(fixture, "no.nowhere", "nb"));
	assert_non_null(rules_destination(fixture, "dk.digst"));
	assert_null(rules_destination(fixture, "dk.nowhere"));
	assert_string_equal(rules_destination_name(fixture, "no.tingretten", "nn"),
			    "Tingretten (skifte av dødsbu)");
	assert_string_equal(rules_destination_name(fixture, "no.tingretten", "xx"),
			    "Tingretten (skifte av dødsbo)");
	assert_string_equal(rules_destination_name(fixture, "no.digdir.altinn", "en"),
			    "Altinn brukerservice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_loads),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_langs),
		cmocka_unit_test(test_fact_valid),
		cmocka_unit_test(test_destination_localized),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
