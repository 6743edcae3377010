/* server.c - libwebsockets setup and the protocol callback.
 *
 * The callback is a router: each case calls one named function. */
#include "server.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include <ev.h>
#include <libwebsockets.h>

#include "ws/client.h"
#include "app/daemon.h"
#include "ws/handle.h"
#include "http.h"
#include "base/done.h"
#include "base/log.h"
#include "ws/proto.h"
#include "desk/session.h"
#include "www.h"
#include "base/util.h"

#define WS_RX_CHUNK 4096 /* lws hands us frames in pieces of this size */

/* Descriptors kept free for the store, static files and curl: a connection
 * that would eat into them is closed as soon as it is accepted. */
#define FD_RESERVE 32
#define FD_LOG_EVERY_MS 10000 /* at most one line per this while refusing */

/* A websocket that has been silent this long gets a ping, and is closed if
 * nothing (not even the pong) comes back within the hangup time. Idle
 * citizens waiting in the widget stay connected as long as they answer. */
static const lws_retry_bo_t ws_idle_policy = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 40,
};

/* lws 4.1.6 arms its libev timer for its earliest timeout and never brings
 * it forward (ev_timer_start on a running timer does nothing), so a timeout
 * set later, like a new connection's 5 s, waited for whatever was armed
 * before: 30 s, or a websocket's ping. lws checks every timeout whenever
 * it wakes, so waking it each second makes them at most a second late. */
static ev_timer lws_tick;

static void server_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->lws)
		lws_cancel_service(d->lws);
}

enum origin_class { ORIGIN_REFUSED, ORIGIN_STAFF, ORIGIN_WIDGET };

static int origin_listed(json_t *list, const char *origin)
{
	size_t i;
	json_t *o;

	/* Exact match: browsers send origins in lower case, so "HTTP://Nav.no"
	 * or "https://nav.no.evil.example" are not the same origin. */
	json_array_foreach(list, i, o)
		if (!strcmp(json_string_value(o), origin))
			return 1;
	return 0;
}

/* Who may open a websocket: pages from the daemon's own origin (or the
 * configured agent origins) for every role, pages from widget_origins for
 * citizens only, and nobody else, including clients that send no Origin. */
static enum origin_class client_origin(struct daemon *d, struct lws *wsi)
{
	char origin[256];

	if (lws_hdr_copy(wsi, origin, sizeof(origin), WSI_TOKEN_ORIGIN) <= 0)
		return ORIGIN_REFUSED;
	if (origin_listed(d->own_origins, origin))
		return ORIGIN_STAFF;
	if (origin_listed(d->conf.widget_origins, origin))
		return ORIGIN_WIDGET;
	return ORIGIN_REFUSED;
}

/* Refuse an upgrade early, before any per-client state exists. */
static int client_filter(struct lws *wsi)
{
	struct daemon *d = lws_context_user(lws_get_context(wsi));
	char ip[48];

	lws_get_peer_simple(wsi, ip, sizeof(ip));
	if (client_origin(d, wsi) == ORIGIN_REFUSED) {
		log_info("websocket from %s refused: origin not allowed", ip);
		return -1;
	}
	if (!limits_may_connect(&d->limits, ip)) {
		log_info("websocket from %s refused: %u connections already open", ip,
			 d->conf.limits.connections_per_ip);
		return -1;
	}
	return 0;
}

static void client_open(struct client *c, struct lws *wsi)
{
	memset(c, 0, sizeof(*c));
	c->wsi = wsi;
	c->d = lws_context_user(lws_get_context(wsi));
	c->staff_origin = client_origin(c->d, wsi) == ORIGIN_STAFF;
	lws_get_peer_simple(wsi, c->ip, sizeof(c->ip));
	limits_connected(&c->d->limits, c->ip);
	metrics_connected(&c->d->metrics);
}

/* Collect fragments until a whole message is here, capped across all of
 * them; then hand it to the handlers. -1 closes the connection. */
