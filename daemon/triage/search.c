/* search.c - ranked full-text search over the rule trees, on SQLite FTS5.
 *
 * The index is an in-memory database built from a loaded rulebook: one
 * document per node and language (question texts, help, option labels,
 * advice, bring) and one per destination (name and mandate), in one FTS5
 * table per country. A search looks in every language of the tree, so an
 * agent who types English in a Norwegian session still finds the node, but
 * hits in the session's language rank higher. The texts are copied in: the
 * index needs no reference on the rulebook. The tokenizer and the ranking
 * functions are in search_fts.c. */
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "rules_internal.h"
#include "search_internal.h"

#define SEARCH_MAX_TERMS 12
#define SEARCH_PREFIX_MIN 4   /* a shorter word as a prefix would match almost anything */
#define SEARCH_STEM_MIN 5     /* characters a word keeps when an ending is cut off */
#define SEARCH_LEAD_BYTES 160 /* a snippet cut from the start of a text */
#define SEARCH_SNIPPET_TOKENS "16"
#define SEARCH_CANDIDATES 30 /* ranked by the words, then re-ranked by facts */

/* bm25 weights of the columns (search_internal.h): head, body, extra, ctx. */
#define SEARCH_WEIGHTS "3.0, 1.0, 0.5, 1.0"

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

/* --- building the index ---------------------------------------------------- */

/* What is shown of each document; its words are in fts_<country>, under
 * the same rowid. */
static const char search_schema[] =
	"CREATE TABLE doc(id INTEGER PRIMARY KEY, entity INTEGER NOT NULL, kind TEXT NOT NULL,"
	" lang TEXT NOT NULL, node TEXT, destination TEXT, citizen INTEGER NOT NULL,"
	" title TEXT NOT NULL, lead TEXT NOT NULL);"
	"CREATE INDEX doc_entity ON doc(entity, lang);";

/* One document as it goes in: what is shown and what is searched. */
struct search_doc {
	sqlite3_int64 entity; /* a node or destination; its languages share it */
	const char *kind, *lang, *node, *destination;
	int citizen;
	const char *title, *lead;
	const char *head, *body, *extra, *ctx;
};

struct search_builder {
	struct search_index *ix;
	sqlite3_stmt *doc, *fts; /* fts: the insert into the current tree's table */
	sqlite3_int64 entity;
	char *err;
	size_t errlen;
};

static int search_fail(struct search_builder *b, const char *what)
{
	snprintf(b->err, b->errlen, "search index: %s: %s", what, sqlite3_errmsg(b->ix->db));
	return -1;
}

static const char *search_text(json_t *texts, const char *lang)
{
	const char *s = json_string_value(json_object_get(texts, lang));

	return s ? s : "";
}

