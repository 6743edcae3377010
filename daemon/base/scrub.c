/* scrub.c - remove personal identifiers from free text before it is stored.
 *
 * Privacy requirement: no personal identifiers at rest. Every finished
 * contact's free text goes through scrub_text() on the service thread, so the
 * scanner is hand-written, single pass and linear in the input, and it never
 * looks past the terminating NUL whatever the bytes are (invalid UTF-8
 * included). scrub_text() takes any NUL-terminated string, so a fuzzer can
 * call it directly. E-mail addresses are found by scrub_email.c, and what
 * the words next to a number say about it is read by scrub_words.c.
 *
 * What is replaced, and by which placeholder (plain ASCII, language-neutral):
 *
 *   [national-id removed]  Norwegian fødselsnummer, D-number (DD+40) or
 *                          H-number (MM+40): 11 digits, DDMMYY and both check
 *                          digits. K2 as always; K1 under the rule from 2032,
 *                          where the weighted sum mod 11 may be 0, 1, 2 or 3
 *                          (today's numbers are the 0 case). Source:
 *                          Skatteetaten, "Nye fødselsnummer og d-nummer fra
 *                          2032".
 *   [cpr removed]          Danish CPR number: DDMMYY + 4 digits. No modulus 11
 *                          check, since CPR has issued numbers that fail it
 *                          from 1 October 2007.
 *   [phone removed]        Norwegian or Danish phone number: 8 digits with
 *                          +47/+45, 0047/0045 or (+47)/(+45) in front and any
 *                          grouping; without a country code only in the usual
 *                          groupings 12345678, 12 34 56 78, 123 45 678,
 *                          1234 5678 (also with '.', '-' or '/' where the
 *                          shape allows), and first digit 2-9.
 *   [email removed]        e-mail address (scrub_email.c).
 *
 * Digits are ASCII, full-width (U+FF10-FF19) or Arabic-Indic, and invisible
 * characters between them (zero-width space, soft hyphen, …; see
 * scrub_invisible_at) are read through. Digits are read as chains of groups
 * joined by one separator: space, '.', '-', '/', no-break or thin space, a
 * Unicode hyphen or en dash, or " - " / " – ". Identifiers are looked for at
 * group boundaries only, so "kr 12 500", "1 234 567" or a digit run inside a
 * longer number is never cut apart.
 *
 * Things deliberately left alone, to keep false positives down:
 *   - dates, amounts and times: groupings such as 01.01.2024, 2024-01-01,
 *     12 345 678 (thousands) and 20.00-22.00 (mixed separators) are not phone
 *     shapes, and 1234 5678 counts only with a space, so 1990-2024 is a range;
 *   - eight digits that read as a date from 1900 to 2039, 20240131 or
 *     31012024, unless a phone word ("tlf", "mob", …) comes just before;
 *   - a phone-shaped number after a reference word: "ref 40012345",
 *     "saksnr. 4001 2345";
 *   - digits glued to an ASCII letter on either side, as in the hex string
 *     "bfbe58165266de56", unless the letters are a phone or ID word:
 *     "tlf91234567" and "fnr31129956715" still go;
 *   - an 11-digit number written as a Norwegian account number, 1234.56.78903
 *     or 1234 56 78903, even when it would pass as a fødselsnummer.
 * Known false positives and misses are listed, with their measured rates, in
 * docs/security.md, *The scrubber*; tests/unit/base/test_scrub_*.c measure them. */
#include "scrub.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scrub_parts.h"

enum found { FOUND_NATIONAL_ID, FOUND_CPR, FOUND_PHONE, FOUND_EMAIL };

static const char *const scrub_tags[] = {
	[FOUND_NATIONAL_ID] = "[national-id removed]",
	[FOUND_CPR] = "[cpr removed]",
	[FOUND_PHONE] = "[phone removed]",
	[FOUND_EMAIL] = "[email removed]",
};

#define NO_POS SIZE_MAX
/* Groups looked at together: the longest identifier, "+47" and eight
 * single digits, spans nine. */
#define WINDOW 12

/* One run of digits in a chain such as "01.01.90-12345". */
struct group {
	size_t start, end; /* text[start..end), first digit to last */
	size_t ndigits;
	char head[4]; /* the first digits, for "0047" and "+47" */
	char sep;     /* separator before it: ' ', '.', '-', '/', or 0 for the first */
};

