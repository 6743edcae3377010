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

/* Write to the response body from a worker; -1 when the client has gone
 * (the producer should stop). Buffered: small writes are cheap. */
int http_stream_write(struct http_stream *st, const void *data, size_t len);
int http_stream_printf(struct http_stream *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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
/* Refuse query arguments not in allowed (NULL-ended): 400 naming it. 0 or -1. */
int http_check_args(struct http_req *r, const char *const *allowed);
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

/* The protocol entry for lws and the mounts that route to it. */
extern const struct lws_protocols http_protocol;
/* Mounts for the API paths, chained in front of next (the static files). */
const struct lws_http_mount *http_mounts(const struct lws_http_mount *next);
/* Streams in progress (for /metrics and shutdown). */
size_t http_active_streams(void);

#endif
