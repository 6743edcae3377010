/* http.c - routing, replies and worker-fed streams for the HTTP API. */
#include "http.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "app/daemon.h"
#include "base/log.h"
#include "api/routes.h"

#define STREAM_CHUNK (16 * 1024)    /* one lws_write */
#define STREAM_QUEUE 8              /* chunks in flight per response: the memory bound */
#define STREAM_WORKERS_MAX 4        /* concurrent worker threads; more get 503 */
#define HTTP_BODY_MAX (1024 * 1024) /* POST bodies: handoffs and ingest batches */
/* A stream may run far longer than the server's timeout_secs (an export of
 * a million rows); it is closed only when a client takes none of the data
 * waiting for it for this long. */
#define STREAM_STALL_SECS 60

/* A response body in pieces. Shared by the worker (producer) and the
 * service thread (consumer); freed when both have let go. */
struct http_stream {
	pthread_mutex_t lock;
	pthread_cond_t space;
	struct {
		unsigned char *buf; /* LWS_PRE headroom, then data */
		size_t len;
	} q[STREAM_QUEUE];
	unsigned head, count;
	int done;    /* the producer has finished */
	int aborted; /* the client has gone */
	int refs;
	unsigned char *fill; /* the worker's chunk being filled */
	size_t fill_len;
	struct lws_context *ctx;
	struct lws *wsi;          /* service thread only; NULL once closed */
	struct http_stream *next; /* service thread only: the daemon's list */
	int stall_armed;          /* service thread only: the stall timeout runs */
	http_producer_fn producer;
	void *arg;
	void (*free_arg)(void *);
};

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
};

static struct http_stream *active_streams; /* service thread only */
static size_t n_active, n_workers;

/* --- the stream --------------------------------------------------------- */

static void stream_unref(struct http_stream *st)
{
	int last;

	pthread_mutex_lock(&st->lock);
	last = --st->refs == 0;
	pthread_mutex_unlock(&st->lock);
	if (!last)
		return;
	for (unsigned i = 0; i < st->count; i++)
		free(st->q[(st->head + i) % STREAM_QUEUE].buf);
	free(st->fill);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->space);
	free(st);
}

/* Queue the chunk being filled; waits (on the worker) while the queue is full. */
static int stream_push(struct http_stream *st)
{
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	while (st->count == STREAM_QUEUE && !st->aborted)
		pthread_cond_wait(&st->space, &st->lock);
	if (st->aborted) {
		rc = -1;
	} else if (st->fill) {
		unsigned slot = (st->head + st->count) % STREAM_QUEUE;
		st->q[slot].buf = st->fill;
		st->q[slot].len = st->fill_len;
		st->count++;
		st->fill = NULL;
		st->fill_len = 0;
	}
	pthread_mutex_unlock(&st->lock);
	lws_cancel_service(st->ctx);
	return rc;
}

int http_stream_write(struct http_stream *st, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len) {
		size_t n;
		if (!st->fill && !(st->fill = malloc(LWS_PRE + STREAM_CHUNK)))
			return -1;
		n = STREAM_CHUNK - st->fill_len;
		if (n > len)
			n = len;
		memcpy(st->fill + LWS_PRE + st->fill_len, p, n);
		st->fill_len += n;
		p += n;
		len -= n;
		if (st->fill_len == STREAM_CHUNK && stream_push(st))
			return -1;
	}
	return 0;
}

int http_stream_printf(struct http_stream *st, const char *fmt, ...)
{
	char small[1024], *text = small;
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(small)) {
		if (!(text = malloc((size_t)n + 1)))
			return -1;
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rc = http_stream_write(st, text, (size_t)n);
	if (text != small)
		free(text);
	return rc;
}

static void *stream_worker(void *arg)
{
	struct http_stream *st = arg;

	st->producer(st, st->arg);
	if (st->free_arg)
		st->free_arg(st->arg);
	stream_push(st); /* the last partial chunk, if any */
	pthread_mutex_lock(&st->lock);
	st->done = 1;
	pthread_mutex_unlock(&st->lock);
	lws_cancel_service(st->ctx);
	stream_unref(st);
	return NULL;
}

