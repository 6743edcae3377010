/* rules.c - load and validate the rules directory as one rulebook.
 *
 * Loading never stops at the first problem: every check runs and reports
 * through the caller's callback, naming file and node, so an author can fix
 * a whole file in one round. Checks that depend on a file that could not be
 * parsed at all (the vocabulary, a destinations file) are skipped rather
 * than repeated once per node. The format is docs/rules.md. This file
 * holds the vocabulary, the rulebook and its accessors; the JSON tools are
 * rules_json.c, the trees rules_tree.c, destinations rules_dest.c, and the
 * soundness of a tree (overlaps, depth, reachability) rules_check.c. */
#include "rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "words.h"

/* What the vocabulary's objects may hold. */
static const struct rules_key rules_vocabulary_keys[] = { { "facts", RULES_ARRAY, 1 },
							  { "note", RULES_STRING, 0 },
							  { NULL, 0, 0 } };
static const struct rules_key rules_fact_keys[] = { { "id", RULES_STRING, 1 },
						    { "en", RULES_STRING, 0 },
						    { "question_en", RULES_STRING, 0 },
						    { "values", RULES_ARRAY, 1 },
						    { NULL, 0, 0 } };
static const struct rules_key rules_value_keys[] = { { "id", RULES_STRING, 1 },
						     { "en", RULES_STRING, 0 },
						     { "words", RULES_OBJECT, 0 },
						     { "countries", RULES_ARRAY, 0 },
						     { NULL, 0, 0 } };

/* The index of country in names_countries (the order of the trees), or -1. */
static int rules_country_index(const char *country)
{
	for (int c = 0; country && c < RULES_NCOUNTRIES; c++)
		if (!strcmp(country, names_countries[c]))
			return c;
	return -1;
}

/* A value's "countries": the trees it applies to (BankID only in Norway's).
 * A value without it applies in both; tests/content checks that each tree
 * offers every value that applies to it. */
static void rules_check_value_countries(struct rules_loader *ld, const char *where,
					const json_t *obj)
{
	json_t *list = rules_typed(obj, "countries", RULES_ARRAY), *c;
	size_t i;

	json_array_foreach(list, i, c)
		if (rules_country_index(json_string_value(c)) < 0)
			rules_problem(ld, where,
				      "\"countries\" entry %zu is not a country (no, dk)", i + 1);
}

static json_t *rules_load_vocabulary(struct rules_loader *ld)
{
	json_t *root = rules_read(ld, "vocabulary.json"), *vocab, *facts, *fact, *values, *list,
	       *value;
	char where[160], vwhere[320];
	const char *id, *vid;
	size_t i, j;

	if (!root)
		return NULL;
	vocab = json_object();
	rules_check_keys(ld, NULL, root, rules_vocabulary_keys);
	facts = rules_typed(root, "facts", RULES_ARRAY);
	json_array_foreach(facts, i, fact) {
		snprintf(where, sizeof(where), "fact %zu", i + 1);
		if (!json_is_object(fact)) {
			rules_problem(ld, where, "must be an object, got %s",
				      rules_json_type(fact));
			continue;
		}
		if ((id = rules_string(fact, "id")))
			snprintf(where, sizeof(where), "fact \"%s\"", id);
		rules_check_keys(ld, where, fact, rules_fact_keys);
		if (!id)
			continue;
		if (json_object_get(vocab, id)) {
			rules_problem(ld, where, "is defined twice");
			continue;
		}
		json_object_set_new(vocab, id, values = json_array());
		list = rules_typed(fact, "values", RULES_ARRAY);
		json_array_foreach(list, j, value) {
			snprintf(vwhere, sizeof(vwhere), "%s: value %zu", where, j + 1);
			if (!json_is_object(value)) {
				rules_problem(ld, vwhere, "must be an object, got %s",
					      rules_json_type(value));
				continue;
			}
			if ((vid = rules_string(value, "id")))
				snprintf(vwhere, sizeof(vwhere), "%s: value \"%s\"", where, vid);
			rules_check_keys(ld, vwhere, value, rules_value_keys);
			if (vid && rules_array_has(values, vid))
				rules_problem(ld, vwhere, "is defined twice");
			else if (vid)
				json_array_append_new(values, json_string(vid));
			rules_check_value_countries(ld, vwhere, value);
		}
		if (list && !json_array_size(list))
			rules_problem(ld, where, "has no values");
		if (json_array_size(values) > RULES_MAX_VALUES)
			rules_problem(ld, where, "has more than %d values", RULES_MAX_VALUES);
	}
	if (json_object_size(vocab) > RULES_MAX_FACTS)
		rules_problem(ld, NULL, "more than %d facts", RULES_MAX_FACTS);
	json_decref(root);
	return vocab;
}

