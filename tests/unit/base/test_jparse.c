/* Unit tests for jparse: every input of the table goes through both jparse
 * and json_loadb(…, JSON_REJECT_DUPLICATES), the parser it replaced; both
 * must accept or refuse it as the table says, and build the same value. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jparse.h"

struct jcase {
	const char *text;
	size_t len;
	int accept;
	int line;
};

/* Literals may hold NUL bytes, so their length comes from sizeof. */
/* clang-format off */
#define OK(s) { s, sizeof(s) - 1, 1, __LINE__ }
#define NO(s) { s, sizeof(s) - 1, 0, __LINE__ }
/* clang-format on */

static const struct jcase cases[] = {
	/* The top level: an object or array, whitespace around, nothing else. */
	OK("{}"),
	OK("[]"),
	OK(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n"),
	NO(""),
	NO("   "),
	NO("1"),
	NO("\"a\""),
	NO("true"),
	NO("null"),
	NO("{} x"),
	NO("{}{}"),
	NO("[]]"),
	NO("{"),
	NO("["),
	NO("[1"),
	NO("{\"a\":1"),
	NO("/*c*/{}"),
	NO("\xef\xbb\xbf{}"), /* a byte order mark */
	NO("\xc2\xa0{}"),     /* no-break space */
	NO("[1\x0b]"),        /* vertical tab */
	NO("[1\x0c]"),        /* form feed */
	/* Structure. */
	OK("{\"a\":{\"b\":[[],{}]},\"c\":[{\"d\":null}]}"),
	NO("[1,]"),
	NO("[,1]"),
	NO("[1,,2]"),
	NO("[1 2]"),
	NO("{\"a\":1,}"),
	NO("{,}"),
	NO("{\"a\" 1}"),
	NO("{\"a\":}"),
	NO("{\"a\"}"),
	NO("{1:2}"),
	NO("{'a':1}"),
	NO("{a:1}"),
	NO("[}"),
	NO("{]"),
	/* Literals. */
	OK("[true,false,null]"),
	NO("[tru]"),
	NO("[truex]"),
	NO("[True]"),
	NO("[nul]"),
	NO("[nulll]"),
	NO("[undefined]"),
	/* Strings: escapes. */
	OK("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"]"),
	OK("[\"\\u0041\\u00e9\\u20AC\\uffff\"]"),
	OK("[\"\\ud83d\\ude00\",\"\\uD83D\\uDE00\",\"\\udbff\\udfff\"]"),
	OK("[\"\\u0001\\u001f\\u007f\"]"),
	NO("[\"\\ud800\"]"),
	NO("[\"\\udc00\"]"),
	NO("[\"\\udfff\\ud800\"]"),
	NO("[\"\\ud800\\u0041\"]"),
	NO("[\"\\ud800\\ud800\"]"),
	NO("[\"\\ud800x\"]"),
	NO("[\"\\ud800\\\\udc00\"]"),
	NO("[\"\\ud800\\udc0\"]"),
	NO("[\"\\u00\"]"),
	NO("[\"\\u00g0\"]"),
	NO("[\"\\U0041\"]"),
	NO("[\"\\x41\"]"),
	NO("[\"\\'\"]"),
	NO("[\"\\a\"]"),
	NO("[\"\\0\"]"),
	NO("[\"\\\0\"]"),
	NO("[\"\\"),
	NO("[\"\\\"]"),
	NO("[\"abc]"),
	NO("[\"abc"),
	NO("[\"\\u0000\"]"),
	NO("[\"a\\u0000b\"]"),
	NO("{\"\\u0000\":1}"),
	NO("{\"a\\u0000\":1}"),
	/* Strings: raw bytes. */
	OK("[\"\x7f\"]"),
	NO("[\"\x01\"]"),
	NO("[\"\x1f\"]"),
	NO("[\"a\nb\"]"),
	NO("[\"a\tb\"]"),
	NO("[\"a\0b\"]"),
	OK("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]"),
	OK("[\"\xc2\x80\xdf\xbf\"]"),                 /* U+0080, U+07FF */
	OK("[\"\xe0\xa0\x80\xed\x9f\xbf\"]"),         /* U+0800, U+D7FF */
	OK("[\"\xee\x80\x80\xef\xbf\xbf\"]"),         /* U+E000, U+FFFF */
	OK("[\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"]"), /* U+10000, U+10FFFF */
	NO("[\"\xc0\xaf\"]"),                         /* overlong '/' */
	NO("[\"\xc1\xbf\"]"),
	NO("[\"\xe0\x80\xaf\"]"),
	NO("[\"\xe0\x9f\xbf\"]"),
	NO("[\"\xf0\x80\x80\xaf\"]"),
	NO("[\"\xf0\x8f\xbf\xbf\"]"),
	NO("[\"\xed\xa0\x80\"]"), /* a UTF-16 surrogate in UTF-8 */
	NO("[\"\xed\xbf\xbf\"]"),
	NO("[\"\xf4\x90\x80\x80\"]"), /* above U+10FFFF */
	NO("[\"\xf5\x80\x80\x80\"]"),
	NO("[\"\xf8\x88\x80\x80\x80\"]"),
	NO("[\"\xff\"]"),
	NO("[\"\xfe\"]"),
	NO("[\"\x80\"]"), /* a continuation byte alone */
	NO("[\"\xc3\"]"),
	NO("[\"\xc3\x28\"]"),
	NO("[\"\xe2\x82\"]"),
	NO("[\"\xe2\x82"),
	NO("[\"\xf0\x9f\x98\"]"),
	NO("[\xc3\xa9]"), /* outside a string */
	/* Numbers: the grammar. */
	OK("[0,-0,1,-1,10,1234567890]"),
	OK("[0.5,-0.0,1.0,1e2,1E2,1e+2,1e-2,1E-2,-1.5e-3,0e0,0.0e+0]"),
	NO("[01]"),
	NO("[-01]"),
	NO("[00]"),
	NO("[+1]"),
	NO("[.5]"),
	NO("[-.5]"),
	NO("[1.]"),
	NO("[1.e5]"),
	NO("[1e]"),
	NO("[1e+]"),
	NO("[1e-]"),
	NO("[1E+-1]"),
	NO("[-]"),
	NO("[--1]"),
	NO("[- 1]"),
	NO("[0x10]"),
	NO("[1.5.2]"),
	NO("[1e5e5]"),
	NO("[Infinity]"),
	NO("[-Infinity]"),
	NO("[NaN]"),
	NO("[1_000]"),
	/* Numbers: integers must fit json_int_t. */
	OK("[9223372036854775807,-9223372036854775808]"),
	NO("[9223372036854775808]"),
	NO("[-9223372036854775809]"),
	NO("[10000000000000000000]"),
	NO("[18446744073709551616]"),
	NO("[123456789012345678901234567890]"),
	/* Numbers: reals are strtod's, refused when they overflow. */
	OK("[9223372036854775808.0,123456789012345678901234567890e0]"),
	OK("[1e308,1.7976931348623157e308,-1.7976931348623157e308]"),
	OK("[1e-400,-1e-400,4.9e-324,2.2250738585072014e-308]"), /* underflow is fine */
	OK("[0.000000000000000000000000000000000000000000000000000000000000000000000000001]"),
	OK("[3.14159265358979323846264338327950288419716939937510582097494459230781640628]"),
	NO("[1e309]"),
	NO("[-1e309]"),
	NO("[1e400]"),
	NO("[1.8e308]"),
	NO("[1e999999]"),
	/* Keys. */
	OK("{\"\":1,\"a\":1,\"A\":2,\"\\u00e9\":3,\"\xc3\xa9x\":4}"),
	OK("{\"a\":{\"a\":1},\"b\":{\"a\":1}}"),
	NO("{\"a\":1,\"a\":2}"),
	NO("{\"a\":1,\"b\":2,\"a\":3}"),
	NO("{\"\":1,\"\":2}"),
	NO("{\"a\":1,\"\\u0061\":2}"),
	NO("{\"\\u00e9\":1,\"\xc3\xa9\":2}"),
	/* A NUL byte where jansson would refuse it too (see test_nul_after_value). */
	NO("\0[]"),
	NO("[]\0"),
	NO("[\0]"),
	NO("[1,\0 2]"),
	NO("[\"a\"\0]"),
	NO("[1\0\0]"),
	NO("[1\0 2]"),
};

static void check(const char *text, size_t len, int accept, int line)
{
	char err[256];
	json_error_t jerr;
	json_t *mine = jparse_load(text, len, NULL, err, sizeof(err));
	json_t *theirs = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!theirs != !accept)
		fail_msg("line %d: json_loadb %s it (%s)", line, theirs ? "accepts" : "refuses",
			 theirs ? "" : jerr.text);
	if (!mine != !accept)
		fail_msg("line %d: jparse %s it (%s)", line, mine ? "accepts" : "refuses",
			 mine ? "" : err);
	if (mine) {
		char *a = json_dumps(mine, JSON_COMPACT), *b = json_dumps(theirs, JSON_COMPACT);

		if (!json_equal(mine, theirs) || strcmp(a, b))
			fail_msg("line %d: jparse built %s, jansson %s", line, a, b);
		free(a);
		free(b);
	} else if (strncmp(err, "invalid JSON at column ", 23)) {
		fail_msg("line %d: error without the prefix: %s", line, err);
	}
	json_decref(mine);
	json_decref(theirs);
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i].text, cases[i].len, cases[i].accept, cases[i].line);
}

