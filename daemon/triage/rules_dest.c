/* rules_dest.c - the destination directory: where callers are sent.
 *
 * Each destination field carries its text (one string, or one per
 * language), the public page that confirms it and the day it was checked
 * (with "also" the other pages that confirm the rest of a text drawn from
 * several), or says that no page confirms it. A step sends a destination
 * in the reader's language with the field names that are not confirmed,
 * so the screens can show a neutral badge instead of research notes. */
#include "rules_internal.h"

#include <stdio.h>
#include <string.h>

/* The text fields, in the order the protocol sends them. */
static const char *const rules_dest_fields[] = { "name",  "mandate", "phone", "web",
						 "hours", "other",   NULL };
static const struct rules_key rules_dests_keys[] = { { "country", RULES_STRING, 1 },
						     { "note", RULES_STRING, 0 },
						     { "destinations", RULES_ARRAY, 1 },
						     { NULL, 0, 0 } };
static const struct rules_key rules_dest_keys[] = {
	{ "id", RULES_STRING, 1 },    { "name", RULES_OBJECT, 1 }, { "mandate", RULES_OBJECT, 1 },
	{ "phone", RULES_OBJECT, 0 }, { "web", RULES_OBJECT, 0 },  { "hours", RULES_OBJECT, 0 },
	{ "other", RULES_OBJECT, 0 }, { "note", RULES_STRING, 0 }, { NULL, 0, 0 }
};
static const struct rules_key rules_field_keys[] = {
	{ "text", RULES_TEXT, 1 },      { "dial", RULES_STRING, 0 },
	{ "source", RULES_STRING, 0 },  { "also", RULES_ARRAY, 0 },
	{ "checked", RULES_STRING, 0 }, { "unconfirmed", RULES_BOOL, 0 },
	{ "note", RULES_STRING, 0 },    { NULL, 0, 0 }
};

/* A field drawn from more pages than this is more than one field. */
#define RULES_DEST_MAX_ALSO 4

/* YYYY-MM-DD, with a plausible month and day. */
static int rules_date_valid(const char *s)
{
	int y, m, d;
	char end;

	return s && strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) == 3 &&
	       y >= 2000 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* A field's keys, with "text" allowed as one string for every language. */
static void rules_check_field(struct rules_loader *ld, const char *where, const char *name,
			      const json_t *f)
{
	char fwhere[320];
	const char *source = rules_string(f, "source"), *dial = rules_string(f, "dial");
	json_t *text = json_object_get(f, "text"), *also = json_object_get(f, "also"), *page;
	int unconfirmed = json_is_true(json_object_get(f, "unconfirmed"));
	size_t i;

	snprintf(fwhere, sizeof(fwhere), "%s: %s", where, name);
	rules_check_keys(ld, fwhere, f, rules_field_keys);
	if (json_is_string(text) && !*json_string_value(text))
		rules_problem(ld, fwhere, "\"text\" must not be empty");
	if (unconfirmed && source)
		rules_problem(ld, fwhere, "has a source and says it is unconfirmed");
	if (!unconfirmed && !source)
		rules_problem(ld, fwhere,
			      "needs \"source\" and \"checked\", or \"unconfirmed\": true");
	if (source && !rules_is_address(source))
		rules_problem(ld, fwhere, "\"source\" must be a web address (https://…)");
	if (json_is_array(also) && !source)
		rules_problem(ld, fwhere, "\"also\" adds pages to a \"source\", and there is none");
	if (json_array_size(also) > RULES_DEST_MAX_ALSO)
		rules_problem(ld, fwhere, "\"also\" lists more than %d pages", RULES_DEST_MAX_ALSO);
	json_array_foreach(also, i, page)
		if (!json_is_string(page) || !rules_is_address(json_string_value(page)))
			rules_problem(ld, fwhere, "\"also\" entry %zu must be a web address",
				      i + 1);
	if (source && !rules_date_valid(rules_string(f, "checked")))
		rules_problem(ld, fwhere, "\"checked\" must be a date (YYYY-MM-DD)");
	if (dial && (strcmp(name, "phone") || dial[0] != '+' || strlen(dial) < 4 ||
		     strspn(dial + 1, "0123456789") != strlen(dial) - 1))
		rules_problem(ld, fwhere, "\"dial\" must be a phone number as + and digits");
}

