/* test_rules_invalid.c - validation: one broken thing per test, and the exact problems reported. */
#include "unit.h"

#include "rules_fixture.h"

/* ---- validation: one broken thing per test ------------------------------- */

static void test_unknown_keys(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(no, "language", json_string("nb"));
	json_object_set_new(question(no, "topic"), "optoins", json_array());
	json_object_set_new(option(no, "topic", "login"), "next", json_string("login.method"));
	json_object_set_new(result(no, "case.nav"), "phone", json_string("55 55 33 33"));
	json_object_set_new(json_object_get(result(no, "dp.reserve"), "advice"), "nb",
			    json_string("Ring."));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: unknown key \"language\" (allowed: country, version, langs, questions, results, note)",
			"no.json: question \"topic\": unknown key \"optoins\" (allowed: id, fact, audience, text, help, options, early, show_all, note)",
			"no.json: question \"topic\": option \"login\": unknown key \"next\" (allowed: value, label, implies)",
			"no.json: result \"case.nav\": unknown key \"phone\" (allowed: id, when, about, priority, destination, category, first_line, audience, title, advice, bring, sources, note)",
			"no.json: result \"dp.reserve\": advice: unknown key \"nb\" (allowed: agent, citizen)",
			NULL });
}

static void test_missing_fields(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_del(no, "version");
	json_object_del(question(no, "login.method"), "text");
	json_object_del(option(no, "login.method", "bankid"), "label");
	json_object_del(result(no, "case.nav"), "first_line");
	json_object_del(result(no, "estate.court"), "destination");
	json_object_del(result(no, "case.kontor"), "when");
	json_object_del(json_object_get(result(no, "dp.reserve"), "advice"), "citizen");
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: missing required \"version\"",
			"no.json: question \"login.method\": missing required \"text\"",
			"no.json: question \"login.method\": option \"bankid\": missing required \"label\"",
			"no.json: result \"case.nav\": missing required \"first_line\"",
			"no.json: result \"estate.court\": missing required \"destination\"",
			"no.json: result \"case.kontor\": missing required \"when\"",
			"no.json: result \"dp.reserve\": advice: missing required \"citizen\"",
			NULL });
}

static void test_wrong_types(void **state)
{
	json_t *no = fixture_json("no.json"), *results;

	(void)state;
	json_object_set_new(no, "version", json_integer(3));
	json_object_set_new(question(no, "topic"), "help", json_string("Choose"));
	json_object_set_new(result(no, "case.nav"), "first_line", json_string("yes"));
	json_object_set_new(result(no, "case.nav"), "priority", json_string("high"));
	json_object_set_new(result(no, "dp.reserve"), "priority", json_real(1.5));
	json_object_set_new(result(no, "case.kontor"), "when", json_array());
	json_object_set_new(result(no, "case.general"), "when",
			    json_pack("{s:s, s:i}", "topic", "case_matter", "service", 5));
	json_object_set_new(question(no, "mandate"), "audience", json_string("everyone"));
	results = json_object_get(no, "results");
	json_array_append_new(results, json_array());
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: \"version\" must be a string, got a number",
			"no.json: question \"topic\": \"help\" must be an object, got a string",
			"no.json: question \"mandate\": audience \"everyone\" is not one of citizen, agent",
			"no.json: result \"case.nav\": \"first_line\" must be a boolean, got a string",
			"no.json: result \"case.nav\": \"priority\" must be a number, got a string",
			"no.json: result \"dp.reserve\": \"priority\" must be a number, got a fraction",
			"no.json: result \"case.kontor\": \"when\" must be an object, got an array",
			"no.json: result \"case.general\": \"when\": \"service\" must be a value or an array of values",
			"no.json: result 14: must be an object, got an array", NULL });
}

static void test_bad_langs(void **state)
{
	json_t *no = fixture_json("no.json"), *dk = fixture_json("dk.json");

	(void)state;
	/* Reported once, not once per text. */
	json_array_append_new(json_object_get(no, "langs"), json_integer(7));
	expect_broken(
		"no.json", no,
		(const char *[]){ "no.json: \"langs\" entry 4 must be a non-empty string", NULL });
	json_object_set_new(dk, "langs", json_array());
	expect_broken("dk.json", dk, (const char *[]){ "dk.json: \"langs\" is empty", NULL });
}

