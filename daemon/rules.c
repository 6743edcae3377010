/* rules.c - load and validate the rules directory as one rulebook.
 *
 * Loading never stops at the first problem: every check runs and reports
 * through the caller's callback, naming file and node, so a tree author can
 * fix a whole file in one round. Checks that depend on a file that could not
 * be parsed at all (the vocabulary, a destinations file) are skipped rather
 * than repeated once per node. */
#include "rules_internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *const rules_countries[RULES_NCOUNTRIES] = { "no", "dk" };
static const char *const rules_categories[] = { "login",  "reservation", "power_of_attorney",
						"agency", "estate",      NULL };
/* A destination's text fields, in the order the protocol sends them. */
static const char *const rules_dest_fields[] = { "id",    "name",    "phone", "web",
						 "hours", "mandate", "other", NULL };

/* State of one rules_load call. */
struct rules_loader {
	rules_report_fn report;
	void *ctx;
	const char *dir;
	char file[PATH_MAX]; /* the file being checked, as problems name it */
	unsigned problems;
	struct rulebook *rb;
	enum rules_country country; /* of the tree being checked */
};

enum rules_type { RULES_STRING, RULES_OBJECT, RULES_ARRAY, RULES_BOOL };

/* One key a JSON object may have. Tables of these end with a NULL name. */
struct rules_key {
	const char *name;
	enum rules_type type;
	int required;
};

/* What each kind of JSON object may hold. */
static const struct rules_key rules_vocabulary_keys[] = { { "facts", RULES_ARRAY, 1 },
							  { "note", RULES_STRING, 0 },
							  { NULL, 0, 0 } };
static const struct rules_key rules_fact_keys[] = { { "id", RULES_STRING, 1 },
						    { "en", RULES_STRING, 0 },
						    { "question_en", RULES_STRING, 0 },
						    { "values", RULES_ARRAY, 1 },
						    { NULL, 0, 0 } };
static const struct rules_key rules_value_keys[] = { { "id", RULES_STRING, 1 },
						     { "en", RULES_STRING, 0 },
						     { NULL, 0, 0 } };
static const struct rules_key rules_dests_keys[] = { { "country", RULES_STRING, 1 },
						     { "note", RULES_STRING, 0 },
						     { "destinations", RULES_ARRAY, 1 },
						     { NULL, 0, 0 } };
static const struct rules_key rules_dest_keys[] = {
	{ "id", RULES_STRING, 1 },    { "name", RULES_STRING, 1 },   { "mandate", RULES_STRING, 1 },
	{ "phone", RULES_STRING, 1 }, { "other", RULES_STRING, 1 },  { "web", RULES_STRING, 1 },
	{ "hours", RULES_STRING, 1 }, { "sources", RULES_ARRAY, 1 }, { NULL, 0, 0 }
};
static const struct rules_key rules_tree_keys[] = { { "country", RULES_STRING, 1 },
						    { "version", RULES_STRING, 1 },
						    { "langs", RULES_ARRAY, 1 },
						    { "start", RULES_STRING, 1 },
						    { "nodes", RULES_OBJECT, 1 },
						    { "note", RULES_STRING, 0 },
						    { NULL, 0, 0 } };
static const struct rules_key rules_question_keys[] = { { "fact", RULES_STRING, 1 },
							{ "audience", RULES_STRING, 0 },
							{ "text", RULES_OBJECT, 1 },
							{ "help", RULES_OBJECT, 0 },
							{ "options", RULES_ARRAY, 1 },
							{ "note", RULES_STRING, 0 },
							{ NULL, 0, 0 } };
static const struct rules_key rules_option_keys[] = { { "value", RULES_STRING, 1 },
						      { "label", RULES_OBJECT, 1 },
						      { "next", RULES_STRING, 1 },
						      { NULL, 0, 0 } };
static const struct rules_key rules_result_keys[] = {
	{ "destination", RULES_STRING, 1 }, { "category", RULES_STRING, 1 },
	{ "first_line", RULES_BOOL, 1 },    { "audience", RULES_STRING, 0 },
	{ "advice", RULES_OBJECT, 1 },      { "bring", RULES_OBJECT, 0 },
	{ "note", RULES_STRING, 0 },        { NULL, 0, 0 }
};

