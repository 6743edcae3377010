/* test_rules.c - the rule loader, its validation and the triage walk.
 *
 * Run from the repository root: it reads tests/fixtures/rules/ and rules/.
 * Broken rule sets are made by copying the fixture to a scratch directory and
 * changing one thing; each test then asserts the exact problems reported, so
 * a message that loses its file or node name, or a check that starts to
 * report noise, fails here. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jbuf.h"
#include "rules.h"

#define FIXTURE "tests/fixtures/rules"
#define SHARED_DOMAIN "../shared/domain"

static const char *const rule_files[] = { "vocabulary.json",
					  "destinations/no.json",
					  "destinations/dk.json",
					  "no.json",
					  "dk.json",
					  NULL };

static struct rulebook *fixture; /* loaded once for the walk tests */

static void collect(void *ctx, const char *problem)
{
	json_array_append_new(ctx, json_string(problem));
}

/* ---- helpers ---------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

	if (!in || !out)
		fail_msg("cannot copy %s to %s", from, to);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

/* A scratch copy of the fixture rule set, in a new directory under /tmp. */
static char *scratch_new(void)
{
	static char dir[64];
	char from[256], to[256], sub[128];
	int i;

	snprintf(dir, sizeof(dir), "/tmp/vv-rules-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/destinations", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	for (i = 0; rule_files[i]; i++) {
		snprintf(from, sizeof(from), "%s/%s", FIXTURE, rule_files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, rule_files[i]);
		copy_file(from, to);
	}
	return dir;
}

static void scratch_free(const char *dir)
{
	char path[256];
	int i;

	for (i = 0; rule_files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rule_files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/destinations", dir);
	rmdir(path);
	rmdir(dir);
}

static json_t *read_json(const char *dir, const char *name)
{
	char path[256];
	json_error_t error;
	json_t *root;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	root = json_load_file(path, 0, &error);
	if (!root)
		fail_msg("cannot read %s: %s", path, error.text);
	return root;
}

static json_t *fixture_json(const char *name)
{
	return read_json(FIXTURE, name);
}

static void write_json(const char *dir, const char *name, json_t *root)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
	json_decref(root);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static char *dump(const json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Compares JSON as sorted compact text, so a failure shows expected and got. */
static void assert_json(const json_t *got, const char *expected)
{
	json_error_t error;
	json_t *want = json_loads(expected, JSON_DECODE_ANY, &error);
	char *a, *b;

	if (!want)
		fail_msg("bad expected JSON in test: %s", error.text);
	a = dump(want);
	b = got ? dump(got) : strdup("(null)");
	assert_string_equal(b, a);
	free(a);
	free(b);
	json_decref(want);
}

/* Loads dir, which must fail, and checks that exactly the expected problems
 * were reported, in any order. Each expected problem is relative to dir. */
static void expect_problems(const char *dir, const char *const *expected)
{
	json_t *got = json_array();
	struct rulebook *rb = rules_load(dir, collect, got);
	char want[2048], *list;
	size_t i, n = 0;

	if (rb) {
		rules_unref(rb);
		fail_msg("expected %s to fail to load, but it loaded", dir);
	}
	list = json_dumps(got, JSON_INDENT(1));
	for (; expected[n]; n++) {
		snprintf(want, sizeof(want), "%s/%s", dir, expected[n]);
		for (i = 0; i < json_array_size(got); i++)
			if (!strcmp(json_string_value(json_array_get(got, i)), want))
				break;
		if (i == json_array_size(got))
			fail_msg("expected problem:\n  %s\ngot:\n%s", want, list);
	}
	if (n != json_array_size(got))
		fail_msg("expected %zu problems, got %zu:\n%s", n, json_array_size(got), list);
	free(list);
	json_decref(got);
}

/* Writes root as name into a scratch fixture copy and expects the problems. */
static void expect_broken(const char *name, json_t *root, const char *const *expected)
{
	char *dir = scratch_new();

	write_json(dir, name, root);
	expect_problems(dir, expected);
	scratch_free(dir);
}

static json_t *node(json_t *tree, const char *id)
{
	json_t *n = json_object_get(json_object_get(tree, "nodes"), id);

	if (!n)
		fail_msg("fixture has no node \"%s\"", id);
	return n;
}

static json_t *option(json_t *tree, const char *id, const char *value)
{
	json_t *options = json_object_get(node(tree, id), "options"), *o;
	size_t i;

	json_array_foreach(options, i, o)
		if (!strcmp(json_string_value(json_object_get(o, "value")), value))
			return o;
	fail_msg("fixture node \"%s\" has no option \"%s\"", id, value);
	return NULL;
}

/* A question on fact age_band whose only option leads to next. */
static json_t *chain_question(const char *next)
{
	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:s, s:{s:s, s:s, s:s}, s:s}]}", "fact",
			 "age_band", "text", "nb", "Alder?", "nn", "Alder?", "en", "Age?",
			 "options", "value", "unknown", "label", "nb", "Vet ikke", "nn",
			 "Veit ikkje", "en", "Don't know", "next", next);
}

static struct triage *start(const char *country, const char *prefill)
{
	char err[512] = "";
	json_t *facts = prefill ? json_loads(prefill, 0, NULL) : NULL;
	struct triage *tr =
		triage_start(fixture, rules_tree(fixture, country), facts, err, sizeof(err));

	json_decref(facts);
	if (!tr)
		fail_msg("triage_start(%s, %s) failed: %s", country, prefill ? prefill : "NULL",
			 err);
	return tr;
}

