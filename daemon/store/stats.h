/* stats.h - live survey figures for the supervisors' dashboard.
 *
 * The figures are kept incrementally: every contact the store commits is
 * added once (stats_add), and a snapshot only sums a few small aggregates,
 * one per country and channel, so a busy dashboard never scans the store.
 * At start stats_load rebuilds them from SQLite. Windows: today (the
 * daemon's local day), the last 60 minutes, the current registration period
 * (conf "periods"), and the referral rate per 15 minutes over the last 24
 * hours. The counting rules are the report's (report.c): referral rate =
 * referred / (resolved + referred); destinations and reasons count referred
 * contacts; "followed" counts contacts whose final destination is the one
 * the tree suggested, among contacts with a suggestion.
 *
 * Pure: no lws, no daemon; time is always passed in, so tests control it.
 * All calls on one thread. */
#ifndef VV_STATS_H
#define VV_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct conf;
struct contact;
struct stats;

#define STATS_SLOT_MS (15 * 60 * 1000) /* one point of the referral-rate series */
#define STATS_SLOTS 96                 /* 24 hours of them */
#define STATS_HOUR_MS (60 * 60 * 1000)
#define STATS_TOP_DESTINATIONS 10

/* What the figures need of one contact: a copy, so that it can wait in a
 * pending finish while the store commits. */
struct stats_contact {
	int64_t finished_ms;
	char country[3];
	char channel[8];
	char outcome[12];
	char reason[24]; /* "" unless referred */
	char category[24];
	char on_behalf[24];
	char destination[64]; /* "" when none */
	char suggested[64];   /* "" when the tree suggested none */
	uint32_t barriers;    /* survey barrier codes as bits (base/survey.h) */
};

/* Which contacts a subscriber sees; "" matches all. */
struct stats_filter {
	char country[3];
	char channel[8];
};

/* Copy the fields of a contact handed to the store. */
void stats_contact_set(struct stats_contact *sc, const struct contact *ct);
/* 1 when sc counts for subscribers with filter f. */
int stats_filter_matches(const struct stats_filter *f, const struct stats_contact *sc);

/* Empty figures. conf (kept, not copied) gives the registration periods. */
struct stats *stats_new(const struct conf *conf);
void stats_free(struct stats *st);

/* What stats_load read, for the log and the tests. */
struct stats_load_info {
	int64_t rows;        /* contacts of the last 24 hours and today */
	int64_t period_rows; /* contacts of the period before those */
	double ms;           /* time taken */
};

/* Rebuild the figures for now from the store's file db (own read-only
 * connection, on the calling thread: meant for start-up, before the loop
 * runs). Reads only the contacts of the windows, through the index on
 * finished_ms, and aggregates them as it reads: about 0.5 s of CPU for a
 * million contacts in the period. 0, or -1 with a reason in err (the
 * figures are then empty). */
int stats_load(struct stats *st, const char *db, int64_t now, struct stats_load_info *info,
	       char *err, size_t errlen);

/* Count one committed contact. */
void stats_add(struct stats *st, const struct stats_contact *sc, int64_t now);
/* A committed correction: was leaves every window it was counted in and is
 * (the same contact, finish time, country and channel) takes its place. */
void stats_correct(struct stats *st, const struct stats_contact *was,
		   const struct stats_contact *is, int64_t now);

/* The figures for f at now, new reference:
 * {"filter":{"country","channel"},"at":ms,
 *  "today":{"date":"YYYY-MM-DD","from":ms,"to":ms, FIGURES},
 *  "hour":{"from":ms,"to":ms, FIGURES},
 *  "period":{"id","from":"YYYY-MM-DD","to","from_ms","to_ms","days", FIGURES} or null,
 *  "series":{"start":ms,"step":900000,"points":[{"resolved","referred","rate"}…96]}}
 * where FIGURES are "contacts", "outcome":{resolved,referred,abandoned},
 * "referral_rate", "reasons":{…}, "destinations":[{"id","count"}…top 10],
 * "suggested":{"contacts","followed","share"}, "category":{…},
 * "on_behalf":{…}, "on_behalf_share", "channel":{…}, "barrier":{code:n…},
 * "barrier_by":{dim:{value:{"contacts":n,"barrier":{code:n}}}} (btab.h;
 * these two with counts below conf suppress_below shown as "< N"). A rate or
 * share with nothing to divide by is null. */
json_t *stats_snapshot(struct stats *st, const struct stats_filter *f, int64_t now);

#endif
