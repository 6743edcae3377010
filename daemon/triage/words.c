/* words.c - the caller's own words become facts (words.h): the words of a
 * text are looked up among the phrases, with one typo allowed in longer
 * words, negations and ages read around them. */
#include "words_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Negations are looked up as written, not stemmed (words_add_set). */
static int words_is_negation(const struct words_lang *l, const struct words_token *t)
{
	return json_object_get(l->negation, t->raw) != NULL;
}

/* The phrase stem a word of the text stands for, allowing one typo. */
static const char *words_canon(const struct words_lang *l, const struct words_token *t)
{
	char del[WORDS_WORD_MAX];
	const char *s, *stem = t->stem;
	size_t n = strlen(stem);

	if ((s = json_string_value(json_object_get(l->known, stem))))
		return s;
	/* A negation or age word is a known word too, not a typo ("åring"), and
	 * so is a plain word of the language that is one letter from a phrase's
	 * ("hello" is no "Helfo", "spørre" no "sperre"). */
	if (n < WORDS_FUZZY_MIN || words_is_negation(l, t) || json_object_get(l->age, stem) ||
	    json_object_get(l->plain, stem))
		return NULL;
	if ((s = json_string_value(json_object_get(l->typos, stem))) && *s)
		return s; /* a letter missing */
	for (size_t i = 0; i < n; i++) {
		words_delete(stem, n, i, del);
		/* Not onto a shorter stem: "their" is not "heir" with a typo. */
		if (n > WORDS_FUZZY_MIN && (s = json_string_value(json_object_get(l->known, del))))
			return s; /* one letter extra */
		/* The same letter deleted from both, or "mindre" would be "minid". */
		if ((s = json_string_value(json_object_get(l->typos, del))) && *s &&
		    !strncmp(s, stem, i) && !strcmp(s + i + 1, stem + i + 1))
			return s; /* one letter wrong */
	}
	return NULL;
}

static int words_part_matches(const struct words_part *p, const struct words_token *t)
{
	return p->prefix ? !strncmp(t->raw, p->s, strlen(p->s))
			 : t->canon && !strcmp(t->canon, p->s);
}

static int words_negated(const struct words_lang *l, const struct words_token *tok, size_t at)
{
	for (size_t k = 1; k <= WORDS_NEG_REACH && k <= at; k++)
		if (words_is_negation(l, &tok[at - k]))
			return 1;
	/* "verken pass eller førerkort": what follows "eller"/"or" shares the
	 * negation of the word before it. */
	for (size_t k = 1; k <= WORDS_NEG_REACH && k < at; k++)
		if (!strcmp(tok[at - k].raw, "eller") || !strcmp(tok[at - k].raw, "or"))
			return words_negated(l, tok, at - k - 1);
	return 0;
}

/* Every phrase found, before one reading per fact is chosen. */
struct words_found {
	struct words_hit hit;
	size_t n; /* the phrase's words */
};
#define WORDS_MAX_FOUND 128

/* Phrase pi at token at; its first `matched` words are known to match
 * (found by the first word's stem). */
static void words_try(const struct words_lang *l, size_t pi, size_t matched,
		      const struct words_token *tok, size_t ntok, size_t at,
		      struct words_found *found, size_t *nfound)
{
	const struct words_phrase *ph = &l->phrases[pi];

	if (at + ph->n > ntok || *nfound == WORDS_MAX_FOUND)
		return;
	for (size_t k = matched; k < ph->n; k++)
		if (!words_part_matches(&l->parts[ph->first + k], &tok[at + k]))
			return;
	if (!words_is_negation(l, &tok[at]) && words_negated(l, tok, at))
		return;
	found[(*nfound)++] = (struct words_found){ { ph->fact, ph->value, tok[at].start,
						     tok[at + ph->n - 1].end - tok[at].start },
						   ph->n };
}

static int words_overlap(const struct words_hit *a, const struct words_hit *b)
{
	return a->start < b->start + b->len && b->start < a->start + a->len;
}

/* One reading per fact: the longest phrase, then the earliest. A longer
 * phrase over the same words is a more specific meaning and wins; but two
 * phrases for different values of one fact in different places of the text
 * ("logge inn" … "fullmakt" as the topic) are two true readings the words
 * cannot weigh, so the fact is left out and the walk asks it (after
 * words_people: two relations still mean another person) - unless words.json
 * says which of them outranks the other: a death makes the dead person's
 * account an estate's matter, however the rest of the text reads. */
