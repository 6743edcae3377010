/* rules_tree.c - load one country's questions and results (docs/rules.md).
 *
 * Questions come first in tree->nodes, in the authors' order, results after
 * them; every id, fact and value is resolved to an index here, and each
 * result's `when` becomes one bit mask of allowed values per fact. Whether
 * the tree is sound as a whole (overlaps, walks) is rules_check.c's job. */
#include "rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const rules_categories[] = { "login",  "reservation", "power_of_attorney",
						"agency", "estate",      NULL };

static const struct rules_key rules_tree_keys[] = { { "country", RULES_STRING, 1 },
						    { "version", RULES_STRING, 1 },
						    { "langs", RULES_ARRAY, 1 },
						    { "questions", RULES_ARRAY, 1 },
						    { "results", RULES_ARRAY, 1 },
						    { "note", RULES_STRING, 0 },
						    { NULL, 0, 0 } };
static const struct rules_key rules_question_keys[] = {
	{ "id", RULES_STRING, 1 },       { "fact", RULES_STRING, 1 },
	{ "audience", RULES_STRING, 0 }, { "text", RULES_OBJECT, 1 },
	{ "help", RULES_OBJECT, 0 },     { "options", RULES_ARRAY, 1 },
	{ "early", RULES_BOOL, 0 },      { "show_all", RULES_BOOL, 0 },
	{ "note", RULES_STRING, 0 },     { NULL, 0, 0 }
};
static const struct rules_key rules_option_keys[] = { { "value", RULES_STRING, 1 },
						      { "label", RULES_OBJECT, 1 },
						      { "implies", RULES_OBJECT, 0 },
						      { NULL, 0, 0 } };
static const struct rules_key rules_result_keys[] = {
	{ "id", RULES_STRING, 1 },          { "when", RULES_OBJECT, 1 },
	{ "about", RULES_OBJECT, 0 },       { "priority", RULES_INT, 0 },
	{ "destination", RULES_STRING, 1 }, { "category", RULES_STRING, 1 },
	{ "first_line", RULES_BOOL, 1 },    { "audience", RULES_STRING, 0 },
	{ "title", RULES_OBJECT, 1 },       { "advice", RULES_OBJECT, 1 },
	{ "bring", RULES_OBJECT, 0 },       { "sources", RULES_ARRAY, 0 },
	{ "note", RULES_STRING, 0 },        { NULL, 0, 0 }
};
static const struct rules_key rules_advice_keys[] = { { "agent", RULES_OBJECT, 1 },
						      { "citizen", RULES_OBJECT, 1 },
						      { NULL, 0, 0 } };

static void rules_check_langs(struct rules_loader *ld, struct rules_tree *t)
{
	json_t *langs = rules_typed(t->root, "langs", RULES_ARRAY), *lang;
	size_t i, j;
	int bad = 0;

	if (!langs)
		return;
	if (!json_array_size(langs)) {
		rules_problem(ld, NULL, "\"langs\" is empty");
		return;
	}
	json_array_foreach(langs, i, lang) {
		if (!json_is_string(lang) || !*json_string_value(lang)) {
			rules_problem(ld, NULL, "\"langs\" entry %zu must be a non-empty string",
				      i + 1);
			bad = 1;
			continue;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(langs, j), lang)) {
				rules_problem(ld, NULL, "\"langs\" names \"%s\" twice",
					      json_string_value(lang));
				bad = 1;
			}
	}
	/* Without usable langs every text would be reported; report langs once. */
	if (!bad)
		t->langs = langs;
}

static int rules_audience(struct rules_loader *ld, const char *where, const json_t *obj)
{
	const char *audience = rules_string(obj, "audience");

	if (audience && strcmp(audience, "citizen") && strcmp(audience, "agent"))
		rules_problem(ld, where, "audience \"%s\" is not one of citizen, agent", audience);
	return !audience || strcmp(audience, "agent");
}

static size_t rules_parse_conds(struct rules_loader *ld, struct rules_tree *t, const char *where,
				const char *key, const json_t *obj, struct rules_cond **out);