size_t rules_appendf(char *buf, size_t size, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf || len + 1 >= size)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return len;
	return len + (size_t)n < size ? len + (size_t)n : size - 1;
}

size_t rules_append_list(char *buf, size_t size, size_t len, const json_t *strings)
{
	size_t i;

	for (i = 0; i < json_array_size(strings); i++)
		len = rules_appendf(buf, size, len, "%s%s", i ? ", " : "",
				    json_string_value(json_array_get(strings, i)));
	return len;
}

size_t rules_append_facts(char *buf, size_t size, const struct rulebook *rb)
{
	const char *fact;
	json_t *values;
	size_t len = 0;

	buf[0] = '\0';
	json_object_foreach(rb->vocabulary, fact, values)
		len = rules_appendf(buf, size, len, "%s%s", len ? ", " : "", fact);
	return len;
}

static int rules_array_has(const json_t *strings, const char *s)
{
	size_t i;

	for (i = 0; i < json_array_size(strings); i++)
		if (!strcmp(json_string_value(json_array_get(strings, i)), s))
			return 1;
	return 0;
}

static void rules_emit(struct rules_loader *ld, const char *line)
{
	ld->problems++;
	if (ld->report)
		ld->report(ld->ctx, line);
	else
		log_err("%s", line);
}

/* Reports one problem as "file: where: message" (where may be NULL). */
static void rules_problem(struct rules_loader *ld, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rules_problem(struct rules_loader *ld, const char *where, const char *fmt, ...)
{
	char msg[1024], line[PATH_MAX + 1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (where)
		snprintf(line, sizeof(line), "%s: %s: %s", ld->file, where, msg);
	else
		snprintf(line, sizeof(line), "%s: %s", ld->file, msg);
	rules_emit(ld, line);
}

/* Parses dir/name into an object; reports syntax errors with line:column. */
static json_t *rules_read(struct rules_loader *ld, const char *name)
{
	size_t len = strlen(ld->dir);
	json_error_t error;
	json_t *root;
	char line[PATH_MAX + 256];

	while (len > 1 && ld->dir[len - 1] == '/')
		len--;
	snprintf(ld->file, sizeof(ld->file), "%.*s/%s", (int)len, ld->dir, name);
	root = json_load_file(ld->file, JSON_REJECT_DUPLICATES, &error);
	if (!root) {
		if (json_error_code(&error) == json_error_cannot_open_file)
			snprintf(line, sizeof(line), "%s", error.text); /* it names the file */
		else
			snprintf(line, sizeof(line), "%s:%d:%d: %s", ld->file, error.line,
				 error.column, error.text);
		rules_emit(ld, line);
		return NULL;
	}
	if (!json_is_object(root)) {
		rules_problem(ld, NULL, "the top level must be an object");
		json_decref(root);
		return NULL;
	}
	return root;
}

static const char *rules_type_name(enum rules_type type)
{
	static const char *const names[] = { "a string", "an object", "an array", "a boolean" };

	return names[type];
}

static const char *rules_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		break;
	}
	return "null";
}

static int rules_has_type(const json_t *v, enum rules_type type)
{
	return !strcmp(rules_json_type(v), rules_type_name(type));
}

/* The member key of obj if it has the type, else NULL (its problem is reported
 * once, by rules_check_keys). */
static json_t *rules_typed(const json_t *obj, const char *key, enum rules_type type)
{
	json_t *v = json_object_get(obj, key);

	return v && rules_has_type(v, type) ? v : NULL;
}

static const char *rules_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A file's "country" must match its name. */
static void rules_check_country(struct rules_loader *ld, const json_t *root, const char *country)
{
	const char *got = rules_string(root, "country");

	if (got && strcmp(got, country))
		rules_problem(ld, NULL, "\"country\" is \"%s\", expected \"%s\"", got, country);
}

