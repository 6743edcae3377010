/* test_handoff.c - signing and checking requests between desks (against a
 * signature computed with openssl and node), the replay window, bodies of
 * handoffs, referral checks and collector contacts, and the config checks
 * of peers, senders, URLs and delivery. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "desk/handoff.h"

#define SECRET "0123456789abcdef0123456789abcdef"
#define NOW 1795000000LL

/* printf '1795000000.{"v":1}' | openssl dgst -sha256 -hmac SECRET */
#define KNOWN_SIG "sha256=19042a1a107866e2b3d0e5c0f779abf56673a08b18b9d3427ba4941219122a63"

static void test_sign_known_vector(void **state)
{
	char sig[HANDOFF_SIG_LEN + 1];

	(void)state;
	handoff_sign(SECRET, NOW, "{\"v\":1}", 7, sig);
	assert_string_equal(sig, KNOWN_SIG);
}

static int verify(const char *secret, const char *ts, const char *sig, const char *body, char *why)
{
	return handoff_verify(secret, ts, sig, body, strlen(body), NOW, why, 200);
}

static void test_verify_accepts_and_refuses(void **state)
{
	char why[200], sig[HANDOFF_SIG_LEN + 1], upper[HANDOFF_SIG_LEN + 1];

	(void)state;
	assert_int_equal(verify(SECRET, "1795000000", KNOWN_SIG, "{\"v\":1}", why), 0);
	/* Hex digits in either case are the same signature. */
	snprintf(upper, sizeof(upper), "sha256=%s", KNOWN_SIG + 7);
	for (char *p = upper + 7; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_int_equal(verify(SECRET, "1795000000", upper, "{\"v\":1}", why), 0);

	/* One byte of the body changed. */
	assert_int_equal(verify(SECRET, "1795000000", KNOWN_SIG, "{\"v\":2}", why), -1);
	assert_non_null(strstr(why, "does not match"));
	/* Another secret. */
	assert_int_equal(verify(SECRET "x", "1795000000", KNOWN_SIG, "{\"v\":1}", why), -1);
	assert_non_null(strstr(why, "does not match"));
	/* The same body and signature with another timestamp: the timestamp is signed. */
	assert_int_equal(verify(SECRET, "1795000001", KNOWN_SIG, "{\"v\":1}", why), -1);
	assert_non_null(strstr(why, "does not match"));
	/* A fresh signature for a new timestamp needs the secret: made with it, it passes. */
	handoff_sign(SECRET, NOW + 1, "{\"v\":1}", 7, sig);
	assert_int_equal(verify(SECRET, "1795000001", sig, "{\"v\":1}", why), 0);
}

static void test_verify_window(void **state)
{
	char why[200], ts[24], sig[HANDOFF_SIG_LEN + 1];
	static const long long offsets[] = { -HANDOFF_WINDOW_S, HANDOFF_WINDOW_S, 0 };
	static const long long stale[] = { -HANDOFF_WINDOW_S - 1, HANDOFF_WINDOW_S + 1, -86400 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		snprintf(ts, sizeof(ts), "%lld", NOW + offsets[i]);
		handoff_sign(SECRET, NOW + offsets[i], "{}", 2, sig);
		assert_int_equal(verify(SECRET, ts, sig, "{}", why), 0);
	}
	/* A correctly signed request that is too old (a replay) or too new. */
	for (size_t i = 0; i < 3; i++) {
		snprintf(ts, sizeof(ts), "%lld", NOW + stale[i]);
		handoff_sign(SECRET, NOW + stale[i], "{}", 2, sig);
		assert_int_equal(verify(SECRET, ts, sig, "{}", why), -1);
		assert_non_null(strstr(why, "stale or replayed"));
	}
}

static void test_verify_malformed_headers(void **state)
{
	static const char *const bad_ts[] = { "",           "-1795000000", "1795000000.5",
					      "0x6afd6a40", " 1795000000", "17950000000000" };
	static const char *const bad_sig[] = {
		"",
		"sha256=",
		"19042a1a107866e2b3d0e5c0f779abf56673a08b18b9d3427ba4941219122a63",
		"sha1=19042a1a107866e2b3d0e5c0f779abf56673a08b18b9d3427ba4941219122a63",
		"sha256=19042a1a107866e2b3d0e5c0f779abf56673a08b18b9d3427ba4941219122a6",
		"sha256=19042a1a107866e2b3d0e5c0f779abf56673a08b18b9d3427ba4941219122a633",
		"sha256=g9042a1a107866e2b3d0e5c0f779abf56673a08b18b9d3427ba4941219122a63",
	};
	char why[200];

	(void)state;
	assert_int_equal(verify(SECRET, NULL, KNOWN_SIG, "{\"v\":1}", why), -1);
	assert_int_equal(verify(SECRET, "1795000000", NULL, "{\"v\":1}", why), -1);
	assert_non_null(strstr(why, "required"));
	for (size_t i = 0; i < sizeof(bad_ts) / sizeof(bad_ts[0]); i++) {
		assert_int_equal(verify(SECRET, bad_ts[i], KNOWN_SIG, "{\"v\":1}", why), -1);
		assert_non_null(strstr(why, "Timestamp"));
	}
	for (size_t i = 0; i < sizeof(bad_sig) / sizeof(bad_sig[0]); i++) {
		assert_int_equal(verify(SECRET, "1795000000", bad_sig[i], "{\"v\":1}", why), -1);
		assert_non_null(strstr(why, "Signature"));
	}
}

/* A body with a NUL byte is signed over all its bytes. */
static void test_sign_binary_body(void **state)
{
	char sig[HANDOFF_SIG_LEN + 1], why[200];
	const char body[] = { '{', '}', '\0', 'x' };

	(void)state;
	handoff_sign(SECRET, NOW, body, sizeof(body), sig);
	assert_int_equal(handoff_verify(SECRET, "1795000000", sig, body, sizeof(body), NOW, why,
					sizeof(why)),
			 0);
	assert_int_equal(handoff_verify(SECRET, "1795000000", sig, body, 2, NOW, why, sizeof(why)),
			 -1);
}

static json_t *good_handoff(void)
{
	return json_pack("{s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:{s:s,s:s},s:[s,s],s:s,s:s,s:I}", "v", 1,
			 "desk", "desk-a", "contact_key", "c0ffee-1", "code", "K7M-42Q",
			 "destination", "no.nav", "country", "no", "lang", "nb", "facts",
			 "on_behalf", "self", "topic", "case_matter", "path", "no.start", "no.who",
			 "advice", "Ring NAV.", "note", "ring tilbake", "created",
			 (json_int_t)NOW * 1000);
}

static void test_handoff_parse(void **state)
{
	struct handoff_msg m;
	char err[256];
	json_t *b = good_handoff();

	(void)state;
	assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), 0);
	assert_string_equal(m.desk, "desk-a");
	assert_string_equal(m.code, "K7M-42Q");
	assert_string_equal(m.note, "ring tilbake");
	assert_null(m.category);
	assert_int_equal(json_object_size(m.facts), 2);
	/* Unknown fields are for newer senders: ignored. */
	json_object_set_new(b, "something_new", json_true());
	assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), 0);
	json_decref(b);

	{
		static const struct {
			const char *key;
			json_t *(*value)(void);
			const char *says;
		} bad[] = {
			{ "v", json_null, "\"v\" must be 1" },
			{ "desk", json_null, "\"desk\" is required" },
			{ "code", json_null, "\"code\" is required" },
			{ "country", json_null, "\"country\" is required" },
			{ "facts", json_null, "\"facts\" must be an object" },
			{ "path", json_null, "\"path\" must be an array" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			b = good_handoff();
			json_object_del(b, bad[i].key);
			assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), -1);
			if (!strstr(err, bad[i].says))
				fail_msg("without %s: %s", bad[i].key, err);
			json_decref(b);
		}
	}
	b = good_handoff();
	json_object_set_new(b, "code", json_string("K0M-42Q"));
	assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "K7M-42Q"));
	json_object_set_new(b, "code", json_string("K7M-42Q"));
	json_object_set_new(b, "desk", json_string("Desk A"));
	assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), -1);
	json_object_set_new(b, "desk", json_string("desk-a"));
	json_object_set_new(b, "country", json_string("NO"));
	assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), -1);
	json_object_set_new(b, "country", json_string("no"));
	json_object_set_new(json_object_get(b, "facts"), "topic", json_integer(3));
	assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), -1);
	json_decref(b);
	b = json_pack("[]");
	assert_int_equal(handoff_parse(b, &m, err, sizeof(err)), -1);
	json_decref(b);
}

