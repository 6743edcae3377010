/* server.c - libwebsockets setup and the protocol callback.
 *
 * The callback is a router: each case calls one named function. */
#include "server.h"

#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <libwebsockets.h>

#include "client.h"
#include "daemon.h"
#include "handle.h"
#include "http.h"
#include "log.h"
#include "proto.h"

#define WS_RX_CHUNK 4096 /* lws hands us frames in pieces of this size */

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
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
				 (unsigned char *)"message over 64 KiB", 19);
		return -1;
	}
	if (final && !c->rx) {
		handle_message(c, in, len); /* the common case: no copy */
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
		free(c->rx);
		c->rx = NULL;
		c->rx_len = 0;
	}
	return 0;
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
		handle_store_results(lws_context_user(lws_get_context(wsi)));
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
	json_array_append_new(d->own_origins, json_sprintf(v6 ? "http://[%s]:%d" : "http://%s:%d", host, port));
	if (!strcmp(host, "127.0.0.1") || !strcmp(host, "::1"))
		json_array_append_new(d->own_origins, json_sprintf("http://localhost:%d", port));
}

int server_start(struct daemon *d)
{
	struct lws_context_creation_info info;
	void *loops[1] = { d->loop };
	static struct lws_http_mount mount;
	/* The first protocol also serves plain HTTP (the static files). */
	static struct lws_protocols protocols[4];

	protocols[0] = (struct lws_protocols){ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 };
	protocols[1] = ws_protocol;
	protocols[2] = http_protocol;
	memset(&protocols[3], 0, sizeof(protocols[3]));

	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = d->conf.www;
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.port = d->conf.listen_port;
	/* "0.0.0.0" and "::" mean every interface, which lws spells NULL. */
	if (strcmp(d->conf.listen_host, "0.0.0.0") && strcmp(d->conf.listen_host, "::"))
		info.iface = d->conf.listen_host;
	info.protocols = protocols;
	info.mounts = http_mounts(&mount);
	info.user = d;
	info.pcontext = &d->lws; /* set to NULL once lws has finished closing */
	info.foreign_loops = loops;
	info.options = LWS_SERVER_OPTION_LIBEV | LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
	if (!strchr(d->conf.listen_host, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.timeout_secs = 10;
	info.vhost_name = "vegvisard";
	info.server_string = "vegvisard";

	server_own_origins(d);
	if (limits_init(&d->limits, &d->conf.limits))
		return -1;
	d->lws = lws_create_context(&info);
	if (!d->lws) {
		log_err("cannot listen on %s:%d (in use, or not an address of this machine?)",
			d->conf.listen_host, d->conf.listen_port);
		return -1;
	}
	d->listening = 1;
	return 0;
}

void server_stop(struct daemon *d)
{
	if (d->lws)
		lws_context_destroy(d->lws);
}