/* Reads the groups of one chain in order, never starting one at limit. */
struct chain {
	const char *t;
	size_t n, limit;
	size_t next; /* start of the next unread group, or NO_POS */
	char next_sep;
	size_t end; /* end of the last group read */
};

/* The output being built; text before done has been dealt with. */
struct scrub {
	const char *t;
	size_t n, done;
	char *out;
	size_t len, cap;
	int oom;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The digit at p, 0-9, or -1; *len gets its length in bytes. ASCII,
 * full-width (U+FF10-FF19), Arabic-Indic (U+0660-0669) and Persian/Urdu
 * (U+06F0-06F9) digits: a number typed on another keyboard is the same
 * number. */
static int digit_at(const char *t, size_t n, size_t p, size_t *len)
{
	const unsigned char *u = (const unsigned char *)t + p;

	if (p >= n)
		return -1;
	*len = 1;
	if (u[0] >= '0' && u[0] <= '9')
		return u[0] - '0';
	*len = 2;
	if (u[0] == 0xd9 && u[1] >= 0xa0 && u[1] <= 0xa9)
		return u[1] - 0xa0;
	if (u[0] == 0xdb && u[1] >= 0xb0 && u[1] <= 0xb9)
		return u[1] - 0xb0;
	*len = 3;
	if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 && u[2] <= 0x99)
		return u[2] - 0x90;
	return -1;
}

/* The length of a digit-group separator at p (0 if none) and its class. */
static size_t sep_at(const char *t, size_t n, size_t p, char *cls)
{
	const unsigned char *u = (const unsigned char *)t + p;

	if (p >= n)
		return 0;
	if (n - p > 2 && u[0] == ' ' && u[1] == '-' && u[2] == ' ') { /* 010190 - 12345 */
		*cls = '-';
		return 3;
	}
	if (n - p > 4 && u[0] == ' ' && u[1] == 0xe2 && u[2] == 0x80 && u[3] == 0x93 &&
	    u[4] == ' ') {
		*cls = '-';
		return 5;
	}
	if (u[0] == ' ' || u[0] == '.' || u[0] == '-' || u[0] == '/') {
		*cls = (char)u[0];
		return 1;
	}
	if (n - p > 1 && u[0] == 0xc2 && u[1] == 0xa0) { /* no-break space */
		*cls = ' ';
		return 2;
	}
	if (n - p > 2 && u[0] == 0xe2 && u[1] == 0x80) {
		/* thin, hair, narrow no-break space; hyphen, non-breaking hyphen, en dash */
		if (u[2] == 0x89 || u[2] == 0x8a || u[2] == 0xaf) {
			*cls = ' ';
			return 3;
		}
		if (u[2] == 0x90 || u[2] == 0x91 || u[2] == 0x93) {
			*cls = '-';
			return 3;
		}
	}
	return 0;
}

/* A group is digits with nothing but invisible characters between them. */
static int chain_read(struct chain *c, struct group *g)
{
	size_t p, q, len, seplen;
	char cls = 0;
	int v;

	if (c->next == NO_POS)
		return 0;
	g->start = p = c->next;
	g->sep = c->next_sep;
	g->ndigits = 0;
	for (;;) {
		while ((v = digit_at(c->t, c->n, p, &len)) >= 0) {
			if (g->ndigits < sizeof(g->head))
				g->head[g->ndigits] = (char)('0' + v);
			g->ndigits++;
			p += len;
		}
		q = scrub_skip_invisible(c->t, c->n, p, c->limit);
		if (q == p || q >= c->limit || digit_at(c->t, c->n, q, &len) < 0)
			break;
		p = q;
	}
	g->end = c->end = p;
	seplen = sep_at(c->t, c->n, q, &cls);
	q = scrub_skip_invisible(c->t, c->n, q + seplen, c->limit);
	if (seplen && q < c->limit && digit_at(c->t, c->n, q, &len) >= 0) {
		c->next = q;
		c->next_sep = cls;
	} else {
		c->next = NO_POS;
	}
	return 1;
}