static void test_feedback_parse(void **state)
{
	struct feedback_msg m;
	char err[256];
	json_t *b = json_pack("{s:i,s:s,s:s,s:s,s:s,s:s}", "v", 1, "desk", "desk-b", "destination",
			      "no.nav", "code", "K7M-42Q", "contact_key", "c0ffee-1",
			      "referral_check", "accepted");

	(void)state;
	assert_int_equal(handoff_feedback_parse(b, &m, err, sizeof(err)), 0);
	assert_null(m.correct_destination);
	/* misrouted needs the correct destination, and only misrouted has one. */
	json_object_set_new(b, "referral_check", json_string("misrouted"));
	assert_int_equal(handoff_feedback_parse(b, &m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "correct_destination"));
	json_object_set_new(b, "correct_destination", json_string("no.bank"));
	assert_int_equal(handoff_feedback_parse(b, &m, err, sizeof(err)), 0);
	assert_string_equal(m.correct_destination, "no.bank");
	json_object_set_new(b, "referral_check", json_string("accepted"));
	assert_int_equal(handoff_feedback_parse(b, &m, err, sizeof(err)), -1);
	json_object_set_new(b, "referral_check", json_string("maybe"));
	assert_int_equal(handoff_feedback_parse(b, &m, err, sizeof(err)), -1);
	json_decref(b);
}

