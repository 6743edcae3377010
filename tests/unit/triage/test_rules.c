/* test_rules.c - the rule loader, its validation, rules_check and the engine.
 *
 * Run from the repository root: it reads tests/fixtures/rules/ and rules/.
 * Broken rule sets are made by copying the fixture to a scratch directory and
 * changing one thing; each test then asserts the exact problems reported, so
 * a message that loses its file or node name, or a check that starts to
 * report noise, fails here. Lists of facts and values in messages are taken
 * from the fixture's vocabulary.json, which may be replaced by a newer copy.
 *
 * The fixture trees (format in docs/rules-format.md): no.json asks who,
 * topic, login.method, login.problem, mandate (agents only) and
 * case.service, and decides thirteen results; dk.json asks topic and
 * login.problem and decides five. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/jbuf.h"
#include "triage/rules.h"

#define FIXTURE "tests/fixtures/rules"
#define REAL_RULES "rules"

static const char *const rule_files[] = {
	"vocabulary.json", "words.json", "barriers.json", "destinations/no.json", "destinations/dk.json", "no.json",
	"dk.json",         NULL,
};

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

/* printf into one of a few rotating buffers: expected messages that name
 * lists from the vocabulary. */
static const char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt(const char *format, ...)
{
	static char bufs[8][4096];
	static int next;
	char *buf = bufs[next++ % 8];
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, sizeof(bufs[0]), format, ap);
	va_end(ap);
	return buf;
}

/* The fixture vocabulary's facts ("country, on_behalf, …"), or with fact the
 * values of that fact, as the loader lists them. */
static const char *vocab_list(const char *fact)
{
	static char bufs[4][2048];
	static int next;
	char *buf = bufs[next++ % 4];
	json_t *vocab = fixture_json("vocabulary.json"), *f, *v;
	size_t i, j, len = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(vocab, "facts"), i, f) {
		const char *id = json_string_value(json_object_get(f, "id"));

		if (!fact) {
			len += (size_t)snprintf(buf + len, 2048 - len, "%s%s", len ? ", " : "", id);
			continue;
		}
		if (strcmp(id, fact))
			continue;
		json_array_foreach(json_object_get(f, "values"), j, v)
			len += (size_t)snprintf(buf + len, 2048 - len, "%s%s", len ? ", " : "",
						json_string_value(json_object_get(v, "id")));
	}
	json_decref(vocab);
	if (!*buf)
		fail_msg("the fixture vocabulary has no fact \"%s\"", fact ? fact : "(any)");
	return buf;
}

/* Loads dir, which must fail, and checks that exactly the expected problems
 * were reported, in any order. Each expected problem is relative to dir. */
static void expect_problems(const char *dir, const char *const *expected)
{
	json_t *got = json_array();
	struct rulebook *rb = rules_load(dir, collect, got);
	char want[4096], *list;
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
		if (i == json_array_size(got)) {
			/* cmocka cuts long messages: the list goes to stderr whole. */
			fprintf(stderr, "expected problem:\n  %s\ngot:\n%s\n", want, list);
			fail_msg("expected problem not reported: %s", want);
		}
	}
	if (n != json_array_size(got)) {
		fprintf(stderr, "got:\n%s\n", list);
		fail_msg("expected %zu problems, got %zu", n, json_array_size(got));
	}
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

/* Writes root as name into a scratch fixture copy, which must load. */
static struct rulebook *load_changed(const char *name, json_t *root)
{
	char *dir = scratch_new(), *list;
	json_t *problems = json_array();
	struct rulebook *rb;

	write_json(dir, name, root);
	rb = rules_load(dir, collect, problems);
	list = json_dumps(problems, JSON_INDENT(1));
	if (!rb)
		fail_msg("expected the changed %s to load, got:\n%s", name, list);
	assert_string_equal(list, "[]");
	free(list);
	json_decref(problems);
	scratch_free(dir);
	return rb;
}

/* An entry of a tree's "questions" or "results", or a destination, by id. */
static json_t *entry(json_t *root, const char *list, const char *id)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(root, list), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "id")), id))
			return e;
	fail_msg("fixture has no %s entry \"%s\"", list, id);
	return NULL;
}

