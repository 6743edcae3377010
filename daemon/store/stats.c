/* stats.c - live survey figures, kept incrementally (see stats.h).
 *
 * Each window holds one aggregate per (country, channel) cell; a filter is
 * a set of cells, so a snapshot sums at most a few dozen small structs
 * whatever the number of contacts. The last hour also keeps its contacts,
 * so that each one can be taken out again when it is an hour old. */
#include "stats.h"
#include "stats_internal.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "conf/conf.h"
#include "store.h"
#include "base/survey.h"

/* The dimensions a snapshot lists (stats_internal.h). */
const struct stats_dim stats_dims[DIM_N] = {
	[DIM_OUTCOME] = { "outcome", survey_outcomes, 3 },
	[DIM_REASON] = { "reasons", survey_reasons, 4 },
	[DIM_CATEGORY] = { "category", survey_categories, 6 },
	[DIM_ON_BEHALF] = { "on_behalf", survey_on_behalf, 4 },
	[DIM_CHANNEL] = { "channel", survey_channels, 4 },
};

/* --- time --------------------------------------------------------------- */

/* Local midnight starting the day of ms plus add_days; mktime applies the
 * zone's offset and daylight saving of that day (as report.c does). */
static int64_t stats_midnight(int64_t ms, int add_days)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += add_days;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/* --- aggregates --------------------------------------------------------- */

void stats_agg_clear(struct agg *a)
{
	free(a->dest);
	memset(a, 0, sizeof(*a));
}

static void aggs_clear(struct agg *a)
{
	for (int i = 0; i < STATS_MAX_CELLS; i++)
		stats_agg_clear(&a[i]);
}

static int agg_dest_room(struct agg *a, size_t n)
{
	int64_t *grown;

	if (n <= a->n_dest)
		return 0;
	if (!(grown = realloc(a->dest, n * sizeof(*grown))))
		return -1;
	memset(grown + a->n_dest, 0, (n - a->n_dest) * sizeof(*grown));
	a->dest = grown;
	a->n_dest = n;
	return 0;
}

/* Add (sign 1) or take out (sign -1) a contact. */
static void agg_add(struct agg *a, const struct rec *r, int sign)
{
	int64_t n = sign;

	a->contacts += n;
	for (int i = 0; i < DIM_N; i++)
		if (i != DIM_REASON || r->v[DIM_OUTCOME] == OUT_REFERRED)
			a->v[i][r->v[i]] += n;
	if (r->has_suggestion) {
		a->suggested += n;
		if (r->followed)
			a->followed += n;
	}
	if (r->dest >= 0 && !agg_dest_room(a, (size_t)r->dest + 1))
		a->dest[r->dest] += n;
	btab_add(&a->bt, r->barriers, &r->bkey, sign);
}

static void agg_merge(struct agg *into, const struct agg *a)
{
	into->contacts += a->contacts;
	for (int i = 0; i < DIM_N; i++)
		for (int k = 0; k < DIM_MAX; k++)
			into->v[i][k] += a->v[i][k];
	into->suggested += a->suggested;
	into->followed += a->followed;
	for (size_t k = 0; k < a->n_dest && k < into->n_dest; k++)
		into->dest[k] += a->dest[k];
	btab_merge(&into->bt, &a->bt);
}

int stats_cell_matches(const struct stats *st, int cell, const struct stats_filter *f)
{
	const struct cell *c = &st->cells[cell];

	return (!f->country[0] || !strcmp(f->country, c->country)) &&
	       (!f->channel[0] || (c->channel < stats_dims[DIM_CHANNEL].n &&
				   !strcmp(f->channel, survey_channels[c->channel])));
}

/* The sum over the cells f selects; out->dest has room for every id. */
int stats_sum(const struct stats *st, const struct agg *cells, const struct stats_filter *f,
	      struct agg *out)
{
	memset(out, 0, sizeof(*out));
	if (agg_dest_room(out, st->n_dests ? st->n_dests : 1))
		return -1;
	for (int i = 0; i < st->n_cells; i++)
		if (stats_cell_matches(st, i, f))
			agg_merge(out, &cells[i]);
	return 0;
}