static int client_receive(struct client *c, const void *in, size_t len)
{
	int final = lws_is_final_fragment(c->wsi) && !lws_remaining_packet_payload(c->wsi);
	unsigned char *grown;

	if (lws_frame_is_binary(c->wsi)) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
				 (unsigned char *)"text frames only", 16);
		return -1;
	}
	if (c->rx_len + len > PROTO_MAX_MESSAGE) {
		/* With a close reason lws sends a close frame and waits 5 s for
		 * the peer's; a peer in the middle of a frame cannot answer before
		 * the frame ends. One that will end soon (at most another 64 KiB)
		 * gets 1009; one claiming far more (2^62 bytes) would hang on for
		 * the 5 s, so it is cut off at once (issue 19, item 7). */
		if (lws_remaining_packet_payload(c->wsi) <= PROTO_MAX_MESSAGE)
			lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
					 (unsigned char *)"message over 64 KiB", 19);
		return -1;
	}
	if (final && !c->rx) {
		handle_message(c, in, len); /* the common case: no copy */
		client_flow_check(c);
		return 0;
	}
	grown = realloc(c->rx, c->rx_len + len + 1);
	if (!grown)
		return -1;
	c->rx = grown;
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	if (final) {
		handle_message(c, (const char *)c->rx, c->rx_len);
		client_flow_check(c);
		free(c->rx);
		c->rx = NULL;
		c->rx_len = 0;
	}
	return 0;
}

/* lws retries a failing accept() at once, so a process out of descriptors
 * spins and logs "accept: errno 24" for every turn of the loop. Refusing
 * connections while only FD_RESERVE descriptors are left means accept()
 * never gets there. Descriptors are handed out lowest first, so a new one at
 * or above the line means every one below it is in use. The limit is read
 * each time because it can be changed from outside (prlimit). */
static int server_fd_reserve_refuses(struct daemon *d, int fd)
{
	struct rlimit rl;
	int64_t now;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    (rlim_t)fd + FD_RESERVE < rl.rlim_cur)
		return 0;
	d->fd_refused++;
	now = util_now_ms();
	if (now - d->fd_refused_logged_ms >= FD_LOG_EVERY_MS) {
		log_warn("out of file descriptors (limit %llu, %d kept for the store and files): "
			 "refusing new connections, %lu so far",
			 (unsigned long long)rl.rlim_cur, FD_RESERVE, d->fd_refused);
		d->fd_refused_logged_ms = now;
	}
	return 1;
}

/* Plain HTTP/1.1 and websockets on /ws, nothing else. lws would switch to
 * HTTP/2 for "Upgrade: h2c" and websocket-upgrade any path. For upgrades it
 * does not know it has already answered 403 and let go of the headers. */
static int server_confirm_upgrade(struct lws *wsi)
{
	char upgrade[32], path[8];

	if (lws_hdr_copy(wsi, upgrade, sizeof(upgrade), WSI_TOKEN_UPGRADE) <= 0)
		return -1;
	if (strcasecmp(upgrade, "websocket")) {
		lws_return_http_status(wsi, HTTP_STATUS_BAD_REQUEST, "only websocket upgrades");
		return -1;
	}
	if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 0 || strcmp(path, "/ws")) {
		lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, "websockets are on /ws");
		return -1;
	}
	return 0;
}

/* protocols[0]: lws asks it about every connection before it is HTTP or a
 * websocket, and binds websockets that name no subprotocol to it. */
static int server_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
				void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return server_fd_reserve_refuses(lws_context_user(lws_get_context(wsi)),
						 (int)(intptr_t)in);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return server_confirm_upgrade(wsi);
	case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
		return http_filter(wsi, in); /* method and size, before a mount (http.c) */
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return -1; /* a websocket without "vegvisar.v1" */
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

