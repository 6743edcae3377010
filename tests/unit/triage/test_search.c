/* test_search.c - the search index: building it, matching, ranking, limits.
 *
 * Run from the repository root: it reads tests/fixtures/rules/ and, for the
 * timing test, rules/ and tests/scenarios/queries.json. Ranking by language
 * is checked on a scratch copy of the fixture where one made-up word is put
 * into the Norwegian text of one node and the English text of another.
 * Results are titled by their own title; destinations are indexed once per
 * language of their tree. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "triage/rules.h"
#include "triage/search.h"

#define FIXTURE "tests/fixtures/rules"

static const char *const rule_files[] = {
	"vocabulary.json",      "words.json", "barriers.json", "destinations/no.json",
	"destinations/dk.json", "no.json",    "dk.json",       NULL,
};

static struct rulebook *fixture;
static struct search_index *ix;

static void report(void *ctx, const char *problem)
{
	(void)ctx;
	fprintf(stderr, "rules: %s\n", problem);
}

static void quiet(void *ctx, const char *problem)
{
	(void)ctx;
	(void)problem;
}

static struct rulebook *load(const char *dir)
{
	struct rulebook *rb = rules_load(dir, report, NULL);

	if (!rb)
		fail_msg("cannot load the rules in %s", dir);
	return rb;
}

static struct search_index *build(const struct rulebook *rb)
{
	char err[256] = "";
	struct search_index *s = search_build(rb, err, sizeof(err));

	if (!s)
		fail_msg("search_build failed: %s", err);
	return s;
}

/* Search the fixture index as an agent; the items, which must be returned. */
static json_t *find_in(struct search_index *s, const char *country, const char *lang, const char *q,
		       int citizen, size_t limit)
{
	struct search_request req = {
		.q = q, .country = country, .lang = lang, .citizen = citizen, .limit = limit
	};
	char err[256] = "";
	json_t *items = NULL;
	enum search_status st = search_run(s, &req, &items, err, sizeof(err));

	if (st != SEARCH_OK)
		fail_msg("search \"%s\" failed (%d): %s", q, (int)st, err);
	assert_true(json_is_array(items));
	return items;
}

static json_t *find(const char *country, const char *lang, const char *q)
{
	return find_in(ix, country, lang, q, 0, SEARCH_MAX_ITEMS);
}

/* The node (or, for a destination, the destination) of an item. */
static const char *item_id(json_t *item)
{
	const char *node = json_string_value(json_object_get(item, "node"));

	return node ? node : json_string_value(json_object_get(item, "destination"));
}

/* The 1-based rank of id in items, 0 if absent. */
static size_t rank_of(json_t *items, const char *id)
{
	size_t i;
	json_t *item;

	json_array_foreach(items, i, item)
		if (!strcmp(item_id(item), id))
			return i + 1;
	return 0;
}

static char *ids(json_t *items)
{
	static char buf[1024];
	size_t i, len = 0;
	json_t *item;

	buf[0] = '\0';
	json_array_foreach(items, i, item)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? ", " : "",
					item_id(item));
	return buf;
}

/* id must be among the first `within` items for q. */
static void expect_hit(const char *country, const char *lang, const char *q, const char *id,
		       size_t within)
{
	json_t *items = find(country, lang, q);
	size_t r = rank_of(items, id);

	if (!r || r > within)
		fail_msg("search %s/%s \"%s\": expected %s in the top %zu, got [%s]", country, lang,
			 q, id, within, ids(items));
	json_decref(items);
}

static void expect_no_hit(const char *country, const char *lang, const char *q, const char *id)
{
	json_t *items = find(country, lang, q);

	if (rank_of(items, id))
		fail_msg("search %s/%s \"%s\": did not expect %s, got [%s]", country, lang, q, id,
			 ids(items));
	json_decref(items);
}

static int setup(void **state)
{
	(void)state;
	fixture = load(FIXTURE);
	ix = build(fixture);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	search_free(ix);
	rules_unref(fixture);
	return 0;
}

/* ---- building ----------------------------------------------------------- */

