/* http.h - the daemon's HTTP API (/api/…, /metrics, /healthz).
 *
 * Routes are a table of small handlers. A handler answers at once with
 * http_reply(), or hands long work (a report, an export of a million rows)
 * to a worker thread with http_stream(): the worker writes the body in
 * pieces into a bounded queue, blocking when it is full, and the service
 * thread sends each piece from LWS_CALLBACK_HTTP_WRITEABLE. So memory stays
 * flat and the loop never waits on SQLite. */
#ifndef VV_HTTP_H
#define VV_HTTP_H

#include <stddef.h>

#include "conf/conf.h"

struct lws;
struct daemon;
struct http_req;
struct http_stream;
struct lws_protocols;

/* One HTTP API path: the routes (daemon/api/) are a table of these, which
 * main.c hands to http_set_routes before the server starts. */
struct http_route {
	const char *method;
	const char *path;
	enum role role; /* ROLE_NONE: open to anyone */
	int (*fn)(struct http_req *r);
	/* The query parameters it takes (NULL-ended); any other, a repeated
	 * one or one without a value is refused with 400 before fn runs. */
	const char *const *params;
};
/* Register the route table (borrowed: it lives as long as the daemon). */
void http_set_routes(const struct http_route *routes, size_t n);

/* Write to the response body from a worker; -1 when the client has gone
 * (the producer should stop). Buffered: small writes are cheap. */
int http_stream_write(struct http_stream *st, const void *data, size_t len);
int http_stream_printf(struct http_stream *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Bytes the producer can write now without waiting for the client; 0 once
 * the client has gone. */
size_t http_stream_room(struct http_stream *st);
/* 1 once the client has gone (the producer should stop). */
int http_stream_aborted(struct http_stream *st);
/* From the producer, before it has written anything: answer status with
 * {"error": message} instead of the status given to http_stream. Then
 * write nothing more. -1 when data was written already (too late: the
 * producer can only stop, which cuts the response short). */
int http_stream_fail(struct http_stream *st, unsigned status, const char *message);

/* The producer runs on its own thread and must not touch lws or the
 * daemon's loop state; arg is freed with free_arg when it returns. */
typedef void (*http_producer_fn)(struct http_stream *st, void *arg);

/* Reply with a complete body (copied). Returns 0. */
int http_reply(struct http_req *r, unsigned status, const char *content_type, const char *body,
	       size_t len);
/* Reply {"error": message} with status. Returns 0. */
int http_error(struct http_req *r, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Send status and headers now; the body comes from producer on a worker. */
int http_stream(struct http_req *r, unsigned status, const char *content_type,
		const char *disposition, http_producer_fn producer, void *arg,
		void (*free_arg)(void *));

/* Request accessors for route handlers. */
struct daemon *http_daemon(struct http_req *r);
/* The query argument name (without '='), or NULL. Copied into buf. */
const char *http_arg(struct http_req *r, const char *name, char *buf, size_t len);
/* Query parameters are checked before a route's handler runs (its params
 * in routes.c): unknown, repeated, empty or valueless ones get 400. */
/* A POST route's request body (NUL-terminated; "" when empty), valid while
 * the route's handler runs. */
const char *http_body(struct http_req *r, size_t *len);
/* A request header by name, with its colon and in lower case ("x-vegvisar-signature:"):
 * its length copied into buf, or -1 when absent or too long. */
int http_header(struct http_req *r, const char *name, char *buf, size_t len);
/* A POST handler that answers later, once the store has committed, returns
 * 0 without replying and calls this: if the connection closes first,
 * gone(arg) is called so the owner forgets r. The later http_reply or
 * http_error (on the service thread) ends it. */
void http_defer(struct http_req *r, void (*gone)(void *arg), void *arg);
/* The role of the bearer token, ROLE_NONE if missing or wrong. */
enum role http_bearer_role(struct http_req *r);

/* lws keeps a request's line and headers in one buffer of this size per
 * connection while they arrive (max_http_header_data): big enough that a
 * request line over HTTP_URI_MAX still fits and gets its 414 from us; a
 * request whose headers do not fit is dropped by lws itself
 * (docs/security.md, "HTTP hygiene"). */
#define HTTP_HEADER_DATA 8192
/* LWS_CALLBACK_FILTER_HTTP_CONNECTION, for every HTTP request before lws
 * picks its mount (uri is the path): 414 for a path and query over 2 KiB,
 * 405 for a method other than GET or HEAD on a static file. -1 when it
 * answered (then the connection closes), else 0. */
int http_filter(struct lws *wsi, const char *uri);

/* The protocol entry for lws and the mounts that route to it. */
extern const struct lws_protocols http_protocol;
/* Mounts for the API paths, chained in front of next (the static files). */
const struct lws_http_mount *http_mounts(const struct lws_http_mount *next);
/* Streams in progress (for /metrics and shutdown). */
size_t http_active_streams(void);
/* At shutdown, before the lws context goes: stop every export worker (they
 * see their client gone) and join it. */
void http_stop_workers(void);

#endif
