/* rbuf.c - the reports' output buffer, and its CSV and JSON escaping
 * (rbuf.h). */
#include "rbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the output buffer ---- */

int rbuf_put(struct report_buf *b, const void *s, size_t n)
{
	if (b->failed)
		return -1;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : REPORT_FLUSH + 1024;
		char *p;
		while (cap < b->len + n)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->failed = 1;
			return -1;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

int rbuf_puts(struct report_buf *b, const char *s)
{
	return rbuf_put(b, s, strlen(s));
}

int rbuf_printf(struct report_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	return rbuf_put(b, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

int rbuf_flush(struct report_buf *b)
{
	if (b->failed)
		return -1;
	if (b->len && b->w(b->ctx, b->p, b->len)) {
		b->failed = 1;
		return -1;
	}
	b->len = 0;
	return 0;
}

int rbuf_row_done(struct report_buf *b)
{
	return b->len >= REPORT_FLUSH ? rbuf_flush(b) : b->failed ? -1 : 0;
}

void rbuf_free(struct report_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- escaping ---- */

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0: overlong
 * forms, surrogates and code points past U+10FFFF are not valid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

int rbuf_csv_cell(struct report_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;
	int quote;

	if (!s)
		return b->failed ? -1 : 0;
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		rbuf_put(b, "\"", 1);
	/* Spreadsheets run a cell starting with one of these as a formula. */
	if (*s && strchr("=+-@\t\r", *s))
		rbuf_put(b, "'", 1);
	for (run = p; *p;) {
		size_t n = *p == '"' ? 0 : utf8_len(p);
		if (n) {
			p += n;
			continue;
		}
		rbuf_put(b, run, (size_t)(p - run));
		rbuf_puts(b, *p == '"' ? "\"\"" : replacement);
		run = ++p;
	}
	rbuf_put(b, run, (size_t)(p - run));
	if (quote)
		rbuf_put(b, "\"", 1);
	return b->failed ? -1 : 0;
}

int rbuf_json_string(struct report_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run;

	if (!s)
		return rbuf_put(b, "null", 4);
	rbuf_put(b, "\"", 1);
	for (run = p; *p;) {
		size_t n = *p < 0x20 || *p == '"' || *p == '\\' ? 0 : utf8_len(p);
		char esc[8];
		if (n) {
			p += n;
			continue;
		}
		rbuf_put(b, run, (size_t)(p - run));
		switch (*p) {
		case '"':
			rbuf_puts(b, "\\\"");
			break;
		case '\\':
			rbuf_puts(b, "\\\\");
			break;
		case '\n':
			rbuf_puts(b, "\\n");
			break;
		case '\r':
			rbuf_puts(b, "\\r");
			break;
		case '\t':
			rbuf_puts(b, "\\t");
			break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				rbuf_puts(b, esc);
			} else {
				rbuf_puts(b, replacement);
			}
		}
		run = ++p;
	}
	rbuf_put(b, run, (size_t)(p - run));
	return rbuf_put(b, "\"", 1);
}
