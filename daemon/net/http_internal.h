/* http_internal.h - what http.c (requests and routing) and http_stream.c
 * (response bodies) share; nothing outside daemon/net/http*.c includes it. */
#ifndef VV_HTTP_INTERNAL_H
#define VV_HTTP_INTERNAL_H

#include <libwebsockets.h>

#include "http.h"

/* One of these per HTTP connection (lws allocates it). */
struct http_req {
	struct lws *wsi;
	struct daemon *d;
	struct http_stream *st;
	char path[256];
	const struct http_route *post; /* a POST route waiting for its body */
	unsigned char *body;           /* the request body so far, NUL-terminated */
	size_t body_len;
	int body_too_large;
	void (*gone)(void *arg); /* a deferred answer's owner, told if we close first */
	void *gone_arg;
	int head;             /* a HEAD request: headers only */
	char allow[32];       /* a 405's Allow header, or "" */
	unsigned retry_after; /* a 429's Retry-After in seconds, or 0 */
	int close_after;      /* refused before its body was read: close when answered */
};

/* What goes into a response's head besides lws's common headers. */
struct http_head {
	unsigned status;
	const char *content_type;
	const char *disposition; /* or NULL */
	const char *allow;       /* a 405's Allow, or NULL / "" */
	unsigned retry_after;    /* a 429's Retry-After in seconds, or 0 */
};

/* Write a response's status line and headers. 0 or -1. */
int http_stream_head(struct lws *wsi, const struct http_head *h, lws_filepos_t length);
/* The same for r, with its Allow and Retry-After when set. */
int http_stream_headers(struct http_req *r, unsigned status, const char *content_type,
			const char *disposition, lws_filepos_t length);
/* A stream for r's response, on the daemon's list of active ones. */
struct http_stream *http_stream_new(struct http_req *r);
/* The service thread lets go of r's stream: finished, or the client went. */
void http_stream_detach(struct http_req *r);
/* LWS_CALLBACK_HTTP_WRITEABLE: send r's next piece. -1 closes. */
int http_stream_writeable(struct http_req *r);

#endif
