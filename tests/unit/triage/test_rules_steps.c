/* test_rules_steps.c - the engine's steps: voice, because, back, jump, the path limit, references. */
#include "unit.h"

#include "rules_fixture.h"

/* Advice to the agent about the caller, or to the citizen as "you". */
static void test_voice(void **state)
{
	static const char *const facts =
		"{\"on_behalf\": \"self\", \"topic\": \"login\", \"login_method\": \"minid\","
		" \"login_problem\": \"forgotten_password\"}";
	struct triage *agent = start("no", facts), *citizen = start_citizen("no", facts);
	json_t *a = step_part(agent, "nb"), *c = step_part(citizen, "nb");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(a, "advice")),
			    "Be innringeren velge «Glemt passord» på innloggingssiden.");
	assert_string_equal(json_string_value(json_object_get(c, "advice")),
			    "Velg «Glemt passord» når du logger inn.");
	json_decref(a);
	json_decref(c);
	a = step_part(agent, "en");
	c = step_part(citizen, "en");
	assert_string_equal(json_string_value(json_object_get(a, "advice")),
			    "Ask the caller to choose \"Forgotten password\" on the login page.");
	assert_string_equal(json_string_value(json_object_get(c, "advice")),
			    "Choose \"Forgotten password\" when you log in.");
	/* Everything else is the same for both. */
	json_object_del(a, "advice");
	json_object_del(c, "advice");
	{
		char *x = dump(a), *y = dump(c);

		assert_string_equal(x, y);
		free(x);
		free(y);
	}
	json_decref(a);
	json_decref(c);
	/* Questions say whether citizens are asked them. */
	triage_free(agent);
	agent = start("no", "{\"on_behalf\": \"another_person\", \"topic\": \"case_matter\", "
			    "\"service\": \"welfare_benefit\"}");
	a = step_part(agent, "en");
	assert_string_equal(json_string_value(json_object_get(a, "node")), "mandate");
	assert_json(json_object_get(a, "citizen"), "false");
	json_decref(a);
	triage_free(agent);
	triage_free(citizen);
}

/* "because": the facts that decided the result, with the labels the
 * caller heard, in the result's order. */
static void test_because(void **state)
{
	struct triage *tr =
		start("no", "{\"on_behalf\": \"another_person\", \"topic\": \"unknown\","
			    " \"login_method\": \"minid\", \"login_problem\": \"unknown\","
			    " \"authority\": \"digital_poa\"}");
	json_t *part;

	(void)state;
	answer(tr, "welfare_benefit");
	part = step_part(tr, "nn");
	assert_string_equal(json_string_value(json_object_get(part, "node")), "poa.nav");
	assert_json(
		json_object_get(part, "because"),
		"[{\"fact\": \"on_behalf\", \"value\": \"another_person\", \"label\": \"Ein annan person\"},"
		" {\"fact\": \"authority\", \"value\": \"digital_poa\", \"label\": \"Digital fullmakt\"},"
		" {\"fact\": \"service\", \"value\": \"welfare_benefit\", \"label\": \"Pensjon eller trygd\"}]");
	json_decref(part);
	triage_free(tr);
	/* "unknown" decides a result too. */
	tr = start(
		"no",
		"{\"topic\": \"case_matter\", \"service\": \"unknown\", \"on_behalf\": \"self\"}");
	part = step_part(tr, "en");
	assert_string_equal(json_string_value(json_object_get(part, "node")), "case.general");
	assert_json(
		json_object_get(part, "because"),
		"[{\"fact\": \"topic\", \"value\": \"case_matter\", \"label\": \"A case at NAV or another agency\"},"
		" {\"fact\": \"service\", \"value\": \"unknown\", \"label\": \"Something else / don't know\"}]");
	json_decref(part);
	triage_free(tr);
	/* The fallback is decided by nothing. */
	tr = start("dk", "{\"topic\": \"unknown\", \"login_problem\": \"unknown\"}");
	part = step_part(tr, "da");
	assert_string_equal(json_string_value(json_object_get(part, "node")), "borgerservice");
	assert_json(json_object_get(part, "because"), "[]");
	json_decref(part);
	triage_free(tr);
	/* A result jumped to lists only the facts that fit it: not the unknown
	 * ones, and not those that contradict it. */
	tr = start("no",
		   "{\"login_method\": \"bankid\", \"login_problem\": \"forgotten_password\"}");
	jump(tr, "login.minid.forgot");
	part = step_part(tr, "en");
	assert_json(
		json_object_get(part, "because"),
		"[{\"fact\": \"login_problem\", \"value\": \"forgotten_password\", \"label\": \"Forgotten password\"}]");
	json_decref(part);
	jump(tr, "login.idporten");
	part = step_part(tr, "en");
	assert_json(json_object_get(part, "because"), "[]");
	json_decref(part);
	triage_free(tr);
}