static int search_insert(struct search_builder *b, const struct search_doc *d)
{
	sqlite3_stmt *st = b->doc;
	int rc;

	sqlite3_bind_int64(st, 1, d->entity);
	sqlite3_bind_text(st, 2, d->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->node, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->destination, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, d->citizen);
	sqlite3_bind_text(st, 7, d->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, d->lead, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return search_fail(b, "insert");
	st = b->fts;
	sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(b->ix->db));
	sqlite3_bind_text(st, 2, d->head, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->extra, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->ctx, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return search_fail(b, "insert");
	b->ix->docs++;
	return 0;
}

/* The labels the caller hears for the facts that decide result n, " · "
 * between: a result for BankID is found by "bankid" even when its own texts
 * say "the app". */
static void search_context(sqlite3_str *s, const struct rules_tree *t, const struct rules_node *n,
			   const char *lang)
{
	for (size_t i = 0; i < n->nwhen; i++) {
		const struct rules_node *q = &t->nodes[t->question_of[n->when[i].fact]];

		for (size_t o = 0; o < q->noptions; o++)
			if (o != q->unknown_option &&
			    (n->when[i].values & (UINT64_C(1) << q->options[o].vindex))) {
				if (sqlite3_str_length(s))
					sqlite3_str_appendall(s, " · ");
				sqlite3_str_appendall(s, search_text(q->options[o].label, lang));
			}
	}
}

/* The start of a text, cut at a word, for an item whose match was in
 * another language or only in its title. */
static void search_lead(sqlite3_str *s, const char *text)
{
	size_t n = strlen(text), cut;

	if (n <= SEARCH_LEAD_BYTES) {
		sqlite3_str_appendall(s, text);
		return;
	}
	for (cut = SEARCH_LEAD_BYTES; cut > 0 && text[cut] != ' '; cut--)
		;
	if (!cut) /* one very long word: cut on a UTF-8 character boundary */
		for (cut = SEARCH_LEAD_BYTES; cut > 0 && (text[cut] & 0xc0) == 0x80; cut--)
			;
	sqlite3_str_append(s, text, (int)cut);
	sqlite3_str_appendall(s, " …");
}

/* Five strings built per document; finished and freed together. */
enum { SB_TITLE, SB_LEAD, SB_HEAD, SB_BODY, SB_EXTRA, SB_CTX, SB_N };

static int search_add_node(struct search_builder *b, const struct rules_tree *t, size_t n,
			   const char *lang)
{
	const struct rules_node *node = &t->nodes[n];
	sqlite3_str *s[SB_N];
	char *v[SB_N];
	struct search_doc d = { .entity = b->entity,
				.kind = node->is_question ? "question" : "result",
				.lang = lang,
				.node = node->id,
				.destination = node->is_question ? NULL : node->destination,
				.citizen = node->citizen };
	int rc = -1, i;

	for (i = 0; i < SB_N; i++)
		s[i] = sqlite3_str_new(b->ix->db);
	if (node->is_question) {
		sqlite3_str_appendall(s[SB_TITLE], search_text(node->text, lang));
		sqlite3_str_appendall(s[SB_HEAD], search_text(node->text, lang));
		sqlite3_str_appendall(s[SB_BODY], search_text(node->help, lang));
		for (size_t o = 0; o < node->noptions; o++)
			sqlite3_str_appendf(s[SB_EXTRA], "%s%s", o ? " · " : "",
					    search_text(node->options[o].label, lang));
		search_lead(s[SB_LEAD], node->help ? search_text(node->help, lang)
					: sqlite3_str_length(s[SB_EXTRA])
						? sqlite3_str_value(s[SB_EXTRA])
						: "");
	} else {
		sqlite3_str_appendall(s[SB_TITLE], search_text(node->title, lang));
		sqlite3_str_appendall(s[SB_HEAD], search_text(node->title, lang));
		/* Both voices: an agent may search with the citizen's words. */
		sqlite3_str_appendf(s[SB_BODY], "%s · %s", search_text(node->advice_agent, lang),
				    search_text(node->advice_citizen, lang));
		sqlite3_str_appendall(s[SB_EXTRA], search_text(node->bring, lang));
		search_context(s[SB_CTX], t, node, lang);
		search_lead(s[SB_LEAD], search_text(node->advice_citizen, lang));
	}
	for (i = 0; i < SB_N; i++)
		if (sqlite3_str_errcode(s[i]))
			break;
	if (i == SB_N) {
		for (i = 0; i < SB_N; i++)
			v[i] = sqlite3_str_value(s[i]);
		d.title = v[SB_TITLE] ? v[SB_TITLE] : "";
		d.lead = v[SB_LEAD] ? v[SB_LEAD] : "";
		d.head = v[SB_HEAD];
		d.body = v[SB_BODY];
		d.extra = v[SB_EXTRA];
		d.ctx = v[SB_CTX];
		rc = search_insert(b, &d);
	} else {
		snprintf(b->err, b->errlen, "search index: out of memory");
	}
	for (i = 0; i < SB_N; i++)
		sqlite3_free(sqlite3_str_finish(s[i]));
	return rc;
}

static int search_add_tree(struct search_builder *b, const struct rules_tree *t)
{
	int rc = 0;

	for (size_t n = 0; n < t->nnodes && !rc; n++, b->entity++)
		for (size_t l = 0; l < json_array_size(t->langs) && !rc; l++)
			rc = search_add_node(b, t, n,
					     json_string_value(json_array_get(t->langs, l)));
	return rc;
}

/* A destination, one document per language of its tree: "idporten" finds
 * it by its id too, which is how agents say it. */
static int search_add_destinations(struct search_builder *b, const struct rules_tree *t,
				   json_t *dests)
{
	const char *id;
	json_t *dest;

	json_object_foreach(dests, id, dest) {
		for (size_t l = 0; l < t->nlangs; l++, (void)dest) {
			const char *lang = json_string_value(json_array_get(t->langs, l));
			json_t *loc = rules_destination_localized(t->rb, id, lang);
			const char *name = json_string_value(json_object_get(loc, "name"));
			const char *mandate = json_string_value(json_object_get(loc, "mandate"));
			char *head = sqlite3_mprintf("%s · %s", name ? name : "", id);
			sqlite3_str *lead = sqlite3_str_new(b->ix->db);
			struct search_doc d = { .entity = b->entity,
						.kind = "destination",
						.lang = lang,
						.destination = id,
						.citizen = 1,
						.title = name ? name : id,
						.head = head,
						.body = mandate ? mandate : "" };
			int rc;

			search_lead(lead, d.body);
			d.lead = sqlite3_str_value(lead) ? sqlite3_str_value(lead) : "";
			rc = head && loc ? search_insert(b, &d) : -1;
			if (!head || !loc)
				snprintf(b->err, b->errlen, "search index: out of memory");
			sqlite3_free(head);
			sqlite3_free(sqlite3_str_finish(lead));
			json_decref(loc);
			if (rc)
				return -1;
		}
		b->entity++;
	}
	return 0;
}

/* The table of one country, its statements, and its documents. */
static int search_add_country(struct search_builder *b, struct search_country *sc,
			      const struct rules_tree *t, json_t *dests)
{
	sqlite3 *db = b->ix->db;
	char *sql;
	int rc;

	snprintf(sc->name, sizeof(sc->name), "%s", t->country);
	sql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"fts_%w\" USING fts5(head, body, extra, ctx,"
			      " tokenize = 'vvfold remove_diacritics 0')",
			      sc->name);
	rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return search_fail(b, "this SQLite has no FTS5");
	sql = sqlite3_mprintf("INSERT INTO \"fts_%w\"(rowid, head, body, extra, ctx)"
			      " VALUES (?1, ?2, ?3, ?4, ?5)",
			      sc->name);
	rc = sql ? sqlite3_prepare_v2(db, sql, -1, &b->fts, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return search_fail(b, "prepare");
	rc = search_add_tree(b, t) || search_add_destinations(b, t, dests);
	sqlite3_finalize(b->fts);
	b->fts = NULL;
	if (rc)
		return -1;

	/* Auxiliary functions only work on the FTS5 scan itself, so the
	 * documents are scored first and grouped by entity after. First come
	 * the entities whose text in the requested language has more of the
	 * (rarer) words; for a destination, whose one text is mostly English,
	 * only its name counts as being in the language. So a prefix that
	 * happens to match an English word ("mor" → "more") does not beat the
	 * Danish text. Then the words found in any language, so that an English
	 * query in a Norwegian session still finds the node; then bm25, of the
	 * text in the requested language if that matched at all. */
	sql = sqlite3_mprintf(
		"WITH hit AS MATERIALIZED (SELECT rowid AS id, vv_cover(\"fts_%w\") AS cover,"
		" vv_cover(\"fts_%w\", 1) AS named, bm25(\"fts_%w\", " SEARCH_WEIGHTS ") AS score"
		" FROM \"fts_%w\" WHERE \"fts_%w\" MATCH ?1)"
		" SELECT d.entity,"
		" max(CASE d.lang WHEN ?2 THEN hit.cover WHEN '' THEN hit.named ELSE 0 END) AS own,"
		" max(hit.cover) AS cover,"
		" min(CASE WHEN d.lang IN (?2, '') THEN hit.score END) AS own_score,"
		" min(hit.score) AS any_score"
		" FROM hit JOIN doc AS d ON d.id = hit.id WHERE d.citizen >= ?3"
		" GROUP BY d.entity ORDER BY own DESC, cover DESC,"
		" CASE WHEN own > 0 THEN own_score ELSE any_score END, d.entity"
		" LIMIT ?4",
		sc->name, sc->name, sc->name, sc->name, sc->name);
	rc = sql ? sqlite3_prepare_v2(db, sql, -1, &sc->rank, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return search_fail(b, "prepare");
	/* "+rowid": test each match, not one MATCH per id. */
	sql = sqlite3_mprintf("SELECT rowid, snippet(\"fts_%w\", vv_hitcol(\"fts_%w\"), '', '',"
			      " '…', " SEARCH_SNIPPET_TOKENS ") FROM \"fts_%w\""
			      " WHERE \"fts_%w\" MATCH ?1"
			      " AND +rowid IN (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			      sc->name, sc->name, sc->name, sc->name);
	rc = sql ? sqlite3_prepare_v2(db, sql, -1, &sc->snippet, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	if (rc != SQLITE_OK)
		return search_fail(b, "prepare");
	/* Merge the index into one b-tree: queries then read one segment. */
	sql = sqlite3_mprintf("INSERT INTO \"fts_%w\"(\"fts_%w\") VALUES ('optimize')", sc->name,
			      sc->name);
	rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
	sqlite3_free(sql);
	return rc == SQLITE_OK ? 0 : search_fail(b, "optimize");
}

struct search_index *search_build(const struct rulebook *rb, char *err, size_t errlen)
{
	struct search_index *ix = calloc(1, sizeof(*ix));
	struct search_builder b = { .ix = ix, .err = err, .errlen = errlen };

	if (!ix) {
		snprintf(err, errlen, "search index: out of memory");
		return NULL;
	}
	/* Only the service thread uses this connection: no mutexes needed. */
	if (sqlite3_open_v2(":memory:", &ix->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		search_fail(&b, "open");
		goto fail;
	}
	if (search_fts_register(ix->db)) {
		search_fail(&b, "this SQLite has no FTS5");
		goto fail;
	}
	if (sqlite3_exec(ix->db, search_schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ix->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		search_fail(&b, "schema");
		goto fail;
	}
	if (sqlite3_prepare_v2(ix->db,
			       "INSERT INTO doc(entity, kind, lang, node, destination, citizen,"
			       " title, lead) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			       -1, &b.doc, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db,
			       "SELECT id, kind, node, destination, title, lead FROM doc"
			       " WHERE entity = ?1 AND lang IN (?2, '')",
			       -1, &ix->item, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db,
			       "SELECT entity FROM doc WHERE node = ?1 AND kind = 'result'"
			       " AND destination LIKE ?2 LIMIT 1",
			       -1, &ix->by_node, NULL) != SQLITE_OK) {
		search_fail(&b, "prepare");
		goto fail;
	}
	for (int c = 0; c < RULES_NCOUNTRIES; c++)
		if (rb->trees[c] &&
		    search_add_country(&b, &ix->countries[c], rb->trees[c], rb->destinations[c]))
			goto fail;
	if (sqlite3_exec(ix->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		search_fail(&b, "commit");
		goto fail;
	}
	sqlite3_finalize(b.doc);
	return ix;
fail:
	sqlite3_finalize(b.doc);
	search_free(ix);
	return NULL;
}

void search_free(struct search_index *ix)
{
	if (!ix)
		return;
	for (int c = 0; c < RULES_NCOUNTRIES; c++) {
		sqlite3_finalize(ix->countries[c].rank);
		sqlite3_finalize(ix->countries[c].snippet);
	}
	sqlite3_finalize(ix->item);
	sqlite3_finalize(ix->by_node);
	sqlite3_close(ix->db);
	free(ix);
}

size_t search_count(const struct search_index *ix)
{
	return ix ? ix->docs : 0;
}

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
	if (n >= size)
		n = size - 1;
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
	char words[SEARCH_MAX_TERMS][SEARCH_MAX_QUERY + 1];
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

/* How well the facts fit a result item: -1 when they rule it out, else how
 * many of its conditions they meet. Questions and destinations: 0. */
static int search_fit(const struct search_request *req, const json_t *item)
{
	const char *node = json_string_value(json_object_get(item, "node"));
	size_t n;

	if (!req->tree || !req->facts || !node ||
	    strcmp(json_string_value(json_object_get(item, "kind")), "result") ||
	    (n = rules_node_index(req->tree, node)) == RULES_NO_NODE)
		return 0;
	return rules_result_fit(req->tree, &req->tree->nodes[n], req->facts);
}

/* Results the known facts decide first, those they rule out last; the text's
 * order otherwise. Insertion sort: a few dozen items. */
static void search_by_facts(const struct search_request *req, json_t *items, sqlite3_int64 *docs)
{
	size_t n = json_array_size(items);
	int fit[SEARCH_CANDIDATES];

	for (size_t i = 0; i < n; i++)
		fit[i] = search_fit(req, json_array_get(items, i));
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && fit[j] > fit[j - 1]; j--) {
			json_t *a = json_incref(json_array_get(items, j - 1));
			int f = fit[j];
			sqlite3_int64 d = docs[j];

			json_array_set(items, j - 1, json_array_get(items, j));
			json_array_set_new(items, j, a);
			fit[j] = fit[j - 1];
			fit[j - 1] = f;
			docs[j] = docs[j - 1];
			docs[j - 1] = d;
		}
}

/* The result the facts decide on their own goes first, fetched if the words
 * did not find it: a sentence whose facts name a result finds that result. */
static void search_put_first(struct search_index *ix, const struct search_request *req,
			     const char *country, json_t *items, sqlite3_int64 *docs)
{
	size_t n = json_array_size(items), at = n;
	const struct rules_node *best;
	sqlite3_int64 doc;
	json_t *item = NULL;
	char like[16];

	if (!req->tree || !req->facts)
		return;
	best = &req->tree->nodes[triage_best_match(req->tree, req->facts, req->citizen)];
	if (best == &req->tree->nodes[req->tree->fallback])
		return;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(items, i), "node"))
				    ?: "",
			    best->id))
			at = i;
	if (at == n) {
		snprintf(like, sizeof(like), "%.2s.%%", country);
		sqlite3_bind_text(ix->by_node, 1, best->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ix->by_node, 2, like, -1, SQLITE_STATIC);
		if (sqlite3_step(ix->by_node) == SQLITE_ROW)
			item = search_item(ix, sqlite3_column_int64(ix->by_node, 0), req->lang,
					   &doc);
		sqlite3_reset(ix->by_node);
		if (!item)
			return;
		if (n == SEARCH_CANDIDATES)
			json_array_remove(items, --n);
		json_array_append_new(items, item);
		docs[n] = doc;
		at = n;
	}
	item = json_incref(json_array_get(items, at));
	doc = docs[at];
	json_array_remove(items, at);
	json_array_insert_new(items, 0, item);
	memmove(docs + 1, docs, at * sizeof(*docs));
	docs[0] = doc;
}

enum search_status search_run(struct search_index *ix, const struct search_request *req,
			      json_t **items, char *err, size_t errlen)
{
	char expr[4 * SEARCH_MAX_QUERY + 16 * SEARCH_MAX_TERMS];
	sqlite3_int64 docs[SEARCH_CANDIDATES];
	size_t limit = req->limit < SEARCH_MAX_ITEMS ? req->limit : SEARCH_MAX_ITEMS;
	struct search_country *sc = NULL;
	sqlite3_stmt *st;
	json_t *out;
	int rc;

	*items = NULL;
	if (!req->q || !req->q[strspn(req->q, " \t\r\n\f\v")]) {
		snprintf(err, errlen, "\"q\" is empty");
		return SEARCH_BAD_QUERY;
	}
	if (strlen(req->q) > SEARCH_MAX_QUERY) {
		snprintf(err, errlen, "\"q\" is longer than %d bytes", SEARCH_MAX_QUERY);
		return SEARCH_BAD_QUERY;
	}
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
	st = sc->rank;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, req->citizen ? 1 : 0);
	/* More than asked for, so facts can lift a result the words rank lower. */
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(req->facts ? SEARCH_CANDIDATES : limit));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *item = search_item(ix, sqlite3_column_int64(st, 0), req->lang,
					   &docs[json_array_size(out)]);

		if (item)
			json_array_append_new(out, item);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (req->facts) {
		search_by_facts(req, out, docs);
		search_put_first(ix, req, sc->name, out, docs);
		while (json_array_size(out) > limit)
			json_array_remove(out, json_array_size(out) - 1);
	}
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