/* Reports missing required keys, keys of the wrong type and unknown keys. */
static void rules_check_keys(struct rules_loader *ld, const char *where, const json_t *obj,
			     const struct rules_key *keys)
{
	const struct rules_key *k;
	const char *name;
	json_t *v;
	char allowed[256];
	size_t len = 0;

	for (k = keys; k->name; k++) {
		len = rules_appendf(allowed, sizeof(allowed), len, "%s%s", len ? ", " : "",
				    k->name);
		v = json_object_get(obj, k->name);
		if (!v && k->required)
			rules_problem(ld, where, "missing required \"%s\"", k->name);
		else if (v && !rules_has_type(v, k->type))
			rules_problem(ld, where, "\"%s\" must be %s, got %s", k->name,
				      rules_type_name(k->type), rules_json_type(v));
	}
	json_object_foreach((json_t *)obj, name, v) {
		for (k = keys; k->name && strcmp(k->name, name); k++)
			;
		if (!k->name)
			rules_problem(ld, where, "unknown key \"%s\" (allowed: %s)", name, allowed);
	}
}

static json_t *rules_load_vocabulary(struct rules_loader *ld)
{
	json_t *root = rules_read(ld, "vocabulary.json"), *vocab, *facts, *fact, *values, *list,
	       *value;
	char where[160], vwhere[320];
	const char *id, *vid;
	size_t i, j;

	if (!root)
		return NULL;
	vocab = json_object();
	rules_check_keys(ld, NULL, root, rules_vocabulary_keys);
	facts = rules_typed(root, "facts", RULES_ARRAY);
	json_array_foreach(facts, i, fact) {
		snprintf(where, sizeof(where), "fact %zu", i + 1);
		if (!json_is_object(fact)) {
			rules_problem(ld, where, "must be an object, got %s",
				      rules_json_type(fact));
			continue;
		}
		if ((id = rules_string(fact, "id")))
			snprintf(where, sizeof(where), "fact \"%s\"", id);
		rules_check_keys(ld, where, fact, rules_fact_keys);
		if (!id)
			continue;
		if (json_object_get(vocab, id)) {
			rules_problem(ld, where, "is defined twice");
			continue;
		}
		json_object_set_new(vocab, id, values = json_array());
		list = rules_typed(fact, "values", RULES_ARRAY);
		json_array_foreach(list, j, value) {
			snprintf(vwhere, sizeof(vwhere), "%s: value %zu", where, j + 1);
			if (!json_is_object(value)) {
				rules_problem(ld, vwhere, "must be an object, got %s",
					      rules_json_type(value));
				continue;
			}
			if ((vid = rules_string(value, "id")))
				snprintf(vwhere, sizeof(vwhere), "%s: value \"%s\"", where, vid);
			rules_check_keys(ld, vwhere, value, rules_value_keys);
			if (vid && rules_array_has(values, vid))
				rules_problem(ld, vwhere, "is defined twice");
			else if (vid)
				json_array_append_new(values, json_string(vid));
		}
		if (list && !json_array_size(list))
			rules_problem(ld, where, "has no values");
	}
	json_decref(root);
	return vocab;
}

/* A destination as the protocol sends it, with the names of the fields whose
 * text is marked UNVERIFIED, so clients can show the mark next to the field. */
static json_t *rules_destination_build(const json_t *d)
{
	json_t *out = json_object(), *unverified = json_array();
	const char *const *f;
	const char *s;

	for (f = rules_dest_fields; *f; f++) {
		if (!(s = rules_string(d, *f)))
			continue; /* reported by rules_check_keys */
		json_object_set_new(out, *f, json_string(s));
		if (strstr(s, "UNVERIFIED"))
			json_array_append_new(unverified, json_string(*f));
	}
	json_object_set_new(out, "sources", json_deep_copy(json_object_get(d, "sources")));
	json_object_set_new(out, "unverified", unverified);
	return out;
}

static json_t *rules_load_destinations(struct rules_loader *ld, enum rules_country c)
{
	const char *country = rules_countries[c], *id;
	json_t *root, *dests, *list, *d, *sources, *source;
	char name[64], where[160];
	size_t i, j;

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
		sources = rules_typed(d, "sources", RULES_ARRAY);
		json_array_foreach(sources, j, source)
			if (!json_is_string(source))
				rules_problem(ld, where, "source %zu must be a string, got %s",
					      j + 1, rules_json_type(source));
		if (!id)
			continue;
		/* The prefix lets a tree's error say which country a stray id is from. */
		if (strncmp(id, country, 2) || id[2] != '.')
			rules_problem(ld, where, "id must start with \"%s.\"", country);
		else if (json_object_get(dests, id))
			rules_problem(ld, where, "is defined twice");
		else
			json_object_set_new(dests, id, rules_destination_build(d));
	}
	json_decref(root);
	return dests;
}

