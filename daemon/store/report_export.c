/* report_export.c - one row per contact as CSV or NDJSON, streamed.
 *
 * sqlite3_step hands over one row at a time and each row is written out
 * before the next is read, so an export of a million contacts holds one
 * row and one piece of output in memory. The query runs in one read
 * transaction: the export is a consistent snapshot even while the writer
 * keeps committing. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "report_internal.h"

/* ISO 8601 in the local time of this process, with its offset:
 * 2026-10-01T09:15:30.250+02:00. */
static int rbuf_time(struct report_buf *b, int64_t ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	int frac = (int)(ms - (int64_t)t * 1000);
	struct tm tm;
	long off;

	if (!localtime_r(&t, &tm))
		return rbuf_puts(b, "");
	off = tm.tm_gmtoff / 60;
	return rbuf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld", tm.tm_year + 1900,
			   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac,
			   off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* ---- the query ---- */

int report_prepare(sqlite3 *db, const struct report_filter *f, const char *columns,
		   const char *tail, sqlite3_stmt **out, char *err, size_t errlen)
{
	return report_prepare_from(db, "contacts", f, columns, tail, out, err, errlen);
}

int report_prepare_from(sqlite3 *db, const char *table, const struct report_filter *f,
			const char *columns, const char *tail, sqlite3_stmt **out, char *err,
			size_t errlen)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM %s WHERE finished_ms >= ?1 AND finished_ms < ?2%s%s%s%s", columns,
		 table, f->country[0] ? " AND country = ?3" : "",
		 f->channel[0] ? " AND channel = ?4" : "",
		 !f->desk[0]   ? ""
		 : f->desk_own ? " AND (desk IS NULL OR desk = ?5)"
			       : " AND desk = ?5",
		 tail);
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the %s: %s", table, sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(*out, 1, f->from_ms);
	sqlite3_bind_int64(*out, 2, f->to_ms);
	if (f->country[0])
		sqlite3_bind_text(*out, 3, f->country, -1, SQLITE_STATIC);
	if (f->channel[0])
		sqlite3_bind_text(*out, 4, f->channel, -1, SQLITE_STATIC);
	if (f->desk[0])
		sqlite3_bind_text(*out, 5, f->desk, -1, SQLITE_STATIC);
	return 0;
}

/* ---- the export ---- */

enum col_kind { COL_INT, COL_TIME, COL_TEXT, COL_JSON };

struct export_col {
	const char *name;
	const char *sql;
	enum col_kind kind;
};

/* The export's columns, in order: the CSV header and the NDJSON keys.
 * New columns go at the end, so that readers by position keep working. */
static const struct export_col export_cols[] = {
	{ "id", "id", COL_INT },
	{ "started", "started_ms", COL_TIME },
	{ "finished", "finished_ms", COL_TIME },
	{ "channel", "channel", COL_TEXT },
	{ "country", "country", COL_TEXT },
	{ "lang", "lang", COL_TEXT },
	{ "rules_version", "rules_version", COL_TEXT },
	{ "category", "category", COL_TEXT },
	{ "outcome", "outcome", COL_TEXT },
	{ "referral_reason", "referral_reason", COL_TEXT },
	{ "suggested", "suggested", COL_TEXT },
	{ "destination", "destination", COL_TEXT },
	{ "on_behalf", "on_behalf", COL_TEXT },
	{ "relation", "relation", COL_TEXT },
	{ "age_band", "age_band", COL_TEXT },
	{ "period", "period", COL_TEXT },
	/* json() gives the compact form: one line, whatever was stored. */
	{ "path", "json(path)", COL_JSON },
	{ "facts", "json(facts)", COL_JSON },
	{ "note", "note", COL_TEXT },
	{ "barriers", "json(barriers)", COL_JSON },
};
#define EXPORT_NCOLS (sizeof(export_cols) / sizeof(export_cols[0]))

/* The stories of the survey's qualitative part: never with the contact's
 * id or note, only the survey fields a reader needs to place them. */
static const struct export_col story_cols[] = {
	{ "id", "id", COL_INT },
	{ "finished", "finished_ms", COL_TIME },
	{ "country", "country", COL_TEXT },
	{ "channel", "channel", COL_TEXT },
	{ "lang", "lang", COL_TEXT },
	{ "category", "category", COL_TEXT },
	{ "outcome", "outcome", COL_TEXT },
	{ "on_behalf", "on_behalf", COL_TEXT },
	{ "barriers", "json(barriers)", COL_JSON },
	{ "story", "text", COL_TEXT },
};
#define STORY_NCOLS (sizeof(story_cols) / sizeof(story_cols[0]))