static void words_choose(const struct words *w, const struct words_found *found, size_t nfound,
			 struct words_hit *best, size_t *words, int *ambiguous)
{
	uint64_t standing[WORDS_MAX_FACTS] = { 0 };
	int stands[WORDS_MAX_FOUND];

	for (size_t i = 0; i < nfound; i++) {
		const struct words_found *f = &found[i];

		if (best[f->hit.fact].value < 0 || f->n > words[f->hit.fact]) {
			best[f->hit.fact] = f->hit;
			words[f->hit.fact] = f->n;
		}
	}
	for (size_t i = 0; i < nfound; i++) {
		const struct words_found *f = &found[i];

		stands[i] = 1;
		for (size_t j = 0; j < nfound && stands[i]; j++)
			stands[i] = !(found[j].hit.fact == f->hit.fact && found[j].n > f->n &&
				      words_overlap(&found[j].hit, &f->hit));
		if (stands[i])
			standing[f->hit.fact] |= UINT64_C(1) << f->hit.value;
		if (stands[i] && f->hit.value != best[f->hit.fact].value)
			ambiguous[f->hit.fact] = 1;
	}
	/* A reading that outranks every other one left standing wins. */
	for (size_t i = 0; i < nfound; i++) {
		const struct words_found *f = &found[i];
		uint64_t me = UINT64_C(1) << f->hit.value;

		if (ambiguous[f->hit.fact] && stands[i] &&
		    !(standing[f->hit.fact] & ~me & ~w->outranks[f->hit.fact][f->hit.value])) {
			best[f->hit.fact] = f->hit;
			ambiguous[f->hit.fact] = 0;
		}
	}
}

static int words_age_band(const struct words *w, int age)
{
	int i = age < 12 ? 0 : age == 12 ? 1 : age <= 14 ? 2 : age == 15 ? 3 : age <= 17 ? 4 : 5;

	return w->age_value[i];
}

/* A relation means another person; a number by it or by an age word is
 * that person's age ("mor på 88", "sønnen min på 14", "15 år"). */
static void words_people(const struct words *w, const struct words_lang *l,
			 const struct words_token *tok, size_t ntok, struct words_hit *best,
			 size_t *words)
{
	const struct words_hit *rel = w->relation >= 0 ? &best[w->relation] : NULL;
	size_t rel_end = 0;

	if (rel && rel->value >= 0 && w->on_behalf >= 0 && w->another_person >= 0 &&
	    best[w->on_behalf].value < 0) {
		best[w->on_behalf] =
			(struct words_hit){ w->on_behalf, w->another_person, rel->start, rel->len };
		words[w->on_behalf] = 1;
	}
	if (w->age_band < 0 || best[w->age_band].value >= 0)
		return;
	for (size_t i = 0; rel && rel->value >= 0 && i < ntok; i++)
		if (tok[i].start >= rel->start + rel->len) {
			rel_end = i;
			break;
		}
	for (size_t i = 0; i < ntok; i++) {
		int by_age_word = (i > 0 && json_object_get(l->age, tok[i - 1].stem)) ||
				  (i + 1 < ntok && json_object_get(l->age, tok[i + 1].stem));
		int by_relation = rel && rel->value >= 0 && rel_end && i >= rel_end &&
				  i - rel_end < WORDS_AGE_REACH;
		/* "på 30 000": a number split into groups of three is an amount. */
		int grouped =
			(i + 1 < ntok && tok[i + 1].number >= 0 && strlen(tok[i + 1].raw) == 3) ||
			(i > 0 && tok[i - 1].number >= 0 && strlen(tok[i].raw) == 3);
		int band;

		if (tok[i].number < 0 || tok[i].number > WORDS_MAX_AGE || grouped ||
		    !(by_age_word || by_relation) || (band = words_age_band(w, tok[i].number)) < 0)
			continue;
		best[w->age_band] = (struct words_hit){ w->age_band, band, tok[i].start,
							tok[i].end - tok[i].start };
		return;
	}
}