static void test_ingest_contact_parse(void **state)
{
	struct ingest_contact c;
	char err[256];
	json_t *o = json_pack(
		"{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:[s],s:{s:s},s:s,s:s,s:s,s:s,s:n}", "key", "k1",
		"started", (json_int_t)1000, "finished", (json_int_t)2000, "channel", "phone",
		"country", "no", "lang", "nb", "rules_version", "2026-11-22.1", "path", "no.start",
		"facts", "on_behalf", "self", "outcome", "referred", "referral_reason",
		"wrong_agency", "destination", "no.nav", "on_behalf", "self", "relation");

	(void)state;
	assert_int_equal(handoff_ingest_parse(o, &c, err, sizeof(err)), 0);
	assert_string_equal(c.path_json, "[\"no.start\"]");
	assert_string_equal(c.facts_json, "{\"on_behalf\":\"self\"}");
	assert_null(c.relation);
	handoff_ingest_free(&c);
	/* Never a note. */
	json_object_set_new(o, "note", json_string("x"));
	assert_int_equal(handoff_ingest_parse(o, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "note"));
	json_object_del(o, "note");
	json_object_set_new(o, "outcome", json_string("resolved"));
	assert_int_equal(handoff_ingest_parse(o, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "referral_reason"));
	json_object_del(o, "referral_reason");
	json_object_set_new(o, "channel", json_string("fax"));
	assert_int_equal(handoff_ingest_parse(o, &c, err, sizeof(err)), -1);
	json_decref(o);
}

static void test_url_rules(void **state)
{
	static const char *const good[] = {
		"https://desk-b.example/api/v1/handoffs",
		"https://10.0.0.5:8443/api/v1/handoffs",
		"https://[2001:db8::1]:443/api",
		"http://127.0.0.1:8470/api/v1/handoffs",
		"http://127.12.0.3/x",
		"http://localhost:9/api",
		"http://[::1]:8470/api",
	};
	static const char *const bad[] = {
		"http://desk-b.example/api/v1/handoffs", /* plain http off loopback */
		"http://10.0.0.5/api",
		"http://127.0.0.1.evil.example/api",
		"http://127.0.0.1@evil.example/api", /* userinfo */
		"https://user:pw@desk-b.example/api",
		"ftp://desk-b.example/",
		"https://",
		"https://desk-b.example:0/",
		"https://desk-b.example:70000/",
		"https://desk b.example/",
		"http://[::2]/api",
		"http://128.0.0.1/api",
		"http://127.0.0.256/api",
	};
	char why[160];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (conf_url_check(good[i], why, sizeof(why)))
			fail_msg("%s refused: %s", good[i], why);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!conf_url_check(bad[i], why, sizeof(why)))
			fail_msg("%s accepted", bad[i]);
	assert_int_equal(conf_url_is_loopback_http("http://127.0.0.1:1/"), 1);
	assert_int_equal(conf_url_is_loopback_http("https://127.0.0.1:1/"), 0);
}

