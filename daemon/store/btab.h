/* btab.h - the survey's barriers counted, alone and crossed with
 * category, channel, on whose behalf and outcome (issue 21).
 *
 * One fixed-size table of counts, so that the report (one pass over the
 * rows) and the live statistics (one table per window and cell, summed at
 * each snapshot) count alike and print alike. A contact may have several
 * barriers: each is counted once in its row, and the shares of a row do not
 * add up to one. Pure: no SQLite, no daemon. */
#ifndef VV_BTAB_H
#define VV_BTAB_H

#include <stdint.h>

#include <jansson.h>

#include "base/survey.h"

/* What the barriers are crossed with, in the order reports print them. */
enum btab_dim { BTAB_CATEGORY, BTAB_CHANNEL, BTAB_ON_BEHALF, BTAB_OUTCOME, BTAB_NDIMS };
/* Values per dimension: the survey's list, then "not_recorded" (missing, or
 * a value outside the list, from another version of the daemon). */
#define BTAB_VALUES 8

struct btab {
	int64_t contacts;
	int64_t none; /* contacts with no barrier recorded */
	int64_t code[SURVEY_BARRIERS_MAX];
	int64_t rows[BTAB_NDIMS][BTAB_VALUES]; /* contacts per value */
	int64_t cells[BTAB_NDIMS][BTAB_VALUES][SURVEY_BARRIERS_MAX];
};

/* One contact's place in the dimensions. */
struct btab_key {
	unsigned char v[BTAB_NDIMS];
};

/* The key of a contact from its field values (NULL when missing). */
void btab_key_set(struct btab_key *k, const char *category, const char *channel,
		  const char *on_behalf, const char *outcome);
/* Count a contact (sign 1) or take it out again (sign -1). */
void btab_add(struct btab *t, uint32_t bits, const struct btab_key *k, int sign);
void btab_merge(struct btab *into, const struct btab *t);

/* A count as reports show it: the number, or "< below" from 1 to
 * below − 1 (small cells, docs/store.md). */
json_t *btab_count(int64_t n, int below);

/* Adds "barrier" and "barrier_by" to o. With shares (the report):
 *   "barrier":{code:{"count","share"}…,"not_recorded":{…}}, shares of contacts;
 *   "barrier_by":{"category":{value:{"contacts":n,"barrier":{code:{"count","share"}}}}…}
 * with shares of the value's contacts; without (the live statistics) each
 * {"count","share"} is the count alone. Every code and every listed value
 * is there, also at zero; "not_recorded" only when it occurs. Counts are
 * suppressed with below (btab_count), and a suppressed count's share is
 * null. */
void btab_json(const struct btab *t, int shares, int below, json_t *o);

#endif