/* --- contacts ----------------------------------------------------------- */

static unsigned char stats_value(int dim, const char *v)
{
	for (size_t i = 0; v && i < stats_dims[dim].n; i++)
		if (!strcmp(stats_dims[dim].names[i], v))
			return (unsigned char)i;
	return (unsigned char)stats_dims[dim].n;
}

static int stats_intern(struct stats *st, const char *id)
{
	for (size_t i = 0; i < st->n_dests; i++)
		if (!strcmp(st->dests[i], id))
			return (int)i;
	if (st->n_dests == st->cap_dests) {
		size_t cap = st->cap_dests ? 2 * st->cap_dests : 64;
		char **grown = realloc(st->dests, cap * sizeof(*grown));
		if (!grown)
			return -1;
		st->dests = grown;
		st->cap_dests = cap;
	}
	if (!(st->dests[st->n_dests] = strdup(id)))
		return -1;
	return (int)st->n_dests++;
}

static int stats_cell(struct stats *st, const char *country, unsigned char channel)
{
	int i;

	if (!country)
		country = "";
	for (i = 0; i < st->n_cells; i++)
		if (st->cells[i].channel == channel && !strcmp(st->cells[i].country, country))
			return i;
	if (i == STATS_MAX_CELLS)
		return -1;
	snprintf(st->cells[i].country, sizeof(st->cells[i].country), "%s", country);
	st->cells[i].channel = channel;
	st->n_cells++;
	return i;
}

/* Fill r from a contact's columns. -1 when it cannot be counted. */
static int stats_rec(struct stats *st, struct rec *r, int64_t finished_ms, const char *country,
		     const char *channel, const char *outcome, const char *reason,
		     const char *category, const char *on_behalf, const char *destination,
		     int has_suggestion, int followed)
{
	memset(r, 0, sizeof(*r));
	r->finished_ms = finished_ms;
	r->v[DIM_OUTCOME] = stats_value(DIM_OUTCOME, outcome);
	r->v[DIM_REASON] = stats_value(DIM_REASON, reason);
	r->v[DIM_CATEGORY] = stats_value(DIM_CATEGORY, category);
	r->v[DIM_ON_BEHALF] = stats_value(DIM_ON_BEHALF, on_behalf);
	r->v[DIM_CHANNEL] = stats_value(DIM_CHANNEL, channel);
	r->has_suggestion = has_suggestion != 0;
	r->followed = has_suggestion && followed;
	r->dest = -1;
	btab_key_set(&r->bkey, category, channel, on_behalf, outcome);
	if (r->v[DIM_OUTCOME] == OUT_REFERRED && destination && *destination)
		r->dest = stats_intern(st, destination);
	if ((r->cell = stats_cell(st, country, r->v[DIM_CHANNEL])) < 0) {
		st->dropped++;
		return -1;
	}
	return 0;
}

void stats_contact_set(struct stats_contact *sc, const struct contact *ct)
{
#define STATS_COPY(field, value) util_copy(sc->field, sizeof(sc->field), value)
	memset(sc, 0, sizeof(*sc));
	sc->finished_ms = ct->finished_ms;
	STATS_COPY(country, ct->country);
	STATS_COPY(channel, ct->channel);
	STATS_COPY(outcome, ct->outcome);
	STATS_COPY(reason, ct->referral_reason);
	STATS_COPY(category, ct->category);
	STATS_COPY(on_behalf, ct->on_behalf);
	STATS_COPY(destination, ct->destination);
	STATS_COPY(suggested, ct->suggested);
	sc->barriers = survey_barriers_parse(ct->barriers, NULL);
#undef STATS_COPY
}

int stats_filter_matches(const struct stats_filter *f, const struct stats_contact *sc)
{
	return (!f->country[0] || !strcmp(f->country, sc->country)) &&
	       (!f->channel[0] || !strcmp(f->channel, sc->channel));
}

/* --- windows ------------------------------------------------------------ */

