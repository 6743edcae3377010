/* http_stream.c - response bodies in pieces: a complete reply, or one fed
 * by a worker thread (an export) through a bounded queue, sent by the
 * service thread from LWS_CALLBACK_HTTP_WRITEABLE (http.h says how). */
#include "http_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "app/daemon.h"
#include "base/done.h"

#define STREAM_CHUNK (16 * 1024)    /* one lws_write */
#define STREAM_QUEUE 8              /* chunks in flight per response: the memory bound */
#define STREAM_WORKERS_MAX 4        /* concurrent worker threads; more get 503 */
/* A stream may run far longer than the server's timeout_secs (an export of
 * a million rows). While data waits for it, a client must take at least
 * STREAM_WINDOW_BYTES in every STREAM_STALL_SECS, or it is closed: a client
 * that stops reading, or one that trickles a few bytes now and then to keep
 * the connection (and a worker) busy, is gone within that time. */
#define STREAM_STALL_SECS 60
#define STREAM_WINDOW_BYTES (256 * 1024)

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
	int exited;  /* the worker thread is about to return: join it */
	int pushed;  /* body data was queued: too late for http_stream_fail */
	int refs;
	/* The response's head, sent by the service thread before the first
	 * data (so that a producer failing first still gets a 5xx). */
	unsigned status;
	const char *content_type, *disposition; /* static strings */
	char *fail_body;                        /* set by http_stream_fail */
	int head_sent;                          /* service thread only */
	size_t window_bytes;                    /* service thread only: see STREAM_WINDOW_BYTES */
	pthread_t tid;
	int joined;                      /* service thread only: tid was joined */
	struct http_stream *worker_next; /* service thread only: workers to join */
	/* The way back to the loop (base/done.h): "data or the end is waiting"
	 * is posted at most once at a time (ready_posted, under lock), and the
	 * worker's last act posts "joinable". Each holds a reference. */
	struct done *loop_done;
	struct done_item ready_item, exit_item;
	int ready_posted;
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

static struct http_stream *active_streams; /* service thread only */
static struct http_stream *workers;        /* service thread only: not joined yet */
static size_t n_active, n_workers;         /* n_workers: threads not joined yet */

/* --- the stream --------------------------------------------------------- */

static void http_stream_unref(struct http_stream *st)
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
	free(st->fail_body);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->space);
	free(st);
}

static void http_stream_ready(void *arg, void *result);

/* Tell the service thread data (or the end) waits, unless it has been told
 * and not yet looked: its look reads the queue after clearing the flag. */
static void http_stream_notify(struct http_stream *st)
{
	int post;

	pthread_mutex_lock(&st->lock);
	post = !st->ready_posted;
	if (post) {
		st->ready_posted = 1;
		st->refs++; /* the completion's */
	}
	pthread_mutex_unlock(&st->lock);
	if (post)
		done_post(st->loop_done, &st->ready_item, http_stream_ready, st, NULL);
}

/* Queue the chunk being filled; waits (on the worker) while the queue is full. */
static int http_stream_push(struct http_stream *st)
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
		st->pushed = 1;
		st->fill = NULL;
		st->fill_len = 0;
	}
	pthread_mutex_unlock(&st->lock);
	http_stream_notify(st);
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
		if (st->fill_len == STREAM_CHUNK && http_stream_push(st))
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

size_t http_stream_room(struct http_stream *st)
{
	size_t room;

	pthread_mutex_lock(&st->lock);
	room = st->aborted ? 0 : (STREAM_QUEUE - st->count) * STREAM_CHUNK - st->fill_len;
	pthread_mutex_unlock(&st->lock);
	return room;
}

int http_stream_aborted(struct http_stream *st)
{
	int aborted;

	pthread_mutex_lock(&st->lock);
	aborted = st->aborted;
	pthread_mutex_unlock(&st->lock);
	return aborted;
}

int http_stream_fail(struct http_stream *st, unsigned status, const char *message)
{
	json_t *o = json_pack("{s:s}", "error", message);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int rc = -1;

	json_decref(o);
	pthread_mutex_lock(&st->lock);
	if (body && !st->pushed && !st->fill_len && !st->fail_body) {
		st->status = status;
		st->fail_body = body;
		body = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&st->lock);
	free(body);
	return rc;
}

static void http_stream_exited(void *arg, void *result);

/* The thread sets exited and posts its completion last; the service thread
 * joins it then (http_stream_exited), or sooner (http_stream_reap), so no
 * worker outlives the daemon. */
