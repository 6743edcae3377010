/* rules.h - rule trees, destinations and the fact vocabulary.
 *
 * A rulebook is everything under the rules directory, loaded and validated as
 * one unit. It is immutable once loaded and reference counted: a SIGHUP
 * reload swaps in a new rulebook while sessions that started on the old one
 * keep their reference until they end. All calls happen on one thread. */
#ifndef VV_RULES_H
#define VV_RULES_H

#include <stddef.h>

#include <jansson.h>

struct rulebook;
struct rules_tree;

/* Called once per problem found while loading, with a message that names
 * file and node, e.g. `rules/no.json: node "login.bankid": option "lost"
 * points to unknown node "bank.lost"`. */
typedef void (*rules_report_fn)(void *ctx, const char *problem);

/* Load vocabulary.json, words.json, barriers.json, destinations/{no,dk}.json
 * and {no,dk}.json from dir.
 * Returns NULL when anything is wrong, after reporting every problem found
 * (not just the first). The result starts with one reference. */
struct rulebook *rules_load(const char *dir, rules_report_fn report, void *ctx);
struct rulebook *rules_ref(struct rulebook *rb);
void rules_unref(struct rulebook *rb);

/* The tree for country "no" or "dk", or NULL. */
const struct rules_tree *rules_tree(const struct rulebook *rb, const char *country);
const char *rules_tree_version(const struct rules_tree *t);
const char *rules_tree_country(const struct rules_tree *t);
/* 1 if the tree declares texts in lang. */
int rules_tree_has_lang(const struct rules_tree *t, const char *lang);
/* The languages the tree declares, as a new JSON array. */
json_t *rules_tree_langs(const struct rules_tree *t);

/* Summary for --check-rules: {"no":{"version":…,"nodes":N,"questions":N,
 * "results":N,"depth":N}, …}; depth is the longest path in questions. */
json_t *rules_summary(const struct rulebook *rb);

/* A destination as the protocol sends it, in lang: {"id","name","mandate",
 * "phone","dial","web","hours","other","sources":[{"field","url","checked"}],
 * "unverified":[fields no public page confirms]}; new reference, or NULL if
 * unknown. A field the destination does not have is left out. */
json_t *rules_destination_localized(const struct rulebook *rb, const char *id, const char *lang);
/* The same in the country's first language. */
json_t *rules_destination_json(const struct rulebook *rb, const char *id);
/* The destination as authored (borrowed), or NULL: to test that it exists. */
const json_t *rules_destination(const struct rulebook *rb, const char *id);
/* Its name in lang (or the first language written), borrowed. */
const char *rules_destination_name(const struct rulebook *rb, const char *id, const char *lang);
/* The survey's barrier codes with their texts (barriers.json), borrowed:
 * [{"code","label":{lang→text},"citizen":{lang→text}}] in the stored
 * codes' order. The welcome sends it, so every client words them alike. */
const json_t *rules_barriers(const struct rulebook *rb);
/* The i-th fact the vocabulary defines, in its file's order, or NULL past
 * the last: the CSV export's fact columns (routes_report.c). */
const char *rules_fact_name(const struct rulebook *rb, int i);
/* 1 if the vocabulary defines fact, and value (if not NULL) for it. */
int rules_fact_valid(const struct rulebook *rb, const char *fact, const char *value);

/* The facts the caller's words state (text in lang, NUL-terminated, at most
 * a few kilobytes): each is appended to understood as {"fact","value",
 * "words"} and set in facts unless facts already has that fact (explicit
 * facts win). Returns how many facts were added. */
int rules_understand(const struct rulebook *rb, const char *lang, const char *text, json_t *facts,
		     json_t *understood);

/* One triage walk through one tree. Facts are the walk's state: each result
 * is defined by the facts that decide it, and after every change the engine
 * either ends at the best result the facts decide or asks the first question
 * that can still change the outcome. No fact is asked twice. */
struct triage;

/* Start with prefilled facts (object fact → value, may be NULL). Every fact
 * and value must be in the vocabulary; otherwise returns NULL with a message
 * in err naming the fact and the allowed values. citizen: a citizen's own
 * walk (only citizens' questions, advice in the citizen's voice). The walk
 * holds a reference on rb until triage_free. */
struct triage *triage_start(struct rulebook *rb, const struct rules_tree *t, json_t *prefill,
			    int citizen, char *err, size_t errlen);
void triage_free(struct triage *tr);
/* Who walks it from now on: a citizen (1) or an agent (0). */
void triage_set_citizen(struct triage *tr, int citizen);

/* Answer the current question with any of its options (also one not offered
 * right now). -1 with err listing the allowed values when value is not one
 * of its options, or when the walk is at a result. */
int triage_answer(struct triage *tr, const char *value, char *err, size_t errlen);
/* Undo the last answer (or jump): back to the previous asked question, and
 * forget the facts that answer set. Prefilled facts stay. -1 with err when
 * there is nothing to undo. */
int triage_back(struct triage *tr, char *err, size_t errlen);
/* Move to any question or result by id (recorded in the path, undone by
 * back): the walk stays there until the next answer. -1 with err if there is
 * no such node. */
int triage_jump(struct triage *tr, const char *node_id, char *err, size_t errlen);

/* The walk's state as the protocol's step fields, new reference:
 * {"facts":{…},"path":[…],"question":{"node","fact","text","help",
 *  "citizen":bool,"options":[{"value","label"}]}} (only the options that
 * matter now, and "unknown") or, at a result, {"facts","path","result":
 * {"node","title","category","first_line","advice","bring","destination":
 * {…as rules_destination_localized},"because":[{"fact","value","label"}]}}.
 * Texts in lang, which the caller has checked with rules_tree_has_lang. */
json_t *triage_step_json(const struct triage *tr, const char *lang);
/* The same step's members as JSON text, without the braces, appended to b:
 * what a reply is built around. The question or result is serialized once
 * per node and language while the tree is loaded. */
struct jbuf;
void triage_step_write(const struct triage *tr, const char *lang, struct jbuf *b);
/* The path alone, as a JSON array of node ids. */
void triage_path_write(const struct triage *tr, struct jbuf *b);

/* Accessors used when a contact is finished. */
int triage_at_result(const struct triage *tr);
const char *triage_result_category(const struct triage *tr); /* NULL unless at a result */
const char *triage_result_destination(const struct triage *tr);
json_t *triage_facts(const struct triage *tr); /* borrowed */
json_t *triage_path(const struct triage *tr);  /* new reference: array of node ids */
const struct rules_tree *triage_tree(const struct triage *tr);

#endif
