/* search_build.c - building the search index (search.h) from a rulebook.
 *
 * The index is an in-memory database: one document per node and language
 * (question texts, help, option labels, advice, bring) and one per
 * destination (name and mandate), in one FTS5 table per country. The texts
 * are copied in: the index needs no reference on the rulebook. */
#include "search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "search_internal.h"

#define SEARCH_LEAD_BYTES 160 /* a snippet cut from the start of a text */
#define SEARCH_SNIPPET_TOKENS "16"
/* bm25 weights of the columns (search_internal.h): head, body, extra, ctx. */
#define SEARCH_WEIGHTS "3.0, 1.0, 0.5, 1.0"

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

/* Step 1: one country's table, filled with the documents of its tree and
 * destinations. */
static int search_add_country_docs(struct search_builder *b, struct search_country *sc,
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
	return rc ? -1 : 0;
}

/* Step 2: the statements a search runs on that table (search.c). */
static int search_add_country_queries(struct search_builder *b, struct search_country *sc)
{
	sqlite3 *db = b->ix->db;
	char *sql;
	int rc;

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
	return 0;
}

/* The table of one country, its statements, and its documents. */
static int search_add_country(struct search_builder *b, struct search_country *sc,
			      const struct rules_tree *t, json_t *dests)
{
	char *sql;
	int rc;

	if (search_add_country_docs(b, sc, t, dests) || search_add_country_queries(b, sc))
		return -1;
	/* Merge the index into one b-tree: queries then read one segment. */
	sql = sqlite3_mprintf("INSERT INTO \"fts_%w\"(\"fts_%w\") VALUES ('optimize')", sc->name,
			      sc->name);
	rc = sql ? sqlite3_exec(b->ix->db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
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
