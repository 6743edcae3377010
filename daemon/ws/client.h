/* client.h - one connected websocket client and its bounded send queue.
 *
 * This is what the handlers know of a connection; the socket itself is the
 * transport's (net/server.c), which registers the few things it does for
 * the queue (client_set_transport) before any client connects. So the
 * handlers write replies without knowing libwebsockets, and the unit tests'
 * harness registers stand-ins (tests/unit/ws/harness.c). */
#ifndef VV_CLIENT_H
#define VV_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/daemon.h"
#include "conf/conf.h"
#include "desk/session.h"
#include "store/stats.h"

struct lws; /* the transport's connection, never dereferenced here */
struct jbuf;

/* Replies waiting for LWS_CALLBACK_SERVER_WRITEABLE, bounded in messages
 * and in bytes (bounds.send_queue_bytes). A client's own messages cannot
 * fill it: reading from a client pauses while its replies back up (see
 * CLIENT_RX_PAUSE_AT), so a burst is answered at the pace the client reads.
 * Only pushed updates (the agents' queue, statistics) to a client that does
 * not read can fill it; that client is closed (1008 "too slow"), not
 * buffered forever. */
#define CLIENT_OUTQ_MAX 128
/* Stop reading a client's messages once this many replies are queued or
 * owed (finishes waiting for the store), or a quarter of the byte bound is
 * queued; read again once it is down to CLIENT_RX_RESUME_AT. */
#define CLIENT_RX_PAUSE_AT 32
#define CLIENT_RX_RESUME_AT 8

struct outq_item {
	unsigned char *buf; /* the transport's headroom, then the text */
	size_t len;
};

/* What the transport does for the queue, on the service thread. */
struct client_transport {
	size_t headroom; /* bytes it needs in front of each message's text (LWS_PRE) */
	/* Call back (client_write_next) once the socket takes more. */
	void (*want_write)(struct lws *wsi);
	/* Stop (0) or resume (1) reading the client's messages. */
	void (*rx_flow)(struct lws *wsi, int enable);
	/* Write one text message that has headroom bytes in front of it; the
	 * bytes written, less than len on failure. */
	int (*write)(struct lws *wsi, unsigned char *text, size_t len);
	/* 1 while the socket takes no more for now. */
	int (*choked)(struct lws *wsi);
	/* Close with the policy-violation status and this reason. */
	void (*close_policy)(struct lws *wsi, const char *reason);
};
/* Register the transport (borrowed: it lives as long as the daemon). */
void client_set_transport(const struct client_transport *t);

/* One of these per connected websocket client (the transport allocates it). */
struct client {
	struct lws *wsi; /* the transport's handle for the connection */
	struct daemon *d;
	enum role role;   /* set once by "hello" */
	char ip[48];      /* the peer's address, for per-address limits */
	int staff_origin; /* the page came from an origin that may sign in agents */
	char token_name[64];
	char lang[3];
	struct outq_item outq[CLIENT_OUTQ_MAX];
	unsigned outq_head, outq_count;
	size_t outq_bytes;         /* text bytes in outq */
	int overflowed;            /* queue overflowed: close at next WRITEABLE */
	int rx_paused;             /* reading paused until the replies drain */
	unsigned pending_finishes; /* finishes of ours waiting for the store */
	struct session_group sessions; /* open sessions started over this connection */
	unsigned char *rx;         /* a message arriving in fragments */
	size_t rx_len;
	struct client *sub_prev[CLIENT_NLISTS], *sub_next[CLIENT_NLISTS];
	unsigned char subscribed[CLIENT_NLISTS];
	struct stats_filter stats_filter; /* what "subscribe" asked to see */
	unsigned char stats_dirty;        /* a contact it sees was logged since the last push */
};

/* Add c to list l of its daemon (once). */
void client_subscribe(struct client *c, enum client_list l);
/* Send msg (borrowed) to every client on list l. */
void client_broadcast(struct daemon *d, enum client_list l, json_t *msg);

/* Queue msg (borrowed) as one text frame and ask for WRITEABLE. */
void client_send(struct client *c, json_t *msg);
/* The same for a message already serialized (text is copied). */
void client_send_text(struct client *c, const char *text, size_t len);
/* A reply written by hand, queued without a copy: client_reply_begin puts
 * the headroom lws needs in front of it, client_send_jbuf hands the buffer
 * to the queue (b is empty afterwards). */
void client_reply_begin(struct jbuf *b);
void client_send_jbuf(struct client *c, struct jbuf *b);
/* Convenience: send an error reply. */
void client_send_error(struct client *c, json_t *re, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* After a message was handled: pause reading while its replies back up. */
void client_flow_check(struct client *c);
/* Write queued messages while the socket takes them; called by the
 * transport once it may write (want_write). -1 means close. */
int client_write_next(struct client *c);
/* Free everything the client owns; the one teardown path. */
void client_cleanup(struct client *c);

#endif
