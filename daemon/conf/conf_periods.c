/* conf_periods.c - the "periods" key: named registration periods that
 * reports select by their dates, and the lookups the finish and reports use. */
#include "conf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

int conf_date_valid(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, leap;

	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	if (s[10])
		return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1970 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

const struct conf_period *conf_period_find(const struct conf *c, const char *id)
{
	for (size_t i = 0; i < c->n_periods; i++)
		if (!strcmp(c->periods[i].id, id))
			return &c->periods[i];
	return NULL;
}

const struct conf_period *conf_period_at(const struct conf *c, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	char day[16];
	struct tm tm;

	if (!c->n_periods || !localtime_r(&t, &tm) || !strftime(day, sizeof(day), "%Y-%m-%d", &tm))
		return NULL;
	/* YYYY-MM-DD compares as text in date order. */
	for (size_t i = 0; i < c->n_periods; i++)
		if (strcmp(c->periods[i].from, day) <= 0 && strcmp(day, c->periods[i].to) <= 0)
			return &c->periods[i];
	return NULL;
}

static int conf_period_id_valid(const char *id)
{
	size_t n = strlen(id);

	return n >= 1 && n < sizeof(((struct conf_period *)0)->id) &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* One period object: {"id": "2026-4", "from": "2026-10-01", "to": "2026-12-31"}. */
static int conf_period(json_t *o, size_t i, struct conf_period *p, const char *path, char *err,
		       size_t errlen)
{
	const char *k, *id = NULL, *from = NULL, *to = NULL;
	json_t *v;

	if (!json_is_object(o))
		return util_fail(
			err, errlen,
			"%s: periods[%zu] must be an object like {\"id\": \"2026-4\", \"from\": \"2026-10-01\", \"to\": \"2026-12-31\"}",
			path, i);
	json_object_foreach(o, k, v) {
		const char **slot = !strcmp(k, "id")     ? &id
				    : !strcmp(k, "from") ? &from
				    : !strcmp(k, "to")   ? &to
							 : NULL;
		if (!slot)
			return util_fail(
				err, errlen,
				"%s: periods[%zu]: unknown key \"%s\" (allowed: id, from, to)",
				path, i, k);
		if (!json_is_string(v))
			return util_fail(err, errlen, "%s: periods[%zu].%s must be a string", path,
					 i, k);
		*slot = json_string_value(v);
	}
	if (!id || !conf_period_id_valid(id))
		return util_fail(
			err, errlen,
			"%s: periods[%zu].id must be 1 to 31 letters, digits, '-', '_' or '.'",
			path, i);
	if (!from || !conf_date_valid(from))
		return util_fail(
			err, errlen,
			"%s: periods[%zu].from must be a real date YYYY-MM-DD (got %s%s%s)", path,
			i, from ? "\"" : "", from ? from : "nothing", from ? "\"" : "");
	if (!to || !conf_date_valid(to))
		return util_fail(err, errlen,
				 "%s: periods[%zu].to must be a real date YYYY-MM-DD (got %s%s%s)",
				 path, i, to ? "\"" : "", to ? to : "nothing", to ? "\"" : "");
	if (strcmp(from, to) > 0)
		return util_fail(err, errlen, "%s: periods[%zu] (\"%s\"): from %s is after to %s",
				 path, i, id, from, to);
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->from, sizeof(p->from), "%s", from);
	snprintf(p->to, sizeof(p->to), "%s", to);
	return 0;
}

/* [{"id", "from", "to"}, …]: each contact records the period it finished in,
 * and reports filter by a period's dates. Ids must be unique and periods
 * must not overlap, so a contact belongs to at most one. */
int conf_key_periods(struct conf *c, json_t *v, const char *path, char *err, size_t errlen)
{
	struct conf_period *list;
	size_t i, j, n;
	json_t *o;

	if (!json_is_array(v))
		return util_fail(err, errlen, "%s: \"periods\" must be an array", path);
	n = json_array_size(v);
	if (!(list = calloc(n ? n : 1, sizeof(*list))))
		return util_fail(err, errlen, "out of memory");
	json_array_foreach(v, i, o) {
		if (conf_period(o, i, &list[i], path, err, errlen))
			goto fail;
		for (j = 0; j < i; j++) {
			if (!strcmp(list[j].id, list[i].id)) {
				util_fail(
					err, errlen,
					"%s: periods[%zu].id \"%s\" is already used by periods[%zu]",
					path, i, list[i].id, j);
				goto fail;
			}
			if (strcmp(list[i].from, list[j].to) <= 0 &&
			    strcmp(list[j].from, list[i].to) <= 0) {
				util_fail(
					err, errlen,
					"%s: periods[%zu] (\"%s\", %s to %s) overlaps periods[%zu] (\"%s\", %s to %s)",
					path, i, list[i].id, list[i].from, list[i].to, j,
					list[j].id, list[j].from, list[j].to);
				goto fail;
			}
		}
	}
	free(c->periods);
	c->periods = list;
	c->n_periods = n;
	return 0;
fail:
	free(list);
	return -1;
}

