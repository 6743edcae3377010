/* search_fts.c - the FTS5 pieces of the search index: a tokenizer for
 * Norwegian and Danish, and the functions that rank and cut snippets.
 *
 * Callers often type æ, ø and å as "ae", "o"/"oe" and "a"/"aa". The
 * tokenizer therefore keeps æøå as letters (unicode61 with
 * remove_diacritics 0, so "fødselsnummer" is one word and "for" is not
 * "før") and indexes an ASCII-folded twin of every word with such a letter
 * at the same position; an all-ASCII query word is matched through its
 * folded form, so "dodsbo" and "doedsbo" find "dødsbo". */
#include "search_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_TOKEN_MAX 128 /* a longer word is indexed as it is, not folded */

/* --- folding ------------------------------------------------------------ */

/* Lower-case letters (unicode61 has already folded case) and how callers
 * type them without a Nordic keyboard. */
static const struct {
	unsigned char second; /* the UTF-8 sequence is 0xc3, second */
	const char *ascii;
} search_folds[] = {
	{ 0xa6, "ae" }, /* æ */
	{ 0xb8, "o" },  /* ø */
	{ 0xa5, "a" },  /* å */
	{ 0xa4, "ae" }, /* ä */
	{ 0xb6, "o" },  /* ö */
	{ 0xbc, "u" },  /* ü */
	{ 0xa9, "e" },  /* é */
	{ 0xa8, "e" },  /* è */
};

/* The canonical ASCII form of a lower-case word: æ → ae, ø → o, å → a, and
 * then "oe" → "o" and "aa" → "a", so that "doedsbo", "dodsbo" and "dødsbo"
 * all become "dodsbo". Applied alike to texts and queries, the collapsing
 * also changes plain words ("poeng" → "pong") without harm: both sides
 * change the same way. Returns the length, or -1 if out is too small. */
static int search_fold(const char *in, int n, char *out, int size)
{
	int len = 0;

	for (int i = 0; i < n;) {
		const char *rep = NULL;
		char one[2] = { in[i], '\0' };

		if ((unsigned char)in[i] == 0xc3 && i + 1 < n) {
			for (size_t k = 0; k < sizeof(search_folds) / sizeof(search_folds[0]); k++)
				if ((unsigned char)in[i + 1] == search_folds[k].second)
					rep = search_folds[k].ascii;
		}
		i += rep ? 2 : 1;
		if (*one == '-' && !rep)
			continue; /* "e-post" is also typed "epost" */
		for (const char *c = rep ? rep : one; *c; c++) {
			if (len > 0 && ((*c == 'a' && out[len - 1] == 'a') ||
					(*c == 'e' && out[len - 1] == 'o')))
				continue;
			if (len >= size)
				return -1;
			out[len++] = *c;
		}
	}
	return len;
}

static int search_is_ascii(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* --- the tokenizer: unicode61 plus folded twins ---------------------------- */

struct search_tokenizer {
	fts5_tokenizer inner_api; /* unicode61's methods */
	Fts5Tokenizer *inner;
};

struct search_token_ctx {
	void *ctx;
	int flags; /* FTS5_TOKENIZE_* */
	int (*emit)(void *ctx, int tflags, const char *token, int n, int start, int end);
	const char *text;
	int n;
	/* A one-character word followed by "-", held back to see whether a
	 * word follows: "e-post", "e-ID", "D-nummer" are words of their own. */
	char held;
	int held_start, held_end; /* held_end 0: nothing held */
};

static int search_tok_create(void *udata, const char **argv, int argc, Fts5Tokenizer **out)
{
	fts5_api *api = udata;
	struct search_tokenizer *tok = calloc(1, sizeof(*tok));
	void *inner_udata = NULL;
	int rc;

	if (!tok)
		return SQLITE_NOMEM;
	rc = api->xFindTokenizer(api, "unicode61", &inner_udata, &tok->inner_api);
	if (rc == SQLITE_OK)
		rc = tok->inner_api.xCreate(inner_udata, argv, argc, &tok->inner);
	if (rc != SQLITE_OK) {
		free(tok);
		return rc;
	}
	*out = (Fts5Tokenizer *)tok;
	return SQLITE_OK;
}

static void search_tok_delete(Fts5Tokenizer *p)
{
	struct search_tokenizer *tok = (struct search_tokenizer *)p;

	tok->inner_api.xDelete(tok->inner);
	free(tok);
}

/* Texts get every word plus, at the same position, its folded twin when that
 * differs. A query word in plain ASCII is looked up by its folded form only;
 * one with æøå stays as typed, so "før" does not find "for". */
static int search_tok_word(struct search_token_ctx *tc, int tflags, const char *token, int n,
			   int start, int end)
{
	char folded[SEARCH_TOKEN_MAX];
	int nf = search_fold(token, n, folded, sizeof(folded));
	int rc;

	if (tc->flags & FTS5_TOKENIZE_QUERY) {
		if (nf > 0 && search_is_ascii(token, n))
			return tc->emit(tc->ctx, tflags, folded, nf, start, end);
		return tc->emit(tc->ctx, tflags, token, n, start, end);
	}
	rc = tc->emit(tc->ctx, tflags, token, n, start, end);
	if (rc == SQLITE_OK && nf > 0 && (nf != n || memcmp(folded, token, (size_t)n)))
		rc = tc->emit(tc->ctx, FTS5_TOKEN_COLOCATED, folded, nf, start, end);
	return rc;
}

/* unicode61 splits "e-post" into "e" and "post", and then a search for
 * "post" (letters) finds every "e-post" (e-mail). Joined, "e-post" is one
 * word, found as "e-post" or "epost" but not as "post". */
static int search_tok_token(void *p, int tflags, const char *token, int n, int start, int end)
{
	struct search_token_ctx *tc = p;
	char joined[SEARCH_TOKEN_MAX];
	int rc;

	if (tc->held_end) {
		int held_start = tc->held_start, held_end = tc->held_end;

		tc->held_end = 0;
		if (start == held_end + 1 && n + 2 <= (int)sizeof(joined)) {
			joined[0] = tc->held;
			joined[1] = '-';
			memcpy(joined + 2, token, (size_t)n);
			return search_tok_word(tc, tflags, joined, n + 2, held_start, end);
		}
		rc = search_tok_word(tc, 0, &tc->held, 1, held_start, held_end);
		if (rc != SQLITE_OK)
			return rc;
	}
	if (n == 1 && end < tc->n && tc->text[end] == '-') {
		tc->held = token[0];
		tc->held_start = start;
		tc->held_end = end;
		return SQLITE_OK;
	}
	return search_tok_word(tc, tflags, token, n, start, end);
}

static int search_tok_tokenize(Fts5Tokenizer *p, void *ctx, int flags, const char *text, int n,
			       int (*emit)(void *, int, const char *, int, int, int))
{
	struct search_tokenizer *tok = (struct search_tokenizer *)p;
	struct search_token_ctx tc = {
		.ctx = ctx, .flags = flags, .emit = emit, .text = text, .n = n
	};
	int rc = tok->inner_api.xTokenize(tok->inner, &tc, flags, text, n, search_tok_token);

	if (rc == SQLITE_OK && tc.held_end)
		rc = search_tok_word(&tc, 0, &tc.held, 1, tc.held_start, tc.held_end);
	return rc;
}

/* --- ranking helpers (FTS5 auxiliary functions) ---------------------------- */

/* How rare each of the query's words is in the table: bm25's idf, worked
 * out once per query and kept with it. */
struct search_idf {
	int n;
	double idf[];
};

static int search_count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *count)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)count)++;
	return SQLITE_OK;
}