static json_t *question(json_t *tree, const char *id)
{
	return entry(tree, "questions", id);
}

static json_t *result(json_t *tree, const char *id)
{
	return entry(tree, "results", id);
}

static json_t *destination(json_t *dests, const char *id)
{
	return entry(dests, "destinations", id);
}

static json_t *option(json_t *tree, const char *id, const char *value)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(question(tree, id), "options"), i, o)
		if (!strcmp(json_string_value(json_object_get(o, "value")), value))
			return o;
	fail_msg("fixture question \"%s\" has no option \"%s\"", id, value);
	return NULL;
}

/* Removes the entry id from list, returning it (a new reference). */
static json_t *take(json_t *root, const char *list, const char *id)
{
	json_t *array = json_object_get(root, list), *e;
	size_t i;

	json_array_foreach(array, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "id")), id)) {
			json_incref(e);
			json_array_remove(array, i);
			return e;
		}
	fail_msg("fixture has no %s entry \"%s\"", list, id);
	return NULL;
}

/* ---- walking helpers ----------------------------------------------------- */

static struct triage *start_in(struct rulebook *rb, const char *country, const char *prefill,
			       int citizen)
{
	char err[512] = "";
	json_t *facts = prefill ? json_loads(prefill, 0, NULL) : NULL;
	struct triage *tr;

	if (prefill && !facts)
		fail_msg("bad prefill JSON in test: %s", prefill);
	tr = triage_start(rb, rules_tree(rb, country), facts, citizen, err, sizeof(err));
	json_decref(facts);
	if (!tr)
		fail_msg("triage_start(%s, %s) failed: %s", country, prefill ? prefill : "NULL",
			 err);
	return tr;
}

static struct triage *start(const char *country, const char *prefill)
{
	return start_in(fixture, country, prefill, 0);
}

static struct triage *start_citizen(const char *country, const char *prefill)
{
	return start_in(fixture, country, prefill, 1);
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

static void jump(struct triage *tr, const char *node_id)
{
	char err[512] = "";

	if (triage_jump(tr, node_id, err, sizeof(err)))
		fail_msg("jump to \"%s\" failed: %s", node_id, err);
}

static void assert_path(struct triage *tr, const char *expected)
{
	json_t *path = triage_path(tr);

	assert_json(path, expected);
	json_decref(path);
}

/* The question or result of the current step (a new reference). */
static json_t *step_part(const struct triage *tr, const char *lang)
{
	json_t *step = triage_step_json(tr, lang), *part;

	assert_non_null(step);
	part = json_object_get(step, triage_at_result(tr) ? "result" : "question");
	assert_non_null(part);
	json_incref(part);
	json_decref(step);
	return part;
}

/* The node the walk is at; the text is valid until the next call. */
static const char *at(const struct triage *tr)
{
	static char id[128];
	json_t *part = step_part(tr, "en");

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(part, "node")));
	json_decref(part);
	return id;
}

static void assert_at(const struct triage *tr, const char *node_id)
{
	assert_string_equal(at(tr), node_id);
}

/* The option values the current question offers, as "a, b, c". */
static const char *offered(const struct triage *tr)
{
	static char buf[512];
	json_t *part = step_part(tr, "en"), *o;
	size_t i, len = 0;

	assert_false(triage_at_result(tr));
	buf[0] = '\0';
	json_array_foreach(json_object_get(part, "options"), i, o)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "",
					json_string_value(json_object_get(o, "value")));
	json_decref(part);
	return buf;
}

/* The step without its path, as sorted text: what the facts alone decide. */
static char *state_text(const struct triage *tr, const char *lang)
{
	json_t *step = triage_step_json(tr, lang);
	char *text;

	assert_non_null(step);
	json_object_del(step, "path");
	text = dump(step);
	json_decref(step);
	return text;
}

/* triage_step_write's text for lang must be exactly jansson's compact dump
 * of itself (clients must not tell the hand-written text from jansson's),
 * and the same again when the cached parts are reused. */
