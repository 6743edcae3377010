/* report.c - the survey figures: who contacts, why, on whose behalf, and
 * whether it was resolved or referred and why; as JSON, CSV or a readable
 * table, for the HTTP API and for `vegvisard report`. */
#include "report.h"
#include "base/util.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "conf/conf.h"
#include "report_internal.h"
#include "base/survey.h"

/* Every report lists the survey's values (survey.h) also at zero, so that
 * tables from different periods line up; a value stored outside those lists
 * (an older or newer daemon) is listed after them, and a missing one as
 * "not_recorded". Destinations have no fixed list: */
static const char *const no_known[] = { NULL };

#define NOT_RECORDED "not_recorded"

/* ---- the filter ---- */

int report_filter_init(struct report_filter *f, const struct conf *c, const char *from,
		       const char *to, const char *period, const char *country, const char *channel,
		       int cli, char *err, size_t errlen)
{
	const char *const q = cli ? "" : "\"";
	const char *const dash = cli ? "--" : "";
	const struct conf_period *p = NULL;

	memset(f, 0, sizeof(*f));
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
	if (period && !(p = c ? conf_period_find(c, period) : NULL)) {
		char list[256] = "";
		for (size_t i = 0; c && i < c->n_periods; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", c->periods[i].id);
		return util_fail(err, errlen,
				 "%s%speriod%s: no period \"%.40s\" is configured (%s%s)", q, dash,
				 q, period, list[0] ? "configured: " : "none are",
				 list[0] ? list : " configured: see \"periods\" in the config");
	}
	if (country && (strlen(country) != 2 || strspn(country, "abcdefghijklmnopqrstuvwxyz") != 2))
		return util_fail(
			err, errlen,
			"%s%scountry%s must be a two-letter country code like \"no\", not \"%.40s\"",
			q, dash, q, country);
	if (channel) {
		size_t i;
		for (i = 0; survey_channels[i] && strcmp(channel, survey_channels[i]); i++)
			;
		if (!survey_channels[i])
			return util_fail(
				err, errlen,
				"%s%schannel%s: \"%.40s\" is not allowed; allowed: phone, chat, widget, desk",
				q, dash, q, channel);
		snprintf(f->channel, sizeof(f->channel), "%s", channel);
	}
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
			   const struct followed *referred, const struct report_filter *f)
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
	return rep;
}