static void export_csv_row(struct report_buf *b, sqlite3_stmt *q, const struct export_col *cols,
			   size_t ncols)
{
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			rbuf_put(b, ",", 1);
		if (sqlite3_column_type(q, (int)i) == SQLITE_NULL)
			continue;
		if (cols[i].kind == COL_INT)
			rbuf_printf(b, "%lld", (long long)sqlite3_column_int64(q, (int)i));
		else if (cols[i].kind == COL_TIME)
			rbuf_time(b, sqlite3_column_int64(q, (int)i));
		else
			rbuf_csv_cell(b, (const char *)sqlite3_column_text(q, (int)i));
	}
	rbuf_put(b, "\r\n", 2);
}

static void export_json_row(struct report_buf *b, sqlite3_stmt *q, const struct export_col *cols,
			    size_t ncols)
{
	for (size_t i = 0; i < ncols; i++) {
		const char *text;
		rbuf_printf(b, "%s\"%s\":", i ? "," : "{", cols[i].name);
		if (sqlite3_column_type(q, (int)i) == SQLITE_NULL) {
			rbuf_put(b, "null", 4);
			continue;
		}
		switch (cols[i].kind) {
		case COL_INT:
			rbuf_printf(b, "%lld", (long long)sqlite3_column_int64(q, (int)i));
			break;
		case COL_TIME:
			rbuf_put(b, "\"", 1);
			rbuf_time(b, sqlite3_column_int64(q, (int)i));
			rbuf_put(b, "\"", 1);
			break;
		case COL_JSON:
			/* Already JSON (the store's CHECK and json() see to it). */
			text = (const char *)sqlite3_column_text(q, (int)i);
			rbuf_puts(b, text ? text : "null");
			break;
		case COL_TEXT:
			rbuf_json_string(b, (const char *)sqlite3_column_text(q, (int)i));
			break;
		}
	}
	rbuf_put(b, "}\n", 2);
}

/* The rows of table that f selects, oldest first, in cols. */
static int64_t export_rows(sqlite3 *db, const char *table, const struct report_filter *f,
			   const struct export_col *cols, size_t ncols, enum export_format fmt,
			   report_write_fn w, void *ctx, char *err, size_t errlen)
{
	struct report_buf b = { .w = w, .ctx = ctx };
	char columns[512] = "";
	sqlite3_stmt *q = NULL;
	int64_t rows = 0;
	int rc;

	for (size_t i = 0; i < ncols; i++)
		snprintf(columns + strlen(columns), sizeof(columns) - strlen(columns), "%s%s",
			 i ? ", " : "", cols[i].sql);
	/* finished_ms, id is the order of the indexes: no sort, no temp b-tree. */
	if (report_prepare_from(db, table, f, columns, " ORDER BY finished_ms, id", &q, err,
				errlen))
		return -1;
	if (fmt == EXPORT_CSV) {
		for (size_t i = 0; i < ncols; i++)
			rbuf_printf(&b, "%s%s", i ? "," : "", cols[i].name);
		rbuf_put(&b, "\r\n", 2);
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (fmt == EXPORT_CSV)
			export_csv_row(&b, q, cols, ncols);
		else
			export_json_row(&b, q, cols, ncols);
		rows++;
		if (rbuf_row_done(&b))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		snprintf(err, errlen, "reading the %s failed after %lld rows: %s", table,
			 (long long)rows, sqlite3_errmsg(db));
	else if (rbuf_flush(&b))
		snprintf(err, errlen, "the export stopped after %lld rows: the reader went away",
			 (long long)rows);
	sqlite3_finalize(q);
	rbuf_free(&b);
	return rc == SQLITE_DONE && !b.failed ? rows : -1;
}

int64_t report_export(sqlite3 *db, const struct report_filter *f, enum export_format fmt,
		      report_write_fn w, void *ctx, char *err, size_t errlen)
{
	return export_rows(db, "contacts", f, export_cols, EXPORT_NCOLS, fmt, w, ctx, err, errlen);
}

int64_t report_export_stories(sqlite3 *db, const struct report_filter *f, enum export_format fmt,
			      report_write_fn w, void *ctx, char *err, size_t errlen)
{
	return export_rows(db, "stories", f, story_cols, STORY_NCOLS, fmt, w, ctx, err, errlen);
}
