/* proto.h - protocol v1 framing: parse one client message, build replies.
 * Pure functions with no network code, so they can be unit tested. */
#ifndef VV_PROTO_H
#define VV_PROTO_H

#include <stddef.h>

#include <jansson.h>

#define PROTO_MAX_MESSAGE (64 * 1024)
#define PROTO_MAX_DEPTH 16
#define PROTO_MAX_STRING 8192

enum proto_code {
	PROTO_BAD_REQUEST,
	PROTO_UNAUTHORIZED,
	PROTO_FORBIDDEN,
	PROTO_NOT_FOUND,
	PROTO_CONFLICT,
	PROTO_TOO_LARGE,
	PROTO_RATE_LIMITED,
	PROTO_UNAVAILABLE,
	PROTO_INTERNAL,
};

const char *proto_code_name(enum proto_code code);

/* A parsed client message: the object, its type and the id to echo. */
struct proto_msg {
	json_t *root;
	const char *type;
	json_t *id; /* borrowed from root, or NULL */
};

/* Parse text (not NUL-terminated) into msg with jparse. Refuses messages
 * over the size cap before reading them, nesting deeper than
 * PROTO_MAX_DEPTH and strings over PROTO_MAX_STRING bytes as the parser
 * reaches them, invalid JSON, duplicate keys, a non-object, a missing
 * "type" and an "id" that is not a string or number. On failure
 * returns -1 with *code and err set; msg->id is still set when the id could
 * be read, so the error can echo it. */
int proto_parse(const char *text, size_t len, struct proto_msg *msg, enum proto_code *code,
		char *err, size_t errlen);
void proto_msg_free(struct proto_msg *msg);

/* {"type":"error","re":id,"code":…,"message":…}; new reference. */
json_t *proto_error(json_t *re, enum proto_code code, const char *message);
/* {"type":type,"re":id} plus nothing else; new reference. */
json_t *proto_reply(const char *type, json_t *re);

/* Field helpers for handlers: each returns 0 and sets *out, or -1 with a
 * message in err naming the field and what it must be. An absent optional
 * field leaves *out NULL and returns 0. */
int proto_get_string(json_t *obj, const char *field, int required, size_t maxlen, const char **out,
		     char *err, size_t errlen);
/* Like proto_get_string, but the value must be one of allowed (NULL-ended). */
int proto_get_enum(json_t *obj, const char *field, int required, const char *const *allowed,
		   const char **out, char *err, size_t errlen);
/* Refuse any key not in allowed (NULL-ended). */
int proto_check_keys(json_t *obj, const char *const *allowed, char *err, size_t errlen);
/* "a, b, c" for error messages. */
void proto_join(const char *const *list, char *out, size_t outlen);

#endif