/* An option's "implies": {fact: value}, one fact, one value, not "unknown",
 * not the question's own fact. */
static void rules_parse_implies(struct rules_loader *ld, struct rules_tree *t,
				const struct rules_node *n, const char *where, const json_t *opt,
				struct rules_option *o)
{
	struct rules_cond *conds = NULL;
	size_t nconds = rules_parse_conds(ld, t, where, "implies", opt, &conds);

	o->implies.fact = -1;
	if (!nconds)
		goto out;
	if (nconds > 1 || (conds[0].values & (conds[0].values - 1)))
		rules_problem(ld, where, "\"implies\" names one fact and one value");
	else if (conds[0].fact == n->findex)
		rules_problem(ld, where, "\"implies\" names the question's own fact");
	else if (ld->rb->unknown_value[conds[0].fact] >= 0 &&
		 (conds[0].values & (UINT64_C(1) << ld->rb->unknown_value[conds[0].fact])))
		rules_problem(ld, where, "\"implies\" cannot imply \"unknown\"");
	else if (conds[0].values)
		o->implies = conds[0];
out:
	free(conds);
}

static void rules_parse_option(struct rules_loader *ld, struct rules_tree *t, struct rules_node *n,
			       const char *where, json_t *values, json_t *opt)
{
	struct rules_option *o = &n->options[n->noptions];
	char oname[160], owhere[448], list[768];
	size_t j;

	o->vindex = RULES_NO_VALUE;
	o->implies.fact = -1;
	if (!json_is_object(opt)) {
		rules_problem(ld, where, "option %zu must be an object, got %s", n->noptions + 1,
			      rules_json_type(opt));
		n->noptions++;
		return;
	}
	o->value = rules_string(opt, "value");
	o->label = rules_typed(opt, "label", RULES_OBJECT);
	if (o->value)
		snprintf(oname, sizeof(oname), "option \"%s\"", o->value);
	else
		snprintf(oname, sizeof(oname), "option %zu", n->noptions + 1);
	snprintf(owhere, sizeof(owhere), "%s: %s", where, oname);
	rules_check_keys(ld, owhere, opt, rules_option_keys);
	rules_check_texts(ld, t->langs, owhere, "label", o->label);
	rules_parse_implies(ld, t, n, owhere, opt, o);
	if (o->value) {
		o->vindex = rules_value_index(ld->rb, n->findex, o->value);
		if (values && o->vindex < 0) {
			rules_append_list(list, sizeof(list), 0, values);
			rules_problem(ld, where, "%s is not a value of fact \"%s\"; allowed: %s",
				      oname, n->fact, list);
		}
		for (j = 0; j < n->noptions; j++)
			if (n->options[j].value && !strcmp(n->options[j].value, o->value)) {
				rules_problem(ld, where,
					      "options %zu and %zu both have value \"%s\"", j + 1,
					      n->noptions + 1, o->value);
				break;
			}
		if (o->vindex >= 0)
			t->named[n->findex] |= UINT64_C(1) << o->vindex;
		if (!strcmp(o->value, "unknown") && n->unknown_option == RULES_NO_NODE)
			n->unknown_option = n->noptions;
	}
	n->noptions++;
}

static void rules_parse_question(struct rules_loader *ld, struct rules_tree *t,
				 struct rules_node *n, const char *where, const json_t *obj)
{
	json_t *values = NULL, *options, *opt;
	char list[768];
	size_t i;

