/* words_text.c - a caller's text as words: folded to lower-case ASCII twins
 * (æ, ø, å kept), repeated letters collapsed, stemmed with Snowball. The
 * phrases of rules/words.json go through the same steps, so a phrase and a
 * text meet in the same form. */
#include "words_internal.h"

#include <stdlib.h>
#include <string.h>

const struct words_langdef words_langs[WORDS_NLANGS] = {
	{ "nb", "norwegian" }, { "nn", "norwegian" }, { "da", "danish" }, { "en", "english" }
};

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
int words_digits(const char *s)
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
void words_delete(const char *s, size_t n, size_t i, char *out)
{
	memcpy(out, s, i);
	memcpy(out + i, s + i + 1, n - i); /* with the NUL */
}

/* At most size-1 bytes of s, NUL-terminated. */
void words_copy(char *out, size_t size, const char *s, size_t n)
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
size_t words_split(struct sb_stemmer *st, const char *text, size_t len, struct words_token *tok,
		   size_t max)
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