static struct http_stream *stream_new(struct http_req *r)
{
	struct http_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->space, NULL);
	st->refs = 1;
	st->ctx = lws_get_context(r->wsi);
	st->wsi = r->wsi;
	st->next = active_streams;
	active_streams = st;
	n_active++;
	r->st = st;
	return st;
}

/* The service thread lets go of a stream: its connection closed or finished. */
static void stream_detach(struct http_req *r)
{
	struct http_stream *st = r->st, **pp;

	if (!st)
		return;
	for (pp = &active_streams; *pp; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			n_active--;
			break;
		}
	}
	pthread_mutex_lock(&st->lock);
	st->aborted = 1;
	st->wsi = NULL;
	pthread_cond_broadcast(&st->space);
	pthread_mutex_unlock(&st->lock);
	r->st = NULL;
	stream_unref(st);
}

size_t http_active_streams(void)
{
	return n_active;
}

/* --- replies ------------------------------------------------------------ */

static int http_headers(struct http_req *r, unsigned status, const char *content_type,
			const char *disposition, lws_filepos_t length)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
					   *end = buf + sizeof(buf) - 1;

	if (lws_add_http_common_headers(r->wsi, status, content_type, length, &p, end) ||
	    lws_add_http_header_by_name(r->wsi, (const unsigned char *)"cache-control:",
					(const unsigned char *)"no-store", 8, &p, end))
		return -1;
	if (disposition &&
	    lws_add_http_header_by_name(r->wsi, (const unsigned char *)"content-disposition:",
					(const unsigned char *)disposition,
					(int)strlen(disposition), &p, end))
		return -1;
	return lws_finalize_write_http_header(r->wsi, start, &p, end) ? -1 : 0;
}

int http_reply(struct http_req *r, unsigned status, const char *content_type, const char *body,
	       size_t len)
{
	struct http_stream *st;

	r->gone = NULL; /* answered: nobody waits for it any more */
	st = stream_new(r);

	if (!st || http_headers(r, status, content_type, NULL, len))
		return -1;
	if (len && (http_stream_write(st, body, len) || stream_push(st)))
		return -1;
	st->done = 1; /* no worker: the service thread owns it alone */
	lws_callback_on_writable(r->wsi);
	return 0;
}

int http_error(struct http_req *r, unsigned status, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	json_t *o;
	char *body;
	int rc;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s}", "error", message);
	body = json_dumps(o, JSON_COMPACT);
	rc = http_reply(r, status, "application/json", body, strlen(body));
	free(body);
	json_decref(o);
	return rc;
}

int http_stream(struct http_req *r, unsigned status, const char *content_type,
		const char *disposition, http_producer_fn producer, void *arg,
		void (*free_arg)(void *))
{
	struct http_stream *st;
	pthread_t tid;

	if (n_workers >= STREAM_WORKERS_MAX) {
		if (free_arg)
			free_arg(arg);
		return http_error(r, 503, "busy: %d exports are already running; try again",
				  STREAM_WORKERS_MAX);
	}
	if (!(st = stream_new(r)) ||
	    http_headers(r, status, content_type, disposition, LWS_ILLEGAL_HTTP_CONTENT_LEN))
		goto fail;
	st->producer = producer;
	st->arg = arg;
	st->free_arg = free_arg;
	st->refs++; /* the worker's */
	if (pthread_create(&tid, NULL, stream_worker, st)) {
		st->refs--;
		goto fail;
	}
	pthread_detach(tid);
	n_workers++;
	/* The producer may think longer than timeout_secs before its first byte. */
	lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
	return 0;
fail:
	if (free_arg)
		free_arg(arg);
	return -1;
}

