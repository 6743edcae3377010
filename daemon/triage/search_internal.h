/* search_internal.h - what search.c and search_fts.c share. */
#ifndef VV_SEARCH_INTERNAL_H
#define VV_SEARCH_INTERNAL_H

#include <sqlite3.h>

/* The FTS5 columns of a country's table: head is what names a node (its
 * question, the labels of the options that lead to it, a destination's
 * name and id), body explains it (advice, help, a mandate), extra is the
 * rest (bring, the options a question offers), ctx the telling answers
 * further up the way to it, which it shares with its siblings. */
enum { SEARCH_COL_HEAD, SEARCH_COL_BODY, SEARCH_COL_EXTRA, SEARCH_COL_CTX };

/* Register on db the tokenizer "vvfold" (unicode61 that keeps æøå as
 * letters, with ASCII twins) and the auxiliary functions vv_cover and
 * vv_hitcol. -1 if this SQLite has no FTS5. */
int search_fts_register(sqlite3 *db);

#endif
