/* test_words.c - the caller's words become facts (daemon/triage/words.c): folding,
 * Snowball stems, prefixes, one typo, negation, relations and ages, and
 * the problems a words file can have. */
#include "unit.h"

#include <string.h>

#include <jansson.h>

#include "triage/words.h"

/* facts: on_behalf(0), relation(1), login_method(2), login_problem(3),
 * topic(4), age_band(5), in that order, as the vocabulary gives them. */
static const char vocabulary[] =
	"{\"on_behalf\": [\"self\", \"another_person\", \"unknown\"],"
	" \"relation\": [\"adult_child_for_parent\", \"parent_for_child\", \"unknown\"],"
	" \"login_method\": [\"minid\", \"bankid\", \"mitid\", \"unknown\"],"
	" \"login_problem\": [\"forgotten_password\", \"lost_or_stolen\", \"no_smartphone\","
	"                    \"eid_blocked\", \"unknown\"],"
	" \"topic\": [\"login\", \"deceased_estate\", \"unknown\"],"
	" \"age_band\": [\"under_12\", \"age_12\", \"age_13_14\", \"age_15\", \"age_16_17\","
	"               \"adult\", \"unknown\"]}";

static const char words_json[] =
	"{\"negation\": {\"nb\": [\"ikke\", \"ingen\", \"verken\"], \"en\": [\"not\", \"don't\"]},"
	" \"age\": {\"nb\": [\"år\", \"på\"], \"en\": [\"years\"]},"
	" \"plain\": {\"nb\": [\"spørre\"]},"
	" \"speaker\": {\"nb\": [\"jeg\", \"meg\"], \"en\": [\"i\"]},"
	" \"facts\": {"
	"  \"login_method\": {\"bankid\": {\"nb\": [\"bankid\"], \"en\": [\"bankid\"]},"
	"                     \"minid\": {\"nb\": [\"minid\"]}, \"mitid\": {\"da\": [\"mitid\"]}},"
	"  \"login_problem\": {\"forgotten_password\": {\"nb\": [\"glemt passord\"], \"en\": [\"forgot my password\"]},"
	"                      \"lost_or_stolen\": {\"nb\": [\"mistet telefon\", \"kodebrikk* er borte\"]},"
	"                      \"no_smartphone\": {\"nb\": [\"ingen smarttelefon*\"]},"
	"                      \"eid_blocked\": {\"nb\": [\"sperret\", \"bid 1403\", \"glemt passord sperret\"]}},"
	"  \"relation\": {\"adult_child_for_parent\": {\"nb\": [\"moren min\", \"mor\"], \"en\": [\"my mother\"]},"
	"                 \"parent_for_child\": {\"nb\": [\"sønnen min\"]}},"
	"  \"topic\": {\"deceased_estate\": {\"nb\": [\"dødsbo\"]}, \"login\": {\"nb\": [\"logge inn\"]}}},"
	" \"outranks\": {\"login_problem\": {\"eid_blocked\": [\"lost_or_stolen\"]},"
	"               \"topic\": {\"deceased_estate\": [\"login\"]}},"
	" \"implies\": {\"login_problem\": {\"forgotten_password\": {\"topic\": \"login\"},"
	"                                \"eid_blocked\": {\"topic\": \"login\"}}}}";

struct got {
	struct words_hit hit[16];
	size_t n;
	const char *text;
};

static struct words *build(void)
{
	json_t *voc = json_loads(vocabulary, 0, NULL), *w = json_loads(words_json, 0, NULL);
	struct words *words;

	assert_non_null(voc);
	assert_non_null(w);
	words = words_build(w, voc, NULL, NULL);
	assert_non_null(words);
	json_decref(voc);
	json_decref(w);
	return words;
}

static void derive(const struct words *w, const char *lang, const char *text, struct got *g)
{
	g->text = text;
	g->n = words_derive(w, lang, text, strlen(text), g->hit, 16);
}

/* The value index fact f was read with, or -1; the words in *words. */
static int value_of(const struct got *g, int fact, char *words, size_t size)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->hit[i].fact == fact) {
			if (words)
				snprintf(words, size, "%.*s", (int)g->hit[i].len,
					 g->text + g->hit[i].start);
			return g->hit[i].value;
		}
	return -1;
}