/* Checks a per-language object: a non-empty string for every declared
 * language, and no language the tree does not declare. */
static void rules_check_texts(struct rules_loader *ld, const struct rules_tree *t,
			      const char *where, const char *key, const json_t *texts)
{
	const char *lang;
	json_t *text;
	size_t i;

	if (!texts || !t->langs)
		return;
	for (i = 0; i < json_array_size(t->langs); i++) {
		lang = json_string_value(json_array_get(t->langs, i));
		text = json_object_get(texts, lang);
		if (!text)
			rules_problem(ld, where, "\"%s\" has no \"%s\" text", key, lang);
		else if (!json_is_string(text) || !*json_string_value(text))
			rules_problem(ld, where, "\"%s\": \"%s\" must be a non-empty string", key,
				      lang);
	}
	json_object_foreach((json_t *)texts, lang, text)
		if (!rules_tree_has_lang(t, lang))
			rules_problem(
				ld, where,
				"\"%s\" has a \"%s\" text, but \"langs\" does not declare \"%s\"",
				key, lang, lang);
}

static void rules_check_langs(struct rules_loader *ld, struct rules_tree *t)
{
	json_t *langs = rules_typed(t->root, "langs", RULES_ARRAY), *lang;
	size_t i, j;
	int bad = 0;

	if (!langs)
		return;
	if (!json_array_size(langs)) {
		rules_problem(ld, NULL, "\"langs\" is empty");
		return;
	}
	json_array_foreach(langs, i, lang) {
		if (!json_is_string(lang) || !*json_string_value(lang)) {
			rules_problem(ld, NULL, "\"langs\" entry %zu must be a non-empty string",
				      i + 1);
			bad = 1;
			continue;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(langs, j), lang)) {
				rules_problem(ld, NULL, "\"langs\" names \"%s\" twice",
					      json_string_value(lang));
				bad = 1;
			}
	}
	/* Without usable langs every text would be reported; report langs once. */
	if (!bad)
		t->langs = langs;
}

/* `option "self"`, or `option 2` when it has no value to name it by. */
static const char *rules_option_name(char *buf, size_t size, const struct rules_option *o, size_t i)
{
	if (o->value)
		snprintf(buf, size, "option \"%s\"", o->value);
	else
		snprintf(buf, size, "option %zu", i + 1);
	return buf;
}

static void rules_parse_option(struct rules_loader *ld, struct rules_tree *t, struct rules_node *n,
			       const char *where, json_t *values, json_t *opt)
{
	struct rules_option *o = &n->options[n->noptions];
	char oname[160], owhere[448], list[768];
	const char *next;
	size_t j;

	o->next = RULES_NO_NODE;
	if (!json_is_object(opt)) {
		rules_problem(ld, where, "option %zu must be an object, got %s", n->noptions + 1,
			      rules_json_type(opt));
		n->noptions++;
		return;
	}
	o->value = rules_string(opt, "value");
	o->label = rules_typed(opt, "label", RULES_OBJECT);
	rules_option_name(oname, sizeof(oname), o, n->noptions);
	snprintf(owhere, sizeof(owhere), "%s: %s", where, oname);
	rules_check_keys(ld, owhere, opt, rules_option_keys);
	rules_check_texts(ld, t, owhere, "label", o->label);
	if ((next = rules_string(opt, "next"))) {
		o->next = rules_node_index(t, next);
		if (o->next == RULES_NO_NODE)
			rules_problem(ld, where, "%s points to unknown node \"%s\"", oname, next);
	}
	if (o->value) {
		if (values && !rules_array_has(values, o->value)) {
			rules_append_list(list, sizeof(list), 0, values);
			rules_problem(ld, where, "%s is not a value of fact \"%s\"; allowed: %s",
				      oname, n->fact, list);
		}
		for (j = 0; j < n->noptions; j++)
			if (n->options[j].value && !strcmp(n->options[j].value, o->value)) {
				rules_problem(ld, where,
					      "options %zu and %zu both have value \"%s\"", j + 1,
					      n->noptions + 1, o->value);
				break;
			}
		if (!strcmp(o->value, "unknown") && n->unknown_option == RULES_NO_NODE)
			n->unknown_option = n->noptions;
	}
	n->noptions++;
}

