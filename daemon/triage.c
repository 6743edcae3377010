/* triage.c - one walk through a rule tree.
 *
 * The walk's state is its facts and its path. Every answer ends in
 * triage_settle, which answers questions whose fact is already known, so the
 * walk only ever stops at a question whose fact nobody has given yet or at a
 * result. Each answer or jump pushes one undo record; back pops it, which is
 * all it takes to restore the path and the one fact that answer set. */
#include "jbuf.h"
#include "rules_internal.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers end at a result within a tree's depth, so only jumps can grow the
 * path without end; a walk this long is a client bug, not a caller. */
#define TRIAGE_MAX_PATH 1024

/* What back needs to undo one answer or jump. */
struct triage_undo {
	size_t path_len;   /* the path's length before the move */
	const char *fact;  /* the fact the answer set; NULL for a jump */
	json_t *old_value; /* that fact's value before the answer, or NULL */
};

/* One of these per triage session. */
struct triage {
	struct rulebook *rb; /* a reference, so a reload cannot free the tree */
	const struct rules_tree *tree;
	json_t *facts;
	size_t *path; /* node indexes; the last one is where the walk is */
	size_t npath, path_cap;
	struct triage_undo *undo;
	size_t nundo, undo_cap;
};

static const struct rules_node *triage_node(const struct triage *tr)
{
	return &tr->tree->nodes[tr->path[tr->npath - 1]];
}

/* Room for one more element in an array that grows by doubling; NULL (and
 * the array untouched) when out of memory. */
static void *triage_grow(void *array, size_t *cap, size_t size)
{
	size_t n = 2 * (*cap + 8);

	if (!(array = realloc(array, n * size)))
		return NULL;
	*cap = n;
	return array;
}

static int triage_push(struct triage *tr, size_t node)
{
	size_t *path;

	if (tr->npath >= TRIAGE_MAX_PATH)
		return -1;
	if (tr->npath == tr->path_cap) {
		if (!(path = triage_grow(tr->path, &tr->path_cap, sizeof(*path))))
			return -1;
		tr->path = path;
	}
	tr->path[tr->npath++] = node;
	return 0;
}

static size_t triage_option(const struct rules_node *n, const char *value)
{
	size_t i;

	for (i = 0; value && i < n->noptions; i++)
		if (!strcmp(n->options[i].value, value))
			return i;
	return RULES_NO_NODE;
}

/* Answers every question whose fact is known: with the option of that value,
 * or the `unknown` option when no option has it. Ends because trees have no
 * cycles (checked at load). */
static int triage_settle(struct triage *tr)
{
	const struct rules_node *n;
	const char *value;
	size_t i;

	for (n = triage_node(tr); n->is_question; n = triage_node(tr)) {
		if (!(value = json_string_value(json_object_get(tr->facts, n->fact))))
			return 0;
		if ((i = triage_option(n, value)) == RULES_NO_NODE)
			i = n->unknown_option;
		if (triage_push(tr, n->options[i].next))
			return -1;
	}
	return 0;
}

static void triage_undo_move(struct triage *tr, struct triage_undo *u)
{
	tr->npath = u->path_len;
	if (!u->fact)
		return;
	if (u->old_value)
		json_object_set_new(tr->facts, u->fact, u->old_value);
	else
		json_object_del(tr->facts, u->fact);
	u->old_value = NULL;
}

/* Records a move that has been made, so back can undo it. */
static int triage_record(struct triage *tr, struct triage_undo *u)
{
	struct triage_undo *undo;

	if (tr->nundo == tr->undo_cap) {
		if (!(undo = triage_grow(tr->undo, &tr->undo_cap, sizeof(*undo))))
			return -1;
		tr->undo = undo;
	}
	tr->undo[tr->nundo++] = *u;
	return 0;
}

/* Every prefilled fact and value must be in the vocabulary, and a country
 * fact must match the tree. */