static void test_back(void **state)
{
	struct triage *tr = start("no", "{\"on_behalf\": \"self\"}");
	char err[512] = "";

	(void)state;
	assert_at(tr, "topic");
	assert_int_equal(triage_back(tr, err, sizeof(err)), -1);
	assert_string_equal(err, "nothing to go back to");
	answer(tr, "login");
	answer(tr, "bankid");
	assert_at(tr, "login.problem");
	back(tr);
	assert_at(tr, "login.method");
	assert_path(tr, "[\"topic\", \"login.method\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\"}");
	assert_string_equal(offered(tr), "minid, bankid, unknown");
	back(tr);
	assert_at(tr, "topic");
	assert_path(tr, "[\"topic\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\"}"); /* prefilled: stays */
	err[0] = '\0';
	assert_int_equal(triage_back(tr, err, sizeof(err)), -1);
	assert_string_equal(err, "nothing to go back to");
	answer(tr, "case_matter"); /* the walk goes on after going back */
	assert_at(tr, "case.service");
	answer(tr, "tax");
	assert_at(tr, "general.kommune");
	back(tr);
	assert_at(tr, "case.service");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"case_matter\"}");
	triage_free(tr);
}

/* Going back over an answer that changed a known fact restores the value it
 * had, prefilled or answered. */
static void test_back_restores_value(void **state)
{
	struct triage *tr = start("no", "{\"on_behalf\": \"self\", \"topic\": \"login\"}");

	(void)state;
	answer(tr, "minid");
	assert_at(tr, "login.problem");
	jump(tr, "who"); /* the agent corrects a prefilled fact */
	assert_at(tr, "who");
	/* A jumped-to question offers every option. */
	assert_string_equal(offered(tr), "self, another_person, organisation, unknown");
	answer(tr, "another_person");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"another_person\", \"topic\": \"login\","
				      " \"login_method\": \"minid\"}");
	assert_at(tr, "login.problem");
	assert_path(tr, "[\"login.method\", \"who\", \"login.problem\"]");
	back(tr);
	assert_at(tr, "who");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\","
				      " \"login_method\": \"minid\"}");
	back(tr); /* undoes the jump */
	assert_at(tr, "login.problem");
	assert_path(tr, "[\"login.method\", \"login.problem\"]");
	jump(tr, "login.method");
	answer(tr, "bankid");
	assert_at(tr, "login.problem");
	assert_string_equal(offered(tr), "lost_or_stolen, unknown");
	back(tr);
	back(tr);
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\","
				      " \"login_method\": \"minid\"}");
	assert_string_equal(offered(tr), "forgotten_password, phone_number_changed, unknown");
	triage_free(tr);
}