static void rules_parse_question(struct rules_loader *ld, struct rules_tree *t,
				 struct rules_node *n, const char *where, const json_t *obj)
{
	json_t *values = NULL, *options, *opt;
	char list[768];
	size_t i;

	n->is_question = 1;
	n->unknown_option = RULES_NO_NODE;
	rules_check_keys(ld, where, obj, rules_question_keys);
	n->fact = rules_string(obj, "fact");
	if (n->fact && ld->rb->vocabulary && !(values = rules_fact_values(ld->rb, n->fact))) {
		rules_append_facts(list, sizeof(list), ld->rb);
		rules_problem(ld, where, "fact \"%s\" is not in the vocabulary; facts: %s", n->fact,
			      list);
	}
	n->text = rules_typed(obj, "text", RULES_OBJECT);
	n->help = rules_typed(obj, "help", RULES_OBJECT);
	rules_check_texts(ld, t, where, "text", n->text);
	rules_check_texts(ld, t, where, "help", n->help);
	if (!(options = rules_typed(obj, "options", RULES_ARRAY)))
		return;
	if (!json_array_size(options)) {
		rules_problem(ld, where, "\"options\" is empty");
		return;
	}
	if (!(n->options = calloc(json_array_size(options), sizeof(*n->options)))) {
		rules_problem(ld, where, "out of memory");
		return;
	}
	json_array_foreach(options, i, opt)
		rules_parse_option(ld, t, n, where, values, opt);
	if (n->unknown_option == RULES_NO_NODE)
		rules_problem(
			ld, where,
			"has no option with value \"unknown\" (every question needs one, for callers who do not know and for known values no option matches)");
}

static void rules_parse_result(struct rules_loader *ld, struct rules_tree *t, struct rules_node *n,
			       const char *where, const json_t *obj)
{
	const struct rulebook *rb = ld->rb;
	enum rules_country own = ld->country, other = own == RULES_NO ? RULES_DK : RULES_NO;
	const char *const *cat;
	const char *id;

	rules_check_keys(ld, where, obj, rules_result_keys);
	n->category = rules_string(obj, "category");
	n->first_line = json_is_true(json_object_get(obj, "first_line"));
	n->advice = rules_typed(obj, "advice", RULES_OBJECT);
	n->bring = rules_typed(obj, "bring", RULES_OBJECT);
	rules_check_texts(ld, t, where, "advice", n->advice);
	rules_check_texts(ld, t, where, "bring", n->bring);
	for (cat = rules_categories; n->category && *cat && strcmp(*cat, n->category); cat++)
		;
	if (n->category && !*cat)
		rules_problem(
			ld, where,
			"category \"%s\" is not one of login, reservation, power_of_attorney, agency, estate",
			n->category);
	if (!(id = n->destination = rules_string(obj, "destination")))
		return;
	if ((n->destination_json = json_object_get(rb->destinations[own], id)))
		return;
	if (json_object_get(rb->destinations[other], id) ||
	    (!strncmp(id, rules_countries[other], 2) && id[2] == '.'))
		rules_problem(ld, where, "destination \"%s\" belongs to %s, not %s", id,
			      rules_countries[other], rules_countries[own]);
	else if (rb->destinations[own])
		rules_problem(ld, where, "destination \"%s\" is not in destinations/%s.json", id,
			      rules_countries[own]);
}