static void answer(struct triage *tr, const char *value)
{
	char err[512] = "";

	if (triage_answer(tr, value, err, sizeof(err)))
		fail_msg("answer \"%s\" failed: %s", value, err);
}

static void back(struct triage *tr)
{
	char err[512] = "";

	if (triage_back(tr, err, sizeof(err)))
		fail_msg("back failed: %s", err);
}

static void assert_path(struct triage *tr, const char *expected)
{
	json_t *path = triage_path(tr);

	assert_json(path, expected);
	json_decref(path);
}

static void assert_at(struct triage *tr, const char *node_id)
{
	json_t *step = triage_step_json(tr, "en");
	json_t *at = json_object_get(step, triage_at_result(tr) ? "result" : "question");

	assert_string_equal(json_string_value(json_object_get(at, "node")), node_id);
	json_decref(step);
}

static int setup_fixture(void **state)
{
	(void)state;
	fixture = rules_load(FIXTURE, NULL, NULL);
	return fixture ? 0 : -1;
}

static int teardown_fixture(void **state)
{
	(void)state;
	rules_unref(fixture);
	return 0;
}

/* ---- loading the fixture ---------------------------------------------- */

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
	assert_string_equal(rules_tree_version(rules_tree(rb, "dk")), "fixture-1");
	assert_null(rules_tree(rb, "se"));
	assert_null(rules_tree(rb, NULL));
	langs = rules_tree_langs(rules_tree(rb, "no"));
	assert_json(langs, "[\"nb\", \"nn\", \"en\"]");
	json_decref(langs);
	rules_unref(rb);
}

static void test_summary(void **state)
{
	json_t *summary = rules_summary(fixture);

	(void)state;
	assert_json(summary,
		    "{\"no\": {\"version\": \"fixture-1\", \"nodes\": 19, \"questions\": 7,"
		    " \"results\": 12, \"depth\": 5},"
		    " \"dk\": {\"version\": \"fixture-1\", \"nodes\": 8, \"questions\": 3,"
		    " \"results\": 5, \"depth\": 3}}");
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

static void test_destination_json(void **state)
{
	json_t *d = rules_destination_json(fixture, "no.nav.kontor");

	(void)state;
	assert_non_null(d);
	assert_string_equal(json_string_value(json_object_get(d, "id")), "no.nav.kontor");
	assert_string_equal(json_string_value(json_object_get(d, "hours")),
			    "Varies by office – UNVERIFIED");
	assert_json(json_object_get(d, "unverified"), "[\"phone\", \"hours\"]");
	assert_json(json_object_get(d, "sources"), "[\"S32\", \"S33\", \"S71\", \"S81\"]");
	assert_int_equal(json_object_size(d), 9);
	json_decref(d);
	d = rules_destination_json(fixture, "dk.borgerservice");
	assert_json(json_object_get(d, "unverified"), "[]");
	json_decref(d);
	assert_null(rules_destination_json(fixture, "no.nowhere"));
	assert_null(rules_destination_json(fixture, NULL));
}

/* The project's own rules/ vocabulary and destinations, with the fixture trees. */
static void test_real_destinations(void **state)
{
	static const char *const fields[] = { "name", "mandate", "phone",   "other",
					      "web",  "hours",   "sources", NULL };
	char *dir = scratch_new(), from[128], to[256];
	json_t *shared, *d, *mine, *problems = json_array(), *f, *want;
	struct rulebook *rb;
	size_t i, j, counts[2] = { 0, 0 };
	int c;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "rules/%s", rule_files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, rule_files[i]);
		copy_file(from, to);
	}
	rb = rules_load(dir, collect, problems);
	assert_int_equal(json_array_size(problems), 0);
	assert_non_null(rb);
	for (c = 0; c < 2; c++) {
		mine = read_json("rules", c ? "destinations/dk.json" : "destinations/no.json");
		json_array_foreach(json_object_get(mine, "destinations"), i, d) {
			json_t *got = rules_destination_json(
				rb, json_string_value(json_object_get(d, "id")));

			assert_non_null(got);
			counts[c]++;
			json_decref(got);
		}
		json_decref(mine);
	}
	assert_int_equal(counts[0], 23);
	assert_int_equal(counts[1], 19);
	d = rules_destination_json(rb, "no.digdir.dodsbo");
	assert_json(json_object_get(d, "unverified"), "[\"phone\", \"web\", \"hours\"]");
	json_decref(d);
	/* Every fact and every UNVERIFIED mark as in the shared directory. */
	if (access(SHARED_DOMAIN "/directory.json", R_OK) == 0) {
		shared = read_json(SHARED_DOMAIN, "directory.json");
		assert_int_equal(json_array_size(json_object_get(shared, "destinations")), 42);
		json_array_foreach(json_object_get(shared, "destinations"), i, want) {
			d = rules_destination_json(rb,
						   json_string_value(json_object_get(want, "id")));
			assert_non_null(d);
			for (j = 0; fields[j]; j++) {
				char *a = dump(json_object_get(want, fields[j]));
				char *b = dump(json_object_get(d, fields[j]));

				assert_string_equal(b, a);
				free(a);
				free(b);
			}
			json_decref(d);
		}
		json_decref(shared);
		shared = read_json(SHARED_DOMAIN, "vocabulary.json");
		f = read_json("rules", "vocabulary.json");
		assert_true(json_equal(shared, f));
		json_decref(shared);
		json_decref(f);
	}
	json_decref(problems);
	rules_unref(rb);
	scratch_free(dir);
}