static void assert_canonical(const struct triage *tr, const char *lang)
{
	struct jbuf b = { 0 }, b2 = { 0 };
	json_t *parsed;
	json_error_t error;
	char *again;

	jbuf_raw(&b, "{", 1);
	triage_step_write(tr, lang, &b);
	jbuf_raw(&b, "}", 1);
	assert_false(b.oom);
	parsed = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, &error);
	if (!parsed)
		fail_msg("step at %s in %s is not JSON (%s): %s", at(tr), lang, error.text, b.p);
	again = json_dumps(parsed, JSON_COMPACT);
	if (strcmp(b.p, again))
		fail_msg("step at %s in %s is not canonical:\n got %s\nwant %s", at(tr), lang, b.p,
			 again);
	jbuf_raw(&b2, "{", 1);
	triage_step_write(tr, lang, &b2);
	jbuf_raw(&b2, "}", 1);
	assert_string_equal(b2.p, b.p);
	free(again);
	json_decref(parsed);
	jbuf_free(&b);
	jbuf_free(&b2);
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
 * are the agents' walks from no facts, every offered answer tried. */
static void test_summary(void **state)
{
	json_t *summary = rules_summary(fixture);

	(void)state;
	assert_json(summary, "{\"no\": {\"version\": \"fixture-1\", \"questions\": 6,"
			     " \"results\": 13, \"depth\": 6, \"walks\": 103},"
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
			"no.json: question \"topic\": unknown key \"optoins\" (allowed: id, fact, audience, text, help, options, note)",
			"no.json: question \"topic\": option \"login\": unknown key \"next\" (allowed: value, label)",
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
			"destinations/no.json: destination \"no.bank\": name: unknown key \"kilde\" (allowed: text, dial, source, checked, unconfirmed, note)",
			"destinations/no.json: destination \"no.nav\": is defined twice",
			"destinations/no.json: destination \"dk.skat\": id must start with \"no.\"",
			"destinations/no.json: destination 10: must be an object, got a string",
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
	tr = start("no", "{\"on_behalf\": \"another_person\", \"topic\": \"case_matter\"}");
	assert_at(tr, "mandate");
	answer(tr, "unknown"); /* poa.nav is out; the service still matters */
	assert_at(tr, "case.service");
	/* case.general takes "unknown": a caller about tax must be able to say
	 * so, or "don't know" would send them where {service: tax} does not. */
	assert_string_equal(offered(tr), "welfare_benefit, social_assistance, tax, unknown");
	answer(tr, "tax");
	assert_at(tr, "general.kommune");
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
	assert_at(tr, "mandate");
	assert_string_equal(offered(tr), "written_poa, digital_poa, unknown");
	answer(tr, "written_poa");
	assert_string_equal(offered(tr), "welfare_benefit, social_assistance, unknown");
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
	/* A value no option offers is known too. */
	tr = start(
		"no",
		"{\"on_behalf\": \"self\", \"topic\": \"login\", \"login_method\": \"buypass\"}");
	assert_at(tr, "general.kommune");
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
	/* poa.nav matches, but estate.court (50) could still beat it. */
	assert_at(tr, "topic");
	assert_string_equal(offered(tr), "deceased_estate, unknown");
	answer(tr, "unknown");
	assert_at(tr, "poa.nav");
	assert_path(tr, "[\"topic\", \"poa.nav\"]");
	triage_free(tr);
	tr = start("dk", "{\"login_problem\": \"eid_blocked\"}");
	assert_at(tr, "login.mitid.blocked");
	triage_free(tr);
}

/* A result's facts decide it even when its `about` does not list the topic
 * the caller gave; but its questions are only asked for its topics. */
static void test_about(void **state)
{
	struct triage *tr;

	(void)state;
	tr = start("no", "{\"topic\": \"case_matter\", \"login_method\": \"bankid\"}");
	assert_at(tr, "who"); /* poa.nav (40) could still beat login.bankid (30) */
	answer(tr, "self");
	assert_at(tr, "login.bankid");
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
	agent = start("no", "{\"on_behalf\": \"another_person\", \"topic\": \"case_matter\"}");
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
	/* case.kontor matches; results about other topics could beat it. */
	assert_at(tr, "topic");
	assert_string_equal(offered(tr),
			    "login, digital_post, power_of_attorney, deceased_estate, unknown");
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

/* ---- properties over every walk ------------------------------------------- */

struct walk_check {
	const char *country;
	int citizen;
	size_t steps, results, agent_questions;
	json_t *langs;
};

/* At every step of every walk: the step is canonical JSON in every language
 * (and in one the tree lacks); a known fact is never asked; a citizen is
 * never asked an agent's question; and the step is what a walk started
 * afresh with the same facts shows (the facts alone decide it). */
static void check_walks(struct walk_check *w, struct triage *tr, int depth)
{
	json_t *part, *options, *o, *lang;
	struct triage *fresh;
	char *a, *b, *facts;
	size_t i;

	w->steps++;
	json_array_foreach(w->langs, i, lang)
		assert_canonical(tr, json_string_value(lang));
	facts = json_dumps(triage_facts(tr), JSON_COMPACT);
	fresh = start_in(fixture, w->country, facts, w->citizen);
	a = state_text(tr, "en");
	b = state_text(fresh, "en");
	if (strcmp(a, b))
		fail_msg("the same facts %s, two steps:\n walked %s\n fresh  %s", facts, a, b);
	free(a);
	free(b);
	free(facts);
	triage_free(fresh);
	if (triage_at_result(tr)) {
		w->results++;
		return;
	}
	assert_true(depth < 6);
	part = step_part(tr, "en");
	assert_null(json_object_get(triage_facts(tr),
				    json_string_value(json_object_get(part, "fact"))));
	if (!json_is_true(json_object_get(part, "citizen"))) {
		assert_false(w->citizen);
		w->agent_questions++;
	}
	options = json_deep_copy(json_object_get(part, "options"));
	json_decref(part);
	json_array_foreach(options, i, o) {
		answer(tr, json_string_value(json_object_get(o, "value")));
		check_walks(w, tr, depth + 1);
		back(tr);
	}
	json_decref(options);
}

static void test_every_walk(void **state)
{
	static const char *const countries[] = { "no", "dk" };

	(void)state;
	for (int c = 0; c < 2; c++)
		for (int citizen = 0; citizen <= 1; citizen++) {
			struct walk_check w = { .country = countries[c], .citizen = citizen };
			struct triage *tr = start_in(fixture, countries[c], NULL, citizen);

			w.langs = rules_tree_langs(rules_tree(fixture, countries[c]));
			json_array_append_new(w.langs, json_string("xx"));
			check_walks(&w, tr, 0);
			if (!c && !citizen) {
				assert_int_equal(w.results, 103); /* as the summary says */
				assert_true(w.agent_questions > 0);
			}
			if (citizen)
				assert_int_equal(w.agent_questions, 0);
			assert_true(w.results > 0);
			json_decref(w.langs);
			triage_free(tr);
		}
}

/* Every question and every result of the fixture, jumped to, in every
 * language and in both voices: the step text is what jansson would write. */
static void test_step_text_is_canonical(void **state)
{
	static const char *const countries[] = { "no", "dk" };
	char name[16];
	size_t checked = 0;

	(void)state;
	for (int c = 0; c < 2; c++) {
		json_t *tree, *langs, *lang, *node;
		size_t i, l;

		snprintf(name, sizeof(name), "%s.json", countries[c]);
		tree = fixture_json(name);
		langs = rules_tree_langs(rules_tree(fixture, countries[c]));
		json_array_append_new(langs, json_string("xx"));
		for (int list = 0; list < 2; list++)
			json_array_foreach(json_object_get(tree, list ? "results" : "questions"), i,
					   node) {
				const char *id = json_string_value(json_object_get(node, "id"));

				for (int citizen = 0; citizen <= 1; citizen++) {
					struct triage *tr =
						start_in(fixture, countries[c], NULL, citizen);

					jump(tr, id);
					assert_at(tr, id);
					json_array_foreach(langs, l, lang) {
						assert_canonical(tr, json_string_value(lang));
						checked++;
					}
					triage_free(tr);
				}
			}
		json_decref(langs);
		json_decref(tree);
	}
	assert_int_equal(checked, (6 + 13) * 2 * 4 + (2 + 5) * 2 * 3);
}

/* A step's texts come in the language asked for; one the tree does not
 * declare gets its first language. */
static void test_step_langs(void **state)
{
	struct triage *no = start("no", "{\"on_behalf\": \"self\"}"), *dk = start("dk", NULL);
	json_t *part;

	(void)state;
	part = step_part(no, "nn");
	assert_string_equal(json_string_value(json_object_get(part, "text")), "Kva gjeld det?");
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(part, "options"), 0), "label")),
			    "Innlogging");
	assert_null(json_object_get(part, "help"));
	json_decref(part);
	part = step_part(no, "nb");
	assert_string_equal(json_string_value(json_object_get(part, "text")), "Hva gjelder det?");
	json_decref(part);
	part = step_part(dk, "da");
	assert_string_equal(json_string_value(json_object_get(part, "text")),
			    "Hvad drejer det sig om?");
	json_decref(part);
	part = step_part(dk, "xx");
	assert_string_equal(json_string_value(json_object_get(part, "text")),
			    "Hvad drejer det sig om?");
	json_decref(part);
	answer(dk, "login");
	part = step_part(dk, "en");
	assert_string_equal(json_string_value(json_object_get(part, "help")),
			    "Blocked means that MitID is wholly blocked.");
	json_decref(part);
	answer(dk, "eid_blocked");
	part = step_part(dk, "da");
	assert_string_equal(json_string_value(json_object_get(part, "bring")),
			    "Pas eller kørekort.");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(part, "destination"), "hours")),
		"Hverdage 10–15");
	json_decref(part);
	assert_string_equal(triage_result_destination(dk), "dk.borgerservice");
	triage_free(no);
	triage_free(dk);
}