enum { ON_BEHALF, RELATION, LOGIN_METHOD, LOGIN_PROBLEM, TOPIC, AGE_BAND };

static void test_words_with_inflections_and_folding(void **state)
{
	char words[128];
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "Hun har glemt passordet til BankID-en sin", &g);
	assert_int_equal(value_of(&g, LOGIN_METHOD, words, sizeof(words)), 1);
	assert_string_equal(words, "BankID");
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, words, sizeof(words)), 0);
	assert_string_equal(words, "glemt passordet");
	derive(w, "nb", "DODSBO etter far", &g); /* ø typed as o, capitals */
	assert_int_equal(value_of(&g, TOPIC, NULL, 0), 1);
	derive(w, "nb", "doedsbo", &g);
	assert_int_equal(value_of(&g, TOPIC, NULL, 0), 1);
	derive(w, "nb", "Kodebrikka er borte", &g); /* a prefix word */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 1);
	derive(w, "nb", "BID-1403 kommer opp", &g); /* an error code */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 3);
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), -1); /* "bid" alone is no phrase */
	words_free(w);
}

static void test_one_typo_but_not_two(void **state)
{
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "glemt pasord", &g); /* one letter missing */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 0);
	derive(w, "nb", "glemt passorrd", &g); /* one letter extra */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 0);
	derive(w, "nb", "glemt pessord", &g); /* one letter wrong */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 0);
	derive(w, "nb", "glemt pesord", &g); /* two: another word */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), -1);
	derive(w, "nb", "mnid", &g); /* words under five letters must be right */
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), -1);
	derive(w, "nb", "BankID er spærret", &g); /* one letter wrong */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 3);
	derive(w, "nb", "Jeg vil spørre om BankID", &g); /* a plain word, not "sperret" */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), -1);
	words_free(w);
}

static void test_negation(void **state)
{
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "Jeg har ikke BankID, bare MinID", &g);
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), 0);
	derive(w, "nb", "Har ingen smarttelefonen", &g); /* a phrase that says no itself */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 2);
	derive(w, "en", "I don't have BankID", &g); /* "don't" is "don" + "t" */
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), -1);
	derive(w, "en", "my BankID does not work", &g); /* a negation after it counts for nothing */
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), 1);
	/* A negation is the word as written: "verke" (to work) shares its
	 * stem with "verken" (neither) but says no to nothing. */
	derive(w, "nb", "Det slutta å verke, glemt passord", &g);
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 0);
	derive(w, "nb", "Har verken BankID eller MinID", &g);
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), -1);
	words_free(w);
}

static void test_relations_and_ages(void **state)
{
	char words[128];
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "Moren min på 88 har mistet telefonen", &g);
	assert_int_equal(value_of(&g, RELATION, words, sizeof(words)), 0);
	assert_string_equal(words, "Moren min");
	assert_int_equal(value_of(&g, ON_BEHALF, NULL, 0), 1);
	assert_int_equal(value_of(&g, AGE_BAND, words, sizeof(words)), 5);
	assert_string_equal(words, "88");
	derive(w, "nb", "sønnen min på 14 har glemt passord", &g);
	assert_int_equal(value_of(&g, RELATION, NULL, 0), 1);
	assert_int_equal(value_of(&g, AGE_BAND, NULL, 0), 2);
	derive(w, "nb", "han er 15 år", &g); /* an age word, no relation */
	assert_int_equal(value_of(&g, AGE_BAND, NULL, 0), 3);
	assert_int_equal(value_of(&g, ON_BEHALF, NULL, 0), -1);
	derive(w, "nb", "BID-1403 etter 3 forsøk", &g); /* numbers that are no ages */
	assert_int_equal(value_of(&g, AGE_BAND, NULL, 0), -1);
	words_free(w);
}

/* A caller speaking of themselves, with nobody else named, asks for
 * themselves; a relation reads another person, a dead person's estate
 * leaves the fact to the walk, and so does a text that names nobody. */