/* ---- validation: one broken thing per test ----------------------------- */

static void test_unknown_next(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(option(no, "login.method", "bankid"), "next", json_string("bank.lost"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"login.method\": option \"bankid\" points to unknown node \"bank.lost\"",
			"no.json: node \"login.bank\": is unreachable from start node \"who\"",
			NULL });
}

static void test_unreachable(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set(json_object_get(no, "nodes"), "orphan", node(no, "case.nav"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"orphan\": is unreachable from start node \"who\"", NULL });
}

static void test_cycle(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(option(no, "login.minid", "unknown"), "next", json_string("topic"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"login.minid\": option \"unknown\" points back to \"topic\", closing a cycle: topic → login.method → login.minid → topic",
			NULL });
}

static void test_self_loop(void **state)
{
	json_t *dk = fixture_json("dk.json");

	(void)state;
	json_object_set_new(option(dk, "topic", "unknown"), "next", json_string("topic"));
	expect_broken(
		"dk.json", dk,
		(const char *[]){
			"dk.json: node \"topic\": option \"unknown\" points back to \"topic\", closing a cycle: topic → topic",
			"dk.json: node \"borgerservice\": is unreachable from start node \"who\"",
			NULL });
}

static void test_missing_unknown_option(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_array_remove(json_object_get(node(no, "case.service"), "options"), 2);
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"case.service\": has no option with value \"unknown\" (every question needs one, for callers who do not know and for known values no option matches)",
			NULL });
}

static void test_fact_not_in_vocabulary(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(node(no, "case.service"), "fact", json_string("colour"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"case.service\": fact \"colour\" is not in the vocabulary; facts: country, on_behalf, topic, service, login_method, login_problem, need, eid_status, authority, age_band",
			NULL });
}

static void test_value_not_in_vocabulary(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(option(no, "login.method", "bankid"), "value", json_string("passport"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"login.method\": option \"passport\" is not a value of fact \"login_method\"; allowed: minid, bankid, buypass, commfides, mitid, mitid_erhverv, nemid, eu_eid, none, unknown",
			NULL });
}

static void test_duplicate_option_value(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(option(no, "login.method", "bankid"), "value", json_string("minid"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"login.method\": options 1 and 2 both have value \"minid\"",
			NULL });
}

static void test_unknown_destination(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(node(no, "login.bank"), "destination", json_string("no.sparebank"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"login.bank\": destination \"no.sparebank\" is not in destinations/no.json",
			NULL });
}

static void test_destination_of_other_country(void **state)
{
	json_t *no = fixture_json("no.json"), *dk = fixture_json("dk.json");
	char *dir = scratch_new();

	(void)state;
	json_object_set_new(node(no, "login.bank"), "destination", json_string("dk.mitid"));
	json_object_set_new(node(dk, "borgerservice"), "destination", json_string("no.nav"));
	write_json(dir, "no.json", no);
	write_json(dir, "dk.json", dk);
	expect_problems(
		dir,
		(const char *[]){
			"no.json: node \"login.bank\": destination \"dk.mitid\" belongs to dk, not no",
			"dk.json: node \"borgerservice\": destination \"no.nav\" belongs to no, not dk",
			NULL });
	scratch_free(dir);
}

static void test_bad_category(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(node(no, "case.nav"), "category", json_string("benefits"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"case.nav\": category \"benefits\" is not one of login, reservation, power_of_attorney, agency, estate",
			NULL });
}

static void test_missing_language(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_del(json_object_get(node(no, "topic"), "text"), "nn");
	json_object_del(json_object_get(option(no, "login.method", "minid"), "label"), "en");
	json_object_del(json_object_get(node(no, "estate.court"), "advice"), "nb");
	json_object_set_new(json_object_get(node(no, "login.bank"), "bring"), "en",
			    json_string(""));
	json_object_set_new(json_object_get(node(no, "who"), "help"), "sv", json_string("Hjälp"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"topic\": \"text\" has no \"nn\" text",
			"no.json: node \"login.method\": option \"minid\": \"label\" has no \"en\" text",
			"no.json: node \"estate.court\": \"advice\" has no \"nb\" text",
			"no.json: node \"login.bank\": \"bring\": \"en\" must be a non-empty string",
			"no.json: node \"who\": \"help\" has a \"sv\" text, but \"langs\" does not declare \"sv\"",
			NULL });
}

static void test_wrong_types(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(no, "version", json_integer(3));
	json_object_set_new(node(no, "topic"), "help", json_string("Choose"));
	json_object_set_new(node(no, "case.nav"), "first_line", json_string("yes"));
	json_object_set_new(json_object_get(no, "nodes"), "dp.reserve", json_array());
	json_object_set_new(node(no, "poa.who"), "audience", json_string("everyone"));
	json_array_append_new(json_object_get(no, "langs"), json_integer(7));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: \"version\" must be a string, got a number",
			"no.json: \"langs\" entry 4 must be a non-empty string",
			"no.json: node \"topic\": \"help\" must be an object, got a string",
			"no.json: node \"case.nav\": \"first_line\" must be a boolean, got a string",
			"no.json: node \"dp.reserve\": must be an object, got an array",
			"no.json: node \"poa.who\": \"audience\" must be \"citizen\" or \"agent\", got \"everyone\"",
			NULL });
}

