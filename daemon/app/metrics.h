/* metrics.h - counters for GET /metrics (Prometheus text format 0.0.4).
 *
 * The counters live in struct daemon and are bumped on the service thread
 * by one-line hooks where things happen (dispatch, errors, sign-in, the
 * store's results, rule reloads); gauges that the daemon already knows
 * (sessions, queue depth, rule versions) are read when scraped. */
#ifndef VV_METRICS_H
#define VV_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define METRICS_MAX_TYPES 32 /* message types of the dispatch table */
#define METRICS_CODES 9      /* enum proto_code */
#define METRICS_BUCKETS 13   /* store commit latency */

struct http_req;

struct metrics {
	int64_t started_ms;
	long connections[4];                            /* open websockets by enum role */
	unsigned long long messages[METRICS_MAX_TYPES]; /* by index in the dispatch table */
	unsigned long long messages_unknown;            /* a "type" nobody handles */
	unsigned long long messages_invalid;            /* not a message: bad JSON, no type … */
	unsigned long long errors[METRICS_CODES];       /* error replies by enum proto_code */
	unsigned long long contacts[4][7];      /* logged, by outcome × category (+ other) */
	unsigned long long contacts_duplicate;  /* a finish repeated with its key */
	unsigned long long contacts_not_stored; /* the store could not commit */
	unsigned long long commit_le[METRICS_BUCKETS]; /* latency, per bucket (not cumulative) */
	unsigned long long commit_count;
	double commit_sum;                           /* seconds */
	unsigned long long reloads, reload_failures; /* rule reloads after start */
};

/* A clock for latencies: monotonic microseconds. */
int64_t metrics_now_us(void);

void metrics_connected(struct metrics *m);
void metrics_signed_in(struct metrics *m, enum role role);
void metrics_disconnected(struct metrics *m, enum role role);
void metrics_error(struct metrics *m, int code);
/* A contact the store committed for the first time. */
void metrics_contact(struct metrics *m, const char *outcome, const char *category);
/* The time from store_submit to its result. */
void metrics_commit_latency(struct metrics *m, int64_t submitted_us);

/* GET /metrics. Open to anyone who can reach the listen address: it holds
 * counts only, no contact's content (docs/protocol.md, "Operations"). */
int route_metrics(struct http_req *r);

#endif
