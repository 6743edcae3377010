/* search.c - ranked full-text search over the rule trees, on SQLite FTS5.
 *
 * The index is an in-memory database built from a loaded rulebook: one
 * document per node and language (question texts, help, option labels,
 * advice, bring) and one per destination (name and mandate), in one FTS5
 * table per country. A search looks in every language of the tree, so an
 * agent who types English in a Norwegian session still finds the node, but
 * hits in the session's language rank higher. Building the index is in
 * search_build.c; the tokenizer and the ranking functions in search_fts.c. */
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "search_internal.h"

/* Words of q used: enough for a caller's whole sentence, whose deciding
 * words often come late (docs/performance.md, session 12: fewer found the
 * right place less often, more found it no more often). */
#define SEARCH_MAX_TERMS 48
#define SEARCH_WORD_MAX 64   /* bytes of one word; a longer one is cut (a prefix still matches) */
#define SEARCH_PREFIX_MIN 4  /* a shorter word as a prefix would match almost anything */
#define SEARCH_STEM_MIN 5    /* characters a word keeps when an ending is cut off */
#define SEARCH_CANDIDATES 30 /* ranked by the words, then re-ranked by facts */
#define SEARCH_DISTINCT 3    /* the first items name this many different places */
#define SEARCH_FITTING 3     /* results the facts fit best, added to the candidates */
#define SEARCH_FIT_MIN 1     /* conditions met to count as fitting */

/* --- querying ---------------------------------------------------------------- */

/* Words that say nothing about what a caller needs, in nb, nn, da and en.
 * They are dropped unless the query has nothing else: as prefixes they
 * would match half of every text ("min" → "MinID"). */
static const char *const search_stopwords[] = {
	"og",  "i",   "på",   "pa",   "til",  "for",     "med",     "av",   "af",   "en",
	"ei",  "et",  "eit",  "er",   "min",  "mi",      "mitt",    "mit",  "mine", "meg",
	"mig", "jeg", "eg",   "du",   "deg",  "dig",     "han",     "hun",  "ho",   "det",
	"den", "de",  "som",  "å",    "at",   "om",      "har",     "kan",  "vil",  "skal",
	"fra", "frå", "hva",  "kva",  "hvad", "hvordan", "korleis", "sin",  "sitt", "sit",
	"hos", "ved", "mot",  "mod",  "the",  "a",       "an",      "and",  "or",   "of",
	"to",  "in",  "on",   "with", "my",   "me",      "is",      "are",  "how",  "what",
	"do",  "can", "from", "by",   "your", "it",      "this",    "that", NULL
};

static int search_is_stopword(const char *w)
{
	for (size_t i = 0; search_stopwords[i]; i++)
		if (!strcmp(w, search_stopwords[i]))
			return 1;
	return 0;
}

static int search_is_wordbyte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* One word of q, lower-cased (ASCII and Latin-1 capitals such as ÆØÅ) and
 * without punctuation at its ends ("mor?" → "mor"). Empty if nothing is
 * left. Punctuation inside stays: the tokenizer splits "BID-1439" into a
 * phrase. */
static size_t search_word(const char *p, size_t n, char *out, size_t size)
{
	size_t len = 0;

	while (n && !search_is_wordbyte((unsigned char)*p))
		p++, n--;
	while (n && !search_is_wordbyte((unsigned char)p[n - 1]))
		n--;
	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--; /* not in the middle of a character */
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (i > 0 && (unsigned char)p[i - 1] == 0xc3 && c >= 0x80 && c <= 0x9e &&
			 c != 0x97)
			c += 0x20; /* U+00C0..U+00DE, except ×, to lower case */
		out[len++] = (char)c;
	}
	out[len] = '\0';
	return len;
}

static size_t search_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Cut a definite or plural ending off a word that is long enough, so that
 * its prefix also finds the other forms: "passordet" → "passord" finds
 * "passord", "kodebrikken" → "kodebrikk" finds "kodebrikke", "dødsboet"
 * finds "dødsbo". A light stemmer for nb, nn, da and en; since the stem is
 * a prefix of the word, nothing the word itself would find is lost. Verb
 * endings stay: "reservere" as a prefix already finds "reserverer", and
 * cut shorter it would find every "reservasjon…" too. */
static void search_stem(char *w)
{
	static const char *const suffixes[] = { "ene", "ane", "er", "en", "et", "s", NULL };
	size_t len = strlen(w), chars = search_utf8_chars(w);

	for (size_t i = 0; suffixes[i]; i++) {
		size_t n = strlen(suffixes[i]);

		if (len > n && chars - n >= SEARCH_STEM_MIN && !strcmp(w + len - n, suffixes[i]) &&
		    search_is_wordbyte((unsigned char)w[len - n - 1])) {
			w[len - n] = '\0';
			return;
		}
	}
}

