/* results.c - the store's completions, collected for its unit tests
 * (results.h). */
#include "results.h"

#define TRES_RING (1u << 17) /* more than the store's queue holds */
static struct tres *tres_ring;
static size_t tres_head, tres_len;
struct done *tres_queue; /* the service loop's queue, made by test_done() */

void tres_collect(void *arg, const struct store_result *r)
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

void tres_reset(void)
{
	if (tres_queue)
		done_run(tres_queue);
	tres_head = tres_len = 0;
}

size_t poll_results(struct tres *out, size_t max)
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
