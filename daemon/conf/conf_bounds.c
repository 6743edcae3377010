/* conf_bounds.c - the "bounds" config key: how much of the daemon one
 * connection, token or address may hold (docs/security.md, "Bounds"). */
#include "conf.h"
#include "base/util.h"

#include <stdio.h>
#include <string.h>

void conf_bounds_defaults(struct conf_bounds *b)
{
	b->sessions_per_connection = 500;
	b->sessions_per_token = 2000;
	b->sessions_per_address = 100;
	b->sessions_total = 50000;
	b->sessions_finished_kept = 100000;
	b->session_idle_seconds = 4 * 3600;
	b->handovers_per_address = 3;
	b->handovers_total = 300;
	b->handovers_per_minute = 4;
	/* Long enough for a reload or the next page of the host site, short
	 * enough that an agent does not call up someone who closed the tab. */
	b->handover_grace_seconds = 120;
	b->queue_page = 50;
	b->send_queue_bytes = 4u << 20;
	/* Live chat: a few paragraphs per message, a person's typing speed. */
	b->chat_message_bytes = 2000;
	b->chat_per_minute = 60;
	b->chats_per_agent = 3;
	b->chat_history = 200;
	b->chat_handling_seconds = 300;
	/* Long enough for a reload of the panel, short enough that a citizen
	 * is not left talking to nobody. */
	b->agent_grace_seconds = 60;
	/* Callbacks: a household or office behind one address, and a day's
	 * worth of calls for a desk. */
	b->callbacks_per_address = 3;
	b->callbacks_total = 1000;
}

/* One number per key; every key optional. The table keeps the name, the
 * range and the slot together, so the error names all three. */
int conf_key_bounds(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	struct conf_bounds *b = &c->bounds;
	const struct {
		const char *name;
		unsigned *slot;
		unsigned min, max;
	} keys[] = {
		{ "sessions_per_connection", &b->sessions_per_connection, 1, 100000 },
		{ "sessions_per_token", &b->sessions_per_token, 1, 10000000 },
		{ "sessions_per_address", &b->sessions_per_address, 1, 10000000 },
		{ "sessions_total", &b->sessions_total, 1, 10000000 },
		{ "sessions_finished_kept", &b->sessions_finished_kept, 1, 10000000 },
		{ "session_idle_seconds", &b->session_idle_seconds, 10, 7 * 86400 },
		{ "handovers_per_address", &b->handovers_per_address, 1, 10000 },
		{ "handovers_total", &b->handovers_total, 1, 100000 },
		{ "handovers_per_minute", &b->handovers_per_minute, 1, 10000 },
		{ "handover_grace_seconds", &b->handover_grace_seconds, 1, 86400 },
		{ "queue_page", &b->queue_page, 1, 1000 },
		{ "send_queue_bytes", &b->send_queue_bytes, 65536, 1u << 30 },
		/* Under the parser's longest string (PROTO_MAX_STRING). */
		{ "chat_message_bytes", &b->chat_message_bytes, 1, 8000 },
		{ "chat_per_minute", &b->chat_per_minute, 1, 6000 },
		{ "chats_per_agent", &b->chats_per_agent, 1, 100 },
		{ "chat_history", &b->chat_history, 1, 10000 },
		{ "chat_handling_seconds", &b->chat_handling_seconds, 1, 86400 },
		{ "agent_grace_seconds", &b->agent_grace_seconds, 1, 86400 },
		{ "callbacks_per_address", &b->callbacks_per_address, 1, 10000 },
		{ "callbacks_total", &b->callbacks_total, 1, 1000000 },
	};
	const size_t n = sizeof(keys) / sizeof(keys[0]);
	const char *key;
	json_t *x;

	if (!json_is_object(v))
		return util_fail(err, errlen, "%s: \"bounds\" must be an object", path);
	json_object_foreach(v, key, x) {
		size_t k;
		for (k = 0; k < n && strcmp(key, keys[k].name); k++)
			;
		if (k == n) {
			char allowed[1024] = "";
			for (size_t i = 0; i < n; i++)
				snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
					 "%s%s", i ? ", " : "", keys[i].name);
			return util_fail(err, errlen,
					 "%s: bounds: unknown key \"%s\" (allowed: %s)", path, key,
					 allowed);
		}
		if (!json_is_integer(x) || json_integer_value(x) < keys[k].min ||
		    json_integer_value(x) > keys[k].max)
			return util_fail(err, errlen,
					 "%s: bounds.%s must be a whole number from %u to %u", path,
					 key, keys[k].min, keys[k].max);
		*keys[k].slot = (unsigned)json_integer_value(x);
	}
	return 0;
}
