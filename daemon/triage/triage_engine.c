/* triage_engine.c - where a walk goes from the facts it has.
 *
 * Given facts (rules_state), the engine takes the best result they decide
 * and asks, in the authors' order, the first question whose fact a result
 * that could still win needs, offering only the values such results name
 * (all of them when one of those results takes "unknown").
 * It keeps no state: triage.c calls it after every change of a walk, and
 * rules_check.c walks every answer with it to prove a tree sound. */
#include "rules_internal.h"

#include <stdlib.h>
#include <string.h>

#define TRIAGE_WORDS (RULES_MAX_RESULTS / 64)

/* For each result in set, lowest first (the tree's order, so that ties
 * settle as they always did): r is its node index. */
#define TRIAGE_EACH(t, set, r)                                                                     \
	for (size_t w_ = 0; w_ < (t)->ix.nw; w_++)                                                 \
		for (uint64_t m_ = (set)[w_];                                                      \
		     m_ && ((r) = (t)->questions + 64 * w_ + (size_t)__builtin_ctzll(m_), 1);      \
		     m_ &= m_ - 1)

static void triage_set_bit(uint64_t *set, size_t i)
{
	set[i / 64] |= UINT64_C(1) << (i % 64);
}

static int triage_allows(const struct rules_node *n, size_t f, size_t v)
{
	for (size_t i = 0; i < n->nwhen; i++)
		if ((size_t)n->when[i].fact == f)
			return !!(n->when[i].values & (UINT64_C(1) << v));
	return 1;
}

int triage_index_build(struct rules_tree *t)
{
	struct rules_index *ix = &t->ix;
	size_t nf = t->rb->nfacts, nw = (t->results + 63) / 64, r, f, v;

	ix->nw = nw;
	ix->mem = calloc((2 + nf * RULES_MAX_VALUES + nf + t->results) * nw, sizeof(uint64_t));
	if (!ix->mem)
		return -1;
	ix->all = ix->mem;
	ix->citizen = ix->all + nw;
	ix->fit = ix->citizen + nw;
	ix->needs = ix->fit + nf * RULES_MAX_VALUES * nw;
	ix->beaten_by = ix->needs + nf * nw;
	for (r = 0; r < t->results; r++) {
		const struct rules_node *n = &t->nodes[t->questions + r];

		triage_set_bit(ix->all, r);
		if (n->citizen)
			triage_set_bit(ix->citizen, r);
		ix->named_facts |= n->when_facts;
		for (f = 0; f < nf; f++) {
			if (n->when_facts & (UINT64_C(1) << f))
				triage_set_bit(ix->needs + f * nw, r);
			for (v = 0; v < RULES_MAX_VALUES; v++)
				if (triage_allows(n, f, v))
					triage_set_bit(ix->fit + (f * RULES_MAX_VALUES + v) * nw,
						       r);
		}
		for (size_t b = 0; b < t->results; b++)
			if (t->beats[r * t->results + b])
				triage_set_bit(ix->beaten_by + b * nw, r);
	}
	return 0;
}

/* `about` is soft: an unknown or "unknown" fact fits it. */
static int triage_about(const struct rules_tree *t, const struct rules_state *s,
			const struct rules_node *r)
{
	for (size_t i = 0; i < r->nabout; i++) {
		int f = r->about[i].fact, v = s->value[f];

		if (v != RULES_NO_VALUE && v != t->rb->unknown_value[f] &&
		    !(r->about[i].values & (UINT64_C(1) << v)))
			return 0;
	}
	return 1;
}

static int triage_beats(const struct rules_tree *t, size_t a, size_t b)
{
	return t->beats[(a - t->questions) * t->results + (b - t->questions)];
}

/* The best result the facts already decide (t->fallback at worst). Into
 * open, the results that fit the facts but are not decided yet. */
