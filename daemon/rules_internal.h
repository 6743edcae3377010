/* rules_internal.h - the rulebook's insides, shared by rules.c and triage.c.
 *
 * Everything a walk needs is resolved at load: node ids become indexes, each
 * question knows its `unknown` option and each result its destination, so an
 * answer costs a few array lookups and no file I/O. Strings and per-language
 * texts point into the tree's parsed JSON, which the tree keeps alive. */
#ifndef VV_RULES_INTERNAL_H
#define VV_RULES_INTERNAL_H

#include <stddef.h>

#include <jansson.h>

#include "rules.h"

#define RULES_NO_NODE ((size_t)-1)
/* A result must be reachable in at most this many questions: longer walks
 * lose callers on the phone and in the widget. */
#define RULES_MAX_QUESTIONS 7

enum rules_country { RULES_NO, RULES_DK, RULES_NCOUNTRIES };

/* One answer a question offers. */
struct rules_option {
	const char *value;
	json_t *label; /* lang → text */
	size_t next;   /* index into tree->nodes */
};

/* A question (fact set) or a result (destination set). */
struct rules_node {
	const char *id;
	int is_question;
	int citizen; /* audience "citizen" (the default) rather than "agent" */

	const char *fact;
	json_t *text, *help; /* lang → text; help may be NULL */
	struct rules_option *options;
	size_t noptions;
	size_t unknown_option; /* index of the option with value "unknown" */

	const char *destination;
	const char *category;
	int first_line;
	json_t *advice, *bring;   /* bring may be NULL */
	json_t *destination_json; /* owned by the rulebook */
};

/* A node's question or result as the protocol sends it, in one language. */
struct rules_wire {
	char *text; /* NULL until a step first needs it */
	size_t len;
};

struct rules_tree {
	const struct rulebook *rb; /* the rulebook this tree belongs to */
	const char *country;
	const char *version;
	json_t *root;  /* the parsed file, owner of every string above */
	json_t *langs; /* borrowed from root */
	json_t *index; /* node id → index into nodes */
	struct rules_node *nodes;
	size_t nnodes;
	size_t start;
	size_t questions, results, depth;
	/* nnodes × the langs, indexed node * nlangs + lang. A step's question or
	 * result depends only on these two while the tree is loaded, and
	 * serializing it was most of a step's cost (docs/performance.md), so
	 * it is written once, on first use, by the service thread (the only
	 * one that walks trees), and freed with the tree. */
	struct rules_wire *wire;
	size_t nlangs;
};

struct rulebook {
	int refs;
	json_t *vocabulary;                     /* fact id → array of value ids, in file order */
	json_t *destinations[RULES_NCOUNTRIES]; /* id → destination as the protocol sends it */
	struct rules_tree *trees[RULES_NCOUNTRIES];
};

/* Append printf-style to buf at len, never past size; returns the new length. */
size_t rules_appendf(char *buf, size_t size, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Append the strings of a JSON array as "a, b, c". */
size_t rules_append_list(char *buf, size_t size, size_t len, const json_t *strings);
/* Append the vocabulary's fact names as "a, b, c". */
size_t rules_append_facts(char *buf, size_t size, const struct rulebook *rb);
/* The values the vocabulary allows for fact, or NULL if it is not a fact. */
json_t *rules_fact_values(const struct rulebook *rb, const char *fact);
/* The index of node id in t, or RULES_NO_NODE. */
size_t rules_node_index(const struct rules_tree *t, const char *id);

#endif
