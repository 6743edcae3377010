/* test_rules_walk.c - the engine: questions asked and skipped, options offered, prefill, answers refused. */
#include "unit.h"

#include "rules_fixture.h"

/* ---- the engine ------------------------------------------------------------ */

static void test_first_question(void **state)
{
	struct triage *tr = start("no", NULL);
	json_t *step = triage_step_json(tr, "en");

	(void)state;
	/* organisation is an option, but no result depends on it. */
	assert_json(step,
		    "{\"facts\": {}, \"path\": [\"who\"], \"question\": {\"node\": \"who\","
		    " \"fact\": \"on_behalf\", \"citizen\": true,"
		    " \"text\": \"Is it about you or someone else?\","
		    " \"help\": \"Ask early: someone acting for another person needs a mandate.\","
		    " \"options\": [{\"value\": \"self\", \"label\": \"Myself\"},"
		    " {\"value\": \"another_person\", \"label\": \"Another person\"},"
		    " {\"value\": \"unknown\", \"label\": \"Something else / don't know\"}]}}");
	json_decref(step);
	assert_int_equal(triage_at_result(tr), 0);
	assert_null(triage_result_category(tr));
	assert_null(triage_result_destination(tr));
	assert_ptr_equal(triage_tree(tr), rules_tree(fixture, "no"));
	assert_json(triage_facts(tr), "{}");
	triage_free(tr);
	/* topic is marked "early": without that, the engine would ask about the
	 * MitID problem first, since more of its answers end the walk at once. */
	tr = start("dk", NULL);
	assert_at(tr, "topic");
	assert_string_equal(offered(tr), "login, digital_post, unknown");
	triage_free(tr);
}

static void test_walk_to_result(void **state)
{
	struct triage *tr = start("no", NULL);
	char err[512] = "";
	json_t *step;

	(void)state;
	answer(tr, "self");
	assert_at(tr, "topic");
	answer(tr, "login");
	assert_at(tr, "login.method");
	answer(tr, "minid");
	assert_at(tr, "login.problem");
	answer(tr, "phone_number_changed");
	assert_int_equal(triage_at_result(tr), 1);
	assert_string_equal(triage_result_category(tr), "login");
	assert_string_equal(triage_result_destination(tr), "no.digdir.idporten");
	assert_json(triage_facts(tr),
		    "{\"on_behalf\": \"self\", \"topic\": \"login\","
		    " \"login_method\": \"minid\", \"login_problem\": \"phone_number_changed\"}");
	step = triage_step_json(tr, "nb");
	json_object_del(json_object_get(step, "result"), "destination");
	assert_json(
		step,
		"{\"facts\": {\"on_behalf\": \"self\", \"topic\": \"login\","
		" \"login_method\": \"minid\", \"login_problem\": \"phone_number_changed\"},"
		" \"path\": [\"who\", \"topic\", \"login.method\", \"login.problem\","
		" \"login.minid.phone\"],"
		" \"result\": {\"node\": \"login.minid.phone\", \"title\": \"Nytt mobilnummer i MinID\","
		" \"category\": \"login\", \"first_line\": false,"
		" \"advice\": \"Innringeren må ringe Digdir brukerstøtte for å endre mobilnummeret.\","
		" \"bring\": \"Fødselsnummeret og det nye mobilnummeret ditt.\","
		" \"because\": [{\"fact\": \"login_method\", \"value\": \"minid\", \"label\": \"MinID\"},"
		" {\"fact\": \"login_problem\", \"value\": \"phone_number_changed\","
		" \"label\": \"Nytt mobilnummer\"}]}}");
	json_decref(step);
	/* The destination as rules_destination_localized writes it. */
	step = triage_step_json(tr, "en");
	{
		json_t *want = rules_destination_localized(fixture, "no.digdir.idporten", "en");
		char *a = dump(want),
		     *b = dump(json_object_get(json_object_get(step, "result"), "destination"));

		assert_string_equal(b, a);
		free(a);
		free(b);
		json_decref(want);
	}
	json_decref(step);
	assert_int_equal(triage_answer(tr, "self", err, sizeof(err)), -1);
	assert_string_equal(
		err, "the walk is at result \"login.minid.phone\"; there is no question to answer");
	triage_free(tr);
}

static void test_result_without_bring(void **state)
{
	struct triage *tr = start("no", "{\"topic\": \"deceased_estate\"}");
	json_t *part = step_part(tr, "en");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(part, "node")), "estate.court");
	assert_null(json_object_get(part, "bring"));
	assert_string_equal(triage_result_category(tr), "estate");
	assert_string_equal(triage_result_destination(tr), "no.tingretten");
	json_decref(part);
	triage_free(tr);
}

