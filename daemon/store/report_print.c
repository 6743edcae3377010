/* report_print.c - the survey figures made by report_compute, printed as
 * JSON, as CSV (section,value,count,of,percent) or as a readable table;
 * counts hidden as small cells ("< 5") are printed as they are, without a
 * percent. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

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

/* A count as printed: the number, or the suppressed text ("< 5"). Sets
 * *n to the number, or -1 when it is hidden. */
static const char *report_count_text(const json_t *v, int64_t *n, char buf[24])
{
	if (json_is_string(v)) {
		*n = -1;
		return json_string_value(v);
	}
	*n = (int64_t)json_integer_value(v);
	snprintf(buf, 24, "%lld", (long long)*n);
	return buf;
}

static int64_t jint(const json_t *o, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(o, key));
}

/* One table: a heading, then value, count and percent of `of` per row. In
 * CSV every row is section,value,count,of,percent. of_what says what the
 * percentages are of, when that is not all the contacts. A hidden count
 * (or denominator) has no percent. */
static void print_section(struct report_buf *b, enum report_format fmt, const char *section,
			  const char *title, const char *of_what, const json_t *of_json,
			  const json_t *rows)
{
	char pct[24], cbuf[24], obuf[24];
	const char *value, *of_text;
	const json_t *e;
	int64_t of;

	of_text = report_count_text(of_json, &of, obuf);
	if (fmt == REPORT_TEXT) {
		rbuf_printf(b, "\n%-38s %8s %7s\n", title, "count", "%");
		if (of_what)
			rbuf_printf(b, "  (of %s %s)\n", of_text, of_what);
	}
	json_object_foreach((json_t *)rows, value, e) {
		int64_t count;
		const char *count_text = report_count_text(json_object_get(e, "count"), &count, cbuf);
		const char *percent = count < 0 || of < 0 ? "" : report_percent(count, of, pct);
		if (fmt == REPORT_TEXT) {
			rbuf_printf(b, "  %-36s %8s %7s\n", value, count_text, percent);
			continue;
		}
		rbuf_csv_cell(b, section);
		rbuf_put(b, ",", 1);
		rbuf_csv_cell(b, value);
		rbuf_printf(b, ",%s,%s,%s\r\n", count_text, of_text, of ? percent : "");
	}
}

/* A one-row section made on the spot: {"value": {"count": n}}. */
static void print_single(struct report_buf *b, enum report_format fmt, const char *section,
			 const char *title, const char *of_what, const char *value,
			 const json_t *count, const json_t *of)
{
	json_t *rows = json_pack("{s:{s:O}}", value, "count", count);

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

/* The barriers, then one table per value of each dimension they are
 * crossed with: "of those referred, how many lacked an eID". */
static void print_barriers(struct report_buf *b, const json_t *rep, enum report_format fmt)
{
	json_t *by = json_object_get(rep, "barrier_by"), *rows, *row;
	const char *dim, *value;
	char section[96], title[96];

	if (!json_object_get(rep, "barrier"))
		return;
	print_section(b, fmt, "barrier", "Barriers (several per contact)", NULL,
		      json_object_get(rep, "total"), json_object_get(rep, "barrier"));
	json_object_foreach(by, dim, rows) {
		json_object_foreach(rows, value, row) {
			snprintf(section, sizeof(section), "barrier_by_%s.%s", dim, value);
			snprintf(title, sizeof(title), "Barriers, %s %s", dim, value);
			print_section(b, fmt, section, title, "contacts",
				      json_object_get(row, "contacts"),
				      json_object_get(row, "barrier"));
		}
	}
}

static void print_table(struct report_buf *b, const json_t *rep, enum report_format fmt)
{
	const json_t *referral = json_object_get(rep, "referral");
	const json_t *sugg = json_object_get(rep, "suggested");
	const json_t *sugg_ref = json_object_get(sugg, "referred");
	const json_t *total = json_object_get(rep, "total");
	const json_t *referred = json_object_get(referral, "referred");
	json_t *decided = NULL;

	/* resolved + referred, unless one of them is hidden (then so is it). */
	if (json_is_integer(json_object_get(referral, "resolved")) && json_is_integer(referred))
		decided = json_integer(jint(referral, "resolved") + jint(referral, "referred"));
	else
		decided = json_string("-");
	if (fmt == REPORT_CSV) {
		rbuf_puts(b, "section,value,count,of,percent\r\n");
		rbuf_printf(b, "contacts,total,%lld,,\r\n", (long long)json_integer_value(total));
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
		     "followed", json_object_get(sugg, "followed"), json_object_get(sugg, "contacts"));
	print_single(b, fmt, "suggested_referred", "Referred where suggested",
		     "referrals with a suggestion", "followed", json_object_get(sugg_ref, "followed"),
		     json_object_get(sugg_ref, "contacts"));
	print_barriers(b, rep, fmt);
	json_decref(decided);
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
