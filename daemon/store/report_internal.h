/* report_internal.h - what report.c and report_export.c share: an output
 * buffer that flushes to a report_write_fn, cell and string escaping, and
 * the one query builder both use. */
#ifndef VV_REPORT_INTERNAL_H
#define VV_REPORT_INTERNAL_H

#include <stddef.h>

#include <sqlite3.h>

#include "report.h"

/* Output collected a row at a time and handed to w in pieces of about
 * REPORT_FLUSH bytes, so the memory held does not grow with the rows. */
#define REPORT_FLUSH (16 * 1024)

struct report_buf {
	char *p;
	size_t len, cap;
	report_write_fn w;
	void *ctx;
	int failed; /* out of memory, or w refused (the reader went away) */
};

int rbuf_put(struct report_buf *b, const void *s, size_t n);
int rbuf_puts(struct report_buf *b, const char *s);
int rbuf_printf(struct report_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand everything buffered to w. */
int rbuf_flush(struct report_buf *b);
/* Flush when a piece is full: call after each row. */
int rbuf_row_done(struct report_buf *b);
void rbuf_free(struct report_buf *b);
/* One CSV cell (RFC 4180): quoted when it holds , " CR or LF; a cell that
 * starts with = + - @ TAB or CR gets a leading ' so that spreadsheets do not
 * run it as a formula. Invalid UTF-8 becomes U+FFFD. s may be NULL (empty). */
int rbuf_csv_cell(struct report_buf *b, const char *s);
/* A JSON string with its quotes, or null for NULL. */
int rbuf_json_string(struct report_buf *b, const char *s);

/* SELECT columns FROM contacts WHERE <f> tail, with f's values bound. */
int report_prepare(sqlite3 *db, const struct report_filter *f, const char *columns,
		   const char *tail, sqlite3_stmt **out, char *err, size_t errlen);
/* The same from another table with finished_ms, country, channel and desk
 * (stories). */
int report_prepare_from(sqlite3 *db, const char *table, const struct report_filter *f,
			const char *columns, const char *tail, sqlite3_stmt **out, char *err,
			size_t errlen);

#endif