static void *http_stream_worker(void *arg)
{
	struct http_stream *st = arg;

	st->producer(st, st->arg);
	if (st->free_arg)
		st->free_arg(st->arg);
	http_stream_push(st); /* the last partial chunk, if any */
	pthread_mutex_lock(&st->lock);
	st->done = 1;
	st->exited = 1;
	pthread_mutex_unlock(&st->lock);
	/* Its reference goes with the completion (http_stream_exited). */
	done_post(st->loop_done, &st->exit_item, http_stream_exited, st, NULL);
	return NULL;
}

/* Join the workers that have finished (all: stop and join every one);
 * their slot is free again. Their exit completions, posted or still to
 * come, then only let go of the worker's reference. */
static void http_stream_reap(int all)
{
	struct http_stream **pp = &workers, *st;
	int exited;

	while ((st = *pp)) {
		pthread_mutex_lock(&st->lock);
		if (all) {
			st->aborted = 1; /* shutting down: stop waiting for the client */
			pthread_cond_broadcast(&st->space);
		}
		exited = st->exited;
		pthread_mutex_unlock(&st->lock);
		if (!exited && !all) {
			pp = &st->worker_next;
			continue;
		}
		pthread_join(st->tid, NULL);
		st->joined = 1;
		*pp = st->worker_next;
		n_workers--;
	}
}

void http_stop_workers(void)
{
	http_stream_reap(1);
}

struct http_stream *http_stream_new(struct http_req *r)
{
	struct http_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->space, NULL);
	st->refs = 1;
	st->head_sent = 1; /* http_reply sends it at once; http_stream clears this */
	st->ctx = lws_get_context(r->wsi);
	st->loop_done = http_daemon(r)->done;
	st->wsi = r->wsi;
	st->next = active_streams;
	active_streams = st;
	n_active++;
	r->st = st;
	return st;
}

/* The service thread lets go of a stream: its connection closed or finished. */
void http_stream_detach(struct http_req *r)
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
	http_stream_unref(st);
}

size_t http_active_streams(void)
{
	return n_active;
}

/* --- replies ------------------------------------------------------------ */

static int http_stream_header_add(struct lws *wsi, const char *name, const char *value,
				  unsigned char **p, unsigned char *end)
{
	return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
					   (const unsigned char *)value, (int)strlen(value), p, end);
}

int http_stream_head(struct lws *wsi, const struct http_head *h, lws_filepos_t length)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start,
					   *end = buf + sizeof(buf) - 1;
	char retry[16];

	if (lws_add_http_common_headers(wsi, h->status, h->content_type, length, &p, end) ||
	    http_stream_header_add(wsi, "cache-control:", "no-store", &p, end))
		return -1;
	if (h->disposition && http_stream_header_add(wsi, "content-disposition:",
						     h->disposition, &p, end))
		return -1;
	if (h->allow && *h->allow && http_stream_header_add(wsi, "allow:", h->allow, &p, end))
		return -1;
	snprintf(retry, sizeof(retry), "%u", h->retry_after);
	if (h->retry_after && http_stream_header_add(wsi, "retry-after:", retry, &p, end))
		return -1;
	return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

int http_stream_headers(struct http_req *r, unsigned status, const char *content_type,
			const char *disposition, lws_filepos_t length)
{
	struct http_head h = { status, content_type, disposition, r->allow, r->retry_after };

	return http_stream_head(r->wsi, &h, length);
}

int http_reply(struct http_req *r, unsigned status, const char *content_type, const char *body,
	       size_t len)
{
	struct http_stream *st;

	r->gone = NULL; /* answered: nobody waits for it any more */
	st = http_stream_new(r);

	if (!st || http_stream_headers(r, status, content_type, NULL, len))
		return -1;
	/* A HEAD gets the length of what a GET would, without the body. */
	if (len && !r->head && (http_stream_write(st, body, len) || http_stream_push(st)))
		return -1;
	st->done = 1; /* no worker: the service thread owns it alone */
	lws_callback_on_writable(r->wsi);
	return 0;
}

int http_stream(struct http_req *r, unsigned status, const char *content_type,
		const char *disposition, http_producer_fn producer, void *arg,
		void (*free_arg)(void *))
{
	struct http_stream *st;
	pthread_t tid;

	http_stream_reap(0); /* a finished worker's slot is free even before the loop woke */
	if (n_workers >= STREAM_WORKERS_MAX) {
		if (free_arg)
			free_arg(arg);
		return http_error(r, 503, "busy: %d exports are already running; try again",
				  STREAM_WORKERS_MAX);
	}
	if (!(st = http_stream_new(r)))
		goto fail;
	st->status = status;
	st->content_type = content_type;
	st->disposition = disposition;
	st->head_sent = 0;
	st->producer = producer;
	st->arg = arg;
	st->free_arg = free_arg;
	st->refs++; /* the worker's */
	if (pthread_create(&tid, NULL, http_stream_worker, st)) {
		st->refs--;
		goto fail;
	}
	st->tid = tid;
	st->worker_next = workers;
	workers = st;
	n_workers++;
	/* The producer may think longer than timeout_secs before its first byte. */
	lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
	return 0;
fail:
	if (free_arg)
		free_arg(arg);
	return -1;
}