/* 1 is an integer, 1.0 and 1e2 are reals, -0 is the integer 0: jansson's
 * types, which json_equal compares too. */
static void test_number_types(void **state)
{
	const char *text = "[1,1.0,1e2,-0,-0.0,-9223372036854775808]";
	json_t *a = jparse_load(text, strlen(text), NULL, NULL, 0);

	(void)state;
	assert_non_null(a);
	assert_true(json_is_integer(json_array_get(a, 0)));
	assert_true(json_is_real(json_array_get(a, 1)));
	assert_true(json_is_real(json_array_get(a, 2)));
	assert_true(json_is_integer(json_array_get(a, 3)));
	assert_int_equal(json_integer_value(json_array_get(a, 3)), 0);
	assert_true(json_is_real(json_array_get(a, 4)));
	assert_true(json_integer_value(json_array_get(a, 5)) == INT64_MIN);
	json_decref(a);
}

/* jansson counts every value against its JSON_PARSER_MAX_DEPTH of 2048,
 * scalars included. */
static void test_jansson_depth(void **state)
{
	size_t n = 2100;
	char *text = malloc(2 * n + 2);

	(void)state;
	for (size_t levels = 2046; levels <= 2050; levels++) {
		for (int scalar = 0; scalar <= 1; scalar++) {
			size_t len = 0;
			for (size_t i = 0; i < levels; i++)
				text[len++] = '[';
			if (scalar)
				text[len++] = '1';
			for (size_t i = 0; i < levels; i++)
				text[len++] = ']';
			check(text, len, levels + (size_t)scalar <= 2048, __LINE__);
		}
	}
	free(text);
}