/* The MATCH expression for q. Every word becomes a quoted FTS5 string (with
 * '"' doubled), so nothing a user types is FTS5 syntax: NEAR(, *, -, ^ and
 * column filters are just text. Words of SEARCH_PREFIX_MIN characters or
 * more match as prefixes ("kodebrik" → "kodebrikke"). The words are OR'd so
 * that one word not in any text does not hide the rest; vv_cover ranks the
 * documents with more of them first. Returns the number of words used. */
static size_t search_expr(const char *q, char *out, size_t size)
{
	char words[SEARCH_MAX_TERMS][SEARCH_WORD_MAX + 1];
	int stop[SEARCH_MAX_TERMS];
	size_t nwords = 0, len = 0, used = 0, content = 0;
	const char *p = q;

	while (*p && nwords < SEARCH_MAX_TERMS) {
		size_t n;

		p += strspn(p, " \t\r\n\f\v");
		n = strcspn(p, " \t\r\n\f\v");
		if (n && search_word(p, n, words[nwords], sizeof(words[0]))) {
			stop[nwords] = search_is_stopword(words[nwords]);
			content += !stop[nwords];
			nwords++;
		}
		p += n;
	}
	out[0] = '\0';
	for (size_t i = 0; i < nwords; i++) {
		int prefix = search_utf8_chars(words[i]) >= SEARCH_PREFIX_MIN;

		if (content && stop[i])
			continue;
		if (prefix)
			search_stem(words[i]);
		len += (size_t)snprintf(out + len, size - len, "%s\"", used ? " OR " : "");
		for (const char *c = words[i]; *c && len + 2 < size; c++) {
			if (*c == '"')
				out[len++] = '"';
			out[len++] = *c;
		}
		len += (size_t)snprintf(out + len, size - len, "\"%s", prefix ? "*" : "");
		used++;
	}
	return used;
}

/* The item for one ranked entity, texts in lang, and in *doc the document
 * those texts are in; NULL if it has none. Its snippet is the start of the
 * text until search_snippets finds where it matched. */
