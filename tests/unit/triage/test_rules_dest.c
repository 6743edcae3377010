/* test_rules_dest.c - the destination directory's validation: fields, their
 * sources and languages, one broken thing per test and the exact problems. */
#include "unit.h"

#include "rules_fixture.h"

/* A destination's texts are checked against the languages of its tree. */
static void test_destination_missing_language(void **state)
{
	json_t *dests = fixture_json("destinations/no.json"), *ddk;
	char *dir = scratch_new();

	(void)state;
	json_object_del(
		json_object_get(json_object_get(destination(dests, "no.nav"), "name"), "text"),
		"nn");
	json_object_set_new(
		json_object_get(json_object_get(destination(dests, "no.kommune"), "other"), "text"),
		"da", json_string("Fremmøde"));
	write_json(dir, "destinations/no.json", dests);
	ddk = fixture_json("destinations/dk.json");
	json_object_set_new(json_object_get(destination(ddk, "dk.borgerservice"), "hours"), "text",
			    json_pack("{s:s}", "da", "Hverdage 10–15"));
	write_json(dir, "destinations/dk.json", ddk);
	expect_problems(
		dir,
		(const char *[]){
			"destinations/no.json: destination \"no.nav\": name: \"text\" has no \"nn\" text",
			"destinations/no.json: destination \"no.kommune\": other: \"text\" has a \"da\" text, but \"langs\" does not declare \"da\"",
			"destinations/dk.json: destination \"dk.borgerservice\": hours: \"text\" has no \"en\" text",
			NULL });
	scratch_free(dir);
}

static void test_destination_fields(void **state)
{
	json_t *dests = fixture_json("destinations/no.json"), *nav, *bank, *kommune, *idporten;

	(void)state;
	nav = destination(dests, "no.nav");
	bank = destination(dests, "no.bank");
	kommune = destination(dests, "no.kommune");
	idporten = destination(dests, "no.digdir.idporten");
	/* Neither a source nor "unconfirmed". */
	json_object_del(json_object_get(nav, "web"), "source");
	json_object_del(json_object_get(nav, "web"), "checked");
	/* Dates. */
	json_object_set_new(json_object_get(nav, "name"), "checked", json_string("6.12.2026"));
	json_object_set_new(json_object_get(nav, "mandate"), "checked", json_string("2026-13-01"));
	json_object_del(json_object_get(bank, "name"), "checked");
	/* Numbers to dial. */
	json_object_set_new(json_object_get(nav, "phone"), "dial", json_string("55 55 33 33"));
	json_object_set_new(json_object_get(idporten, "web"), "dial", json_string("+4780030300"));
	json_object_set_new(json_object_get(bank, "phone"), "dial", json_string("+47"));
	/* Sources. */
	json_object_set_new(json_object_get(kommune, "name"), "source", json_string("S12"));
	json_object_set_new(json_object_get(idporten, "hours"), "source",
			    json_string("https://www.idporten.no/"));
	json_object_set_new(json_object_get(idporten, "hours"), "checked",
			    json_string("2026-12-01"));
	json_object_set_new(json_object_get(idporten, "phone"), "text", json_string(""));
	/* More pages for a text drawn from several. */
	json_object_set_new(json_object_get(nav, "hours"), "also",
			    json_pack("[s]", "https://www.nav.no/"));
	json_object_set_new(json_object_get(kommune, "mandate"), "also",
			    json_pack("[s, i]", "S13", 7));
	json_object_set_new(json_object_get(bank, "mandate"), "also",
			    json_pack("[s, s, s, s, s]", "https://a.no/", "https://b.no/",
				      "https://c.no/", "https://d.no/", "https://e.no/"));
	expect_broken(
		"destinations/no.json", dests,
		(const char *[]){
			"destinations/no.json: destination \"no.nav\": web: needs \"source\" and \"checked\", or \"unconfirmed\": true",
			"destinations/no.json: destination \"no.nav\": name: \"checked\" must be a date (YYYY-MM-DD)",
			"destinations/no.json: destination \"no.nav\": mandate: \"checked\" must be a date (YYYY-MM-DD)",
			"destinations/no.json: destination \"no.bank\": name: \"checked\" must be a date (YYYY-MM-DD)",
			"destinations/no.json: destination \"no.nav\": phone: \"dial\" must be a phone number as + and digits",
			"destinations/no.json: destination \"no.digdir.idporten\": web: \"dial\" must be a phone number as + and digits",
			"destinations/no.json: destination \"no.bank\": phone: \"dial\" must be a phone number as + and digits",
			"destinations/no.json: destination \"no.kommune\": name: \"source\" must be a web address (https://…)",
			"destinations/no.json: destination \"no.digdir.idporten\": hours: has a source and says it is unconfirmed",
			"destinations/no.json: destination \"no.digdir.idporten\": phone: \"text\" must not be empty",
			"destinations/no.json: destination \"no.nav\": hours: \"also\" adds pages to a \"source\", and there is none",
			"destinations/no.json: destination \"no.kommune\": mandate: \"also\" entry 1 must be a web address",
			"destinations/no.json: destination \"no.kommune\": mandate: \"also\" entry 2 must be a web address",
			"destinations/no.json: destination \"no.bank\": mandate: \"also\" lists more than 4 pages",
			NULL });
}

static void test_destination_problems(void **state)
{
	json_t *dests = fixture_json("destinations/no.json"),
	       *list = json_object_get(dests, "destinations");
	json_t *bank = destination(dests, "no.bank");

	(void)state;
	json_object_del(bank, "mandate");
	json_object_set_new(bank, "email", json_string("post@bank.no"));
	json_object_set_new(json_object_get(bank, "name"), "kilde", json_string("S12"));
	json_object_set_new(bank, "web", json_string("https://www.bankid.no/"));
	json_array_append(list, destination(dests, "no.nav"));
	json_array_append_new(list, json_pack("{s:s, s:{s:s, s:b}, s:{s:s, s:b}}", "id", "dk.skat",
					      "name", "text", "SKAT", "unconfirmed", 1, "mandate",
					      "text", "Skat", "unconfirmed", 1));
	json_array_append_new(list, json_string("no.politiet"));
	json_object_set_new(dests, "country", json_string("se"));
	expect_broken(
		"destinations/no.json", dests,
		(const char *[]){
			"destinations/no.json: \"country\" is \"se\", expected \"no\"",
			"destinations/no.json: destination \"no.bank\": missing required \"mandate\"",
			"destinations/no.json: destination \"no.bank\": \"web\" must be an object, got a string",
			"destinations/no.json: destination \"no.bank\": unknown key \"email\" (allowed: id, name, mandate, phone, web, hours, other, note)",
			"destinations/no.json: destination \"no.bank\": name: unknown key \"kilde\" (allowed: text, dial, source, also, checked, unconfirmed, note)",
			"destinations/no.json: destination \"no.nav\": is defined twice",
			"destinations/no.json: destination \"dk.skat\": id must start with \"no.\"",
			"destinations/no.json: destination 10: must be an object, got a string",
			NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_destination_missing_language),
		cmocka_unit_test(test_destination_fields),
		cmocka_unit_test(test_destination_problems),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
