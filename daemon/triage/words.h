/* words.h - the caller's own words become facts.
 *
 * rules/words.json lists, per fact value and language, the phrases that
 * signal it. A text and every phrase go through the same steps: lower case,
 * æ/ø/å (and their ASCII spellings aa/ae/oe) folded, split into words at
 * anything that is not a letter or digit, and each word reduced by the
 * language's Snowball stemmer. A phrase matches where its words stand in a
 * row; a phrase word ending in '*' matches any word it begins; a word of
 * five letters or more that is no known word also matches with one letter
 * wrong (in the same place), missing or extra, never onto a shorter word of
 * four letters; a phrase right after a negation word ("ikke", "not") does
 * not count, nor one right after the "eller"/"or" of "verken … eller".
 * A caller who speaks of themselves (words.json "speaker": "jeg", "I")
 * and names no one else - no relation, no authority, no estate - asks for
 * themselves (on_behalf = self).
 * A relation found also means the caller acts for another person, and a
 * number beside a relation or an age word is an age (not one written in
 * groups of three, an amount). Built once per rulebook; matching only
 * reads it, on the service thread. */
#ifndef VV_WORDS_H
#define VV_WORDS_H

#include <stddef.h>

#include <jansson.h>

struct words;

/* One fact understood: value index `value` of vocabulary fact `fact`, from
 * text[start .. start+len). */
struct words_hit {
	int fact, value;
	size_t start, len;
};

/* Called once per problem found while building, naming what is wrong. */
typedef void (*words_report_fn)(void *ctx, const char *problem);

/* Build from the parsed words.json and the vocabulary (fact id → array of
 * value ids, in the order whose indexes hits use). NULL after reporting
 * every problem (unknown facts or values, a phrase under two values of one
 * fact, a language without a stemmer). */
struct words *words_build(const json_t *root, const json_t *vocabulary, words_report_fn report,
			  void *ctx);
void words_free(struct words *w);

/* The facts text states, in lang ("nb", "nn", "da", "en"): at most one hit
 * per fact (the longest phrase, then the first; a fact whose words name two
 * values in different places of the text is left out, for the walk to ask,
 * unless words.json's "outranks" says one of them wins over the others;
 * a reading also gives what words.json's "implies" says it implies, where
 * the words leave that fact open),
 * up to max hits, in the order of the vocabulary's facts. Returns how many
 * were written. */
size_t words_derive(const struct words *w, const char *lang, const char *text, size_t len,
		    struct words_hit *out, size_t max);

#endif
