/* report.h - survey reports and contact exports from the store.
 *
 * Shared by the HTTP API (run on a worker thread by http_stream) and by
 * `vegvisard report`. Everything here reads through its own read-only
 * SQLite connection on the caller's thread and never touches the daemon's
 * state; an export steps one row at a time, so memory stays flat however
 * many contacts there are. See docs/store.md, "Reports and exports". */
#ifndef VV_REPORT_H
#define VV_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct conf;
struct sqlite3;

/* Which contacts: finished_ms in [from_ms, to_ms), optionally one country
 * and one channel. Dates are the daemon's local days, both inclusive. */
struct report_filter {
	int64_t from_ms;
	int64_t to_ms;
	char from[11]; /* YYYY-MM-DD, "" when open */
	char to[11];
	char period[32]; /* the period whose dates were used, or "" */
	char country[3]; /* "" for all */
	char channel[8]; /* "" for all */
	char desk[64];   /* "" for all desks; else one desk of a collector (report_filter_desk) */
	int desk_own;    /* desk is this daemon's own: its contacts have desk NULL */
	int referral_checks; /* add "referral_checks": the config has peers (report_referrals.c) */
	int suppress_below;  /* counts from 1 to this − 1 are shown as "< N" (conf suppress_below) */
};

/* Fill f from the parameters, each NULL when not given. A period (which
 * needs c; c may be NULL) stands for its dates and excludes from and to.
 * -1 with a message in err naming the parameter: "from" for the HTTP API,
 * --from when cli is set. */
int report_filter_init(struct report_filter *f, const struct conf *c, const char *from,
		       const char *to, const char *period, const char *country, const char *channel,
		       int cli, char *err, size_t errlen);

/* Only the contacts of one desk (a collector holds several; this desk's
 * own, own, are stored without one). -1 with a message in err. In
 * report_referrals.c. */
int report_filter_desk(struct report_filter *f, const char *desk, const char *own, int cli,
		       char *err, size_t errlen);

/* {"sent","accepted","misrouted","unanswered","destination":{id:{…}},
 *  "corrections":[{"code","destination","correct_destination","by","checked"}]}
 * for the handoffs of the contacts f selects: what the receiving desks said
 * of this desk's referrals. New reference, or NULL with a reason. */
json_t *report_referral_checks(struct sqlite3 *db, const struct report_filter *f, char *err,
			       size_t errlen);

/* A read-only connection to the store at path. NULL with a reason. */
struct sqlite3 *report_open(const char *path, char *err, size_t errlen);
void report_close(struct sqlite3 *db);

/* The figures for f as JSON (see docs/store.md), new reference; NULL with
 * a reason in err. One pass over the matching rows. */
json_t *report_compute(struct sqlite3 *db, const struct report_filter *f, char *err, size_t errlen);

/* Where output goes: an HTTP stream or a FILE. -1 stops the writer. */
typedef int (*report_write_fn)(void *ctx, const void *data, size_t len);

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_CSV };
/* "text", "json" or "csv"; -1 for anything else. */
int report_format_parse(const char *s, enum report_format *out);
/* Write a report made by report_compute as a readable table, JSON, or
 * CSV (section,value,count,of,percent). 0 or -1 when w failed. */
int report_print(const json_t *rep, enum report_format fmt, report_write_fn w, void *ctx);

enum export_format { EXPORT_CSV, EXPORT_NDJSON };
/* Write one row per contact of f, oldest first: RFC 4180 CSV with a
 * header and one value per cell (UTC times, the path joined by " > ", a
 * column per fact and per barrier code), or one JSON object per line.
 * facts (NULL-terminated, may be NULL) are the vocabulary's facts: the
 * CSV's fact columns in that order, then any other fact the rows hold, by
 * name. The number of rows, or -1 with a reason in err (also when w
 * failed: the client went away). */
int64_t report_export(struct sqlite3 *db, const struct report_filter *f, enum export_format fmt,
		      const char *const *facts, report_write_fn w, void *ctx, char *err,
		      size_t errlen);

/* The stories for the survey's qualitative part (stories.h) that f selects,
 * oldest first: id, finished, country, channel, lang, category, outcome,
 * on_behalf, barriers, story. As report_export. */
int64_t report_export_stories(struct sqlite3 *db, const struct report_filter *f,
			      enum export_format fmt, report_write_fn w, void *ctx, char *err,
			      size_t errlen);

/* Replace every count of rep from 1 to below − 1 by the string "< below"
 * and the share or rate beside it by null (docs/store.md, "Small cells");
 * "total" stays. A threshold of 1 or less changes nothing. */
void report_suppress(json_t *rep, int below);

/* `vegvisard report …`: argv[0] is "report". Returns the exit status. */
int report_cli(int argc, char **argv);

#endif
