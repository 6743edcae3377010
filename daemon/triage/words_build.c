/* words_build.c - the tables of words.h, built from rules/words.json and
 * checked against the vocabulary: each phrase is split and stemmed like a
 * caller's text (words_text.c) and indexed by its first word. */
#include "words_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct words_builder {
	struct words *w;
	const json_t *vocabulary;
	words_report_fn report;
	void *ctx;
	int problems;
};

static void words_problem(struct words_builder *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void words_problem(struct words_builder *b, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->problems++;
	if (b->report)
		b->report(b->ctx, msg);
}

/* --- words of a text ------------------------------------------------------ */

static int words_grow(void **array, size_t *cap, size_t need, size_t size)
{
	void *p;
	size_t n;

	if (need <= *cap)
		return 0;
	n = 2 * need + 16;
	if (!(p = realloc(*array, n * size)))
		return -1;
	*array = p;
	*cap = n;
	return 0;
}

/* Every stem with one letter deleted points back to the stem, so a word
 * with one letter wrong, missing or extra still finds it. */
static void words_add_typos(struct words_lang *l, const char *stem)
{
	char del[WORDS_WORD_MAX];
	size_t n = strlen(stem);
	const char *had;

	if (n < WORDS_FUZZY_MIN || words_digits(stem))
		return;
	for (size_t i = 0; i < n; i++) {
		words_delete(stem, n, i, del);
		had = json_string_value(json_object_get(l->typos, del));
		if (!had)
			json_object_set_new(l->typos, del, json_string(stem));
		else if (strcmp(had, stem))
			json_object_set_new(l->typos, del,
					    json_string("")); /* two stems: neither */
	}
}

static const char *words_fact_name(const json_t *vocabulary, int fact)
{
	const char *name;
	json_t *v;

	json_object_foreach((json_t *)vocabulary, name, v)
		if (!fact--)
			return name;
	return "";
}

/* Step 1: the phrase's n words as its parts (a stem, or as typed before a
 * '*'), known for spelling, and its key ("w1 w2*") in key; -1 when out of
 * memory (reported). */
static int words_add_phrase_parts(struct words_builder *b, struct words_lang *l, const char *text,
				  const struct words_token *tok, size_t n, char *key, size_t keylen,
				  size_t *klen)
{
	size_t len = strlen(text);

	for (size_t i = 0; i < n; i++) {
		/* A '*' right after the word (the text is read as typed). */
		int prefix = tok[i].end < len && text[tok[i].end] == '*';
		struct words_part *p = &l->parts[l->nparts++];

		p->prefix = prefix;
		p->s = strdup(prefix ? tok[i].raw : tok[i].stem);
		if (!p->s) {
			words_problem(b, "out of memory");
			return -1;
		}
		if (!prefix) {
			json_object_set_new(l->known, p->s, json_string(p->s));
			words_add_typos(l, p->s);
		}
		if (*klen < keylen - 1)
			*klen += (size_t)snprintf(key + *klen, keylen - *klen, "%s%s%s",
						  i ? " " : "", p->s, prefix ? "*" : "");
		if (*klen >= keylen)
			*klen = keylen - 1;
	}
	return 0;
}

/* Step 3: list the phrase (the next in l) under its first word, or under
 * the first WORDS_PREFIX_KEY letters of its first prefix. */
static void words_add_phrase_index(struct words_lang *l, const struct words_phrase *ph)
{
	json_t *list;

	if (l->parts[ph->first].prefix) {
		const char *pre = l->parts[ph->first].s;
		char key3[WORDS_PREFIX_KEY + 1];

		if (strlen(pre) < WORDS_PREFIX_KEY) {
			json_array_append_new(l->short_prefixed,
					      json_integer((json_int_t)l->nphrases));
		} else {
			words_copy(key3, sizeof(key3), pre, WORDS_PREFIX_KEY);
			if (!(list = json_object_get(l->prefixed, key3)))
				json_object_set_new(l->prefixed, key3, list = json_array());
			json_array_append_new(list, json_integer((json_int_t)l->nphrases));
		}
	} else {
		if (!(list = json_object_get(l->by_first, l->parts[ph->first].s)))
			json_object_set_new(l->by_first, l->parts[ph->first].s,
					    list = json_array());
		json_array_append_new(list, json_integer((json_int_t)l->nphrases));
	}
}

static void words_add_phrase(struct words_builder *b, struct words_lang *l, const char *lang,
			     int fact, int value, const char *text, json_t *seen)
{
	struct words_token tok[16];
	size_t n;
	struct words_phrase *ph;
	char key[512];
	const char *fname = words_fact_name(b->vocabulary, fact), *had, *vname;
	size_t klen = 0;

	n = words_split(l->stemmer, text, strlen(text), tok, 16);
	if (!n || n == 16) {
		words_problem(b, "%s: phrase \"%s\" has no words or too many", lang, text);
		return;
	}
	if (words_grow((void **)&l->parts, &l->parts_cap, l->nparts + n, sizeof(*l->parts)) ||
	    words_grow((void **)&l->phrases, &l->phrases_cap, l->nphrases + 1,
		       sizeof(*l->phrases))) {
		words_problem(b, "out of memory");
		return;
	}
	ph = &l->phrases[l->nphrases];
	*ph = (struct words_phrase){ fact, value, l->nparts, n };
	if (words_add_phrase_parts(b, l, text, tok, n, key, sizeof(key), &klen))
		return;
	/* Step 2: the same words for two values of one fact cannot both be right. */
	vname = json_string_value(
		json_array_get(json_object_get(b->vocabulary, fname), (size_t)value));
	snprintf(key + klen, sizeof(key) - klen, "|%s", fname);
	if ((had = json_string_value(json_object_get(seen, key))) && strcmp(had, vname)) {
		words_problem(b, "%s: phrase \"%s\" is listed for %s=%s and %s=%s", lang, text,
			      fname, had, fname, vname);
		return;
	}
	json_object_set_new(seen, key, json_string(vname));
	words_add_phrase_index(l, ph);
	l->nphrases++;
}

static int words_index(const json_t *list, const char *id)
{
	for (size_t i = 0; i < json_array_size(list); i++)
		if (!strcmp(json_string_value(json_array_get(list, i)), id))
			return (int)i;
	return -1;
}

static int words_fact_index(const json_t *vocabulary, const char *fact)
{
	const char *name;
	json_t *v;
	int i = 0;

	json_object_foreach((json_t *)vocabulary, name, v) {
		if (!strcmp(name, fact))
			return i;
		i++;
	}
	return -1;
}

/* "negation", "age", "plain" and "speaker": lang → words. Ages, plain and
 * speaker words are stored stemmed ("åring", "årig"); negations as written
 * (folded), since a stem can be another word's: nynorsk "verken" (neither)
 * and "verke" (to work) are both "verk". */
static void words_add_set(struct words_builder *b, const json_t *root, const char *key, size_t li,
			  json_t *set, int as_written)
{
	const json_t *list = json_object_get(json_object_get(root, key), words_langs[li].lang);
	struct words_token tok[4];

	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));
		size_t n = s ? words_split(b->w->langs[li].stemmer, s, strlen(s), tok, 4) : 0;

		if (!n || n > 2) {
			words_problem(b, "%s: %s: each entry must be one word", key,
				      words_langs[li].lang);
			continue;
		}
		/* "don't" is "don" + "t": the "t" is what says no. */
		json_object_set_new(set, as_written ? tok[n - 1].raw : tok[n - 1].stem,
				    json_true());
	}
}

