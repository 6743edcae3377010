/* words.c - the caller's own words become facts (words.h). */
#include "words.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#define WORDS_MAX_TOKENS 256 /* a 1,000-byte text has fewer words */
#define WORDS_WORD_MAX 48    /* longer "words" are not words a caller says */
#define WORDS_FUZZY_MIN 5    /* shorter words with a typo are other words */
#define WORDS_NEG_REACH 2    /* a negation counts this many words ahead */
#define WORDS_AGE_REACH 3    /* an age this many words after a relation */
#define WORDS_MAX_AGE 120
#define WORDS_PREFIX_KEY 3 /* prefix phrases are found by their first letters */

static const struct {
	const char *lang, *algorithm;
} words_langs[] = { { "nb", "norwegian" },
		    { "nn", "norwegian" },
		    { "da", "danish" },
		    { "en", "english" } };
#define WORDS_NLANGS (sizeof(words_langs) / sizeof(words_langs[0]))

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
};

struct words {
	struct words_lang langs[WORDS_NLANGS];
	int relation, on_behalf, another_person, age_band;
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

/* The folded form of the UTF-8 character at p (its length in *n): a lower
 * case ASCII letter or digit, or 0 for a separator. */
static char words_fold_char(const unsigned char *p, size_t left, size_t *n)
{
	*n = 1;
	if (*p < 0x80) {
		if (*p >= 'A' && *p <= 'Z')
			return (char)(*p - 'A' + 'a');
		return (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? (char)*p : 0;
	}
	/* Two-byte Latin-1 letters (U+00C0..U+00FF) cover what callers type. */
	if ((*p & 0xe0) == 0xc0 && left >= 2 && (p[1] & 0xc0) == 0x80) {
		unsigned c = ((unsigned)(*p & 0x1f) << 6) | (p[1] & 0x3f);

		*n = 2;
		if (c >= 0xc0 && c <= 0xff && c != 0xd7 && c != 0xf7) {
			static const char map[] = "aaaaaaaceeeeiiiidnooooo_ouuuuyts"
						  "aaaaaaaceeeeiiiidnooooo_ouuuuyty";
			return map[c - 0xc0];
		}
		return 0;
	}
	/* Any other character separates words; skip its continuation bytes. */
	while (*n < left && (p[*n] & 0xc0) == 0x80)
		(*n)++;
	return 0;
}

/* aa, ae and oe as the Norwegian and Danish letters they spell: "dodsbo",
 * "doedsbo" and "dødsbo" are one word. In place. */
static void words_collapse(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if ((s[0] == 'a' && (s[1] == 'a' || s[1] == 'e')) || (s[0] == 'o' && s[1] == 'e')) {
			*out++ = s[0];
			s++;
			continue;
		}
		*out++ = *s;
	}
	*out = '\0';
}

/* 1 if s is digits only (not empty). */
static int words_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* s without its i-th byte, into out (which holds WORDS_WORD_MAX). The
 * typo tables are built and read with this, many thousand times: no printf. */
static void words_delete(const char *s, size_t n, size_t i, char *out)
{
	memcpy(out, s, i);
	memcpy(out + i, s + i + 1, n - i); /* with the NUL */
}

/* At most size-1 bytes of s, NUL-terminated. */
static void words_copy(char *out, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static void words_stem(struct sb_stemmer *st, const char *raw, char *out, size_t size)
{
	const sb_symbol *s;
	int len;

	if (words_digits(raw) ||
	    !(s = sb_stemmer_stem(st, (const sb_symbol *)raw, (int)strlen(raw)))) {
		words_copy(out, size, raw, strlen(raw));
		return;
	}
	len = sb_stemmer_length(st);
	words_copy(out, size, (const char *)s, (size_t)len);
}

/* Split text into folded, stemmed words. Returns how many (at most max). */
static size_t words_split(struct sb_stemmer *st, const char *text, size_t len,
			  struct words_token *tok, size_t max)
{
	size_t i = 0, n = 0, step = 1, wlen = 0;
	char c;

	while (i <= len && n < max) {
		c = i < len ? words_fold_char((const unsigned char *)text + i, len - i, &step) : 0;
		if (i == len)
			step = 1;
		if (c && c != '_') {
			if (!wlen)
				tok[n].start = i;
			if (wlen + 1 < WORDS_WORD_MAX)
				tok[n].raw[wlen++] = c;
		} else if (wlen) {
			tok[n].raw[wlen] = '\0';
			tok[n].end = i;
			words_collapse(tok[n].raw);
			words_stem(st, tok[n].raw, tok[n].stem, sizeof(tok[n].stem));
			tok[n].canon = NULL;
			tok[n].number = words_digits(tok[n].raw) && strlen(tok[n].raw) <= 3
						? atoi(tok[n].raw)
						: -1;
			n++;
			wlen = 0;
		}
		i += step;
	}
	return n;
}

/* --- building ------------------------------------------------------------- */

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

static void words_add_phrase(struct words_builder *b, struct words_lang *l, const char *lang,
			     int fact, int value, const char *text, json_t *seen)
{
	struct words_token tok[16];
	size_t n, len = strlen(text), i;
	struct words_phrase *ph;
	char key[512];
	const char *fname = words_fact_name(b->vocabulary, fact), *had, *vname;
	size_t klen = 0;

	n = words_split(l->stemmer, text, len, tok, 16);
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
	for (i = 0; i < n; i++) {
		/* A '*' right after the word (the text is read as typed). */
		int prefix = tok[i].end < len && text[tok[i].end] == '*';
		struct words_part *p = &l->parts[l->nparts++];

		p->prefix = prefix;
		p->s = strdup(prefix ? tok[i].raw : tok[i].stem);
		if (!p->s) {
			words_problem(b, "out of memory");
			return;
		}
		if (!prefix) {
			json_object_set_new(l->known, p->s, json_string(p->s));
			words_add_typos(l, p->s);
		}
		if (klen < sizeof(key) - 1)
			klen += (size_t)snprintf(key + klen, sizeof(key) - klen, "%s%s%s",
						 i ? " " : "", p->s, prefix ? "*" : "");
		if (klen >= sizeof(key))
			klen = sizeof(key) - 1;
	}
	/* The same words for two values of one fact cannot both be right. */
	vname = json_string_value(
		json_array_get(json_object_get(b->vocabulary, fname), (size_t)value));
	snprintf(key + klen, sizeof(key) - klen, "|%s", fname);
	if ((had = json_string_value(json_object_get(seen, key))) && strcmp(had, vname)) {
		words_problem(b, "%s: phrase \"%s\" is listed for %s=%s and %s=%s", lang, text,
			      fname, had, fname, vname);
		return;
	}
	json_object_set_new(seen, key, json_string(vname));
	if (l->parts[ph->first].prefix) {
		const char *pre = l->parts[ph->first].s;
		char key3[WORDS_PREFIX_KEY + 1];
		json_t *list;

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
		json_t *list = json_object_get(l->by_first, l->parts[ph->first].s);

		if (!list)
			json_object_set_new(l->by_first, l->parts[ph->first].s,
					    list = json_array());
		json_array_append_new(list, json_integer((json_int_t)l->nphrases));
	}
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

/* "negation" and "age": lang → words, each stored stemmed. */
static void words_add_set(struct words_builder *b, const json_t *root, const char *key, size_t li,
			  json_t *set)
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
		json_object_set_new(set, tok[n - 1].stem, json_true());
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
		if (!(l->stemmer = sb_stemmer_new(words_langs[li].algorithm, "UTF_8"))) {
			words_problem(&b, "no Snowball stemmer for %s", words_langs[li].algorithm);
			continue;
		}
		words_add_set(&b, root, "negation", li, l->negation);
		words_add_set(&b, root, "age", li, l->age);
	}
	if (!b.problems)
		words_add_facts(&b, json_object_get(root, "facts"));
	b.w->relation = words_fact_index(vocabulary, "relation");
	b.w->on_behalf = words_fact_index(vocabulary, "on_behalf");
	b.w->another_person =
		words_index(json_object_get(vocabulary, "on_behalf"), "another_person");
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
		if (l->stemmer)
			sb_stemmer_delete(l->stemmer);
	}
	free(w);
}

