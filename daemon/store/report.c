/* report.c - the survey figures: who contacts, why, on whose behalf, and
 * whether it was resolved or referred and why; as JSON, CSV or a readable
 * table, for the HTTP API and for `vegvisard report`. */
#include "report.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "conf/conf.h"
#include "report_internal.h"
#include "btab.h"
#include "base/survey.h"

/* Every report lists the survey's values (survey.h) also at zero, so that
 * tables from different periods line up; a value stored outside those lists
 * (an older or newer daemon) is listed after them, and a missing one as
 * "not_recorded". Destinations have no fixed list: */
static const char *const no_known[] = { NULL };

#define NOT_RECORDED "not_recorded"

/* ---- the filter ---- */

/* from, to and period: real dates, in order, a period that exists and
 * not both; *p is the period. q and dash quote a field or flag's name. */
static int report_filter_dates(const struct conf *c, const char *from, const char *to,
			       const char *period, const char *q, const char *dash,
			       const struct conf_period **p, char *err, size_t errlen)
{
	if (from && !conf_date_valid(from))
		return util_fail(err, errlen,
				 "%s%sfrom%s must be a real date YYYY-MM-DD, not \"%.40s\"", q,
				 dash, q, from);
	if (to && !conf_date_valid(to))
		return util_fail(err, errlen,
				 "%s%sto%s must be a real date YYYY-MM-DD, not \"%.40s\"", q, dash,
				 q, to);
	if (from && to && strcmp(from, to) > 0)
		return util_fail(err, errlen, "%s%sfrom%s %s is after %s%sto%s %s", q, dash, q,
				 from, q, dash, q, to);
	if (period && (from || to))
		return util_fail(
			err, errlen,
			"%s%speriod%s stands for its own dates: give it or %s%sfrom%s/%s%sto%s, not both",
			q, dash, q, q, dash, q, q, dash, q);
	if (period && !(*p = c ? conf_period_find(c, period) : NULL)) {
		char list[256] = "";
		for (size_t i = 0; c && i < c->n_periods; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", c->periods[i].id);
		return util_fail(err, errlen,
				 "%s%speriod%s: no period \"%.40s\" is configured (%s%s)", q, dash,
				 q, period, list[0] ? "configured: " : "none are",
				 list[0] ? list : " configured: see \"periods\" in the config");
	}
	return 0;
}

/* country and channel: a two-letter code, a channel the survey knows. */
static int report_filter_place(const char *country, const char *channel, const char *q,
			       const char *dash, char *err, size_t errlen)
{
	size_t i;

	if (country && (strlen(country) != 2 || strspn(country, "abcdefghijklmnopqrstuvwxyz") != 2))
		return util_fail(
			err, errlen,
			"%s%scountry%s must be a two-letter country code like \"no\", not \"%.40s\"",
			q, dash, q, country);
	if (!channel)
		return 0;
	for (i = 0; survey_channels[i] && strcmp(channel, survey_channels[i]); i++)
		;
	if (!survey_channels[i])
		return util_fail(
			err, errlen,
			"%s%schannel%s: \"%.40s\" is not allowed; allowed: phone, chat, widget, desk",
			q, dash, q, channel);
	return 0;
}

int report_filter_init(struct report_filter *f, const struct conf *c, const char *from,
		       const char *to, const char *period, const char *country, const char *channel,
		       int cli, char *err, size_t errlen)
{
	const char *const q = cli ? "" : "\"";
	const char *const dash = cli ? "--" : "";
	const struct conf_period *p = NULL;

	memset(f, 0, sizeof(*f));
	if (report_filter_dates(c, from, to, period, q, dash, &p, err, errlen) ||
	    report_filter_place(country, channel, q, dash, err, errlen))
		return -1;
	if (channel)
		snprintf(f->channel, sizeof(f->channel), "%s", channel);
	if (p) {
		snprintf(f->period, sizeof(f->period), "%s", p->id);
		from = p->from;
		to = p->to;
	}
	if (from)
		snprintf(f->from, sizeof(f->from), "%s", from);
	if (to)
		snprintf(f->to, sizeof(f->to), "%s", to);
	if (country)
		snprintf(f->country, sizeof(f->country), "%s", country);
	f->referral_checks = c && c->n_peers > 0;
	f->suppress_below = c ? c->suppress_below : 5;
	f->from_ms = from ? util_local_midnight_ms(from, 0) : INT64_MIN;
	f->to_ms = to ? util_local_midnight_ms(to, 1) : INT64_MAX;
	return 0;
}

/* ---- the connection ---- */

sqlite3 *report_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc;

	/* Its own read-only connection: WAL lets it read a snapshot while the
	 * writer commits, and it can never write by mistake. */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		util_fail(err, errlen, "%s: cannot open: %s", path,
			  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

void report_close(sqlite3 *db)
{
	sqlite3_close(db);
}

/* ---- counting ---- */

/* Counts per value of one column. Few distinct values, so a list. */
struct tally_entry {
	char *value;
	int64_t count;
};

struct tally {
	const char *const *known;
	size_t n_known; /* v starts with the known values, in order */
	struct tally_entry *v;
	size_t n, cap;
};

static int tally_init(struct tally *t, const char *const *known)
{
	memset(t, 0, sizeof(*t));
	t->known = known;
	while (known[t->n_known])
		t->n_known++;
	t->cap = t->n_known + 8;
	if (!(t->v = calloc(t->cap, sizeof(*t->v))))
		return -1;
	for (; t->n < t->n_known; t->n++)
		t->v[t->n].value = (char *)known[t->n];
	return 0;
}

static void tally_free(struct tally *t)
{
	for (size_t i = t->n_known; i < t->n; i++)
		free(t->v[i].value);
	free(t->v);
}

static int tally_add(struct tally *t, const unsigned char *text)
{
	const char *value = text ? (const char *)text : NOT_RECORDED;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (!strcmp(t->v[i].value, value)) {
			t->v[i].count++;
			return 0;
		}
	}
	if (t->n == t->cap) {
		void *v = realloc(t->v, 2 * t->cap * sizeof(*t->v));
		if (!v)
			return -1;
		t->v = v;
		t->cap *= 2;
	}
	if (!(t->v[t->n].value = strdup(value)))
		return -1;
	t->v[t->n++].count = 1;
	return 0;
}

static json_t *report_share(int64_t count, int64_t of)
{
	return of ? json_real((double)count / (double)of) : json_null();
}

static json_t *report_entry(int64_t count, int64_t of)
{
	return json_pack("{s:I,s:o}", "count", (json_int_t)count, "share", report_share(count, of));
}

/* Extra values: most frequent first, then by name; "not_recorded" last. */
static int tally_order(const void *a, const void *b)
{
	const struct tally_entry *x = a, *y = b;
	int xn = !strcmp(x->value, NOT_RECORDED), yn = !strcmp(y->value, NOT_RECORDED);

	if (xn != yn)
		return xn - yn;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

/* {"value": {"count": n, "share": n / of}, …}: known values in order, then
 * the others that occurred. */
static json_t *tally_json(struct tally *t, int64_t of)
{
	json_t *o = json_object();

	qsort(t->v + t->n_known, t->n - t->n_known, sizeof(*t->v), tally_order);
	for (size_t i = 0; i < t->n; i++)
		json_object_set_new(o, t->v[i].value, report_entry(t->v[i].count, of));
	return o;
}

enum {
	T_CATEGORY,
	T_ON_BEHALF,
	T_RELATION,
	T_AGE_BAND,
	T_OUTCOME,
	T_CHANNEL,
	T_REASON,      /* referred only */
	T_DESTINATION, /* referred only */
	T_COUNT
};

/* Also the column order of the query. */
static const struct {
	const char *key;
	const char *const *known;
} report_dims[T_COUNT] = {
	[T_CATEGORY] = { "category", survey_categories },
	[T_ON_BEHALF] = { "on_behalf", survey_on_behalf },
	[T_RELATION] = { "relation", survey_relations },
	[T_AGE_BAND] = { "age_band", survey_age_bands },
	[T_OUTCOME] = { "outcome", survey_outcomes },
	[T_CHANNEL] = { "channel", survey_channels },
	[T_REASON] = { "referral_reason", survey_reasons },
	[T_DESTINATION] = { "destination", no_known },
};

/* Contacts whose final destination was the one the tree suggested. */
struct followed {
	int64_t contacts; /* with a suggestion */
	int64_t followed; /* destination = suggested */
};

static json_t *followed_json(const struct followed *s)
{
	return json_pack("{s:I,s:I,s:o}", "contacts", (json_int_t)s->contacts, "followed",
			 (json_int_t)s->followed, "share", report_share(s->followed, s->contacts));
}

static json_t *filter_json(const struct report_filter *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "from", f->from[0] ? json_string(f->from) : json_null());
	json_object_set_new(o, "to", f->to[0] ? json_string(f->to) : json_null());
	json_object_set_new(o, "period", f->period[0] ? json_string(f->period) : json_null());
	json_object_set_new(o, "country", f->country[0] ? json_string(f->country) : json_null());
	json_object_set_new(o, "channel", f->channel[0] ? json_string(f->channel) : json_null());
	if (f->desk[0]) /* only on a collector asked for one desk */
		json_object_set_new(o, "desk", json_string(f->desk));
	return o;
}

static int64_t tally_count(const struct tally *t, const char *value)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].value, value))
			return t->v[i].count;
	return 0;
}