static void test_speaker_is_self(void **state)
{
	char words[128];
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "Jeg får ikke logget inn med BankID", &g);
	assert_int_equal(value_of(&g, ON_BEHALF, words, sizeof(words)), 0);
	assert_string_equal(words, "Jeg");
	derive(w, "en", "I forgot my password", &g);
	assert_int_equal(value_of(&g, ON_BEHALF, NULL, 0), 0);
	derive(w, "nb", "Jeg hjelper moren min med BankID", &g); /* a relation: another person */
	assert_int_equal(value_of(&g, ON_BEHALF, NULL, 0), 1);
	derive(w, "nb", "Jeg har et dødsbo etter far", &g); /* an estate: not for themselves */
	assert_int_equal(value_of(&g, ON_BEHALF, NULL, 0), -1);
	derive(w, "nb", "BankID virker ikke", &g); /* nobody named at all */
	assert_int_equal(value_of(&g, ON_BEHALF, NULL, 0), -1);
	words_free(w);
}

/* Two readings of one fact in different places are asked, not guessed;
 * a longer phrase over the same words is the more specific one and wins. */
static void test_two_readings_are_asked(void **state)
{
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "Jeg har glemt passord og mistet telefon", &g);
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), -1);
	derive(w, "nb", "glemt passord, så glemt passord igjen", &g); /* the same reading twice */
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 0);
	derive(w, "nb", "har glemt passord sperret", &g);
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 3);
	derive(w, "nb", "Mor har både BankID og MinID", &g);
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), -1);
	derive(w, "nb", "moren min og sønnen min",
	       &g); /* which relation is asked; another person either way */
	assert_int_equal(value_of(&g, RELATION, NULL, 0), -1);
	assert_int_equal(value_of(&g, ON_BEHALF, NULL, 0), 1);
	words_free(w);
}

/* Unless "outranks" says which reading wins: an estate's matter however
 * the login is named, in either order; a value outranks only the values
 * listed, so a third reading is asked again. */
static void test_outranking_reading_wins(void **state)
{
	char words[128];
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "Jeg skal logge inn for dødsbo etter mor", &g);
	assert_int_equal(value_of(&g, TOPIC, words, sizeof(words)), 1);
	assert_string_equal(words, "dødsbo");
	derive(w, "nb", "dødsbo: hvordan logge inn?", &g);
	assert_int_equal(value_of(&g, TOPIC, NULL, 0), 1);
	derive(w, "nb", "mistet telefon og BankID er sperret", &g);
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, words, sizeof(words)), 3);
	assert_string_equal(words, "sperret");
	derive(w, "nb", "mistet telefon, sperret, og glemt passord", &g);
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), -1);
	words_free(w);
}

/* "implies": a forgotten password is a login matter, so the topic is read
 * with it (from the same words) - unless the words name a topic themselves,
 * or two (then it is asked); a lost phone implies nothing: it may be a
 * wallet, or an estate. */
static void test_implied_reading(void **state)
{
	char words[128];
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "nb", "Mor har glemt passord til MinID", &g);
	assert_int_equal(value_of(&g, TOPIC, words, sizeof(words)), 0);
	assert_string_equal(words, "glemt passord");
	derive(w, "nb", "glemt passord til dødsbo", &g);
	assert_int_equal(value_of(&g, TOPIC, NULL, 0), 1);
	derive(w, "nb", "mistet telefon med BankID", &g);
	assert_int_equal(value_of(&g, LOGIN_PROBLEM, NULL, 0), 1);
	assert_int_equal(value_of(&g, TOPIC, NULL, 0), -1);
	words_free(w);
}

static void test_languages_and_limits(void **state)
{
	char big[4000];
	struct words *w = build();
	struct got g;

	(void)state;
	derive(w, "da", "bankid", &g); /* not a Danish phrase here */
	assert_int_equal(g.n, 0);
	derive(w, "sv", "bankid", &g);
	assert_int_equal(g.n, 0);
	derive(w, "da", "mit MitID virker ikke", &g);
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), 2);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	derive(w, "nb", big, &g); /* one very long "word" */
	assert_int_equal(g.n, 0);
	for (size_t i = 0; i + 7 < sizeof(big); i += 7)
		memcpy(big + i, "bankid ", 7);
	derive(w, "nb", big, &g); /* many words: read up to the limit */
	assert_int_equal(value_of(&g, LOGIN_METHOD, NULL, 0), 1);
	assert_int_equal(words_derive(NULL, "nb", "bankid", 6, g.hit, 16), 0);
	words_free(w);
}

