/* test_rules_props.c - properties over every walk, and the real rules in rules/. */
#include "unit.h"

#include "rules_fixture.h"

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
				assert_int_equal(w.results, 96); /* as the summary says */
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
		cmocka_unit_test(test_every_walk),
		cmocka_unit_test(test_step_text_is_canonical),
		cmocka_unit_test(test_step_langs),
		cmocka_unit_test(test_same_facts_any_order),
		cmocka_unit_test(test_jbuf_matches_jansson),
		cmocka_unit_test(test_real_rules),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