/* A question is asked only while some result still depends on it. */
static void test_question_skipped(void **state)
{
	struct triage *tr;

	(void)state;
	/* Login results do not depend on who it is about: "who" is not asked. */
	tr = start("no", "{\"topic\": \"login\"}");
	assert_at(tr, "login.method");
	assert_path(tr, "[\"login.method\"]");
	answer(tr, "bankid");
	assert_at(tr, "login.problem");
	triage_free(tr);
	/* Once who=self rules out poa.nav, mandate is never asked. */
	tr = start("no", "{\"on_behalf\": \"self\", \"topic\": \"case_matter\"}");
	assert_at(tr, "case.service");
	triage_free(tr);
	/* Both the mandate and the service could still matter; the service is
	 * asked first, because two of its answers end the walk at once, while
	 * every answer about the mandate leaves the service to ask. */
	tr = start("no", "{\"on_behalf\": \"another_person\", \"topic\": \"case_matter\"}");
	assert_at(tr, "case.service");
	/* case.general takes "unknown": a caller about tax must be able to say
	 * so, or "don't know" would send them where {service: tax} does not. */
	assert_string_equal(offered(tr), "welfare_benefit, social_assistance, tax, unknown");
	answer(tr, "tax");
	assert_at(tr, "general.kommune");
	back(tr);
	answer(tr, "welfare_benefit"); /* only poa.nav still needs the mandate */
	assert_at(tr, "mandate");
	triage_free(tr);
	tr = start("no", "{\"on_behalf\": \"another_person\", \"topic\": \"case_matter\", "
			 "\"authority\": \"unknown\", \"service\": \"tax\"}");
	assert_at(tr, "general.kommune"); /* the same facts at once: the same place */
	triage_free(tr);
	/* digital_post decides it: nothing that could beat dp.reserve is about
	 * digital post. */
	tr = start("no", "{\"topic\": \"digital_post\"}");
	assert_at(tr, "dp.reserve");
	assert_path(tr, "[\"dp.reserve\"]");
	triage_free(tr);
}

/* Only the options some remaining result names, and always "unknown". */
static void test_options_offered(void **state)
{
	struct triage *tr = start("no", NULL);
	char err[512] = "";

	(void)state;
	assert_string_equal(offered(tr), "self, another_person, unknown");
	answer(tr, "self");
	/* poa.give is the only power of attorney result for oneself. */
	assert_string_equal(
		offered(tr),
		"login, digital_post, power_of_attorney, case_matter, deceased_estate, unknown");
	back(tr);
	answer(tr, "another_person");
	assert_string_equal(offered(tr),
			    "login, digital_post, case_matter, deceased_estate, unknown");
	answer(tr, "unknown");
	assert_at(tr, "login.method");
	assert_string_equal(offered(tr), "minid, bankid, unknown");
	answer(tr, "bankid");
	assert_string_equal(offered(tr), "lost_or_stolen, unknown");
	back(tr);
	answer(tr, "minid");
	assert_string_equal(offered(tr), "forgotten_password, phone_number_changed, unknown");
	answer(tr, "unknown");
	assert_at(tr, "case.service");
	assert_string_equal(offered(tr), "welfare_benefit, social_assistance, unknown");
	answer(tr, "welfare_benefit");
	assert_at(tr, "mandate");
	/* Only poa.nav's written and digital powers of attorney tell results
	 * apart here, but the fixture marks mandate show_all: a guardian still
	 * finds their own answer. "who" is not marked: organisation is not
	 * offered above. */
	assert_string_equal(offered(tr), "written_poa, digital_poa, guardian, unknown");
	triage_free(tr);
	/* Citizens cannot reach poa.nav (mandate is for agents): only self. */
	tr = start_citizen("no", NULL);
	assert_string_equal(offered(tr), "self, unknown");
	/* An option not offered is still an answer. */
	answer(tr, "organisation");
	assert_at(tr, "topic");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"organisation\"}");
	assert_int_equal(triage_answer(tr, "lunch", err, sizeof(err)), -1);
	assert_string_equal(
		err,
		"value \"lunch\" is not an option of question \"topic\"; allowed: login, digital_post, power_of_attorney, case_matter, deceased_estate, unknown");
	triage_free(tr);
}

