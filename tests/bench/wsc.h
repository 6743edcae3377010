/* wsc.h - a minimal websocket client for the load generator: many
 * connections on one epoll, text frames only.
 *
 * Why not the libwebsockets client: the generator has to cost less per
 * message than the server it measures, or the "ceiling" run measures the
 * generator. lws costs about as much per message on the client side as on the
 * server side (a callback per frame, a WRITEABLE round per send); this client
 * sends a message with one send() and parses replies in place from one
 * shared receive buffer. */
#ifndef VV_BENCH_WSC_H
#define VV_BENCH_WSC_H

#include <stddef.h>
#include <stdint.h>

struct wsc;

/* What the caller is told about a connection. */
struct wsc_ops {
	void (*open)(struct wsc *c);                              /* handshake done */
	void (*message)(struct wsc *c, const char *text, size_t len); /* one text message */
	void (*closed)(struct wsc *c, const char *why);           /* gone; c is freed after */
};

/* Where to connect. Every connection goes to the same server. */
struct wsc_target {
	char host[64];     /* an IPv4 address */
	int port;
	char path[128];
	char protocol[64]; /* Sec-WebSocket-Protocol */
	unsigned src_ips;  /* >1: spread connections over 127.0.0.1 .. 127.0.0.N */
};

/* One websocket connection of the generator. */
struct wsc {
	int fd;
	int state;           /* WSC_* in wsc.c */
	unsigned out_events; /* EPOLLOUT requested */
	char *rbuf;          /* bytes of a frame (or of the handshake) not yet complete */
	size_t rlen, rcap;
	char *msg;           /* a message arriving in fragments */
	size_t msg_len;
	char *wbuf;          /* bytes the socket did not take yet */
	size_t wlen, woff;
	void *user;
	struct wsc_loop *loop;
	struct wsc *next_dead; /* freed at the end of the current wsc_loop_once */
};

/* All connections share one epoll and one receive buffer. */
struct wsc_loop {
	int epfd;
	const struct wsc_ops *ops;
	const struct wsc_target *target;
	char *rx;            /* the shared receive buffer */
	size_t rx_size;
	unsigned long connects;
	uint32_t rng;        /* xorshift state for masks and keys */
	char request[512];   /* the handshake request, the same for every connection */
	size_t request_len;
	struct wsc *dead;    /* closed during this round; freed at its end */
};

int wsc_loop_init(struct wsc_loop *l, const struct wsc_target *t, const struct wsc_ops *ops);
void wsc_loop_free(struct wsc_loop *l);
/* Start connecting; ops->open or ops->closed follows. NULL if the socket
 * could not even be created (errno set). */
struct wsc *wsc_connect(struct wsc_loop *l, void *user);
/* Send one text message as one masked frame. -1: the connection failed
 * (ops->closed has been called and c is gone). */
int wsc_send_text(struct wsc *c, const char *text, size_t len);
/* Drop the connection at once (RST, no TIME_WAIT); ops->closed is not called. */
void wsc_abort(struct wsc *c);
/* Wait up to timeout_ns (0: poll, <0: forever) and handle what arrived. */
int wsc_loop_once(struct wsc_loop *l, int64_t timeout_ns);
/* Parse a URL like ws://127.0.0.1:8470/ws into t. */
int wsc_parse_url(struct wsc_target *t, const char *url);

#endif
