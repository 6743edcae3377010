/* results.h - the store's completions, collected for its unit tests. Each
 * submission's argument is its ticket (TICKET(n)); poll_results runs the
 * completion queue (base/done.h) as the service loop would, and hands out
 * what came back, in the order it came. A test that opens a store starts
 * with tres_reset(), so answers of an earlier test are not read. */
#ifndef VV_TEST_RESULTS_H
#define VV_TEST_RESULTS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/done.h"
#include "store/store.h"

/* A result, with the ticket the submission carried. */
struct tres {
	uint64_t ticket;
	enum store_status status;
	int64_t contact_id;
	int duplicate;
	char error[160];
};

#define TRES_RING (1u << 17) /* more than the store's queue holds */
static struct tres *tres_ring;
static size_t tres_head, tres_len;
static struct done *tres_queue; /* the service loop's queue, made by test_done() */

static void tres_collect(void *arg, const struct store_result *r)
{
	struct tres *t;

	if (!tres_ring && !(tres_ring = calloc(TRES_RING, sizeof(*tres_ring))))
		abort();
	if (tres_len == TRES_RING) { /* full: the oldest goes */
		tres_head = (tres_head + 1) % TRES_RING;
		tres_len--;
	}
	t = &tres_ring[(tres_head + tres_len++) % TRES_RING];
	t->ticket = (uint64_t)(uintptr_t)arg;
	t->status = r->status;
	t->contact_id = r->contact_id;
	t->duplicate = r->duplicate;
	memcpy(t->error, r->error, sizeof(t->error));
}

#define TICKET(n) tres_collect, (void *)(uintptr_t)(n)
/* The queue store_start posts to; on_wake is the test's wake function. */
#define test_done() (tres_queue ? tres_queue : (tres_queue = done_new(on_wake, NULL)))

static inline void tres_reset(void)
{
	if (tres_queue)
		done_run(tres_queue);
	tres_head = tres_len = 0;
}

/* Run what was posted, then take up to max results; how many. */
static inline size_t poll_results(struct tres *out, size_t max)
{
	size_t n = 0;

	if (tres_queue)
		done_run(tres_queue);
	while (n < max && tres_len) {
		out[n++] = tres_ring[tres_head];
		tres_head = (tres_head + 1) % TRES_RING;
		tres_len--;
	}
	return n;
}

#endif
