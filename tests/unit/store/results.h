/* results.h - the store's completions, collected for its unit tests. Each
 * submission's argument is its ticket (TICKET(n)); poll_results runs the
 * completion queue (base/done.h) as the service loop would, and hands out
 * what came back, in the order it came. A test that opens a store starts
 * with tres_reset(), so answers of an earlier test are not read. The
 * collected results live in results.c, one copy a test binary, shared by
 * the test and its folder's fixture (store_fixture.c). */
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

extern struct done *tres_queue; /* the service loop's queue, made by test_done() */

/* The completion every submission names (with TICKET(n)). */
void tres_collect(void *arg, const struct store_result *r);

#define TICKET(n) tres_collect, (void *)(uintptr_t)(n)
/* The queue store_start posts to; on_wake is the test's wake function. */
#define test_done() (tres_queue ? tres_queue : (tres_queue = done_new(on_wake, NULL)))

/* Drops what was collected, after running what was posted. */
void tres_reset(void);
/* Run what was posted, then take up to max results; how many. */
size_t poll_results(struct tres *out, size_t max);

#endif