static void test_build_counts_every_text(void **state)
{
	json_t *no = json_load_file(FIXTURE "/no.json", 0, NULL);
	json_t *dk = json_load_file(FIXTURE "/dk.json", 0, NULL);
	json_t *dno = json_load_file(FIXTURE "/destinations/no.json", 0, NULL);
	json_t *ddk = json_load_file(FIXTURE "/destinations/dk.json", 0, NULL);
	size_t want;

	(void)state;
	assert_non_null(no);
	assert_non_null(dk);
	assert_non_null(dno);
	assert_non_null(ddk);
	/* One document per question or result and language, and one per
	 * destination and language of its tree. */
	want = (json_array_size(json_object_get(no, "questions")) +
		json_array_size(json_object_get(no, "results")) +
		json_array_size(json_object_get(dno, "destinations"))) *
		       json_array_size(json_object_get(no, "langs")) +
	       (json_array_size(json_object_get(dk, "questions")) +
		json_array_size(json_object_get(dk, "results")) +
		json_array_size(json_object_get(ddk, "destinations"))) *
		       json_array_size(json_object_get(dk, "langs"));
	assert_int_equal(want, (6 + 13 + 7) * 3 + (2 + 5 + 3) * 2);
	assert_int_equal(search_count(ix), want);
	json_decref(no);
	json_decref(dk);
	json_decref(dno);
	json_decref(ddk);
}

static void test_index_is_independent_of_rulebook(void **state)
{
	struct rulebook *rb = load(FIXTURE);
	struct search_index *s = build(rb);
	json_t *items;

	(void)state;
	/* The index copies the texts: it works after the rulebook is gone. */
	rules_unref(rb);
	items = find_in(s, "no", "nb", "glemt passord", 0, 3);
	assert_string_equal(item_id(json_array_get(items, 0)), "login.minid.forgot");
	json_decref(items);
	search_free(s);
	search_free(NULL);
}

/* ---- matching ------------------------------------------------------------ */

static void test_item_fields(void **state)
{
	json_t *items = find("no", "nb", "glemt passord"), *first, *dest = NULL, *item;
	size_t i;

	(void)state;
	first = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(first, "kind")), "result");
	assert_string_equal(json_string_value(json_object_get(first, "node")),
			    "login.minid.forgot");
	assert_string_equal(json_string_value(json_object_get(first, "destination")),
			    "no.digdir.idporten");
	/* A result is titled by its own title, in the session's language. */
	assert_string_equal(json_string_value(json_object_get(first, "title")),
			    "Glemt passord til MinID");
	/* The snippet is where it matched: the advice, in both voices. */
	assert_string_equal(json_string_value(json_object_get(first, "snippet")),
			    "Be innringeren velge «Glemt passord» på innloggingssiden. · "
			    "Velg «Glemt passord» når du logger inn.");
	json_decref(items);

	items = find("no", "nb", "tingretten");
	json_array_foreach(items, i, item)
		if (!strcmp(json_string_value(json_object_get(item, "kind")), "destination"))
			dest = item;
	assert_non_null(dest);
	assert_string_equal(json_string_value(json_object_get(dest, "destination")),
			    "no.tingretten");
	assert_null(json_object_get(dest, "node"));
	assert_string_equal(json_string_value(json_object_get(dest, "title")),
			    "Tingretten (skifte av dødsbo)");
	assert_string_equal(json_string_value(json_object_get(dest, "snippet")),
			    "Dødsbo: skifteattest, uskifte og offentlig skifte.");
	json_decref(items);

	items = find("no", "nb", "Hvilken eID");
	first = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(first, "kind")), "question");
	assert_string_equal(json_string_value(json_object_get(first, "node")), "login.method");
	assert_string_equal(json_string_value(json_object_get(first, "title")),
			    "Hvilken eID gjelder det?");
	assert_null(json_object_get(first, "destination"));
	json_decref(items);
}