/* The fact sets of a few walks: how they come (prefilled, answered as
 * asked, or answered out of order by jumping to their questions) does not
 * change where the walk ends. For every split into prefilled and answered
 * facts, and every order of the answered ones. */
static const struct {
	const char *country, *facts, *result;
} fact_sets[] = {
	{ "no",
	  "{\"on_behalf\": \"self\", \"topic\": \"login\", \"login_method\": \"minid\","
	  " \"login_problem\": \"forgotten_password\"}",
	  "login.minid.forgot" },
	{ "no",
	  "{\"on_behalf\": \"another_person\", \"topic\": \"unknown\", \"login_method\": \"bankid\","
	  " \"login_problem\": \"unknown\", \"authority\": \"written_poa\","
	  " \"service\": \"welfare_benefit\"}",
	  "poa.nav" },
	{ "no",
	  "{\"on_behalf\": \"another_person\", \"topic\": \"case_matter\","
	  " \"authority\": \"unknown\", \"service\": \"unknown\"}",
	  "case.general" },
	{ "no",
	  "{\"on_behalf\": \"unknown\", \"topic\": \"unknown\", \"login_method\": \"unknown\","
	  " \"service\": \"unknown\"}",
	  "general.kommune" },
	{ "dk", "{\"topic\": \"login\", \"login_problem\": \"unknown\"}", "login.mitid" },
};