/* "outranks": fact → value → the values it wins over (words_choose). */
static void words_add_outranks(struct words_builder *b, const json_t *outranks)
{
	const char *fact, *value;
	json_t *winners, *losers;

	json_object_foreach((json_t *)outranks, fact, winners) {
		int f = words_fact_index(b->vocabulary, fact);
		const json_t *ids = json_object_get(b->vocabulary, fact);

		if (f < 0 || f >= WORDS_MAX_FACTS || !json_is_object(winners)) {
			words_problem(b, "outranks: \"%s\" must be a fact, with its values", fact);
			continue;
		}
		json_object_foreach(winners, value, losers) {
			int w = words_index(ids, value);

			if (w >= WORDS_MAX_FACTS)
				w = -1;
			for (size_t i = 0; w >= 0 && i < json_array_size(losers); i++) {
				const char *loser = json_string_value(json_array_get(losers, i));
				int v = loser ? words_index(ids, loser) : -1;

				if (v < 0 || v >= WORDS_MAX_FACTS || v == w ||
				    (b->w->outranks[f][v] & (UINT64_C(1) << w))) {
					w = -1;
					break;
				}
				b->w->outranks[f][w] |= UINT64_C(1) << v;
			}
			if (w < 0 || !json_is_array(losers))
				words_problem(
					b,
					"outranks: %s=%s: needs a list of other values of %s, none of which outranks it",
					fact, value, fact);
		}
	}
}

