/* done.h - the one way back to the service loop.
 *
 * Every piece of work handed to another thread (a store write, an export's
 * chunk, a rule reload) carries its completion: a function, its argument
 * and the result. The worker posts it with done_post() from any thread;
 * the service thread runs every posted completion, in the order they were
 * posted, with done_run(). One wake function, given once by the loop's
 * owner (lws_cancel_service in the daemon), tells the loop there is work.
 *
 * The item is intrusive: it lives inside the job or the result it answers,
 * so posting allocates nothing and cannot fail, and no completion is lost.
 * An item must not be posted again before its completion has begun.
 * The loop is woken when the queue goes from empty to not: while it holds
 * anything, a wake is on its way and done_run has not taken the list. */
#ifndef VV_DONE_H
#define VV_DONE_H

#include <stddef.h>

typedef void done_fn(void *arg, void *result);

struct done_item {
	struct done_item *next; /* the queue's, while posted */
	done_fn *fn;
	void *arg;
	void *result;
};

struct done;

/* A queue whose posts call wake(wake_arg) (from the posting thread, outside
 * the queue's lock). wake may be NULL: done_run then is polled. NULL when
 * out of memory (at start only). */
struct done *done_new(void (*wake)(void *wake_arg), void *wake_arg);

/* Fill it and queue it for the service thread, then wake the loop. Any
 * thread. it must stay valid until fn has been called. */
void done_post(struct done *q, struct done_item *it, done_fn *fn, void *arg, void *result);

/* Several at once, first to last linked through next, each filled with
 * done_fill: one lock and at most one wake for a batch (the store's). */
void done_fill(struct done_item *it, done_fn *fn, void *arg, void *result);
void done_post_chain(struct done *q, struct done_item *first, struct done_item *last, size_t n);

/* Wake the loop with nothing posted: for a change the loop reads itself. */
void done_wake(struct done *q);

/* Service thread: run every completion posted so far, oldest first (one
 * thread's posts run in the order it made them). Completions posted while
 * it runs (by a completion, or a worker) run in the same call. How many ran. */
size_t done_run(struct done *q);

/* Completions posted and not yet run (for tests and metrics). */
size_t done_pending(struct done *q);

/* Free the queue. Whatever is still posted is not run: call done_run first. */
void done_free(struct done *q);

#endif
