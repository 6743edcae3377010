/* rules_check.c - prove a tree sound before it is used.
 *
 * Two results that can match the same facts must say which wins: by a
 * higher priority, or by one being strictly more specific (it names every
 * fact the other names, with the same or fewer values). Then every walk the
 * engine can take from no facts is tried, for agents and for citizens,
 * answering each question with every option it offers: each must end at a
 * result within RULES_MAX_QUESTIONS questions, and every result must be the
 * end of some walk. Any other mix of known and "unknown" facts also ends at
 * a result, because the fallback (empty `when`) always matches. */
#include "rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Walks tried per tree and audience before the check gives up: a tree that
 * needs more is too wide for an agent to walk anyway. */
#define RULES_CHECK_BUDGET 4000000
/* Overlap problems reported per tree; the rest are counted. */
#define RULES_CHECK_MAX_REPORTS 60

static const struct rules_cond *rules_cond_of(const struct rules_node *r, int fact)
{
	for (size_t i = 0; i < r->nwhen; i++)
		if (r->when[i].fact == fact)
			return &r->when[i];
	return NULL;
}

/* The id of the lowest value in values, a set of fact's values, for a
 * problem's text. */
static const char *rules_value_name(const struct rulebook *rb, int fact, uint64_t values)
{
	return json_string_value(json_array_get(rules_fact_values(rb, rb->facts[fact]),
						(size_t)__builtin_ctzll(values)));
}

/* Every walk that matches a also matches b. */
static int rules_subset(const struct rules_node *a, const struct rules_node *b)
{
	const struct rules_cond *ca;

	for (size_t i = 0; i < b->nwhen; i++)
		if (!(ca = rules_cond_of(a, b->when[i].fact)) || (ca->values & ~b->when[i].values))
			return 0;
	return 1;
}

/* Some set of facts matches both. */
static int rules_overlap(const struct rules_node *a, const struct rules_node *b)
{
	const struct rules_cond *cb;

	for (size_t i = 0; i < a->nwhen; i++)
		if ((cb = rules_cond_of(b, a->when[i].fact)) && !(cb->values & a->when[i].values))
			return 0;
	return 1;
}

static void rules_check_overlaps(struct rules_loader *ld, struct rules_tree *t)
{
	size_t nr = t->results, q = t->questions, reports = 0;

	if (!(t->beats = calloc(nr * nr + 1, 1))) {
		rules_problem(ld, NULL, "out of memory");
		return;
	}
	for (size_t a = 0; a < nr; a++)
		for (size_t b = 0; b < nr; b++) {
			const struct rules_node *ra = &t->nodes[q + a], *rb = &t->nodes[q + b];
			int ab = rules_subset(ra, rb), ba = rules_subset(rb, ra);

			if (a == b)
				continue;
			t->beats[a * nr + b] = ra->priority > rb->priority ||
					       (ra->priority == rb->priority && ab && !ba);
			if (a > b || ra->priority != rb->priority || (ab != ba) ||
			    !rules_overlap(ra, rb))
				continue;
			if (++reports <= RULES_CHECK_MAX_REPORTS)
				rules_problem(
					ld, NULL,
					"results \"%s\" and \"%s\" can match the same facts and neither wins: give one a higher \"priority\", or tell them apart by a fact",
					ra->id, rb->id);
		}
	if (reports > RULES_CHECK_MAX_REPORTS)
		rules_problem(ld, NULL, "and %zu more pairs of results like that",
			      reports - RULES_CHECK_MAX_REPORTS);
}

/* One audience's walks, tried depth first. */
struct rules_walker {
	struct rules_loader *ld;
	const struct rules_tree *t;
	int citizen;
	unsigned char *reached;
	size_t walks, depth, steps, too_deep;
	size_t asked[RULES_MAX_QUESTIONS];
	int answer[RULES_MAX_QUESTIONS];
};

static void rules_report_deep(struct rules_walker *w, size_t question)
{
	char path[1024];
	size_t len = 0;

	if (w->too_deep++)
		return; /* one example is enough to fix the tree */
	for (size_t i = 0; i < RULES_MAX_QUESTIONS; i++)
		len = rules_appendf(path, sizeof(path), len, "%s=%s → ",
				    w->t->nodes[w->asked[i]].id,
				    w->t->nodes[w->asked[i]].options[w->answer[i]].value);
	rules_appendf(path, sizeof(path), len, "%s", w->t->nodes[question].id);
	rules_problem(w->ld, NULL, "%s walk asks more than %d questions: %s",
		      w->citizen ? "a citizen's" : "an agent's", RULES_MAX_QUESTIONS, path);
}

static void rules_walk(struct rules_walker *w, const struct rules_state *s, size_t depth)
{
	const struct rules_tree *t = w->t;
	struct rules_state next;
	uint64_t offer;
	size_t n;

	if (++w->steps > RULES_CHECK_BUDGET)
		return;
	n = triage_next(t, s, w->citizen, &offer);
	if (!t->nodes[n].is_question) {
		w->reached[n - t->questions] = 1;
		w->walks++;
		if (depth > w->depth)
			w->depth = depth;
		return;
	}
	if (depth == RULES_MAX_QUESTIONS) {
		rules_report_deep(w, n);
		return;
	}
	w->asked[depth] = n;
	for (size_t o = 0; o < t->nodes[n].noptions; o++) {
		const struct rules_option *opt = &t->nodes[n].options[o];

		if (o != t->nodes[n].unknown_option && !(offer & (UINT64_C(1) << opt->vindex)))
			continue;
		next = *s;
		next.value[t->nodes[n].findex] = (int16_t)opt->vindex;
		next.known |= UINT64_C(1) << t->nodes[n].findex;
		w->answer[depth] = (int)o;
		rules_walk(w, &next, depth + 1);
	}
}

