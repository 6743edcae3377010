/* jparse.h - a strict JSON parser for client messages. It reads the buffer
 * in one pass and builds the same jansson values as
 * json_loadb(text, len, JSON_REJECT_DUPLICATES, …), at a fraction of the
 * cost of jansson's per-character stream reader. */
#ifndef VV_JPARSE_H
#define VV_JPARSE_H

#include <stddef.h>

#include <jansson.h>

/* Limits beyond JSON's own rules, each refused with its own message rather
 * than as invalid JSON; 0 means no limit. */
struct jparse_limits {
	int max_depth;     /* objects and arrays inside each other */
	size_t max_string; /* bytes between a string's quotes, as written */
};

/* Parse text (len bytes, not NUL-terminated): one object or array, with
 * only whitespace around it. Accepts and refuses what json_loadb does with
 * JSON_REJECT_DUPLICATES and builds equal values, with one exception: a NUL
 * byte is always refused (see jparse.c). limits may be NULL. Returns a new
 * reference, or NULL with err set to "invalid JSON at column N: why" or to
 * the message of the limit that was passed. */
json_t *jparse_load(const char *text, size_t len, const struct jparse_limits *limits, char *err,
		    size_t errlen);

#endif