/* Load one config text; returns what conf_load_file returned. */
static int load(struct conf *c, const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/vv-test-handoff-XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f = fdopen(fd, "w");

	fputs(text, f);
	fclose(f);
	conf_defaults(c);
	rc = conf_load_file(c, path, err, errlen);
	remove(path);
	return rc;
}

static void test_config(void **state)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "{\"desk\": \"Desk A\"}", "\"desk\" must be" },
		{ "{\"peers\": [{\"destination\": \"no.nav\", \"url\": \"http://nav.example/x\", \"secret\": \"" SECRET
		  "\"}]}",
		  "peers[0].url" },
		{ "{\"peers\": [{\"destination\": \"no.nav\", \"url\": \"https://nav.example/x\", \"secret\": \"short\"}]}",
		  "peers[0].secret must be 32" },
		{ "{\"peers\": [{\"destination\": \"No NAV\", \"url\": \"https://nav.example/x\", \"secret\": \"" SECRET
		  "\"}]}",
		  "peers[0].destination" },
		{ "{\"peers\": [{\"destination\": \"no.nav\", \"url\": \"https://a.example/x\", \"secret\": \"" SECRET
		  "\"},"
		  " {\"destination\": \"no.nav\", \"url\": \"https://b.example/x\", \"secret\": \"" SECRET
		  "\"}]}",
		  "already peers[0]" },
		{ "{\"peers\": [{\"destination\": \"no.nav\", \"url\": \"https://a.example/x\", \"secret\": \"" SECRET
		  "\", \"sceret\": 1}]}",
		  "unknown key \"sceret\"" },
		{ "{\"senders\": [{\"desk\": \"desk-a\", \"secret\": \"" SECRET
		  "\", \"feedback_url\": \"http://a.example/\"}]}",
		  "senders[0].feedback_url" },
		{ "{\"collector\": {\"url\": \"https://c.example/api/v1/ingest\"}}",
		  "collector.secret" },
		{ "{\"delivery\": {\"retry_base_ms\": 1}}", "delivery.retry_base_ms" },
		{ "{\"delivery\": {\"retry_base_ms\": 5000, \"max_delay_ms\": 1000}}",
		  "must not be below" },
	};
	struct conf c;
	char err[512];

	(void)state;
	assert_int_equal(
		load(&c,
		     "{\"desk\": \"desk-a\", \"peers\": [{\"destination\": \"no.nav\", \"url\": "
		     "\"http://127.0.0.1:9/api/v1/handoffs\", \"secret\": \"" SECRET "\"}],"
		     " \"senders\": [{\"desk\": \"desk-b\", \"secret\": \"" SECRET "\"}],"
		     " \"collector\": {\"url\": \"https://c.example/api/v1/ingest\", \"secret\": \"" SECRET
		     "\"},"
		     " \"delivery\": {\"retry_base_ms\": 100, \"max_age_seconds\": 3600}}",
		     err, sizeof(err)),
		0);
	assert_string_equal(c.desk, "desk-a");
	assert_non_null(conf_peer_find(&c, "no.nav"));
	assert_null(conf_peer_find(&c, "no.bank"));
	assert_non_null(conf_sender_find(&c, "desk-b"));
	assert_null(conf_sender_find(&c, "desk-b")->feedback_url);
	assert_int_equal(c.delivery.retry_base_ms, 100);
	assert_int_equal(c.delivery.max_age_seconds, 3600);
	assert_int_equal(c.delivery.timeout_ms, 15000);
	conf_free(&c);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(&c, bad[i].text, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].says))
			fail_msg("config %zu: expected \"%s\" in: %s", i, bad[i].says, err);
		conf_free(&c);
	}
	/* Without "desk", the host name (or "vegvisard") names the desk. */
	conf_defaults(&c);
	assert_true(conf_id_valid(c.desk));
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_known_vector),
		cmocka_unit_test(test_verify_accepts_and_refuses),
		cmocka_unit_test(test_verify_window),
		cmocka_unit_test(test_verify_malformed_headers),
		cmocka_unit_test(test_sign_binary_body),
		cmocka_unit_test(test_handoff_parse),
		cmocka_unit_test(test_feedback_parse),
		cmocka_unit_test(test_ingest_contact_parse),
		cmocka_unit_test(test_url_rules),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