/* The digits of g, less the first skip, into d. */
static void copy_digits(const char *t, size_t n, const struct group *g, size_t skip, char *d)
{
	size_t p = g->start, len;

	if (g->end - g->start == g->ndigits) { /* ASCII digits only, the usual case */
		memcpy(d, t + p + skip, g->ndigits - skip);
		return;
	}
	while (p < g->end) {
		int v = digit_at(t, n, p, &len);

		if (v < 0)
			len = scrub_invisible_at(t, n, p);
		else if (skip)
			skip--;
		else
			*d++ = (char)('0' + v);
		p += len ? len : 1;
	}
}

/* Copies exactly want digits from w[0..cnt), skipping skip digits of w[0],
 * ending exactly at the end of a group. Returns the groups used (0 when the
 * count falls inside a group); ends[k] is the digit count after group k. */
static int gather(const char *t, size_t n, const struct group *w, int cnt, size_t skip, size_t want,
		  char *d, size_t *ends)
{
	size_t have = 0;

	for (int k = 0; k < cnt; k++) {
		size_t from = k == 0 ? skip : 0, len = w[k].ndigits - from;

		if (len > want - have)
			return 0;
		copy_digits(t, n, &w[k], from, d + have);
		have += len;
		ends[k] = have;
		if (have == want)
			return k + 1;
	}
	return 0;
}

static int two_digits(const char *d)
{
	return (d[0] - '0') * 10 + (d[1] - '0');
}

static int date_ok(int day, int month)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month >= 1 && month <= 12 && day >= 1 && day <= mdays[month - 1];
}

/* 20240131 or 31012024: a date from 1900 to 2039. */
static int compact_date(const char *d)
{
	int head = two_digits(d), tail = two_digits(d + 4);

	if ((head == 19 || (head == 20 && two_digits(d + 2) <= 39)) &&
	    date_ok(two_digits(d + 6), two_digits(d + 4)))
		return 1;
	return (tail == 19 || (tail == 20 && two_digits(d + 6) <= 39)) &&
	       date_ok(two_digits(d), two_digits(d + 2));
}

/* '/' joins only phone numbers: 912/34/567, but 31/12/99-56715 is no
 * fødselsnummer and 2024/123456 no CPR. */
static int has_slash(const struct group *w, int used)
{
	for (int k = 1; k < used; k++)
		if (w[k].sep == '/')
			return 1;
	return 0;
}

/* Split identifiers are written DDMMYY-rest or DD.MM.YY-rest: every group
 * boundary must be in allowed[] and, if year_split, one of them after the
 * year. */
static int boundaries_ok(const size_t *ends, int used, const size_t *allowed, size_t nallowed,
			 int year_split)
{
	int after_year = used == 1 || !year_split;

	for (int k = 0; k < used; k++) {
		size_t i;

		for (i = 0; i < nallowed && allowed[i] != ends[k]; i++)
			;
		if (i == nallowed)
			return 0;
		after_year |= ends[k] == 6;
	}
	return after_year;
}

static int national_id_valid(const char *d)
{
	static const int w1[9] = { 3, 7, 6, 1, 8, 9, 4, 5, 2 };
	static const int w2[10] = { 5, 4, 3, 2, 7, 6, 5, 4, 3, 2 };
	int day = two_digits(d), month = two_digits(d + 2), s1 = d[9] - '0', s2 = d[10] - '0';

	if (day > 40) /* D-number */
		day -= 40;
	else if (month > 40) /* H-number, the health service's stand-in */
		month -= 40;
	if (!date_ok(day, month))
		return 0;
	for (int i = 0; i < 9; i++)
		s1 += w1[i] * (d[i] - '0');
	for (int i = 0; i < 10; i++)
		s2 += w2[i] * (d[i] - '0');
	/* The 2032 rule accepts K1 with remainder 0-3; today's numbers have 0. */
	return s1 % 11 <= 3 && s2 % 11 == 0;
}

