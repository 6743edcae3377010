/* triage.c - one walk: its facts, its path, and the step it sends.
 *
 * A walk's state is its facts. Nothing about where a walk is depends on how
 * the facts came (answers, prefilled, a handoff, in any order): after every
 * change the engine (triage_engine.c, triage_next) ends at the best result
 * the facts decide or asks the first question, in the authors' order, that
 * can still change the outcome. The path records the questions asked (and
 * jumps) for back, for the store and for the agent's trail. Each answer or
 * jump pushes one undo record; back pops it. */
#include "base/jbuf.h"
#include "rules_internal.h"
#include "base/util.h"

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
	size_t pin;        /* the pinned node before the move */
	int fact;          /* the fact the answer set, or -1 for a jump */
	json_t *old_value; /* that fact's value before the answer, or NULL */
};

/* One of these per triage session. */
struct triage {
	struct rulebook *rb; /* a reference, so a reload cannot free the tree */
	const struct rules_tree *tree;
	json_t *facts;         /* fact → value, as the protocol sends them */
	struct rules_state st; /* the same facts as indexes, for the engine */
	int citizen;           /* a citizen's walk: citizens' questions and voice */
	size_t pin;            /* a node the agent jumped to, or RULES_NO_NODE */
	size_t cur;            /* where the walk is */
	uint64_t offer;        /* at a question: the option values worth offering */
	size_t *path;          /* questions answered and nodes jumped to, in order */
	size_t npath, path_cap;
	struct triage_undo *undo;
	size_t nundo, undo_cap;
};

/* --- the walk ------------------------------------------------------------- */

static const struct rules_node *triage_node(const struct triage *tr)
{
	return &tr->tree->nodes[tr->cur];
}

static void triage_settle(struct triage *tr)
{
	if (tr->pin != RULES_NO_NODE) {
		tr->cur = tr->pin;
		tr->offer = ~UINT64_C(0);
		return;
	}
	tr->cur = triage_next(tr->tree, &tr->st, tr->citizen, &tr->offer);
}