static int recent_push(struct stats *st, const struct rec *r)
{
	if (st->count == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 256;
		struct rec *grown = malloc(cap * sizeof(*grown));
		if (!grown)
			return -1;
		for (size_t i = 0; i < st->count; i++)
			grown[i] = st->recent[(st->head + i) % st->cap];
		free(st->recent);
		st->recent = grown;
		st->head = 0;
		st->cap = cap;
	}
	st->recent[(st->head + st->count) % st->cap] = *r;
	st->count++;
	return 0;
}

/* The period holding today, or none; either way the bounds within which
 * that answer holds (periods are whole local days). */
static void stats_period_set(struct stats *st, int64_t now)
{
	st->period = conf_period_at(st->conf, now);
	if (st->period) {
		st->period_from = util_local_midnight_ms(st->period->from, 0);
		st->period_to = util_local_midnight_ms(st->period->to, 1);
	} else {
		st->period_from = st->day_from;
		st->period_to = st->day_to;
	}
	aggs_clear(st->period_agg);
}

/* Move the windows to now: a new day or period starts from zero, contacts
 * older than an hour leave the last hour. */
void stats_advance(struct stats *st, int64_t now)
{
	if (now < st->day_from || now >= st->day_to) {
		st->day_from = stats_midnight(now, 0);
		st->day_to = stats_midnight(now, 1);
		aggs_clear(st->today);
	}
	if (now < st->period_from || now >= st->period_to)
		stats_period_set(st, now);
	while (st->count && st->recent[st->head].finished_ms < now - STATS_HOUR_MS) {
		const struct rec *r = &st->recent[st->head];
		agg_add(&st->hour[r->cell], r, -1);
		st->head = (st->head + 1) % st->cap;
		st->count--;
	}
}

/* Count r in every window it falls in (sign 1), or take it out of them
 * (-1); the last hour only with hour set (a correction swaps it there, see
 * recent_replace). stats_advance(now) came first. */
static void stats_count(struct stats *st, const struct rec *r, int64_t now, int sign, int hour)
{
	int64_t index = r->finished_ms / STATS_SLOT_MS, now_index = now / STATS_SLOT_MS;

	if (r->finished_ms >= st->day_from && r->finished_ms < st->day_to)
		agg_add(&st->today[r->cell], r, sign);
	if (st->period && r->finished_ms >= st->period_from && r->finished_ms < st->period_to)
		agg_add(&st->period_agg[r->cell], r, sign);
	if (hour && r->finished_ms >= now - STATS_HOUR_MS && !recent_push(st, r))
		agg_add(&st->hour[r->cell], r, 1);
	if (index > now_index - STATS_SLOTS && index <= now_index && r->v[DIM_OUTCOME] < 3) {
		struct slot *s = &st->slots[index % STATS_SLOTS];
		if (s->index != index) {
			memset(s, 0, sizeof(*s));
			s->index = index;
		}
		s->outcome[r->cell][r->v[DIM_OUTCOME]] += sign;
	}
}

static int stats_rec_of(struct stats *st, struct rec *r, const struct stats_contact *sc)
{
	if (stats_rec(st, r, sc->finished_ms, sc->country, sc->channel, sc->outcome, sc->reason,
		      sc->category, sc->on_behalf, sc->destination, sc->suggested[0],
		      sc->suggested[0] && !strcmp(sc->destination, sc->suggested)))
		return -1;
	r->barriers = sc->barriers;
	return 0;
}

void stats_add(struct stats *st, const struct stats_contact *sc, int64_t now)
{
	struct rec r;

	stats_advance(st, now);
	if (!stats_rec_of(st, &r, sc))
		stats_count(st, &r, now, 1, 1);
}

/* The last hour keeps each contact's rec to take it out when it ages: a
 * corrected one is swapped in place, so that it leaves with the values it
 * is counted with, at its own time. */
static void recent_replace(struct stats *st, const struct rec *was, const struct rec *is)
{
	for (size_t i = 0; i < st->count; i++) {
		struct rec *r = &st->recent[(st->head + i) % st->cap];

		if (r->finished_ms == was->finished_ms && r->cell == was->cell &&
		    !memcmp(r->v, was->v, sizeof(r->v)) && r->dest == was->dest &&
		    r->barriers == was->barriers && r->followed == was->followed) {
			agg_add(&st->hour[r->cell], r, -1);
			*r = *is;
			agg_add(&st->hour[r->cell], r, 1);
			return;
		}
	}
}