static json_t *report_json(struct tally *t, int64_t total, const struct followed *all,
			   const struct followed *referred, const struct btab *bt,
			   const struct report_filter *f)
{
	int64_t resolved = tally_count(&t[T_OUTCOME], "resolved");
	int64_t n_referred = tally_count(&t[T_OUTCOME], "referred");
	json_t *rep = json_object(), *referral;

	json_object_set_new(rep, "filter", filter_json(f));
	json_object_set_new(rep, "total", json_integer(total));
	for (int i = T_CATEGORY; i <= T_CHANNEL; i++)
		json_object_set_new(rep, report_dims[i].key, tally_json(&t[i], total));
	referral = json_pack("{s:I,s:I,s:o}", "resolved", (json_int_t)resolved, "referred",
			     (json_int_t)n_referred, "rate",
			     report_share(n_referred, resolved + n_referred));
	json_object_set_new(referral, "reason", tally_json(&t[T_REASON], n_referred));
	json_object_set_new(referral, "destination", tally_json(&t[T_DESTINATION], n_referred));
	json_object_set_new(rep, "referral", referral);
	json_object_set_new(rep, "suggested", followed_json(all));
	json_object_set_new(json_object_get(rep, "suggested"), "referred", followed_json(referred));
	btab_json(bt, 1, 0, rep); /* suppressed with the rest, in report_compute */
	return rep;
}