/* The one deliberate difference: jansson loses a NUL byte directly after a
 * number or literal and accepts the rest; jparse refuses any NUL byte. */
static void test_nul_after_value(void **state)
{
	static const char *const texts[] = { "[1\0]", "[true\0]", "{\"a\":null\0,\"b\":2.5\0}" };
	static const size_t lens[] = { 4, 7, 20 };
	char err[256];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		json_t *theirs = json_loadb(texts[i], lens[i], JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(theirs);
		json_decref(theirs);
		assert_null(jparse_load(texts[i], lens[i], NULL, err, sizeof(err)));
		assert_non_null(strstr(err, "found byte 0x00"));
	}
}

static void expect_error(const char *text, const struct jparse_limits *limits, const char *want)
{
	char err[256];
	json_t *v = jparse_load(text, strlen(text), limits, err, sizeof(err));

	if (v)
		fail_msg("accepted %.60s", text);
	if (strcmp(err, want))
		fail_msg("for %.60s expected \"%s\", got \"%s\"", text, want, err);
}

static void test_error_messages(void **state)
{
	(void)state;
	expect_error("{\"a\":1,\"a\":2}", NULL, "invalid JSON at column 8: duplicate key");
	expect_error("[1,\n  2,]", NULL, "invalid JSON at column 5: a value expected, found ']'");
	expect_error("[\"\xc3\xa9\xc3\xa9\",x]", NULL,
		     "invalid JSON at column 7: a value expected, found 'x'");
	expect_error("{\"type\":", NULL,
		     "invalid JSON at column 9: a value expected, found the end of the text");
	expect_error("[\"a\x01\"]", NULL,
		     "invalid JSON at column 4: control character 0x01 in a string");
	expect_error("[\"\\ud800\"]", NULL,
		     "invalid JSON at column 3: \\uD800 is half a surrogate pair");
	expect_error("[\"\\u0000\"]", NULL,
		     "invalid JSON at column 3: \\u0000 (NUL) is not allowed");
	expect_error("[99999999999999999999]", NULL, "invalid JSON at column 2: too big integer");
	expect_error("[1e999]", NULL, "invalid JSON at column 2: real number overflow");
	expect_error("{} {}", NULL,
		     "invalid JSON at column 4: the end of the text expected, found '{'");
	expect_error("1", NULL, "invalid JSON at column 1: '{' or '[' expected, found '1'");
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	char *s = malloc(strlen(head) + n + strlen(tail) + 1);

	strcpy(s, head);
	memset(s + strlen(head), c, n);
	strcpy(s + strlen(head) + n, tail);
	return s;
}