static void test_fact_not_in_vocabulary(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	/* No question asks service then: the results that need it say so. */
	json_object_set_new(question(no, "case.service"), "fact", json_string("colour"));
	json_object_set_new(json_object_get(result(no, "poa.give"), "when"), "colour",
			    json_string("red"));
	json_object_set_new(json_object_get(result(no, "poa.give"), "about"), "mood",
			    json_string("calm"));
	/* A `when` of nothing but an unknown fact is not a second fallback. */
	json_object_set_new(result(no, "login.idporten"), "when",
			    json_pack("{s:s}", "eid_kind", "minid"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			fmt("no.json: question \"case.service\": fact \"colour\" is not in the vocabulary; facts: %s",
			    vocab_list(NULL)),
			fmt("no.json: result \"poa.give\": \"when\": fact \"colour\" is not in the vocabulary; facts: %s",
			    vocab_list(NULL)),
			fmt("no.json: result \"poa.give\": \"about\": fact \"mood\" is not in the vocabulary; facts: %s",
			    vocab_list(NULL)),
			fmt("no.json: result \"login.idporten\": \"when\": fact \"eid_kind\" is not in the vocabulary; facts: %s",
			    vocab_list(NULL)),
			"no.json: result \"poa.nav\": \"when\": no question asks fact \"service\"",
			"no.json: result \"case.nav\": \"when\": no question asks fact \"service\"",
			"no.json: result \"case.kontor\": \"when\": no question asks fact \"service\"",
			"no.json: result \"case.general\": \"when\": no question asks fact \"service\"",
			NULL });
}

static void test_value_not_in_vocabulary(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_array_insert_new(json_object_get(question(no, "login.method"), "options"), 2,
			      json_pack("{s:s, s:{s:s, s:s, s:s}}", "value", "passport", "label",
					"nb", "Pass", "nn", "Pass", "en", "Passport"));
	json_object_set_new(json_object_get(result(no, "case.nav"), "when"), "service",
			    json_string("lunch"));
	json_object_set_new(json_object_get(result(no, "dp.reserve"), "about"), "topic",
			    json_pack("[s, s]", "digital_post", "letters"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			fmt("no.json: question \"login.method\": option \"passport\" is not a value of fact \"login_method\"; allowed: %s",
			    vocab_list("login_method")),
			fmt("no.json: result \"case.nav\": \"when\": \"lunch\" is not a value of fact \"service\"; allowed: %s",
			    vocab_list("service")),
			fmt("no.json: result \"dp.reserve\": \"about\": \"letters\" is not a value of fact \"topic\"; allowed: %s",
			    vocab_list("topic")),
			NULL });
}

static void test_duplicate_option_value(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_array_append(json_object_get(question(no, "login.method"), "options"),
			  option(no, "login.method", "minid"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: question \"login.method\": options 1 and 4 both have value \"minid\"",
			NULL });
}

static void test_missing_unknown_option(void **state)
{
	json_t *no = fixture_json("no.json"), *options;

	(void)state;
	options = json_object_get(question(no, "login.problem"), "options");
	assert_string_equal(json_string_value(json_object_get(json_array_get(options, 3), "value")),
			    "unknown");
	json_array_remove(options, 3);
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: question \"login.problem\": has no option with value \"unknown\" (every question needs one, for callers who do not know)",
			NULL });
}

static void test_two_questions_for_one_fact(void **state)
{
	json_t *no = fixture_json("no.json"), *again = json_deep_copy(question(no, "topic"));

	(void)state;
	json_object_set_new(again, "id", json_string("topic.again"));
	json_array_append_new(json_object_get(no, "questions"), again);
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: question \"topic.again\": fact \"topic\" is asked by question \"topic\" already",
			NULL });
}

static void test_when_fact_no_question_asks(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	/* age_band is in the vocabulary, but no question of the tree asks it. */
	json_object_set_new(json_object_get(result(no, "case.nav"), "when"), "age_band",
			    json_string("adult"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: result \"case.nav\": \"when\": no question asks fact \"age_band\"",
			NULL });
}

static void test_when_value_not_offered(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	/* buypass is a login_method, but login.method has no such option. */
	json_object_set_new(json_object_get(result(no, "login.bankid"), "when"), "login_method",
			    json_pack("[s, s]", "bankid", "buypass"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: result \"login.bankid\": \"when\" names a value of \"login_method\" that question \"login.method\" does not offer",
			NULL });
}

static void test_no_fallback(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_decref(take(no, "results", "general.kommune"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: no result has an empty \"when\": callers who know nothing need a fallback",
			NULL });
}

static void test_two_fallbacks(void **state)
{
	json_t *dk = fixture_json("dk.json");

	(void)state;
	json_object_set_new(result(dk, "dp.exempt"), "when", json_object());
	expect_broken(
		"dk.json", dk,
		(const char *[]){
			"dk.json: results \"borgerservice\" and \"dp.exempt\" both have an empty \"when\"; one fallback only",
			NULL });
}

static void test_unknown_destination(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(result(no, "login.bankid"), "destination", json_string("no.sparebank"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: result \"login.bankid\": destination \"no.sparebank\" is not in destinations/no.json",
			NULL });
}

