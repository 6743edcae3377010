/* stats_json.c - the live statistics as the snapshot supervisors receive
 * (stats.h, docs/protocol.md "subscribe"): sums of the cells a filter
 * selects, per window, as JSON. The counting is in stats.c. */
#include "stats.h"
#include "stats_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/conf.h"
#include "base/survey.h"

/* --- snapshots ---------------------------------------------------------- */

static json_t *stats_ratio(int64_t part, int64_t whole)
{
	return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

struct dest_sort {
	const struct stats *st;
	const int64_t *counts;
};

/* Most referred first; equal counts by id, so the order is stable. */
static int stats_dest_order(const void *a, const void *b, void *arg)
{
	const struct dest_sort *s = arg;
	int x = *(const int *)a, y = *(const int *)b;

	if (s->counts[x] != s->counts[y])
		return s->counts[x] > s->counts[y] ? -1 : 1;
	return strcmp(s->st->dests[x], s->st->dests[y]);
}

static json_t *stats_top_destinations(const struct stats *st, const struct agg *a)
{
	json_t *out = json_array();
	int *order = malloc((st->n_dests ? st->n_dests : 1) * sizeof(*order));
	size_t n = 0;

	if (!order)
		return out;
	for (size_t i = 0; i < st->n_dests && i < a->n_dest; i++)
		if (a->dest[i] > 0)
			order[n++] = (int)i;
	qsort_r(order, n, sizeof(*order), stats_dest_order,
		&(struct dest_sort){ .st = st, .counts = a->dest });
	for (size_t i = 0; i < n && i < STATS_TOP_DESTINATIONS; i++)
		json_array_append_new(out, json_pack("{s:s,s:I}", "id", st->dests[order[i]],
						     "count", (json_int_t)a->dest[order[i]]));
	free(order);
	return out;
}

static json_t *stats_dim_json(const struct agg *a, int dim)
{
	json_t *o = json_object();

	for (size_t i = 0; i < stats_dims[dim].n; i++)
		json_object_set_new(o, stats_dims[dim].names[i], json_integer(a->v[dim][i]));
	if (a->v[dim][stats_dims[dim].n])
		json_object_set_new(o, NOT_RECORDED, json_integer(a->v[dim][stats_dims[dim].n]));
	return o;
}

/* The figures of one window, added to o. */
static void stats_figures(const struct stats *st, const struct agg *a, json_t *o)
{
	const int64_t *out = a->v[DIM_OUTCOME], *ob = a->v[DIM_ON_BEHALF];

	json_object_set_new(o, "contacts", json_integer(a->contacts));
	json_object_set_new(o, "outcome", stats_dim_json(a, DIM_OUTCOME));
	json_object_set_new(o, "referral_rate",
			    stats_ratio(out[OUT_REFERRED], out[OUT_RESOLVED] + out[OUT_REFERRED]));
	json_object_set_new(o, "reasons", stats_dim_json(a, DIM_REASON));
	json_object_set_new(o, "destinations", stats_top_destinations(st, a));
	json_object_set_new(o, "suggested",
			    json_pack("{s:I,s:I,s:o}", "contacts", (json_int_t)a->suggested,
				      "followed", (json_int_t)a->followed, "share",
				      stats_ratio(a->followed, a->suggested)));
	json_object_set_new(o, "category", stats_dim_json(a, DIM_CATEGORY));
	json_object_set_new(o, "on_behalf", stats_dim_json(a, DIM_ON_BEHALF));
	json_object_set_new(o, "on_behalf_share",
			    stats_ratio(ob[OB_ANOTHER_PERSON] + ob[OB_ORGANISATION], a->contacts));
	json_object_set_new(o, "channel", stats_dim_json(a, DIM_CHANNEL));
	/* Barriers say things about health and abilities: shown like the
	 * report's small cells, even live (docs/protocol.md, "subscribe"). */
	btab_json(&a->bt, 0, st->conf ? st->conf->suppress_below : 5, o);
}

static json_t *stats_window(const struct stats *st, const struct agg *cells,
			    const struct stats_filter *f, json_t *o)
{
	struct agg sum;

	if (stats_sum(st, cells, f, &sum) == 0)
		stats_figures(st, &sum, o);
	stats_agg_clear(&sum);
	return o;
}

static json_t *stats_series(const struct stats *st, const struct stats_filter *f, int64_t now)
{
	int64_t first = now / STATS_SLOT_MS - STATS_SLOTS + 1;
	json_t *points = json_array();

	for (int64_t index = first; index < first + STATS_SLOTS; index++) {
		const struct slot *s = &st->slots[index % STATS_SLOTS];
		int64_t n[3] = { 0, 0, 0 };
		for (int c = 0; s->index == index && c < st->n_cells; c++)
			if (stats_cell_matches(st, c, f))
				for (int k = 0; k < 3; k++)
					n[k] += s->outcome[c][k];
		json_array_append_new(points,
				      json_pack("{s:I,s:I,s:I,s:o}", "resolved", (json_int_t)n[0],
						"referred", (json_int_t)n[1], "abandoned",
						(json_int_t)n[2], "rate",
						stats_ratio(n[1], n[0] + n[1])));
	}
	return json_pack("{s:I,s:i,s:o}", "start", (json_int_t)(first * STATS_SLOT_MS), "step",
			 STATS_SLOT_MS, "points", points);
}

/* The local date of ms as YYYY-MM-DD, in buf. */
static const char *stats_date(int64_t ms, char buf[16])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, 16, "%Y-%m-%d", &tm))
		snprintf(buf, 16, "?");
	return buf;
}

json_t *stats_snapshot(struct stats *st, const struct stats_filter *f, int64_t now)
{
	json_t *snap = json_object(), *period;
	char day[16];

	stats_advance(st, now);
	json_object_set_new(snap, "filter",
			    json_pack("{s:o,s:o}", "country",
				      f->country[0] ? json_string(f->country) : json_null(),
				      "channel",
				      f->channel[0] ? json_string(f->channel) : json_null()));
	json_object_set_new(snap, "at", json_integer(now));
	json_object_set_new(
		snap, "today",
		stats_window(st, st->today, f,
			     json_pack("{s:s,s:I,s:I}", "date", stats_date(st->day_from, day),
				       "from", (json_int_t)st->day_from, "to",
				       (json_int_t)st->day_to)));
	json_object_set_new(
		snap, "hour",
		stats_window(st, st->hour, f,
			     json_pack("{s:I,s:I}", "from", (json_int_t)(now - STATS_HOUR_MS), "to",
				       (json_int_t)now)));
	if (st->period) {
		/* Whole local days from the period's first to today, both counted;
		 * rounded, because a day with a daylight-saving change is 23 or 25 h. */
		int64_t days = (st->day_from - st->period_from + 43200000) / 86400000 + 1;
		period = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "id", st->period->id, "from",
				   st->period->from, "to", st->period->to, "from_ms",
				   (json_int_t)st->period_from, "to_ms", (json_int_t)st->period_to,
				   "days", (json_int_t)days);
		json_object_set_new(snap, "period", stats_window(st, st->period_agg, f, period));
	} else {
		json_object_set_new(snap, "period", json_null());
	}
	json_object_set_new(snap, "series", stats_series(st, f, now));
	return snap;
}