static json_t *search_item(struct search_index *ix, sqlite3_int64 entity, const char *lang,
			   sqlite3_int64 *doc)
{
	sqlite3_stmt *st = ix->item;
	json_t *item = NULL;

	sqlite3_bind_int64(st, 1, entity);
	sqlite3_bind_text(st, 2, lang, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	*doc = sqlite3_column_int64(st, 0);
	item = json_object();
	json_object_set_new(item, "kind", json_string((const char *)sqlite3_column_text(st, 1)));
	if (sqlite3_column_type(st, 2) != SQLITE_NULL)
		json_object_set_new(item, "node",
				    json_string((const char *)sqlite3_column_text(st, 2)));
	if (sqlite3_column_type(st, 3) != SQLITE_NULL)
		json_object_set_new(item, "destination",
				    json_string((const char *)sqlite3_column_text(st, 3)));
	json_object_set_new(item, "title", json_string((const char *)sqlite3_column_text(st, 4)));
	json_object_set_new(item, "snippet", json_string((const char *)sqlite3_column_text(st, 5)));
out:
	sqlite3_reset(st);
	return item;
}

/* Where each item's document matched, in one pass over the matches: a MATCH
 * per item would expand every prefix again, ten times over. Documents that
 * did not match (the hit was in another language) keep the start of their
 * text. */
static int search_snippets(struct search_country *sc, const char *expr, json_t *items,
			   const sqlite3_int64 *docs)
{
	sqlite3_stmt *st = sc->snippet;
	size_t n = json_array_size(items);
	int rc;

	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	for (size_t i = 0; i < SEARCH_MAX_ITEMS; i++) {
		if (i < n)
			sqlite3_bind_int64(st, (int)i + 2, docs[i]);
		else
			sqlite3_bind_null(st, (int)i + 2);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 doc = sqlite3_column_int64(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 1);

		for (size_t i = 0; i < n && text && *text; i++)
			if (docs[i] == doc)
				json_object_set_new(json_array_get(items, i), "snippet",
						    json_string(text));
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The facts that say who is calling rather than what about: a result that
 * names the caller's relation fits them, but the words "my mother" say
 * nothing about where the problem belongs, so such a match does not lift a
 * result above one the problem's own facts fit (a contradiction still
 * rules it out). A bit per fact index of t. */
static uint64_t search_who_facts(const struct rules_tree *t)
{
	static const char *const who[] = { "on_behalf", "relation", "age_band" };
	uint64_t mask = 0;

	for (size_t i = 0; i < sizeof(who) / sizeof(*who); i++) {
		int f = rules_fact_index(t->rb, who[i]);

		if (f >= 0)
			mask |= UINT64_C(1) << f;
	}
	return mask;
}

/* How well the facts fit a result item (rules_result_fit). Questions and
 * destinations: 0. */
static int search_fit(const struct search_request *req, const json_t *item, uint64_t who)
{
	const char *node = json_string_value(json_object_get(item, "node"));
	size_t n;

	if (!req->tree || !req->facts || !node ||
	    strcmp(json_string_value(json_object_get(item, "kind")), "result") ||
	    (n = rules_node_index(req->tree, node)) == RULES_NO_NODE)
		return 0;
	return rules_result_fit(req->tree, &req->tree->nodes[n], req->facts, who);
}

/* Move the item at from to to (to <= from), its document row with it. */
static void search_move(json_t *items, sqlite3_int64 *docs, size_t from, size_t to)
{
	json_t *item = json_incref(json_array_get(items, from));
	sqlite3_int64 doc = docs[from];

	json_array_remove(items, from);
	json_array_insert_new(items, to, item);
	memmove(docs + to + 1, docs + to, (from - to) * sizeof(*docs));
	docs[to] = doc;
}

/* Results the known facts decide first, those they rule out last; the text's
 * order otherwise. Insertion sort: a few dozen items. */
static void search_by_facts(const struct search_request *req, json_t *items, sqlite3_int64 *docs,
			    uint64_t who)
{
	size_t n = json_array_size(items);
	int fit[SEARCH_CANDIDATES];

	for (size_t i = 0; i < n; i++)
		fit[i] = search_fit(req, json_array_get(items, i), who);
	for (size_t i = 1; i < n; i++) {
		size_t j = i;
		int f = fit[i];

		while (j > 0 && f > fit[j - 1]) {
			fit[j] = fit[j - 1];
			j--;
		}
		fit[j] = f;
		search_move(items, docs, i, j);
	}
}

/* Whether the item at i names a place (a destination) that none of the
 * first `before` items names. Questions name no place. */
static int search_new_place(const json_t *items, size_t i, size_t before)
{
	const char *place =
		json_string_value(json_object_get(json_array_get(items, i), "destination"));

	if (!place)
		return 0;
	for (size_t k = 0; k < before; k++)
		if (!strcmp(place, json_string_value(
					   json_object_get(json_array_get(items, k), "destination"))
					   ?: ""))
			return 0;
	return 1;
}

/* The first SEARCH_DISTINCT items name different places where the list has
 * them: the question a search answers is "where", and three results that all
 * send the caller to one place hide the other places a vague sentence may
 * mean. Where an item repeats a place, or is a question (which names none),
 * the next item with a new place moves up before it; the order is otherwise
 * kept, and nothing is dropped. The first item stays whatever it is: a
 * question the words rank first is what they ask about. */
static void search_diversify(json_t *items, sqlite3_int64 *docs)
{
	size_t n = json_array_size(items);

	for (size_t i = 1; i < SEARCH_DISTINCT && i < n; i++) {
		size_t next = i;

		if (search_new_place(items, i, i))
			continue;
		while (next < n && !search_new_place(items, next, i))
			next++;
		if (next == n)
			return;
		search_move(items, docs, next, i);
	}
}

/* Where result id is among the items; fetched and appended (in place of the
 * last candidate when the list is full) if the words did not find it. The
 * list's size when it cannot be fetched. */
static size_t search_fetch(struct search_index *ix, const struct search_request *req,
			   const char *country, const char *id, json_t *items, sqlite3_int64 *docs)
{
	size_t n = json_array_size(items);
	sqlite3_int64 doc;
	json_t *item = NULL;
	char like[16];

	for (size_t i = 0; i < n; i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(items, i), "node"))
				    ?: "",
			    id))
			return i;
	snprintf(like, sizeof(like), "%.2s.%%", country);
	sqlite3_bind_text(ix->by_node, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->by_node, 2, like, -1, SQLITE_STATIC);
	if (sqlite3_step(ix->by_node) == SQLITE_ROW)
		item = search_item(ix, sqlite3_column_int64(ix->by_node, 0), req->lang, &doc);
	sqlite3_reset(ix->by_node);
	if (!item)
		return n;
	if (n == SEARCH_CANDIDATES)
		json_array_remove(items, --n);
	json_array_append_new(items, item);
	docs[n] = doc;
	return n;
}

/* The results the facts fit best (most conditions met, at least
 * SEARCH_FIT_MIN; the higher priority first among equals) join the
 * candidates if the words missed them: "Datteren min har bare MinID og skal
 * signere avtalen om stipend" names student finance, and Lånekassen's
 * answers must be in the running even when their texts share few words
 * with the sentence. search_by_facts then ranks them. */