static void rules_parse_node(struct rules_loader *ld, struct rules_tree *t, struct rules_node *n,
			     const json_t *obj)
{
	int has_fact = json_object_get(obj, "fact") != NULL;
	int has_destination = json_object_get(obj, "destination") != NULL;
	const char *audience;
	char where[256];

	snprintf(where, sizeof(where), "node \"%s\"", n->id);
	n->citizen = 1;
	if (!json_is_object(obj)) {
		rules_problem(ld, where, "must be an object, got %s", rules_json_type(obj));
		return;
	}
	if (has_fact == has_destination) {
		rules_problem(
			ld, where,
			has_fact
				? "has both \"fact\" and \"destination\"; a node is either a question or a result"
				: "has neither \"fact\" (a question) nor \"destination\" (a result)");
		return;
	}
	audience = rules_string(obj, "audience");
	if (audience && strcmp(audience, "citizen") && strcmp(audience, "agent"))
		rules_problem(ld, where,
			      "\"audience\" must be \"citizen\" or \"agent\", got \"%s\"",
			      audience);
	n->citizen = !audience || strcmp(audience, "agent");
	if (has_fact) {
		t->questions++;
		rules_parse_question(ld, t, n, where, obj);
	} else {
		t->results++;
		rules_parse_result(ld, t, n, where, obj);
	}
}

/* The widget shows citizens only citizen questions, so no citizen question may
 * lead straight to an agent-only one (checked per edge, which also rules out
 * every longer citizen path). */
static void rules_check_audience(struct rules_loader *ld, const struct rules_tree *t)
{
	const struct rules_node *n, *to;
	char where[256], oname[160];
	size_t i, j;

	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		for (j = 0; n->is_question && n->citizen && j < n->noptions; j++) {
			if (n->options[j].next == RULES_NO_NODE)
				continue;
			to = &t->nodes[n->options[j].next];
			if (!to->is_question || to->citizen)
				continue;
			snprintf(where, sizeof(where), "node \"%s\"", n->id);
			rules_problem(
				ld, where,
				"%s leads from a citizen question to agent-only question \"%s\"; citizen paths must not ask agent-only questions",
				rules_option_name(oname, sizeof(oname), &n->options[j], j), to->id);
		}
	}
}

/* The graph checks' view of one node. */
struct rules_visit {
	unsigned char state; /* 0 unseen, 1 on the walk's stack, 2 done */
	size_t next_option;  /* the next option the walk follows */
	size_t order;        /* position in topological order */
	size_t questions;    /* most questions asked before reaching the node */
	size_t pred;         /* the node before it on that longest path */
};

/* Joins ids[0..n) and then last (if not NULL) as "a → b → c". */
static void rules_join_path(char *buf, size_t size, const struct rules_tree *t, const size_t *ids,
			    size_t n, const char *last)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		len = rules_appendf(buf, size, len, "%s%s", i ? " → " : "", t->nodes[ids[i]].id);
	if (last)
		rules_appendf(buf, size, len, " → %s", last);
}

/* One depth-first walk from the start node finds cycles and unreachable
 * nodes; then the longest question path to every node is taken in
 * topological order. An edge that closes a cycle is reported and left out,
 * so the depth check still covers the rest of the tree. */
