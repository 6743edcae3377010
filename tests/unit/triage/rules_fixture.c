/* rules_fixture.c - the helpers of rules_fixture.h, shared by test_rules_*.c. */
#include "rules_fixture.h"

const char *const rule_files[] = {
	"vocabulary.json",      "words.json", "barriers.json", "destinations/no.json",
	"destinations/dk.json", "no.json",    "dk.json",       NULL,
};

struct rulebook *fixture; /* loaded once for the walk tests */

void collect(void *ctx, const char *problem)
{
	json_array_append_new(ctx, json_string(problem));
}

/* ---- helpers ---------------------------------------------------------- */

/* A scratch copy of the fixture rule set, in a new directory under /tmp. */
char *scratch_new(void)
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
		unit_copy_file(from, to);
	}
	return dir;
}

void scratch_free(const char *dir)
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

json_t *read_json(const char *dir, const char *name)
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

json_t *fixture_json(const char *name)
{
	return read_json(FIXTURE, name);
}

void write_json(const char *dir, const char *name, json_t *root)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
	json_decref(root);
}

void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

char *dump(const json_t *j)
{
	return json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Compares JSON as sorted compact text, so a failure shows expected and got. */
void assert_json(const json_t *got, const char *expected)
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
const char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
const char *fmt(const char *format, ...)
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
const char *vocab_list(const char *fact)
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
void expect_problems(const char *dir, const char *const *expected)
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
void expect_broken(const char *name, json_t *root, const char *const *expected)
{
	char *dir = scratch_new();

	write_json(dir, name, root);
	expect_problems(dir, expected);
	scratch_free(dir);
}

/* Writes root as name into a scratch fixture copy, which must load. */
struct rulebook *load_changed(const char *name, json_t *root)
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
json_t *entry(json_t *root, const char *list, const char *id)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(root, list), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "id")), id))
			return e;
	fail_msg("fixture has no %s entry \"%s\"", list, id);
	return NULL;
}

json_t *question(json_t *tree, const char *id)
{
	return entry(tree, "questions", id);
}

json_t *result(json_t *tree, const char *id)
{
	return entry(tree, "results", id);
}

json_t *destination(json_t *dests, const char *id)
{
	return entry(dests, "destinations", id);
}

json_t *option(json_t *tree, const char *id, const char *value)
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
json_t *take(json_t *root, const char *list, const char *id)
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

struct triage *start_in(struct rulebook *rb, const char *country, const char *prefill, int citizen)
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

struct triage *start(const char *country, const char *prefill)
{
	return start_in(fixture, country, prefill, 0);
}

struct triage *start_citizen(const char *country, const char *prefill)
{
	return start_in(fixture, country, prefill, 1);
}

void answer(struct triage *tr, const char *value)
{
	char err[512] = "";

	if (triage_answer(tr, value, err, sizeof(err)))
		fail_msg("answer \"%s\" failed: %s", value, err);
}

void back(struct triage *tr)
{
	char err[512] = "";

	if (triage_back(tr, err, sizeof(err)))
		fail_msg("back failed: %s", err);
}

void jump(struct triage *tr, const char *node_id)
{
	char err[512] = "";

	if (triage_jump(tr, node_id, err, sizeof(err)))
		fail_msg("jump to \"%s\" failed: %s", node_id, err);
}

void assert_path(struct triage *tr, const char *expected)
{
	json_t *path = triage_path(tr);

	assert_json(path, expected);
	json_decref(path);
}

/* The question or result of the current step (a new reference). */
json_t *step_part(const struct triage *tr, const char *lang)
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
const char *at(const struct triage *tr)
{
	static char id[128];
	json_t *part = step_part(tr, "en");

	snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(part, "node")));
	json_decref(part);
	return id;
}

void assert_at(const struct triage *tr, const char *node_id)
{
	assert_string_equal(at(tr), node_id);
}

/* The option values the current question offers, as "a, b, c". */
const char *offered(const struct triage *tr)
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
char *state_text(const struct triage *tr, const char *lang)
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
void assert_canonical(const struct triage *tr, const char *lang)
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

int setup_fixture(void **state)
{
	(void)state;
	fixture = rules_load(FIXTURE, NULL, NULL);
	return fixture ? 0 : -1;
}

int teardown_fixture(void **state)
{
	(void)state;
	rules_unref(fixture);
	return 0;
}
