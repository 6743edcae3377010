/* jbuf.c - write JSON text by hand into a growing buffer. */
#include "jbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JBUF_MIN_CAP 2048 /* most steps fit: one allocation per reply */

void jbuf_raw(struct jbuf *b, const char *s, size_t n)
{
	char *grown;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->len + n + 1 < JBUF_MIN_CAP ? JBUF_MIN_CAP : 2 * (b->len + n + 1);
		if (!(grown = realloc(b->p, cap))) {
			b->oom = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void jbuf_lit(struct jbuf *b, const char *s)
{
	jbuf_raw(b, s, strlen(s));
}

/* Escapes as jansson does without flags: the two that must be escaped and
 * control characters; UTF-8 and '/' go out as they are. */
void jbuf_str(struct jbuf *b, const char *s)
{
	const char *run = s;
	char esc[8];

	jbuf_raw(b, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		jbuf_raw(b, run, (size_t)(s - run));
		switch (ch) {
		case '"':
			jbuf_lit(b, "\\\"");
			break;
		case '\\':
			jbuf_lit(b, "\\\\");
			break;
		case '\b':
			jbuf_lit(b, "\\b");
			break;
		case '\f':
			jbuf_lit(b, "\\f");
			break;
		case '\n':
			jbuf_lit(b, "\\n");
			break;
		case '\r':
			jbuf_lit(b, "\\r");
			break;
		case '\t':
			jbuf_lit(b, "\\t");
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04X", ch);
			jbuf_lit(b, esc);
		}
		run = s + 1;
	}
	jbuf_raw(b, run, (size_t)(s - run));
	jbuf_raw(b, "\"", 1);
}

void jbuf_json(struct jbuf *b, const json_t *v)
{
	const char *key;
	json_t *item;
	char num[32], *text;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		/* jansson strings may hold NUL; ours never do (proto.c refuses
		 * them), but fall back to jansson rather than cut one short. */
		if (strlen(json_string_value(v)) != json_string_length(v))
			break;
		jbuf_str(b, json_string_value(v));
		return;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		jbuf_lit(b, num);
		return;
	case JSON_OBJECT:
		jbuf_raw(b, "{", 1);
		i = 0;
		json_object_foreach((json_t *)v, key, item) {
			if (i++)
				jbuf_raw(b, ",", 1);
			jbuf_str(b, key);
			jbuf_raw(b, ":", 1);
			jbuf_json(b, item);
		}
		jbuf_raw(b, "}", 1);
		return;
	case JSON_ARRAY:
		jbuf_raw(b, "[", 1);
		json_array_foreach(v, i, item) {
			if (i)
				jbuf_raw(b, ",", 1);
			jbuf_json(b, item);
		}
		jbuf_raw(b, "]", 1);
		return;
	case JSON_TRUE:
		jbuf_lit(b, "true");
		return;
	case JSON_FALSE:
		jbuf_lit(b, "false");
		return;
	case JSON_NULL:
		jbuf_lit(b, "null");
		return;
	default: /* reals: rare, and how to print them is jansson's business */
		break;
	}
	text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text) {
		b->oom = 1;
		return;
	}
	jbuf_lit(b, text);
	free(text);
}

void jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
