/* jparse_lex.c - the scanning half of the JSON parser (jparse.h): strings
 * (strict UTF-8, escapes, surrogate pairs), numbers (integers that must fit,
 * reals from strtod), the literals, and the messages for what is wrong and
 * where. The rules it follows are listed at the top of jparse.c. */
#include "jparse.h"
#include "jparse_internal.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The column of jp->pos on its line, in characters from 1, as jansson
 * counts them; only worked out when there is an error to report. */
static int jparse_column(const struct jparse *jp)
{
	size_t line = jp->pos;
	int column = 1;

	while (line > 0 && jp->s[line - 1] != '\n')
		line--;
	for (size_t i = line; i < jp->pos; i++)
		if (((unsigned char)jp->s[i] & 0xc0) != 0x80)
			column++;
	return column;
}

/* Every syntax error: where, then why. */
int jparse_fail(struct jparse *jp, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return util_fail(jp->err, jp->errlen, "invalid JSON at column %d: %s", jparse_column(jp),
			 why);
}

/* "X expected, found …" for whatever is at jp->pos. */
int jparse_unexpected(struct jparse *jp, const char *expected)
{
	unsigned char c;

	if (jp->pos >= jp->len)
		return jparse_fail(jp, "%s expected, found the end of the text", expected);
	c = (unsigned char)jp->s[jp->pos];
	if (c > ' ' && c < 0x7f)
		return jparse_fail(jp, "%s expected, found '%c'", expected, c);
	return jparse_fail(jp, "%s expected, found byte 0x%02x", expected, c);
}

/* jansson's constructors return NULL only when out of memory. */
json_t *jparse_made(struct jparse *jp, json_t *value)
{
	if (!value)
		util_fail(jp->err, jp->errlen, "out of memory");
	return value;
}

/* The length of the UTF-8 character at s (avail bytes there), or 0 if it is
 * not one that jansson's utf8_check_full accepts. */
static size_t jparse_utf8_len(const unsigned char *s, size_t avail)
{
	size_t n;
	uint32_t cp, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0; /* ASCII is not asked about; the rest never starts one */
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static size_t jparse_utf8_put(uint32_t cp, char *out)
{
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	if (n == 1) {
		out[0] = (char)cp;
		return 1;
	}
	for (size_t i = n - 1; i > 0; i--, cp >>= 6)
		out[i] = (char)(0x80 | (cp & 0x3f));
	out[0] = (char)(lead[n] | cp);
	return n;
}

/* Advance over string bytes that need no decoding, up to the next '"' or
 * '\\' or end: the hot loop, checking for control characters and UTF-8. */
static int jparse_plain(struct jparse *jp, size_t end)
{
	const unsigned char *s = (const unsigned char *)jp->s;

	while (jp->pos < end) {
		unsigned char c = s[jp->pos];
		size_t n;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			jp->pos++;
			continue;
		}
		if (c == '"' || c == '\\')
			return 0;
		if (c < 0x20)
			return jparse_fail(jp, "control character 0x%02x in a string", c);
		n = jparse_utf8_len(s + jp->pos, end - jp->pos);
		if (!n)
			return jparse_fail(jp, "invalid UTF-8 in a string");
		jp->pos += n;
	}
	return 0;
}

/* The value of 4 hex digits at s (avail bytes there), or -1. */
static long jparse_hex4(const char *s, size_t avail)
{
	long v = 0;

	if (avail < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (c >= 'a' && c <= 'f')
			digit = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			digit = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | digit;
	}
	return v;
}

/* Decode the escape at jp->pos (a backslash; the string ends at end) into
 * out + *n. */