static void test_jump(void **state)
{
	struct triage *tr = start("no", NULL);
	char err[512] = "";

	(void)state;
	answer(tr, "self");
	jump(tr, "case.service");
	assert_path(tr, "[\"who\", \"case.service\"]");
	assert_at(tr, "case.service");
	assert_string_equal(offered(tr), "welfare_benefit, social_assistance, tax, unknown");
	answer(tr, "social_assistance");
	/* case.kontor matches; results about other topics could beat it, and
	 * another topic would rule it out: every topic is offered. */
	assert_at(tr, "topic");
	assert_string_equal(offered(tr), "login, digital_post, power_of_attorney, case_matter, "
					 "deceased_estate, unknown");
	answer(tr, "case_matter");
	assert_string_equal(triage_result_destination(tr), "no.nav.kontor");
	assert_path(tr, "[\"who\", \"case.service\", \"topic\", \"case.kontor\"]");
	back(tr);
	assert_at(tr, "topic");
	back(tr);
	assert_at(tr, "case.service");
	back(tr); /* undoes the jump */
	assert_at(tr, "topic");
	assert_path(tr, "[\"who\", \"topic\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\"}");
	assert_int_equal(triage_jump(tr, "nope", err, sizeof(err)), -1);
	assert_string_equal(err, "no node \"nope\" in the no tree");
	assert_int_equal(triage_jump(tr, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "no node \"(none)\" in the no tree");
	/* A result: the walk stays there, though the facts do not decide it. */
	jump(tr, "estate.court");
	assert_string_equal(triage_result_category(tr), "estate");
	assert_path(tr, "[\"who\", \"estate.court\"]");
	assert_int_equal(triage_answer(tr, "login", err, sizeof(err)), -1);
	assert_string_equal(
		err, "the walk is at result \"estate.court\"; there is no question to answer");
	/* From a result to a question, and on by answering it. */
	jump(tr, "topic");
	answer(tr, "digital_post");
	assert_at(tr, "dp.reserve");
	assert_path(tr, "[\"who\", \"estate.court\", \"topic\", \"dp.reserve\"]");
	back(tr);
	back(tr);
	assert_at(tr, "estate.court");
	back(tr);
	assert_at(tr, "topic");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\"}");
	triage_free(tr);
}

/* Only jumps can grow a path without end; it stops at 1,024 nodes. */
static void test_path_limit(void **state)
{
	struct triage *tr = start("no", NULL);
	char err[512] = "";
	json_t *path;
	int i;

	(void)state;
	for (i = 1; i <= 1024; i++)
		if (triage_jump(tr, i % 2 ? "topic" : "who", err, sizeof(err)))
			fail_msg("jump %d failed: %s", i, err);
	assert_int_equal(triage_jump(tr, "topic", err, sizeof(err)), -1);
	assert_string_equal(err, "the walk is too long (or out of memory)");
	assert_at(tr, "who");
	path = triage_path(tr);
	assert_int_equal(json_array_size(path), 1024);
	json_decref(path);
	/* Answering a jumped-to question adds nothing to the path... */
	answer(tr, "self");
	assert_at(tr, "topic");
	/* ...but the question it leads to cannot be recorded once answered. */
	assert_int_equal(triage_answer(tr, "login", err, sizeof(err)), -1);
	assert_string_equal(err, "the walk is too long");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\"}");
	back(tr);
	assert_at(tr, "who");
	back(tr);
	assert_at(tr, "topic");
	triage_free(tr);
}

/* A walk keeps its rulebook alive after a reload dropped it. */
static void test_walk_holds_reference(void **state)
{
	struct rulebook *rb = rules_load(FIXTURE, NULL, NULL),
			*other = rules_load(FIXTURE, NULL, NULL);
	struct triage *tr;
	char err[512] = "";
	json_t *part;

	(void)state;
	assert_non_null(rb);
	assert_non_null(other);
	assert_null(triage_start(other, rules_tree(rb, "no"), NULL, 0, err, sizeof(err)));
	assert_string_equal(err, "the tree is not part of this rulebook");
	assert_null(triage_start(rb, NULL, NULL, 0, err, sizeof(err)));
	rules_unref(other);
	tr = triage_start(rb, rules_tree(rb, "no"), NULL, 0, err, sizeof(err));
	assert_non_null(tr);
	rules_unref(rb); /* a reload swapped it out */
	answer(tr, "self");
	answer(tr, "power_of_attorney");
	part = step_part(tr, "en");
	assert_string_equal(json_string_value(json_object_get(part, "title")),
			    "Giving a power of attorney in Altinn");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(part, "destination"), "name")),
		"Altinn brukerservice");
	json_decref(part);
	triage_free(tr); /* frees the rulebook too; ASan would catch a leak */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_voice),
		cmocka_unit_test(test_because),
		cmocka_unit_test(test_back),
		cmocka_unit_test(test_back_restores_value),
		cmocka_unit_test(test_jump),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_walk_holds_reference),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
