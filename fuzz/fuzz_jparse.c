/* fuzz_jparse.c - libFuzzer: jparse_load against json_loadb, the parser it
 * replaced in proto_parse.
 *
 * For any input both must accept it or both refuse it, and what they accept
 * must be the same value: json_equal, and the same text from json_dumps
 * (so also the same key order and the same doubles). The one difference
 * jparse.c documents is checked as such: jparse refuses every NUL byte, and
 * where jansson accepted one (it loses a NUL after a number or literal) the
 * input without its NUL bytes must give jansson's value.
 *
 * With proto_parse's limits, jparse must refuse a valid text exactly when
 * the scan that proto_parse used to run before json_loadb did, with the
 * same message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jparse.h"
#include "ws/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int ok, const char *what, const char *err)
{
	if (!ok) {
		fprintf(stderr, "fuzz_jparse: %s (%s)\n", what, err ? err : "");
		abort();
	}
}

static void must_be_same(json_t *a, json_t *b, const char *what)
{
	char *da = json_dumps(a, JSON_COMPACT | JSON_ENCODE_ANY);
	char *db = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);

	must(json_equal(a, b), what, "not json_equal");
	must(da && db && !strcmp(da, db), what, "dumped differently");
	free(da);
	free(db);
}

/* proto_prescan as it was before jparse, the reference for the limits (its
 * string length off by one fixed: it counted the closing quote). NULL if
 * the text is within them, else the message it gave. */
static const char *old_prescan(const char *text, size_t len, char *err, size_t errlen)
{
	int depth = 0, in_string = 0;
	size_t string_start = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (in_string) {
			if (ch == '\\') {
				i++;
			} else if (ch == '"') {
				in_string = 0;
				if (i - string_start - 1 > PROTO_MAX_STRING) {
					snprintf(err, errlen, "a string is longer than %d bytes",
						 PROTO_MAX_STRING);
					return err;
				}
			}
		} else if (ch == '"') {
			in_string = 1;
			string_start = i;
		} else if (ch == '{' || ch == '[') {
			if (++depth > PROTO_MAX_DEPTH) {
				snprintf(err, errlen, "nesting deeper than %d levels",
					 PROTO_MAX_DEPTH);
				return err;
			}
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
	return NULL;
}

/* jansson accepted text with NUL bytes in it: without them jparse must
 * give the same value. */
static void check_without_nul(const char *text, size_t size, json_t *theirs)
{
	char *copy = malloc(size ? size : 1), err[256];
	size_t n = 0;
	json_t *mine;

	for (size_t i = 0; i < size; i++)
		if (text[i])
			copy[n++] = text[i];
	mine = jparse_load(copy, n, NULL, err, sizeof(err));
	must(mine != NULL, "jansson accepted it with NUL bytes, jparse refused it without", err);
	must_be_same(mine, theirs, "a different value once the NUL bytes are gone");
	json_decref(mine);
	free(copy);
}

static void check_limits(const char *text, size_t size, json_t *mine)
{
	static const struct jparse_limits limits = { PROTO_MAX_DEPTH, PROTO_MAX_STRING };
	char err[256], old[256];
	json_t *limited = jparse_load(text, size, &limits, err, sizeof(err));
	const char *refused;

	if (!mine) {
		must(!limited, "accepted with limits what it refused without", NULL);
		return;
	}
	refused = old_prescan(text, size, old, sizeof(old));
	if (refused) {
		must(!limited, "accepted beyond a limit", refused);
		must(!strcmp(err, refused), "refused with another message than the old scan", err);
	} else {
		must(limited != NULL, "refused within the limits", err);
		must_be_same(limited, mine, "another value with limits");
	}
	json_decref(limited);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	char err[256];
	json_error_t jerr;
	json_t *mine = jparse_load(text, size, NULL, err, sizeof(err));
	json_t *theirs = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);

	if (!mine)
		must(!strncmp(err, "invalid JSON at column ", 23) || !strcmp(err, "out of memory"),
		     "an error without the usual prefix", err);
	if (memchr(text, '\0', size)) {
		must(!mine, "accepted a NUL byte", NULL);
		if (theirs)
			check_without_nul(text, size, theirs);
	} else if (theirs) {
		must(mine != NULL, "refused what jansson accepts", err);
		must_be_same(mine, theirs, "a different value than jansson's");
	} else {
		must(!mine, "accepted what jansson refuses", jerr.text);
	}
	check_limits(text, size, mine);
	json_decref(mine);
	json_decref(theirs);
	return 0;
}
