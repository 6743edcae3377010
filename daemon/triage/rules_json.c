/* rules_json.c - reading and checking the JSON of the rules directory.
 *
 * The loader's shared tools (rules_internal.h): report a problem as "file:
 * where: what", read a file with duplicate keys refused, check an object's
 * keys and types against a table, check per-language texts. Every problem is
 * reported and loading goes on, so an author can fix a whole file at once. */
#include "rules_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

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

int rules_array_has(const json_t *strings, const char *s)
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
void rules_problem(struct rules_loader *ld, const char *where, const char *fmt, ...)
{
	char msg[1024], line[sizeof(((struct rules_loader *)0)->file) + 1536];
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
json_t *rules_read(struct rules_loader *ld, const char *name)
{
	size_t len = strlen(ld->dir);
	json_error_t error;
	json_t *root;
	char line[sizeof(((struct rules_loader *)0)->file) + 256];

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
	static const char *const names[] = { "a string",  "an object", "an array",
					     "a boolean", "a number",  "a string or an object" };

	return names[type];
}

const char *rules_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "a number";
	case JSON_REAL:
		return "a fraction";
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
	if (type == RULES_TEXT)
		return json_is_string(v) || json_is_object(v);
	return !strcmp(rules_json_type(v), rules_type_name(type));
}

/* The member key of obj if it has the type, else NULL (its problem is reported
 * once, by rules_check_keys). */
json_t *rules_typed(const json_t *obj, const char *key, enum rules_type type)
{
	json_t *v = json_object_get(obj, key);

	return v && rules_has_type(v, type) ? v : NULL;
}

const char *rules_string(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A file's "country" must match its name. */
void rules_check_country(struct rules_loader *ld, const json_t *root, const char *country)
{
	const char *got = rules_string(root, "country");

	if (got && strcmp(got, country))
		rules_problem(ld, NULL, "\"country\" is \"%s\", expected \"%s\"", got, country);
}

/* Reports missing required keys, keys of the wrong type and unknown keys. */
void rules_check_keys(struct rules_loader *ld, const char *where, const json_t *obj,
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

void rules_check_texts(struct rules_loader *ld, const json_t *langs, const char *where,
		       const char *key, const json_t *texts)
{
	const char *lang;
	json_t *text;
	size_t i;

	if (!texts || !langs)
		return;
	for (i = 0; i < json_array_size(langs); i++) {
		lang = json_string_value(json_array_get(langs, i));
		text = json_object_get(texts, lang);
		if (!text)
			rules_problem(ld, where, "\"%s\" has no \"%s\" text", key, lang);
		else if (!json_is_string(text) || !*json_string_value(text))
			rules_problem(ld, where, "\"%s\": \"%s\" must be a non-empty string", key,
				      lang);
	}
	json_object_foreach((json_t *)texts, lang, text)
		if (!rules_array_has(langs, lang))
			rules_problem(
				ld, where,
				"\"%s\" has a \"%s\" text, but \"langs\" does not declare \"%s\"",
				key, lang, lang);
}

int rules_is_address(const char *s)
{
	return s && (!strncmp(s, "https://", 8) || !strncmp(s, "http://", 7)) &&
	       !strpbrk(s, " \t\n");
}
