/* triage_engine.c - where a walk goes from the facts it has.
 *
 * Given facts (rules_state), the engine takes the best result they decide
 * and asks, in the authors' order, the first question whose fact a result
 * that could still win needs, offering only the values such results name
 * (all of them when one of those results takes "unknown").
 * It keeps no state: triage.c calls it after every change of a walk, and
 * rules_check.c walks every answer with it to prove a tree sound. */
#include "rules_internal.h"

static int triage_fits(const struct rules_state *s, const struct rules_cond *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int v = s->value[c[i].fact];

		if (v != RULES_NO_VALUE && !(c[i].values & (UINT64_C(1) << v)))
			return 0;
	}
	return 1;
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

/* The best result the facts already decide (t->fallback at worst). With
 * open, marks the results that fit the facts but are not decided yet. */
static size_t triage_decided(const struct rules_tree *t, const struct rules_state *s, int citizen,
			     unsigned char *open)
{
	size_t best = t->fallback;

	for (size_t r = t->questions; r < t->nnodes; r++) {
		const struct rules_node *n = &t->nodes[r];
		/* A citizen's own walk never ends at a result meant for agents. */
		int fits = (!citizen || n->citizen) && triage_fits(s, n->when, n->nwhen);
		int decided = fits && !(n->when_facts & ~s->known);

		if (open)
			open[r - t->questions] = fits && !decided;
		if (decided && r != best && triage_beats(t, r, best))
			best = r;
	}
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
	unsigned char contender[RULES_MAX_RESULTS];
	size_t best = triage_decided(t, s, citizen, contender), r, q, i;
	int u;
	const struct rules_node *n;

	/* Results that could still beat it, if the caller answers. */
	for (r = t->questions; r < t->nnodes; r++) {
		n = &t->nodes[r];
		if (!contender[r - t->questions] || !triage_beats(t, r, best) ||
		    (n->when_facts & ~s->known & ~askable) || !triage_about(t, s, n)) {
			contender[r - t->questions] = 0;
			continue;
		}
		need |= n->when_facts & ~s->known;
	}
	*offer = 0;
	if (!need)
		return best;
	for (q = 0; q < t->questions; q++)
		if ((need & (UINT64_C(1) << t->nodes[q].findex)) &&
		    (!citizen || t->nodes[q].citizen))
			break;
	for (r = t->questions; r < t->nnodes; r++) {
		if (!contender[r - t->questions])
			continue;
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

	for (size_t f = 0; f < t->rb->nfacts; f++) {
		const char *v = json_string_value(json_object_get(facts, t->rb->facts[f]));

		st.value[f] = (int16_t)triage_value(t, (int)f, rules_value_index(t->rb, (int)f, v));
		if (st.value[f] != RULES_NO_VALUE)
			st.known |= UINT64_C(1) << f;
	}
	return triage_decided(t, &st, citizen, NULL);
}