static void test_missing_fields(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_del(no, "version");
	json_object_del(node(no, "login.method"), "text");
	json_object_del(node(no, "case.nav"), "first_line");
	json_object_del(option(no, "login.method", "bankid"), "label");
	json_object_del(node(no, "estate.court"), "destination");
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: missing required \"version\"",
			"no.json: node \"login.method\": missing required \"text\"",
			"no.json: node \"login.method\": option \"bankid\": missing required \"label\"",
			"no.json: node \"case.nav\": missing required \"first_line\"",
			"no.json: node \"estate.court\": has neither \"fact\" (a question) nor \"destination\" (a result)",
			NULL });
}

static void test_unknown_keys(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(no, "language", json_string("nb"));
	json_object_set_new(node(no, "topic"), "optoins", json_array());
	json_object_set_new(option(no, "topic", "login"), "goto", json_string("login.method"));
	json_object_set_new(node(no, "case.nav"), "phone", json_string("55 55 33 33"));
	json_object_set_new(node(no, "dp.reserve"), "fact", json_string("need"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: unknown key \"language\" (allowed: country, version, langs, start, nodes, note)",
			"no.json: node \"topic\": unknown key \"optoins\" (allowed: fact, audience, text, help, options, note)",
			"no.json: node \"topic\": option \"login\": unknown key \"goto\" (allowed: value, label, next)",
			"no.json: node \"case.nav\": unknown key \"phone\" (allowed: destination, category, first_line, audience, advice, bring, note)",
			"no.json: node \"dp.reserve\": has both \"fact\" and \"destination\"; a node is either a question or a result",
			NULL });
}

static void test_start_missing(void **state)
{
	json_t *no = fixture_json("no.json"), *dk = fixture_json("dk.json");

	(void)state;
	json_object_del(no, "start");
	expect_broken("no.json", no,
		      (const char *[]){ "no.json: missing required \"start\"", NULL });
	json_object_set_new(dk, "start", json_string("begin"));
	expect_broken("dk.json", dk,
		      (const char *[]){ "dk.json: start node \"begin\" does not exist", NULL });
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

static void test_citizen_to_agent(void **state)
{
	json_t *no = fixture_json("no.json");

	(void)state;
	json_object_set_new(node(no, "login.minid"), "audience", json_string("agent"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"login.method\": option \"minid\" leads from a citizen question to agent-only question \"login.minid\"; citizen paths must not ask agent-only questions",
			NULL });
}

static void test_too_deep(void **state)
{
	json_t *no = fixture_json("no.json"), *nodes = json_object_get(no, "nodes");

	(void)state;
	/* who → mandate → topic → deep.1 … deep.5 → general.kommune: 8 questions. */
	json_object_set_new(option(no, "topic", "unknown"), "next", json_string("deep.1"));
	json_object_set_new(nodes, "deep.1", chain_question("deep.2"));
	json_object_set_new(nodes, "deep.2", chain_question("deep.3"));
	json_object_set_new(nodes, "deep.3", chain_question("deep.4"));
	json_object_set_new(nodes, "deep.4", chain_question("deep.5"));
	json_object_set_new(nodes, "deep.5", chain_question("general.kommune"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: node \"general.kommune\": result needs 8 questions (at most 7): who → mandate → topic → deep.1 → deep.2 → deep.3 → deep.4 → deep.5 → general.kommune",
			NULL });
}

static void test_seven_deep_is_fine(void **state)
{
	json_t *no = fixture_json("no.json"), *nodes = json_object_get(no, "nodes"), *summary;
	char *dir = scratch_new();
	struct rulebook *rb;

	(void)state;
	json_object_set_new(option(no, "topic", "unknown"), "next", json_string("deep.1"));
	json_object_set_new(nodes, "deep.1", chain_question("deep.2"));
	json_object_set_new(nodes, "deep.2", chain_question("deep.3"));
	json_object_set_new(nodes, "deep.3", chain_question("deep.4"));
	json_object_set_new(nodes, "deep.4", chain_question("general.kommune"));
	write_json(dir, "no.json", no);
	assert_non_null(rb = rules_load(dir, NULL, NULL));
	summary = rules_summary(rb);
	assert_json(json_object_get(summary, "no"),
		    "{\"version\": \"fixture-1\", \"nodes\": 23,"
		    " \"questions\": 11, \"results\": 12, \"depth\": 7}");
	json_decref(summary);
	rules_unref(rb);
	scratch_free(dir);
}

static void test_tree_header(void **state)
{
	json_t *no = fixture_json("no.json"), *nodes = json_object_get(no, "nodes");

	(void)state;
	json_object_set_new(no, "country", json_string("dk"));
	json_object_set_new(no, "langs", json_pack("[s, s, s, s]", "nb", "nn", "en", "nb"));
	json_object_set(nodes, "Bad Id", node(no, "case.nav"));
	json_object_set_new(option(no, "case.service", "unknown"), "next", json_string("Bad Id"));
	expect_broken(
		"no.json", no,
		(const char *[]){
			"no.json: \"country\" is \"dk\", expected \"no\"",
			"no.json: \"langs\" names \"nb\" twice",
			"no.json: node \"Bad Id\": id may only use a-z, 0-9, '_', '.' and '-'",
			NULL });
}

static void test_vocabulary_problems(void **state)
{
	json_t *vocab = fixture_json("vocabulary.json"), *facts = json_object_get(vocab, "facts");
	json_t *topic = json_array_get(facts, 2), *values = json_object_get(topic, "values");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(topic, "id")), "topic");
	json_array_append_new(values, json_pack("{s:s}", "id", "login"));
	json_object_set_new(topic, "question_nb", json_string("Hva gjelder det?"));
	json_array_append_new(facts, json_pack("{s:s}", "id", "mood"));
	json_array_append(facts, json_array_get(facts, 0));
	json_array_append_new(facts, json_string("age"));
	expect_broken(
		"vocabulary.json", vocab,
		(const char *[]){
			"vocabulary.json: fact \"topic\": unknown key \"question_nb\" (allowed: id, en, question_en, values)",
			"vocabulary.json: fact \"topic\": value \"login\": is defined twice",
			"vocabulary.json: fact \"mood\": missing required \"values\"",
			"vocabulary.json: fact \"country\": is defined twice",
			"vocabulary.json: fact 13: must be an object, got a string", NULL });
}

