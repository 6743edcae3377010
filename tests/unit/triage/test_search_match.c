/* test_search_match.c - the search index: building it, and what a query matches. */
#include "unit.h"

#include "search_fixture.h"

/* ---- building ----------------------------------------------------------- */

static void test_build_counts_every_text(void **state)
{
	json_t *no = json_load_file(FIXTURE "/no.json", 0, NULL);
	json_t *dk = json_load_file(FIXTURE "/dk.json", 0, NULL);
	json_t *dno = json_load_file(FIXTURE "/destinations/no.json", 0, NULL);
	json_t *ddk = json_load_file(FIXTURE "/destinations/dk.json", 0, NULL);
	size_t want;

	(void)state;
	assert_non_null(no);
	assert_non_null(dk);
	assert_non_null(dno);
	assert_non_null(ddk);
	/* One document per question or result and language, and one per
	 * destination and language of its tree. */
	want = (json_array_size(json_object_get(no, "questions")) +
		json_array_size(json_object_get(no, "results")) +
		json_array_size(json_object_get(dno, "destinations"))) *
		       json_array_size(json_object_get(no, "langs")) +
	       (json_array_size(json_object_get(dk, "questions")) +
		json_array_size(json_object_get(dk, "results")) +
		json_array_size(json_object_get(ddk, "destinations"))) *
		       json_array_size(json_object_get(dk, "langs"));
	assert_int_equal(want, (6 + 13 + 7) * 3 + (2 + 5 + 3) * 2);
	assert_int_equal(search_count(ix), want);
	json_decref(no);
	json_decref(dk);
	json_decref(dno);
	json_decref(ddk);
}

static void test_index_is_independent_of_rulebook(void **state)
{
	struct rulebook *rb = load(FIXTURE);
	struct search_index *s = build(rb);
	json_t *items;

	(void)state;
	/* The index copies the texts: it works after the rulebook is gone. */
	rules_unref(rb);
	items = find_in(s, "no", "nb", "glemt passord", 0, 3);
	assert_string_equal(item_id(json_array_get(items, 0)), "login.minid.forgot");
	json_decref(items);
	search_free(s);
	search_free(NULL);
}

/* ---- matching ------------------------------------------------------------ */

static void test_item_fields(void **state)
{
	json_t *items = find("no", "nb", "glemt passord"), *first, *dest = NULL, *item;
	size_t i;

	(void)state;
	first = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(first, "kind")), "result");
	assert_string_equal(json_string_value(json_object_get(first, "node")),
			    "login.minid.forgot");
	assert_string_equal(json_string_value(json_object_get(first, "destination")),
			    "no.digdir.idporten");
	/* A result is titled by its own title, in the session's language. */
	assert_string_equal(json_string_value(json_object_get(first, "title")),
			    "Glemt passord til MinID");
	/* The snippet is where it matched: the advice, in both voices. */
	assert_string_equal(json_string_value(json_object_get(first, "snippet")),
			    "Be innringeren velge «Glemt passord» på innloggingssiden. · "
			    "Velg «Glemt passord» når du logger inn.");
	json_decref(items);

	items = find("no", "nb", "tingretten");
	json_array_foreach(items, i, item)
		if (!strcmp(json_string_value(json_object_get(item, "kind")), "destination"))
			dest = item;
	assert_non_null(dest);
	assert_string_equal(json_string_value(json_object_get(dest, "destination")),
			    "no.tingretten");
	assert_null(json_object_get(dest, "node"));
	assert_string_equal(json_string_value(json_object_get(dest, "title")),
			    "Tingretten (skifte av dødsbo)");
	assert_string_equal(json_string_value(json_object_get(dest, "snippet")),
			    "Dødsbo: skifteattest, uskifte og offentlig skifte.");
	json_decref(items);

	items = find("no", "nb", "Hvilken eID");
	first = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(first, "kind")), "question");
	assert_string_equal(json_string_value(json_object_get(first, "node")), "login.method");
	assert_string_equal(json_string_value(json_object_get(first, "title")),
			    "Hvilken eID gjelder det?");
	assert_null(json_object_get(first, "destination"));
	json_decref(items);
}