/* Destinations are indexed per language: their texts come in the session's. */
static void test_destination_languages(void **state)
{
	static const struct {
		const char *country, *lang, *q, *title, *snippet;
	} cases[] = {
		{ "no", "nb", "Altinn brukerservice", "Altinn brukerservice",
		  "Roller, rettigheter og fullmakter i Altinn." },
		{ "no", "nn", "Altinn brukerservice", "Altinn brukerservice",
		  "Roller, rettar og fullmakter i Altinn." },
		{ "no", "en", "Altinn brukerservice", "Altinn brukerservice",
		  "Roles, rights and powers of attorney in Altinn." },
		{ "no", "nn", "tingretten", "Tingretten (skifte av dødsbu)",
		  "Dødsbu: skifteattest, uskifte og offentleg skifte." },
		{ "dk", "da", "Borgerservice i kommunen", "Borgerservice i kommunen",
		  "Genaktivering af spærret MitID, fritagelse for Digital Post og pas." },
		{ "dk", "en", "Borgerservice i kommunen", "Citizen service in the municipality",
		  "Reactivating a blocked MitID, exemption from Digital Post and passports." },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		json_t *items = find(cases[c].country, cases[c].lang, cases[c].q), *item,
		       *dest = NULL;
		size_t i;

		json_array_foreach(items, i, item)
			if (!strcmp(json_string_value(json_object_get(item, "kind")),
				    "destination") &&
			    !dest)
				dest = item;
		if (!dest)
			fail_msg("search %s/%s \"%s\": no destination in [%s]", cases[c].country,
				 cases[c].lang, cases[c].q, ids(items));
		assert_string_equal(json_string_value(json_object_get(dest, "title")),
				    cases[c].title);
		assert_string_equal(json_string_value(json_object_get(dest, "snippet")),
				    cases[c].snippet);
		json_decref(items);
	}
	/* A destination is found by its id too, which is how agents say it. */
	expect_hit("no", "nb", "idporten", "no.digdir.idporten", 3);
	expect_hit("dk", "da", "digst", "dk.digst", 1);
}

static void test_every_language_is_searched(void **state)
{
	(void)state;
	/* English words in a Norwegian session, Nynorsk in a Bokmål one. */
	expect_hit("no", "nb", "forgotten password", "login.minid.forgot", 1);
	expect_hit("no", "nb", "gløymt passord", "login.minid.forgot", 1);
	expect_hit("dk", "da", "wholly blocked", "login.problem", 1);
	/* Texts come in the requested language even when the hit was not:
	 * the title, and the start of the citizen's advice as the snippet. */
	json_t *items = find("no", "nb", "forgotten");
	assert_string_equal(item_id(json_array_get(items, 0)), "login.minid.forgot");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "title")),
			    "Glemt passord til MinID");
	assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "snippet")),
			    "Velg «Glemt passord» når du logger inn.");
	json_decref(items);
}

/* The labels of the answers that decide a result find it: poa.nav's own
 * texts never say "skriftlig" (written), but its `when` names the written
 * power of attorney, whose label does. */
static void test_option_labels_find_results(void **state)
{
	json_t *items;

	(void)state;
	expect_hit("no", "nb", "skriftlig", "poa.nav", 2);
	expect_hit("no", "en", "written", "poa.nav", 2);
	/* A citizen does not see the agent's question, but finds the result. */
	items = find_in(ix, "no", "nb", "skriftlig", 1, 10);
	assert_string_equal(ids(items), "poa.nav");
	json_decref(items);
}

static void test_prefix_matching(void **state)
{
	(void)state;
	expect_hit("no", "nb", "fødselsnum", "login.minid.phone", 2);
	expect_hit("no", "nb", "innlogg", "login.minid.forgot", 3);
	expect_hit("no", "nb", "reserv", "dp.reserve", 1);
	expect_hit("dk", "da", "fritag", "dp.exempt", 1);
	expect_hit("dk", "da", "genaktiv", "login.mitid.blocked", 1);
	/* Two letters are not a prefix: "ti" must not find "tingretten". */
	expect_no_hit("no", "nb", "ti", "estate.court");
}