static int problems;
static char first_problem[512];

static void count(void *ctx, const char *p)
{
	(void)ctx;
	if (!problems++)
		snprintf(first_problem, sizeof(first_problem), "%s", p);
}

static void expect_problem(const char *wjson, const char *want)
{
	json_t *voc = json_loads(vocabulary, 0, NULL), *w = json_loads(wjson, 0, NULL);

	assert_non_null(w);
	problems = 0;
	assert_null(words_build(w, voc, count, NULL));
	assert_true(problems > 0);
	if (!strstr(first_problem, want))
		fail_msg("expected a problem with \"%s\", got \"%s\"", want, first_problem);
	json_decref(voc);
	json_decref(w);
}

static void test_problems(void **state)
{
	(void)state;
	/* The same words, once folded and stemmed, for two values of one fact. */
	expect_problem("{\"facts\": {\"login_method\": {\"bankid\": {\"nb\": [\"BankID\"]},"
		       " \"minid\": {\"nb\": [\"bankid\"]}}}}",
		       "is listed for login_method=bankid and login_method=minid");
	expect_problem("{\"facts\": {\"colour\": {\"red\": {\"nb\": [\"rød\"]}}}}",
		       "fact \"colour\" is not in the vocabulary");
	expect_problem("{\"facts\": {\"topic\": {\"lunch\": {\"nb\": [\"mat\"]}}}}",
		       "\"lunch\" is not a value of fact \"topic\"");
	expect_problem("{\"facts\": {\"topic\": {\"login\": {\"sv\": [\"inloggning\"]}}}}",
		       "must be one of nb, nn, da, en");
	expect_problem("{\"facts\": {\"topic\": {\"login\": {\"nb\": [\"...\"]}}}}",
		       "has no words or too many");
	expect_problem("{\"negation\": {\"nb\": [\"ikke i det hele tatt\"]}, \"facts\": {}}",
		       "each entry must be one word");
	expect_problem("{\"facts\": {}, \"outranks\": {\"colour\": {\"red\": [\"blue\"]}}}",
		       "outranks: \"colour\" must be a fact");
	expect_problem("{\"facts\": {}, \"outranks\": {\"topic\": {\"login\": [\"lunch\"]}}}",
		       "outranks: topic=login: needs a list of other values");
	expect_problem(
		"{\"facts\": {}, \"outranks\": {\"topic\": {\"login\": [\"deceased_estate\"],"
		" \"deceased_estate\": [\"login\"]}}}",
		"none of which outranks it");
	expect_problem("{\"facts\": {}, \"implies\":"
		       " {\"colour\": {\"red\": {\"topic\": \"login\"}}}}",
		       "implies: \"colour\" must be a fact");
	expect_problem("{\"facts\": {}, \"implies\":"
		       " {\"login_problem\": {\"lunch\": {\"topic\": \"login\"}}}}",
		       "implies: login_problem=lunch: needs one other fact");
	expect_problem("{\"facts\": {}, \"implies\":"
		       " {\"login_problem\": {\"eid_blocked\": {\"topic\": \"lunch\"}}}}",
		       "implies: login_problem=eid_blocked: needs one other fact");
	expect_problem(
		"{\"facts\": {}, \"implies\":"
		" {\"login_problem\": {\"eid_blocked\": {\"login_problem\": \"lost_or_stolen\"}}}}",
		"implies: login_problem=eid_blocked: needs one other fact");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words_with_inflections_and_folding),
		cmocka_unit_test(test_one_typo_but_not_two),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_relations_and_ages),
		cmocka_unit_test(test_speaker_is_self),
		cmocka_unit_test(test_two_readings_are_asked),
		cmocka_unit_test(test_outranking_reading_wins),
		cmocka_unit_test(test_implied_reading),
		cmocka_unit_test(test_languages_and_limits),
		cmocka_unit_test(test_problems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