static void rules_words_problem(void *ctx, const char *problem)
{
	rules_problem(ctx, NULL, "%s", problem);
}

static struct words *rules_load_words(struct rules_loader *ld)
{
	json_t *root = rules_read(ld, "words.json");
	struct words *w = NULL;

	if (root && ld->rb->vocabulary)
		w = words_build(root, ld->rb->vocabulary, rules_words_problem, ld);
	json_decref(root);
	return w;
}

struct rulebook *rules_load(const char *dir, rules_report_fn report, void *ctx)
{
	struct rules_loader ld = { .report = report, .ctx = ctx, .dir = dir };
	struct rulebook *rb;
	const char *fact;
	json_t *values;
	int c;

	snprintf(ld.file, sizeof(ld.file), "%s", dir);
	if (!(rb = ld.rb = calloc(1, sizeof(*rb)))) {
		rules_problem(&ld, NULL, "out of memory");
		return NULL;
	}
	rb->refs = 1;
	rb->vocabulary = rules_load_vocabulary(&ld);
	json_object_foreach(rb->vocabulary, fact, values)
		if (rb->nfacts < RULES_MAX_FACTS) {
			rb->facts[rb->nfacts] = fact;
			rb->unknown_value[rb->nfacts] =
				(int16_t)rules_value_index(rb, (int)rb->nfacts, "unknown");
			rb->nfacts++;
		}
	rb->words = rules_load_words(&ld);
	rb->barriers = rules_load_barriers(&ld);
	for (c = 0; c < RULES_NCOUNTRIES; c++)
		rb->destinations[c] = rules_load_destinations(&ld, c);
	for (c = 0; c < RULES_NCOUNTRIES; c++)
		rb->trees[c] = rules_load_tree(&ld, c);
	if (ld.problems) {
		rules_unref(rb);
		return NULL;
	}
	return rb;
}

struct rulebook *rules_ref(struct rulebook *rb)
{
	if (rb)
		rb->refs++;
	return rb;
}

void rules_unref(struct rulebook *rb)
{
	int c;

	if (!rb || --rb->refs > 0)
		return;
	for (c = 0; c < RULES_NCOUNTRIES; c++) {
		rules_tree_free(rb->trees[c]);
		json_decref(rb->destinations[c]);
	}
	json_decref(rb->vocabulary);
	words_free(rb->words);
	json_decref(rb->barriers);
	free(rb);
}

const struct rules_tree *rules_tree(const struct rulebook *rb, const char *country)
{
	int c = rb ? rules_country_index(country) : -1;

	return c >= 0 ? rb->trees[c] : NULL;
}

const char *rules_tree_version(const struct rules_tree *t)
{
	return t->version;
}

const char *rules_tree_country(const struct rules_tree *t)
{
	return t->country;
}

int rules_tree_has_lang(const struct rules_tree *t, const char *lang)
{
	return lang && rules_array_has(t->langs, lang);
}

json_t *rules_tree_langs(const struct rules_tree *t)
{
	return json_deep_copy(t->langs);
}

size_t rules_lang_slot(const struct rules_tree *t, const char *lang)
{
	size_t slot;

	for (slot = 0; lang && slot < t->nlangs; slot++)
		if (!strcmp(json_string_value(json_array_get(t->langs, slot)), lang))
			return slot;
	return 0;
}

json_t *rules_summary(const struct rulebook *rb)
{
	json_t *summary = json_object();
	const struct rules_tree *t;
	int c;

	for (c = 0; c < RULES_NCOUNTRIES; c++) {
		t = rb->trees[c];
		json_object_set_new(summary, t->country,
				    json_pack("{s:s, s:I, s:I, s:I, s:I}", "version", t->version,
					      "questions", (json_int_t)t->questions, "results",
					      (json_int_t)t->results, "depth", (json_int_t)t->depth,
					      "walks", (json_int_t)t->walks));
	}
	return summary;
}