/* Send the next queued chunk; finish the transaction when all is sent. */
static int http_write_next(struct http_req *r)
{
	struct http_stream *st = r->st;
	unsigned char *buf = NULL;
	size_t len = 0;
	int done, more;

	if (!st)
		return 0;
	pthread_mutex_lock(&st->lock);
	if (st->count) {
		buf = st->q[st->head].buf;
		len = st->q[st->head].len;
		st->head = (st->head + 1) % STREAM_QUEUE;
		st->count--;
		pthread_cond_signal(&st->space);
	}
	done = st->done && !st->count;
	more = st->count > 0;
	pthread_mutex_unlock(&st->lock);
	if (buf) {
		int n = lws_write(r->wsi, buf + LWS_PRE, len,
				  done ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
		free(buf);
		if (n < (int)len)
			return -1;
	}
	if (done) {
		if (st->producer)
			n_workers--;
		stream_detach(r);
		return lws_http_transaction_completed(r->wsi) ? -1 : 0;
	}
	/* Progress: data still waiting restarts the stall clock; none waiting
	 * means we wait for the producer, which is no fault of the client. */
	st->stall_armed = more;
	lws_set_timeout(r->wsi, more ? PENDING_TIMEOUT_HTTP_CONTENT : NO_PENDING_TIMEOUT,
			more ? STREAM_STALL_SECS : 0);
	if (more)
		lws_callback_on_writable(r->wsi);
	return 0;
}

/* Workers woke the loop: ask to write wherever a chunk is waiting. */
static void http_wake_writers(void)
{
	for (struct http_stream *st = active_streams; st; st = st->next) {
		int ready;
		pthread_mutex_lock(&st->lock);
		ready = st->count || st->done;
		pthread_mutex_unlock(&st->lock);
		if (!ready || !st->wsi)
			continue;
		if (!st->stall_armed) {
			st->stall_armed = 1;
			lws_set_timeout(st->wsi, PENDING_TIMEOUT_HTTP_CONTENT, STREAM_STALL_SECS);
		}
		lws_callback_on_writable(st->wsi);
	}
}

/* --- requests ----------------------------------------------------------- */

struct daemon *http_daemon(struct http_req *r)
{
	return r->d;
}

const char *http_arg(struct http_req *r, const char *name, char *buf, size_t len)
{
	char key[64];

	snprintf(key, sizeof(key), "%s=", name);
	return lws_get_urlarg_by_name(r->wsi, key, buf, (int)len);
}

int http_check_args(struct http_req *r, const char *const *allowed)
{
	char arg[512];

	for (int i = 0;
	     lws_hdr_copy_fragment(r->wsi, arg, sizeof(arg), WSI_TOKEN_HTTP_URI_ARGS, i) > 0; i++) {
		size_t klen = strcspn(arg, "="), k;
		for (k = 0; allowed[k]; k++)
			if (strlen(allowed[k]) == klen && !strncmp(arg, allowed[k], klen))
				break;
		if (!allowed[k]) {
			http_error(r, 400, "unknown parameter \"%.*s\"", (int)klen, arg);
			return -1;
		}
	}
	return 0;
}

enum role http_bearer_role(struct http_req *r)
{
	char auth[512];
	int n = lws_hdr_copy(r->wsi, auth, sizeof(auth), WSI_TOKEN_HTTP_AUTHORIZATION);

	if (n < 8 || strncasecmp(auth, "Bearer ", 7))
		return ROLE_NONE;
	return conf_check_token(&r->d->conf, auth + 7, NULL);
}

/* Collect a POST body up to HTTP_BODY_MAX; past that, keep reading but
 * drop it, and answer 413 at the end rather than cutting the connection. */
static int http_body_chunk(struct http_req *r, const void *in, size_t len)
{
	unsigned char *grown;

	if (!r->post || r->body_too_large)
		return 0;
	if (r->body_len + len > HTTP_BODY_MAX) {
		r->body_too_large = 1;
		return 0;
	}
	if (!(grown = realloc(r->body, r->body_len + len + 1)))
		return -1;
	r->body = grown;
	memcpy(r->body + r->body_len, in, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return 0;
}

const char *http_body(struct http_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body ? (const char *)r->body : "";
}

void http_defer(struct http_req *r, void (*gone)(void *arg), void *arg)
{
	r->gone = gone;
	r->gone_arg = arg;
	/* A commit takes milliseconds; a stuck disk must not hold the
	 * connection forever (the sender retries). */
	lws_set_timeout(r->wsi, PENDING_TIMEOUT_HTTP_CONTENT, 30);
}

int http_header(struct http_req *r, const char *name, char *buf, size_t len)
{
	return lws_hdr_custom_copy(r->wsi, buf, (int)len, name, (int)strlen(name));
}

static int http_route(struct http_req *r)
{
	int method_get = lws_hdr_total_length(r->wsi, WSI_TOKEN_GET_URI) > 0;
	int method_post = lws_hdr_total_length(r->wsi, WSI_TOKEN_POST_URI) > 0;
	const char *method = method_get ? "GET" : method_post ? "POST" : "?";
	int path_known = 0;

	if (lws_hdr_copy(r->wsi, r->path, sizeof(r->path),
			 method_get ? WSI_TOKEN_GET_URI : WSI_TOKEN_POST_URI) < 0)
		return http_error(r, 414, "the path is too long");
	for (size_t i = 0; i < n_routes; i++) {
		const struct http_route *rt = &routes[i];
		if (strcmp(rt->path, r->path))
			continue;
		path_known = 1;
		if (strcmp(rt->method, method))
			continue;
		if (rt->role != ROLE_NONE && http_bearer_role(r) != rt->role)
			return http_error(r, 401, "this needs a %s token: Authorization: Bearer …",
					  role_name(rt->role));
		if (method_post) {
			r->post = rt; /* answered once the body is in */
			return 0;
		}
		return rt->fn(r);
	}
	if (path_known)
		return http_error(r, 405, "%s is not allowed on %s", method, r->path);
	return http_error(r, 404, "no such path: %s", r->path);
}

static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct http_req *r = user;
	int rc;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		free(r->body); /* a keep-alive connection's previous request */
		memset(r, 0, sizeof(*r));
		r->wsi = wsi;
		r->d = lws_context_user(lws_get_context(wsi));
		return http_route(r) ? -1 : 0;
	case LWS_CALLBACK_HTTP_BODY:
		return http_body_chunk(r, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!r->post)
			return -1;
		if (r->body_too_large)
			return http_error(r, 413, "the body is over %d bytes", HTTP_BODY_MAX) ? -1
											      : 0;
		rc = r->post->fn(r);
		/* The body is the handler's to read while it runs, no longer. */
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		return rc ? -1 : 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_write_next(r);
	case LWS_CALLBACK_CLOSED_HTTP:
		if (r && r->st && r->st->producer)
			n_workers--;
		if (r && r->gone) {
			r->gone(r->gone_arg);
			r->gone = NULL;
		}
		if (r) {
			stream_detach(r);
			free(r->body);
			r->body = NULL;
		}
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		http_wake_writers();
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		return -1; /* a websocket asking for this protocol by name */
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols http_protocol = {
	"vegvisar-http", http_callback, sizeof(struct http_req), 0, 0, NULL, 0,
};

const struct lws_http_mount *http_mounts(const struct lws_http_mount *next)
{
	static struct lws_http_mount mounts[3];
	static const char *const points[] = { "/api", "/metrics", "/healthz" };

	for (int i = 2; i >= 0; i--) {
		memset(&mounts[i], 0, sizeof(mounts[i]));
		mounts[i].mount_next = i == 2 ? next : &mounts[i + 1];
		mounts[i].mountpoint = points[i];
		mounts[i].mountpoint_len = (unsigned char)strlen(points[i]);
		mounts[i].origin = "vegvisar-http";
		mounts[i].origin_protocol = LWSMPRO_CALLBACK;
	}
	return &mounts[0];
}