static void test_destination_of_other_country(void **state)
{
	json_t *no = fixture_json("no.json"), *dk = fixture_json("dk.json");
	char *dir = scratch_new();

	(void)state;
	json_object_set_new(result(no, "login.bankid"), "destination", json_string("dk.mitid"));
	json_object_set_new(result(dk, "borgerservice"), "destination", json_string("no.nav"));
	write_json(dir, "no.json", no);
	write_json(dir, "dk.json", dk);
	expect_problems(
		dir,
		(const char *[]){
			"no.json: result \"login.bankid\": destination \"dk.mitid\" belongs to dk, not no",
			"dk.json: result \"borgerservice\": destination \"no.nav\" belongs to no, not dk",
			NULL });
	scratch_free(dir);
}

static void test_bad_category(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(result(no, "case.nav"), "category", json_string("benefits"));
	/* Research notes belong in sources, as addresses. */
	json_object_set_new(result(no, "case.nav"), "sources",
			    json_pack("[s, s]", "https://www.nav.no/kontaktoss", "S31"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: result \"case.nav\": category \"benefits\" is not one of login, reservation, power_of_attorney, agency, estate",
			"no.json: result \"case.nav\": source 2 must be a web address (https://…)",
			NULL });
}

static void test_missing_language(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_del(json_object_get(question(no, "topic"), "text"), "nn");
	json_object_del(json_object_get(option(no, "login.method", "minid"), "label"), "en");
	json_object_del(json_object_get(result(no, "estate.court"), "title"), "nb");
	json_object_del(
		json_object_get(json_object_get(result(no, "poa.give"), "advice"), "citizen"),
		"nn");
	json_object_set_new(json_object_get(result(no, "login.bankid"), "bring"), "en",
			    json_string(""));
	json_object_set_new(json_object_get(question(no, "who"), "help"), "sv",
			    json_string("Hjälp"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: question \"topic\": \"text\" has no \"nn\" text",
			"no.json: question \"login.method\": option \"minid\": \"label\" has no \"en\" text",
			"no.json: result \"estate.court\": \"title\" has no \"nb\" text",
			"no.json: result \"poa.give\": \"advice.citizen\" has no \"nn\" text",
			"no.json: result \"login.bankid\": \"bring\": \"en\" must be a non-empty string",
			"no.json: question \"who\": \"help\" has a \"sv\" text, but \"langs\" does not declare \"sv\"",
			NULL });
}

static void test_syntax_error(void **state)
{
	char *dir = scratch_new();

	(void)state;
	write_text(dir, "no.json", "{\n \"country\": \"no\",\n \"version\" \"x\"\n}\n");
	write_text(dir, "destinations/dk.json", "{\"country\": \"dk\", \"country\": \"dk\"}");
	expect_problems(
		dir, (const char *[]){
			     "no.json:3:14: ':' expected near '\"x\"'",
			     "destinations/dk.json:1:27: duplicate object key near '\"country\"'",
			     NULL });
	scratch_free(dir);
}

/* A vocabulary that cannot be read is reported once: the checks that need
 * it are skipped, not repeated for every question and result. */
static void test_vocabulary_syntax_error(void **state)
{
	char *dir = scratch_new();

	(void)state;
	write_text(dir, "vocabulary.json", "{\"facts\": [\n");
	expect_problems(dir, (const char *[]){ "vocabulary.json:2:0: ']' expected near end of file",
					       NULL });
	scratch_free(dir);
}

static void test_missing_file(void **state)
{
	char *dir = scratch_new(), path[256], want[512];
	json_t *got = json_array();

	(void)state;
	snprintf(path, sizeof(path), "%s/dk.json", dir);
	unlink(path);
	assert_null(rules_load(dir, collect, got));
	snprintf(want, sizeof(want), "unable to open %s: No such file or directory", path);
	assert_int_equal(json_array_size(got), 1);
	assert_string_equal(json_string_value(json_array_get(got, 0)), want);
	json_decref(got);
	scratch_free(dir);
}

static void test_tree_header(void **state)
{
	json_t *no = fixture_json("no.json"), *copy;

	(void)state;
	json_object_set_new(no, "country", json_string("dk"));
	json_object_set_new(no, "version", json_string(""));
	json_object_set_new(no, "langs", json_pack("[s, s, s, s]", "nb", "nn", "en", "nb"));
	copy = json_deep_copy(result(no, "case.nav"));
	json_object_set_new(copy, "id", json_string("Case NAV"));
	json_array_append_new(json_object_get(no, "results"), copy);
	json_array_append_new(json_object_get(no, "results"),
			      json_deep_copy(result(no, "case.nav")));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: \"country\" is \"dk\", expected \"no\"",
			"no.json: \"version\" must not be empty",
			"no.json: \"langs\" names \"nb\" twice",
			"no.json: result 14: id \"Case NAV\" may only use a-z, 0-9, '_', '.' and '-'",
			"no.json: result 15: id \"case.nav\" is used twice", NULL });
}

