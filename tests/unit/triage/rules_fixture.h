/* rules_fixture.h - what the rules' tests (test_rules_*.c) share: scratch
 * copies of tests/fixtures/rules/, the exact problems a broken copy reports,
 * and helpers that walk the fixture's trees (rules_fixture.c says more).
 *
 * Run from the repository root: it reads tests/fixtures/rules/ and rules/.
 * Broken rule sets are made by copying the fixture to a scratch directory and
 * changing one thing; each test then asserts the exact problems reported, so
 * a message that loses its file or node name, or a check that starts to
 * report noise, fails there. Lists of facts and values in messages are taken
 * from the fixture's vocabulary.json, which may be replaced by a newer copy.
 *
 * The fixture trees (format in docs/rules-format.md): no.json asks who,
 * topic, login.method, login.problem, mandate (agents only) and
 * case.service, and decides thirteen results; dk.json asks topic and
 * login.problem and decides five. */
#ifndef VV_TEST_RULES_FIXTURE_H
#define VV_TEST_RULES_FIXTURE_H

#include "unit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/jbuf.h"
#include "triage/rules.h"

#define FIXTURE "tests/fixtures/rules"
#define REAL_RULES "rules"

extern const char *const rule_files[];
extern struct rulebook *fixture;
void collect(void *ctx, const char *problem);
char *scratch_new(void);
void scratch_free(const char *dir);
json_t *read_json(const char *dir, const char *name);
json_t *fixture_json(const char *name);
void write_json(const char *dir, const char *name, json_t *root);
void write_text(const char *dir, const char *name, const char *text);
char *dump(const json_t *j);
void assert_json(const json_t *got, const char *expected);
const char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
const char *vocab_list(const char *fact);
void expect_problems(const char *dir, const char *const *expected);
void expect_broken(const char *name, json_t *root, const char *const *expected);
struct rulebook *load_changed(const char *name, json_t *root);
json_t *entry(json_t *root, const char *list, const char *id);
json_t *question(json_t *tree, const char *id);
json_t *result(json_t *tree, const char *id);
json_t *destination(json_t *dests, const char *id);
json_t *option(json_t *tree, const char *id, const char *value);
json_t *take(json_t *root, const char *list, const char *id);
struct triage *start_in(struct rulebook *rb, const char *country, const char *prefill, int citizen);
struct triage *start(const char *country, const char *prefill);
struct triage *start_citizen(const char *country, const char *prefill);
void answer(struct triage *tr, const char *value);
void back(struct triage *tr);
void jump(struct triage *tr, const char *node_id);
void assert_path(struct triage *tr, const char *expected);
json_t *step_part(const struct triage *tr, const char *lang);
const char *at(const struct triage *tr);
void assert_at(const struct triage *tr, const char *node_id);
const char *offered(const struct triage *tr);
char *state_text(const struct triage *tr, const char *lang);
void assert_canonical(const struct triage *tr, const char *lang);
int setup_fixture(void **state);
int teardown_fixture(void **state);

#endif