static void test_destination_problems(void **state)
{
	json_t *dests = fixture_json("destinations/no.json"),
	       *list = json_object_get(dests, "destinations");
	json_t *bank = json_array_get(list, 4);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(bank, "id")), "no.bank");
	json_object_del(bank, "hours");
	json_object_set_new(bank, "email", json_string("post@bank.no"));
	json_array_append_new(json_object_get(bank, "sources"), json_integer(12));
	json_array_append(list, json_array_get(list, 0));
	json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[]}", "id",
					      "dk.skat", "name", "x", "mandate", "x", "phone", "x",
					      "other", "x", "web", "x", "hours", "x", "sources"));
	json_object_set_new(dests, "country", json_string("se"));
	expect_broken(
		"destinations/no.json", dests,
		(const char *[]){
			"destinations/no.json: \"country\" is \"se\", expected \"no\"",
			"destinations/no.json: destination \"no.bank\": missing required \"hours\"",
			"destinations/no.json: destination \"no.bank\": unknown key \"email\" (allowed: id, name, mandate, phone, other, web, hours, sources)",
			"destinations/no.json: destination \"no.bank\": source 9 must be a string, got a number",
			"destinations/no.json: destination \"no.digdir.idporten\": is defined twice",
			"destinations/no.json: destination \"dk.skat\": id must start with \"no.\"",
			NULL });
}

/* Problems in every file at once are all reported, and a file that cannot be
 * parsed does not make every node that depends on it report too. */
static void test_every_problem_reported(void **state)
{
	json_t *no = fixture_json("no.json"), *vocab = fixture_json("vocabulary.json");
	char *dir = scratch_new();

	(void)state;
	json_object_set_new(vocab, "version", json_string("1"));
	write_json(dir, "vocabulary.json", vocab);
	write_text(dir, "destinations/dk.json", "{\"country\": \"dk\",\n \"destinations\": [}\n");
	json_object_set_new(option(no, "login.method", "bankid"), "next", json_string("bank.lost"));
	json_object_set_new(node(no, "case.nav"), "category", json_string("benefits"));
	json_object_del(json_object_get(node(no, "topic"), "text"), "nn");
	json_object_set_new(node(no, "login.minid"), "audience", json_string("agent"));
	write_json(dir, "no.json", no);
	expect_problems(
		dir,
		(const char *[]){
			"vocabulary.json: unknown key \"version\" (allowed: facts, note)",
			"destinations/dk.json:2:19: unexpected token near '}'",
			"no.json: node \"topic\": \"text\" has no \"nn\" text",
			"no.json: node \"login.method\": option \"bankid\" points to unknown node \"bank.lost\"",
			"no.json: node \"case.nav\": category \"benefits\" is not one of login, reservation, power_of_attorney, agency, estate",
			"no.json: node \"login.method\": option \"minid\" leads from a citizen question to agent-only question \"login.minid\"; citizen paths must not ask agent-only questions",
			"no.json: node \"login.bank\": is unreachable from start node \"who\"",
			NULL });
	scratch_free(dir);
}

/* ---- the walk ---------------------------------------------------------- */

static void test_first_question(void **state)
{
	struct triage *tr = start("no", NULL);
	json_t *step = triage_step_json(tr, "en");

	(void)state;
	assert_json(step,
		    "{\"facts\": {}, \"path\": [\"who\"], \"question\": {\"node\": \"who\","
		    " \"fact\": \"on_behalf\", \"citizen\": false,"
		    " \"text\": \"Is it about the caller or someone else?\","
		    " \"help\": \"Ask early: a caller acting for someone else needs a mandate.\","
		    " \"options\": [{\"value\": \"self\", \"label\": \"Themselves\"},"
		    " {\"value\": \"another_person\", \"label\": \"Another person\"},"
		    " {\"value\": \"organisation\", \"label\": \"An organisation\"},"
		    " {\"value\": \"unknown\", \"label\": \"Don't know\"}]}}");
	json_decref(step);
	assert_int_equal(triage_at_result(tr), 0);
	assert_null(triage_result_category(tr));
	assert_null(triage_result_destination(tr));
	assert_ptr_equal(triage_tree(tr), rules_tree(fixture, "no"));
	triage_free(tr);
}