/* A caller who speaks of themselves ("jeg", "I") and names nobody else -
 * no one acted for, no relation, no role over another, no estate - is
 * asking for themselves: about half of callers act for someone, and those
 * say so ("mor", "for min far", "som verge"). A named other, or who it is
 * about read twice over, leaves the fact to the walk. */
static void words_speaker(const struct words *w, const struct words_lang *l,
			  const struct words_token *tok, size_t ntok, struct words_hit *best,
			  const int *ambiguous)
{
	int other =
		w->on_behalf < 0 || w->self < 0 || best[w->on_behalf].value >= 0 ||
		ambiguous[w->on_behalf] ||
		(w->relation >= 0 && (best[w->relation].value >= 0 || ambiguous[w->relation])) ||
		(w->authority >= 0 && (best[w->authority].value >= 0 || ambiguous[w->authority])) ||
		(w->topic >= 0 && w->estate >= 0 && best[w->topic].value == w->estate);

	for (size_t i = 0; !other && i < ntok; i++)
		if (json_object_get(l->speaker, tok[i].stem)) {
			best[w->on_behalf] =
				(struct words_hit){ w->on_behalf, w->self, tok[i].start,
						    tok[i].end - tok[i].start };
			return;
		}
}

/* What the readings imply (words.json "implies"), where the words left the
 * implied fact open: not named at all, and not named twice over (an
 * ambiguous fact stays for the walk to ask). */
static void words_implied(const struct words *w, struct words_hit *best, const int *ambiguous)
{
	for (size_t f = 0; f < WORDS_MAX_FACTS; f++) {
		int v = best[f].value, g = v >= 0 && !ambiguous[f] ? w->implied[f][v].fact : -1;

		if (g >= 0 && best[g].value < 0 && !ambiguous[g])
			best[g] = (struct words_hit){ g, w->implied[f][v].value, best[f].start,
						      best[f].len };
	}
}

size_t words_derive(const struct words *w, const char *lang, const char *text, size_t len,
		    struct words_hit *out, size_t max)
{
	struct words_token tok[WORDS_MAX_TOKENS];
	struct words_hit best[WORDS_MAX_FACTS];
	struct words_found found[WORDS_MAX_FOUND];
	size_t words[WORDS_MAX_FACTS] = { 0 }, ntok, n = 0, li, nfound = 0;
	int ambiguous[WORDS_MAX_FACTS] = { 0 };
	const struct words_lang *l;
	const json_t *list;

	for (li = 0; li < WORDS_NLANGS && (!lang || strcmp(words_langs[li].lang, lang)); li++)
		;
	if (!w || li == WORDS_NLANGS || !(l = &w->langs[li])->stemmer)
		return 0;
	for (size_t f = 0; f < WORDS_MAX_FACTS; f++)
		best[f].value = -1;
	ntok = words_split(l->stemmer, text, len, tok, WORDS_MAX_TOKENS);
	for (size_t i = 0; i < ntok; i++)
		tok[i].canon = words_canon(l, &tok[i]);
	for (size_t i = 0; i < ntok; i++) {
		char key3[WORDS_PREFIX_KEY + 1];
		const json_t *lists[3] = { NULL, NULL, l->short_prefixed };

		words_copy(key3, sizeof(key3), tok[i].raw, strnlen(tok[i].raw, WORDS_PREFIX_KEY));
		if (tok[i].canon)
			lists[0] = json_object_get(l->by_first, tok[i].canon);
		if (strlen(key3) == WORDS_PREFIX_KEY)
			lists[1] = json_object_get(l->prefixed, key3);
		for (size_t li2 = 0; li2 < 3; li2++)
			for (size_t k = 0; (list = lists[li2]) && k < json_array_size(list); k++)
				words_try(l, (size_t)json_integer_value(json_array_get(list, k)),
					  li2 == 0, tok, ntok, i, found, &nfound);
	}
	words_choose(w, found, nfound, best, words, ambiguous);
	words_people(w, l, tok, ntok, best, words);
	words_implied(w, best, ambiguous);
	words_speaker(w, l, tok, ntok, best, ambiguous);
	for (size_t f = 0; f < WORDS_MAX_FACTS && n < max; f++)
		if (best[f].value >= 0 && !ambiguous[f])
			out[n++] = best[f];
	return n;
}