static size_t triage_decided(const struct rules_tree *t, const struct rules_state *s, int citizen,
			     uint64_t open[TRIAGE_WORDS])
{
	const struct rules_index *ix = &t->ix;
	uint64_t fits[TRIAGE_WORDS], pending[TRIAGE_WORDS] = { 0 }, decided[TRIAGE_WORDS];
	uint64_t known = s->known & ix->named_facts, unknown = ix->named_facts & ~s->known;
	size_t best = t->fallback, w, r;

	/* A citizen's own walk never ends at a result meant for agents. */
	memcpy(fits, citizen ? ix->citizen : ix->all, ix->nw * sizeof(*fits));
	for (; known; known &= known - 1) {
		int f = __builtin_ctzll(known);
		const uint64_t *allow =
			ix->fit + ((size_t)f * RULES_MAX_VALUES + (size_t)s->value[f]) * ix->nw;

		for (w = 0; w < ix->nw; w++)
			fits[w] &= allow[w];
	}
	for (; unknown; unknown &= unknown - 1) {
		const uint64_t *needs = ix->needs + (size_t)__builtin_ctzll(unknown) * ix->nw;

		for (w = 0; w < ix->nw; w++)
			pending[w] |= needs[w];
	}
	for (w = 0; w < ix->nw; w++) {
		decided[w] = fits[w] & ~pending[w];
		open[w] = fits[w] & pending[w];
	}
	TRIAGE_EACH(t, decided, r)
		if (r != best && triage_beats(t, r, best))
			best = r;
	return best;
}

int triage_value(const struct rules_tree *t, int f, int v)
{
	int u = t->rb->unknown_value[f];

	if (v >= 0 && u >= 0 && t->question_of[f] != RULES_NO_NODE &&
	    !(t->named[f] & (UINT64_C(1) << v)))
		return u;
	return v;
}

size_t triage_next(const struct rules_tree *t, const struct rules_state *s, int citizen,
		   uint64_t *offer)
{
	uint64_t askable = t->askable[citizen ? 1 : 0], need = 0;
	uint64_t contender[TRIAGE_WORDS];
	size_t best = triage_decided(t, s, citizen, contender), r, q, i, w;
	const uint64_t *beat = t->ix.beaten_by + (best - t->questions) * t->ix.nw;
	int u;
	const struct rules_node *n;

	/* Results that could still beat it, if the caller answers. */
	for (w = 0; w < t->ix.nw; w++)
		contender[w] &= beat[w];
	TRIAGE_EACH(t, contender, r) {
		n = &t->nodes[r];
		if ((n->when_facts & ~s->known & ~askable) || !triage_about(t, s, n))
			contender[(r - t->questions) / 64] &=
				~(UINT64_C(1) << ((r - t->questions) % 64));
		else
			need |= n->when_facts & ~s->known;
	}
	*offer = 0;
	if (!need)
		return best;
	for (q = 0; q < t->questions; q++)
		if ((need & (UINT64_C(1) << t->nodes[q].findex)) &&
		    (!citizen || t->nodes[q].citizen))
			break;
	TRIAGE_EACH(t, contender, r) {
		n = &t->nodes[r];
		for (i = 0; i < n->nwhen; i++)
			if (n->when[i].fact == t->nodes[q].findex)
				*offer |= n->when[i].values;
	}
	/* A result that takes "unknown" for this fact must not catch a caller
	 * whose value is merely not on the list: "don't know" would be their
	 * only answer, and the walk would end where the same facts given at
	 * once do not. So then every option is offered. */
	u = t->rb->unknown_value[t->nodes[q].findex];
	if (u >= 0 && (*offer & (UINT64_C(1) << u)))
		*offer = ~UINT64_C(0);
	return q;
}

size_t triage_best_match(const struct rules_tree *t, const json_t *facts, int citizen)
{
	struct rules_state st = { .known = 0 };
	uint64_t open[TRIAGE_WORDS];

	for (size_t f = 0; f < t->rb->nfacts; f++) {
		const char *v = json_string_value(json_object_get(facts, t->rb->facts[f]));

		st.value[f] = (int16_t)triage_value(t, (int)f, rules_value_index(t->rb, (int)f, v));
		if (st.value[f] != RULES_NO_VALUE)
			st.known |= UINT64_C(1) << f;
	}
	return triage_decided(t, &st, citizen, open);
}