/* Destinations are indexed per language: their texts come in the session's. */
static void test_destination_languages(void **state)
{
	static const struct {
		const char *country, *lang, *q, *title, *snippet;
	} cases[] = {
		{ "no", "nb", "Altinn brukerservice", "Altinn brukerservice",
		  "Roller, rettigheter og fullmakter i Altinn." },
		{ "no", "nn", "Altinn brukerservice", "Altinn brukerservice",
		  "Roller, rettar og fullmakter i Altinn." },
		{ "no", "en", "Altinn brukerservice", "Altinn brukerservice",
		  "Roles, rights and powers of attorney in Altinn." },
		{ "no", "nn", "tingretten", "Tingretten (skifte av dødsbu)",
		  "Dødsbu: skifteattest, uskifte og offentleg skifte." },
		{ "dk", "da", "Borgerservice i kommunen", "Borgerservice i kommunen",
		  "Genaktivering af spærret MitID, fritagelse for Digital Post og pas." },
		{ "dk", "en", "Borgerservice i kommunen", "Citizen service in the municipality",
		  "Reactivating a blocked MitID, exemption from Digital Post and passports." },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		json_t *items = find(cases[c].country, cases[c].lang, cases[c].q), *item,
		       *dest = NULL;
		size_t i;

		json_array_foreach(items, i, item)
			if (!strcmp(json_string_value(json_object_get(item, "kind")),
				    "destination") &&
			    !dest)
				dest = item;
		if (!dest)
			fail_msg("search %s/%s \"%s\": no destination in [%s]", cases[c].country,
				 cases[c].lang, cases[c].q, ids(items));
		assert_string_equal(json_string_value(json_object_get(dest, "title")),
				    cases[c].title);
		assert_string_equal(json_string_value(json_object_get(dest, "snippet")),
				    cases[c].snippet);
		json_decref(items);
	}
	/* A destination is found by its id too, which is how agents say it. */
	expect_hit("no", "nb", "idporten", "no.digdir.idporten", 3);
	expect_hit("dk", "da", "digst", "dk.digst", 1);
}

static void test_every_language_is_searched(void **state)
{
	(void)state;
	/* English words in a Norwegian session, Nynorsk in a Bokmål one. */
	expect_hit("no", "nb", "forgotten password", "login.minid.forgot", 1);
	expect_hit("no", "nb", "gløymt passord", "login.minid.forgot", 1);
	expect_hit("dk", "da", "wholly blocked", "login.problem", 1);
	/* Texts come in the requested language even when the hit was not:
	 * the title, and the start of the citizen's advice as the snippet. */
	json_t *items = find("no", "nb", "forgotten");
	assert_string_equal(item_id(json_array_get(items, 0)), "login.minid.forgot");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "title")),
			    "Glemt passord til MinID");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "snippet")),
			    "Velg «Glemt passord» når du logger inn.");
	json_decref(items);
}

/* The labels of the answers that decide a result find it: poa.nav's own
 * texts never say "skriftlig" (written), but its `when` names the written
 * power of attorney, whose label does. */
static void test_option_labels_find_results(void **state)
{
	json_t *items;

	(void)state;
	expect_hit("no", "nb", "skriftlig", "poa.nav", 2);
	expect_hit("no", "en", "written", "poa.nav", 2);
	/* A citizen does not see the agent's question, but finds the result. */
	items = find_in(ix, "no", "nb", "skriftlig", 1, 10);
	assert_string_equal(ids(items), "poa.nav");
	json_decref(items);
}

static void test_prefix_matching(void **state)
{
	(void)state;
	expect_hit("no", "nb", "fødselsnum", "login.minid.phone", 2);
	expect_hit("no", "nb", "innlogg", "login.minid.forgot", 3);
	expect_hit("no", "nb", "reserv", "dp.reserve", 1);
	expect_hit("dk", "da", "fritag", "dp.exempt", 1);
	expect_hit("dk", "da", "genaktiv", "login.mitid.blocked", 1);
	/* Two letters are not a prefix: "ti" must not find "tingretten". */
	expect_no_hit("no", "nb", "ti", "estate.court");
}

