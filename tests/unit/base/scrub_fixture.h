/* scrub_fixture.h - what the scrubber's tests (test_scrub_*.c) share: the
 * placeholders, a seeded generator (splitmix64, the same sequence on every
 * platform, so failures reproduce), sentence templates and digit helpers. */
#ifndef VV_TEST_SCRUB_FIXTURE_H
#define VV_TEST_SCRUB_FIXTURE_H

#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/scrub.h"

#define PER_KIND 10000
#define FP_SAMPLES 5000
extern const char TAG_ID[];
extern const char TAG_CPR[];
extern const char TAG_PHONE[];
extern const char TAG_EMAIL[];
extern uint64_t rng_state;
uint64_t rnd(void);
int pick(int n);
int between(int lo, int hi);
double now_s(void);
const char *random_template(void);
void fill_template(char *out, size_t size, const char *tmpl, const char *value);
void random_digits(char *d, int n, int first_min);
int days_in(int month);
#define NLAYOUTS(a) ((int)(sizeof(a) / sizeof(a[0])))
int reads_as_date(const char *d);
void random_word(char *out, int len, const char *alphabet);

#endif