void stats_correct(struct stats *st, const struct stats_contact *was,
		   const struct stats_contact *is, int64_t now)
{
	struct rec a, b;

	stats_advance(st, now);
	if (stats_rec_of(st, &a, was) || stats_rec_of(st, &b, is))
		return;
	stats_count(st, &a, now, -1, 0);
	stats_count(st, &b, now, 1, 0);
	recent_replace(st, &a, &b);
}

struct stats *stats_new(const struct conf *conf)
{
	struct stats *st = calloc(1, sizeof(*st));

	if (st)
		st->conf = conf;
	return st;
}

/* Forget every figure (the interned ids and cells stay). */
static void stats_clear(struct stats *st)
{
	aggs_clear(st->today);
	aggs_clear(st->period_agg);
	aggs_clear(st->hour);
	st->head = st->count = 0;
	memset(st->slots, 0, sizeof(st->slots));
	st->day_from = st->day_to = st->period_from = st->period_to = 0;
	st->period = NULL;
}

void stats_free(struct stats *st)
{
	if (!st)
		return;
	stats_clear(st);
	free(st->recent);
	for (size_t i = 0; i < st->n_dests; i++)
		free(st->dests[i]);
	free(st->dests);
	free(st);
}

/* --- the rebuild at start ----------------------------------------------- */

static const char *col(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

/* Contacts finished in [from, until), one row at a time through the index
 * on finished_ms, each counted where it belongs; nothing is kept but the
 * aggregates (and the last hour's contacts). Aggregating here rather than
 * with GROUP BY in SQL: SQLite sorts every row into a temporary b-tree for
 * that, which measured 4.5 times slower for a million rows (docs/protocol.md,
 * "subscribe"). */
static int stats_load_rows(struct stats *st, sqlite3 *db, int64_t from, int64_t until, int64_t now,
			   int64_t *rows)
{
	static const char sql[] =
		"SELECT finished_ms, country, channel, outcome, referral_reason, category,"
		" on_behalf, destination, suggested, barriers FROM contacts"
		" WHERE finished_ms >= ?1 AND finished_ms < ?2 ORDER BY finished_ms";
	sqlite3_stmt *q;
	struct rec r;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, from);
	sqlite3_bind_int64(q, 2, until);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *dest = col(q, 7), *sugg = col(q, 8);
		int followed = sugg && dest && !strcmp(dest, sugg);
		(*rows)++;
		if (!stats_rec(st, &r, sqlite3_column_int64(q, 0), col(q, 1), col(q, 2), col(q, 3),
			       col(q, 4), col(q, 5), col(q, 6), dest, sugg != NULL, followed)) {
			r.barriers = survey_barriers_parse(col(q, 9), NULL);
			stats_count(st, &r, now, 1, 1);
		}
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

int stats_load(struct stats *st, const char *path, int64_t now, struct stats_load_info *info,
	       char *err, size_t errlen)
{
	struct stats_load_info dummy;
	struct timespec t0, t1;
	sqlite3 *db = NULL;
	int64_t since;
	int rc = -1;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	stats_clear(st);
	stats_advance(st, now);
	since = (now / STATS_SLOT_MS - STATS_SLOTS + 1) * STATS_SLOT_MS;
	if (st->day_from < since)
		since = st->day_from;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db, 5000);
	/* The last 24 hours and today, then the rest of the current period. */
	if (stats_load_rows(st, db, since, INT64_MAX, now, &info->rows))
		goto out;
	if (st->period && st->period_from < since &&
	    stats_load_rows(st, db, st->period_from, since, now, &info->period_rows))
		goto out;
	rc = 0;
out:
	if (rc) {
		snprintf(err, errlen, "%s: cannot read the contacts for the statistics: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		stats_clear(st);
		stats_advance(st, now);
	}
	sqlite3_close(db);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	info->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	return rc;
}
