/* triage_engine.c - where a walk goes from the facts it has.
 *
 * Given facts (rules_state) and what their answers imply, the engine takes
 * the best result they decide and asks a question whose fact a result that
 * could still win needs: an "early" one first, else the one whose answers
 * most often end the walk at once (the authors' order settles ties),
 * offering only the values such results name (all of them when one of
 * those results takes "unknown"). The choice depends on the facts alone, so
 * it is kept per state in a small cache on the tree (written only by the
 * thread that walks the tree: the loader while it checks a new tree, then
 * the service thread). triage.c calls it after every change of a walk, and
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

/* What each option implies ("implies" in the tree), by fact and value. */
static void triage_implies_build(struct rules_tree *t)
{
	struct rules_index *ix = &t->ix;

	for (size_t i = 0; i < RULES_MAX_FACTS * RULES_MAX_VALUES; i++)
		ix->implies[i] = -1;
	for (size_t q = 0; q < t->questions; q++)
		for (size_t o = 0; o < t->nodes[q].noptions; o++) {
			const struct rules_option *op = &t->nodes[q].options[o];

			if (op->implies.fact >= 0 && op->vindex >= 0)
				ix->implies[t->nodes[q].findex * RULES_MAX_VALUES + op->vindex] =
					(int16_t)(op->implies.fact * RULES_MAX_VALUES +
						  __builtin_ctzll(op->implies.values));
		}
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
	triage_implies_build(t);
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
	/* A result is not for a caller whose known topic (any `about` fact)
	 * it is not about: a walk about that topic never asks its facts, so
	 * the same facts given at once must not end there either. */
	TRIAGE_EACH(t, decided, r)
		if (r != best && triage_beats(t, r, best) && triage_about(t, s, &t->nodes[r]))
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

/* s with what its facts imply (options' "implies") for facts it does not
 * know, or knows only as "unknown" (a caller who could not say the topic
 * but wants to stop telemarketing is asking about post); two facts that
 * imply different values imply nothing. */
static const struct rules_state *
triage_implied(const struct rules_tree *t, const struct rules_state *s, struct rules_state *out)
{
	int16_t got[RULES_MAX_FACTS];
	uint64_t open = 0, set = 0, clash = 0;

	for (uint64_t k = s->known; k; k &= k - 1) {
		int f = __builtin_ctzll(k), imp = t->ix.implies[f * RULES_MAX_VALUES + s->value[f]];
		int g = imp / RULES_MAX_VALUES, w = imp % RULES_MAX_VALUES;
		uint64_t bit = UINT64_C(1) << g;

		if (imp < 0 || ((s->known & bit) && s->value[g] != t->rb->unknown_value[g]))
			continue;
		if ((set & bit) && got[g] != w)
			clash |= bit;
		set |= bit;
		got[g] = (int16_t)w;
		open |= bit;
	}
	open &= ~clash;
	if (!open)
		return s;
	*out = *s;
	for (; open; open &= open - 1) {
		int g = __builtin_ctzll(open);

		out->value[g] = got[g];
		out->known |= UINT64_C(1) << g;
	}
	return out;
}

/* The facts that results which could still beat the best one need, and
 * into contender those results; *best the best result the facts decide. */
static uint64_t triage_contenders(const struct rules_tree *t, const struct rules_state *s,
				  int citizen, uint64_t contender[TRIAGE_WORDS], size_t *best)
{
	uint64_t askable = t->askable[citizen ? 1 : 0], need = 0;
	const uint64_t *beat;
	const struct rules_node *n;
	size_t r, w;

	*best = triage_decided(t, s, citizen, contender);
	beat = t->ix.beaten_by + (*best - t->questions) * t->ix.nw;
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
	return need;
}

/* The `about` facts of best that are not known yet and could rule it out:
 * a walk whose facts decide best before its topic is known asks the topic
 * before it ends there, as a walk that learned the topic first would have. */
static uint64_t triage_about_open(const struct rules_tree *t, const struct rules_state *s,
				  int citizen, size_t best)
{
	const struct rules_node *n = &t->nodes[best];
	uint64_t open = 0;

	for (size_t i = 0; i < n->nabout; i++) {
		int f = n->about[i].fact, u = t->rb->unknown_value[f];
		size_t q = t->question_of[f];
		uint64_t values = 0;

		if ((s->known & (UINT64_C(1) << f)) || q == RULES_NO_NODE ||
		    (citizen && !t->nodes[q].citizen))
			continue;
		for (size_t o = 0; o < t->nodes[q].noptions; o++)
			values |= UINT64_C(1) << t->nodes[q].options[o].vindex;
		if (u >= 0)
			values &= ~(UINT64_C(1) << u);
		if (values & ~n->about[i].values)
			open |= UINT64_C(1) << f;
	}
	return open;
}

/* The facts still to ask: those contenders need, or else the `about` facts
 * the best result waits for. */
static uint64_t triage_open(const struct rules_tree *t, const struct rules_state *s, int citizen,
			    uint64_t contender[TRIAGE_WORDS], size_t *best)
{
	uint64_t need = triage_contenders(t, s, citizen, contender, best);

	return need ? need : triage_about_open(t, s, citizen, *best);
}

/* The options question q offers: the values some contender names, or every
 * option when one of them takes "unknown" for its fact. */
static uint64_t triage_offer(const struct rules_tree *t, const uint64_t *contender, size_t q)
{
	uint64_t offer = 0;
	const struct rules_node *n;
	size_t r, i;
	int u = t->rb->unknown_value[t->nodes[q].findex];

	TRIAGE_EACH(t, contender, r) {
		n = &t->nodes[r];
		for (i = 0; i < n->nwhen; i++)
			if (n->when[i].fact == t->nodes[q].findex)
				offer |= n->when[i].values;
	}
	/* A result that takes "unknown" for this fact must not catch a caller
	 * whose value is merely not on the list: "don't know" would be their
	 * only answer, and the walk would end where the same facts given at
	 * once do not. So then every option is offered. */
	if (u >= 0 && (offer & (UINT64_C(1) << u)))
		offer = ~UINT64_C(0);
	return offer;
}

/* Of question q's offered answers, how many end the walk at once. */
static int triage_endings(const struct rules_tree *t, const struct rules_state *s, int citizen,
			  size_t q, uint64_t offer)
{
	const struct rules_node *n = &t->nodes[q];
	struct rules_state next = *s;
	uint64_t contender[TRIAGE_WORDS];
	size_t best;
	int ends = 0;

	next.known |= UINT64_C(1) << n->findex;
	for (size_t i = 0; i < n->noptions; i++) {
		struct rules_state implied;

		if (!(offer & (UINT64_C(1) << n->options[i].vindex)))
			continue;
		next.value[n->findex] = (int16_t)n->options[i].vindex;
		ends += !triage_open(t, triage_implied(t, &next, &implied), citizen, contender,
				     &best);
	}
	return ends;
}

/* The question to ask, found the long way (see triage_next). */
static size_t triage_choose(const struct rules_tree *t, const struct rules_state *given,
			    int citizen, uint64_t *offer)
{
	struct rules_state implied;
	const struct rules_state *s = triage_implied(t, given, &implied);
	uint64_t contender[TRIAGE_WORDS];
	size_t best, q, pick = t->questions;
	int most = -1;
	uint64_t need = triage_contenders(t, s, citizen, contender, &best);
	uint64_t about = triage_about_open(t, s, citizen, best);

	if (!need)
		need = about; /* as triage_open */

	*offer = 0;
	if (!need)
		return best;
	for (q = 0; q < t->questions; q++) {
		uint64_t o;
		int ends;

		if (!(need & (UINT64_C(1) << t->nodes[q].findex)) ||
		    (citizen && !t->nodes[q].citizen))
			continue;
		o = triage_offer(t, contender, q);
		if (t->nodes[q].early) {
			pick = q; /* the authors want it first, where it helps */
			*offer = o;
			break;
		}
		ends = triage_endings(t, s, citizen, q, o);
		if (ends > most) {
			most = ends;
			pick = q;
			*offer = o;
		}
	}
	/* Chosen on the options that tell results apart; shown with all of
	 * them where the authors say every caller has one of its values ("is
	 * it about you or someone else?" offering only "a business"), and
	 * where any answer may rule out the best result (its `about`): a
	 * caller whose topic is not on a short list would answer "don't know"
	 * and end where a walk that learned the topic first does not. */
	if (pick < t->questions &&
	    (t->nodes[pick].show_all || (about & (UINT64_C(1) << t->nodes[pick].findex))))
		*offer = ~UINT64_C(0);
	return pick;
}

/* A walk's state as a memo key: per fact its value, TRIAGE_NOT_KNOWN when
 * not known, and whether it is a citizen's walk. */
#define TRIAGE_NOT_KNOWN 0xff
#define TRIAGE_MEMO_SLOTS 4096 /* a power of two; about 300 KB per tree */

struct triage_memo_slot {
	uint8_t key[RULES_MAX_FACTS + 1];
	uint8_t used;
	uint16_t node;
	uint64_t offer;
};

struct triage_memo {
	struct triage_memo_slot slot[TRIAGE_MEMO_SLOTS];
};

size_t triage_next(const struct rules_tree *t, const struct rules_state *s, int citizen,
		   uint64_t *offer)
{
	struct rules_tree *mt = (struct rules_tree *)t; /* the memo is a cache */
	size_t n = t->rb->nfacts, node;
	uint8_t key[RULES_MAX_FACTS + 1];
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t f = 0; f < n; f++)
		key[f] = (s->known & (UINT64_C(1) << f)) ? (uint8_t)s->value[f] : TRIAGE_NOT_KNOWN;
	key[n] = (uint8_t) !!citizen;
	for (size_t i = 0; i <= n; i++)
		h = (h ^ key[i]) * 16777619u;
	if (!mt->memo)
		mt->memo = calloc(1, sizeof(*mt->memo));
	if (mt->memo) {
		struct triage_memo_slot *e = &mt->memo->slot[h & (TRIAGE_MEMO_SLOTS - 1)];

		if (e->used && !memcmp(e->key, key, n + 1)) {
			*offer = e->offer;
			return e->node;
		}
		node = triage_choose(t, s, citizen, offer);
		memcpy(e->key, key, n + 1);
		e->used = 1;
		e->node = (uint16_t)node;
		e->offer = *offer;
		return node;
	}
	return triage_choose(t, s, citizen, offer);
}

size_t triage_best_match(const struct rules_tree *t, const json_t *facts, int citizen)
{
	struct rules_state st = { .known = 0 }, implied;
	uint64_t open[TRIAGE_WORDS];

	for (size_t f = 0; f < t->rb->nfacts; f++) {
		const char *v = json_string_value(json_object_get(facts, t->rb->facts[f]));

		st.value[f] = (int16_t)triage_value(t, (int)f, rules_value_index(t->rb, (int)f, v));
		if (st.value[f] != RULES_NO_VALUE)
			st.known |= UINT64_C(1) << f;
	}
	return triage_decided(t, triage_implied(t, &st, &implied), citizen, open);
}
