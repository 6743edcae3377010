/* rules_internal.h - the rulebook's insides, shared by the rules modules
 * (rules.c, rules_dest.c, rules_check.c), triage.c and search.c.
 *
 * A tree is a list of questions and a list of results. Each result is
 * defined once by the facts that decide it (`when`), never by a path; the
 * engine (triage.c) picks the question that still tells the remaining
 * results apart. Everything a walk needs is resolved at load: facts and
 * their values become small integers, a result's conditions become one
 * bit mask of allowed values per fact, and which result beats which is a
 * table, so a step costs a pass over the results and no allocation.
 * Strings and per-language texts point into the parsed JSON, which the
 * tree keeps alive. */
#ifndef VV_RULES_INTERNAL_H
#define VV_RULES_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/names.h"

#include "rules.h"

#define RULES_NO_NODE ((size_t)-1)
/* A walk from no facts must end within this many questions: longer walks
 * lose callers on the phone and in the widget. */
#define RULES_MAX_QUESTIONS 6
/* Facts and the values of one fact are bits of a uint64_t. */
#define RULES_MAX_FACTS 64
#define RULES_MAX_VALUES 64
#define RULES_NO_VALUE (-1)
/* A walk keeps one byte per result on the stack while it decides. */
#define RULES_MAX_RESULTS 1024

enum rules_country { RULES_NO, RULES_DK, RULES_NCOUNTRIES };

/* One condition of a result: the fact's value must be one of `values`. */
struct rules_cond {
	int fact;
	uint64_t values; /* bit v: value index v of the fact */
};

/* One answer a question offers. */
struct rules_option {
	const char *value;
	int vindex;    /* the value's index in the vocabulary */
	json_t *label; /* lang → text */
	/* "implies": the one value of another fact this answer means (a need
	 * to stop telemarketing means the topic is post); fact -1 when none. */
	struct rules_cond implies;
};

/* A question (is_question) or a result. Questions come first in
 * tree->nodes, in the authors' preferred order; results follow. */
struct rules_node {
	const char *id;
	int is_question;
	int citizen; /* audience "citizen" (the default) rather than "agent" */

	/* question */
	const char *fact;
	int findex;
	json_t *text, *help; /* lang → text; help may be NULL */
	struct rules_option *options;
	size_t noptions;
	size_t unknown_option; /* index of the option with value "unknown" */
	int early;             /* asked, where it helps, before the engine's choice */
	int show_all;          /* every option shown, not only those that tell results apart */

	/* result */
	struct rules_cond *when, *about;
	size_t nwhen, nabout;
	uint64_t when_facts; /* bit f: `when` names fact f */
	int priority;
	const char *destination;
	const char *category;
	int first_line;
	json_t *title, *advice_agent, *advice_citizen, *bring; /* lang → text; bring may be NULL */
};

/* A node's question or result as the protocol sends it, in one language
 * (and for results one voice). */
struct rules_wire {
	char *text; /* NULL until a step first needs it */
	size_t len;
};

/* The engine's index of a tree, built once at load (triage_index_build):
 * sets of results as bits, so a step ANDs a few words per known fact
 * instead of testing every result's conditions (docs/performance.md). */
struct rules_index {
	size_t nw;            /* 64-bit words per set: (results + 63) / 64 */
	uint64_t *mem;        /* every set below, one allocation */
	uint64_t *all;        /* every result */
	uint64_t *citizen;    /* the results a citizen's walk may end at */
	uint64_t *fit;        /* [f * RULES_MAX_VALUES + v]: results whose when allows f = v */
	uint64_t *needs;      /* [f]: results whose when names f */
	uint64_t *beaten_by;  /* [b]: results that win over result b */
	uint64_t named_facts; /* facts some result's when names */
	/* [f * RULES_MAX_VALUES + v]: what the option f = v implies (its
	 * "implies"), as fact * RULES_MAX_VALUES + value, or -1. */
	int16_t implies[RULES_MAX_FACTS * RULES_MAX_VALUES];
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
	size_t questions, results;           /* nodes[0 .. questions-1] are the questions */
	size_t fallback;                     /* the result whose `when` is empty */
	size_t question_of[RULES_MAX_FACTS]; /* fact → its question, or RULES_NO_NODE */
	uint64_t askable[2]; /* facts a question asks: [0] of any audience, [1] citizens' */
	/* bit v: value v of the fact is a question's option or named by a
	 * result's when or about */
	uint64_t named[RULES_MAX_FACTS];
	/* beats[a * results + b]: result a wins over result b when both match
	 * (higher priority, or the same and strictly more specific). */
	unsigned char *beats;
	struct rules_index ix;
	/* The engine's choices by state, filled as walks need them (see
	 * triage_engine.c); NULL until the first, freed with the tree. */
	struct triage_memo *memo;
	/* Found by rules_check: the most questions any walk asks, and walks. */
	size_t depth, walks;
	/* Serialized steps, written on first use by the service thread (the
	 * only one that walks trees) and freed with the tree. Questions: one
	 * head per node × lang (options follow as option_wire); results: per
	 * node × lang × voice (agent 0, citizen 1), without the closing brace
	 * so the facts that decided it can follow. */
	struct rules_wire *wire;
	struct rules_wire *option_wire; /* per option × lang, see option_base */
	size_t *option_base;            /* question → its first option slot */
	size_t noption_slots;
	size_t nlangs;
};