	n->is_question = 1;
	n->unknown_option = RULES_NO_NODE;
	n->findex = -1;
	rules_check_keys(ld, where, obj, rules_question_keys);
	n->citizen = rules_audience(ld, where, obj);
	n->early = json_is_true(json_object_get(obj, "early"));
	n->show_all = json_is_true(json_object_get(obj, "show_all"));
	n->fact = rules_string(obj, "fact");
	if (n->fact && ld->rb->vocabulary) {
		if (!(values = rules_fact_values(ld->rb, n->fact))) {
			rules_append_facts(list, sizeof(list), ld->rb);
			rules_problem(ld, where, "fact \"%s\" is not in the vocabulary; facts: %s",
				      n->fact, list);
		} else if (t->question_of[n->findex = rules_fact_index(ld->rb, n->fact)] !=
			   RULES_NO_NODE) {
			rules_problem(ld, where, "fact \"%s\" is asked by question \"%s\" already",
				      n->fact, t->nodes[t->question_of[n->findex]].id);
		} else {
			t->question_of[n->findex] = (size_t)(n - t->nodes);
			t->askable[0] |= UINT64_C(1) << n->findex;
			if (n->citizen)
				t->askable[1] |= UINT64_C(1) << n->findex;
		}
	}
	n->text = rules_typed(obj, "text", RULES_OBJECT);
	n->help = rules_typed(obj, "help", RULES_OBJECT);
	rules_check_texts(ld, t->langs, where, "text", n->text);
	rules_check_texts(ld, t->langs, where, "help", n->help);
	if (!(options = rules_typed(obj, "options", RULES_ARRAY)))
		return;
	if (!json_array_size(options)) {
		rules_problem(ld, where, "\"options\" is empty");
		return;
	}
	if (!(n->options = calloc(json_array_size(options), sizeof(*n->options)))) {
		rules_problem(ld, where, "out of memory");
		return;
	}
	json_array_foreach(options, i, opt)
		rules_parse_option(ld, t, n, where, values, opt);
	if (n->unknown_option == RULES_NO_NODE)
		rules_problem(
			ld, where,
			"has no option with value \"unknown\" (every question needs one, for callers who do not know)");
}

/* `when` or `about`: fact → value or array of values, as one condition per
 * fact. Returns the number of conditions parsed into *out (NULL if none). */
static size_t rules_parse_conds(struct rules_loader *ld, struct rules_tree *t, const char *where,
				const char *key, const json_t *obj, struct rules_cond **out)
{
	const json_t *conds = rules_typed(obj, key, RULES_OBJECT), *v, *one;
	const char *fact, *value;
	char list[768];
	size_t n = 0, i;
	int f, vi;

	*out = NULL;
	if (!conds || !json_object_size(conds))
		return 0;
	if (!(*out = calloc(json_object_size(conds), sizeof(**out)))) {
		rules_problem(ld, where, "out of memory");
		return 0;
	}
	json_object_foreach((json_t *)conds, fact, v) {
		if (!ld->rb->vocabulary)
			break;
		if ((f = rules_fact_index(ld->rb, fact)) < 0) {
			rules_append_facts(list, sizeof(list), ld->rb);
			rules_problem(ld, where,
				      "\"%s\": fact \"%s\" is not in the vocabulary; facts: %s",
				      key, fact, list);
			continue;
		}
		if (!strcmp(key, "when") && t->question_of[f] == RULES_NO_NODE)
			rules_problem(ld, where, "\"when\": no question asks fact \"%s\"", fact);
		(*out)[n] = (struct rules_cond){ f, 0 };
		for (i = 0; i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
			one = json_is_array(v) ? json_array_get(v, i) : v;
			if (!(value = json_string_value(one))) {
				rules_problem(
					ld, where,
					"\"%s\": \"%s\" must be a value or an array of values", key,
					fact);
				continue;
			}
			if ((vi = rules_value_index(ld->rb, f, value)) < 0) {
				rules_append_list(list, sizeof(list), 0,
						  rules_fact_values(ld->rb, fact));
				rules_problem(
					ld, where,
					"\"%s\": \"%s\" is not a value of fact \"%s\"; allowed: %s",
					key, value, fact, list);
				continue;
			}
			(*out)[n].values |= UINT64_C(1) << vi;
		}
		if (json_is_array(v) && !json_array_size(v))
			rules_problem(ld, where, "\"%s\": \"%s\" lists no values", key, fact);
		n++;
	}
	return n;
}

/* Every value a result's `when` names must be an option of the question
 * that asks the fact: otherwise no walk could give it. */