/* The barriers of the row q is on (its columns in report_dims order, then
 * destination, suggested, barriers), alone and crossed. */
static void report_count_barriers(struct btab *bt, sqlite3_stmt *q)
{
	struct btab_key k;

	btab_key_set(&k, (const char *)sqlite3_column_text(q, T_CATEGORY),
		     (const char *)sqlite3_column_text(q, T_CHANNEL),
		     (const char *)sqlite3_column_text(q, T_ON_BEHALF),
		     (const char *)sqlite3_column_text(q, T_OUTCOME));
	btab_add(bt,
		 survey_barriers_parse((const char *)sqlite3_column_text(q, T_DESTINATION + 2),
				       NULL),
		 &k, 1);
}

/* The counts small cells are looked for in, and what is beside them. */
static const char *const suppress_counts[] = { "count",      "contacts", "followed", "resolved",
					       "referred",   "sent",     "accepted", "misrouted",
					       "unanswered", NULL };

void report_suppress(json_t *rep, int below)
{
	const char *key;
	json_t *v;
	size_t i;
	int hidden = 0;

	if (below <= 1)
		return;
	if (json_is_array(rep)) {
		json_array_foreach(rep, i, v)
			report_suppress(v, below);
		return;
	}
	if (!json_is_object(rep))
		return;
	for (i = 0; suppress_counts[i]; i++) {
		json_int_t n;
		v = json_object_get(rep, suppress_counts[i]);
		if (!json_is_integer(v) || (n = json_integer_value(v)) < 1 || n >= below)
			continue;
		json_object_set_new(rep, suppress_counts[i], btab_count(n, below));
		hidden = 1;
	}
	/* A share or a rate would give the hidden count back. */
	if (hidden && json_object_get(rep, "share"))
		json_object_set_new(rep, "share", json_null());
	if (hidden && json_object_get(rep, "rate"))
		json_object_set_new(rep, "rate", json_null());
	json_object_foreach(rep, key, v)
		report_suppress(v, below);
}

