/* jparse.c - a strict JSON parser that builds jansson values (jparse.h).
 *
 * Recursive descent over the buffer itself. jansson's loader reads through
 * a callback per character and costs about 100 instructions per byte; this
 * checks plain string bytes in a tight loop and builds a string without
 * escapes straight from the buffer.
 *
 * It follows jansson 2.14's loader (src/load.c) where that is stricter or
 * looser than RFC 8259, so the daemon refuses what it refused before:
 * - the top level is an object or an array (no JSON_DECODE_ANY);
 * - strings are strict UTF-8: no overlong forms, no encoded UTF-16
 *   surrogates, nothing above U+10FFFF; \u escapes must pair surrogates;
 *   \u0000 is refused in values (no JSON_ALLOW_NUL) and in keys;
 * - a number without '.', 'e' or 'E' is an integer and must fit json_int_t
 *   (jansson refuses what strtoll clamps); any other is a real from strtod,
 *   refused if it overflows to infinity (underflow to 0 is fine); "-0" is
 *   the integer 0;
 * - duplicate keys are refused (JSON_REJECT_DUPLICATES);
 * - at most JPARSE_JANSSON_DEPTH values inside each other, counting the
 *   scalars in the innermost container.
 * One difference, deliberately: jansson's stream reader loses a NUL byte
 * that directly follows a number or true/false/null (stream_unget cannot put
 * a NUL back), so it accepts [1\0]. JSON has no NUL outside strings, and
 * neither do we.
 *
 * This file builds the tree (objects, arrays, the top level); the scanner
 * for strings, numbers and literals is jparse_lex.c. */
#include "jparse.h"
#include "jparse_internal.h"
#include "util.h"

#include <stdlib.h>

static json_t *jparse_value(struct jparse *jp);

static json_t *jparse_string_value(struct jparse *jp)
{
	struct jparse_str str;
	json_t *value;

	if (jparse_string(jp, &str))
		return NULL;
	/* Checked above: valid UTF-8 and no NUL, what json_stringn checks. */
	value = json_stringn_nocheck(str.p, str.len);
	free(str.owned);
	return jparse_made(jp, value);
}

/* Going into an object or array: the caller's depth limit, then jansson's. */
static int jparse_enter(struct jparse *jp)
{
	if (jp->limits.max_depth && jp->depth >= jp->limits.max_depth)
		return util_fail(jp->err, jp->errlen, "nesting deeper than %d levels",
				 jp->limits.max_depth);
	jp->depth++;
	jp->pos++;
	return 0;
}

/* One "key": value into obj. */
static int jparse_member(struct jparse *jp, json_t *obj)
{
	struct jparse_str key;
	size_t key_at = jp->pos;
	json_t *value;
	int rc = -1;

	if (jparse_peek(jp) != '"')
		return jparse_unexpected(jp, "a string key");
	if (jparse_string(jp, &key))
		return -1;
	if (json_object_getn(obj, key.p, key.len)) {
		jp->pos = key_at;
		jparse_fail(jp, "duplicate key");
		goto out;
	}
	jparse_space(jp);
	if (jparse_peek(jp) != ':') {
		jparse_unexpected(jp, "':'");
		goto out;
	}
	jp->pos++;
	value = jparse_value(jp);
	if (!value)
		goto out;
	/* Frees value if it fails. */
	if (json_object_setn_new_nocheck(obj, key.p, key.len, value)) {
		util_fail(jp->err, jp->errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(key.owned);
	return rc;
}

static json_t *jparse_object(struct jparse *jp)
{
	json_t *obj;

	if (jparse_enter(jp) || !(obj = jparse_made(jp, json_object())))
		return NULL;
	jparse_space(jp);
	if (jparse_peek(jp) != '}') {
		for (;;) {
			if (jparse_member(jp, obj))
				goto fail;
			jparse_space(jp);
			if (jparse_peek(jp) != ',')
				break;
			jp->pos++;
			jparse_space(jp);
		}
		if (jparse_peek(jp) != '}') {
			jparse_unexpected(jp, "',' or '}'");
			goto fail;
		}
	}
	jp->pos++;
	jp->depth--;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static json_t *jparse_array(struct jparse *jp)
{
	json_t *arr, *value;

	if (jparse_enter(jp) || !(arr = jparse_made(jp, json_array())))
		return NULL;
	jparse_space(jp);
	if (jparse_peek(jp) != ']') {
		for (;;) {
			value = jparse_value(jp);
			/* Frees value if it fails. */
			if (!value || json_array_append_new(arr, value)) {
				if (value)
					util_fail(jp->err, jp->errlen, "out of memory");
				goto fail;
			}
			jparse_space(jp);
			if (jparse_peek(jp) != ',')
				break;
			jp->pos++;
		}
		if (jparse_peek(jp) != ']') {
			jparse_unexpected(jp, "',' or ']'");
			goto fail;
		}
	}
	jp->pos++;
	jp->depth--;
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

static json_t *jparse_value(struct jparse *jp)
{
	int c;

	jparse_space(jp);
	/* jansson counts every value, so a scalar inside 2048 arrays is one
	 * too many. */
	if (jp->depth >= JPARSE_JANSSON_DEPTH) {
		jparse_fail(jp, "nesting deeper than %d values", JPARSE_JANSSON_DEPTH);
		return NULL;
	}
	c = jparse_peek(jp);
	switch (c) {
	case '{':
		return jparse_object(jp);
	case '[':
		return jparse_array(jp);
	case '"':
		return jparse_string_value(jp);
	case 't':
		return jparse_literal(jp, "true", json_true());
	case 'f':
		return jparse_literal(jp, "false", json_false());
	case 'n':
		return jparse_literal(jp, "null", json_null());
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return jparse_number(jp);
		jparse_unexpected(jp, "a value");
		return NULL;
	}
}

json_t *jparse_load(const char *text, size_t len, const struct jparse_limits *limits, char *err,
		    size_t errlen)
{
	struct jparse jp = { .s = text, .len = len, .err = err, .errlen = errlen };
	json_t *root;

	if (limits)
		jp.limits = *limits;
	jparse_space(&jp);
	if (jparse_peek(&jp) != '{' && jparse_peek(&jp) != '[') {
		jparse_unexpected(&jp, "'{' or '['");
		return NULL;
	}
	root = jparse_value(&jp);
	if (!root)
		return NULL;
	jparse_space(&jp);
	if (jp.pos < jp.len) {
		jparse_unexpected(&jp, "the end of the text");
		json_decref(root);
		return NULL;
	}
	return root;
}