json_t *rules_load_destinations(struct rules_loader *ld, enum rules_country c)
{
	const char *country = names_countries[c], *id;
	const char *const *f;
	json_t *root, *dests, *list, *d, *field;
	char name[64], where[160];
	size_t i;

	snprintf(name, sizeof(name), "destinations/%s.json", country);
	if (!(root = rules_read(ld, name)))
		return NULL;
	dests = json_object();
	rules_check_keys(ld, NULL, root, rules_dests_keys);
	rules_check_country(ld, root, country);
	list = rules_typed(root, "destinations", RULES_ARRAY);
	json_array_foreach(list, i, d) {
		snprintf(where, sizeof(where), "destination %zu", i + 1);
		if (!json_is_object(d)) {
			rules_problem(ld, where, "must be an object, got %s", rules_json_type(d));
			continue;
		}
		if ((id = rules_string(d, "id")))
			snprintf(where, sizeof(where), "destination \"%s\"", id);
		rules_check_keys(ld, where, d, rules_dest_keys);
		for (f = rules_dest_fields; *f; f++)
			if ((field = rules_typed(d, *f, RULES_OBJECT)))
				rules_check_field(ld, where, *f, field);
		if (!id)
			continue;
		/* The prefix lets a tree's error say which country a stray id is from. */
		if (strncmp(id, country, 2) || id[2] != '.')
			rules_problem(ld, where, "id must start with \"%s.\"", country);
		else if (json_object_get(dests, id))
			rules_problem(ld, where, "is defined twice");
		else
			json_object_set(dests, id, d);
	}
	json_decref(root);
	return dests;
}

void rules_check_destination_langs(struct rules_loader *ld, enum rules_country c,
				   const json_t *langs)
{
	const char *id;
	const char *const *f;
	json_t *d, *text;
	char where[320];

	snprintf(ld->file, sizeof(ld->file), "%s/destinations/%s.json", ld->dir,
		 names_countries[c]);
	json_object_foreach(ld->rb->destinations[c], id, d)
		for (f = rules_dest_fields; *f; f++) {
			text = json_object_get(json_object_get(d, *f), "text");
			snprintf(where, sizeof(where), "destination \"%s\": %s", id, *f);
			if (json_is_object(text))
				rules_check_texts(ld, langs, where, "text", text);
		}
}

/* One page that confirms a field, as a step sends it. */
static json_t *rules_dest_source(const char *field, json_t *url, json_t *checked)
{
	return json_pack("{s:s, s:O, s:O}", "field", field, "url", url, "checked", checked);
}

json_t *rules_destination_localized(const struct rulebook *rb, const char *id, const char *lang)
{
	const json_t *d = rules_destination(rb, id), *field, *text;
	json_t *out, *sources, *unverified, *page, *checked;
	const char *const *f;
	const char *s;
	size_t i;

	if (!d)
		return NULL;
	out = json_pack("{s:s}", "id", id);
	sources = json_array();
	unverified = json_array();
	for (f = rules_dest_fields; *f; f++) {
		if (!(field = json_object_get(d, *f)))
			continue;
		text = json_object_get(field, "text");
		s = json_is_string(text) ? json_string_value(text)
					 : json_string_value(json_object_get(text, lang));
		json_object_set_new(out, *f, json_string(s ? s : ""));
		if (!strcmp(*f, "phone") && json_object_get(field, "dial"))
			json_object_set(out, "dial", json_object_get(field, "dial"));
		if (json_is_true(json_object_get(field, "unconfirmed"))) {
			json_array_append_new(unverified, json_string(*f));
			continue;
		}
		/* One entry per page, the cited one first: the screens link each. */
		checked = json_object_get(field, "checked");
		json_array_append_new(
			sources, rules_dest_source(*f, json_object_get(field, "source"), checked));
		json_array_foreach(json_object_get(field, "also"), i, page)
			json_array_append_new(sources, rules_dest_source(*f, page, checked));
	}
	json_object_set_new(out, "sources", sources);
	json_object_set_new(out, "unverified", unverified);
	return out;
}

const json_t *rules_destination(const struct rulebook *rb, const char *id)
{
	json_t *d;
	int c;

	for (c = 0; id && c < RULES_NCOUNTRIES; c++)
		if ((d = json_object_get(rb->destinations[c], id)))
			return d;
	return NULL;
}

const char *rules_destination_name(const struct rulebook *rb, const char *id, const char *lang)
{
	const json_t *text =
		json_object_get(json_object_get(rules_destination(rb, id), "name"), "text");
	const char *s;

	if (json_is_string(text))
		return json_string_value(text);
	if (lang && (s = json_string_value(json_object_get(text, lang))))
		return s;
	/* No such language: the first one the author wrote. */
	return json_string_value(json_object_iter_value(json_object_iter((json_t *)text)));
}

json_t *rules_destination_json(const struct rulebook *rb, const char *id)
{
	const struct rules_tree *t = rules_tree(rb, id ? (id[0] == 'd' ? "dk" : "no") : NULL);

	return rules_destination_localized(
		rb, id, t ? json_string_value(json_array_get(t->langs, 0)) : NULL);
}