/* Count one contact row in the tallies, the "followed" figures and the
 * barriers. 0, or -1 when a tally ran out of memory. */
static int report_count_row(sqlite3_stmt *q, struct tally *t, struct followed *all,
			    struct followed *referred, struct btab *bt)
{
	const unsigned char *dest = sqlite3_column_text(q, T_DESTINATION);
	const unsigned char *sugg = sqlite3_column_text(q, T_DESTINATION + 1);
	int is_referred, is_followed, ok = 1;

	for (int i = T_CATEGORY; i <= T_CHANNEL; i++)
		ok &= !tally_add(&t[i], sqlite3_column_text(q, i));
	is_referred = sqlite3_column_text(q, T_OUTCOME) &&
		      !strcmp((const char *)sqlite3_column_text(q, T_OUTCOME), "referred");
	if (is_referred) {
		ok &= !tally_add(&t[T_REASON], sqlite3_column_text(q, T_REASON));
		ok &= !tally_add(&t[T_DESTINATION], dest);
	}
	if (sugg) {
		is_followed = dest && !strcmp((const char *)dest, (const char *)sugg);
		all->contacts++;
		all->followed += is_followed;
		referred->contacts += is_referred;
		referred->followed += is_referred && is_followed;
	}
	report_count_barriers(bt, q);
	return ok ? 0 : -1;
}

/* The referral checks, added to rep; rep is freed and NULL returned when
 * they cannot be read. */
static json_t *report_add_checks(json_t *rep, sqlite3 *db, const struct report_filter *f, char *err,
				 size_t errlen)
{
	json_t *checks = report_referral_checks(db, f, err, errlen);

	if (!checks) {
		json_decref(rep);
		return NULL;
	}
	json_object_set_new(rep, "referral_checks", checks);
	return rep;
}

json_t *report_compute(sqlite3 *db, const struct report_filter *f, char *err, size_t errlen)
{
	struct tally t[T_COUNT];
	struct followed all = { 0 }, referred = { 0 };
	struct btab *bt = calloc(1, sizeof(*bt));
	sqlite3_stmt *q = NULL;
	json_t *rep = NULL;
	int64_t total = 0;
	int i, rc;

	memset(t, 0, sizeof(t));
	if (!bt)
		goto oom;
	for (i = 0; i < T_COUNT; i++)
		if (tally_init(&t[i], report_dims[i].known))
			goto oom;
	if (report_prepare(db, f,
			   "category, on_behalf, relation, age_band, outcome, channel,"
			   " referral_reason, destination, suggested, barriers",
			   "", &q, err, errlen))
		goto out;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		total++;
		if (report_count_row(q, t, &all, &referred, bt))
			goto oom;
	}
	if (rc != SQLITE_DONE) {
		util_fail(err, errlen, "reading the contacts failed: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (!(rep = report_json(t, total, &all, &referred, bt, f)))
		goto oom;
	if (f->referral_checks && !(rep = report_add_checks(rep, db, f, err, errlen)))
		goto out;
	report_suppress(rep, f->suppress_below);
	goto out;
oom:
	util_fail(err, errlen, "out of memory");
out:
	sqlite3_finalize(q);
	free(bt);
	for (i = 0; i < T_COUNT; i++)
		if (t[i].v)
			tally_free(&t[i]);
	return rep;
}
