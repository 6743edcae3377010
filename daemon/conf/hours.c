/* hours.c - desk hours per country: parsing the "desk_hours" key and
 * telling whether a desk is open now, and when it next opens.
 *
 * Time zones are computed here from a small table rather than through
 * localtime_r with setenv("TZ"): TZ is process-wide, so switching it per
 * country would race with every other thread that formats a time (the
 * store's writer, the log), and tzdata may be missing on a minimal host.
 * The desks are Nordic, so every zone we accept has a fixed base offset
 * and, where it has summer time, the EU rule (since 1996; Greenland since
 * 2024): from the last Sunday of March 01:00 UTC to the last Sunday of
 * October 01:00 UTC local time is one hour ahead. Any other zone name is
 * refused at start, so a desk never runs on a guessed clock. */
#include "hours.h"
#include "conf.h"
#include "base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int base_min; /* standard time's offset from UTC */
	int eu_summer;
} hours_zones[] = {
	{ "Europe/Oslo", 60, 1 },      { "Europe/Copenhagen", 60, 1 },
	{ "Europe/Stockholm", 60, 1 }, { "Europe/Berlin", 60, 1 },
	{ "Europe/Helsinki", 120, 1 }, { "Europe/London", 0, 1 },
	{ "Atlantic/Faroe", 0, 1 },    { "America/Nuuk", -120, 1 },
	{ "Atlantic/Reykjavik", 0, 0 }, { "UTC", 0, 0 },
};
#define HOURS_NZONES ((int)(sizeof(hours_zones) / sizeof(hours_zones[0])))

static const char *const hours_days[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

#define DAY_MS 86400000LL

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t hours_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The year of a day since 1970-01-01. */
static int hours_year_of(int64_t days)
{
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

	return (int)(yoe + era * 400 + (mp >= 10));
}

/* Monday 0 … Sunday 6 (1970-01-01 was a Thursday). */
static int hours_weekday(int64_t days)
{
	return (int)(((days % 7) + 7 + 3) % 7);
}

/* UTC ms of the last Sunday of month m (3 or 10) of year y, 01:00 UTC. */
static int64_t hours_eu_switch(int y, int m)
{
	int64_t last = hours_days_from_civil(y, m, 31);

	last -= (hours_weekday(last) + 1) % 7; /* back to Sunday */
	return last * DAY_MS + 3600000LL;
}

static int hours_offset(int zone, int64_t utc_ms)
{
	int off = hours_zones[zone].base_min;
	int64_t days = utc_ms >= 0 ? utc_ms / DAY_MS : (utc_ms - DAY_MS + 1) / DAY_MS;
	int y = hours_year_of(days);

	if (hours_zones[zone].eu_summer && utc_ms >= hours_eu_switch(y, 3) &&
	    utc_ms < hours_eu_switch(y, 10))
		off += 60;
	return off;
}

static int hours_zone_index(const char *name)
{
	for (int i = 0; i < HOURS_NZONES; i++)
		if (!strcmp(hours_zones[i].name, name))
			return i;
	return -1;
}

int hours_zone_offset(const char *zone, int64_t utc_ms, int *offset_min)
{
	int i = hours_zone_index(zone);

	if (i < 0)
		return -1;
	*offset_min = hours_offset(i, utc_ms);
	return 0;
}

/* "HH:MM" at s into minutes, or -1. */
static int hours_hhmm(const char *s)
{
	if (!(s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' &&
	      s[3] >= '0' && s[3] <= '5' && s[4] >= '0' && s[4] <= '9'))
		return -1;
	int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
	return h > 24 || (h == 24 && m) ? -1 : h * 60 + m;
}

static int hours_parse_day(struct hours_country *hc, int day, json_t *v, const char *path,
			   char *err, size_t errlen)
{
	const char *s = json_string_value(v);

	hc->open_min[day] = hc->close_min[day] = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!s || strlen(s) != 11 || s[5] != '-' || (hc->open_min[day] = hours_hhmm(s)) < 0 ||
	    (hc->close_min[day] = hours_hhmm(s + 6)) < 0 ||
	    hc->open_min[day] >= hc->close_min[day])
		return util_fail(err, errlen,
				 "%s: desk_hours.%s.week.%s must be \"HH:MM-HH:MM\" (opening before "
				 "closing, e.g. \"08:00-15:30\") or null",
				 path, hc->country, hours_days[day]);
	return 0;
}

static int hours_parse_week(struct hours_country *hc, json_t *week, const char *path,
			    char *err, size_t errlen)
{
	const char *key;
	json_t *x;

	if (!json_is_object(week))
		return util_fail(err, errlen,
				 "%s: desk_hours.%s.week must be an object like {\"mon\": "
				 "\"08:00-15:30\", …, \"sun\": null}",
				 path, hc->country);
	json_object_foreach(week, key, x) {
		int d;
		for (d = 0; d < 7 && strcmp(key, hours_days[d]); d++)
			;
		if (d == 7)
			return util_fail(err, errlen,
					 "%s: desk_hours.%s.week: unknown day \"%s\" (mon, tue, wed, "
					 "thu, fri, sat, sun)",
					 path, hc->country, key);
	}
	for (int d = 0; d < 7; d++)
		if (hours_parse_day(hc, d, json_object_get(week, hours_days[d]), path, err, errlen))
			return -1;
	return 0;
}