static void rules_check_walks(struct rules_loader *ld, struct rules_tree *t)
{
	struct rules_state empty;
	unsigned char *reached = calloc(t->results + 1, 1);

	if (!reached) {
		rules_problem(ld, NULL, "out of memory");
		return;
	}
	for (size_t f = 0; f < RULES_MAX_FACTS; f++)
		empty.value[f] = RULES_NO_VALUE;
	empty.known = 0;
	for (int citizen = 0; citizen <= 1; citizen++) {
		struct rules_walker w = {
			.ld = ld, .t = t, .citizen = citizen, .reached = reached
		};

		rules_walk(&w, &empty, 0);
		if (w.steps > RULES_CHECK_BUDGET)
			rules_problem(ld, NULL, "more than %d walks to try: the tree is too wide",
				      RULES_CHECK_BUDGET);
		if (!citizen) {
			t->depth = w.depth;
			t->walks = w.walks;
		}
	}
	/* The fallback need not be the end of any walk: it is the net under
	 * facts no walk asks for (prefilled, handed off). */
	for (size_t r = 0; r < t->results; r++)
		if (!reached[r] && t->questions + r != t->fallback)
			rules_problem(
				ld, NULL,
				"result \"%s\": no walk reaches it (a result that always wins over it matches the same facts, or its facts cannot all be asked)",
				t->nodes[t->questions + r].id);
	free(reached);
}

/* An option's "implies" must be true of every result that needs the
 * option's value: a caller who gives it would otherwise never reach them.
 * The implied fact must be one a question asks. */
static void rules_check_implies(struct rules_loader *ld, struct rules_tree *t)
{
	for (size_t q = 0; q < t->questions; q++) {
		const struct rules_node *n = &t->nodes[q];
		int unknown = n->findex >= 0 ? ld->rb->unknown_value[n->findex] : -1;
		char where[160];

		snprintf(where, sizeof(where), "question \"%s\"", n->id);
		for (size_t o = 0; o < n->noptions; o++) {
			const struct rules_option *op = &n->options[o];
			int g = op->implies.fact;

			if (g < 0 || op->vindex < 0)
				continue;
			if (t->question_of[g] == RULES_NO_NODE) {
				rules_problem(
					ld, where,
					"option \"%s\" implies fact \"%s\", which no question asks",
					op->value, ld->rb->facts[g]);
				continue;
			}
			for (size_t r = t->questions; r < t->nnodes; r++) {
				const struct rules_node *res = &t->nodes[r];
				const struct rules_cond *c = rules_cond_of(res, n->findex), *fam;

				if (!c || !(c->values & (UINT64_C(1) << op->vindex)) ||
				    (unknown >= 0 && (c->values & (UINT64_C(1) << unknown))))
					continue; /* does not need this value on purpose */
				fam = rules_cond_of(res, g);
				for (size_t i = 0; !fam && i < res->nabout; i++)
					if (res->about[i].fact == g)
						fam = &res->about[i];
				if (fam && !(fam->values & op->implies.values))
					rules_problem(
						ld, where,
						"option \"%s\" implies %s = %s, but result \"%s\" needs \"%s\" and is for another %s",
						op->value, ld->rb->facts[g],
						rules_value_name(ld->rb, g, op->implies.values),
						res->id, op->value, ld->rb->facts[g]);
			}
		}
	}
}

/* A result's `when` may not allow a value its own `about` leaves out (other
 * than "unknown"): given at once, such facts would reach it, while a walk
 * that learns the same value first never asks the rest of its facts - the
 * same problem, two answers. */
static void rules_check_about(struct rules_loader *ld, struct rules_tree *t)
{
	for (size_t r = t->questions; r < t->nnodes; r++) {
		const struct rules_node *res = &t->nodes[r];

		for (size_t i = 0; i < res->nabout; i++) {
			const struct rules_cond *a = &res->about[i],
						*c = rules_cond_of(res, a->fact);
			int unknown = ld->rb->unknown_value[a->fact];
			uint64_t extra = c ? c->values & ~a->values : 0;

			if (unknown >= 0)
				extra &= ~(UINT64_C(1) << unknown);
			if (extra)
				rules_problem(
					ld, NULL,
					"result \"%s\": its \"when\" allows %s = %s, which its \"about\" leaves out",
					res->id, ld->rb->facts[a->fact],
					rules_value_name(ld->rb, a->fact, extra));
		}
	}
}

void rules_check_tree(struct rules_loader *ld, struct rules_tree *t)
{
	unsigned before = ld->problems;

	if (t->fallback == RULES_NO_NODE)
		return;
	rules_check_overlaps(ld, t);
	rules_check_implies(ld, t);
	rules_check_about(ld, t);
	if (ld->problems == before && triage_index_build(t))
		rules_problem(ld, NULL, "out of memory");
	/* Walking needs every pair settled: an unsettled pair has no best. */
	if (ld->problems == before)
		rules_check_walks(ld, t);
}
