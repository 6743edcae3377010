/* test_handle.c - the message handlers, one message and its reply at a
 * time, through the harness (a daemon without sockets, a real store). */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "harness.h"

/* The message's "type" and, for an error, its "code" ("" when none). */
static const char *type_of(const json_t *m)
{
	const char *t = json_string_value(json_object_get(m, "type"));
	return t ? t : "";
}

static const char *code_of(const json_t *m)
{
	const char *c = json_string_value(json_object_get(m, "code"));
	return c ? c : "";
}

static const char *str(const json_t *m, const char *key)
{
	const char *s = json_string_value(json_object_get(m, key));
	return s ? s : "";
}

/* Ask, and check the reply's type (and the error's code). */
static json_t *expect(struct client *c, const char *text, const char *type, const char *code)
{
	json_t *r = harness_ask(c, text);

	assert_non_null(r);
	if (strcmp(type_of(r), type) || (code && strcmp(code_of(r), code))) {
		char *got = json_dumps(r, JSON_COMPACT);
		fail_msg("%s\n  wanted %s %s, got %s", text, type, code ? code : "", got);
	}
	return r;
}

static int reset(void **state)
{
	(void)state;
	harness_reset();
	return 0;
}

static void test_hello(void **state)
{
	struct client *c = harness_client("192.0.2.1");
	json_t *r;

	(void)state;
	r = expect(c, "{\"type\":\"answer\",\"id\":1}", "error", "unauthorized");
	json_decref(r);
	r = expect(c, "{\"type\":\"hello\",\"role\":\"agent\",\"token\":\"wrong\",\"id\":2}", "error",
		   "unauthorized");
	assert_int_equal(json_integer_value(json_object_get(r, "re")), 2);
	json_decref(r);
	r = expect(c, "{\"type\":\"hello\",\"role\":\"citizen\",\"lang\":\"nb\"}", "welcome", NULL);
	assert_non_null(json_object_get(json_object_get(r, "countries"), "no"));
	assert_int_equal(json_array_size(json_object_get(r, "langs")), 4);
	json_decref(r);
	r = expect(c, "{\"type\":\"hello\",\"role\":\"citizen\"}", "error", "conflict");
	json_decref(r);
	harness_close(c);
}

static void test_bad_requests(void **state)
{
	struct client *c = harness_signed_in("agent", "192.0.2.2");
	json_t *r;

	(void)state;
	assert_non_null(c);
	r = expect(c, "{\"type\":\"no_such\",\"id\":\"x\"}", "error", "bad_request");
	assert_string_equal(str(r, "re"), "x");
	json_decref(r);
	r = expect(c, "{\"type\":\"start\",\"country\":\"no\",\"channel\":\"phone\",\"colour\":1}",
		   "error", "bad_request");
	assert_non_null(strstr(str(r, "message"), "colour"));
	json_decref(r);
	r = expect(c, "{\"type\":\"start\",\"country\":\"se\",\"channel\":\"phone\"}", "error",
		   "bad_request");
	json_decref(r);
	harness_close(c);
}

/* A started session's id, from the first step. */
static void start(struct client *c, const char *msg, char *session)
{
	json_t *r = expect(c, msg, "step", NULL);

	snprintf(session, SESSION_ID_LEN + 1, "%s", str(r, "session"));
	assert_int_equal(strlen(session), SESSION_ID_LEN);
	json_decref(r);
}

static void test_finish_once(void **state)
{
	struct client *a = harness_signed_in("agent", "192.0.2.3");
	char s1[SESSION_ID_LEN + 1], s2[SESSION_ID_LEN + 1], msg[256];
	json_int_t contact;
	json_t *r;

	(void)state;
	start(a, "{\"type\":\"start\",\"country\":\"no\",\"channel\":\"phone\"}", s1);
	snprintf(msg, sizeof(msg),
		 "{\"type\":\"finish\",\"session\":\"%s\",\"key\":\"unit-1\",\"outcome\":\"resolved\"}",
		 s1);
	r = expect(a, msg, "logged", NULL);
	contact = json_integer_value(json_object_get(r, "contact"));
	assert_true(contact > 0);
	assert_null(json_object_get(r, "duplicate"));
	json_decref(r);
	/* The same finish again: the same contact, nothing written. */
	r = expect(a, msg, "logged", NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "contact")), contact);
	assert_true(json_is_true(json_object_get(r, "duplicate")));
	json_decref(r);
	/* The key for another contact is a conflict that names none. */
	start(a, "{\"type\":\"start\",\"country\":\"no\",\"channel\":\"phone\"}", s2);
	snprintf(msg, sizeof(msg),
		 "{\"type\":\"finish\",\"session\":\"%s\",\"key\":\"unit-1\",\"outcome\":\"abandoned\"}",
		 s2);
	r = expect(a, msg, "error", "conflict");
	assert_null(json_object_get(r, "contact"));
	json_decref(r);
	harness_close(a);
}