static void test_known_fact_never_asked(void **state)
{
	struct triage *tr = start("no", "{\"login_method\": \"minid\"}");

	(void)state;
	assert_at(tr, "who");
	answer(tr, "self");
	answer(tr, "login");
	assert_at(tr, "login.problem"); /* not login.method */
	answer(tr, "forgotten_password");
	assert_at(tr, "login.minid.forgot");
	assert_path(tr, "[\"who\", \"topic\", \"login.problem\", \"login.minid.forgot\"]");
	triage_free(tr);
	/* A value no option offers is known too (never asked), and as no
	 * result names it either, it ends where a caller answering "don't
	 * know" to login.method does (test_unknown_ends_at_general_result):
	 * the same problem, the same answer. */
	tr = start(
		"no",
		"{\"on_behalf\": \"self\", \"topic\": \"login\", \"login_method\": \"buypass\"}");
	assert_at(tr, "login.idporten");
	assert_path(tr, "[\"login.idporten\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\", "
				      "\"login_method\": \"buypass\"}");
	triage_free(tr);
}

/* A digital power of attorney is held for another person (the option
 * implies it in the tree): a walk that knows it does not ask who it is
 * about, also when the caller could not say; a value the caller gave wins. */
static void test_implied_fact(void **state)
{
	struct triage *tr;

	(void)state;
	tr = start("no", "{\"topic\": \"power_of_attorney\"}");
	assert_at(tr, "who"); /* nothing implies it yet */
	triage_free(tr);
	tr = start("no", "{\"authority\": \"digital_poa\"}");
	assert_at(tr, "topic"); /* "who" is early, but known by implication */
	/* Giving access oneself (poa.give) is no longer possible. */
	assert_string_equal(offered(tr),
			    "login, digital_post, case_matter, deceased_estate, unknown");
	triage_free(tr);
	tr = start("no", "{\"on_behalf\": \"unknown\", \"authority\": \"digital_poa\"}");
	assert_at(tr, "topic");
	triage_free(tr);
	tr = start("no", "{\"authority\": \"digital_poa\", \"topic\": \"power_of_attorney\"}");
	assert_at(tr, "case.service"); /* for poa.nav, which needs another person */
	answer(tr, "welfare_benefit");
	assert_at(tr, "poa.nav");
	assert_json(triage_facts(tr),
		    "{\"authority\": \"digital_poa\", \"topic\": \"power_of_attorney\","
		    " \"service\": \"welfare_benefit\"}");
	triage_free(tr);
	tr = start("no", "{\"on_behalf\": \"self\", \"authority\": \"digital_poa\","
			 " \"topic\": \"power_of_attorney\"}");
	assert_at(tr, "poa.give");
	triage_free(tr);
}

static void test_prefill_jumps_ahead(void **state)
{
	struct triage *tr = start("no", "{\"on_behalf\": \"self\", \"topic\": \"login\"}");

	(void)state;
	assert_path(tr, "[\"login.method\"]");
	answer(tr, "minid");
	assert_path(tr, "[\"login.method\", \"login.problem\"]");
	triage_free(tr);
	tr = start("no", "{\"on_behalf\": \"another_person\", \"authority\": \"digital_poa\","
			 " \"service\": \"welfare_benefit\", \"country\": \"no\"}");
	/* poa.nav matches, but estate.court (50) could still beat it; and
	 * the topic could rule poa.nav out (its `about`), so every topic is
	 * offered, not only the estate's. */
	assert_at(tr, "topic");
	assert_string_equal(offered(tr), "login, digital_post, power_of_attorney, case_matter, "
					 "deceased_estate, unknown");
	answer(tr, "unknown");
	assert_at(tr, "poa.nav");
	assert_path(tr, "[\"topic\", \"poa.nav\"]");
	triage_free(tr);
	/* The facts decide a login result, but not the topic it is about. */
	tr = start("dk", "{\"login_problem\": \"eid_blocked\"}");
	assert_at(tr, "topic");
	answer(tr, "login");
	assert_at(tr, "login.mitid.blocked");
	triage_free(tr);
}

/* A result is only for callers whose topic it is about: its questions are
 * asked only for its topics, and facts given at once do not reach it for
 * another topic either - one problem, one answer. */
static void test_about(void **state)
{
	struct triage *tr;

	(void)state;
	tr = start("no", "{\"topic\": \"case_matter\", \"login_method\": \"bankid\"}");
	assert_at(tr, "who"); /* poa.nav (40) could still win; login.bankid cannot */
	answer(tr, "self");
	assert_at(tr, "case.service");
	triage_free(tr);
	/* Its facts known before the topic: the topic is asked before the walk
	 * ends there, with every option. */
	tr = start("no", "{\"on_behalf\": \"self\", \"login_method\": \"bankid\"}");
	assert_at(tr, "topic");
	assert_string_equal(offered(tr), "login, digital_post, power_of_attorney, case_matter, "
					 "deceased_estate, unknown");
	answer(tr, "login");
	assert_at(tr, "login.problem");
	triage_free(tr);
	/* topic=case_matter: no login question, though login results would win. */
	tr = start("no", "{\"on_behalf\": \"unknown\", \"topic\": \"case_matter\"}");
	assert_at(tr, "case.service");
	triage_free(tr);
	/* topic=unknown fits every `about`: the login questions come first. */
	tr = start("no", "{\"on_behalf\": \"unknown\", \"topic\": \"unknown\"}");
	assert_at(tr, "login.method");
	triage_free(tr);
}