static void rules_check_offered(struct rules_loader *ld, const struct rules_tree *t,
				const struct rules_node *n, const char *where)
{
	const struct rules_node *q;
	uint64_t offered;
	size_t i, o;

	for (i = 0; i < n->nwhen; i++) {
		if (t->question_of[n->when[i].fact] == RULES_NO_NODE)
			continue;
		q = &t->nodes[t->question_of[n->when[i].fact]];
		for (offered = 0, o = 0; o < q->noptions; o++)
			if (q->options[o].vindex >= 0)
				offered |= UINT64_C(1) << q->options[o].vindex;
		if (n->when[i].values & ~offered)
			rules_problem(
				ld, where,
				"\"when\" names a value of \"%s\" that question \"%s\" does not offer",
				q->fact, q->id);
	}
}

/* The facts n's `when` names, and the values it and `about` name
 * (triage_value reads a value no result or option names as "unknown"). */
static void rules_result_named(struct rules_tree *t, struct rules_node *n)
{
	for (size_t i = 0; i < n->nwhen; i++) {
		n->when_facts |= UINT64_C(1) << n->when[i].fact;
		t->named[n->when[i].fact] |= n->when[i].values;
	}
	for (size_t i = 0; i < n->nabout; i++)
		t->named[n->about[i].fact] |= n->about[i].values;
}

static void rules_parse_result(struct rules_loader *ld, struct rules_tree *t, struct rules_node *n,
			       const char *where, const json_t *obj)
{
	const struct rulebook *rb = ld->rb;
	enum rules_country own = ld->country, other = own == RULES_NO ? RULES_DK : RULES_NO;
	const json_t *advice = rules_typed(obj, "advice", RULES_OBJECT), *sources;
	const char *const *cat;
	char awhere[320];
	size_t i;

	rules_check_keys(ld, where, obj, rules_result_keys);
	n->citizen = rules_audience(ld, where, obj);
	n->nwhen = rules_parse_conds(ld, t, where, "when", obj, &n->when);
	n->nabout = rules_parse_conds(ld, t, where, "about", obj, &n->about);
	rules_result_named(t, n);
	rules_check_offered(ld, t, n, where);
	n->priority = (int)json_integer_value(json_object_get(obj, "priority"));
	n->category = rules_string(obj, "category");
	n->first_line = json_is_true(json_object_get(obj, "first_line"));
	n->title = rules_typed(obj, "title", RULES_OBJECT);
	n->bring = rules_typed(obj, "bring", RULES_OBJECT);
	rules_check_texts(ld, t->langs, where, "title", n->title);
	rules_check_texts(ld, t->langs, where, "bring", n->bring);
	if (advice) {
		snprintf(awhere, sizeof(awhere), "%s: advice", where);
		rules_check_keys(ld, awhere, advice, rules_advice_keys);
		n->advice_agent = rules_typed(advice, "agent", RULES_OBJECT);
		n->advice_citizen = rules_typed(advice, "citizen", RULES_OBJECT);
		rules_check_texts(ld, t->langs, where, "advice.agent", n->advice_agent);
		rules_check_texts(ld, t->langs, where, "advice.citizen", n->advice_citizen);
	}
	sources = rules_typed(obj, "sources", RULES_ARRAY);
	for (i = 0; i < json_array_size(sources); i++)
		if (!rules_is_address(json_string_value(json_array_get(sources, i))))
			rules_problem(ld, where, "source %zu must be a web address (https://…)",
				      i + 1);
	for (cat = rules_categories; n->category && *cat && strcmp(*cat, n->category); cat++)
		;
	if (n->category && !*cat)
		rules_problem(
			ld, where,
			"category \"%s\" is not one of login, reservation, power_of_attorney, agency, estate",
			n->category);
	if (!(n->destination = rules_string(obj, "destination")) || !rb->destinations[own])
		return;
	if (!json_object_get(rb->destinations[own], n->destination)) {
		if (rb->destinations[other] &&
		    json_object_get(rb->destinations[other], n->destination))
			rules_problem(ld, where, "destination \"%s\" belongs to %s, not %s",
				      n->destination, names_countries[other], names_countries[own]);
		else
			rules_problem(ld, where,
				      "destination \"%s\" is not in destinations/%s.json",
				      n->destination, names_countries[own]);
	}
}