static int triage_check_prefill(const struct rulebook *rb, const struct rules_tree *t,
				json_t *prefill, char *err, size_t errlen)
{
	const char *fact, *value;
	json_t *v, *values;
	char list[768];

	if (!prefill || json_is_null(prefill))
		return 0;
	if (!json_is_object(prefill)) {
		util_fail(err, errlen, "prefilled facts must be an object of fact → value");
		return -1;
	}
	json_object_foreach(prefill, fact, v) {
		if (!(values = rules_fact_values(rb, fact))) {
			rules_append_facts(list, sizeof(list), rb);
			util_fail(err, errlen, "unknown fact \"%s\"; facts: %s", fact, list);
			return -1;
		}
		value = json_string_value(v);
		/* The allowed list is only formatted for an error: starts are hot. */
		if (!value) {
			rules_append_list(list, sizeof(list), 0, values);
			util_fail(err, errlen, "fact \"%s\" must be a string; allowed: %s", fact,
				  list);
			return -1;
		}
		if (!rules_fact_valid(rb, fact, value)) {
			rules_append_list(list, sizeof(list), 0, values);
			util_fail(err, errlen,
				  "value \"%s\" is not a value of fact \"%s\"; allowed: %s", value,
				  fact, list);
			return -1;
		}
		if (!strcmp(fact, "country") && strcmp(value, t->country)) {
			util_fail(err, errlen,
				  "fact \"country\" is \"%s\", but this is the %s tree", value,
				  t->country);
			return -1;
		}
	}
	return 0;
}

struct triage *triage_start(struct rulebook *rb, const struct rules_tree *t, json_t *prefill,
			    char *err, size_t errlen)
{
	struct triage *tr;

	if (!rb || !t || t->rb != rb) {
		util_fail(err, errlen, "the tree is not part of this rulebook");
		return NULL;
	}
	if (triage_check_prefill(rb, t, prefill, err, errlen))
		return NULL;
	if (!(tr = calloc(1, sizeof(*tr)))) {
		util_fail(err, errlen, "out of memory");
		return NULL;
	}
	tr->rb = rules_ref(rb);
	tr->tree = t;
	/* Checked above to be fact → string. A shallow copy is enough: the walk
	 * replaces values and never changes a string in place; a deep copy was
	 * a tenth of a start's cost. */
	tr->facts = json_is_object(prefill) ? json_copy(prefill) : json_object();
	if (!tr->facts || triage_push(tr, t->start) || triage_settle(tr)) {
		util_fail(err, errlen, "out of memory");
		triage_free(tr);
		return NULL;
	}
	return tr;
}

void triage_free(struct triage *tr)
{
	size_t i;

	if (!tr)
		return;
	for (i = 0; i < tr->nundo; i++)
		json_decref(tr->undo[i].old_value);
	free(tr->undo);
	free(tr->path);
	json_decref(tr->facts);
	rules_unref(tr->rb);
	free(tr);
}

int triage_answer(struct triage *tr, const char *value, char *err, size_t errlen)
{
	const struct rules_node *n = triage_node(tr);
	struct triage_undo u = { .path_len = tr->npath };
	char list[512];
	size_t i, len = 0;

	if (!n->is_question) {
		util_fail(err, errlen,
			  "the walk is at result \"%s\"; there is no question to answer", n->id);
		return -1;
	}
	if ((i = triage_option(n, value)) == RULES_NO_NODE) {
		for (i = 0; i < n->noptions; i++)
			len = rules_appendf(list, sizeof(list), len, "%s%s", i ? ", " : "",
					    n->options[i].value);
		util_fail(err, errlen,
			  "value \"%s\" is not an option of question \"%s\"; allowed: %s",
			  value ? value : "(none)", n->id, list);
		return -1;
	}
	/* Store "unknown" too: the fact has been asked and is not asked again. */
	u.fact = n->fact;
	u.old_value = json_incref(json_object_get(tr->facts, n->fact));
	json_object_set_new(tr->facts, n->fact, json_string(n->options[i].value));
	if (triage_push(tr, n->options[i].next) || triage_settle(tr) || triage_record(tr, &u)) {
		triage_undo_move(tr, &u);
		util_fail(err, errlen, "the walk is too long (or out of memory)");
		return -1;
	}
	return 0;
}

int triage_back(struct triage *tr, char *err, size_t errlen)
{
	if (!tr->nundo) {
		util_fail(err, errlen, "nothing to go back to");
		return -1;
	}
	triage_undo_move(tr, &tr->undo[--tr->nundo]);
	return 0;
}

/* A jump lands exactly on the node asked for, even a question whose fact is
 * known: the agent chose it, typically to correct that very fact. */
int triage_jump(struct triage *tr, const char *node_id, char *err, size_t errlen)
{
	struct triage_undo u = { .path_len = tr->npath };
	size_t i = rules_node_index(tr->tree, node_id);

	if (i == RULES_NO_NODE) {
		util_fail(err, errlen, "no node \"%s\" in the %s tree",
			  node_id ? node_id : "(none)", tr->tree->country);
		return -1;
	}
	if (triage_push(tr, i) || triage_record(tr, &u)) {
		tr->npath = u.path_len;
		util_fail(err, errlen, "the walk is too long (or out of memory)");
		return -1;
	}
	return 0;
}

