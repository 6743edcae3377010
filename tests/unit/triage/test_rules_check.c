/* test_rules_check.c - rules_check: what only walking the tree shows (overlaps, unreachable results, depth). */
#include "unit.h"

#include "rules_fixture.h"

/* ---- rules_check: what only walking the tree shows ------------------------- */

/* login.bankid.lost without login_method: it and login.bankid both match
 * "BankID, lost", with the same priority and neither more specific. */
static void test_overlap_needs_priority(void **state)
{
	json_t *no = fixture_json("no.json");
	struct rulebook *rb;
	struct triage *tr;

	(void)state;
	json_object_del(json_object_get(result(no, "login.bankid.lost"), "when"), "login_method");
	json_incref(no);
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: results \"login.bankid\" and \"login.bankid.lost\" can match the same facts and neither wins: give one a higher \"priority\", or tell them apart by a fact",
			"no.json: results \"login.bankid.lost\" and \"login.idporten\" can match the same facts and neither wins: give one a higher \"priority\", or tell them apart by a fact",
			NULL });
	/* A higher priority settles it: now lost_or_stolen wins for any eID. */
	json_object_set_new(result(no, "login.bankid.lost"), "priority", json_integer(31));
	rb = load_changed("no.json", no);
	tr = start_in(rb, "no",
		      "{\"on_behalf\": \"self\", \"topic\": \"login\","
		      " \"login_method\": \"bankid\", \"login_problem\": \"lost_or_stolen\"}",
		      0);
	assert_at(tr, "login.bankid.lost");
	triage_free(tr);
	tr = start_in(rb, "no", "{\"topic\": \"login\", \"login_method\": \"minid\"}", 0);
	assert_at(tr, "login.problem");
	assert_string_equal(offered(tr),
			    "forgotten_password, phone_number_changed, lost_or_stolen, unknown");
	answer(tr, "lost_or_stolen");
	assert_at(tr, "login.bankid.lost");
	triage_free(tr);
	rules_unref(rb);
}

/* Two results with the same `when`, but one of them always loses. */
static void test_unreachable_result(void **state)
{
	json_t *no = fixture_json("no.json"),
	       *copy = json_deep_copy(result(no, "login.minid.forgot"));

	(void)state;
	json_object_set_new(copy, "id", json_string("login.minid.forgot.old"));
	json_object_set_new(copy, "priority", json_integer(29));
	json_array_append_new(json_object_get(no, "results"), copy);
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: result \"login.minid.forgot.old\": no walk reaches it (a result that always wins over it matches the same facts, or its facts cannot all be asked)",
			NULL });
}

/* "implies": one other fact, one value, never "unknown". */
static void test_bad_implies(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(option(no, "login.problem", "forgotten_password"), "implies",
			    json_pack("{s:s, s:s}", "topic", "login", "service", "tax"));
	json_object_set_new(option(no, "login.problem", "phone_number_changed"), "implies",
			    json_pack("{s:s}", "login_problem", "lost_or_stolen"));
	json_object_set_new(option(no, "login.method", "minid"), "implies",
			    json_pack("{s:s}", "topic", "unknown"));
	json_object_set_new(option(no, "login.method", "bankid"), "implies",
			    json_pack("{s:[s,s]}", "topic", "login", "fraud"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: question \"login.method\": option \"minid\": \"implies\" cannot imply \"unknown\"",
			"no.json: question \"login.method\": option \"bankid\": \"implies\" names one fact and one value",
			"no.json: question \"login.problem\": option \"forgotten_password\": \"implies\" names one fact and one value",
			"no.json: question \"login.problem\": option \"phone_number_changed\": \"implies\" names the question's own fact",
			NULL });
}

/* An answer may imply another fact only where every result that needs the
 * answer agrees: "lost or stolen" cannot mean digital post while a BankID
 * result needs it. */
static void test_implies_contradicts_result(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(option(no, "login.problem", "lost_or_stolen"), "implies",
			    json_pack("{s:s}", "topic", "digital_post"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: question \"login.problem\": option \"lost_or_stolen\" implies topic = digital_post, but result \"login.bankid.lost\" needs \"lost_or_stolen\" and is for another topic",
			NULL });
}

/* A result's `when` may not allow a topic its `about` leaves out: prefilled,
 * those facts would reach it; walked, the topic comes first and its other
 * facts are never asked. */
static void test_when_wider_than_about(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(json_object_get(result(no, "estate.court"), "when"), "topic",
			    json_pack("[ss]", "deceased_estate", "login"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: result \"estate.court\": its \"when\" allows topic = login, which its \"about\" leaves out",
			NULL });
}

/* A seventh question, age_band, that a more specific poa.nav needs: the
 * walk who=another_person, topic=unknown, every login question, mandate,
 * case.service would ask it seventh. Only agents can get there (mandate is
 * theirs), and the result is still reached by shorter walks. */
static void test_too_deep(void **state)
{
	json_t *no = fixture_json("no.json"), *q, *r;

	(void)state;
	q = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:[{s:s, s:{s:s, s:s, s:s}},"
		      " {s:s, s:{s:s, s:s, s:s}}]}",
		      "id", "age", "fact", "age_band", "text", "nb", "Alder?", "nn", "Alder?", "en",
		      "Age?", "options", "value", "adult", "label", "nb", "Voksen", "nn", "Vaksen",
		      "en", "Adult", "value", "unknown", "label", "nb", "Vet ikke", "nn",
		      "Veit ikkje", "en", "Don't know");
	json_array_append_new(json_object_get(no, "questions"), q);
	r = json_deep_copy(result(no, "poa.nav"));
	json_object_set_new(r, "id", json_string("poa.nav.adult"));
	json_object_set_new(json_object_get(r, "when"), "age_band", json_string("adult"));
	json_array_append_new(json_object_get(no, "results"), r);
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: an agent's walk asks more than 6 questions: who=another_person → topic=unknown → login.method=minid → login.problem=forgotten_password → mandate=written_poa → case.service=welfare_benefit → age",
			NULL });
}

/* A result more specific than poa.nav that needs login_method too: its
 * longest walk asks all six questions, which is allowed. */
static void test_six_deep_is_fine(void **state)
{
	json_t *no = fixture_json("no.json"), *r, *summary;
	struct rulebook *rb;

	(void)state;
	r = json_deep_copy(result(no, "poa.nav"));
	json_object_set_new(r, "id", json_string("poa.nav.minid"));
	json_object_set_new(json_object_get(r, "when"), "login_method", json_string("minid"));
	json_array_append_new(json_object_get(no, "results"), r);
	rb = load_changed("no.json", no);
	summary = rules_summary(rb);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(summary, "no"), "depth")), 6);
	json_decref(summary);
	rules_unref(rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlap_needs_priority),
		cmocka_unit_test(test_unreachable_result),
		cmocka_unit_test(test_bad_implies),
		cmocka_unit_test(test_implies_contradicts_result),
		cmocka_unit_test(test_when_wider_than_about),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_six_deep_is_fine),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