static int match_national_id(const struct scrub *s, const struct group *w, int cnt)
{
	static const size_t allowed[] = { 2, 4, 6, 9, 11 };
	size_t ends[WINDOW];
	char d[11];
	int used = gather(s->t, s->n, w, cnt, 0, sizeof(d), d, ends);

	if (!used || has_slash(w, used))
		return 0;
	/* The check digits are strong enough to accept 01 12 9956715 too, and
	 * 150 765 005 65, grouped like an organisation number. */
	if (!boundaries_ok(ends, used, allowed, 5, 0) &&
	    !(used == 4 && ends[0] == 3 && ends[1] == 6 && ends[2] == 9))
		return 0;
	/* 1234.56.78903 is how Norwegian account numbers are written. */
	if (used == 3 && ends[0] == 4 && ends[1] == 6 && w[1].sep == w[2].sep && w[1].sep != '-')
		return 0;
	return national_id_valid(d) ? used : 0;
}

static int match_cpr(const struct scrub *s, const struct group *w, int cnt)
{
	static const size_t allowed[] = { 2, 4, 6, 10 };
	size_t ends[WINDOW];
	char d[10];
	int used = gather(s->t, s->n, w, cnt, 0, sizeof(d), d, ends);

	/* No check digit: 1234 567890 (reg. + account) must not pass. */
	if (!used || has_slash(w, used) || !boundaries_ok(ends, used, allowed, 4, 1))
		return 0;
	return date_ok(two_digits(d), two_digits(d + 2)) ? used : 0;
}

/* A phone number without country code, in one of the usual groupings. */
static int phone_shape(const struct group *w, int used, const size_t *ends)
{
	for (int k = 2; k < used; k++)
		if (w[k].sep != w[1].sep) /* 20.00-22.00 is a time range */
			return 0;
	switch (used) {
	case 1: /* 12345678 */
		return 1;
	case 2: /* 1234 5678; 2019-2024 is a year range, 2024/2025 a case number */
		return ends[0] == 4 && w[1].sep == ' ';
	case 3: /* 123 45 678, 912/34/567 */
		return ends[0] == 3 && ends[1] == 5;
	case 4: /* 12 34 56 78 */
		return ends[0] == 2 && ends[1] == 4 && ends[2] == 6;
	default:
		return 0;
	}
}

static int match_phone(const struct scrub *s, const struct group *w, int cnt)
{
	size_t ends[WINDOW];
	char d[8];
	int used = gather(s->t, s->n, w, cnt, 0, sizeof(d), d, ends);
	enum scrub_cue cue;

	if (!used || d[0] < '2' || !phone_shape(w, used, ends))
		return 0;
	cue = scrub_cue_before(s->t, s->n, s->done, w[0].start);
	if (cue == CUE_REFERENCE)
		return 0;
	if (used == 1 && cue != CUE_PHONE && compact_date(d))
		return 0;
	return used;
}

static int is_country_code(const char *d)
{
	return d[0] == '4' && (d[1] == '7' || d[1] == '5');
}

/* "(+47) " or "(0047)" just before pos: where the '(' is, or NO_POS. */
static size_t paren_prefix(const char *t, size_t pos, size_t done)
{
	size_t gaps[] = { 0, 1, 2 };

	for (size_t i = 0; i < 3; i++) {
		size_t p = pos - gaps[i];

		if (pos < done + gaps[i] + 5)
			return NO_POS;
		if (gaps[i] == 1 && t[p] != ' ')
			continue;
		if (gaps[i] == 2 &&
		    !((unsigned char)t[p] == 0xc2 && (unsigned char)t[p + 1] == 0xa0))
			continue;
		if (t[p - 1] != ')' || !is_country_code(t + p - 3))
			continue;
		if (t[p - 4] == '+' && t[p - 5] == '(')
			return p - 5;
		if (p >= done + 6 && t[p - 4] == '0' && t[p - 5] == '0' && t[p - 6] == '(')
			return p - 6;
	}
	return NO_POS;
}

/* A phone number after +47/+45, 0047/0045 or (+47)/(+45): eight digits in
 * any grouping. *from gets the start of the country code. */