/* Mirror fact f of tr->facts into tr->st. */
static void triage_sync(struct triage *tr, int f)
{
	const char *value = json_string_value(json_object_get(tr->facts, tr->rb->facts[f]));
	int v = triage_value(tr->tree, f, rules_value_index(tr->rb, f, value));

	tr->st.value[f] = (int16_t)v;
	if (v == RULES_NO_VALUE)
		tr->st.known &= ~(UINT64_C(1) << f);
	else
		tr->st.known |= UINT64_C(1) << f;
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

/* Records a move that has been made, so back can undo it. */
static int triage_record(struct triage *tr, const struct triage_undo *u)
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

static void triage_undo_move(struct triage *tr, struct triage_undo *u)
{
	tr->npath = u->path_len;
	tr->pin = u->pin;
	if (u->fact >= 0) {
		if (u->old_value)
			json_object_set_new(tr->facts, tr->rb->facts[u->fact], u->old_value);
		else
			json_object_del(tr->facts, tr->rb->facts[u->fact]);
		u->old_value = NULL;
		triage_sync(tr, u->fact);
	}
	triage_settle(tr);
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
			    int citizen, char *err, size_t errlen)
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
	tr->citizen = citizen;
	tr->pin = RULES_NO_NODE;
	/* Checked above to be fact → string. A shallow copy is enough: the walk
	 * replaces values and never changes a string in place; a deep copy was
	 * a tenth of a start's cost. */
	tr->facts = json_is_object(prefill) ? json_copy(prefill) : json_object();
	if (!tr->facts) {
		util_fail(err, errlen, "out of memory");
		triage_free(tr);
		return NULL;
	}
	for (size_t f = 0; f < rb->nfacts; f++)
		tr->st.value[f] = RULES_NO_VALUE;
	for (size_t f = 0; f < rb->nfacts; f++)
		if (json_object_get(tr->facts, rb->facts[f]))
			triage_sync(tr, (int)f);
	triage_settle(tr);
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

void triage_set_citizen(struct triage *tr, int citizen)
{
	tr->citizen = citizen;
	triage_settle(tr);
}

static size_t triage_option(const struct rules_node *n, const char *value)
{
	for (size_t i = 0; value && i < n->noptions; i++)
		if (!strcmp(n->options[i].value, value))
			return i;
	return RULES_NO_NODE;
}

int triage_answer(struct triage *tr, const char *value, char *err, size_t errlen)
{
	const struct rules_node *n = triage_node(tr);
	struct triage_undo u = { .path_len = tr->npath, .pin = tr->pin, .fact = -1 };
	char list[768];
	size_t i, len = 0;

	if (!n->is_question) {
		util_fail(err, errlen,
			  "the walk is at result \"%s\"; there is no question to answer", n->id);
		return -1;
	}
	/* Any option of the question is accepted, also one not offered right
	 * now: offering is about what is worth showing, not what is true. */
	if ((i = triage_option(n, value)) == RULES_NO_NODE) {
		for (i = 0; i < n->noptions; i++)
			len = rules_appendf(list, sizeof(list), len, "%s%s", i ? ", " : "",
					    n->options[i].value);
		util_fail(err, errlen,
			  "value \"%s\" is not an option of question \"%s\"; allowed: %s",
			  value ? value : "(none)", n->id, list);
		return -1;
	}
	if (tr->pin != tr->cur && triage_push(tr, tr->cur)) {
		util_fail(err, errlen, "the walk is too long");
		return -1;
	}
	/* Store "unknown" too: the fact has been asked and is not asked again. */
	u.fact = n->findex;
	u.old_value = json_incref(json_object_get(tr->facts, n->fact));
	json_object_set_new(tr->facts, n->fact, json_string(n->options[i].value));
	triage_sync(tr, n->findex);
	tr->pin = RULES_NO_NODE;
	if (triage_record(tr, &u)) {
		triage_undo_move(tr, &u);
		util_fail(err, errlen, "out of memory");
		return -1;
	}
	triage_settle(tr);
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
	struct triage_undo u = { .path_len = tr->npath, .pin = tr->pin, .fact = -1 };
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
	tr->pin = i;
	triage_settle(tr);
	return 0;
}

/* --- the step as the protocol sends it -------------------------------------- */

static json_t *triage_text(const json_t *texts, const char *lang)
{
	return json_string(json_string_value(json_object_get(texts, lang)));
}

/* A question's members up to its options, "[" included. */
static char *triage_question_head(const struct rules_node *n, const char *lang)
{
	json_t *q = json_pack("{s:s, s:s, s:o, s:b}", "node", n->id, "fact", n->fact, "text",
			      triage_text(n->text, lang), "citizen", n->citizen);
	char *text, *head = NULL;

	if (q && n->help)
		json_object_set_new(q, "help", triage_text(n->help, lang));
	if (q && (text = json_dumps(q, JSON_COMPACT))) {
		/* "{…}" becomes "{…,"options":[" */
		if ((head = malloc(strlen(text) + sizeof(",\"options\":[")))) {
			text[strlen(text) - 1] = '\0';
			sprintf(head, "%s,\"options\":[", text);
		}
		free(text);
	}
	json_decref(q);
	return head;
}

static char *triage_option_text(const struct rules_option *o, const char *lang)
{
	json_t *j =
		json_pack("{s:s, s:o}", "value", o->value, "label", triage_text(o->label, lang));
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return text;
}

/* A result without its closing brace: the facts that decided it follow. */
static char *triage_result_text(const struct rules_tree *t, const struct rules_node *n,
				const char *lang, int citizen)
{
	json_t *r = json_pack(
		"{s:s, s:o, s:s, s:b, s:o, s:o}", "node", n->id, "title",
		triage_text(n->title, lang), "category", n->category, "first_line", n->first_line,
		"advice", triage_text(citizen ? n->advice_citizen : n->advice_agent, lang),
		"destination", rules_destination_localized(t->rb, n->destination, lang));
	char *text = NULL;

	if (r && n->bring)
		json_object_set_new(r, "bring", triage_text(n->bring, lang));
	if (r && (text = json_dumps(r, JSON_COMPACT)))
		text[strlen(text) - 1] = '\0';
	json_decref(r);
	return text;
}

static const struct rules_wire *triage_cached(struct rules_wire *w, char *text)
{
	if (!w->text && (w->text = text))
		w->len = strlen(text);
	return w->text ? w : NULL;
}

/* The current node's question head or result in lang, serialized on first
 * use (see struct rules_tree). NULL when out of memory. */
static const struct rules_wire *triage_wire(const struct triage *tr, size_t slot)
{
	const struct rules_tree *t = tr->tree;
	const char *lang = json_string_value(json_array_get(t->langs, slot));
	const struct rules_node *n = triage_node(tr);
	struct rules_wire *w;

	if (n->is_question) {
		w = &t->wire[tr->cur * t->nlangs + slot];
		return w->text ? w : triage_cached(w, triage_question_head(n, lang));
	}
	w = &t->wire[(t->questions + 2 * (tr->cur - t->questions) + (tr->citizen ? 1 : 0)) *
			     t->nlangs +
		     slot];
	return w->text ? w : triage_cached(w, triage_result_text(t, n, lang, tr->citizen));
}

static int triage_write_options(const struct triage *tr, size_t slot, struct jbuf *b)
{
	const struct rules_tree *t = tr->tree;
	const struct rules_node *n = triage_node(tr);
	const char *lang = json_string_value(json_array_get(t->langs, slot));
	const struct rules_wire *w;
	int first = 1;

	for (size_t i = 0; i < n->noptions; i++) {
		if (i != n->unknown_option && !(tr->offer & (UINT64_C(1) << n->options[i].vindex)))
			continue;
		w = &t->option_wire[(t->option_base[tr->cur] + i) * t->nlangs + slot];
		if (!w->text && !triage_cached((struct rules_wire *)w,
					       triage_option_text(&n->options[i], lang)))
			return -1;
		if (!first)
			jbuf_raw(b, ",", 1);
		jbuf_raw(b, w->text, w->len);
		first = 0;
	}
	return 0;
}

/* The facts that decided the result, with the label the caller heard:
 * [{"fact":"login_method","value":"bankid","label":"BankID"},…]. */
static void triage_write_because(const struct triage *tr, size_t slot, struct jbuf *b)
{
	const struct rules_tree *t = tr->tree;
	const struct rules_node *n = triage_node(tr), *q;
	const char *lang = json_string_value(json_array_get(t->langs, slot)), *value, *label;
	int first = 1;

	jbuf_lit(b, ",\"because\":[");
	for (size_t i = 0; i < n->nwhen; i++) {
		int f = n->when[i].fact;

		/* A result the agent jumped to: facts not known, or known
		 * but not what it needs, did not decide it. */
		if (tr->st.value[f] == RULES_NO_VALUE ||
		    !(n->when[i].values & (UINT64_C(1) << tr->st.value[f])))
			continue;
		value = tr->rb->facts[f]
				? json_string_value(json_object_get(tr->facts, tr->rb->facts[f]))
				: NULL;
		q = &t->nodes[t->question_of[f]];
		label = value;
		/* By the value the engine read: one the tree cannot tell apart
		 * decided as "unknown" (triage_value), and says so. */
		for (size_t o = 0; o < q->noptions; o++)
			if (q->options[o].vindex == tr->st.value[f]) {
				value = q->options[o].value;
				label = json_string_value(
					json_object_get(q->options[o].label, lang));
			}
		jbuf_lit(b, first ? "{\"fact\":" : ",{\"fact\":");
		jbuf_str(b, tr->rb->facts[f]);
		jbuf_lit(b, ",\"value\":");
		jbuf_str(b, value);
		jbuf_lit(b, ",\"label\":");
		jbuf_str(b, label);
		jbuf_raw(b, "}", 1);
		first = 0;
	}
	jbuf_lit(b, "]}");
}

void triage_step_write(const struct triage *tr, const char *lang, struct jbuf *b)
{
	size_t slot = rules_lang_slot(tr->tree, lang);
	const struct rules_wire *w = triage_wire(tr, slot);

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
	if (triage_at_result(tr)) {
		triage_write_because(tr, slot, b);
	} else {
		if (triage_write_options(tr, slot, b))
			b->oom = 1;
		jbuf_lit(b, "]}");
	}
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
	if (!tr->npath || tr->path[tr->npath - 1] != tr->cur) {
		jbuf_lit(b, i ? ",\"" : "\"");
		jbuf_lit(b, triage_node(tr)->id);
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
	struct jbuf b = { 0 };
	json_t *path = NULL;

	triage_path_write(tr, &b);
	if (!b.oom)
		path = json_loadb(b.p, b.len, 0, NULL);
	jbuf_free(&b);
	return path;
}

const struct rules_tree *triage_tree(const struct triage *tr)
{
	return tr->tree;
}
