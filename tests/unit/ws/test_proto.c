/* Unit tests for protocol v1 parsing and field checks. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "ws/proto.h"

static int parse(const char *text, struct proto_msg *m, enum proto_code *code, char *err)
{
	return proto_parse(text, strlen(text), m, code, err, 256);
}

static void test_parse_ok(void **state)
{
	struct proto_msg m;
	enum proto_code code;
	char err[256];

	(void)state;
	assert_int_equal(parse("{\"type\":\"hello\",\"id\":7}", &m, &code, err), 0);
	assert_string_equal(m.type, "hello");
	assert_int_equal(json_integer_value(m.id), 7);
	proto_msg_free(&m);
	assert_int_equal(parse("{\"type\":\"x\",\"id\":\"abc\"}", &m, &code, err), 0);
	assert_string_equal(json_string_value(m.id), "abc");
	proto_msg_free(&m);
}

static void expect_refused(const char *text, enum proto_code want, const char *needle)
{
	struct proto_msg m;
	enum proto_code code;
	char err[256];

	assert_int_equal(proto_parse(text, strlen(text), &m, &code, err, sizeof(err)), -1);
	assert_int_equal(code, want);
	if (!strstr(err, needle))
		fail_msg("for %.60s expected an error mentioning \"%s\", got \"%s\"", text, needle,
			 err);
	proto_msg_free(&m);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	expect_refused("{\"type\":\"a\",\"type\":\"b\"}", PROTO_BAD_REQUEST, "invalid JSON");
	expect_refused("[1,2]", PROTO_BAD_REQUEST, "must be a JSON object");
	expect_refused("{\"id\":1}", PROTO_BAD_REQUEST, "\"type\"");
	expect_refused("{\"type\":5}", PROTO_BAD_REQUEST, "\"type\"");
	expect_refused("{\"type\":\"a\",\"id\":[1]}", PROTO_BAD_REQUEST, "\"id\"");
	expect_refused("{\"type\":", PROTO_BAD_REQUEST, "invalid JSON");
	expect_refused("{\"type\":\"a\",\"s\":\"\xff\xfe\"}", PROTO_BAD_REQUEST, "invalid JSON");
	expect_refused("{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", PROTO_BAD_REQUEST,
		       "nesting");
}

static void test_parse_limits(void **state)
{
	size_t n = PROTO_MAX_STRING + 100;
	char *big = malloc(n + 64);

	(void)state;
	strcpy(big, "{\"type\":\"a\",\"s\":\"");
	memset(big + strlen(big), 'x', n);
	strcpy(big + 17 + n, "\"}");
	expect_refused(big, PROTO_BAD_REQUEST, "longer than");
	free(big);

	big = malloc(PROTO_MAX_MESSAGE + 10);
	memset(big, ' ', PROTO_MAX_MESSAGE + 9);
	big[PROTO_MAX_MESSAGE + 9] = '\0';
	expect_refused(big, PROTO_TOO_LARGE, "over the limit");
	free(big);
}

static void expect_parsed(const char *text)
{
	struct proto_msg m;
	enum proto_code code;
	char err[256];

	if (proto_parse(text, strlen(text), &m, &code, err, sizeof(err)))
		fail_msg("refused %.60s: %s", text, err);
	proto_msg_free(&m);
}

/* The limits hold exactly at their numbers: PROTO_MAX_DEPTH objects and
 * arrays, PROTO_MAX_STRING bytes between a string's quotes. */
static void test_parse_limit_edges(void **state)
{
	char *big = malloc(PROTO_MAX_STRING + 64);
	char deep[128];
	int n;

	(void)state;
	n = sprintf(big, "{\"type\":\"a\",\"s\":\"");
	memset(big + n, 'x', PROTO_MAX_STRING);
	strcpy(big + n + PROTO_MAX_STRING, "\"}");
	expect_parsed(big);
	memset(big + n, 'x', PROTO_MAX_STRING + 1);
	strcpy(big + n + PROTO_MAX_STRING + 1, "\"}");
	expect_refused(big, PROTO_BAD_REQUEST, "a string is longer than 8192 bytes");
	free(big);

	/* The message itself is the first level. */
	n = sprintf(deep, "{\"type\":\"a\",\"d\":");
	memset(deep + n, '[', PROTO_MAX_DEPTH - 1);
	memset(deep + n + PROTO_MAX_DEPTH - 1, ']', PROTO_MAX_DEPTH - 1);
	strcpy(deep + n + 2 * (PROTO_MAX_DEPTH - 1), "}");
	expect_parsed(deep);
	memset(deep + n, '[', PROTO_MAX_DEPTH);
	memset(deep + n + PROTO_MAX_DEPTH, ']', PROTO_MAX_DEPTH);
	strcpy(deep + n + 2 * PROTO_MAX_DEPTH, "}");
	expect_refused(deep, PROTO_BAD_REQUEST, "nesting deeper than 16 levels");

	expect_refused("{\"type\":\"a\",\"type\":\"b\"}", PROTO_BAD_REQUEST,
		       "invalid JSON at column 13: duplicate key");
}

static void test_id_echoed_on_error(void **state)
{
	struct proto_msg m;
	enum proto_code code;
	char err[256];

	(void)state;
	/* Even a refused message echoes its id, so the client can match the reply. */
	assert_int_equal(parse("{\"id\":\"q1\"}", &m, &code, err), -1);
	assert_non_null(m.id);
	assert_string_equal(json_string_value(m.id), "q1");
	proto_msg_free(&m);
}

static void test_fields(void **state)
{
	static const char *const allowed[] = { "phone", "chat", NULL };
	static const char *const keys[] = { "type", "channel", NULL };
	json_t *o = json_pack("{s:s,s:s,s:i}", "type", "start", "channel", "fax", "n", 3);
	const char *out;
	char err[256];

	(void)state;
	assert_int_equal(proto_get_enum(o, "channel", 1, allowed, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "\"channel\": \"fax\" is not allowed; allowed: phone, chat");
	assert_int_equal(proto_get_string(o, "n", 1, 10, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "\"n\" must be a string");
	assert_int_equal(proto_get_string(o, "missing", 1, 10, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "\"missing\" is required");
	assert_int_equal(proto_get_string(o, "missing", 0, 10, &out, err, sizeof(err)), 0);
	assert_null(out);
	assert_int_equal(proto_check_keys(o, keys, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown field \"n\"; allowed: type, channel");
	json_decref(o);
}

static void test_error_reply(void **state)
{
	json_t *re = json_string("x1");
	json_t *e = proto_error(re, PROTO_NOT_FOUND, "no session");
	char *s = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);

	(void)state;
	assert_string_equal(
		s,
		"{\"code\":\"not_found\",\"message\":\"no session\",\"re\":\"x1\",\"type\":\"error\"}");
	free(s);
	json_decref(e);
	json_decref(re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),           cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_limits),       cmocka_unit_test(test_parse_limit_edges),
		cmocka_unit_test(test_id_echoed_on_error), cmocka_unit_test(test_fields),
		cmocka_unit_test(test_error_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
