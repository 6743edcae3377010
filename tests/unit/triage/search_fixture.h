/* search_fixture.h - what the search index's tests (test_search_*.c) share:
 * the fixture rulebook and its index, loaded once per binary, and searches
 * with their expected hits.
 *
 * Run from the repository root: it reads tests/fixtures/rules/ and, for the
 * timing test, rules/ and tests/scenarios/queries.json. Results are titled
 * by their own title; destinations are indexed once per language of their
 * tree. */
#ifndef VV_TEST_SEARCH_FIXTURE_H
#define VV_TEST_SEARCH_FIXTURE_H

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "triage/rules.h"
#include "triage/search.h"

#define FIXTURE "tests/fixtures/rules"

extern const char *const rule_files[];
extern struct rulebook *fixture;
extern struct search_index *ix;
void report(void *ctx, const char *problem);
void quiet(void *ctx, const char *problem);
struct rulebook *load(const char *dir);
struct search_index *build(const struct rulebook *rb);
json_t *find_in(struct search_index *s, const char *country, const char *lang, const char *q,
		int citizen, size_t limit);
json_t *find(const char *country, const char *lang, const char *q);
const char *item_id(json_t *item);
size_t rank_of(json_t *items, const char *id);
char *ids(json_t *items);
void expect_hit(const char *country, const char *lang, const char *q, const char *id,
		size_t within);
void expect_no_hit(const char *country, const char *lang, const char *q, const char *id);
int setup(void **state);
int teardown(void **state);

#endif
