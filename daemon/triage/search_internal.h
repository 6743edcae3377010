/* search_internal.h - what search.c (querying), search_build.c (building the
 * index) and search_fts.c (tokenizer, ranking functions) share. */
#ifndef VV_SEARCH_INTERNAL_H
#define VV_SEARCH_INTERNAL_H

#include <sqlite3.h>

#include "rules_internal.h"

/* One FTS5 table per tree: a search never reads the other country's texts. */
struct search_country {
	char name[8];          /* "no", "dk"; empty if the rulebook has no such tree */
	sqlite3_stmt *rank;    /* best entities for a MATCH expression */
	sqlite3_stmt *snippet; /* where up to SEARCH_MAX_ITEMS documents matched */
};

struct search_index {
	sqlite3 *db;
	sqlite3_stmt *item;    /* an entity's texts in one language */
	sqlite3_stmt *by_node; /* the entity of a result, by node id and country */
	struct search_country countries[RULES_NCOUNTRIES];
	size_t docs;
};

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