json_t *rules_fact_values(const struct rulebook *rb, const char *fact)
{
	return fact ? json_object_get(rb->vocabulary, fact) : NULL;
}

const char *rules_fact_name(const struct rulebook *rb, int i)
{
	return rb && i >= 0 && (size_t)i < rb->nfacts ? rb->facts[i] : NULL;
}

int rules_fact_valid(const struct rulebook *rb, const char *fact, const char *value)
{
	json_t *values = rules_fact_values(rb, fact);

	return values && (!value || rules_array_has(values, value));
}

int rules_fact_index(const struct rulebook *rb, const char *fact)
{
	size_t f;

	for (f = 0; fact && f < rb->nfacts; f++)
		if (!strcmp(rb->facts[f], fact))
			return (int)f;
	return -1;
}

int rules_value_index(const struct rulebook *rb, int fact, const char *value)
{
	json_t *values;
	size_t v;

	if (fact < 0 || !value)
		return -1;
	values = json_object_get(rb->vocabulary, rb->facts[fact]);
	for (v = 0; v < json_array_size(values); v++)
		if (!strcmp(json_string_value(json_array_get(values, v)), value))
			return (int)v;
	return -1;
}

size_t rules_node_index(const struct rules_tree *t, const char *id)
{
	json_t *i = id ? json_object_get(t->index, id) : NULL;

	return i ? (size_t)json_integer_value(i) : RULES_NO_NODE;
}

int rules_understand(const struct rulebook *rb, const char *lang, const char *text, json_t *facts,
		     json_t *understood)
{
	struct words_hit hits[RULES_MAX_FACTS];
	size_t n = words_derive(rb->words, lang, text, strlen(text), hits, RULES_MAX_FACTS);
	int added = 0;

	for (size_t i = 0; i < n; i++) {
		const char *fact = rb->facts[hits[i].fact];
		const char *value = json_string_value(json_array_get(
			json_object_get(rb->vocabulary, fact), (size_t)hits[i].value));

		/* Built by hand: json_pack's format parsing cost more than a
		 * start's walk (docs/performance.md). fact and value come from
		 * the vocabulary, checked at load; the words are the text's. */
		json_t *u = json_object();

		json_object_set_new_nocheck(u, "fact", json_string_nocheck(fact));
		json_object_set_new_nocheck(u, "value", json_string_nocheck(value));
		json_object_set_new_nocheck(u, "words",
					    json_stringn(text + hits[i].start, hits[i].len));
		json_array_append_new(understood, u);
		/* Facts given explicitly win over facts read from the words. */
		if (!json_object_get(facts, fact)) {
			json_object_set_new(facts, fact, json_string(value));
			added++;
		}
	}
	return added;
}

/* How the facts meet conditions c: -1 when a known value is not allowed,
 * else how many they meet, not counting the facts in `quiet` (a bit per
 * fact); facts not known, or known as "unknown", count neither way. */
static int rules_conds_fit(const struct rules_tree *t, const struct rules_cond *c, size_t n,
			   const json_t *facts, uint64_t quiet)
{
	int met = 0;

	for (size_t i = 0; i < n; i++) {
		const char *fact = t->rb->facts[c[i].fact];
		int v = rules_value_index(t->rb, c[i].fact,
					  json_string_value(json_object_get(facts, fact)));

		if (v < 0 || v == t->rb->unknown_value[c[i].fact])
			continue;
		if (!(c[i].values & (UINT64_C(1) << v)))
			return -1;
		met += !(quiet & (UINT64_C(1) << c[i].fact));
	}
	return met;
}

int rules_result_fit(const struct rules_tree *t, const struct rules_node *r, const json_t *facts,
		     uint64_t quiet)
{
	int met = rules_conds_fit(t, r->when, r->nwhen, facts, quiet);

	/* A result about other topics than the one known fits no better than
	 * one its conditions rule out (the engine skips it the same way). */
	return met < 0 || rules_conds_fit(t, r->about, r->nabout, facts, 0) < 0 ? -1 : met;
}
