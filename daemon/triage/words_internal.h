/* words_internal.h - what words.c (matching), words_build.c (building the
 * tables from rules/words.json) and words_text.c (folding and splitting a
 * text into words) share. */
#ifndef VV_WORDS_INTERNAL_H
#define VV_WORDS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libstemmer.h>

#include "words.h"

#define WORDS_MAX_TOKENS 256 /* a 1,000-byte text has fewer words */
#define WORDS_WORD_MAX 48    /* longer "words" are not words a caller says */
#define WORDS_FUZZY_MIN 5    /* shorter words with a typo are other words */
#define WORDS_NEG_REACH 2    /* a negation counts this many words ahead */
#define WORDS_AGE_REACH 3    /* an age this many words after a relation */
#define WORDS_MAX_AGE 120
#define WORDS_PREFIX_KEY 3 /* prefix phrases are found by their first letters */

struct words_langdef {
	const char *lang, *algorithm;
};
extern const struct words_langdef words_langs[];
#define WORDS_NLANGS 4

/* One word of a phrase: its stem, or a prefix of the folded word. */
struct words_part {
	char *s;
	int prefix;
};

struct words_phrase {
	int fact, value;
	size_t first, n; /* parts[first .. first+n) */
};

struct words_lang {
	struct sb_stemmer *stemmer;
	struct words_part *parts;
	size_t nparts, parts_cap;
	struct words_phrase *phrases;
	size_t nphrases, phrases_cap;
	json_t *by_first;       /* stem → array of phrase indexes starting with it */
	json_t *prefixed;       /* first 3 letters of a prefix → phrases starting with it */
	json_t *short_prefixed; /* phrases whose first prefix is shorter than that */
	json_t *known;          /* every stem some phrase uses → true */
	json_t *typos;          /* a stem with one letter deleted → the stem (or "" if two) */
	json_t *negation, *age; /* stem → true */
	json_t *speaker;        /* stem → true: the caller speaking of themselves */
	json_t *plain;          /* stem → true: a word of its own, never a typo */
};

#define WORDS_MAX_FACTS 64 /* facts, and values of a fact: 64-bit masks, as in rules */

struct words {
	struct words_lang langs[WORDS_NLANGS];
	/* "outranks": the values of a fact that each value wins over (bit v
	 * for value v) when the text names both. */
	uint64_t outranks[WORDS_MAX_FACTS][WORDS_MAX_FACTS];
	/* "implies": reading value v of fact f also reads fact
	 * implied[f][v].fact = implied[f][v].value (fact -1: nothing), where the
	 * words name no value of it. */
	struct {
		int8_t fact, value;
	} implied[WORDS_MAX_FACTS][WORDS_MAX_FACTS];
	int relation, on_behalf, another_person, self, authority, topic, estate, age_band;
	int age_value[6]; /* under_12, age_12, age_13_14, age_15, age_16_17, adult */
};

/* One word of a text, with where it stood. */
struct words_token {
	char raw[WORDS_WORD_MAX]; /* folded, not stemmed */
	const char *canon;        /* the phrase stem it matches, or NULL */
	char stem[WORDS_WORD_MAX];
	size_t start, end;
	int number; /* its value if all digits, else -1 */
};

/* words_text.c */
int words_digits(const char *s);
/* out = s (n bytes) without its byte i. */
void words_delete(const char *s, size_t n, size_t i, char *out);
void words_copy(char *out, size_t size, const char *s, size_t n);
/* Split text into at most max words: folded, collapsed, stemmed. */
size_t words_split(struct sb_stemmer *st, const char *text, size_t len, struct words_token *tok,
		   size_t max);

#endif