static int hours_parse_holidays(struct hours_country *hc, json_t *v, const char *path,
				char *err, size_t errlen)
{
	size_t i;
	json_t *x;

	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > HOURS_MAX_HOLIDAYS)
		return util_fail(err, errlen,
				 "%s: desk_hours.%s.holidays must be an array of at most %d dates",
				 path, hc->country, HOURS_MAX_HOLIDAYS);
	json_array_foreach(v, i, x) {
		const char *s = json_string_value(x);
		if (!s || !conf_date_valid(s))
			return util_fail(err, errlen,
					 "%s: desk_hours.%s.holidays[%zu] must be a date "
					 "\"YYYY-MM-DD\"",
					 path, hc->country, i);
		hc->holidays[hc->n_holidays++] = (int32_t)hours_days_from_civil(
			atoi(s), atoi(s + 5), atoi(s + 8));
	}
	return 0;
}

static int hours_parse_country(struct hours_country *hc, json_t *v, const char *path, char *err,
			       size_t errlen)
{
	static const char *const keys[] = { "timezone", "week", "holidays", NULL };
	const char *key, *zone;
	json_t *x;

	if (!json_is_object(v))
		return util_fail(err, errlen,
				 "%s: desk_hours.%s must be an object with timezone, week and "
				 "holidays",
				 path, hc->country);
	json_object_foreach(v, key, x) {
		int k;
		for (k = 0; keys[k] && strcmp(keys[k], key); k++)
			;
		if (!keys[k])
			return util_fail(err, errlen,
					 "%s: desk_hours.%s: unknown key \"%s\" (timezone, week, "
					 "holidays)",
					 path, hc->country, key);
	}
	zone = json_string_value(json_object_get(v, "timezone"));
	if (!zone || (hc->zone = hours_zone_index(zone)) < 0) {
		char known[400] = "";
		for (int i = 0; i < HOURS_NZONES; i++)
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				 i ? ", " : "", hours_zones[i].name);
		return util_fail(err, errlen,
				 "%s: desk_hours.%s.timezone: unknown time zone \"%s\" (known: %s)",
				 path, hc->country, zone ? zone : "", known);
	}
	if (hours_parse_week(hc, json_object_get(v, "week"), path, err, errlen))
		return -1;
	return hours_parse_holidays(hc, json_object_get(v, "holidays"), path, err, errlen);
}

int hours_parse(json_t *v, const char *path, struct desk_hours **out, char *err, size_t errlen)
{
	struct desk_hours *h;
	const char *country;
	json_t *x;

	*out = NULL;
	if (!json_is_object(v))
		return util_fail(err, errlen,
				 "%s: \"desk_hours\" must be an object like {\"no\": {\"timezone\": "
				 "\"Europe/Oslo\", \"week\": {…}, \"holidays\": […]}}",
				 path);
	if (!(h = calloc(1, sizeof(*h))) ||
	    !(h->countries = calloc(json_object_size(v) + 1, sizeof(*h->countries)))) {
		hours_free(h);
		return util_fail(err, errlen, "%s: out of memory", path);
	}
	json_object_foreach(v, country, x) {
		struct hours_country *hc = &h->countries[h->n++];
		if (strlen(country) != 2 || country[0] < 'a' || country[0] > 'z' ||
		    country[1] < 'a' || country[1] > 'z') {
			hours_free(h);
			return util_fail(err, errlen,
					 "%s: desk_hours: \"%s\" is not a country code like \"no\"",
					 path, country);
		}
		snprintf(hc->country, sizeof(hc->country), "%s", country);
		if (hours_parse_country(hc, x, path, err, errlen)) {
			hours_free(h);
			return -1;
		}
	}
	h->json = json_incref(v);
	*out = h;
	return 0;
}

void hours_free(struct desk_hours *h)
{
	if (!h)
		return;
	json_decref(h->json);
	free(h->countries);
	free(h);
}

static const struct hours_country *hours_find(const struct desk_hours *h, const char *country)
{
	for (size_t i = 0; h && i < h->n; i++)
		if (!strcmp(h->countries[i].country, country))
			return &h->countries[i];
	return NULL;
}

json_t *hours_json(const struct desk_hours *h, const char *country)
{
	return hours_find(h, country) ? json_object_get(h->json, country) : NULL;
}

static int hours_holiday(const struct hours_country *hc, int64_t day)
{
	for (size_t i = 0; i < hc->n_holidays; i++)
		if (hc->holidays[i] == day)
			return 1;
	return 0;
}

/* UTC ms of a local time in hc's zone. Openings are never inside the hour
 * a switch skips (01:00 UTC is 02:00 or later locally), so one correction
 * of the guess is enough. */
static int64_t hours_to_utc(const struct hours_country *hc, int64_t local_ms)
{
	int64_t guess = local_ms - (int64_t)hours_zones[hc->zone].base_min * 60000;

	return local_ms - (int64_t)hours_offset(hc->zone, guess) * 60000;
}

int hours_open(const struct desk_hours *h, const char *country, int64_t now_ms,
	       int64_t *next_open_ms)
{
	const struct hours_country *hc = hours_find(h, country);
	int64_t local, today;
	int minute;

	*next_open_ms = 0;
	if (!hc)
		return 1;
	local = now_ms + (int64_t)hours_offset(hc->zone, now_ms) * 60000;
	today = local / DAY_MS;
	minute = (int)((local % DAY_MS) / 60000);
	for (int64_t day = today; day < today + 400; day++) {
		int wd = hours_weekday(day);
		if (hc->open_min[wd] < 0 || hours_holiday(hc, day))
			continue;
		if (day == today && minute >= hc->open_min[wd] && minute < hc->close_min[wd])
			return 1;
		if (day == today && minute >= hc->open_min[wd])
			continue; /* closed for today */
		*next_open_ms = hours_to_utc(hc, day * DAY_MS + (int64_t)hc->open_min[wd] * 60000);
		return 0;
	}
	return 0;
}