/* The question that asks fact, in the fixture tree. */
static const char *question_for(json_t *tree, const char *fact)
{
	json_t *q;
	size_t i;

	json_array_foreach(json_object_get(tree, "questions"), i, q)
		if (!strcmp(json_string_value(json_object_get(q, "fact")), fact))
			return json_string_value(json_object_get(q, "id"));
	fail_msg("no question asks %s", fact);
	return NULL;
}

/* Prefills the facts of mask, answers the rest in the order of perm[0..n)
 * (jumping to a question that is not the current one), and checks the end. */
static void order_walk(json_t *tree, const char *country, const char **facts, const char **values,
		       unsigned mask, const size_t *perm, size_t n, const char *want,
		       const char *state)
{
	json_t *prefill = json_object();
	struct triage *tr;
	char *text, *got;

	for (size_t f = 0; facts[f]; f++)
		if (mask & (1u << f))
			json_object_set_new(prefill, facts[f], json_string(values[f]));
	text = json_dumps(prefill, JSON_COMPACT);
	tr = start_in(fixture, country, text, 0);
	for (size_t i = 0; i < n; i++) {
		const char *q = question_for(tree, facts[perm[i]]);

		if (triage_at_result(tr) || strcmp(at(tr), q))
			jump(tr, q);
		answer(tr, values[perm[i]]);
	}
	got = state_text(tr, "en");
	if (strcmp(got, state))
		fail_msg("prefilled %s, then answered %zu facts: ended at %s, not %s", text, n,
			 at(tr), want);
	assert_at(tr, want);
	free(got);
	free(text);
	json_decref(prefill);
	triage_free(tr);
}