static int rules_id_valid(const char *id)
{
	return *id && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(id);
}

/* Numbers every question and result (questions first), so conditions and
 * problems can name them. */
static void rules_index_nodes(struct rules_loader *ld, struct rules_tree *t, const json_t *list,
			      const char *kind)
{
	const char *id;
	json_t *obj;
	char where[256];
	size_t i;

	json_array_foreach(list, i, obj) {
		struct rules_node *n = &t->nodes[t->nnodes];

		snprintf(where, sizeof(where), "%s %zu", kind, i + 1);
		if (!json_is_object(obj) || !(id = rules_string(obj, "id")))
			id = "";
		else if (!rules_id_valid(id))
			rules_problem(ld, where,
				      "id \"%s\" may only use a-z, 0-9, '_', '.' and '-'", id);
		else if (json_object_get(t->index, id))
			rules_problem(ld, where, "id \"%s\" is used twice", id);
		else
			json_object_set_new(t->index, id, json_integer((json_int_t)t->nnodes));
		n->id = id;
		t->nnodes++;
	}
}

static void rules_parse_nodes(struct rules_loader *ld, struct rules_tree *t, const json_t *list,
			      size_t first, int questions)
{
	char where[256];
	json_t *obj;
	size_t i;

	json_array_foreach(list, i, obj) {
		struct rules_node *n = &t->nodes[first + i];

		if (*n->id)
			snprintf(where, sizeof(where), "%s \"%s\"",
				 questions ? "question" : "result", n->id);
		else
			snprintf(where, sizeof(where), "%s %zu", questions ? "question" : "result",
				 i + 1);
		if (!json_is_object(obj)) {
			rules_problem(ld, where, "must be an object, got %s", rules_json_type(obj));
			continue;
		}
		if (questions)
			rules_parse_question(ld, t, n, where, obj);
		else
			rules_parse_result(ld, t, n, where, obj);
	}
}

/* Exactly one result matches every walk: the one with an empty `when`. */
static void rules_find_fallback(struct rules_loader *ld, struct rules_tree *t)
{
	size_t r;

	t->fallback = RULES_NO_NODE;
	for (r = t->questions; r < t->nnodes; r++) {
		/* As written, not as parsed: a `when` whose facts were all
		 * reported (or could not be checked) is not a second fallback. */
		const json_t *when = json_object_get(
			json_array_get(json_object_get(t->root, "results"), r - t->questions),
			"when");

		if (!json_is_object(when) || json_object_size(when))
			continue;
		if (t->fallback != RULES_NO_NODE)
			rules_problem(
				ld, NULL,
				"results \"%s\" and \"%s\" both have an empty \"when\"; one fallback only",
				t->nodes[t->fallback].id, t->nodes[r].id);
		else
			t->fallback = r;
	}
	if (t->fallback != RULES_NO_NODE && !t->nodes[t->fallback].citizen)
		rules_problem(ld, NULL, "the fallback \"%s\" must be for citizens too",
			      t->nodes[t->fallback].id);
	if (t->fallback == RULES_NO_NODE && t->results)
		rules_problem(
			ld, NULL,
			"no result has an empty \"when\": callers who know nothing need a fallback");
}

/* Step 1: an empty tree for country c around its file's root (which it
 * owns from now on); NULL when out of memory. */
static struct rules_tree *rules_load_tree_new(struct rules_loader *ld, enum rules_country c,
					      json_t *root)
{
	struct rules_tree *t = calloc(1, sizeof(*t));

	if (!t) {
		rules_problem(ld, NULL, "out of memory");
		json_decref(root);
		return NULL;
	}
	t->rb = ld->rb;
	t->root = root;
	t->country = names_countries[c];
	t->index = json_object();
	t->fallback = RULES_NO_NODE;
	for (size_t i = 0; i < RULES_MAX_FACTS; i++)
		t->question_of[i] = RULES_NO_NODE;
	return t;
}

