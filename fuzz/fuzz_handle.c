/* fuzz_handle.c - libFuzzer: client messages through the real handlers.
 *
 * One daemon with the fixture rules, search index, live statistics and a
 * real store (in /dev/shm, started afresh every 20,000 inputs), and one
 * client with no socket: the three lws calls client.c makes are the stubs
 * below. So handle_message runs as in the daemon, up to the point where a
 * reply would be written; a finish waits for its commit.
 *
 * An input is a role byte (none, agent, supervisor, citizen, by its value
 * mod 4) and then messages, one per line. "$S" in a message becomes the id
 * of the session the client was last told about, and "$C" the last
 * handover code, so that a walk can go past "start". */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <libwebsockets.h>

#include "net/client.h"
#include "app/daemon.h"
#include "ws/handle.h"
#include "base/log.h"
#include "ws/proto.h"
#include "triage/rules.h"
#include "triage/search.h"
#include "desk/session.h"
#include "store/stats.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* --- stubs for the socket ----------------------------------------------- */

int lws_callback_on_writable(struct lws *wsi)
{
	(void)wsi;
	return 1;
}

int lws_write(struct lws *wsi, unsigned char *buf, size_t len, enum lws_write_protocol wp)
{
	(void)wsi;
	(void)buf;
	(void)wp;
	return (int)len;
}

void lws_close_reason(struct lws *wsi, enum lws_close_status status, unsigned char *buf,
		      size_t len)
{
	(void)wsi;
	(void)status;
	(void)buf;
	(void)len;
}

/* The store's writer thread says a batch is done. */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static unsigned long wakes;

static void wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wake_lock);
	wakes++;
	pthread_cond_signal(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
}

/* --- the daemon --------------------------------------------------------- */

static struct daemon d;
static char token[] = "fuzz-agent-token-0123456789";
static char db[64];
static unsigned long inputs;

static void remove_db(void)
{
	char path[80];

	if (d.store)
		store_close(d.store);
	d.store = NULL;
	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
}

/* A fresh store, so that a long run does not fill /dev/shm. */
static void open_store(void)
{
	char err[256] = "cannot start the store's writer";

	remove_db();
	if (!(d.store = store_open(db, err, sizeof(err))) || store_start(d.store, wake, NULL)) {
		fprintf(stderr, "fuzz_handle: %s\n", err);
		exit(1);
	}
}

static void report_problem(void *ctx, const char *problem)
{
	(void)ctx;
	fprintf(stderr, "fuzz_handle: %s\n", problem);
}

static void setup(void)
{
	const char *rules = getenv("VV_FUZZ_RULES") ? getenv("VV_FUZZ_RULES") : "tests/fixtures/rules";
	char err[256];

	log_init(LOG_LVL_ERR);
	conf_defaults(&d.conf);
	d.conf.limits.messages_per_second = 1e9;
	d.conf.limits.burst = 1e9;
	if (conf_add_token(&d.conf, "fuzz-agent", ROLE_AGENT, token) ||
	    !(d.rules = rules_load(rules, report_problem, NULL)) ||
	    !(d.search = search_build(d.rules, err, sizeof(err))) ||
	    session_table_init(&d.sessions) || !(d.loop = ev_loop_new(EVFLAG_AUTO)) ||
	    !(d.stats = stats_new(&d.conf)) || !(d.stats_feed = handle_stats_new(&d))) {
		fprintf(stderr, "fuzz_handle: cannot set up (run from the repository, or set "
				"VV_FUZZ_RULES)\n");
		exit(1);
	}
	d.own_origins = json_array();
	snprintf(db, sizeof(db), "%s/vv-fuzz-%d.db", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm",
		 (int)getpid());
	atexit(remove_db);
	open_store();
}

/* Collect the store's answers to this input's finishes. */
static void wait_for_store(void)
{
	handle_store_results(&d);
	while (d.pending_head) {
		pthread_mutex_lock(&wake_lock);
		if (!wakes)
			pthread_cond_wait(&wake_cond, &wake_lock);
		wakes = 0;
		pthread_mutex_unlock(&wake_lock);
		handle_store_results(&d);
	}
}

/* Remember the last session id and handover code the client was sent, and
 * drop the replies as a writer would. */
static void drain(struct client *c, char *session, char *code)
{
	while (c->outq_count) {
		struct outq_item *it = &c->outq[c->outq_head];
		json_t *reply = json_loadb((const char *)it->buf + LWS_PRE, it->len, 0, NULL);
		const char *s = json_string_value(json_object_get(reply, "session"));
		const char *k = json_string_value(json_object_get(reply, "code"));

		if (!reply)
			abort(); /* the daemon sent something that is not JSON */
		if (getenv("VV_FUZZ_VERBOSE")) /* to see what a seed reaches */
			fprintf(stderr, "<- %.*s\n", (int)(it->len < 300 ? it->len : 300),
				(const char *)it->buf + LWS_PRE);
		if (s && strlen(s) == SESSION_ID_LEN)
			memcpy(session, s, SESSION_ID_LEN + 1);
		if (k && strlen(k) == HANDOVER_CODE_LEN)
			memcpy(code, k, HANDOVER_CODE_LEN + 1);
		json_decref(reply);
		free(it->buf);
		it->buf = NULL;
		c->outq_bytes -= it->len; /* the queue is bounded in bytes too */
		c->outq_head = (c->outq_head + 1) % CLIENT_OUTQ_MAX;
		c->outq_count--;
	}
	c->overflowed = 0;
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

	if (!d.rules)
		setup();
	if (!size)
		return 0;
	if (++inputs % 20000 == 0)
		open_store();
	limits_init(&d.limits, &d.conf.limits);
	c = calloc(1, sizeof(*c));
	c->wsi = (struct lws *)c; /* never dereferenced: the lws calls are stubs */
	c->d = &d;
	c->staff_origin = 1;
	snprintf(c->ip, sizeof(c->ip), "127.0.0.1");
	c->role = roles[data[0] % 4];
	if (c->role == ROLE_AGENT || c->role == ROLE_SUPERVISOR)
		snprintf(c->token_name, sizeof(c->token_name), "fuzz-agent");
	snprintf(c->lang, sizeof(c->lang), "nb");

	for (p = (const char *)data + 1, end = (const char *)data + size; p < end; p = nl + 1) {
		size_t n;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		n = substitute(p, (size_t)(nl - p), session, code, line, sizeof(line));
		handle_message(c, line, n);
		wait_for_store();
		drain(c, session, code);
	}

	client_cleanup(c);
	free(c);
	session_expire(&d.sessions, INT64_MAX);
	handover_list_free(&d.handovers);
	memset(&d.handovers, 0, sizeof(d.handovers));
	limits_free(&d.limits);
	return 0;
}
