/* hours.h - the desk's opening hours per country (config "desk_hours";
 * docs/protocol.md, "When nobody can take it"): a time zone, a week of
 * "HH:MM-HH:MM" or closed days, and holidays. */
#ifndef VV_HOURS_H
#define VV_HOURS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HOURS_MAX_HOLIDAYS 64

/* One country's hours. Minutes are local minutes of the day; a day whose
 * open_min is -1 is closed. Days run Monday (0) to Sunday (6). */
struct hours_country {
	char country[8];
	int zone; /* index into hours.c's zone table */
	int open_min[7], close_min[7];
	int32_t holidays[HOURS_MAX_HOLIDAYS]; /* days since 1970-01-01, local */
	size_t n_holidays;
};

struct desk_hours {
	json_t *json; /* as configured, for the handover reply's "hours" */
	struct hours_country *countries;
	size_t n;
};

/* Parse the "desk_hours" value v into a new *out (NULL on error, with a
 * message naming path and the key: "cfg.json: desk_hours.no.week.mon …"). */
int hours_parse(json_t *v, const char *path, struct desk_hours **out, char *err, size_t errlen);
void hours_free(struct desk_hours *h);
/* The country's configured hours as configured (borrowed), or NULL. */
json_t *hours_json(const struct desk_hours *h, const char *country);
/* 1 if the desk of country is open at now_ms (a country without hours, or
 * h NULL, is always open). When closed, *next_open_ms gets the next
 * opening (0 if none within a year). */
int hours_open(const struct desk_hours *h, const char *country, int64_t now_ms,
	       int64_t *next_open_ms);
/* The offset of local time from UTC in the zone named, at utc_ms, in
 * minutes; -1 (and *offset untouched) for a zone we do not know. */
int hours_zone_offset(const char *zone, int64_t utc_ms, int *offset_min);

#endif
