/* test_done.c - the one way back to the loop (base/done.h): completions
 * posted from several threads each run exactly once, on done_run, in the
 * order each thread posted them; posting wakes; a completion may post. */
#include "unit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/done.h"

#define THREADS 4
#define PER_THREAD 5000

struct job {
	struct done_item done; /* intrusive: posting cannot fail */
	int thread, seq;
};

static int ran[THREADS][PER_THREAD]; /* how often each ran */
static int last_seq[THREADS];        /* the last seq run per thread */
static int out_of_order;
static unsigned long wakes; /* atomics: posted from the workers */

static void on_wake(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&wakes, 1, __ATOMIC_SEQ_CST);
}

static void on_done(void *arg, void *result)
{
	struct job *j = arg;

	assert_ptr_equal(result, &j->seq);
	ran[j->thread][j->seq]++;
	if (j->seq != last_seq[j->thread] + 1)
		out_of_order++;
	last_seq[j->thread] = j->seq;
}

struct worker {
	struct done *q;
	struct job *jobs;
	int thread;
};

static void *post_all(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < PER_THREAD; i++) {
		struct job *j = &w->jobs[i];

		j->thread = w->thread;
		j->seq = i;
		done_post(w->q, &j->done, on_done, j, &j->seq);
	}
	return NULL;
}

static void test_threads_run_once_in_order(void **state)
{
	struct done *q = done_new(on_wake, NULL);
	struct worker w[THREADS];
	pthread_t tid[THREADS];
	size_t n = 0;
	int t, i;

	(void)state;
	assert_non_null(q);
	memset(ran, 0, sizeof(ran));
	for (t = 0; t < THREADS; t++)
		last_seq[t] = -1;
	for (t = 0; t < THREADS; t++) {
		w[t].q = q;
		w[t].thread = t;
		w[t].jobs = calloc(PER_THREAD, sizeof(struct job));
		assert_non_null(w[t].jobs);
		assert_int_equal(pthread_create(&tid[t], NULL, post_all, &w[t]), 0);
	}
	/* Run while they post, as the loop does, then what is left. */
	for (i = 0; i < 100; i++)
		n += done_run(q);
	for (t = 0; t < THREADS; t++)
		pthread_join(tid[t], NULL);
	n += done_run(q);
	assert_int_equal(n, THREADS * PER_THREAD);
	assert_int_equal(done_pending(q), 0);
	assert_int_equal(done_run(q), 0);
	for (t = 0; t < THREADS; t++)
		for (i = 0; i < PER_THREAD; i++)
			assert_int_equal(ran[t][i], 1);
	assert_int_equal(out_of_order, 0);
	/* Woken when the queue was empty, not for every post. */
	assert_true(__atomic_load_n(&wakes, __ATOMIC_SEQ_CST) >= 1);
	assert_true(__atomic_load_n(&wakes, __ATOMIC_SEQ_CST) <= THREADS * PER_THREAD);
	for (t = 0; t < THREADS; t++)
		free(w[t].jobs);
	done_free(q);
}

/* Nothing runs before done_run; a completion that posts again (a chunk
 * that answers, then asks for more) runs in the same call, after. */
static struct done *again_q;
static struct done_item again_item;
static int again_runs;

static void on_again(void *arg, void *result)
{
	(void)result;
	if (++again_runs < 3)
		done_post(again_q, &again_item, on_again, arg, NULL);
}

static void test_post_from_completion(void **state)
{
	(void)state;
	again_q = done_new(NULL, NULL);
	assert_non_null(again_q);
	done_post(again_q, &again_item, on_again, NULL, NULL);
	assert_int_equal(again_runs, 0);
	assert_int_equal(done_pending(again_q), 1);
	assert_int_equal(done_run(again_q), 3);
	assert_int_equal(again_runs, 3);
	done_free(again_q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_run_once_in_order),
		cmocka_unit_test(test_post_from_completion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
