/* report_fixture.h - what the report's tests (test_report_*.c) share: a temp
 * dir and database per test, configs, contacts filled through the store, the
 * report computed, and checks of its text.
 *
 * Registration periods in the config, report filters, the figures, their
 * three formats, the CSV and NDJSON exports, and note retention are tested
 * against real SQLite files in a temp dir. Times are in Europe/Oslo so that
 * daylight saving is part of every date test. */
#ifndef VV_TEST_REPORT_FIXTURE_H
#define VV_TEST_REPORT_FIXTURE_H

#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "conf/conf.h"
#include "base/log.h"
#include "store/report.h"
#include "store/store.h"
#include "results.h"
#include "base/survey.h"

#define DAY_MS 86400000LL

/* 2026-10-25 00:00 in Oslo is 2026-10-24T22:00Z; that day has 25 hours. */
#define OSLO_2026_10_25 1792879200000LL

extern char dir[64];
extern char db_path[128];
int setup(void **state);
int teardown(void **state);
int load_conf(struct conf *c, const char *json, char *err);
void expect_conf_error(const char *json, const char *needle);
struct contact contact(const char *key, int64_t finished_ms);
void fill(const struct contact *cs, size_t n);
void exec_sql(const char *sql);
struct sink {
	char *p;
	size_t len;
	int fail_after; /* refuse the n-th write and later ones; 0 never */
	int calls;
};

int sink_write(void *ctx, const void *data, size_t len);
void filter_all(struct report_filter *f);
json_t *compute(const struct report_filter *f);
long long count_at(json_t *rep, const char *path);
int starts_with(const char *s, const char *prefix);
void expect_in(const char *s, const char *needle);
void squeeze(char *s);
void fill_ten(void);

/* Before the tests run: Europe/Oslo, and the log at warnings. */
void report_tests_init(void);

#endif
