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

static void client_open(struct client *c, struct lws *wsi)
{
	memset(c, 0, sizeof(*c));
	c->wsi = wsi;
	c->d = lws_context_user(lws_get_context(wsi));
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
	case LWS_CALLBACK_ESTABLISHED:
		client_open(c, wsi);
		break;
	case LWS_CALLBACK_RECEIVE:
		return client_receive(c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return client_write_next(c);
	case LWS_CALLBACK_CLOSED:
		client_cleanup(c);
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
