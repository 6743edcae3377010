/* reload.c - loading the rules: at start, and again on SIGHUP.
 *
 * Loading, validating and indexing the full trees costs about 110 million
 * instructions (30 ms here). At start that is nothing, but a SIGHUP comes
 * while clients are being served, and the service loop must not stop for
 * it. So a reload runs on a thread of its own that only builds a new
 * rulebook and search index, then posts its completion (base/done.h), which
 * joins it and swaps them in on the loop. Nothing else is shared: the
 * worker touches neither d->rules nor d->search, and the loop reads the
 * result only after the worker is done (pthread_join orders the two). */
#include "reload.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "base/done.h"
#include "base/log.h"
#include "triage/rules.h"
#include "triage/search.h"

struct reload {
	struct daemon *d;
	struct done_item done; /* the worker's completion, reload_done */
	pthread_t thread;
	int running; /* a worker is (or was, until its completion ran) at work */
	int joined;  /* reload_free joined it already */
	int again;   /* another SIGHUP came meanwhile */
	/* The worker's result, read by the loop after pthread_join. */
	struct rulebook *rb;
	struct search_index *ix;
	double ms;
};

static void reload_problem(void *ctx, const char *problem)
{
	(void)ctx;
	log_err("%s", problem);
}

/* New rules and their search index from dir, or -1 with the problems
 * logged. Touches nothing of the daemon's. */
static int reload_build(const char *dir, struct rulebook **rb, struct search_index **ix, double *ms)
{
	struct timespec t0, t1;
	char err[256];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	*ix = NULL;
	if (!(*rb = rules_load(dir, reload_problem, NULL)))
		return -1;
	if (!(*ix = search_build(*rb, err, sizeof(err)))) {
		log_err("%s", err);
		rules_unref(*rb);
		*rb = NULL;
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return 0;
}

/* Make rb and ix current, or say why the old rules stay. Service loop only. */
static int reload_swap(struct daemon *d, struct rulebook *rb, struct search_index *ix, double ms)
{
	if (!rb) {
		log_err("rules in %s not reloaded; the previous rules keep serving", d->conf.rules);
		d->metrics.reload_failures++;
		sd_notify(0, "STATUS=Rule reload failed; serving the previous rules");
		return -1;
	}
	if (d->rules) {
		rules_unref(d->rules); /* sessions in progress keep their own reference */
		d->metrics.reloads++;
	}
	/* The search index is swapped with the rules, so that every node a
	 * search returns is a node of d->rules. */
	d->rules = rb;
	search_free(d->search);
	d->search = ix;
	log_notice("rules loaded from %s and search index of %zu texts built in %.1f ms",
		   d->conf.rules, search_count(ix), ms);
	sd_notify(0, "STATUS=Serving; rules reloaded");
	return 0;
}

int reload_now(struct daemon *d)
{
	struct rulebook *rb;
	struct search_index *ix;
	double ms = 0;

	reload_build(d->conf.rules, &rb, &ix, &ms);
	return reload_swap(d, rb, ix, ms);
}

static void reload_done(void *arg, void *result);

static void *reload_thread(void *arg)
{
	struct reload *r = arg;

	reload_build(r->d->conf.rules, &r->rb, &r->ix, &r->ms);
	done_post(r->d->done, &r->done, reload_done, r, NULL);
	return NULL;
}

static int reload_spawn(struct reload *r)
{
	int err = pthread_create(&r->thread, NULL, reload_thread, r);

	if (err) {
		log_err("cannot start a thread for the rule reload (error %d); the previous rules "
			"keep serving",
			err);
		r->d->metrics.reload_failures++;
		return -1;
	}
	r->running = 1;
	r->joined = 0;
	return 0;
}

/* The worker's completion, on the loop: join it, swap its rules in. */
static void reload_done(void *arg, void *result)
{
	struct reload *r = arg;

	(void)result;
	if (!r->joined)
		pthread_join(r->thread, NULL);
	r->running = 0;
	reload_swap(r->d, r->rb, r->ix, r->ms);
	r->rb = NULL;
	r->ix = NULL;
	if (r->again && !r->d->stopping) {
		r->again = 0;
		log_notice("reloading rules again: a SIGHUP came during the last reload");
		reload_spawn(r);
	}
}

int reload_init(struct daemon *d)
{
	struct reload *r = calloc(1, sizeof(*r));

	if (!r) {
		log_err("out of memory");
		return -1;
	}
	r->d = d;
	d->reload = r;
	return 0;
}

void reload_request(struct daemon *d)
{
	struct reload *r = d->reload;

	if (r->running) {
		r->again = 1;
		return;
	}
	reload_spawn(r);
}

void reload_free(struct daemon *d)
{
	struct reload *r = d->reload;

	if (!r)
		return;
	/* A worker at work posts its completion before it returns: once
	 * joined, run it (it swaps, or keeps, the rules) so that nothing
	 * posted points at r when it goes. */
	if (r->running) {
		pthread_join(r->thread, NULL);
		r->joined = 1;
		done_run(d->done);
	}
	free(r);
	d->reload = NULL;
}
