/* search.h - ranked full-text search over a rulebook's trees and destinations.
 *
 * One index belongs to one rulebook: it is built when the rules are loaded
 * and swapped together with them, so every node a search returns exists in
 * the rulebook it was built from. The index is an in-memory SQLite FTS5
 * database holding copies of the texts, not pointers into the rulebook. All
 * calls happen on the service thread. */
#ifndef VV_SEARCH_H
#define VV_SEARCH_H

#include <stddef.h>

#include <jansson.h>

struct rulebook;
struct search_index;

#define SEARCH_MAX_QUERY 1000 /* bytes of "q": as long as the caller's words in start */
#define SEARCH_MAX_ITEMS 10

enum search_status {
	SEARCH_OK,
	SEARCH_BAD_QUERY, /* the caller's fault: an empty or too long query */
	SEARCH_FAILED,    /* SQLite failed: out of memory or a fault of ours */
};

/* One search: which tree to look in and for whom. */
struct search_request {
	const char *q;
	const char *country; /* "no" or "dk" */
	const char *lang;    /* texts of the items, and hits ranked first */
	int citizen;         /* only nodes a citizen may see */
	size_t limit;        /* at most this many items (capped at SEARCH_MAX_ITEMS) */
	/* Facts known (from the words of q and the walk, may be NULL): results
	 * they decide rank first, results they rule out last. */
	const struct rules_tree *tree;
	const json_t *facts;
};

/* Index every text of every tree of rb, in every language, and the names and
 * mandates of its destinations. NULL with err set when SQLite cannot (no
 * FTS5, out of memory). */
struct search_index *search_build(const struct rulebook *rb, char *err, size_t errlen);
void search_free(struct search_index *ix);
/* How many documents (one per node and language, one per destination). */
size_t search_count(const struct search_index *ix);

/* Run one search. On SEARCH_OK *items is a new JSON array of
 * {"kind":"result"|"question"|"destination","node","destination","title",
 * "snippet"}, best first; destinations have no "node". Otherwise err says
 * why and *items is NULL. */
enum search_status search_run(struct search_index *ix, const struct search_request *req,
			      json_t **items, char *err, size_t errlen);

#endif