static void test_nordic_letters(void **state)
{
	(void)state;
	/* æøå are letters: the words are found whole and as typed. */
	expect_hit("no", "nb", "fødselsnummer", "login.minid.phone", 2);
	expect_hit("no", "nb", "dødsbo", "estate.court", 1);
	expect_hit("no", "nb", "Dødsboet", "estate.court", 1);
	expect_hit("dk", "da", "spærret", "login.mitid.blocked", 1);
	expect_hit("dk", "da", "kørekort", "login.mitid.blocked", 1);
	expect_hit("no", "nn", "gløymt", "login.minid.forgot", 1);
	/* ... and also as callers type them without a Nordic keyboard. */
	expect_hit("no", "nb", "fodselsnummer", "login.minid.phone", 2);
	expect_hit("no", "nb", "foedselsnummer", "login.minid.phone", 2);
	expect_hit("no", "nb", "dodsbo", "estate.court", 1);
	expect_hit("no", "nb", "doedsbo", "estate.court", 1);
	expect_hit("no", "nn", "gloymt", "login.minid.forgot", 1);
	expect_hit("dk", "da", "spaerret", "login.mitid.blocked", 1);
	expect_hit("dk", "da", "korekort", "login.mitid.blocked", 1);
	expect_hit("dk", "da", "koerekort", "login.mitid.blocked", 1);
	/* A word typed with ø is not its ASCII look-alike: "bør" is not "bor". */
	expect_no_hit("no", "nb", "bør", "case.kontor");
	expect_hit("no", "nb", "bor", "case.kontor", 1);
}

/* Everything a user types is text, never FTS5 syntax. */
static void test_hostile_queries(void **state)
{
	/* clang-format off */
	static const char *const hostile[] = {
		"\"", "\"\"", "\"glemt", "glemt\"passord", "NEAR(", "NEAR(glemt passord, 2)", "*",
		"glemt*", "-passord", "passord -glemt", "glemt OR", "AND", "NOT glemt", "^glemt",
		"head:glemt", "{head}: glemt", "(", ")", "glemt) OR (x", "'; DROP TABLE doc; --",
		"\\", "glemt\tpassord", "💥", "a\"b\"c\"d", "+", "...", "-", "–", NULL,
	};
	/* clang-format on */

	(void)state;
	for (size_t i = 0; hostile[i]; i++) {
		json_t *items = find("no", "nb", hostile[i]);
		json_decref(items);
	}
	/* The words inside the syntax still count. */
	expect_hit("no", "nb", "NEAR(glemt passord, 2)", "login.minid.forgot", 1);
	expect_hit("no", "nb", "\"glemt", "login.minid.forgot", 1);
	expect_hit("no", "nb", "-passord", "login.minid.forgot", 1);
	expect_hit("no", "nb", "glemt: passord?", "login.minid.forgot", 1);
	/* A column filter would find "Glemt passord" in the head column; as
	 * text, "head:glemt" is the phrase "head glemt", which is nowhere. */
	expect_no_hit("no", "nb", "head:glemt", "login.minid.forgot");
	/* The index is intact afterwards. */
	expect_hit("no", "nb", "glemt passord", "login.minid.forgot", 1);
}

static void test_only_punctuation_finds_nothing(void **state)
{
	json_t *items = find("no", "nb", " ?! -- ** ");

	(void)state;
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

static void test_stopwords(void **state)
{
	(void)state;
	/* "for" alone is kept, so something is found ... */
	json_t *items = find("no", "nb", "for");
	assert_true(json_array_size(items) > 0);
	json_decref(items);
	/* ... but next to a real word they do not pull in everything. */
	expect_hit("no", "nb", "fullmakt i Altinn", "poa.give", 1);
}

/* ---- ranking --------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");

	if (!in || !out)
		fail_msg("cannot copy %s to %s", from, to);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);
}

/* The advice of result id in a parsed tree (borrowed). */
static json_t *advice(json_t *tree, const char *id)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(tree, "results"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "id")), id))
			return json_object_get(r, "advice");
	fail_msg("fixture has no result %s", id);
	return NULL;
}