static void test_nordic_letters(void **state)
{
	(void)state;
	/* æøå are letters: the words are found whole and as typed. */
	expect_hit("no", "nb", "fødselsnummer", "login.minid.phone", 2);
	expect_hit("no", "nb", "dødsbo", "estate.court", 1);
	expect_hit("no", "nb", "Dødsboet", "estate.court", 1);
	expect_hit("dk", "da", "spærret", "login.mitid.blocked", 1);
	expect_hit("dk", "da", "kørekort", "login.mitid.blocked", 1);
	expect_hit("no", "nn", "gløymt", "login.minid.forgot", 1);
	/* ... and also as callers type them without a Nordic keyboard. */
	expect_hit("no", "nb", "fodselsnummer", "login.minid.phone", 2);
	expect_hit("no", "nb", "foedselsnummer", "login.minid.phone", 2);
	expect_hit("no", "nb", "dodsbo", "estate.court", 1);
	expect_hit("no", "nb", "doedsbo", "estate.court", 1);
	expect_hit("no", "nn", "gloymt", "login.minid.forgot", 1);
	expect_hit("dk", "da", "spaerret", "login.mitid.blocked", 1);
	expect_hit("dk", "da", "korekort", "login.mitid.blocked", 1);
	expect_hit("dk", "da", "koerekort", "login.mitid.blocked", 1);
	/* A word typed with ø is not its ASCII look-alike: "bør" is not "bor". */
	expect_no_hit("no", "nb", "bør", "case.kontor");
	expect_hit("no", "nb", "bor", "case.kontor", 1);
}

/* Everything a user types is text, never FTS5 syntax. */
static void test_hostile_queries(void **state)
{
	/* clang-format off */
	static const char *const hostile[] = {
		"\"", "\"\"", "\"glemt", "glemt\"passord", "NEAR(", "NEAR(glemt passord, 2)", "*",
		"glemt*", "-passord", "passord -glemt", "glemt OR", "AND", "NOT glemt", "^glemt",
		"head:glemt", "{head}: glemt", "(", ")", "glemt) OR (x", "'; DROP TABLE doc; --",
		"\\", "glemt\tpassord", "💥", "a\"b\"c\"d", "+", "...", "-", "–", NULL,
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; hostile[i]; i++) {
		json_t *items = find("no", "nb", hostile[i]);
		json_decref(items);
	}
	/* The words inside the syntax still count. */
	expect_hit("no", "nb", "NEAR(glemt passord, 2)", "login.minid.forgot", 1);
	expect_hit("no", "nb", "\"glemt", "login.minid.forgot", 1);
	expect_hit("no", "nb", "-passord", "login.minid.forgot", 1);
	expect_hit("no", "nb", "glemt: passord?", "login.minid.forgot", 1);
	/* A column filter would find "Glemt passord" in the head column; as
	 * text, "head:glemt" is the phrase "head glemt", which is nowhere. */
	expect_no_hit("no", "nb", "head:glemt", "login.minid.forgot");
	/* The index is intact afterwards. */
	expect_hit("no", "nb", "glemt passord", "login.minid.forgot", 1);
}

static void test_only_punctuation_finds_nothing(void **state)
{
	json_t *items = find("no", "nb", " ?! -- ** ");

	(void)state;
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

static void test_stopwords(void **state)
{
	(void)state;
	/* "for" alone is kept, so something is found ... */
	json_t *items = find("no", "nb", "for");
	assert_true(json_array_size(items) > 0);
	json_decref(items);
	/* ... but next to a real word they do not pull in everything. */
	expect_hit("no", "nb", "fullmakt i Altinn", "poa.give", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_counts_every_text),
		cmocka_unit_test(test_index_is_independent_of_rulebook),
		cmocka_unit_test(test_item_fields),
		cmocka_unit_test(test_destination_languages),
		cmocka_unit_test(test_every_language_is_searched),
		cmocka_unit_test(test_option_labels_find_results),
		cmocka_unit_test(test_prefix_matching),
		cmocka_unit_test(test_nordic_letters),
		cmocka_unit_test(test_hostile_queries),
		cmocka_unit_test(test_only_punctuation_finds_nothing),
		cmocka_unit_test(test_stopwords),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