/* --- matching ------------------------------------------------------------- */

/* The phrase stem a word of the text stands for, allowing one typo. */
static const char *words_canon(const struct words_lang *l, const char *stem)
{
	char del[WORDS_WORD_MAX];
	const char *s;
	size_t n = strlen(stem);

	if ((s = json_string_value(json_object_get(l->known, stem))))
		return s;
	/* A negation or age word is a known word too, not a typo ("åring"). */
	if (n < WORDS_FUZZY_MIN || json_object_get(l->negation, stem) ||
	    json_object_get(l->age, stem))
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
		if (json_object_get(l->negation, tok[at - k].stem))
			return 1;
	/* "verken pass eller førerkort": what follows "eller"/"or" shares the
	 * negation of the word before it. */
	for (size_t k = 1; k <= WORDS_NEG_REACH && k < at; k++)
		if (!strcmp(tok[at - k].raw, "eller") || !strcmp(tok[at - k].raw, "or"))
			return words_negated(l, tok, at - k - 1);
	return 0;
}

/* Keep the better hit per fact: the longer phrase, then the earlier. */
static void words_keep(struct words_hit *best, size_t *words, int fact, int value,
		       const struct words_token *tok, size_t at, size_t n)
{
	struct words_hit *h = &best[fact];

	if (h->value >= 0 && words[fact] >= n)
		return;
	*h = (struct words_hit){ fact, value, tok[at].start, tok[at + n - 1].end - tok[at].start };
	words[fact] = n;
}

static void words_try(const struct words_lang *l, size_t pi, const struct words_token *tok,
		      size_t ntok, size_t at, struct words_hit *best, size_t *words)
{
	const struct words_phrase *ph = &l->phrases[pi];

	if (at + ph->n > ntok)
		return;
	for (size_t k = 0; k < ph->n; k++)
		if (!words_part_matches(&l->parts[ph->first + k], &tok[at + k]))
			return;
	if (!json_object_get(l->negation, tok[at].stem) && words_negated(l, tok, at))
		return;
	words_keep(best, words, ph->fact, ph->value, tok, at, ph->n);
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

size_t words_derive(const struct words *w, const char *lang, const char *text, size_t len,
		    struct words_hit *out, size_t max)
{
	struct words_token tok[WORDS_MAX_TOKENS];
	struct words_hit best[64];
	size_t words[64] = { 0 }, ntok, n = 0, li;
	const struct words_lang *l;
	const json_t *list;

	for (li = 0; li < WORDS_NLANGS && (!lang || strcmp(words_langs[li].lang, lang)); li++)
		;
	if (!w || li == WORDS_NLANGS || !(l = &w->langs[li])->stemmer)
		return 0;
	for (size_t f = 0; f < 64; f++)
		best[f].value = -1;
	ntok = words_split(l->stemmer, text, len, tok, WORDS_MAX_TOKENS);
	for (size_t i = 0; i < ntok; i++)
		tok[i].canon = words_canon(l, tok[i].stem);
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
					  tok, ntok, i, best, words);
	}
	words_people(w, l, tok, ntok, best, words);
	for (size_t f = 0; f < 64 && n < max; f++)
		if (best[f].value >= 0)
			out[n++] = best[f];
	return n;
}
