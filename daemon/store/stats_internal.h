/* stats_internal.h - the live statistics' state, shared by stats.c (the
 * counting and the rebuild) and stats_json.c (the snapshots). Nothing
 * outside daemon/store/stats*.c includes it. */
#ifndef VV_STATS_INTERNAL_H
#define VV_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "btab.h"

#define STATS_MAX_CELLS 32 /* country × channel pairs; the daemon knows 2 × 4 */
#define DIM_MAX 8          /* values per dimension, "not_recorded" included */
#define NOT_RECORDED "not_recorded"

enum { DIM_OUTCOME, DIM_REASON, DIM_CATEGORY, DIM_ON_BEHALF, DIM_CHANNEL, DIM_N };
enum { OUT_RESOLVED, OUT_REFERRED, OUT_ABANDONED };
enum { OB_SELF, OB_ANOTHER_PERSON, OB_ORGANISATION };

/* Listed in every snapshot, also at zero: the values finish accepts. A
 * missing value, or one outside the list (a row from another version), is
 * counted as "not_recorded", shown only when it occurs. */
struct stats_dim {
	const char *key;
	const char *const *names;
	size_t n; /* the index of "not_recorded" */
};
extern const struct stats_dim stats_dims[DIM_N];

/* One contact, parsed. */
struct rec {
	int64_t finished_ms;
	int cell;
	unsigned char v[DIM_N]; /* index into stats_dims[i].names; v[DIM_REASON] only if referred */
	unsigned char has_suggestion, followed;
	int dest; /* interned destination of a referred contact, or -1 */
	uint32_t barriers;
	struct btab_key bkey;
};

struct agg {
	int64_t contacts;
	int64_t v[DIM_N][DIM_MAX];
	int64_t suggested, followed;
	int64_t *dest; /* referred contacts by interned destination */
	size_t n_dest;
	struct btab bt; /* the survey's barriers, alone and crossed */
};

struct cell {
	char country[3];
	unsigned char channel;
};

/* One 15-minute point of the series, per cell. */
struct slot {
	int64_t index; /* finished_ms / STATS_SLOT_MS of the contacts counted here */
	int32_t outcome[STATS_MAX_CELLS][3];
};

struct stats {
	const struct conf *conf;
	struct cell cells[STATS_MAX_CELLS];
	int n_cells;
	char **dests; /* interned destination ids */
	size_t n_dests, cap_dests;
	int64_t dropped; /* contacts of a cell beyond STATS_MAX_CELLS */

	int64_t day_from, day_to; /* today, local midnight to midnight */
	struct agg today[STATS_MAX_CELLS];

	const struct conf_period *period; /* NULL when today is in none */
	int64_t period_from, period_to;   /* its bounds; today's when there is none */
	struct agg period_agg[STATS_MAX_CELLS];

	struct agg hour[STATS_MAX_CELLS];
	struct rec *recent; /* ring of the last hour's contacts, oldest first */
	size_t head, count, cap;

	struct slot slots[STATS_SLOTS];
};

/* stats.c */
void stats_agg_clear(struct agg *a);
/* 1 when the cell's country and channel are what f asks for. */
int stats_cell_matches(const struct stats *st, int cell, const struct stats_filter *f);
/* The sum over the cells f selects; out->dest has room for every id. */
int stats_sum(const struct stats *st, const struct agg *cells, const struct stats_filter *f,
	      struct agg *out);
/* Move the windows to now (a new day, period or hour). */
void stats_advance(struct stats *st, int64_t now);

#endif