/* Step 2: the questions and results, indexed by id and parsed, with room
 * for their wire texts in every language. -1 when the tree cannot be
 * built further (too many results, out of memory: reported). */
static int rules_load_tree_nodes(struct rules_loader *ld, struct rules_tree *t, json_t *questions,
				 json_t *results)
{
	size_t nq = json_array_size(questions), nr = json_array_size(results);

	if (results && !nr)
		rules_problem(ld, NULL, "\"results\" is empty");
	if (nr > RULES_MAX_RESULTS) {
		rules_problem(ld, NULL, "more than %d results", RULES_MAX_RESULTS);
		return -1;
	}
	t->nlangs = t->langs ? json_array_size(t->langs) : 0;
	if (!(t->nodes = calloc(nq + nr + 1, sizeof(*t->nodes))) ||
	    !(t->wire = calloc((nq + 2 * nr) * t->nlangs + 1, sizeof(*t->wire))) ||
	    !(t->option_base = calloc(nq + 1, sizeof(*t->option_base)))) {
		rules_problem(ld, NULL, "out of memory");
		return -1;
	}
	rules_index_nodes(ld, t, questions, "question");
	rules_index_nodes(ld, t, results, "result");
	t->questions = nq;
	t->results = nr;
	rules_parse_nodes(ld, t, questions, 0, 1);
	rules_parse_nodes(ld, t, results, nq, 0);
	for (size_t i = 0; i < nq; i++) {
		t->option_base[i] = t->noption_slots;
		t->noption_slots += t->nodes[i].noptions;
	}
	if (!(t->option_wire = calloc(t->noption_slots * t->nlangs + 1, sizeof(*t->option_wire)))) {
		rules_problem(ld, NULL, "out of memory");
		return -1;
	}
	return 0;
}

struct rules_tree *rules_load_tree(struct rules_loader *ld, enum rules_country c)
{
	struct rules_tree *t;
	json_t *root, *questions, *results;
	char name[16];

	snprintf(name, sizeof(name), "%s.json", names_countries[c]);
	if (!(root = rules_read(ld, name)) || !(t = rules_load_tree_new(ld, c, root)))
		return NULL;
	ld->country = c;
	rules_check_keys(ld, NULL, root, rules_tree_keys);
	rules_check_country(ld, root, t->country);
	if ((t->version = rules_string(root, "version")) && !*t->version)
		rules_problem(ld, NULL, "\"version\" must not be empty");
	rules_check_langs(ld, t);
	questions = rules_typed(root, "questions", RULES_ARRAY);
	results = rules_typed(root, "results", RULES_ARRAY);
	if (rules_load_tree_nodes(ld, t, questions, results))
		return t;
	rules_find_fallback(ld, t);
	if (t->langs && ld->rb->destinations[c])
		rules_check_destination_langs(ld, c, t->langs);
	snprintf(ld->file, sizeof(ld->file), "%s/%s", ld->dir, name);
	/* The walk-level checks need every node sound; report those first. */
	if (!ld->problems && t->langs)
		rules_check_tree(ld, t);
	return t;
}

void rules_tree_free(struct rules_tree *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nnodes; i++) {
		free(t->nodes[i].options);
		free(t->nodes[i].when);
		free(t->nodes[i].about);
	}
	for (i = 0; t->wire && i < (t->questions + 2 * t->results) * t->nlangs; i++)
		free(t->wire[i].text);
	for (i = 0; t->option_wire && i < t->noption_slots * t->nlangs; i++)
		free(t->option_wire[i].text);
	free(t->option_wire);
	free(t->option_base);
	free(t->wire);
	free(t->beats);
	free(t->ix.mem);
	free(t->memo);
	free(t->nodes);
	json_decref(t->index);
	json_decref(t->root);
	free(t);
}