static int server_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			      void *in, size_t len)
{
	struct client *c = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return client_filter(wsi);
	case LWS_CALLBACK_ESTABLISHED:
		client_open(c, wsi);
		break;
	case LWS_CALLBACK_RECEIVE:
		return client_receive(c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_write_next(c);
	case LWS_CALLBACK_CLOSED:
		/* lws also reports CLOSED for upgrades we refused: nothing to undo. */
		if (c->d) {
			limits_disconnected(&c->d->limits, c->ip);
			client_cleanup(c);
		}
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* The one way back from the worker threads (base/done.h). */
		done_run(((struct daemon *)lws_context_user(lws_get_context(wsi)))->done);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols ws_protocol = {
	"vegvisar.v1", server_ws_callback, sizeof(struct client), WS_RX_CHUNK, 0, NULL, 0,
};

/* The origins the daemon's own pages have: as listened on, and as
 * "localhost" too when that is where it listens. */
static void server_own_origins(struct daemon *d)
{
	const char *host = d->conf.listen_host;
	int port = d->conf.listen_port;
	int v6 = strchr(host, ':') != NULL;

	d->own_origins = json_deep_copy(d->conf.agent_origins);
	json_array_append_new(d->own_origins,
			      json_sprintf(v6 ? "http://[%s]:%d" : "http://%s:%d", host, port));
	if (!strcmp(host, "127.0.0.1") || !strcmp(host, "::1"))
		json_array_append_new(d->own_origins, json_sprintf("http://localhost:%d", port));
}

/* The context's settings: protocols, the static files' mount, where to
 * listen, the timeouts. loops must live until lws_create_context. */
static void server_info(struct daemon *d, struct lws_context_creation_info *info, void **loops)
{
	static struct lws_http_mount mount;
	/* The first protocol also serves plain HTTP (the static files). */
	static struct lws_protocols protocols[4];

	protocols[0] = (struct lws_protocols){ "http", server_http_callback, 0, 0, 0, NULL, 0 };
	protocols[1] = ws_protocol;
	protocols[2] = http_protocol;
	memset(&protocols[3], 0, sizeof(protocols[3]));

	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = d->conf.www;
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;

	memset(info, 0, sizeof(*info));
	info->port = d->conf.listen_port;
	/* "0.0.0.0" and "::" mean every interface, which lws spells NULL. */
	if (strcmp(d->conf.listen_host, "0.0.0.0") && strcmp(d->conf.listen_host, "::"))
		info->iface = d->conf.listen_host;
	info->protocols = protocols;
	info->mounts = http_mounts(&mount);
	info->user = d;
	info->pcontext = &d->lws; /* set to NULL once lws has finished closing */
	info->foreign_loops = loops;
	info->options = LWS_SERVER_OPTION_LIBEV | LWS_SERVER_OPTION_VALIDATE_UTF8 |
			LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	if (!strchr(d->conf.listen_host, ':'))
		info->options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	/* A request's headers must be complete within 5 s of the first byte
	 * (slowloris), an idle keep-alive connection closes after 5 s, and a
	 * websocket is pinged when silent (ws_idle_policy). */
	info->timeout_secs = 5;
	info->timeout_secs_ah_idle = 5;
	info->keepalive_timeout = 5;
	info->retry_and_idle_policy = &ws_idle_policy;
	info->max_http_header_data = HTTP_HEADER_DATA; /* room for a 414 of our own (http.h) */
	info->vhost_name = "vegvisard";
	info->server_string = "vegvisard";
}

/* --- what the transport does for a client's send queue (ws/client.h) ---- */

static void server_want_write(struct lws *wsi)
{
	lws_callback_on_writable(wsi);
}

static void server_rx_flow(struct lws *wsi, int enable)
{
	lws_rx_flow_control(wsi, enable);
}

static int server_write(struct lws *wsi, unsigned char *text, size_t len)
{
	return lws_write(wsi, text, len, LWS_WRITE_TEXT);
}

static int server_choked(struct lws *wsi)
{
	return lws_send_pipe_choked(wsi);
}

static void server_close_policy(struct lws *wsi, const char *reason)
{
	lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)reason,
			 strlen(reason));
}

static const struct client_transport server_client_io = {
	.headroom = LWS_PRE,
	.want_write = server_want_write,
	.rx_flow = server_rx_flow,
	.write = server_write,
	.choked = server_choked,
	.close_policy = server_close_policy,
};

int server_start(struct daemon *d)
{
	struct lws_context_creation_info info;
	void *loops[1] = { d->loop };

	client_set_transport(&server_client_io); /* before any client connects */
	server_info(d, &info, loops);
	server_own_origins(d);
	if (limits_init(&d->limits, &d->conf.limits))
		return -1;
	d->lws = lws_create_context(&info);
	if (!d->lws) {
		log_err("cannot listen on %s:%d (in use, or not an address of this machine?)",
			d->conf.listen_host, d->conf.listen_port);
		return -1;
	}
	www_confine(d->lws, d->conf.www);
	d->listening = 1;
	ev_timer_init(&lws_tick, server_tick, 1., 1.);
	lws_tick.data = d;
	ev_timer_start(d->loop, &lws_tick);
	ev_unref(d->loop); /* the tick alone does not keep the loop running */
	return 0;
}

void server_stop(struct daemon *d)
{
	if (ev_is_active(&lws_tick)) {
		ev_ref(d->loop);
		ev_timer_stop(d->loop, &lws_tick);
	}
	if (d->lws)
		lws_context_destroy(d->lws);
}

void server_log_lws(int lws_level, const char *line)
{
	enum log_level lvl = LOG_LVL_DEBUG;

	if (lws_level & LLL_ERR)
		lvl = LOG_LVL_ERR;
	else if (lws_level & LLL_WARN)
		lvl = LOG_LVL_WARN;
	else if (lws_level & LLL_NOTICE)
		lvl = LOG_LVL_NOTICE;
	log_library(lvl, "lws", line);
}