static int jparse_escape(struct jparse *jp, size_t end, char *out, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *s = jp->s + jp->pos, *hit;
	size_t avail = end - jp->pos;
	long cp, low;

	if (avail < 2)
		return jparse_fail(jp, "invalid escape in a string");
	if (s[1] != 'u') {
		hit = s[1] ? strchr(from, s[1]) : NULL;
		if (!hit)
			return jparse_fail(jp, "invalid escape in a string");
		out[(*n)++] = to[hit - from];
		jp->pos += 2;
		return 0;
	}
	cp = jparse_hex4(s + 2, avail - 2);
	if (cp < 0)
		return jparse_fail(jp, "\\u must be followed by 4 hex digits");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return jparse_fail(jp, "\\u%04lX is half a surrogate pair", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* A high surrogate must be followed at once by a low one. */
		low = avail >= 12 && s[6] == '\\' && s[7] == 'u' ? jparse_hex4(s + 8, avail - 8)
								 : -1;
		if (low < 0xdc00 || low > 0xdfff)
			return jparse_fail(jp, "\\u%04lX is half a surrogate pair", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		jp->pos += 6;
	}
	if (cp == 0)
		return jparse_fail(jp, "\\u0000 (NUL) is not allowed");
	jp->pos += 6;
	*n += jparse_utf8_put((uint32_t)cp, out + *n);
	return 0;
}

static int jparse_check_length(struct jparse *jp, size_t len)
{
	if (jp->limits.max_string && len > jp->limits.max_string)
		return util_fail(jp->err, jp->errlen, "a string is longer than %zu bytes",
				 jp->limits.max_string);
	return 0;
}

/* The string at jp->pos (its opening quote). Most have no escapes and are
 * returned as a slice of the text after one pass. */
int jparse_string(struct jparse *jp, struct jparse_str *out)
{
	size_t start = ++jp->pos, end, n;

	out->owned = NULL;
	if (jparse_plain(jp, jp->len))
		return -1;
	if (jp->pos < jp->len && jp->s[jp->pos] == '"') {
		if (jparse_check_length(jp, jp->pos - start))
			return -1;
		out->p = jp->s + start;
		out->len = jp->pos - start;
		jp->pos++;
		return 0;
	}
	/* An escape: find the closing quote first, to size the copy and to
	 * check the length before doing any work for it. */
	for (end = jp->pos; end < jp->len && jp->s[end] != '"'; end++)
		if (jp->s[end] == '\\')
			end++;
	if (end >= jp->len) {
		jp->pos = jp->len;
		return jparse_fail(jp, "a string without its closing quote");
	}
	if (jparse_check_length(jp, end - start))
		return -1;
	out->owned = malloc(end - start);
	if (!out->owned)
		return util_fail(jp->err, jp->errlen, "out of memory");
	n = jp->pos - start;
	memcpy(out->owned, jp->s + start, n);
	while (jp->pos < end) {
		size_t from = jp->pos;

		if (jp->s[jp->pos] == '\\') {
			if (jparse_escape(jp, end, out->owned, &n))
				goto fail;
			continue;
		}
		if (jparse_plain(jp, end))
			goto fail;
		memcpy(out->owned + n, jp->s + from, jp->pos - from);
		n += jp->pos - from;
	}
	out->p = out->owned;
	out->len = n;
	jp->pos = end + 1;
	return 0;
fail:
	free(out->owned);
	out->owned = NULL;
	return -1;
}

/* Digits after an optional '-'. Refuses what strtoll would clamp to its
 * range, as jansson does. */
static json_t *jparse_integer(struct jparse *jp, size_t start, size_t end)
{
	int negative = jp->s[start] == '-';
	unsigned long long v = 0, max = negative ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;

	for (size_t i = start + negative; i < end; i++) {
		unsigned digit = (unsigned)(jp->s[i] - '0');
		if (v > (max - digit) / 10) {
			jp->pos = start;
			jparse_fail(jp, "too big %sinteger", negative ? "negative " : "");
			return NULL;
		}
		v = v * 10 + digit;
	}
	/* -(v - 1) - 1 reaches LLONG_MIN without overflowing on the way. */
	return jparse_made(jp,
			   json_integer(negative && v ? -(json_int_t)(v - 1) - 1 : (json_int_t)v));
}

/* strtod, as jansson reads reals. The daemon never sets a locale, so the
 * decimal point is '.' (jansson would swap it for the locale's). */
static json_t *jparse_real(struct jparse *jp, size_t start, size_t end)
{
	char small[64], *copy = small;
	size_t n = end - start;
	double d;
	int overflow;

	/* strtod needs a terminated string, and the text is not one. */
	if (n >= sizeof(small) && !(copy = malloc(n + 1))) {
		util_fail(jp->err, jp->errlen, "out of memory");
		return NULL;
	}
	memcpy(copy, jp->s + start, n);
	copy[n] = '\0';
	errno = 0;
	d = strtod(copy, NULL);
	overflow = (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE;
	if (copy != small)
		free(copy);
	if (overflow) {
		jp->pos = start;
		jparse_fail(jp, "real number overflow");
		return NULL;
	}
	return jparse_made(jp, json_real(d));
}

/* Skip over digits; how many there were. */
static size_t jparse_digits(struct jparse *jp)
{
	size_t from = jp->pos;

	while (jp->pos < jp->len && jp->s[jp->pos] >= '0' && jp->s[jp->pos] <= '9')
		jp->pos++;
	return jp->pos - from;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
json_t *jparse_number(struct jparse *jp)
{
	size_t start = jp->pos, digits;
	int real = 0;

	if (jparse_peek(jp) == '-')
		jp->pos++;
	digits = jparse_digits(jp);
	if (!digits) {
		jparse_unexpected(jp, "a digit");
		return NULL;
	}
	if (digits > 1 && jp->s[jp->pos - digits] == '0') {
		jp->pos -= digits;
		jparse_fail(jp, "a number must not start with 0");
		return NULL;
	}
	if (jparse_peek(jp) == '.') {
		real = 1;
		jp->pos++;
		if (!jparse_digits(jp)) {
			jparse_unexpected(jp, "a digit after '.'");
			return NULL;
		}
	}
	if (jparse_peek(jp) == 'e' || jparse_peek(jp) == 'E') {
		real = 1;
		jp->pos++;
		if (jparse_peek(jp) == '+' || jparse_peek(jp) == '-')
			jp->pos++;
		if (!jparse_digits(jp)) {
			jparse_unexpected(jp, "a digit in the exponent");
			return NULL;
		}
	}
	if (real)
		return jparse_real(jp, start, jp->pos);
	return jparse_integer(jp, start, jp->pos);
}

json_t *jparse_literal(struct jparse *jp, const char *word, json_t *value)
{
	size_t n = strlen(word);

	if (jp->len - jp->pos < n || memcmp(jp->s + jp->pos, word, n)) {
		jparse_fail(jp, "true, false or null expected");
		return NULL;
	}
	jp->pos += n;
	return value;
}