static int next_permutation(size_t *a, size_t n)
{
	size_t i, j, t;

	if (n < 2)
		return 0;
	for (i = n - 1; i > 0 && a[i - 1] >= a[i]; i--)
		;
	if (!i)
		return 0;
	for (j = n - 1; a[j] <= a[i - 1]; j--)
		;
	t = a[i - 1], a[i - 1] = a[j], a[j] = t;
	for (j = n - 1; i < j; i++, j--)
		t = a[i], a[i] = a[j], a[j] = t;
	return 1;
}

static void test_same_facts_any_order(void **state)
{
	size_t walks = 0;

	(void)state;
	for (size_t s = 0; s < sizeof(fact_sets) / sizeof(fact_sets[0]); s++) {
		json_t *facts = json_loads(fact_sets[s].facts, 0, NULL), *v;
		const char *names[8] = { 0 }, *values[8] = { 0 }, *fact;
		char name[16], *want;
		size_t n = 0;
		struct triage *tr;
		json_t *tree;

		snprintf(name, sizeof(name), "%s.json", fact_sets[s].country);
		tree = fixture_json(name);
		json_object_foreach(facts, fact, v) {
			names[n] = fact;
			values[n++] = json_string_value(v);
		}
		/* All prefilled: where these facts end. */
		tr = start_in(fixture, fact_sets[s].country, fact_sets[s].facts, 0);
		assert_at(tr, fact_sets[s].result);
		want = state_text(tr, "en");
		triage_free(tr);
		for (unsigned mask = 0; mask < (1u << n); mask++) {
			size_t perm[8], k = 0;
			struct triage *asked;
			char *prefill;
			json_t *p = json_object();

			for (size_t f = 0; f < n; f++)
				if (!(mask & (1u << f)))
					perm[k++] = f;
				else
					json_object_set_new(p, names[f], json_string(values[f]));
			/* Answered as the engine asks: it asks for no fact
			 * outside the set, and ends where the set ends. */
			prefill = json_dumps(p, JSON_COMPACT);
			asked = start_in(fixture, fact_sets[s].country, prefill, 0);
			while (!triage_at_result(asked)) {
				json_t *part = step_part(asked, "en");
				const char *f = json_string_value(json_object_get(part, "fact"));
				const char *value = json_string_value(json_object_get(facts, f));

				if (!value)
					fail_msg("prefilled %s: asked for %s, which is not in %s",
						 prefill, f, fact_sets[s].facts);
				answer(asked, value);
				json_decref(part);
			}
			assert_at(asked, fact_sets[s].result);
			triage_free(asked);
			free(prefill);
			json_decref(p);
			/* Answered in every order, jumping where needed. */
			do {
				order_walk(tree, fact_sets[s].country, names, values, mask, perm, k,
					   fact_sets[s].result, want);
				walks++;
			} while (next_permutation(perm, k));
		}
		free(want);
		json_decref(tree);
		json_decref(facts);
	}
	/* 4 facts: 65 orders; 6: 1,957; 4: 65; 4: 65; 2: 5. */
	assert_int_equal(walks, 65 + 1957 + 65 + 65 + 5);
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

/* ---- the real rules ------------------------------------------------------- */

/* rules/ as shipped: it loads without a problem, every walk ends within the
 * limit, every destination has its texts in every language of its tree,
 * and every node's step text is canonical. */
static void test_real_rules(void **state)
{
	static const char *const countries[] = { "no", "dk" };
	json_t *problems = json_array(), *summary;
	struct rulebook *rb = rules_load(REAL_RULES, collect, problems);
	char *list, name[64];
	size_t checked = 0;

	(void)state;
	if (!rb || json_array_size(problems)) {
		size_t n = json_array_size(problems);

		list = json_dumps(problems, JSON_INDENT(1));
		fprintf(stderr, "%s\n", list);
		free(list);
		json_decref(problems);
		rules_unref(rb);
		fail_msg("%s/ does not load (%zu problems)", REAL_RULES, n);
	}
	json_decref(problems);
	summary = rules_summary(rb);
	for (int c = 0; c < 2; c++) {
		json_t *s = json_object_get(summary, countries[c]), *tree, *dests, *d, *langs,
		       *lang, *node;
		size_t i, l;

		assert_true(json_integer_value(json_object_get(s, "depth")) <= 6);
		assert_true(json_integer_value(json_object_get(s, "walks")) > 0);
		langs = rules_tree_langs(rules_tree(rb, countries[c]));
		snprintf(name, sizeof(name), "destinations/%s.json", countries[c]);
		dests = read_json(REAL_RULES, name);
		json_array_foreach(json_object_get(dests, "destinations"), i, d)
			json_array_foreach(langs, l, lang) {
				json_t *loc = rules_destination_localized(
					rb, json_string_value(json_object_get(d, "id")),
					json_string_value(lang));

				assert_non_null(loc);
				assert_true(*json_string_value(json_object_get(loc, "name")));
				assert_true(*json_string_value(json_object_get(loc, "mandate")));
				json_decref(loc);
			}
		json_decref(dests);
		snprintf(name, sizeof(name), "%s.json", countries[c]);
		tree = read_json(REAL_RULES, name);
		for (int part = 0; part < 2; part++)
			json_array_foreach(json_object_get(tree, part ? "results" : "questions"), i,
					   node) {
				struct triage *tr = start_in(rb, countries[c], NULL, 0);

				jump(tr, json_string_value(json_object_get(node, "id")));
				json_array_foreach(langs, l, lang) {
					assert_canonical(tr, json_string_value(lang));
					checked++;
				}
				triage_free(tr);
			}
		json_decref(tree);
		json_decref(langs);
	}
	assert_true(checked > 0);
	json_decref(summary);
	rules_unref(rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_loads),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_langs),
		cmocka_unit_test(test_fact_valid),
		cmocka_unit_test(test_destination_localized),
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
		cmocka_unit_test(test_destination_missing_language),
		cmocka_unit_test(test_destination_fields),
		cmocka_unit_test(test_destination_problems),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_vocabulary_syntax_error),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_tree_header),
		cmocka_unit_test(test_vocabulary_problems),
		cmocka_unit_test(test_every_problem_reported),
		cmocka_unit_test(test_overlap_needs_priority),
		cmocka_unit_test(test_unreachable_result),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_six_deep_is_fine),
		cmocka_unit_test(test_first_question),
		cmocka_unit_test(test_walk_to_result),
		cmocka_unit_test(test_result_without_bring),
		cmocka_unit_test(test_question_skipped),
		cmocka_unit_test(test_options_offered),
		cmocka_unit_test(test_known_fact_never_asked),
		cmocka_unit_test(test_prefill_jumps_ahead),
		cmocka_unit_test(test_about),
		cmocka_unit_test(test_unknown_ends_at_general_result),
		cmocka_unit_test(test_bad_answer),
		cmocka_unit_test(test_bad_prefill),
		cmocka_unit_test(test_voice),
		cmocka_unit_test(test_because),
		cmocka_unit_test(test_back),
		cmocka_unit_test(test_back_restores_value),
		cmocka_unit_test(test_jump),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_walk_holds_reference),
		cmocka_unit_test(test_every_walk),
		cmocka_unit_test(test_step_text_is_canonical),
		cmocka_unit_test(test_step_langs),
		cmocka_unit_test(test_same_facts_any_order),
		cmocka_unit_test(test_jbuf_matches_jansson),
		cmocka_unit_test(test_real_rules),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