/* "implies": fact → value → {fact: value}: that reading of the first fact
 * says the second's value too ("glemt passordet" is a login problem, so the
 * topic is login), unless the words name a value of the second themselves.
 * Only where every caller who says it is in that family: "lost my wallet"
 * is lost_or_stolen but no login matter, so that value implies nothing. */
static void words_add_implies(struct words_builder *b, const json_t *implies)
{
	const char *fact, *value;
	json_t *values, *then;

	json_object_foreach((json_t *)implies, fact, values) {
		int f = words_fact_index(b->vocabulary, fact);

		if (f < 0 || f >= WORDS_MAX_FACTS || !json_is_object(values)) {
			words_problem(b, "implies: \"%s\" must be a fact, with its values", fact);
			continue;
		}
		json_object_foreach(values, value, then) {
			int v = words_index(json_object_get(b->vocabulary, fact), value), g = -1,
			    gv = -1;
			const char *to = json_object_size(then) == 1
						 ? json_object_iter_key(json_object_iter(then))
						 : NULL;

			if (to) {
				g = words_fact_index(b->vocabulary, to);
				gv = words_index(json_object_get(b->vocabulary, to),
						 json_string_value(json_object_get(then, to)));
			}
			if (v < 0 || v >= WORDS_MAX_FACTS || g < 0 || g >= WORDS_MAX_FACTS ||
			    g == f || gv < 0 || gv >= WORDS_MAX_FACTS) {
				words_problem(
					b,
					"implies: %s=%s: needs one other fact and one of its values",
					fact, value);
				continue;
			}
			b->w->implied[f][v].fact = (int8_t)g;
			b->w->implied[f][v].value = (int8_t)gv;
		}
	}
}

static void words_add_facts(struct words_builder *b, const json_t *facts)
{
	const char *fact, *value, *lang;
	json_t *values, *langs, *list, *seen[WORDS_NLANGS];
	size_t li;

	for (li = 0; li < WORDS_NLANGS; li++)
		seen[li] = json_object();
	json_object_foreach((json_t *)facts, fact, values) {
		int f = words_fact_index(b->vocabulary, fact);
		const json_t *ids = json_object_get(b->vocabulary, fact);

		if (f < 0) {
			words_problem(b, "fact \"%s\" is not in the vocabulary", fact);
			continue;
		}
		json_object_foreach(values, value, langs) {
			int v = words_index(ids, value);

			if (v < 0) {
				words_problem(b, "\"%s\" is not a value of fact \"%s\"", value,
					      fact);
				continue;
			}
			json_object_foreach(langs, lang, list) {
				for (li = 0;
				     li < WORDS_NLANGS && strcmp(words_langs[li].lang, lang); li++)
					;
				if (li == WORDS_NLANGS || !json_is_array(list)) {
					words_problem(
						b,
						"%s=%s: \"%s\" must be one of nb, nn, da, en with a list of phrases",
						fact, value, lang);
					continue;
				}
				for (size_t i = 0; i < json_array_size(list); i++) {
					const char *s = json_string_value(json_array_get(list, i));

					if (!s)
						words_problem(
							b, "%s=%s: %s: phrase %zu must be a string",
							fact, value, lang, i + 1);
					else
						words_add_phrase(b, &b->w->langs[li], lang, f, v, s,
								 seen[li]);
				}
			}
		}
	}
	for (li = 0; li < WORDS_NLANGS; li++)
		json_decref(seen[li]);
}