static int match_cc_phone(const struct scrub *s, const struct group *w, int cnt, int first,
			  size_t *from)
{
	const char *g = w[0].head;
	size_t glen = w[0].ndigits, skip, start, ends[WINDOW];
	char d[8];
	int used;

	if (first && (start = paren_prefix(s->t, w[0].start, s->done)) != NO_POS)
		skip = 0;
	else if (first && w[0].start > s->done && s->t[w[0].start - 1] == '+' && glen >= 2 &&
		 is_country_code(g))
		skip = 2, start = w[0].start - 1;
	else if (glen >= 4 && g[0] == '0' && g[1] == '0' && is_country_code(g + 2))
		skip = 4, start = w[0].start;
	else
		return 0;
	used = gather(s->t, s->n, w, cnt, skip, sizeof(d), d, ends);
	if (used)
		*from = start;
	return used;
}

/* The identifier starting at group w[0], longest kind first: how many groups
 * it takes (0 for none), where it starts and what it is. */
static int match_at(const struct scrub *s, const struct group *w, int cnt, int first, size_t limit,
		    size_t *from, enum found *kind)
{
	int used;

	*from = w[0].start;
	if ((used = match_cc_phone(s, w, cnt, first, from)))
		*kind = FOUND_PHONE;
	else if ((used = match_national_id(s, w, cnt)))
		*kind = FOUND_NATIONAL_ID;
	else if ((used = match_cpr(s, w, cnt)))
		*kind = FOUND_CPR;
	else if ((used = match_phone(s, w, cnt)))
		*kind = FOUND_PHONE;
	if (used && scrub_glued_to_letter(s->t, s->n, s->done, *from, w[used - 1].end, limit))
		return 0;
	return used;
}

static void out_put(struct scrub *s, const char *p, size_t len)
{
	if (s->oom)
		return;
	if (s->cap - s->len <= len) {
		size_t cap = len < SIZE_MAX / 4 && s->cap < SIZE_MAX / 4 ? s->cap * 2 + len + 1 : 0;
		char *grown = cap ? realloc(s->out, cap) : NULL;

		if (!grown) {
			s->oom = 1;
			return;
		}
		s->out = grown;
		s->cap = cap;
	}
	memcpy(s->out + s->len, p, len);
	s->len += len;
}

static void emit(struct scrub *s, size_t from, size_t to, enum found kind)
{
	out_put(s, s->t + s->done, from - s->done);
	out_put(s, scrub_tags[kind], strlen(scrub_tags[kind]));
	s->done = to;
}

/* Scrubs the digit chain starting at pos, which ends before limit; returns
 * where it ends. Groups not part of an identifier stay as they are. */
static size_t scrub_chain(struct scrub *s, size_t pos, size_t limit)
{
	struct chain c = { s->t, s->n, limit, pos, 0, pos };
	struct group w[WINDOW];
	int cnt = 0, first = 1;

	for (;;) {
		size_t from;
		enum found kind;
		int used;

		while (cnt < WINDOW && chain_read(&c, &w[cnt]))
			cnt++;
		if (!cnt)
			break;
		used = match_at(s, w, cnt, first, limit, &from, &kind);
		if (used)
			emit(s, from, w[used - 1].end, kind);
		else
			used = 1;
		memmove(w, w + used, (size_t)(cnt - used) * sizeof(w[0]));
		cnt -= used;
		first = 0;
	}
	return c.end;
}

/* NULL is taken as "" so callers need not special-case a missing field. */
char *scrub_text(const char *text)
{
	struct scrub s = { 0 };
	struct scrub_span email;
	size_t p = 0, len;

	if (!text)
		text = "";
	s.t = text;
	s.n = strlen(text);
	s.cap = s.n + s.n / 4 + 64;
	s.out = malloc(s.cap);
	if (!s.out)
		return NULL;

	email = scrub_next_email(s.t, s.n, 0);
	while (p < s.n) {
		if (p == email.start) {
			emit(&s, email.start, email.end, FOUND_EMAIL);
			p = email.end;
			email = scrub_next_email(s.t, s.n, p);
		} else if ((unsigned char)s.t[p] < 0x80 && !is_digit(s.t[p])) {
			p++; /* most of any text, so checked first */
		} else if (digit_at(s.t, s.n, p, &len) >= 0) {
			p = scrub_chain(&s, p, email.start);
		} else {
			p++;
		}
	}
	out_put(&s, s.t + s.done, s.n - s.done);
	out_put(&s, "", 1);
	if (s.oom) {
		free(s.out);
		return NULL;
	}
	return s.out;
}