json_t *report_compute(sqlite3 *db, const struct report_filter *f, char *err, size_t errlen)
{
	struct tally t[T_COUNT];
	struct followed all = { 0 }, referred = { 0 };
	sqlite3_stmt *q = NULL;
	json_t *rep = NULL;
	int64_t total = 0;
	int i, rc, ok = 1;

	memset(t, 0, sizeof(t));
	for (i = 0; i < T_COUNT; i++)
		if (tally_init(&t[i], report_dims[i].known))
			goto oom;
	if (report_prepare(db, f,
			   "category, on_behalf, relation, age_band, outcome, channel,"
			   " referral_reason, destination, suggested",
			   "", &q, err, errlen))
		goto out;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const unsigned char *dest = sqlite3_column_text(q, T_DESTINATION);
		const unsigned char *sugg = sqlite3_column_text(q, T_DESTINATION + 1);
		int is_referred, is_followed;

		total++;
		for (i = T_CATEGORY; i <= T_CHANNEL; i++)
			ok &= !tally_add(&t[i], sqlite3_column_text(q, i));
		is_referred = sqlite3_column_text(q, T_OUTCOME) &&
			      !strcmp((const char *)sqlite3_column_text(q, T_OUTCOME), "referred");
		if (is_referred) {
			ok &= !tally_add(&t[T_REASON], sqlite3_column_text(q, T_REASON));
			ok &= !tally_add(&t[T_DESTINATION], dest);
		}
		if (sugg) {
			is_followed = dest && !strcmp((const char *)dest, (const char *)sugg);
			all.contacts++;
			all.followed += is_followed;
			referred.contacts += is_referred;
			referred.followed += is_referred && is_followed;
		}
		if (!ok)
			goto oom;
	}
	if (rc != SQLITE_DONE) {
		util_fail(err, errlen, "reading the contacts failed: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (!(rep = report_json(t, total, &all, &referred, f)))
		goto oom;
	if (f->referral_checks) {
		json_t *checks = report_referral_checks(db, f, err, errlen);
		if (!checks) {
			json_decref(rep);
			rep = NULL;
			goto out;
		}
		json_object_set_new(rep, "referral_checks", checks);
	}
	goto out;
oom:
	util_fail(err, errlen, "out of memory");
out:
	sqlite3_finalize(q);
	for (i = 0; i < T_COUNT; i++)
		if (t[i].v)
			tally_free(&t[i]);
	return rep;
}

/* ---- printing ---- */

/* Percent with one decimal, rounded half up in integers so that every
 * reader of the same counts prints the same figure; "-" when of is 0. */
static const char *report_percent(int64_t count, int64_t of, char buf[24])
{
	int64_t permille;

	if (!of)
		return "-";
	permille = (2000 * count + of) / (2 * of);
	snprintf(buf, 24, "%lld.%lld", (long long)(permille / 10), (long long)(permille % 10));
	return buf;
}

static int64_t jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* One table: a heading, then value, count and percent of `of` per row. In
 * CSV every row is section,value,count,of,percent. of_what says what the
 * percentages are of, when that is not all the contacts. */
static void print_section(struct report_buf *b, enum report_format fmt, const char *section,
			  const char *title, const char *of_what, int64_t of, const json_t *rows)
{
	const char *value;
	const json_t *e;
	char pct[24];

	if (fmt == REPORT_TEXT) {
		rbuf_printf(b, "\n%-38s %8s %7s\n", title, "count", "%");
		if (of_what)
			rbuf_printf(b, "  (of %lld %s)\n", (long long)of, of_what);
	}
	json_object_foreach((json_t *)rows, value, e) {
		int64_t count = jint(e, "count");
		if (fmt == REPORT_TEXT) {
			rbuf_printf(b, "  %-36s %8lld %7s\n", value, (long long)count,
				    report_percent(count, of, pct));
			continue;
		}
		rbuf_csv_cell(b, section);
		rbuf_put(b, ",", 1);
		rbuf_csv_cell(b, value);
		rbuf_printf(b, ",%lld,%lld,%s\r\n", (long long)count, (long long)of,
			    of ? report_percent(count, of, pct) : "");
	}
}

/* A one-row section made on the spot: {"value": {"count": n}}. */
static void print_single(struct report_buf *b, enum report_format fmt, const char *section,
			 const char *title, const char *of_what, const char *value, int64_t count,
			 int64_t of)
{
	json_t *rows = json_pack("{s:{s:I}}", value, "count", (json_int_t)count);

	if (rows)
		print_section(b, fmt, section, title, of_what, of, rows);
	json_decref(rows);
}

static void print_heading(struct report_buf *b, const json_t *rep)
{
	const json_t *f = json_object_get(rep, "filter");
	const char *from = json_string_value(json_object_get(f, "from"));
	const char *to = json_string_value(json_object_get(f, "to"));
	const char *period = json_string_value(json_object_get(f, "period"));
	const char *country = json_string_value(json_object_get(f, "country"));
	const char *channel = json_string_value(json_object_get(f, "channel"));

	rbuf_puts(b, "Vegvisar survey report\n  Finished  ");
	if (from && to)
		rbuf_printf(b, "%s to %s", from, to);
	else if (from || to)
		rbuf_printf(b, "%s %s", from ? "from" : "until", from ? from : to);
	else
		rbuf_puts(b, "any day");
	if (period)
		rbuf_printf(b, " (period %s)", period);
	rbuf_printf(b, "\n  Country   %s\n", country ? country : "all");
	rbuf_printf(b, "  Channel   %s\n", channel ? channel : "all");
	rbuf_printf(b, "\n%-38s %8lld\n", "Contacts", (long long)jint(rep, "total"));
}

/* The sections over all contacts, in the order the survey asks. */
static const struct {
	const char *key, *title;
} report_tables[] = {
	{ "category", "Category" },
	{ "on_behalf", "On whose behalf" },
	{ "relation", "Relation to the person helped" },
	{ "age_band", "Age band" },
	{ "channel", "Channel" },
	{ "outcome", "Outcome" },
};

static void print_table(struct report_buf *b, const json_t *rep, enum report_format fmt)
{
	const json_t *referral = json_object_get(rep, "referral");
	const json_t *sugg = json_object_get(rep, "suggested");
	const json_t *sugg_ref = json_object_get(sugg, "referred");
	int64_t total = jint(rep, "total"), referred = jint(referral, "referred");
	int64_t decided = jint(referral, "resolved") + referred;

	if (fmt == REPORT_CSV) {
		rbuf_puts(b, "section,value,count,of,percent\r\n");
		rbuf_printf(b, "contacts,total,%lld,,\r\n", (long long)total);
	} else {
		print_heading(b, rep);
	}
	for (size_t i = 0; i < sizeof(report_tables) / sizeof(report_tables[0]); i++)
		print_section(b, fmt, report_tables[i].key, report_tables[i].title, NULL, total,
			      json_object_get(rep, report_tables[i].key));
	/* The survey's "one in three is sent onward", and why, and where. */
	print_single(b, fmt, "referral_rate", "Referral rate", "resolved or referred", "referred",
		     referred, decided);
	print_section(b, fmt, "referral_reason", "Referral reason", "referred", referred,
		      json_object_get(referral, "reason"));
	print_section(b, fmt, "referral_destination", "Referred to", "referred", referred,
		      json_object_get(referral, "destination"));
	print_single(b, fmt, "suggested", "Final destination as suggested", "with a suggestion",
		     "followed", jint(sugg, "followed"), jint(sugg, "contacts"));
	print_single(b, fmt, "suggested_referred", "Referred where suggested",
		     "referrals with a suggestion", "followed", jint(sugg_ref, "followed"),
		     jint(sugg_ref, "contacts"));
}

int report_format_parse(const char *s, enum report_format *out)
{
	if (!strcmp(s, "text"))
		*out = REPORT_TEXT;
	else if (!strcmp(s, "json"))
		*out = REPORT_JSON;
	else if (!strcmp(s, "csv"))
		*out = REPORT_CSV;
	else
		return -1;
	return 0;
}

int report_print(const json_t *rep, enum report_format fmt, report_write_fn w, void *ctx)
{
	struct report_buf b = { .w = w, .ctx = ctx };
	char *text;
	int rc;

	if (fmt == REPORT_JSON) {
		if (!(text = json_dumps(rep, JSON_INDENT(2))))
			return -1;
		rc = rbuf_puts(&b, text) || rbuf_put(&b, "\n", 1);
		free(text);
	} else {
		print_table(&b, rep, fmt);
	}
	rc = rbuf_flush(&b);
	rbuf_free(&b);
	return rc;
}

/* ---- vegvisard report ---- */

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: vegvisard report [--db FILE] [--config FILE] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
		"                        [--period ID] [--country CC] [--channel CH] [--format text|json|csv]\n"
		"\n"
		"  Prints the survey figures for the contacts finished from --from to --to (local\n"
		"  days, both inclusive), or in a registration period of the config (--period,\n"
		"  which needs --config). The database is opened read-only; the daemon may run.\n"
		"\n"
		"  --db FILE        the store (default: \"db\" of --config, else var/vegvisar.db)\n"
		"  --config FILE    the daemon's config, for its periods and db\n"
		"  --country CC     only this country (no, dk)\n"
		"  --channel CH     only this channel (phone, chat, widget, desk)\n"
		"  --desk NAME      only this desk's contacts (a collector's store)\n"
		"  --format F       text (a table, the default), json or csv\n");
}

