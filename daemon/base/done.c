/* done.c - completions posted by worker threads, run on the service thread
 * (done.h). A mutex guards a FIFO of intrusive items; done_run takes the
 * whole list at once and runs it outside the lock, so a worker posting is
 * never kept waiting by a completion, and a completion may submit more work
 * (whose completion may then be posted while the list runs). */
#include "done.h"

#include <pthread.h>
#include <stdlib.h>

struct done {
	pthread_mutex_t lock;
	struct done_item *head, *tail; /* lock */
	size_t len;                    /* lock */
	void (*wake)(void *arg);
	void *wake_arg;
};

struct done *done_new(void (*wake)(void *wake_arg), void *wake_arg)
{
	struct done *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	q->wake = wake;
	q->wake_arg = wake_arg;
	return q;
}

void done_fill(struct done_item *it, done_fn *fn, void *arg, void *result)
{
	it->next = NULL;
	it->fn = fn;
	it->arg = arg;
	it->result = result;
}

void done_post_chain(struct done *q, struct done_item *first, struct done_item *last, size_t n)
{
	int was_empty;

	last->next = NULL;
	pthread_mutex_lock(&q->lock);
	was_empty = !q->head;
	if (q->tail)
		q->tail->next = first;
	else
		q->head = first;
	q->tail = last;
	q->len += n;
	pthread_mutex_unlock(&q->lock);
	/* Outside the lock: the wake may take its own (lws's). Not empty
	 * before: whoever made it so has woken, or is about to. */
	if (was_empty)
		done_wake(q);
}

void done_post(struct done *q, struct done_item *it, done_fn *fn, void *arg, void *result)
{
	done_fill(it, fn, arg, result);
	done_post_chain(q, it, it, 1);
}

void done_wake(struct done *q)
{
	if (q->wake)
		q->wake(q->wake_arg);
}

size_t done_run(struct done *q)
{
	struct done_item *it, *next;
	size_t n = 0, taken;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		it = q->head;
		taken = q->len;
		q->head = q->tail = NULL;
		q->len = 0;
		pthread_mutex_unlock(&q->lock);
		if (!it)
			return n;
		/* next is read before fn runs: fn may free the item, or post
		 * it again (onto the now empty queue, for the next round). */
		for (; it; it = next) {
			next = it->next;
			it->fn(it->arg, it->result);
		}
		n += taken;
	}
}

size_t done_pending(struct done *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->len;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void done_free(struct done *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->lock);
	free(q);
}
