/* outbox_internal.h - the delivery thread's state, shared by outbox.c (its
 * life and loop), outbox_rows.c (its SQL) and outbox_transfer.c (its curl
 * requests). Nothing outside daemon/store/outbox*.c includes it; everything
 * here is touched by the delivery thread alone, except lock, kicked,
 * stopping and counters (see struct outbox). */
#ifndef VV_OUTBOX_INTERNAL_H
#define VV_OUTBOX_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "outbox.h"

#define OUTBOX_ACTIVE_MAX 8   /* handoffs and checks in flight at once */
#define OUTBOX_SCAN_ROWS 256  /* due rows read per look */
#define OUTBOX_BATCH_ROWS 200 /* contacts per collector request */
#define OUTBOX_BATCH_BYTES (512 * 1024)
#define OUTBOX_RESPONSE_MAX (64 * 1024)               /* a bigger answer aborts the transfer */
#define OUTBOX_IDLE_MS 60000                          /* look again at least this often */
#define OUTBOX_MIN_SCAN_MS 20                         /* a burst of kicks costs one look per this */
#define OUTBOX_KEEP_DELIVERED_MS (7LL * 86400 * 1000) /* then delivered rows are deleted */
#define OUTBOX_TARGETS 64 /* remembered for "failing"/"delivering again" logs */

/* One request in flight: one row, or a batch of collector rows. */
struct outbox_transfer {
	CURL *easy;
	struct curl_slist *headers;
	enum outbox_kind kind;
	char target[64];
	char *body;
	size_t n; /* rows */
	int64_t *ids;
	int *attempts; /* failed attempts before this one, per row */
	int64_t *created;
	char *resp; /* the answer, up to OUTBOX_RESPONSE_MAX */
	size_t resp_len;
	int resp_overflow;
	char errbuf[CURL_ERROR_SIZE];
	struct outbox_transfer *next;
};

struct outbox {
	const struct conf *conf;
	sqlite3 *db; /* the thread's own connection */
	CURLM *multi;
	pthread_t thread;
	pthread_mutex_t lock; /* guards kicked and stopping */
	int kicked, stopping;
	struct outbox_transfer *active; /* thread only */
	size_t n_active;
	int collector_busy;
	int64_t next_scan, last_scan, next_sweep;
	unsigned seed;
	struct {
		char name[64];
		int failing;
	} targets[OUTBOX_TARGETS];
	/* Written by the thread, read by anyone: __atomic. */
	struct outbox_counters counters;
};

/* outbox.c */
int outbox_kind_of(const char *name); /* -1 if unknown */
int64_t outbox_now(void);             /* wall clock, ms */

/* outbox_transfer.c */
struct outbox_transfer *outbox_transfer_new(enum outbox_kind kind, const char *target, size_t cap);
void outbox_transfer_free(struct outbox_transfer *t);
/* Start t, or count it as a failed attempt and free it. */
void outbox_transfer_start_or_fail(struct outbox *ob, struct outbox_transfer *t);
/* Collect finished transfers; returns how many. */
int outbox_transfer_collect(struct outbox *ob);

/* outbox_rows.c */
int outbox_rows_exec(sqlite3 *db, const char *sql);
void outbox_rows_mark(struct outbox *ob, struct outbox_transfer *t, int delivered, int permanent,
		      const char *error);
void outbox_rows_scan(struct outbox *ob, int64_t now);
void outbox_rows_sweep(struct outbox *ob, int64_t now);
void outbox_rows_count_dead(struct outbox *ob);

#endif