/* While data waits for the client, it must take STREAM_WINDOW_BYTES in each
 * STREAM_STALL_SECS: the window's deadline is not moved by every write, so
 * a trickle of bytes does not keep a stalled client open. None waiting
 * means we wait for the producer, which is no fault of the client. */
static void http_stream_stall_window(struct http_stream *st, int waiting)
{
	if (!waiting) {
		st->stall_armed = 0;
		lws_set_timeout(st->wsi, NO_PENDING_TIMEOUT, 0);
		return;
	}
	if (st->stall_armed && st->window_bytes < STREAM_WINDOW_BYTES)
		return;
	st->stall_armed = 1;
	st->window_bytes = 0;
	lws_set_timeout(st->wsi, PENDING_TIMEOUT_HTTP_CONTENT, STREAM_STALL_SECS);
}

/* The head of a streamed response goes out with its first data, or when
 * the producer ends: a producer that failed before writing anything
 * (http_stream_fail) gets its status and {"error"} instead of 200. */
static int http_stream_send_head(struct http_req *r, struct http_stream *st)
{
	unsigned char *buf = NULL;
	unsigned status;
	char *fail;
	size_t len = 0;
	int rc;

	pthread_mutex_lock(&st->lock);
	status = st->status;
	fail = st->fail_body;
	if (fail && st->done && !st->count && (buf = malloc(LWS_PRE + strlen(fail)))) {
		len = strlen(fail);
		memcpy(buf + LWS_PRE, fail, len);
		st->q[st->head].buf = buf; /* the queue is empty: it goes first */
		st->q[st->head].len = len;
		st->count = 1;
	}
	pthread_mutex_unlock(&st->lock);
	st->head_sent = 1;
	if (buf)
		rc = http_stream_headers(r, status, "application/json", NULL, len);
	else
		rc = http_stream_headers(r, status, st->content_type, st->disposition,
				  LWS_ILLEGAL_HTTP_CONTENT_LEN);
	if (rc)
		return -1;
	http_stream_stall_window(st, 1);
	lws_callback_on_writable(r->wsi);
	return 0;
}

/* Send the next queued chunk; finish the transaction when all is sent. */
int http_stream_writeable(struct http_req *r)
{
	struct http_stream *st = r->st;
	unsigned char *buf = NULL;
	size_t len = 0;
	int done, more;

	if (!st)
		return 0;
	if (!st->head_sent)
		return http_stream_send_head(r, st);
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
		st->window_bytes += len;
	}
	if (done) {
		/* What lws still holds unsent keeps the window's deadline. */
		http_stream_detach(r);
		if (r->close_after)
			return -1; /* lws sends what it holds, then closes */
		return lws_http_transaction_completed(r->wsi) ? -1 : 0;
	}
	http_stream_stall_window(st, more);
	if (more)
		lws_callback_on_writable(r->wsi);
	return 0;
}

/* Ask to write where a chunk (or the end) waits for st's client. */
static void http_stream_want_write(struct http_stream *st)
{
	int ready;

	pthread_mutex_lock(&st->lock);
	ready = st->count || st->done;
	pthread_mutex_unlock(&st->lock);
	if (!ready || !st->wsi)
		return;
	if (!st->stall_armed)
		http_stream_stall_window(st, 1);
	lws_callback_on_writable(st->wsi);
}

/* Completion of http_stream_notify. The flag is cleared before the queue
 * is read, so a chunk pushed meanwhile is either seen here or posted anew. */
static void http_stream_ready(void *arg, void *result)
{
	struct http_stream *st = arg;

	(void)result;
	pthread_mutex_lock(&st->lock);
	st->ready_posted = 0;
	pthread_mutex_unlock(&st->lock);
	http_stream_want_write(st);
	http_stream_unref(st);
}

/* Completion: st's worker has returned. Join it unless http_stream_reap
 * did, so its slot is free, then send what it left (its last chunk, or
 * the end). */
static void http_stream_exited(void *arg, void *result)
{
	struct http_stream *st = arg, **pp;

	if (!st->joined) {
		pthread_join(st->tid, NULL);
		st->joined = 1;
		for (pp = &workers; *pp; pp = &(*pp)->worker_next) {
			if (*pp == st) {
				*pp = st->worker_next;
				n_workers--;
				break;
			}
		}
	}
	(void)result;
	http_stream_want_write(st);
	http_stream_unref(st); /* the worker's reference */
}
