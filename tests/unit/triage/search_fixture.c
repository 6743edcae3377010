/* search_fixture.c - the helpers of search_fixture.h, shared by test_search_*.c. */
#include "search_fixture.h"

const char *const rule_files[] = {
	"vocabulary.json",      "words.json", "barriers.json", "destinations/no.json",
	"destinations/dk.json", "no.json",    "dk.json",       NULL,
};

struct rulebook *fixture;
struct search_index *ix;

void report(void *ctx, const char *problem)
{
	(void)ctx;
	fprintf(stderr, "rules: %s\n", problem);
}

void quiet(void *ctx, const char *problem)
{
	(void)ctx;
	(void)problem;
}

struct rulebook *load(const char *dir)
{
	struct rulebook *rb = rules_load(dir, report, NULL);

	if (!rb)
		fail_msg("cannot load the rules in %s", dir);
	return rb;
}

struct search_index *build(const struct rulebook *rb)
{
	char err[256] = "";
	struct search_index *s = search_build(rb, err, sizeof(err));

	if (!s)
		fail_msg("search_build failed: %s", err);
	return s;
}

/* Search the fixture index as an agent; the items, which must be returned. */
json_t *find_in(struct search_index *s, const char *country, const char *lang, const char *q,
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

json_t *find(const char *country, const char *lang, const char *q)
{
	return find_in(ix, country, lang, q, 0, SEARCH_MAX_ITEMS);
}

/* The node (or, for a destination, the destination) of an item. */
const char *item_id(json_t *item)
{
	const char *node = json_string_value(json_object_get(item, "node"));

	return node ? node : json_string_value(json_object_get(item, "destination"));
}

/* The 1-based rank of id in items, 0 if absent. */
size_t rank_of(json_t *items, const char *id)
{
	size_t i;
	json_t *item;

	json_array_foreach(items, i, item)
		if (!strcmp(item_id(item), id))
			return i + 1;
	return 0;
}

char *ids(json_t *items)
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
void expect_hit(const char *country, const char *lang, const char *q, const char *id, size_t within)
{
	json_t *items = find(country, lang, q);
	size_t r = rank_of(items, id);

	if (!r || r > within)
		fail_msg("search %s/%s \"%s\": expected %s in the top %zu, got [%s]", country, lang,
			 q, id, within, ids(items));
	json_decref(items);
}

void expect_no_hit(const char *country, const char *lang, const char *q, const char *id)
{
	json_t *items = find(country, lang, q);

	if (rank_of(items, id))
		fail_msg("search %s/%s \"%s\": did not expect %s, got [%s]", country, lang, q, id,
			 ids(items));
	json_decref(items);
}

int setup(void **state)
{
	(void)state;
	fixture = load(FIXTURE);
	ix = build(fixture);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	search_free(ix);
	rules_unref(fixture);
	return 0;
}
