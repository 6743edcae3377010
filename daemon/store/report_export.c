/* report_export.c - one row per contact as CSV or NDJSON, streamed.
 *
 * The CSV is for spreadsheets: one value per cell. Times are UTC as
 * "YYYY-MM-DD HH:MM:SS" (a spreadsheet reads that as a date; the header
 * says _utc), the path is its node ids joined by " > ", the facts are one
 * column per fact (fact_<name>) and the barriers one column per code
 * (barrier_<code>: 1 or 0, empty when none were recorded). The NDJSON
 * keeps the stored JSON as it is.
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

#include "base/survey.h"
#include "base/util.h"
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

/* UTC as a spreadsheet reads a date and time: 2026-10-24 23:02:03. */
static int rbuf_time_utc(struct report_buf *b, int64_t ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		return rbuf_puts(b, "");
	return rbuf_printf(b, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			   tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
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

/* COL_PATH, COL_FACTS and COL_BARRIERS are stored JSON: as they are in
 * NDJSON, one value per cell in CSV. */
enum col_kind { COL_INT, COL_TIME, COL_TEXT, COL_PATH, COL_FACTS, COL_BARRIERS };

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
	{ "path", "json(path)", COL_PATH },
	{ "facts", "json(facts)", COL_FACTS },
	{ "note", "note", COL_TEXT },
	{ "barriers", "json(barriers)", COL_BARRIERS },
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
	{ "barriers", "json(barriers)", COL_BARRIERS },
	{ "story", "text", COL_TEXT },
};
#define STORY_NCOLS (sizeof(story_cols) / sizeof(story_cols[0]))

/* The fact columns of a CSV export: NULL-terminated names. */
struct export_facts {
	char **names;
	size_t n;
};

/* The path's node ids joined by " > ": one readable text cell. */
static void csv_path(struct report_buf *b, const char *stored)
{
	struct report_buf t = { 0 };
	json_t *path = json_loads(stored, JSON_DECODE_ANY, NULL);
	size_t i;
	json_t *node;

	json_array_foreach(path, i, node) {
		if (!json_is_string(node))
			continue;
		if (t.len)
			rbuf_puts(&t, " > ");
		rbuf_puts(&t, json_string_value(node));
	}
	json_decref(path);
	if (!rbuf_put(&t, "", 1))
		rbuf_csv_cell(b, t.p);
	rbuf_free(&t);
}

/* One cell per fact of fx: the value's id, empty when the contact has none. */
static void csv_facts(struct report_buf *b, const char *stored, const struct export_facts *fx)
{
	json_t *facts = stored ? json_loads(stored, 0, NULL) : NULL;

	for (size_t k = 0; k < fx->n; k++) {
		json_t *v = json_object_get(facts, fx->names[k]);
		if (k)
			rbuf_put(b, ",", 1);
		if (json_is_string(v))
			rbuf_csv_cell(b, json_string_value(v));
		else if (json_is_integer(v))
			rbuf_printf(b, "%lld", (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			rbuf_puts(b, json_is_true(v) ? "true" : "false");
		/* Anything else is not a value of the vocabulary: left empty. */
	}
	json_decref(facts);
}

/* One cell per barrier code: 1 or 0, or empty when the contact has no
 * barriers recorded (NULL: none given, or stored before issue 21). A code
 * this daemon does not know (a row from a newer one) has no column; the
 * NDJSON keeps it. */
static void csv_barriers(struct report_buf *b, const char *stored)
{
	uint32_t bits = stored ? survey_barriers_parse(stored, NULL) : 0;

	for (int k = 0; survey_barriers[k]; k++) {
		if (k)
			rbuf_put(b, ",", 1);
		if (stored)
			rbuf_put(b, bits >> k & 1 ? "1" : "0", 1);
	}
}

static void export_csv_header(struct report_buf *b, const struct export_col *cols, size_t ncols,
			      const struct export_facts *fx)
{
	char name[160];

	for (size_t i = 0; i < ncols; i++) {
		if (i)
			rbuf_put(b, ",", 1);
		if (cols[i].kind == COL_TIME) {
			rbuf_printf(b, "%s_utc", cols[i].name);
		} else if (cols[i].kind == COL_BARRIERS) {
			for (int k = 0; survey_barriers[k]; k++)
				rbuf_printf(b, "%sbarrier_%s", k ? "," : "", survey_barriers[k]);
		} else if (cols[i].kind == COL_FACTS) {
			for (size_t k = 0; k < fx->n; k++) {
				snprintf(name, sizeof(name), "fact_%s", fx->names[k]);
				if (k)
					rbuf_put(b, ",", 1);
				rbuf_csv_cell(b, name);
			}
		} else {
			rbuf_puts(b, cols[i].name);
		}
	}
	rbuf_put(b, "\r\n", 2);
}

static void export_csv_row(struct report_buf *b, sqlite3_stmt *q, const struct export_col *cols,
			   size_t ncols, const struct export_facts *fx)
{
	for (size_t i = 0; i < ncols; i++) {
		const char *text = (const char *)sqlite3_column_text(q, (int)i);
		if (i)
			rbuf_put(b, ",", 1);
		/* Expanded columns keep their width on a NULL too. */
		if (cols[i].kind == COL_FACTS)
			csv_facts(b, text, fx);
		else if (cols[i].kind == COL_BARRIERS)
			csv_barriers(b, text);
		else if (!text)
			continue;
		else if (cols[i].kind == COL_INT)
			rbuf_printf(b, "%lld", (long long)sqlite3_column_int64(q, (int)i));
		else if (cols[i].kind == COL_TIME)
			rbuf_time_utc(b, sqlite3_column_int64(q, (int)i));
		else if (cols[i].kind == COL_PATH)
			csv_path(b, text);
		else
			rbuf_csv_cell(b, text);
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
		case COL_PATH:
		case COL_FACTS:
		case COL_BARRIERS:
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

static int export_facts_add(struct export_facts *fx, const char *name)
{
	char **names, *copy;

	for (size_t k = 0; k < fx->n; k++)
		if (!strcmp(fx->names[k], name))
			return 0;
	if (!(names = realloc(fx->names, (fx->n + 2) * sizeof(*names))))
		return -1;
	fx->names = names;
	if (!(copy = strdup(name)))
		return -1;
	fx->names[fx->n++] = copy;
	fx->names[fx->n] = NULL;
	return 0;
}

static void export_facts_free(struct export_facts *fx)
{
	for (size_t k = 0; k < fx->n; k++)
		free(fx->names[k]);
	free(fx->names);
}

/* The fact columns: the vocabulary's facts in its order, then any other
 * fact the selected contacts hold (from older rules), by name, so that no
 * stored value is left out. Run inside the export's read transaction. */
static int export_facts_init(sqlite3 *db, const struct report_filter *f,
			     const char *const *vocabulary, struct export_facts *fx, char *err,
			     size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	for (size_t k = 0; vocabulary && vocabulary[k]; k++)
		if (export_facts_add(fx, vocabulary[k]))
			return util_fail(err, errlen, "out of memory");
	if (report_prepare_from(db, "contacts, json_each(contacts.facts) AS j", f,
				"DISTINCT j.key", " ORDER BY 1", &q, err, errlen))
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (sqlite3_column_text(q, 0) &&
		    export_facts_add(fx, (const char *)sqlite3_column_text(q, 0))) {
			rc = SQLITE_NOMEM;
			break;
		}
	if (rc != SQLITE_DONE)
		snprintf(err, errlen, "cannot read the contacts' facts: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The rows of table that f selects, oldest first, in cols. */
static int64_t export_rows(sqlite3 *db, const char *table, const struct report_filter *f,
			   const struct export_col *cols, size_t ncols, enum export_format fmt,
			   const struct export_facts *fx, report_write_fn w, void *ctx, char *err,
			   size_t errlen)
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
	if (fmt == EXPORT_CSV)
		export_csv_header(&b, cols, ncols, fx);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (fmt == EXPORT_CSV)
			export_csv_row(&b, q, cols, ncols, fx);
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
		      const char *const *facts, report_write_fn w, void *ctx, char *err,
		      size_t errlen)
{
	struct export_facts fx = { 0 };
	int64_t rows = -1;

	if (fmt == EXPORT_NDJSON)
		return export_rows(db, "contacts", f, export_cols, EXPORT_NCOLS, fmt, &fx, w, ctx,
				   err, errlen);
	/* The fact columns and the rows from one snapshot of the store. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the contacts: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (!export_facts_init(db, f, facts, &fx, err, errlen))
		rows = export_rows(db, "contacts", f, export_cols, EXPORT_NCOLS, fmt, &fx, w, ctx,
				   err, errlen);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	export_facts_free(&fx);
	return rows;
}

int64_t report_export_stories(sqlite3 *db, const struct report_filter *f, enum export_format fmt,
			      report_write_fn w, void *ctx, char *err, size_t errlen)
{
	struct export_facts none = { 0 };

	return export_rows(db, "stories", f, story_cols, STORY_NCOLS, fmt, &none, w, ctx, err,
			   errlen);
}