static void search_add_fitting(struct search_index *ix, const struct search_request *req,
			       const char *country, json_t *items, sqlite3_int64 *docs,
			       uint64_t who)
{
	const struct rules_tree *t = req->tree;
	size_t pick[SEARCH_FITTING], npick = 0;
	int fit[SEARCH_FITTING];

	for (size_t r = t->questions; r < t->nnodes; r++) {
		const struct rules_node *n = &t->nodes[r];
		int f = (req->citizen && !n->citizen) ? -1
						      : rules_result_fit(t, n, req->facts, who);
		size_t at = npick;

		if (f < SEARCH_FIT_MIN)
			continue;
		while (at > 0 &&
		       (f > fit[at - 1] ||
			(f == fit[at - 1] && n->priority > t->nodes[pick[at - 1]].priority)))
			at--;
		if (at == SEARCH_FITTING)
			continue;
		if (npick < SEARCH_FITTING)
			npick++;
		memmove(pick + at + 1, pick + at, (npick - 1 - at) * sizeof(*pick));
		memmove(fit + at + 1, fit + at, (npick - 1 - at) * sizeof(*fit));
		pick[at] = r;
		fit[at] = f;
	}
	for (size_t i = 0; i < npick; i++)
		search_fetch(ix, req, country, t->nodes[pick[i]].id, items, docs);
}

/* The result the facts decide on their own goes first, fetched if the words
 * did not find it: a sentence whose facts name a result finds that result. */
static void search_put_first(struct search_index *ix, const struct search_request *req,
			     const char *country, json_t *items, sqlite3_int64 *docs)
{
	size_t best = triage_best_match(req->tree, req->facts, req->citizen), at;

	if (best == req->tree->fallback)
		return;
	at = search_fetch(ix, req, country, req->tree->nodes[best].id, items, docs);
	if (at < json_array_size(items))
		search_move(items, docs, at, 0);
}

/* Step 1: a query there is something to search for. -1 with err set. */
static int search_run_check(const struct search_request *req, char *err, size_t errlen)
{
	if (!req->q || !req->q[strspn(req->q, " \t\r\n\f\v")]) {
		snprintf(err, errlen, "\"q\" is empty");
		return -1;
	}
	if (strlen(req->q) > SEARCH_MAX_QUERY) {
		snprintf(err, errlen, "\"q\" is longer than %d bytes", SEARCH_MAX_QUERY);
		return -1;
	}
	return 0;
}

/* Step 2: the results the words rank best in sc's tree, appended to out
 * with their rows in docs. SQLITE_DONE, or the error. */
static int search_run_rank(struct search_index *ix, struct search_country *sc,
			   const struct search_request *req, const char *expr, json_t *out,
			   sqlite3_int64 *docs)
{
	sqlite3_stmt *st = sc->rank;
	int rc;

	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, req->citizen ? 1 : 0);
	/* More than asked for, so that facts can lift a result the words rank
	 * lower and the first items can name different places. */
	sqlite3_bind_int64(st, 4, SEARCH_CANDIDATES);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *item = search_item(ix, sqlite3_column_int64(st, 0), req->lang,
					   &docs[json_array_size(out)]);

		if (item)
			json_array_append_new(out, item);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

enum search_status search_run(struct search_index *ix, const struct search_request *req,
			      json_t **items, char *err, size_t errlen)
{
	char expr[4 * SEARCH_MAX_QUERY + 16 * SEARCH_MAX_TERMS];
	sqlite3_int64 docs[SEARCH_CANDIDATES];
	size_t limit = req->limit < SEARCH_MAX_ITEMS ? req->limit : SEARCH_MAX_ITEMS;
	struct search_country *sc = NULL;
	json_t *out;
	int rc;

	*items = NULL;
	if (search_run_check(req, err, errlen))
		return SEARCH_BAD_QUERY;
	for (int c = 0; c < RULES_NCOUNTRIES; c++)
		if (req->country && *ix->countries[c].name &&
		    !strcmp(ix->countries[c].name, req->country))
			sc = &ix->countries[c];
	out = json_array();
	/* No such tree, nothing but punctuation, or no room: nothing to find. */
	if (!sc || !search_expr(req->q, expr, sizeof(expr)) || !limit) {
		*items = out;
		return SEARCH_OK;
	}
	rc = search_run_rank(ix, sc, req, expr, out, docs);
	if (req->facts && req->tree) {
		uint64_t who = search_who_facts(req->tree);

		search_add_fitting(ix, req, sc->name, out, docs, who);
		search_by_facts(req, out, docs, who);
		search_put_first(ix, req, sc->name, out, docs);
	}
	search_diversify(out, docs);
	while (json_array_size(out) > limit)
		json_array_remove(out, json_array_size(out) - 1);
	if (rc == SQLITE_DONE && search_snippets(sc, expr, out, docs))
		rc = SQLITE_ERROR;
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "search failed: %s", sqlite3_errmsg(ix->db));
		json_decref(out);
		return SEARCH_FAILED;
	}
	*items = out;
	return SEARCH_OK;
}