static void test_walk_to_result(void **state)
{
	struct triage *tr = start("no", NULL);
	char err[512] = "";
	json_t *step;

	(void)state;
	answer(tr, "self");
	answer(tr, "login");
	answer(tr, "minid");
	answer(tr, "phone_number_changed");
	assert_int_equal(triage_at_result(tr), 1);
	assert_string_equal(triage_result_category(tr), "login");
	assert_string_equal(triage_result_destination(tr), "no.digdir.idporten");
	assert_json(triage_facts(tr),
		    "{\"on_behalf\": \"self\", \"topic\": \"login\","
		    " \"login_method\": \"minid\", \"login_problem\": \"phone_number_changed\"}");
	step = triage_step_json(tr, "nb");
	assert_json(
		json_object_get(step, "path"),
		"[\"who\", \"topic\", \"login.method\", \"login.minid\", \"login.minid.phone\"]");
	json_object_del(json_object_get(step, "result"), "destination");
	assert_json(
		json_object_get(step, "result"),
		"{\"node\": \"login.minid.phone\", \"category\": \"login\", \"first_line\": false,"
		" \"advice\": \"Ring Digdir brukerstøtte.\","
		" \"bring\": \"Fødselsnummer og nytt mobilnummer.\"}");
	json_decref(step);
	step = triage_step_json(tr, "en");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(step, "result"), "destination"), "id")),
		"no.digdir.idporten");
	assert_json(json_object_get(json_object_get(json_object_get(step, "result"), "destination"),
				    "unverified"),
		    "[\"phone\"]");
	json_decref(step);
	assert_int_equal(triage_answer(tr, "self", err, sizeof(err)), -1);
	assert_string_equal(
		err, "the walk is at result \"login.minid.phone\"; there is no question to answer");
	triage_free(tr);
}

static void test_result_without_bring(void **state)
{
	struct triage *tr =
		start("no", "{\"on_behalf\": \"self\", \"topic\": \"deceased_estate\"}");
	json_t *step = triage_step_json(tr, "en");

	(void)state;
	assert_null(json_object_get(json_object_get(step, "result"), "bring"));
	assert_string_equal(triage_result_category(tr), "estate");
	json_decref(step);
	triage_free(tr);
}

static void test_prefill_jumps_ahead(void **state)
{
	struct triage *tr = start("no", "{\"on_behalf\": \"self\", \"topic\": \"login\"}");

	(void)state;
	assert_path(tr, "[\"who\", \"topic\", \"login.method\"]");
	assert_at(tr, "login.method");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\"}");
	triage_free(tr);
}

static void test_known_fact_answered_mid_walk(void **state)
{
	struct triage *tr = start("no", NULL);

	(void)state;
	answer(tr, "another_person");
	answer(tr, "written_poa");
	answer(tr, "power_of_attorney"); /* poa.who asks on_behalf again: answered already */
	assert_path(tr, "[\"who\", \"mandate\", \"topic\", \"poa.who\", \"poa.nav.refer\"]");
	assert_string_equal(triage_result_destination(tr), "no.nav");
	triage_free(tr);
}

static void test_unknown_fallback(void **state)
{
	/* buypass is a login_method, but login.method offers no option for it. */
	struct triage *tr = start("no", "{\"on_behalf\": \"self\", \"topic\": \"login\","
					" \"login_method\": \"buypass\"}");

	(void)state;
	assert_path(tr, "[\"who\", \"topic\", \"login.method\", \"login.idporten\"]");
	assert_string_equal(triage_result_destination(tr), "no.digdir.idporten");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\","
				      " \"login_method\": \"buypass\"}");
	triage_free(tr);
}

static void test_answer_unknown_is_stored(void **state)
{
	struct triage *tr = start("no", NULL);

	(void)state;
	answer(tr, "unknown");
	assert_at(tr, "topic");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"unknown\"}");
	answer(tr, "power_of_attorney"); /* poa.who is not asked: on_behalf is "unknown" */
	assert_path(tr, "[\"who\", \"topic\", \"poa.who\", \"poa.nav.refer\"]");
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
	assert_path(tr, "[\"who\", \"topic\", \"login.method\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\"}");
	triage_free(tr);
}

static void test_bad_prefill(void **state)
{
	static const struct {
		const char *prefill, *err;
	} cases[] = {
		{ "{\"mood\": \"calm\"}",
		  "unknown fact \"mood\"; facts: country, on_behalf, topic, service, login_method, login_problem, need, eid_status, authority, age_band" },
		{ "{\"on_behalf\": \"self\", \"topic\": \"lunch\"}",
		  "value \"lunch\" is not a value of fact \"topic\"; allowed: login, digital_post, power_of_attorney, case_matter, deceased_estate, unknown" },
		{ "{\"eid_status\": 3}",
		  "fact \"eid_status\" must be a string; allowed: high_level, minid_only, none, unknown" },
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
		assert_null(triage_start(fixture, rules_tree(fixture, "no"), prefill, err,
					 sizeof(err)));
		assert_string_equal(err, cases[i].err);
		json_decref(prefill);
	}
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
	assert_at(tr, "login.bank");
	back(tr);
	assert_at(tr, "login.method");
	assert_path(tr, "[\"who\", \"topic\", \"login.method\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\", \"topic\": \"login\"}");
	back(tr);
	assert_at(tr, "topic");
	assert_path(tr, "[\"who\", \"topic\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\"}"); /* prefilled: stays */
	err[0] = '\0';
	assert_int_equal(triage_back(tr, err, sizeof(err)), -1);
	assert_string_equal(err, "nothing to go back to");
	answer(tr, "case_matter"); /* the walk goes on after going back */
	assert_at(tr, "case.service");
	triage_free(tr);
}