static int report_write_file(void *ctx, const void *data, size_t len)
{
	return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

int report_cli(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "period", required_argument, NULL, 'p' },
		{ "country", required_argument, NULL, 'C' },
		{ "channel", required_argument, NULL, 'H' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "desk", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db_path = NULL, *config = NULL, *from = NULL, *to = NULL, *period = NULL,
		   *country = NULL, *channel = NULL, *desk = NULL;
	enum report_format fmt = REPORT_TEXT;
	struct report_filter f;
	struct conf c;
	char err[512];
	sqlite3 *db = NULL;
	json_t *rep = NULL;
	int o, rc = 1;

	conf_defaults(&c);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			db_path = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'p':
			period = optarg;
			break;
		case 'C':
			country = optarg;
			break;
		case 'H':
			channel = optarg;
			break;
		case 'K':
			desk = optarg;
			break;
		case 'F':
			if (report_format_parse(optarg, &fmt)) {
				fprintf(stderr,
					"vegvisard report: --format must be text, json or csv, not \"%s\"\n",
					optarg);
				goto out;
			}
			break;
		case 'h':
			report_usage(stdout);
			rc = 0;
			goto out;
		default:
			report_usage(stderr);
			goto out;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vegvisard report: unexpected argument \"%s\"\n", argv[optind]);
		goto out;
	}
	if (config && conf_load_file(&c, config, err, sizeof(err)))
		goto fail;
	if (period && !config) {
		fprintf(stderr,
			"vegvisard report: --period needs --config FILE (the periods are there)\n");
		goto out;
	}
	if (report_filter_init(&f, &c, from, to, period, country, channel, 1, err, sizeof(err)) ||
	    (desk && report_filter_desk(&f, desk, c.desk, 1, err, sizeof(err))) ||
	    !(db = report_open(db_path ? db_path : c.db, err, sizeof(err))) ||
	    !(rep = report_compute(db, &f, err, sizeof(err))))
		goto fail;
	if (report_print(rep, fmt, report_write_file, stdout) || fflush(stdout)) {
		fprintf(stderr, "vegvisard report: cannot write the report\n");
		goto out;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "vegvisard report: %s\n", err);
out:
	json_decref(rep);
	report_close(db);
	conf_free(&c);
	return rc;
}
