/* proto.c - parse and check client messages; build replies. */
#include "proto.h"
#include "base/jparse.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const proto_code_names[] = {
	"bad_request", "unauthorized", "forbidden",   "not_found", "conflict",
	"too_large",   "rate_limited", "unavailable", "internal",
};

const char *proto_code_name(enum proto_code code)
{
	return proto_code_names[code];
}

int proto_parse(const char *text, size_t len, struct proto_msg *msg, enum proto_code *code,
		char *err, size_t errlen)
{
	/* Checked while parsing, before anything is built for the string or
	 * container that breaks them. */
	static const struct jparse_limits limits = { PROTO_MAX_DEPTH, PROTO_MAX_STRING };
	json_t *type;

	memset(msg, 0, sizeof(*msg));
	*code = PROTO_BAD_REQUEST;
	if (len > PROTO_MAX_MESSAGE) {
		*code = PROTO_TOO_LARGE;
		return util_fail(err, errlen, "message of %zu bytes is over the limit of %d", len,
				 PROTO_MAX_MESSAGE);
	}
	msg->root = jparse_load(text, len, &limits, err, errlen);
	if (!msg->root)
		return -1;
	if (!json_is_object(msg->root)) {
		proto_msg_free(msg);
		return util_fail(err, errlen, "a message must be a JSON object");
	}
	msg->id = json_object_get(msg->root, "id");
	if (msg->id && !json_is_string(msg->id) && !json_is_integer(msg->id) &&
	    !json_is_real(msg->id)) {
		msg->id = NULL;
		return util_fail(err, errlen, "\"id\" must be a string or a number");
	}
	type = json_object_get(msg->root, "type");
	if (!json_is_string(type))
		return util_fail(err, errlen, "\"type\" is missing or not a string");
	msg->type = json_string_value(type);
	return 0;
}

void proto_msg_free(struct proto_msg *msg)
{
	json_decref(msg->root);
	memset(msg, 0, sizeof(*msg));
}

json_t *proto_reply(const char *type, json_t *re)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string(type));
	if (re)
		json_object_set(o, "re", re);
	return o;
}

/* Messages quote the client's values and are cut to fit a buffer, which can
 * split a UTF-8 sequence; jansson refuses such a string (and the error went
 * out without its message), so cut back to the last whole character. */
static json_t *proto_text(const char *text)
{
	size_t len = strlen(text);
	json_t *s = json_stringn(text, len);

	for (size_t cut = 1; !s && cut <= 4 && cut <= len; cut++)
		s = json_stringn(text, len - cut);
	return s ? s : json_string("(no message)");
}

json_t *proto_error(json_t *re, enum proto_code code, const char *message)
{
	json_t *o = proto_reply("error", re);

	json_object_set_new(o, "code", json_string(proto_code_name(code)));
	json_object_set_new(o, "message", proto_text(message));
	return o;
}

void proto_join(const char *const *list, char *out, size_t outlen)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; list[i] && n < outlen; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%s%s", i ? ", " : "", list[i]);
}

int proto_get_string(json_t *obj, const char *field, int required, size_t maxlen, const char **out,
		     char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, field);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return util_fail(err, errlen, "\"%s\" is required", field);
		return 0;
	}
	if (!json_is_string(v))
		return util_fail(err, errlen, "\"%s\" must be a string", field);
	if (json_string_length(v) > maxlen)
		return util_fail(err, errlen, "\"%s\" is longer than %zu bytes", field, maxlen);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return util_fail(err, errlen, "\"%s\" must not contain NUL characters", field);
	*out = json_string_value(v);
	return 0;
}

int proto_get_enum(json_t *obj, const char *field, int required, const char *const *allowed,
		   const char **out, char *err, size_t errlen)
{
	char list[512];

	if (proto_get_string(obj, field, required, 64, out, err, errlen))
		return -1;
	if (!*out)
		return 0;
	for (size_t i = 0; allowed[i]; i++)
		if (!strcmp(*out, allowed[i]))
			return 0;
	proto_join(allowed, list, sizeof(list));
	return util_fail(err, errlen, "\"%s\": \"%s\" is not allowed; allowed: %s", field, *out,
			 list);
}

int proto_check_keys(json_t *obj, const char *const *allowed, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	char list[512];

	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; allowed[i] && strcmp(key, allowed[i]); i++)
			;
		if (!allowed[i]) {
			proto_join(allowed, list, sizeof(list));
			return util_fail(err, errlen, "unknown field \"%s\"; allowed: %s", key,
					 list);
		}
	}
	return 0;
}
