/* fuzz_handle.c - libFuzzer: client messages through the real handlers.
 *
 * One daemon with the fixture rules, search index, live statistics and a
 * real store (in /dev/shm, started afresh every 20,000 inputs), and one
 * client with no socket: the unit tests' harness (tests/unit/ws/harness.c,
 * whose stand-in transport takes the socket's place in ws/client.c). So
 * handle_message runs as in the daemon, up to the point where a reply would
 * be written; a finish waits for its commit.
 *
 * An input is a role byte (none, agent, supervisor, citizen, by its value
 * mod 4) and then messages, one per line. "$S" in a message becomes the id
 * of the session the client was last told about, and "$C" the last
 * handover code, so that a walk can go past "start". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "desk/handover.h"
#include "desk/session.h"
#include "ws/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long inputs;

/* Remember the last session id and handover code the client was sent, and
 * drop the replies as a writer would. */
static void drain(struct client *c, char *session, char *code)
{
	json_t *reply;

	while ((reply = harness_next(c))) {
		const char *s = json_string_value(json_object_get(reply, "session"));
		const char *k = json_string_value(json_object_get(reply, "code"));

		if (getenv("VV_FUZZ_VERBOSE")) { /* to see what a seed reaches */
			char *text = json_dumps(reply, JSON_COMPACT);
			fprintf(stderr, "<- %.300s\n", text ? text : "");
			free(text);
		}
		if (s && strlen(s) == SESSION_ID_LEN)
			memcpy(session, s, SESSION_ID_LEN + 1);
		if (k && strlen(k) == HANDOVER_CODE_LEN)
			memcpy(code, k, HANDOVER_CODE_LEN + 1);
		json_decref(reply);
	}
}

/* line with "$S" and "$C" replaced, into out (NUL-ended); its length. */
static size_t substitute(const char *line, size_t len, const char *session, const char *code,
			 char *out, size_t outlen)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + SESSION_ID_LEN + 1 < outlen; i++) {
		if (line[i] == '$' && i + 1 < len && (line[i + 1] == 'S' || line[i + 1] == 'C')) {
			const char *v = line[i + 1] == 'S' ? session : code;
			memcpy(out + n, v, strlen(v));
			n += strlen(v);
			i++;
		} else {
			out[n++] = line[i];
		}
	}
	out[n] = '\0';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum role roles[] = { ROLE_NONE, ROLE_AGENT, ROLE_SUPERVISOR, ROLE_CITIZEN };
	static char line[PROTO_MAX_MESSAGE + 64];
	char session[SESSION_ID_LEN + 1] = "", code[HANDOVER_CODE_LEN + 1] = "";
	struct client *c;
	const char *p, *end, *nl;

	harness_daemon();
	if (!size)
		return 0;
	if (++inputs % 20000 == 0)
		harness_reopen_store(); /* so that a long run does not fill /dev/shm */
	c = harness_client("127.0.0.1");
	c->role = roles[data[0] % 4];
	if (c->role == ROLE_AGENT || c->role == ROLE_SUPERVISOR)
		snprintf(c->token_name, sizeof(c->token_name), "harness-agent");

	for (p = (const char *)data + 1, end = (const char *)data + size; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		size_t n = substitute(p, (size_t)(nl - p), session, code, line, sizeof(line));
		harness_send_n(c, line, n); /* NUL bytes and all */
		drain(c, session, code);
	}
	harness_close(c);
	harness_reset();
	return 0;
}
