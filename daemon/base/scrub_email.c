/* scrub_email.c - finding e-mail addresses for the scrubber (scrub.c).
 *
 * An address is a local part, '@' and a domain of at least two labels
 * ending in two or more letters; UTF-8 letters are allowed in both. Also
 * found, because people write them and they name a person just as well:
 *   - a space on either side of the '@' ("kari @ example.no"), the
 *     full-width at sign U+FF20, and invisible characters anywhere in the
 *     local part and domain;
 *   - a quoted local part, "kari nordmann"@example.no (or “…”, «…»), on one
 *     line and at most 64 bytes (RFC 5321's limit for a local part);
 *   - an IP-literal domain, kari@[10.0.0.1] or kari@[IPv6:2001:db8::1].
 * Like scrub.c, every function here is linear in what it looks at and never
 * reads past the terminating NUL. */
#include "scrub_parts.h"

#include <string.h>
#include <strings.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_ascii_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Decodes the UTF-8 character at p. Invalid or truncated sequences come back
 * as one byte with code point -1, so callers always make progress. */
static long utf8_at(const char *t, size_t n, size_t p, size_t *len)
{
	const unsigned char *u = (const unsigned char *)t + p;
	size_t need, i;
	long cp;

	*len = 1;
	if (u[0] < 0x80)
		return u[0];
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		need = 1, cp = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		need = 2, cp = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		need = 3, cp = u[0] & 0x07;
	else
		return -1;
	if (n - p <= need)
		return -1;
	for (i = 1; i <= need; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	*len = need + 1;
	return cp;
}

/* A letter outside ASCII, roughly: Latin-1 letters and up, minus the
 * punctuation and symbol blocks (quotes, dashes, spaces, arrows, «» …) and
 * the full-width '@'. Other scripts' digits count as letters here, so a
 * digit run is never split between an address and its surroundings. */
static int is_wide_letter(long cp)
{
	if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7 || cp == 0xff20)
		return 0;
	if ((cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) || cp == 0xfeff)
		return 0;
	return 1;
}

/* Invalid bytes count as local-part characters: "\xe5se@x.no" (Latin-1
 * "åse") is still an address; so do invisible characters. */
static int email_local_char(const char *t, size_t n, size_t p, size_t *len)
{
	char c = t[p];
	long cp;

	if ((unsigned char)c < 0x80) {
		*len = 1;
		return is_ascii_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
		       c == '-';
	}
	if ((*len = scrub_invisible_at(t, n, p)))
		return 1;
	cp = utf8_at(t, n, p, len);
	return cp < 0 || is_wide_letter(cp);
}

static int domain_char(const char *t, size_t n, size_t p, size_t *len, int *letter)
{
	long cp = utf8_at(t, n, p, len);

	if (cp >= 0 && cp < 0x80) {
		*letter = is_ascii_alnum((char)cp) && !is_digit((char)cp);
		return is_ascii_alnum((char)cp) || cp == '-';
	}
	*letter = is_wide_letter(cp);
	return *letter;
}

/* The end of the longest domain at p that has at least two labels and ends
 * in a label of two or more letters; 0 if there is none. "x.no.", "x.no.123",
 * "x.no-" and "x.no98765432" all give "x.no", so an address glued to a number
 * still goes. Deciding by a label's leading letters only, which digit
 * scrubbing never touches, keeps scrub_text(scrub_text(x)) == scrub_text(x).
 * Invisible characters inside a label are read through. */
static size_t email_domain_end(const char *t, size_t n, size_t p)
{
	size_t best = 0, len;
	int labels = 0, letter;

	while (p < n) {
		size_t label_start = p, word_end = p; /* word_end: label less trailing '-' */
		size_t lead_end = p;                  /* end of the label's leading letters */
		int letters = 0, others = 0, lead = 0;

		for (;;) {
			size_t invisible = p < n ? scrub_invisible_at(t, n, p) : 0;

			if (invisible) {
				p += invisible;
				continue;
			}
			if (p >= n || !domain_char(t, n, p, &len, &letter))
				break;
			if (t[p] != '-') {
				others += word_end != p && t[word_end] == '-'; /* not a TLD */
				letters += letter;
				others += !letter;
				if (letter && lead == letters - 1 && !others)
					lead_end = p + len, lead++;
				word_end = p + len;
			}
			p += len;
		}
		if (p == label_start)
			break;
		if (++labels >= 2) {
			if (!others && letters >= 2)
				best = word_end;
			else if (lead >= 2) /* the letters are the TLD, the rest is glued on */
				best = lead_end;
		}
		if (p + 1 < n && t[p] == '.' && t[p + 1] != '-' &&
		    domain_char(t, n, p + 1, &len, &letter))
			p++;
		else
			break;
	}
	return best;
}