static const struct search_idf *search_idf(const Fts5ExtensionApi *api, Fts5Context *fts)
{
	struct search_idf *d = api->xGetAuxdata(fts, 0);
	int n = api->xPhraseCount(fts);
	sqlite3_int64 rows = 0;

	if (d)
		return d;
	if (!(d = sqlite3_malloc64(sizeof(*d) + (size_t)n * sizeof(d->idf[0]))))
		return NULL;
	d->n = n;
	api->xRowCount(fts, &rows);
	for (int p = 0; p < n; p++) {
		sqlite3_int64 hits = 0;

		api->xQueryPhrase(fts, p, &hits, search_count_row);
		d->idf[p] = log(((double)(rows - hits) + 0.5) / ((double)hits + 0.5));
		if (d->idf[p] < 1e-6)
			d->idf[p] = 1e-6;
	}
	if (api->xSetAuxdata(fts, d, sqlite3_free) != SQLITE_OK)
		return NULL; /* SQLite has freed d */
	return d;
}

/* vv_cover(fts [, columns]): the query's words this document contains (in
 * the columns of the bit mask, if given), each counted by its rarity. A
 * document with more of the words ranks first, whatever bm25 says; with
 * rarity, "reservere" counts for more than "digital" and "post" together
 * would if they were common. */
static void search_aux_cover(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
			     int argc, sqlite3_value **argv)
{
	const struct search_idf *d = search_idf(api, fts);
	int mask = argc > 0 ? sqlite3_value_int(argv[0]) : -1;
	double covered = 0;

	if (!d) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	for (int p = 0; p < d->n; p++) {
		Fts5PhraseIter it;
		int col = -1, off = -1;

		if (api->xPhraseFirst(fts, p, &it, &col, &off) != SQLITE_OK)
			continue;
		for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off))
			if (mask & (1 << col)) {
				covered += d->idf[p];
				break;
			}
	}
	sqlite3_result_double(ctx, covered);
}

/* vv_hitcol(fts): the column to cut the snippet from: body if it matched,
 * else extra if that did; never head, which repeats the title. */
static void search_aux_hitcol(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
			      int argc, sqlite3_value **argv)
{
	int extra = 0;

	(void)argc;
	(void)argv;
	for (int p = 0; p < api->xPhraseCount(fts); p++) {
		Fts5PhraseIter it;
		int col = -1, off = -1;

		if (api->xPhraseFirst(fts, p, &it, &col, &off) != SQLITE_OK)
			continue;
		for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off)) {
			if (col == SEARCH_COL_BODY) {
				sqlite3_result_int(ctx, SEARCH_COL_BODY);
				return;
			}
			extra |= col == SEARCH_COL_EXTRA;
		}
	}
	sqlite3_result_int(ctx, extra ? SEARCH_COL_EXTRA : SEARCH_COL_BODY);
}

static fts5_api *search_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api;
}

int search_fts_register(sqlite3 *db)
{
	fts5_tokenizer methods = { search_tok_create, search_tok_delete, search_tok_tokenize };
	fts5_api *api = search_fts5_api(db);

	if (!api)
		return -1;
	if (api->xCreateTokenizer(api, "vvfold", api, &methods, NULL) != SQLITE_OK ||
	    api->xCreateFunction(api, "vv_cover", NULL, search_aux_cover, NULL) != SQLITE_OK ||
	    api->xCreateFunction(api, "vv_hitcol", NULL, search_aux_hitcol, NULL) != SQLITE_OK)
		return -1;
	return 0;
}
