/* report_internal.h - what report.c and report_export.c share: the output
 * buffer with its cell and string escaping (rbuf.h), and the one query
 * builder both use. */
#ifndef VV_REPORT_INTERNAL_H
#define VV_REPORT_INTERNAL_H

#include <stddef.h>

#include <sqlite3.h>

#include "rbuf.h"
#include "report.h"

/* SELECT columns FROM contacts WHERE <f> tail, with f's values bound. */
int report_prepare(sqlite3 *db, const struct report_filter *f, const char *columns,
		   const char *tail, sqlite3_stmt **out, char *err, size_t errlen);
/* The same from another table with finished_ms, country, channel and desk
 * (stories). */
int report_prepare_from(sqlite3 *db, const char *table, const struct report_filter *f,
			const char *columns, const char *tail, sqlite3_stmt **out, char *err,
			size_t errlen);

#endif