static void rules_check_graph(struct rules_loader *ld, struct rules_tree *t)
{
	struct rules_visit *v = calloc(t->nnodes, sizeof(*v));
	size_t *stack = calloc(t->nnodes, sizeof(*stack)), *post = calloc(t->nnodes, sizeof(*post));
	size_t sp = 0, npost = 0, i, j, k, u, w;
	const struct rules_node *n;
	char where[256], oname[160], path[900];

	if (!v || !stack || !post) {
		rules_problem(ld, NULL, "out of memory");
		goto out;
	}
	v[t->start].state = 1;
	stack[sp++] = t->start;
	while (sp) {
		n = &t->nodes[u = stack[sp - 1]];
		if (!n->is_question || v[u].next_option == n->noptions) {
			v[u].state = 2;
			post[npost++] = u;
			sp--;
			continue;
		}
		j = v[u].next_option++;
		if ((w = n->options[j].next) == RULES_NO_NODE)
			continue;
		if (v[w].state == 0) {
			v[w].state = 1;
			stack[sp++] = w;
		} else if (v[w].state == 1) {
			for (k = 0; stack[k] != w; k++)
				;
			rules_join_path(path, sizeof(path), t, stack + k, sp - k, t->nodes[w].id);
			snprintf(where, sizeof(where), "node \"%s\"", n->id);
			rules_problem(ld, where, "%s points back to \"%s\", closing a cycle: %s",
				      rules_option_name(oname, sizeof(oname), &n->options[j], j),
				      t->nodes[w].id, path);
		}
	}
	for (i = 0; i < t->nnodes; i++) {
		if (v[i].state)
			continue;
		snprintf(where, sizeof(where), "node \"%s\"", t->nodes[i].id);
		rules_problem(ld, where, "is unreachable from start node \"%s\"",
			      t->nodes[t->start].id);
	}
	for (i = 0; i < npost; i++) {
		v[post[npost - 1 - i]].order = i;
		v[post[i]].pred = RULES_NO_NODE;
	}
	for (i = 0; i < npost; i++) {
		n = &t->nodes[u = post[npost - 1 - i]];
		for (j = 0; n->is_question && j < n->noptions; j++) {
			w = n->options[j].next;
			if (w == RULES_NO_NODE || v[w].order <= v[u].order)
				continue; /* unknown node, or an edge back into a cycle */
			if (v[u].questions + 1 > v[w].questions) {
				v[w].questions = v[u].questions + 1;
				v[w].pred = u;
			}
		}
	}
	for (i = 0; i < npost; i++) {
		n = &t->nodes[u = post[i]];
		if (n->is_question)
			continue;
		if (v[u].questions > t->depth)
			t->depth = v[u].questions;
		if (v[u].questions <= RULES_MAX_QUESTIONS)
			continue;
		for (k = 0, w = u; w != RULES_NO_NODE; w = v[w].pred)
			stack[t->nnodes - 1 - k++] = w;
		rules_join_path(path, sizeof(path), t, stack + t->nnodes - k, k, NULL);
		snprintf(where, sizeof(where), "node \"%s\"", n->id);
		rules_problem(ld, where, "result needs %zu questions (at most %d): %s",
			      v[u].questions, RULES_MAX_QUESTIONS, path);
	}
out:
	free(v);
	free(stack);
	free(post);
}

/* Node ids appear in paths, logs and URLs; keep them plain. */
static int rules_id_valid(const char *id)
{
	return *id && strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(id);
}

static struct rules_tree *rules_load_tree(struct rules_loader *ld, enum rules_country c)
{
	struct rules_tree *t;
	const char *id, *start;
	json_t *root, *nodes, *node;
	char name[16], where[256];
	size_t i;

	snprintf(name, sizeof(name), "%s.json", rules_countries[c]);
	if (!(root = rules_read(ld, name)))
		return NULL;
	if (!(t = calloc(1, sizeof(*t)))) {
		rules_problem(ld, NULL, "out of memory");
		json_decref(root);
		return NULL;
	}
	ld->country = c;
	t->rb = ld->rb;
	t->root = root;
	t->country = rules_countries[c];
	t->start = RULES_NO_NODE;
	t->index = json_object();
	rules_check_keys(ld, NULL, root, rules_tree_keys);
	rules_check_country(ld, root, t->country);
	if ((t->version = rules_string(root, "version")) && !*t->version)
		rules_problem(ld, NULL, "\"version\" must not be empty");
	rules_check_langs(ld, t);
	nodes = rules_typed(root, "nodes", RULES_OBJECT);
	if (nodes && !json_object_size(nodes))
		rules_problem(ld, NULL, "\"nodes\" is empty");
	if (!(t->nodes = calloc(json_object_size(nodes) + 1, sizeof(*t->nodes)))) {
		rules_problem(ld, NULL, "out of memory");
		return t;
	}
	/* Number every node first, so options can point forward. */
	json_object_foreach(nodes, id, node) {
		if (!rules_id_valid(id)) {
			snprintf(where, sizeof(where), "node \"%s\"", id);
			rules_problem(ld, where, "id may only use a-z, 0-9, '_', '.' and '-'");
		}
		t->nodes[t->nnodes].id = id;
		json_object_set_new(t->index, id, json_integer((json_int_t)t->nnodes++));
	}
	t->nlangs = t->langs ? json_array_size(t->langs) : 0;
	if (!(t->wire = calloc(t->nnodes * t->nlangs + 1, sizeof(*t->wire)))) {
		rules_problem(ld, NULL, "out of memory");
		return t;
	}
	i = 0;
	json_object_foreach(nodes, id, node)
		rules_parse_node(ld, t, &t->nodes[i++], node);
	if ((start = rules_string(root, "start"))) {
		t->start = rules_node_index(t, start);
		if (t->start == RULES_NO_NODE)
			rules_problem(ld, NULL, "start node \"%s\" does not exist", start);
	}
	rules_check_audience(ld, t);
	/* Without a start node every node would be reported unreachable. */
	if (t->start != RULES_NO_NODE)
		rules_check_graph(ld, t);
	return t;
}

