/* rules_barriers.c - barriers.json: the texts of the survey's barrier codes.
 *
 * The codes themselves are the store's contract and live in base/survey.c;
 * this file only gives each its words, in every language the desks use, for
 * the agent panel, the widget and the dashboard. So the check is two-way:
 * every stored code has its texts, and the file names no code the daemon
 * would refuse. The order is the stored list's, because the panel gives the
 * barriers their keys in that order and agents learn them. */
#include "rules_internal.h"

#include <stdio.h>
#include <string.h>

#include "base/survey.h"

/* The languages every barrier text is written in: the desks' languages. */
#define BARRIERS_LABEL_MAX 80   /* a check box, read in a glance */
#define BARRIERS_CITIZEN_MAX 160 /* a plain sentence for the widget */

static const struct rules_key rules_barriers_keys[] = { { "note", RULES_STRING, 0 },
							{ "langs", RULES_ARRAY, 1 },
							{ "barriers", RULES_ARRAY, 1 },
							{ NULL, 0, 0 } };
static const struct rules_key rules_barrier_keys[] = { { "code", RULES_STRING, 1 },
						       { "label", RULES_OBJECT, 1 },
						       { "citizen", RULES_OBJECT, 1 },
						       { "seeds", RULES_STRING, 0 },
						       { NULL, 0, 0 } };

static void rules_barrier_lengths(struct rules_loader *ld, const char *where, const char *key,
				  const json_t *texts, size_t max)
{
	const char *lang;
	json_t *text;

	json_object_foreach((json_t *)texts, lang, text)
		if (json_is_string(text) && strlen(json_string_value(text)) > max)
			rules_problem(ld, where, "\"%s\": the \"%s\" text is over %zu bytes", key,
				      lang, max);
}

/* The languages: exactly the desks' four, so no barrier lacks a text in
 * a language an agent or a citizen may use. */
static int rules_barrier_langs(struct rules_loader *ld, const json_t *langs)
{
	static const char *const want[] = { "nb", "nn", "en", "da", NULL };
	int ok = 1;

	for (int i = 0; want[i]; i++)
		if (!rules_array_has(langs, want[i])) {
			rules_problem(ld, NULL, "\"langs\" must include \"%s\"", want[i]);
			ok = 0;
		}
	return ok;
}

/* One barrier: its code in its place, its texts. 1 when it may be used. */
static int rules_barrier_one(struct rules_loader *ld, const json_t *langs, const json_t *b,
			     size_t i, int *seen)
{
	char where[128];
	const char *code;
	int k;

	snprintf(where, sizeof(where), "barrier %zu", i + 1);
	if (!json_is_object(b)) {
		rules_problem(ld, where, "must be an object, got %s", rules_json_type(b));
		return 0;
	}
	if ((code = rules_string(b, "code")))
		snprintf(where, sizeof(where), "barrier \"%s\"", code);
	rules_check_keys(ld, where, b, rules_barrier_keys);
	if (!code)
		return 0;
	if ((k = survey_barrier_index(code)) < 0) {
		rules_problem(ld, where,
			      "is not a code vegvisard stores; codes are added (never renamed) in "
			      "daemon/base/survey.c first");
		return 0;
	}
	if (seen[k]++) {
		rules_problem(ld, where, "is listed twice");
		return 0;
	}
	if ((size_t)k != i)
		rules_problem(ld, where, "must be number %d, in the order of the stored codes",
			      k + 1);
	rules_check_texts(ld, langs, where, "label", rules_typed(b, "label", RULES_OBJECT));
	rules_check_texts(ld, langs, where, "citizen", rules_typed(b, "citizen", RULES_OBJECT));
	rules_barrier_lengths(ld, where, "label", json_object_get(b, "label"), BARRIERS_LABEL_MAX);
	rules_barrier_lengths(ld, where, "citizen", json_object_get(b, "citizen"),
			      BARRIERS_CITIZEN_MAX);
	return 1;
}

json_t *rules_load_barriers(struct rules_loader *ld)
{
	json_t *root = rules_read(ld, "barriers.json"), *list, *langs, *b, *out;
	int seen[SURVEY_BARRIERS_MAX] = { 0 };
	unsigned before = ld->problems;
	size_t i;

	if (!root)
		return NULL;
	rules_check_keys(ld, NULL, root, rules_barriers_keys);
	langs = rules_typed(root, "langs", RULES_ARRAY);
	list = rules_typed(root, "barriers", RULES_ARRAY);
	out = json_array();
	if (langs && rules_barrier_langs(ld, langs)) {
		json_array_foreach(list, i, b)
			if (rules_barrier_one(ld, langs, b, i, seen))
				json_array_append_new(
					out, json_pack("{s:O,s:O,s:O}", "code", json_object_get(b, "code"),
						       "label", json_object_get(b, "label"), "citizen",
						       json_object_get(b, "citizen")));
		for (int k = 0; survey_barriers[k]; k++)
			if (!seen[k])
				rules_problem(ld, NULL, "barrier \"%s\" has no texts",
					      survey_barriers[k]);
	}
	json_decref(root);
	if (ld->problems != before) {
		json_decref(out);
		return NULL;
	}
	return out;
}

const json_t *rules_barriers(const struct rulebook *rb)
{
	return rb ? rb->barriers : NULL;
}