/* A citizen who handed over and an agent who took it; the code in code. */
static void handed_over(struct client *cz, struct client *ag, char *session, char *code)
{
	char msg[256];
	json_t *r;

	start(cz, "{\"type\":\"start\",\"country\":\"no\",\"channel\":\"widget\",\"lang\":\"nb\"}",
	      session);
	snprintf(msg, sizeof(msg), "{\"type\":\"handover\",\"session\":\"%s\"}", session);
	r = expect(cz, msg, "handover", NULL);
	snprintf(code, HANDOVER_CODE_LEN + 1, "%s", str(r, "code"));
	json_decref(r);
	snprintf(msg, sizeof(msg), "{\"type\":\"take\",\"code\":\"%s\"}", code);
	r = expect(ag, msg, "step", NULL);
	assert_string_equal(str(r, "session"), session);
	json_decref(r);
}

static void test_chat_relay(void **state)
{
	struct client *cz = harness_signed_in("citizen", "192.0.2.4");
	struct client *other = harness_signed_in("citizen", "192.0.2.5");
	struct client *ag = harness_signed_in("agent", "192.0.2.6");
	char session[SESSION_ID_LEN + 1], code[HANDOVER_CODE_LEN + 1], msg[256];
	json_t *r, *m;

	(void)state;
	handed_over(cz, ag, session, code);
	while ((m = harness_next(cz)) && strcmp(type_of(m), "taken"))
		json_decref(m); /* queue places */
	assert_non_null(m);
	assert_string_equal(str(m, "code"), code);
	json_decref(m);

	snprintf(msg, sizeof(msg), "{\"type\":\"chat\",\"session\":\"%s\",\"text\":\"Hei\"}",
		 session);
	r = expect(ag, msg, "chat", NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), 1);
	json_decref(r);
	m = harness_next(cz);
	assert_non_null(m);
	assert_string_equal(type_of(m), "chat");
	assert_string_equal(str(m, "from"), "agent");
	assert_string_equal(str(m, "text"), "Hei");
	json_decref(m);

	/* Another citizen reaches no one's chat, not even by its id. */
	r = expect(other, "{\"type\":\"chat\",\"text\":\"hallo\"}", "error", "not_found");
	json_decref(r);
	snprintf(msg, sizeof(msg), "{\"type\":\"chat\",\"session\":\"%s\",\"text\":\"x\"}",
		 session);
	r = harness_ask(other, msg);
	assert_string_equal(type_of(r), "error");
	assert_true(!strcmp(code_of(r), "forbidden") || !strcmp(code_of(r), "not_found"));
	json_decref(r);
	assert_null(harness_next(cz));
	harness_close(other);
	harness_close(cz);
	harness_close(ag);
}

static void test_callback_phone(void **state)
{
	struct client *cz = harness_signed_in("citizen", "192.0.2.7");
	char session[SESSION_ID_LEN + 1], msg[256];
	json_t *r;

	(void)state;
	start(cz, "{\"type\":\"start\",\"country\":\"no\",\"channel\":\"widget\",\"lang\":\"nb\"}",
	      session);
	snprintf(msg, sizeof(msg), "{\"type\":\"handover\",\"session\":\"%s\"}", session);
	json_decref(expect(cz, msg, "handover", NULL));
	snprintf(msg, sizeof(msg), "{\"type\":\"callback\",\"session\":\"%s\",\"phone\":\"12\"}",
		 session);
	r = expect(cz, msg, "error", "bad_request");
	json_decref(r);
	harness_close(cz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hello, reset),
		cmocka_unit_test_setup(test_bad_requests, reset),
		cmocka_unit_test_setup(test_finish_once, reset),
		cmocka_unit_test_setup(test_chat_relay, reset),
		cmocka_unit_test_setup(test_callback_phone, reset),
	};

	harness_daemon();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