static json_t *triage_text(const json_t *texts, const char *lang)
{
	return json_string(json_string_value(json_object_get(texts, lang)));
}

static json_t *triage_question_json(const struct rules_node *n, const char *lang)
{
	json_t *q, *options = json_array();
	size_t i;

	for (i = 0; i < n->noptions; i++)
		json_array_append_new(options,
				      json_pack("{s:s, s:o}", "value", n->options[i].value, "label",
						triage_text(n->options[i].label, lang)));
	q = json_pack("{s:s, s:s, s:o, s:o, s:b}", "node", n->id, "fact", n->fact, "text",
		      triage_text(n->text, lang), "options", options, "citizen", n->citizen);
	if (q && n->help)
		json_object_set_new(q, "help", triage_text(n->help, lang));
	return q;
}

static json_t *triage_result_json(const struct rules_node *n, const char *lang)
{
	json_t *r;

	r = json_pack("{s:s, s:s, s:b, s:o, s:o}", "node", n->id, "category", n->category,
		      "first_line", n->first_line, "advice", triage_text(n->advice, lang),
		      "destination", json_deep_copy(n->destination_json));
	if (r && n->bring)
		json_object_set_new(r, "bring", triage_text(n->bring, lang));
	return r;
}

/* The current node's question or result in lang, serialized on first use
 * (see struct rules_tree). NULL when out of memory. */
static const struct rules_wire *triage_wire(const struct triage *tr, const char *lang)
{
	const struct rules_tree *t = tr->tree;
	size_t node = tr->path[tr->npath - 1], slot;
	struct rules_wire *w;
	json_t *j;

	for (slot = 0; slot < t->nlangs; slot++)
		if (!strcmp(json_string_value(json_array_get(t->langs, slot)), lang))
			break;
	if (slot == t->nlangs) /* the caller checks lang; a wrong one gets the first */
		slot = 0;
	w = &t->wire[node * t->nlangs + slot];
	if (!w->text) {
		lang = json_string_value(json_array_get(t->langs, slot));
		j = t->nodes[node].is_question ? triage_question_json(&t->nodes[node], lang)
					       : triage_result_json(&t->nodes[node], lang);
		w->text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		w->len = w->text ? strlen(w->text) : 0;
		json_decref(j);
	}
	return w->text ? w : NULL;
}

void triage_step_write(const struct triage *tr, const char *lang, struct jbuf *b)
{
	const struct rules_wire *w = triage_wire(tr, lang);

	if (!w) {
		b->oom = 1;
		return;
	}
	jbuf_lit(b, "\"facts\":");
	jbuf_json(b, tr->facts);
	jbuf_lit(b, ",\"path\":");
	triage_path_write(tr, b);
	jbuf_lit(b, triage_at_result(tr) ? ",\"result\":" : ",\"question\":");
	jbuf_raw(b, w->text, w->len);
}

void triage_path_write(const struct triage *tr, struct jbuf *b)
{
	size_t i;

	/* Node ids are plain by rule (rules_id_valid): nothing to escape. */
	jbuf_raw(b, "[", 1);
	for (i = 0; i < tr->npath; i++) {
		jbuf_lit(b, i ? ",\"" : "\"");
		jbuf_lit(b, tr->tree->nodes[tr->path[i]].id);
		jbuf_raw(b, "\"", 1);
	}
	jbuf_raw(b, "]", 1);
}

json_t *triage_step_json(const struct triage *tr, const char *lang)
{
	struct jbuf b = { 0 };
	json_t *step = NULL;

	jbuf_raw(&b, "{", 1);
	triage_step_write(tr, lang, &b);
	jbuf_raw(&b, "}", 1);
	if (!b.oom)
		step = json_loadb(b.p, b.len, 0, NULL);
	jbuf_free(&b);
	return step;
}

int triage_at_result(const struct triage *tr)
{
	return !triage_node(tr)->is_question;
}

const char *triage_result_category(const struct triage *tr)
{
	return triage_at_result(tr) ? triage_node(tr)->category : NULL;
}

const char *triage_result_destination(const struct triage *tr)
{
	return triage_at_result(tr) ? triage_node(tr)->destination : NULL;
}

json_t *triage_facts(const struct triage *tr)
{
	return tr->facts;
}

json_t *triage_path(const struct triage *tr)
{
	json_t *path = json_array();
	size_t i;

	for (i = 0; i < tr->npath; i++)
		json_array_append_new(path, json_string(tr->tree->nodes[tr->path[i]].id));
	return path;
}

const struct rules_tree *triage_tree(const struct triage *tr)
{
	return tr->tree;
}
