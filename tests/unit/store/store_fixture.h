/* store_fixture.h - what the store's tests (test_store_*.c) share: a temp
 * dir and database per test, the wake callback, sample contacts, and reads of
 * the SQLite file behind the store's back.
 *
 * The survey store runs against a real SQLite file in a temp dir.
 * Synchronisation is by the store's own wake callback, never by sleeping:
 * on_wake signals a condvar and collect() waits on it until every expected
 * result has been polled. STORE_BENCH_N=100000 makes test_throughput submit
 * that many contacts and print the committed rows per second;
 * STORE_TEST_SKIP=glob skips tests by name. */
#ifndef VV_TEST_STORE_FIXTURE_H
#define VV_TEST_STORE_FIXTURE_H

#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/log.h"
#include "store/store.h"
#include "results.h"
#include "store/correct.h"

/* The capacity documented in docs/store.md (STORE_QUEUE_MAX in store.c). */
#define QUEUE_MAX 65536
/* The number of migration steps in store.c. */
#define SCHEMA_VERSION 7
#define WAIT_SECONDS 60

struct fixture {
	char dir[256];
	char db[300];
};

extern pthread_mutex_t wake_lock;
extern pthread_cond_t wake_cond;
extern unsigned long wake_count;
void on_wake(void *arg);
unsigned long wakes(void);
void wait_wake_after(unsigned long seen);
void collect(struct store *st, struct tres *out, size_t n);
struct contact sample(const char *key);
int setup(void **state);
int teardown(void **state);
struct store *open_ok(const char *path);
struct store *open_started(const char *path);
sqlite3 *peek_open(const char *path);
int64_t peek_int(const char *path, const char *sql, const char *bind);
char *peek_text(const char *path, const char *sql);
int64_t count_rows(const char *path);
int64_t count_key(const char *path, const char *key);
void peek_exec(const char *path, const char *sql);
void submit_ok(struct store *st, const struct contact *c, uint64_t ticket);
struct tres store_one(struct store *st, const char *key);
void scribble(const char *path, off_t off, size_t len);
void make_store_with_rows(const char *path);
struct side_job {
	struct store_job job;
	const char *key;
	int64_t report_id; /* for a job alone: what it says as contact_id */
};

extern int side_jobs_freed;
int side_job_run(struct store_job *job, sqlite3 *db, int64_t contact_id, struct store_result *res);
void side_job_free(struct store_job *job);
struct store_job *side_job(const char *key, int64_t report_id);
extern sqlite3 *caught_db;
int catch_db(sqlite3 *db, const char **errmsg, const void *api);
double now_s(void);

/* A test with its own temp dir and database (setup, teardown). */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* Before the tests run: STORE_TEST_SKIP, a glob of tests to skip, and
 * STORE_TEST_LOG=1, the store's warnings shown. */
void store_tests_init(void);

#endif
