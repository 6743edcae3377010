/* survey.h - the survey's vocabulary: the values a contact's fields take.
 *
 * One list each, so that what a finish accepts, what another desk may send,
 * and what the reports and the live statistics list (also at zero) cannot
 * drift apart. NULL-terminated. The store's CHECK constraints repeat the
 * channels, outcomes and on_behalf values in SQL (store_schema.c). */
#ifndef VV_SURVEY_H
#define VV_SURVEY_H

#include <stddef.h>
#include <stdint.h>

extern const char *const survey_channels[];
extern const char *const survey_outcomes[];
extern const char *const survey_reasons[]; /* referral reasons */
extern const char *const survey_categories[];
extern const char *const survey_on_behalf[];
extern const char *const survey_relations[];
extern const char *const survey_age_bands[];

/* Why a person could not help themselves (issue 21): zero or more per
 * contact. The codes are a contract with every stored row and every report
 * reader: add new ones at the end, never rename or reorder them. Their
 * texts are in rules/barriers.json. */
extern const char *const survey_barriers[];
#define SURVEY_BARRIERS_MAX 32 /* codes are bits of a uint32_t */
/* The number of codes in survey_barriers. */
int survey_barrier_count(void);
/* The code's index, or -1. */
int survey_barrier_index(const char *code);
/* The stored form (a JSON array of codes, as written by
 * survey_barriers_write) as bits; a code outside the list (a row written by
 * a newer daemon) sets *unknown when not NULL. Tolerant: NULL or anything
 * that is not an array of strings gives 0. */
uint32_t survey_barriers_parse(const char *stored, int *unknown);
/* bits as a compact JSON array in the list's order ("[\"no_eid\",…]"), or
 * "" for none; 0, or -1 when it does not fit in len. */
int survey_barriers_write(uint32_t bits, char *buf, size_t len);
/* Longest stored form: every code once. */
#define SURVEY_BARRIERS_TEXT_MAX 512

/* A story for the survey's qualitative part: at most this many bytes. */
#define SURVEY_STORY_MAX 4000

#endif