/* "unknown" is stored, contradicts every other value and ends at the best
 * result that still matches. */
static void test_unknown_ends_at_general_result(void **state)
{
	struct triage *tr = start("no", NULL);

	(void)state;
	answer(tr, "self");
	answer(tr, "login");
	answer(tr, "unknown");
	assert_at(tr, "login.idporten"); /* the login topic's own fallback */
	assert_json(
		triage_facts(tr),
		"{\"on_behalf\": \"self\", \"topic\": \"login\", \"login_method\": \"unknown\"}");
	triage_free(tr);
	tr = start("no", NULL);
	answer(tr, "unknown");
	answer(tr, "unknown");
	assert_at(tr, "login.method");
	answer(tr, "unknown");
	assert_at(tr, "case.service");
	answer(tr, "unknown");
	assert_at(tr, "general.kommune"); /* the tree's fallback */
	assert_path(tr, "[\"who\", \"topic\", \"login.method\", \"case.service\","
			" \"general.kommune\"]");
	triage_free(tr);
	tr = start("no", "{\"on_behalf\": \"self\", \"topic\": \"case_matter\"}");
	answer(tr, "unknown");
	assert_at(tr, "case.general");
	triage_free(tr);
	tr = start("dk", "{\"topic\": \"login\"}");
	answer(tr, "unknown");
	assert_at(tr, "login.mitid");
	triage_free(tr);
}

static void test_bad_answer(void **state)
{
	struct triage *tr = start("no", "{\"on_behalf\": \"self\", \"topic\": \"login\"}");
	char err[512] = "";

	(void)state;
	assert_int_equal(triage_answer(tr, "x", err, sizeof(err)), -1);
	assert_string_equal(
		err,
		"value \"x\" is not an option of question \"login.method\"; allowed: minid, bankid, unknown");
	/* buypass is in the vocabulary, but not an option here. */
	assert_int_equal(triage_answer(tr, "buypass", err, sizeof(err)), -1);
	assert_string_equal(
		err,
		"value \"buypass\" is not an option of question \"login.method\"; allowed: minid, bankid, unknown");
	assert_int_equal(triage_answer(tr, NULL, NULL, 0), -1);
	assert_path(tr, "[\"login.method\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\"}");
	triage_free(tr);
}

static void test_bad_prefill(void **state)
{
	struct {
		const char *prefill, *err;
	} cases[] = {
		{ "{\"mood\": \"calm\"}",
		  fmt("unknown fact \"mood\"; facts: %s", vocab_list(NULL)) },
		{ "{\"on_behalf\": \"self\", \"topic\": \"lunch\"}",
		  fmt("value \"lunch\" is not a value of fact \"topic\"; allowed: %s",
		      vocab_list("topic")) },
		{ "{\"eid_status\": 3}", fmt("fact \"eid_status\" must be a string; allowed: %s",
					     vocab_list("eid_status")) },
		{ "[\"self\"]", "prefilled facts must be an object of fact → value" },
		{ "{\"country\": \"dk\"}", "fact \"country\" is \"dk\", but this is the no tree" },
	};
	char err[512];
	json_t *prefill;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		prefill = json_loads(cases[i].prefill, 0, NULL);
		err[0] = '\0';
		assert_null(triage_start(fixture, rules_tree(fixture, "no"), prefill, 0, err,
					 sizeof(err)));
		assert_string_equal(err, cases[i].err);
		json_decref(prefill);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_question),
		cmocka_unit_test(test_walk_to_result),
		cmocka_unit_test(test_result_without_bring),
		cmocka_unit_test(test_question_skipped),
		cmocka_unit_test(test_options_offered),
		cmocka_unit_test(test_known_fact_never_asked),
		cmocka_unit_test(test_implied_fact),
		cmocka_unit_test(test_prefill_jumps_ahead),
		cmocka_unit_test(test_about),
		cmocka_unit_test(test_unknown_ends_at_general_result),
		cmocka_unit_test(test_bad_answer),
		cmocka_unit_test(test_bad_prefill),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
