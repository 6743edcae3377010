/* echo.c - vv-echo: the ceiling for the benchmark. A libwebsockets server
 * set up like vegvisard (lws 4.1 on a foreign libev loop, one service
 * thread, the same subprotocol, rx buffer and options) that echoes every
 * text message from a bounded per-client queue sent from WRITEABLE, as the
 * daemon sends its replies. What vegvisard costs beyond this is its own work.
 *
 *   vv-echo [--listen ADDR:PORT] [--loop ev|poll]
 *
 * Prints "vv-echo listening on ADDR:PORT" on stderr when ready; SIGTERM or
 * SIGINT stops it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>

#include <ev.h>
#include <libwebsockets.h>

#define ECHO_QUEUE 16        /* messages waiting per client; more closes it */
#define ECHO_RX_CHUNK 4096   /* as the daemon's WS_RX_CHUNK */
#define ECHO_MAX (64 * 1024) /* as the daemon's message limit */

struct echo_msg {
	unsigned char *buf; /* LWS_PRE headroom, then the text */
	size_t len;
};

/* One of these per connected client. */
struct per_session_data__echo {
	struct echo_msg q[ECHO_QUEUE];
	unsigned head, count;
	unsigned char *rx; /* a message arriving in fragments */
	size_t rx_len;
};

static struct lws_context *context;
static int interrupted;

static int echo_queue(struct lws *wsi, struct per_session_data__echo *pss, const void *in,
		      size_t len)
{
	struct echo_msg *m;

	if (pss->count == ECHO_QUEUE)
		return -1; /* a client that does not read is closed, as in the daemon */
	m = &pss->q[(pss->head + pss->count) % ECHO_QUEUE];
	m->buf = malloc(LWS_PRE + len);
	if (!m->buf)
		return -1;
	memcpy(m->buf + LWS_PRE, in, len);
	m->len = len;
	pss->count++;
	lws_callback_on_writable(wsi);
	return 0;
}

static int echo_receive(struct lws *wsi, struct per_session_data__echo *pss, const void *in,
			size_t len)
{
	int final = lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi);
	unsigned char *grown;
	int rc;

	if (lws_frame_is_binary(wsi) || pss->rx_len + len > ECHO_MAX)
		return -1;
	if (final && !pss->rx)
		return echo_queue(wsi, pss, in, len);
	grown = realloc(pss->rx, pss->rx_len + len);
	if (!grown)
		return -1;
	pss->rx = grown;
	memcpy(pss->rx + pss->rx_len, in, len);
	pss->rx_len += len;
	if (!final)
		return 0;
	rc = echo_queue(wsi, pss, pss->rx, pss->rx_len);
	free(pss->rx);
	pss->rx = NULL;
	pss->rx_len = 0;
	return rc;
}

static int echo_writable(struct lws *wsi, struct per_session_data__echo *pss)
{
	struct echo_msg *m;
	int n;

	if (!pss->count)
		return 0;
	m = &pss->q[pss->head];
	n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
	free(m->buf);
	m->buf = NULL;
	pss->head = (pss->head + 1) % ECHO_QUEUE;
	pss->count--;
	if (n < (int)m->len)
		return -1;
	if (pss->count)
		lws_callback_on_writable(wsi);
	return 0;
}

static void echo_close(struct per_session_data__echo *pss)
{
	while (pss->count) {
		free(pss->q[pss->head].buf);
		pss->head = (pss->head + 1) % ECHO_QUEUE;
		pss->count--;
	}
	free(pss->rx);
	pss->rx = NULL;
}

static int callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct per_session_data__echo *pss = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(pss, 0, sizeof(*pss));
		break;
	case LWS_CALLBACK_RECEIVE:
		return echo_receive(wsi, pss, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return echo_writable(wsi, pss);
	case LWS_CALLBACK_CLOSED:
		echo_close(pss);
		break;
	default:
		break;
	}
	return 0;
}

static struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "vegvisar.v1", callback_echo, sizeof(struct per_session_data__echo), ECHO_RX_CHUNK, 0,
	  NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)revents;
	interrupted = 1;
	ev_signal_stop(loop, w);
	if (context)
		lws_context_destroy(context);
	ev_break(loop, EVBREAK_ALL);
}

static void sigint_poll(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* As the daemon: take every descriptor we may, for the idle phases. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	const char *listen = "127.0.0.1:7681", *loopname = "ev";
	char host[64];
	struct ev_loop *loop = NULL;
	void *loops[1];
	ev_signal sig_int, sig_term;
	const char *colon;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--listen"))
			listen = argv[i + 1];
		else if (!strcmp(argv[i], "--loop"))
			loopname = argv[i + 1];
	}
	colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof(host)) {
		fprintf(stderr, "usage: vv-echo [--listen ADDR:PORT] [--loop ev|poll]\n");
		return 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	raise_fd_limit();
	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.port = atoi(colon + 1);
	info.iface = host;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	info.timeout_secs = 10;
	info.vhost_name = "vv-echo";
	if (!strcmp(loopname, "ev")) {
		loop = ev_loop_new(EVFLAG_AUTO);
		loops[0] = loop;
		info.foreign_loops = loops;
		info.options |= LWS_SERVER_OPTION_LIBEV;
	}
	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "vv-echo: cannot listen on %s\n", listen);
		return 1;
	}
	fprintf(stderr, "vv-echo listening on %s (lws %s, %s loop)\n", listen,
		lws_get_library_version(), loop ? "libev" : "poll");
	if (loop) {
		ev_signal_init(&sig_int, on_stop, SIGINT);
		ev_signal_init(&sig_term, on_stop, SIGTERM);
		ev_signal_start(loop, &sig_int);
		ev_signal_start(loop, &sig_term);
		ev_run(loop, 0);
		ev_loop_destroy(loop);
		return 0;
	}
	signal(SIGINT, sigint_poll);
	signal(SIGTERM, sigint_poll);
	while (!interrupted && lws_service(context, 0) >= 0)
		;
	lws_context_destroy(context);
	return 0;
}
