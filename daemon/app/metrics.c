/* metrics.c - the counters behind GET /metrics (their text format is
 * api/metrics_text.c): plain fields the service thread bumps. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

/* Upper bounds in seconds. A commit is one fsync for a whole batch: a few
 * ms on an SSD; the top buckets catch a disk that stalls, up to the 5 s
 * busy timeout and beyond. */
const double metrics_commit_bounds[METRICS_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

/* As finish accepts them; a value outside the list counts as "other". */
const char *const metrics_outcomes[] = { "resolved", "referred", "abandoned", "other", NULL };
const char *const metrics_categories[] = { "login",  "reservation", "power_of_attorney", "agency",
					  "estate", "other",       "not_recorded",      NULL };

int64_t metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void metrics_connected(struct metrics *m)
{
	m->connections[ROLE_NONE]++;
}

void metrics_signed_in(struct metrics *m, enum role role)
{
	m->connections[ROLE_NONE]--;
	m->connections[role]++;
}

void metrics_disconnected(struct metrics *m, enum role role)
{
	m->connections[role]--;
}

void metrics_error(struct metrics *m, int code)
{
	if (code >= 0 && code < METRICS_CODES)
		m->errors[code]++;
}

static size_t metrics_index(const char *const *list, const char *v)
{
	size_t i;

	for (i = 0; list[i + 1] && (!v || strcmp(list[i], v)); i++)
		;
	return i; /* the last entry when not found */
}

void metrics_contact(struct metrics *m, const char *outcome, const char *category)
{
	m->contacts[metrics_index(metrics_outcomes, outcome)][metrics_index(metrics_categories, category)]++;
}

void metrics_commit_latency(struct metrics *m, int64_t submitted_us)
{
	double s = (double)(metrics_now_us() - submitted_us) / 1e6;
	int i;

	for (i = 0; i < METRICS_BUCKETS && s > metrics_commit_bounds[i]; i++)
		;
	if (i < METRICS_BUCKETS)
		m->commit_le[i]++;
	m->commit_count++;
	m->commit_sum += s;
}

/* --- the text format ---------------------------------------------------- */