struct words *words_build(const json_t *root, const json_t *vocabulary, words_report_fn report,
			  void *ctx)
{
	static const char *const ages[] = { "under_12", "age_12",    "age_13_14",
					    "age_15",   "age_16_17", "adult" };
	struct words_builder b = { .vocabulary = vocabulary, .report = report, .ctx = ctx };
	const json_t *band;

	if (!(b.w = calloc(1, sizeof(*b.w)))) {
		words_problem(&b, "out of memory");
		return NULL;
	}
	for (size_t li = 0; li < WORDS_NLANGS; li++) {
		struct words_lang *l = &b.w->langs[li];

		l->by_first = json_object();
		l->prefixed = json_object();
		l->short_prefixed = json_array();
		l->known = json_object();
		l->typos = json_object();
		l->negation = json_object();
		l->age = json_object();
		l->plain = json_object();
		l->speaker = json_object();
		if (!(l->stemmer = sb_stemmer_new(words_langs[li].algorithm, "UTF_8"))) {
			words_problem(&b, "no Snowball stemmer for %s", words_langs[li].algorithm);
			continue;
		}
		words_add_set(&b, root, "negation", li, l->negation, 1);
		words_add_set(&b, root, "age", li, l->age, 0);
		words_add_set(&b, root, "plain", li, l->plain, 0);
		words_add_set(&b, root, "speaker", li, l->speaker, 0);
	}
	for (size_t f = 0; f < WORDS_MAX_FACTS; f++)
		for (size_t v = 0; v < WORDS_MAX_FACTS; v++)
			b.w->implied[f][v].fact = -1;
	if (!b.problems) {
		words_add_facts(&b, json_object_get(root, "facts"));
		words_add_outranks(&b, json_object_get(root, "outranks"));
		words_add_implies(&b, json_object_get(root, "implies"));
	}
	b.w->relation = words_fact_index(vocabulary, "relation");
	b.w->on_behalf = words_fact_index(vocabulary, "on_behalf");
	b.w->another_person =
		words_index(json_object_get(vocabulary, "on_behalf"), "another_person");
	b.w->self = words_index(json_object_get(vocabulary, "on_behalf"), "self");
	b.w->authority = words_fact_index(vocabulary, "authority");
	b.w->topic = words_fact_index(vocabulary, "topic");
	b.w->estate = words_index(json_object_get(vocabulary, "topic"), "deceased_estate");
	b.w->age_band = words_fact_index(vocabulary, "age_band");
	band = json_object_get(vocabulary, "age_band");
	for (size_t i = 0; i < 6; i++)
		b.w->age_value[i] = words_index(band, ages[i]);
	if (b.problems) {
		words_free(b.w);
		return NULL;
	}
	return b.w;
}

void words_free(struct words *w)
{
	if (!w)
		return;
	for (size_t li = 0; li < WORDS_NLANGS; li++) {
		struct words_lang *l = &w->langs[li];

		for (size_t i = 0; i < l->nparts; i++)
			free(l->parts[i].s);
		free(l->parts);
		free(l->phrases);
		json_decref(l->by_first);
		json_decref(l->prefixed);
		json_decref(l->short_prefixed);
		json_decref(l->known);
		json_decref(l->typos);
		json_decref(l->negation);
		json_decref(l->age);
		json_decref(l->speaker);
		json_decref(l->plain);
		if (l->stemmer)
			sb_stemmer_delete(l->stemmer);
	}
	free(w);
}
