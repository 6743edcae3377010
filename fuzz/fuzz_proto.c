/* fuzz_proto.c - libFuzzer: one client message through proto_parse and the
 * field getters every handler uses, and the error reply built from it.
 *
 * Beyond what the sanitizers catch, it checks what the protocol promises:
 * a parsed message is an object with a string "type", and every error
 * reply has a code and a message (an error message cut in the middle of a
 * UTF-8 sequence used to go out without one). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_proto: %s\n", what);
		abort();
	}
}

static void check_error(json_t *id, enum proto_code code, const char *message)
{
	json_t *e = proto_error(id, code, message);

	must(json_is_string(json_object_get(e, "code")), "error reply without a code");
	must(json_is_string(json_object_get(e, "message")), "error reply without a message");
	json_decref(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "type", "id", "session", "value", "role", "token",
					    "lang", "facts", NULL };
	static const char *const roles[] = { "agent", "supervisor", "citizen", NULL };
	struct proto_msg msg;
	enum proto_code code;
	char err[512];
	const char *s;

	if (proto_parse((const char *)data, size, &msg, &code, err, sizeof(err))) {
		check_error(msg.id, code, err);
		proto_msg_free(&msg);
		return 0;
	}
	must(json_is_object(msg.root), "a parsed message that is not an object");
	must(msg.type && json_is_string(json_object_get(msg.root, "type")), "no string type");
	if (proto_check_keys(msg.root, keys, err, sizeof(err)))
		check_error(msg.id, PROTO_BAD_REQUEST, err);
	if (proto_get_string(msg.root, "session", 0, 64, &s, err, sizeof(err)))
		check_error(msg.id, PROTO_BAD_REQUEST, err);
	else
		must(!s || strlen(s) <= 64, "a string over its limit passed");
	if (proto_get_enum(msg.root, "role", 0, roles, &s, err, sizeof(err)))
		check_error(msg.id, PROTO_BAD_REQUEST, err);
	if (proto_get_enum(msg.root, "type", 1, roles, &s, err, sizeof(err)))
		check_error(msg.id, PROTO_BAD_REQUEST, err);
	proto_msg_free(&msg);
	return 0;
}
