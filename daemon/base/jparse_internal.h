/* jparse_internal.h - one parse's state and the scanner's entry points,
 * shared by jparse.c (objects, arrays, the tree) and jparse_lex.c (strings,
 * numbers, literals, error messages). Nothing outside daemon/base/jparse*.c
 * includes it. */
#ifndef VV_JPARSE_INTERNAL_H
#define VV_JPARSE_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "jparse.h"

/* jansson's JSON_PARSER_MAX_DEPTH, which it does not export. */
#define JPARSE_JANSSON_DEPTH 2048

_Static_assert(sizeof(json_int_t) == sizeof(long long), "json_int_t is long long");

/* One parse: the text, where we are, and where errors go. */
struct jparse {
	const char *s;
	size_t len;
	size_t pos; /* the next byte to read */
	int depth;  /* objects and arrays we are inside */
	struct jparse_limits limits;
	char *err;
	size_t errlen;
};

/* A string as parsed: a slice of the text when it has no escapes, else a
 * decoded copy in owned (decoding never makes a string longer). */
struct jparse_str {
	const char *p;
	size_t len;
	char *owned;
};

/* The next byte, or -1 at the end of the text. Inline: both halves call it
 * for nearly every byte. */
static inline int jparse_peek(const struct jparse *jp)
{
	return jp->pos < jp->len ? (unsigned char)jp->s[jp->pos] : -1;
}

static inline void jparse_space(struct jparse *jp)
{
	while (jp->pos < jp->len) {
		char c = jp->s[jp->pos];
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			return;
		jp->pos++;
	}
}

/* jparse_lex.c */
/* Every syntax error: "invalid JSON at column N: why"; returns -1. */
int jparse_fail(struct jparse *jp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "X expected, found …" for whatever is at jp->pos; returns -1. */
int jparse_unexpected(struct jparse *jp, const char *expected);
/* value, or NULL with "out of memory" when a constructor returned NULL. */
json_t *jparse_made(struct jparse *jp, json_t *value);
/* The string at jp->pos (its opening quote); out->owned to free. */
int jparse_string(struct jparse *jp, struct jparse_str *out);
/* The number at jp->pos, an integer or a real as jansson would make it. */
json_t *jparse_number(struct jparse *jp);
/* true, false or null at jp->pos: value (a singleton), or NULL. */
json_t *jparse_literal(struct jparse *jp, const char *word, json_t *value);

#endif