static void test_back_skips_auto_answered(void **state)
{
	struct triage *tr = start("no", NULL);

	(void)state;
	answer(tr, "another_person");
	answer(tr, "written_poa");
	answer(tr, "power_of_attorney");
	assert_at(tr, "poa.nav.refer");
	back(tr); /* past poa.who, which was answered from the facts */
	assert_at(tr, "topic");
	assert_path(tr, "[\"who\", \"mandate\", \"topic\"]");
	assert_json(triage_facts(tr),
		    "{\"on_behalf\": \"another_person\", \"authority\": \"written_poa\"}");
	back(tr);
	back(tr);
	assert_at(tr, "who");
	assert_json(triage_facts(tr), "{}");
	triage_free(tr);
}

static void test_jump(void **state)
{
	struct triage *tr = start("no", NULL);
	char err[512] = "";

	(void)state;
	answer(tr, "self");
	assert_int_equal(triage_jump(tr, "case.service", err, sizeof(err)), 0);
	assert_path(tr, "[\"who\", \"topic\", \"case.service\"]");
	assert_at(tr, "case.service");
	answer(tr, "social_assistance");
	assert_string_equal(triage_result_destination(tr), "no.nav.kontor");
	assert_path(tr, "[\"who\", \"topic\", \"case.service\", \"case.nav.kontor\"]");
	back(tr);
	assert_at(tr, "case.service");
	back(tr); /* undoes the jump */
	assert_at(tr, "topic");
	assert_path(tr, "[\"who\", \"topic\"]");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\"}");
	assert_int_equal(triage_jump(tr, "nope", err, sizeof(err)), -1);
	assert_string_equal(err, "no node \"nope\" in the no tree");
	assert_int_equal(triage_jump(tr, "estate.court", err, sizeof(err)), 0);
	assert_string_equal(triage_result_category(tr), "estate");
	back(tr);
	assert_at(tr, "topic");
	triage_free(tr);
}

static void test_jump_to_known_fact(void **state)
{
	struct triage *tr = start("no", "{\"on_behalf\": \"self\"}");
	char err[512] = "";

	(void)state;
	/* The agent jumps back to correct a prefilled fact; it is asked again. */
	assert_int_equal(triage_jump(tr, "who", err, sizeof(err)), 0);
	assert_at(tr, "who");
	answer(tr, "another_person");
	assert_at(tr, "mandate");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"another_person\"}");
	back(tr);
	assert_at(tr, "who");
	assert_json(triage_facts(tr), "{\"on_behalf\": \"self\"}");
	back(tr);
	assert_at(tr, "topic");
	triage_free(tr);
}

static void test_step_langs(void **state)
{
	struct triage *no = start("no", "{\"on_behalf\": \"self\"}"), *dk = start("dk", NULL);
	json_t *step;

	(void)state;
	step = triage_step_json(no, "nn");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(step, "question"), "text")),
		"Kva gjeld det?");
	assert_json(json_object_get(json_object_get(step, "question"), "citizen"), "true");
	json_decref(step);
	step = triage_step_json(no, "nb");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(step, "question"), "text")),
		"Hva gjelder det?");
	json_decref(step);
	step = triage_step_json(dk, "da");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(step, "question"), "text")),
		"Gælder det dig selv eller en anden?");
	assert_null(json_object_get(json_object_get(step, "question"), "help"));
	json_decref(step);
	step = triage_step_json(dk, "xx"); /* not declared: the tree's first language */
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(step, "question"), "text")),
		"Gælder det dig selv eller en anden?");
	json_decref(step);
	triage_free(no);
	triage_free(dk);
}

/* Steps go out as text written by hand around each node's cached question
 * or result (triage_step_write); clients must get what jansson would have
 * written. For every node of the real trees in every language (and one the
 * tree lacks), the text must be exactly jansson's compact dump of itself,
 * and the same again from the cache. */
static void test_step_text_is_canonical(void **state)
{
	static const char *const countries[] = { "no", "dk" };
	json_t *problems = json_array(), *tree, *langs, *lang, *node, *parsed;
	struct rulebook *rb = rules_load("rules", collect, problems);
	char err[512], name[16], *again;
	const char *id;
	size_t i, l, checked = 0;

	(void)state;
	assert_non_null(rb);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "%s.json", countries[i]);
		tree = read_json("rules", name);
		langs = rules_tree_langs(rules_tree(rb, countries[i]));
		json_array_append_new(langs, json_string("xx"));
		json_object_foreach(json_object_get(tree, "nodes"), id, node) {
			struct triage *tr = triage_start(rb, rules_tree(rb, countries[i]), NULL,
							 err, sizeof(err));

			assert_non_null(tr);
			assert_int_equal(triage_jump(tr, id, err, sizeof(err)), 0);
			json_array_foreach(langs, l, lang) {
				struct jbuf b = { 0 }, b2 = { 0 };

				jbuf_raw(&b, "{", 1);
				triage_step_write(tr, json_string_value(lang), &b);
				jbuf_raw(&b, "}", 1);
				assert_false(b.oom);
				parsed = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
				if (!parsed)
					fail_msg("node %s, %s: not JSON: %s", id,
						 json_string_value(lang), b.p);
				again = json_dumps(parsed, JSON_COMPACT);
				assert_string_equal(b.p, again);
				jbuf_raw(&b2, "{", 1);
				triage_step_write(tr, json_string_value(lang), &b2);
				jbuf_raw(&b2, "}", 1);
				assert_string_equal(b2.p, b.p);
				free(again);
				json_decref(parsed);
				jbuf_free(&b);
				jbuf_free(&b2);
				checked++;
			}
			triage_free(tr);
		}
		json_decref(langs);
		json_decref(tree);
	}
	assert_true(checked > 500); /* 122 nodes × 4 + 77 × 3 */
	json_decref(problems);
	rules_unref(rb);
}

