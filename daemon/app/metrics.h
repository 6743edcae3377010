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

/* The bounds of conf.h's struct conf_bounds a request can be refused by;
 * the label is the config key. */
enum metrics_bound {
	METRICS_BOUND_SESSIONS_PER_CONNECTION,
	METRICS_BOUND_SESSIONS_PER_TOKEN,
	METRICS_BOUND_SESSIONS_PER_ADDRESS,
	METRICS_BOUND_SESSIONS_TOTAL,
	METRICS_BOUND_HANDOVERS_PER_ADDRESS,
	METRICS_BOUND_HANDOVERS_TOTAL,
	METRICS_BOUND_HANDOVERS_PER_MINUTE,
	METRICS_BOUND_CHAT_MESSAGE_BYTES,
	METRICS_BOUND_CHAT_PER_MINUTE,
	METRICS_BOUND_CHATS_PER_AGENT,
	METRICS_BOUND_CALLBACKS_PER_ADDRESS,
	METRICS_BOUND_CALLBACKS_TOTAL,
	METRICS_BOUNDS
};

/* HTTP requests refused before their route ran (docs/security.md, "HTTP
 * hygiene"); the label is the reason. */
enum metrics_http_refusal {
	METRICS_HTTP_METHOD,   /* 405: a method the path does not answer */
	METRICS_HTTP_QUERY,    /* 400: an empty, unknown, repeated or valueless parameter */
	METRICS_HTTP_URI_LONG, /* 414: path and query over HTTP_URI_MAX */
	METRICS_HTTP_TOKEN,    /* 401: a missing or wrong bearer token */
	METRICS_HTTP_BANNED,   /* 429: the address waits after failed tokens */
	METRICS_HTTP_REFUSALS
};

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
	unsigned long long finish_key_conflicts;     /* a key used for another contact */
	unsigned long long bounds_refused[METRICS_BOUNDS];
	unsigned long long sessions_expired; /* idle ones dropped */
	unsigned long long rx_paused;        /* reading paused while replies backed up */
	unsigned long long slow_closed;      /* clients closed for a full send queue */
	unsigned long long queue_pushes, queue_push_bytes; /* queue changes sent to agents */
	long long outq_bytes;                /* replies queued for all clients, bytes */
	unsigned long long http_refused[METRICS_HTTP_REFUSALS]; /* by enum metrics_http_refusal */
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

/* The labels the counters are kept by (metrics.c), for their output. */
extern const double metrics_commit_bounds[METRICS_BUCKETS];
extern const char *const metrics_outcomes[];   /* NULL-terminated */
extern const char *const metrics_categories[]; /* NULL-terminated */

#endif