static void expect_limits(const char *text, int accept, const char *want)
{
	static const struct jparse_limits limits = { 16, 8192 };
	char err[256];
	json_t *v = jparse_load(text, strlen(text), &limits, err, sizeof(err));

	if (!v != !accept)
		fail_msg("%s %.60s (%s)", v ? "accepted" : "refused", text, v ? "" : err);
	if (!v && strcmp(err, want))
		fail_msg("for %.60s expected \"%s\", got \"%s\"", text, want, err);
	json_decref(v);
}

/* {"a":{"a":…{}…}} with levels objects. */
static char *nested_objects(int levels)
{
	char *s = malloc((size_t)levels * 6 + 1), *p = s;

	for (int i = 1; i < levels; i++)
		p += sprintf(p, "{\"a\":");
	p += sprintf(p, "{}");
	for (int i = 1; i < levels; i++)
		*p++ = '}';
	*p = '\0';
	return s;
}

/* The limits count objects and arrays, and a string's bytes as written
 * between its quotes (escapes undecoded), keys too. */
static void test_limits(void **state)
{
	static const char *const deep = "nesting deeper than 16 levels";
	static const char *const long_ = "a string is longer than 8192 bytes";
	char *s;

	(void)state;
	expect_limits("[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]", 1, NULL);
	expect_limits("[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", 0, deep);
	s = nested_objects(16);
	expect_limits(s, 1, NULL);
	free(s);
	s = nested_objects(17);
	expect_limits(s, 0, deep);
	free(s);
	expect_limits("[[],[[]],\"[[[[[[[[[[[[[[[[[[\"]", 1, NULL);

	s = repeat("[\"", 'x', 8192, "\"]");
	expect_limits(s, 1, NULL);
	free(s);
	s = repeat("[\"", 'x', 8193, "\"]");
	expect_limits(s, 0, long_);
	free(s);
	s = repeat("{\"", 'k', 8193, "\":1}");
	expect_limits(s, 0, long_);
	free(s);
	/* Escapes count as written: 8190 + 6 bytes, decoded only 8192. */
	s = repeat("[\"\\u00e9", 'x', 8190, "\"]");
	expect_limits(s, 0, long_);
	free(s);
	s = repeat("[\"\\u00e9", 'x', 8186, "\"]");
	expect_limits(s, 1, NULL);
	free(s);
	/* Without limits only jansson's own rules apply. */
	s = repeat("[\"", 'x', 100000, "\"]");
	check(s, strlen(s), 1, __LINE__);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),          cmocka_unit_test(test_number_types),
		cmocka_unit_test(test_jansson_depth),  cmocka_unit_test(test_nul_after_value),
		cmocka_unit_test(test_error_messages), cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