/* The hand-written parts of a step (facts, re, session fields) escape
 * strings exactly as jansson does. */
static void test_jbuf_matches_jansson(void **state)
{
	json_t *v = json_pack("{s:s, s:s, s:I, s:I, s:b, s:n, s:f, s:[s, i, {}], s:{}}", "plain",
			      "abc", "escapes", "q\"b\\s/ \b\f\n\r\t\x01\x1f\x7f æøå € 😀", "big",
			      (json_int_t)9223372036854775807LL, "neg", (json_int_t)-42, "t", 1,
			      "nul", "real", 0.1, "list", "x", 7, "empty", "ünïcødé key");
	struct jbuf b = { 0 };
	char *want;

	(void)state;
	json_object_set_new(v, "with\nnewline", json_stringn("a\0b", 3));
	want = json_dumps(v, JSON_COMPACT);
	jbuf_json(&b, v);
	assert_false(b.oom);
	assert_string_equal(b.p, want);
	free(want);
	jbuf_free(&b);
	json_decref(v);
}

static void test_dk_walk(void **state)
{
	struct triage *tr = start("dk", "{\"country\": \"dk\", \"topic\": \"login\"}");
	json_t *step;

	(void)state;
	assert_at(tr, "who");
	answer(tr, "self");
	assert_path(tr, "[\"who\", \"topic\", \"login.problem\"]");
	answer(tr, "eid_blocked");
	step = triage_step_json(tr, "da");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(step, "result"), "bring")),
		"Pas eller kørekort.");
	json_decref(step);
	assert_string_equal(triage_result_destination(tr), "dk.borgerservice");
	triage_free(tr);
}

/* Only jumps can grow a path without end; it stops at 1,024 nodes. */
static void test_path_limit(void **state)
{
	struct triage *tr = start("no", NULL);
	char err[512] = "";
	int i;

	(void)state;
	for (i = 1; i < 1024; i++)
		if (triage_jump(tr, i % 2 ? "topic" : "who", err, sizeof(err)))
			fail_msg("jump %d failed: %s", i, err);
	assert_int_equal(triage_jump(tr, "who", err, sizeof(err)), -1);
	assert_string_equal(err, "the walk is too long (or out of memory)");
	assert_at(tr, "topic");
	back(tr);
	assert_at(tr, "who");
	triage_free(tr);
}

/* A walk keeps its rulebook alive after a reload dropped it. */
static void test_walk_holds_reference(void **state)
{
	struct rulebook *rb = rules_load(FIXTURE, NULL, NULL),
			*other = rules_load(FIXTURE, NULL, NULL);
	struct triage *tr;
	char err[512] = "";
	json_t *step;

	(void)state;
	assert_non_null(rb);
	assert_non_null(other);
	assert_null(triage_start(other, rules_tree(rb, "no"), NULL, err, sizeof(err)));
	assert_string_equal(err, "the tree is not part of this rulebook");
	rules_unref(other);
	tr = triage_start(rb, rules_tree(rb, "no"), NULL, err, sizeof(err));
	assert_non_null(tr);
	rules_unref(rb);
	answer(tr, "organisation");
	step = triage_step_json(tr, "en");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(step, "result"), "destination"), "id")),
		"no.digdir.altinn");
	json_decref(step);
	triage_free(tr); /* frees the rulebook too; ASan would catch a leak */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_loads),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_langs),
		cmocka_unit_test(test_fact_valid),
		cmocka_unit_test(test_destination_json),
		cmocka_unit_test(test_real_destinations),
		cmocka_unit_test(test_unknown_next),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_self_loop),
		cmocka_unit_test(test_missing_unknown_option),
		cmocka_unit_test(test_fact_not_in_vocabulary),
		cmocka_unit_test(test_value_not_in_vocabulary),
		cmocka_unit_test(test_duplicate_option_value),
		cmocka_unit_test(test_unknown_destination),
		cmocka_unit_test(test_destination_of_other_country),
		cmocka_unit_test(test_bad_category),
		cmocka_unit_test(test_missing_language),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_start_missing),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_citizen_to_agent),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_seven_deep_is_fine),
		cmocka_unit_test(test_tree_header),
		cmocka_unit_test(test_vocabulary_problems),
		cmocka_unit_test(test_destination_problems),
		cmocka_unit_test(test_every_problem_reported),
		cmocka_unit_test(test_first_question),
		cmocka_unit_test(test_walk_to_result),
		cmocka_unit_test(test_result_without_bring),
		cmocka_unit_test(test_prefill_jumps_ahead),
		cmocka_unit_test(test_known_fact_answered_mid_walk),
		cmocka_unit_test(test_unknown_fallback),
		cmocka_unit_test(test_answer_unknown_is_stored),
		cmocka_unit_test(test_bad_answer),
		cmocka_unit_test(test_bad_prefill),
		cmocka_unit_test(test_back),
		cmocka_unit_test(test_back_skips_auto_answered),
		cmocka_unit_test(test_jump),
		cmocka_unit_test(test_jump_to_known_fact),
		cmocka_unit_test(test_step_langs),
		cmocka_unit_test(test_step_text_is_canonical),
		cmocka_unit_test(test_jbuf_matches_jansson),
		cmocka_unit_test(test_dk_walk),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_walk_holds_reference),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