static void test_vocabulary_problems(void **state)
{
	json_t *vocab = fixture_json("vocabulary.json"), *facts = json_object_get(vocab, "facts");
	json_t *topic = NULL, *f, *values;
	size_t i, n = json_array_size(facts);

	(void)state;
	json_array_foreach(facts, i, f)
		if (!strcmp(json_string_value(json_object_get(f, "id")), "topic"))
			topic = f;
	assert_non_null(topic);
	values = json_object_get(topic, "values");
	json_array_append_new(values, json_pack("{s:s}", "id", "login"));
	/* A value for one country names it; a country we have no tree for is a typo. */
	json_array_append_new(values,
			      json_pack("{s:s, s:[s, s]}", "id", "sauna", "countries", "dk", "se"));
	json_object_set_new(topic, "question_nb", json_string("Hva gjelder det?"));
	json_array_append_new(facts, json_pack("{s:s}", "id", "mood"));
	json_array_append_new(facts, json_pack("{s:s, s:[]}", "id", "weather", "values"));
	json_array_append(facts, json_array_get(facts, 0));
	json_array_append_new(facts, json_string("age"));
	expect_broken(
		"vocabulary.json", vocab,
		(const char *[]){
			"vocabulary.json: fact \"topic\": unknown key \"question_nb\" (allowed: id, en, question_en, values)",
			"vocabulary.json: fact \"topic\": value \"login\": is defined twice",
			"vocabulary.json: fact \"topic\": value \"sauna\": \"countries\" entry 2 is not a country (no, dk)",
			"vocabulary.json: fact \"mood\": missing required \"values\"",
			"vocabulary.json: fact \"weather\": has no values",
			"vocabulary.json: fact \"country\": is defined twice",
			fmt("vocabulary.json: fact %zu: must be an object, got a string", n + 4),
			NULL });
}

/* Problems in every file at once are all reported, and a file that cannot be
 * parsed does not make every node that depends on it report too. */
static void test_every_problem_reported(void **state)
{
	json_t *no = fixture_json("no.json"), *dk = fixture_json("dk.json"),
	       *vocab = fixture_json("vocabulary.json");
	char *dir = scratch_new();

	(void)state;
	json_object_set_new(vocab, "version", json_string("1"));
	write_json(dir, "vocabulary.json", vocab);
	write_text(dir, "destinations/dk.json", "{\"country\": \"dk\",\n \"destinations\": [}\n");
	json_object_set_new(result(no, "case.nav"), "category", json_string("benefits"));
	json_object_del(json_object_get(question(no, "topic"), "text"), "nn");
	json_object_set_new(result(no, "login.bankid"), "destination", json_string("no.sparebank"));
	write_json(dir, "no.json", no);
	/* dk's destinations cannot be read: its results' destinations are not
	 * checked, its texts are. */
	json_object_set_new(result(dk, "borgerservice"), "destination", json_string("dk.nowhere"));
	json_object_del(json_object_get(result(dk, "dp.exempt"), "title"), "en");
	write_json(dir, "dk.json", dk);
	expect_problems(
		dir,
		(const char *[]){
			"vocabulary.json: unknown key \"version\" (allowed: facts, note)",
			"destinations/dk.json:2:19: unexpected token near '}'",
			"no.json: question \"topic\": \"text\" has no \"nn\" text",
			"no.json: result \"case.nav\": category \"benefits\" is not one of login, reservation, power_of_attorney, agency, estate",
			"no.json: result \"login.bankid\": destination \"no.sparebank\" is not in destinations/no.json",
			"dk.json: result \"dp.exempt\": \"title\" has no \"en\" text", NULL });
	scratch_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_langs),
		cmocka_unit_test(test_fact_not_in_vocabulary),
		cmocka_unit_test(test_value_not_in_vocabulary),
		cmocka_unit_test(test_duplicate_option_value),
		cmocka_unit_test(test_missing_unknown_option),
		cmocka_unit_test(test_two_questions_for_one_fact),
		cmocka_unit_test(test_when_fact_no_question_asks),
		cmocka_unit_test(test_when_value_not_offered),
		cmocka_unit_test(test_no_fallback),
		cmocka_unit_test(test_two_fallbacks),
		cmocka_unit_test(test_unknown_destination),
		cmocka_unit_test(test_destination_of_other_country),
		cmocka_unit_test(test_bad_category),
		cmocka_unit_test(test_missing_language),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_vocabulary_syntax_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_tree_header),
		cmocka_unit_test(test_vocabulary_problems),
		cmocka_unit_test(test_every_problem_reported),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