static void rules_tree_free(struct rules_tree *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nnodes; i++)
		free(t->nodes[i].options);
	for (i = 0; t->wire && i < t->nnodes * t->nlangs; i++)
		free(t->wire[i].text);
	free(t->wire);
	free(t->nodes);
	json_decref(t->index);
	json_decref(t->root);
	free(t);
}

struct rulebook *rules_load(const char *dir, rules_report_fn report, void *ctx)
{
	struct rules_loader ld = { .report = report, .ctx = ctx, .dir = dir };
	struct rulebook *rb;
	int c;

	snprintf(ld.file, sizeof(ld.file), "%s", dir);
	if (!(rb = ld.rb = calloc(1, sizeof(*rb)))) {
		rules_problem(&ld, NULL, "out of memory");
		return NULL;
	}
	rb->refs = 1;
	rb->vocabulary = rules_load_vocabulary(&ld);
	for (c = 0; c < RULES_NCOUNTRIES; c++)
		rb->destinations[c] = rules_load_destinations(&ld, c);
	for (c = 0; c < RULES_NCOUNTRIES; c++)
		rb->trees[c] = rules_load_tree(&ld, c);
	if (ld.problems) {
		rules_unref(rb);
		return NULL;
	}
	return rb;
}

struct rulebook *rules_ref(struct rulebook *rb)
{
	if (rb)
		rb->refs++;
	return rb;
}

void rules_unref(struct rulebook *rb)
{
	int c;

	if (!rb || --rb->refs > 0)
		return;
	for (c = 0; c < RULES_NCOUNTRIES; c++) {
		rules_tree_free(rb->trees[c]);
		json_decref(rb->destinations[c]);
	}
	json_decref(rb->vocabulary);
	free(rb);
}

const struct rules_tree *rules_tree(const struct rulebook *rb, const char *country)
{
	int c;

	for (c = 0; rb && country && c < RULES_NCOUNTRIES; c++)
		if (!strcmp(country, rules_countries[c]))
			return rb->trees[c];
	return NULL;
}

const char *rules_tree_version(const struct rules_tree *t)
{
	return t->version;
}

const char *rules_tree_country(const struct rules_tree *t)
{
	return t->country;
}

int rules_tree_has_lang(const struct rules_tree *t, const char *lang)
{
	return lang && rules_array_has(t->langs, lang);
}

json_t *rules_tree_langs(const struct rules_tree *t)
{
	return json_deep_copy(t->langs);
}

json_t *rules_summary(const struct rulebook *rb)
{
	json_t *summary = json_object();
	const struct rules_tree *t;
	int c;

	for (c = 0; c < RULES_NCOUNTRIES; c++) {
		t = rb->trees[c];
		json_object_set_new(summary, t->country,
				    json_pack("{s:s, s:I, s:I, s:I, s:I}", "version", t->version,
					      "nodes", (json_int_t)t->nnodes, "questions",
					      (json_int_t)t->questions, "results",
					      (json_int_t)t->results, "depth",
					      (json_int_t)t->depth));
	}
	return summary;
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

json_t *rules_destination_json(const struct rulebook *rb, const char *id)
{
	const json_t *d = rules_destination(rb, id);

	return d ? json_deep_copy(d) : NULL;
}

json_t *rules_fact_values(const struct rulebook *rb, const char *fact)
{
	return fact ? json_object_get(rb->vocabulary, fact) : NULL;
}

int rules_fact_valid(const struct rulebook *rb, const char *fact, const char *value)
{
	json_t *values = rules_fact_values(rb, fact);

	return values && (!value || rules_array_has(values, value));
}

size_t rules_node_index(const struct rules_tree *t, const char *id)
{
	json_t *i = id ? json_object_get(t->index, id) : NULL;

	return i ? (size_t)json_integer_value(i) : RULES_NO_NODE;
}