static void test_ranks_requested_language_first(void **state)
{
	char dir[] = "/tmp/vv-search-XXXXXX", path[256], from[256];
	json_t *tree;
	struct rulebook *rb;
	struct search_index *s;
	json_t *items;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/destinations", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	for (size_t i = 0; rule_files[i]; i++) {
		snprintf(from, sizeof(from), "%s/%s", FIXTURE, rule_files[i]);
		snprintf(path, sizeof(path), "%s/%s", dir, rule_files[i]);
		copy_file(from, path);
	}
	/* "zebrafisk" in the Bokmål advice of case.nav and in the English
	 * advice of general.kommune: the same word, the same weight. */
	tree = json_load_file(FIXTURE "/no.json", 0, NULL);
	json_object_set_new(json_object_get(advice(tree, "case.nav"), "agent"), "nb",
			    json_string("Sett innringeren over til NAV om zebrafisk."));
	json_object_set_new(
		json_object_get(advice(tree, "general.kommune"), "agent"), "en",
		json_string("Ask the caller to contact the municipality about zebrafisk."));
	snprintf(path, sizeof(path), "%s/no.json", dir);
	assert_int_equal(json_dump_file(tree, path, JSON_INDENT(1)), 0);
	json_decref(tree);

	rb = load(dir);
	s = build(rb);
	items = find_in(s, "no", "nb", "zebrafisk", 0, 10);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(item_id(json_array_get(items, 0)), "case.nav");
	json_decref(items);
	items = find_in(s, "no", "en", "zebrafisk", 0, 10);
	assert_string_equal(item_id(json_array_get(items, 0)), "general.kommune");
	json_decref(items);
	search_free(s);
	rules_unref(rb);

	for (size_t i = 0; rule_files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, rule_files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/destinations", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_more_words_rank_first(void **state)
{
	json_t *items = find("no", "nb", "mobilnummer fødselsnummer");

	(void)state;
	/* login.minid.phone has both words; case.nav and poa.nav only one. */
	assert_string_equal(item_id(json_array_get(items, 0)), "login.minid.phone");
	assert_true(rank_of(items, "case.nav") > 1);
	assert_true(rank_of(items, "poa.nav") > 1);
	json_decref(items);
}

/* ---- who sees what ----------------------------------------------------------- */

/* The ids of the agent-only questions and results of a fixture tree. */
static int agent_only(const char *country, const char *id)
{
	char path[64];
	json_t *tree, *e;
	size_t i;
	int found = 0;

	snprintf(path, sizeof(path), FIXTURE "/%s.json", country);
	tree = json_load_file(path, 0, NULL);
	assert_non_null(tree);
	for (int list = 0; list < 2; list++)
		json_array_foreach(json_object_get(tree, list ? "results" : "questions"), i, e)
			if (!strcmp(json_string_value(json_object_get(e, "id")), id) &&
			    !strcmp(json_string_value(json_object_get(e, "audience")) ?: "citizen",
				    "agent"))
				found = 1;
	json_decref(tree);
	return found;
}

static void test_citizens_see_citizen_nodes_only(void **state)
{
	json_t *agent = find_in(ix, "no", "nb", "fullmakt", 0, 10);
	json_t *citizen = find_in(ix, "no", "nb", "fullmakt", 1, 10), *item;
	size_t i;

	(void)state;
	/* mandate is agent-only and mentions fullmakt. */
	assert_int_equal(agent_only("no", "mandate"), 1);
	assert_true(rank_of(agent, "mandate") > 0);
	assert_int_equal(rank_of(citizen, "mandate"), 0);
	assert_true(rank_of(citizen, "poa.give") > 0);
	assert_true(rank_of(citizen, "who") > 0);
	assert_true(rank_of(citizen, "no.digdir.altinn") > 0);
	json_array_foreach(citizen, i, item) {
		const char *node = json_string_value(json_object_get(item, "node"));

		if (node && agent_only("no", node))
			fail_msg("a citizen found agent-only %s", node);
	}
	json_decref(agent);
	json_decref(citizen);
}

static void test_results_belong_to_the_country(void **state)
{
	static const char *const countries[] = { "no", "dk" };
	static const char *const queries[] = { "Borgerservice", "MitID", "kontakt", "fullmakt",
					       "Digital Post",  "ring",  NULL };

	(void)state;
	for (size_t c = 0; c < 2; c++) {
		const struct rules_tree *t = rules_tree(fixture, countries[c]);
		char err[256];

		for (size_t q = 0; queries[q]; q++) {
			json_t *items = find(countries[c], "en", queries[q]), *item;
			size_t i;

			json_array_foreach(items, i, item) {
				const char *node = json_string_value(json_object_get(item, "node"));
				const char *dest =
					json_string_value(json_object_get(item, "destination"));
				/* Every node can be jumped to in that country's tree. */
				if (node) {
					struct triage *tr =
						triage_start(fixture, t, NULL, 0, err, sizeof(err));

					assert_non_null(tr);
					if (triage_jump(tr, node, err, sizeof(err)))
						fail_msg("%s \"%s\": node %s is not in the %s tree",
							 countries[c], queries[q], node,
							 countries[c]);
					triage_free(tr);
				}
				if (dest && strncmp(dest, countries[c], 2))
					fail_msg("%s \"%s\": destination %s of another country",
						 countries[c], queries[q], dest);
			}
			json_decref(items);
		}
	}
}

static void test_result_nodes_can_be_jumped_to(void **state)
{
	const struct rules_tree *t = rules_tree(fixture, "no");
	json_t *items = find("no", "nb", "Altinn"), *item;
	char err[256];
	size_t i;

	(void)state;
	assert_true(json_array_size(items) > 0);
	json_array_foreach(items, i, item) {
		const char *node = json_string_value(json_object_get(item, "node"));
		struct triage *tr = triage_start(fixture, t, NULL, 0, err, sizeof(err));

		assert_non_null(tr);
		if (node && triage_jump(tr, node, err, sizeof(err)))
			fail_msg("cannot jump to %s: %s", node, err);
		triage_free(tr);
	}
	json_decref(items);
}

/* ---- limits ------------------------------------------------------------------ */

static void test_bad_queries(void **state)
{
	struct search_request req = { .country = "no", .lang = "nb", .limit = 10 };
	char q[SEARCH_MAX_QUERY + 2], err[256];
	json_t *items = (json_t *)1;

	(void)state;
	req.q = "";
	assert_int_equal(search_run(ix, &req, &items, err, sizeof(err)), SEARCH_BAD_QUERY);
	assert_null(items);
	assert_string_equal(err, "\"q\" is empty");
	req.q = " \t\n ";
	assert_int_equal(search_run(ix, &req, &items, err, sizeof(err)), SEARCH_BAD_QUERY);
	req.q = NULL;
	assert_int_equal(search_run(ix, &req, &items, err, sizeof(err)), SEARCH_BAD_QUERY);

	memset(q, 'a', sizeof(q));
	q[SEARCH_MAX_QUERY + 1] = '\0';
	req.q = q;
	assert_int_equal(search_run(ix, &req, &items, err, sizeof(err)), SEARCH_BAD_QUERY);
	assert_non_null(strstr(err, "longer than 200 bytes"));
	q[SEARCH_MAX_QUERY] = '\0';
	assert_int_equal(search_run(ix, &req, &items, err, sizeof(err)), SEARCH_OK);
	json_decref(items);
	/* Many words: the first ones count, nothing breaks. */
	req.q = "a b c d e f g h i j k l m n o p q r s t u v w x y z glemt passord";
	assert_int_equal(search_run(ix, &req, &items, err, sizeof(err)), SEARCH_OK);
	json_decref(items);
}

static void test_limits(void **state)
{
	json_t *items;

	(void)state;
	/* "innringeren" is in the agent's advice of nearly every result. */
	items = find_in(ix, "no", "nb", "innringeren", 0, 100);
	assert_int_equal(json_array_size(items), SEARCH_MAX_ITEMS);
	json_decref(items);
	items = find_in(ix, "no", "nb", "innringeren", 0, 3);
	assert_int_equal(json_array_size(items), 3);
	json_decref(items);
	items = find_in(ix, "no", "nb", "innringeren", 0, 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	/* No such country: nothing, and no error. */
	items = find_in(ix, "se", "sv", "innringeren", 0, 10);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
}

/* ---- speed --------------------------------------------------------------------- */

/* Wall time, and the CPU time of this thread: what a search costs the
 * service thread, without the noise of a busy machine's scheduler. */
static double now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Build the index of the full rules and run every query of queries.json
 * many times: each must answer, and the figures are printed for
 * docs/performance.md (timings are judged in `make bench`, not here). */
static void test_speed(void **state)
{
	enum { BUILDS = 15, ROUNDS = 200 };
	struct rulebook *rb = rules_load("rules", quiet, NULL);
	json_t *queries = json_load_file("tests/scenarios/queries.json", 0, NULL), *q;
	struct search_index *s = NULL;
	double builds[BUILDS], t0, c0, wall = 0, cpu = 0, slowest = 0;
	size_t i, n = json_array_size(queries);

	(void)state;
	if (!rb) {
		/* The figures need the full trees; the queries still run. */
		printf("search: rules/ does not load (see test_rules); timing the fixture\n");
		rb = load(FIXTURE);
	}
	assert_true(n >= 40);
	for (i = 0; i < BUILDS; i++) {
		search_free(s);
		t0 = now_ms(CLOCK_MONOTONIC);
		s = build(rb);
		builds[i] = now_ms(CLOCK_MONOTONIC) - t0;
	}
	json_array_foreach(queries, i, q) {
		struct search_request req = {
			.q = json_string_value(json_object_get(q, "q")),
			.country = json_string_value(json_object_get(q, "country")),
			.lang = json_string_value(json_object_get(q, "lang")),
			.limit = SEARCH_MAX_ITEMS,
		};
		char err[256];
		json_t *items;
		double each;

		t0 = now_ms(CLOCK_MONOTONIC);
		c0 = now_ms(CLOCK_THREAD_CPUTIME_ID);
		for (int r = 0; r < ROUNDS; r++) {
			assert_int_equal(search_run(s, &req, &items, err, sizeof(err)), SEARCH_OK);
			json_decref(items);
		}
		each = (now_ms(CLOCK_THREAD_CPUTIME_ID) - c0) / ROUNDS;
		wall += (now_ms(CLOCK_MONOTONIC) - t0) / ROUNDS;
		cpu += each;
		if (each > slowest)
			slowest = each;
	}
	qsort(builds, BUILDS, sizeof(builds[0]), cmp_double);
	printf("search: index of %zu texts built in %.1f ms (median of %d; fastest %.1f, "
	       "slowest %.1f)\n",
	       search_count(s), builds[BUILDS / 2], BUILDS, builds[0], builds[BUILDS - 1]);
	printf("search: %zu queries x %d runs: mean %.3f ms CPU (%.3f ms wall) per query, "
	       "slowest query %.3f ms CPU\n",
	       n, ROUNDS, cpu / (double)n, wall / (double)n, slowest);
	/* Printed, not judged: a timing belongs in `make bench`, where it is
	 * compared with a baseline of the same run (docs/performance.md). */
	search_free(s);
	json_decref(queries);
	rules_unref(rb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_counts_every_text),
		cmocka_unit_test(test_index_is_independent_of_rulebook),
		cmocka_unit_test(test_item_fields),
		cmocka_unit_test(test_destination_languages),
		cmocka_unit_test(test_every_language_is_searched),
		cmocka_unit_test(test_option_labels_find_results),
		cmocka_unit_test(test_prefix_matching),
		cmocka_unit_test(test_nordic_letters),
		cmocka_unit_test(test_hostile_queries),
		cmocka_unit_test(test_only_punctuation_finds_nothing),
		cmocka_unit_test(test_stopwords),
		cmocka_unit_test(test_ranks_requested_language_first),
		cmocka_unit_test(test_more_words_rank_first),
		cmocka_unit_test(test_citizens_see_citizen_nodes_only),
		cmocka_unit_test(test_results_belong_to_the_country),
		cmocka_unit_test(test_result_nodes_can_be_jumped_to),
		cmocka_unit_test(test_bad_queries),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_speed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