/* "[10.0.0.1]" or "[IPv6:2001:db8::1]" at p: the end after ']', or 0. At
 * least one digit and one '.' or ':', so no placeholder ("[email removed]")
 * is ever taken for one. */
static size_t ip_literal_end(const char *t, size_t n, size_t p)
{
	size_t q = p + 1, start;
	int digits = 0, dots = 0;

	if (n - q >= 5 && strncasecmp(t + q, "IPv6:", 5) == 0)
		q += 5;
	for (start = q; q < n && q - start <= 45; q++) {
		char c = t[q];

		if (is_digit(c))
			digits++;
		else if (c == '.' || c == ':')
			dots++;
		else if (!strchr("abcdefABCDEF", c))
			break;
	}
	return q < n && t[q] == ']' && digits && dots ? q + 1 : 0;
}

/* At most one space, and invisible characters: "kari @ example.no". */
static size_t skip_gap(const char *t, size_t n, size_t p)
{
	p = scrub_skip_invisible(t, n, p, n);
	if (p < n && t[p] == ' ')
		p = scrub_skip_invisible(t, n, p + 1, n);
	return p;
}

/* The end of the address whose local part ends at p: '@' or U+FF20 with a
 * gap on either side, then a domain or an IP literal. 0 if there is none. */
static size_t address_end(const char *t, size_t n, size_t p)
{
	const unsigned char *u = (const unsigned char *)t + p;

	if (u[0] == ' ') /* what follows most words: look one further */
		u++;
	if (u[0] < 0x80 && u[0] != '@')
		return 0;
	p = skip_gap(t, n, p);
	u = (const unsigned char *)t + p;
	if (p < n && u[0] == '@')
		p += 1;
	else if (n - p >= 3 && u[0] == 0xef && u[1] == 0xbc && u[2] == 0xa0)
		p += 3;
	else
		return 0;
	p = skip_gap(t, n, p);
	if (p < n && t[p] == '[')
		return ip_literal_end(t, n, p);
	return email_domain_end(t, n, p);
}

/* The length of a quotation mark at p, or 0: '"', « », “ ” or „. */
static size_t quote_at(const char *t, size_t n, size_t p)
{
	const unsigned char *u = (const unsigned char *)t + p;

	if (u[0] == '"')
		return 1;
	if (n - p >= 2 && u[0] == 0xc2 && (u[1] == 0xab || u[1] == 0xbb))
		return 2;
	if (n - p >= 3 && u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x9c && u[2] <= 0x9e)
		return 3;
	return 0;
}

/* "kari nordmann"@example.no, the quote at p: the address's end, or 0. Word
 * processors turn the quotes into “…” or «…», so any pair counts. Quotes
 * holding '@', '[' or ']' are not local parts: the second pass of
 * scrub_text(scrub_text(x)) must not find one around a placeholder the first
 * pass put there. */
static size_t quoted_address_end(const char *t, size_t n, size_t p)
{
	size_t q = p + quote_at(t, n, p), close = 0;

	for (; q < n && q - p <= 64; q++)
		if (strchr("@[]\n", t[q]) || (close = quote_at(t, n, q)))
			break;
	if (!close || q == p + quote_at(t, n, p))
		return 0;
	return address_end(t, n, q + close);
}

/* An address starts where a run of local-part characters starts, so
 * "tlf:ole@x.no" gives "ole@x.no", or at a quote. from is 0 or the end of
 * the last address, and counts as a start too: in "ole@x.no_kari@y.no" the
 * second address goes as well. */
struct scrub_span scrub_next_email(const char *t, size_t n, size_t from)
{
	struct scrub_span none = { n, n };
	int prev_local = 0;
	size_t p = from, len, end;

	while (p < n) {
		int local;

		if ((t[p] == '"' || (unsigned char)t[p] >= 0x80) && quote_at(t, n, p) &&
		    (end = quoted_address_end(t, n, p))) {
			struct scrub_span found = { p, end };
			return found;
		}
		local = email_local_char(t, n, p, &len);
		if (local && !prev_local) {
			size_t q = p;

			while (q < n && email_local_char(t, n, q, &len))
				q += len;
			if ((end = address_end(t, n, q))) {
				struct scrub_span found = { p, end };
				return found;
			}
			p = q;
			prev_local = 1;
			continue;
		}
		prev_local = local;
		p += len;
	}
	return none;
}
