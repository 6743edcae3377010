/* Unit tests for the config file: every key, and a clear error for each mistake. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "base/crypto.h"

static char path[64];

static int load(struct conf *c, const char *json, char *err)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/vv-conf-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(json, f);
	fclose(f);
	conf_defaults(c);
	int rc = conf_load_file(c, path, err, 512);
	unlink(path);
	return rc;
}

static void expect_error(const char *json, const char *needle)
{
	struct conf c;
	char err[512];

	assert_int_equal(load(&c, json, err), -1);
	if (!strstr(err, needle))
		fail_msg("config %s: expected an error mentioning \"%s\", got \"%s\"", json, needle,
			 err);
	conf_free(&c);
}

static void test_defaults(void **state)
{
	struct conf c;

	(void)state;
	conf_defaults(&c);
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 8470);
	assert_string_equal(c.db, "var/vegvisar.db");
	assert_string_equal(c.rules, "rules");
	assert_string_equal(c.www, "clients");
	conf_free(&c);
}

static void test_full_file(void **state)
{
	struct conf c;
	char err[512], hex[65];
	const char *name = NULL;

	(void)state;
	crypto_sha256_hex("secret-token-123456", 19, hex);
	char json[1024];
	snprintf(
		json, sizeof(json),
		"{\"listen\":\"0.0.0.0:9000\",\"db\":\"/x.db\",\"rules\":\"/r\",\"www\":\"/w\","
		"\"log_level\":\"debug\",\"tokens\":[{\"name\":\"desk-1\",\"role\":\"agent\",\"sha256\":\"%s\"}]}",
		hex);
	assert_int_equal(load(&c, json, err), 0);
	assert_string_equal(c.listen_host, "0.0.0.0");
	assert_int_equal(c.listen_port, 9000);
	assert_string_equal(c.db, "/x.db");
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_int_equal(conf_check_token(&c, "secret-token-123456", &name), ROLE_AGENT);
	assert_string_equal(name, "desk-1");
	assert_int_equal(conf_check_token(&c, "secret-token-123457", NULL), ROLE_NONE);
	conf_free(&c);
}

static void test_errors_name_the_key(void **state)
{
	(void)state;
	expect_error("{\"listn\":\"x\"}", "unknown key \"listn\"");
	expect_error("{\"listen\":8470}", "\"listen\" must be a string");
	expect_error("{\"listen\":\"localhost\"}", "expected ADDR:PORT");
	expect_error("{\"listen\":\"127.0.0.1:99999\"}", "port must be");
	expect_error("{\"db\":\"\"}", "\"db\" must be a non-empty string");
	expect_error("{\"log_level\":\"loud\"}", "\"log_level\" must be one of");
	expect_error("{\"tokens\":{}}", "\"tokens\" must be an array");
	expect_error("{\"tokens\":[{\"name\":\"a\",\"role\":\"admin\",\"sha256\":\"00\"}]}",
		     "tokens[0].role");
	expect_error("{\"tokens\":[{\"name\":\"a\",\"role\":\"agent\",\"sha256\":\"zz\"}]}",
		     "tokens[0].sha256 must be 64 hex digits");
	expect_error("{\"tokens\":[{\"name\":\"a\",\"role\":\"agent\",\"token\":\"x\"}]}",
		     "unknown key \"token\"");
	expect_error("{\"db\":\"a\",\"db\":\"b\"}", "duplicate");
	expect_error("{\"db\": ", ":1:");
	expect_error("[]", "must be a JSON object");
}

/* Issue 19: every bound is configurable, checked and named in errors. */
static void test_bounds(void **state)
{
	struct conf c;
	char err[512];

	(void)state;
	assert_int_equal(load(&c, "{\"bounds\": {\"sessions_per_connection\": 7, \"queue_page\": 3}}", err), 0);
	assert_int_equal(c.bounds.sessions_per_connection, 7);
	assert_int_equal(c.bounds.queue_page, 3);
	assert_int_equal(c.bounds.handovers_total, 300); /* the rest keep their defaults */
	conf_free(&c);
	expect_error("{\"bounds\": {\"sessions\": 1}}", "bounds: unknown key \"sessions\" (allowed: sessions_per_connection");
	expect_error("{\"bounds\": {\"queue_page\": 0}}", "bounds.queue_page must be a whole number from 1 to 1000");
	expect_error("{\"bounds\": {\"send_queue_bytes\": 1.5}}", "bounds.send_queue_bytes must be a whole number");
	expect_error("{\"bounds\": []}", "\"bounds\" must be an object");
}

/* Issue 19: one hash under two tokens would sign in with the role of
 * whichever came first, and two tokens with one name cannot be told apart
 * in the log; both are refused, naming both entries. */
static void test_duplicate_tokens(void **state)
{
	char hex[65], hex2[65], json[1024];

	(void)state;
	crypto_sha256_hex("shared-token-123456", 19, hex);
	crypto_sha256_hex("other-token-1234567", 19, hex2);
	snprintf(json, sizeof(json),
		 "{\"tokens\":[{\"name\":\"desk-1\",\"role\":\"agent\",\"sha256\":\"%s\"},"
		 "{\"name\":\"lead\",\"role\":\"supervisor\",\"sha256\":\"%s\"}]}",
		 hex, hex);
	expect_error(json, "tokens[1] (\"lead\") has the same sha256 as tokens[0] (\"desk-1\")");
	snprintf(json, sizeof(json),
		 "{\"tokens\":[{\"name\":\"desk-1\",\"role\":\"agent\",\"sha256\":\"%s\"},"
		 "{\"name\":\"desk-1\",\"role\":\"supervisor\",\"sha256\":\"%s\"}]}",
		 hex, hex2);
	expect_error(json, "tokens[1] has the same name \"desk-1\" as tokens[0]");
}

static void test_listen_forms(void **state)
{
	struct conf c;
	char err[256];

	(void)state;
	conf_defaults(&c);
	assert_int_equal(conf_set_listen(&c, "[::1]:8080", err, sizeof(err)), 0);
	assert_string_equal(c.listen_host, "::1");
	assert_int_equal(c.listen_port, 8080);
	assert_int_equal(conf_set_listen(&c, ":80", err, sizeof(err)), -1);
	assert_int_equal(conf_set_listen(&c, "host:0", err, sizeof(err)), -1);
	conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_errors_name_the_key),
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_duplicate_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