/* A destination's texts, built once per language at load. */
struct rulebook {
	int refs;
	json_t *vocabulary; /* fact id → array of value ids, in file order */
	const char *facts[RULES_MAX_FACTS];
	size_t nfacts;
	int16_t unknown_value[RULES_MAX_FACTS]; /* the index of "unknown", or -1 */
	/* id → {lang → destination as the protocol sends it}; "" → first lang */
	json_t *destinations[RULES_NCOUNTRIES];
	struct rules_tree *trees[RULES_NCOUNTRIES];
	struct words *words; /* the caller's words → facts (words.json) */
	json_t *barriers;    /* [{"code","label","citizen"}] (barriers.json) */
};

/* State of one rules_load call, shared by the loading modules. */
struct rules_loader {
	rules_report_fn report;
	void *ctx;
	const char *dir;
	char file[4096]; /* the file being checked, as problems name it */
	unsigned problems;
	struct rulebook *rb;
	enum rules_country country; /* of the tree being checked */
};

/* RULES_TEXT: one string, or an object of one per language. */
enum rules_type { RULES_STRING, RULES_OBJECT, RULES_ARRAY, RULES_BOOL, RULES_INT, RULES_TEXT };

/* One key a JSON object may have. Tables of these end with a NULL name. */
struct rules_key {
	const char *name;
	enum rules_type type;
	int required;
};

/* The countries in the order of enum rules_country: names_countries. */
_Static_assert(RULES_NCOUNTRIES == NAMES_NCOUNTRIES, "one tree per country of names.h");

/* Loading helpers (rules_json.c). */
void rules_problem(struct rules_loader *ld, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
json_t *rules_read(struct rules_loader *ld, const char *name);
void rules_check_keys(struct rules_loader *ld, const char *where, const json_t *obj,
		      const struct rules_key *keys);
json_t *rules_typed(const json_t *obj, const char *key, enum rules_type type);
const char *rules_string(const json_t *obj, const char *key);
const char *rules_json_type(const json_t *v);
int rules_array_has(const json_t *strings, const char *s);
/* A web address a source may be: http:// or https://, no spaces. */
int rules_is_address(const char *s);
/* A file's "country" must match its name. */
void rules_check_country(struct rules_loader *ld, const json_t *root, const char *country);
/* Checks a per-language object against langs: a non-empty string for each. */
void rules_check_texts(struct rules_loader *ld, const json_t *langs, const char *where,
		       const char *key, const json_t *texts);

/* One country's questions and results (rules_tree.c). */
/* barriers.json (rules_barriers.c): the texts of the stored barrier codes. */
json_t *rules_load_barriers(struct rules_loader *ld);
struct rules_tree *rules_load_tree(struct rules_loader *ld, enum rules_country c);
void rules_tree_free(struct rules_tree *t);

/* Destinations (rules_dest.c). */
json_t *rules_load_destinations(struct rules_loader *ld, enum rules_country c);
/* Every per-language text of the country's destinations has every language. */
void rules_check_destination_langs(struct rules_loader *ld, enum rules_country c,
				   const json_t *langs);

/* Soundness (rules_check.c): overlaps without a priority, depth of every
 * walk, results no walk reaches. Fills t->beats, t->depth and t->walks. */
void rules_check_tree(struct rules_loader *ld, struct rules_tree *t);

/* Append printf-style to buf at len, never past size; returns the new length. */
size_t rules_appendf(char *buf, size_t size, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Append the strings of a JSON array as "a, b, c". */
size_t rules_append_list(char *buf, size_t size, size_t len, const json_t *strings);
/* Append the vocabulary's fact names as "a, b, c". */
size_t rules_append_facts(char *buf, size_t size, const struct rulebook *rb);
/* The values the vocabulary allows for fact, or NULL if it is not a fact. */
json_t *rules_fact_values(const struct rulebook *rb, const char *fact);
/* A fact's index, or -1; a value's index within its fact, or -1. */
int rules_fact_index(const struct rulebook *rb, const char *fact);
int rules_value_index(const struct rulebook *rb, int fact, const char *value);
/* The index of node id in t, or RULES_NO_NODE. */
size_t rules_node_index(const struct rules_tree *t, const char *id);
/* The index of lang in t->langs, 0 for one it does not declare. */
size_t rules_lang_slot(const struct rules_tree *t, const char *lang);

/* How well facts (fact → value) fit result r: -1 when one rules it out
 * (a `when` condition, or a topic it is not `about`), else how many of its
 * `when` conditions they meet, not counting conditions on the facts in
 * `quiet` (bit f for fact index f). */
int rules_result_fit(const struct rules_tree *t, const struct rules_node *r, const json_t *facts,
		     uint64_t quiet);

/* The engine's view of a set of facts (triage.c): value index per fact or
 * RULES_NO_VALUE. rules_check walks with it too. */
struct rules_state {
	int16_t value[RULES_MAX_FACTS];
	uint64_t known; /* bit f: value[f] is set */
};
/* The best result that facts (fact → value) decide on their own, or
 * t->fallback when none does: what a search for those facts shows first. */
size_t triage_best_match(const struct rules_tree *t, const json_t *facts, int citizen);
/* Builds t->ix from the results and t->beats; 0, or -1 out of memory. */
int triage_index_build(struct rules_tree *t);
/* Value v of fact f as the engine reads it: "unknown" when t asks f but
 * neither offers v as an option nor names it in a result (a caller
 * answering could only say "don't know"; given at once, the same facts
 * must end at the same result). */
int triage_value(const struct rules_tree *t, int f, int v);
/* What a walk does next from state s: a question (with the option values
 * worth offering in *offer) or a result. citizen: only citizens' questions. */
size_t triage_next(const struct rules_tree *t, const struct rules_state *s, int citizen,
		   uint64_t *offer);

#endif
