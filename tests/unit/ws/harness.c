/* harness.c - the message handlers without a socket (harness.h). */
#include "harness.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "base/done.h"
#include "base/log.h"
#include "desk/handover.h"
#include "desk/session.h"
#include "ws/client.h"
#include "store/stats.h"
#include "store/store.h"
#include "triage/rules.h"
#include "triage/search.h"
#include "ws/handle.h"
#include "ws/proto.h"

/* --- the transport: stand-ins for the socket (ws/client.h) --------------- */

/* Any headroom will do; some, so that the queue's arithmetic is exercised. */
#define HARNESS_HEADROOM 16

static void harness_want_write(struct lws *wsi)
{
	(void)wsi;
}

static void harness_rx_flow(struct lws *wsi, int enable)
{
	(void)wsi;
	(void)enable;
}

static int harness_write(struct lws *wsi, unsigned char *text, size_t len)
{
	(void)wsi;
	(void)text;
	return (int)len;
}

static int harness_choked(struct lws *wsi)
{
	(void)wsi;
	return 0;
}

static void harness_close_policy(struct lws *wsi, const char *reason)
{
	(void)wsi;
	(void)reason;
}

static const struct client_transport harness_transport = {
	.headroom = HARNESS_HEADROOM,
	.want_write = harness_want_write,
	.rx_flow = harness_rx_flow,
	.write = harness_write,
	.choked = harness_choked,
	.close_policy = harness_close_policy,
};

/* --- a worker posted a completion (base/done.h) ---------------------------- */

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static unsigned long wakes;

static void harness_wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&wake_lock);
	wakes++;
	pthread_cond_signal(&wake_cond);
	pthread_mutex_unlock(&wake_lock);
}

/* --- the daemon --------------------------------------------------------- */

/* The fuzzer's corpus signs in with this one: keep it. */
const char harness_agent_token[] = "fuzz-agent-token-0123456789";
const char harness_lead_token[] = "harness-lead-token-0123456789";
static struct daemon d;
static int ready;
static char db[80];

static void harness_remove_db(void)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char path[96];

	if (d.store)
		store_close(d.store);
	d.store = NULL;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
		unlink(path);
	}
}

void harness_reopen_store(void)
{
	char err[256] = "cannot start the store's writer";

	harness_remove_db();
	if (!(d.store = store_open(db, err, sizeof(err))) ||
	    (!d.done && !(d.done = done_new(harness_wake, NULL))) || store_start(d.store, d.done)) {
		fprintf(stderr, "harness: %s\n", err);
		exit(1);
	}
}

static void harness_problem(void *ctx, const char *problem)
{
	(void)ctx;
	fprintf(stderr, "harness: %s\n", problem);
}

struct daemon *harness_daemon(void)
{
	const char *rules = getenv("VV_FUZZ_RULES") ? getenv("VV_FUZZ_RULES") : "tests/fixtures/rules";
	char err[256];

	if (ready)
		return &d;
	log_init(LOG_LVL_ERR);
	client_set_transport(&harness_transport);
	conf_defaults(&d.conf);
	d.conf.limits.messages_per_second = 1e9;
	d.conf.limits.burst = 1e9;
	if (conf_add_token(&d.conf, "harness-agent", ROLE_AGENT, harness_agent_token) ||
	    conf_add_token(&d.conf, "harness-lead", ROLE_SUPERVISOR, harness_lead_token) ||
	    !(d.rules = rules_load(rules, harness_problem, NULL)) ||
	    !(d.search = search_build(d.rules, err, sizeof(err))) ||
	    session_table_init(&d.sessions) || !(d.loop = ev_loop_new(EVFLAG_AUTO)) ||
	    !(d.stats = stats_new(&d.conf)) || !(d.stats_feed = handle_stats_new(&d))) {
		fprintf(stderr, "harness: cannot set up (run from the repository, or set "
				"VV_FUZZ_RULES)\n");
		exit(1);
	}
	d.own_origins = json_array();
	limits_init(&d.limits, &d.conf.limits);
	snprintf(db, sizeof(db), "%s/vv-harness-%d.db",
		 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", (int)getpid());
	atexit(harness_remove_db);
	harness_reopen_store();
	ready = 1;
	return &d;
}

/* Collect the store's answers to what the last message started. */
static void harness_wait_for_store(void)
{
	done_run(d.done);
	while (d.pending_head) {
		pthread_mutex_lock(&wake_lock);
		if (!wakes)
			pthread_cond_wait(&wake_cond, &wake_lock);
		wakes = 0;
		pthread_mutex_unlock(&wake_lock);
		done_run(d.done);
	}
}

struct client *harness_client(const char *ip)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->wsi = (struct lws *)c; /* never dereferenced: the transport is a stand-in */
	c->d = harness_daemon();
	c->staff_origin = 1;
	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	snprintf(c->lang, sizeof(c->lang), "nb");
	metrics_connected(&d.metrics);
	return c;
}

struct client *harness_signed_in(const char *role, const char *ip)
{
	struct client *c = harness_client(ip);
	const char *token = !strcmp(role, "agent")	  ? harness_agent_token
			    : !strcmp(role, "supervisor") ? harness_lead_token
							  : NULL;
	json_t *hello = json_pack("{s:s,s:s,s:s}", "type", "hello", "role", role, "lang", "nb");
	json_t *reply;
	char *text;

	if (token)
		json_object_set_new(hello, "token", json_string(token));
	text = json_dumps(hello, JSON_COMPACT);
	reply = harness_ask(c, text);
	free(text);
	json_decref(hello);
	if (!reply || strcmp(json_string_value(json_object_get(reply, "type")), "welcome")) {
		json_decref(reply);
		harness_close(c);
		return NULL;
	}
	json_decref(reply);
	return c;
}

void harness_send_n(struct client *c, const char *text, size_t len)
{
	handle_message(c, text, len);
	harness_wait_for_store();
}

void harness_send(struct client *c, const char *text)
{
	harness_send_n(c, text, strlen(text));
}

json_t *harness_next(struct client *c)
{
	struct outq_item *it;
	json_t *msg;

	if (!c->outq_count)
		return NULL;
	it = &c->outq[c->outq_head];
	msg = json_loadb((const char *)it->buf + HARNESS_HEADROOM, it->len, 0, NULL);
	if (!msg)
		abort(); /* the daemon sent something that is not JSON */
	free(it->buf);
	it->buf = NULL;
	c->outq_bytes -= it->len; /* the queue is bounded in bytes too */
	c->outq_head = (c->outq_head + 1) % CLIENT_OUTQ_MAX;
	c->outq_count--;
	c->overflowed = 0;
	return msg;
}

json_t *harness_ask(struct client *c, const char *text)
{
	harness_send(c, text);
	return harness_next(c);
}

void harness_close(struct client *c)
{
	json_t *m;

	while ((m = harness_next(c)))
		json_decref(m);
	client_cleanup(c);
	free(c);
}

void harness_reset(void)
{
	session_expire(&d.sessions, INT64_MAX);
	handover_list_free(&d.handovers);
	memset(&d.handovers, 0, sizeof(d.handovers));
	limits_free(&d.limits);
	limits_init(&d.limits, &d.conf.limits);
}
