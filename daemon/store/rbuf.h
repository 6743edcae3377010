/* rbuf.h - an output buffer that flushes to a report_write_fn, with CSV
 * cell and JSON string escaping: what the report and the exports write
 * through. */
#ifndef VV_RBUF_H
#define VV_RBUF_H

#include <stddef.h>

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

#endif
