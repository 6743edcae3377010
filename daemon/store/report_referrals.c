/* report_referrals.c - what the report adds for desks that talk to each
 * other: the referral checks of the handoffs this desk sent, and a
 * collector's filter on one desk. See docs/store.md, "Handoffs, the outbox
 * and the collector". */
#include "report.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "conf/conf.h"

int report_filter_desk(struct report_filter *f, const char *desk, const char *own, int cli,
		       char *err, size_t errlen)
{
	if (!conf_id_valid(desk))
		return util_fail(
			err, errlen,
			"%sdesk%s must be a desk name of a-z, 0-9, '.', '_' and '-', not \"%.40s\"",
			cli ? "--" : "\"", cli ? "" : "\"", desk);
	snprintf(f->desk, sizeof(f->desk), "%s", desk);
	f->desk_own = own && !strcmp(desk, own);
	return 0;
}

/* Counts for one destination. */
struct checks {
	char destination[64];
	int64_t sent, accepted, misrouted;
};

static json_t *checks_json(int64_t sent, int64_t accepted, int64_t misrouted)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "sent", (json_int_t)sent, "accepted",
			 (json_int_t)accepted, "misrouted", (json_int_t)misrouted, "unanswered",
			 (json_int_t)(sent - accepted - misrouted));
}

static int checks_order(const void *a, const void *b)
{
	const struct checks *x = a, *y = b;

	if (x->sent != y->sent)
		return x->sent > y->sent ? -1 : 1;
	return strcmp(x->destination, y->destination);
}

/* The same selection as report_prepare (report_export.c), joined with the
 * handoffs sent for those contacts. */
static int referrals_prepare(sqlite3 *db, const struct report_filter *f, sqlite3_stmt **q,
			     char *err, size_t errlen)
{
	char sql[1024];

	snprintf(
		sql, sizeof(sql),
		"SELECT r.destination, r.check_result, r.correct_destination, r.code, r.checked_by,"
		" r.checked_ms FROM referrals r JOIN contacts c ON c.key = r.contact_key"
		" WHERE c.finished_ms >= ?1 AND c.finished_ms < ?2%s%s%s ORDER BY r.sent_ms, r.code",
		f->country[0] ? " AND c.country = ?3" : "",
		f->channel[0] ? " AND c.channel = ?4" : "",
		!f->desk[0]   ? ""
		: f->desk_own ? " AND (c.desk IS NULL OR c.desk = ?5)"
			      : " AND c.desk = ?5");
	if (sqlite3_prepare_v2(db, sql, -1, q, NULL) != SQLITE_OK)
		return util_fail(err, errlen, "cannot read the referral checks: %s",
				 sqlite3_errmsg(db));
	sqlite3_bind_int64(*q, 1, f->from_ms);
	sqlite3_bind_int64(*q, 2, f->to_ms);
	if (f->country[0])
		sqlite3_bind_text(*q, 3, f->country, -1, SQLITE_STATIC);
	if (f->channel[0])
		sqlite3_bind_text(*q, 4, f->channel, -1, SQLITE_STATIC);
	if (f->desk[0])
		sqlite3_bind_text(*q, 5, f->desk, -1, SQLITE_STATIC);
	return 0;
}

static const char *col(sqlite3_stmt *q, int i)
{
	const unsigned char *s = sqlite3_column_text(q, i);

	return s ? (const char *)s : "";
}

json_t *report_referral_checks(sqlite3 *db, const struct report_filter *f, char *err, size_t errlen)
{
	struct checks *by = NULL, total = { .sent = 0 };
	size_t n = 0, i;
	sqlite3_stmt *q = NULL;
	json_t *out = NULL, *dests, *corrections = json_array();
	int rc;

	if (referrals_prepare(db, f, &q, err, errlen))
		goto out;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *dest = col(q, 0), *check = col(q, 1);
		for (i = 0; i < n && strcmp(by[i].destination, dest); i++)
			;
		if (i == n) {
			struct checks *grown = realloc(by, (n + 1) * sizeof(*by));
			if (!grown) {
				util_fail(err, errlen, "out of memory");
				goto out;
			}
			by = grown;
			memset(&by[n], 0, sizeof(by[n]));
			snprintf(by[n++].destination, sizeof(by[0].destination), "%s", dest);
		}
		by[i].sent++;
		if (!strcmp(check, "accepted")) {
			by[i].accepted++;
		} else if (!strcmp(check, "misrouted")) {
			by[i].misrouted++;
			json_array_append_new(corrections,
					      json_pack("{s:s,s:s,s:s,s:s,s:I}", "code", col(q, 3),
							"destination", dest, "correct_destination",
							col(q, 2), "by", col(q, 4), "checked",
							(json_int_t)sqlite3_column_int64(q, 5)));
		}
	}
	if (rc != SQLITE_DONE) {
		util_fail(err, errlen, "reading the referral checks failed: %s",
			  sqlite3_errmsg(db));
		goto out;
	}
	/* Most referred first, as the report lists destinations. */
	qsort(by, n, sizeof(*by), checks_order);
	dests = json_object();
	for (i = 0; i < n; i++) {
		json_object_set_new(dests, by[i].destination,
				    checks_json(by[i].sent, by[i].accepted, by[i].misrouted));
		total.sent += by[i].sent;
		total.accepted += by[i].accepted;
		total.misrouted += by[i].misrouted;
	}
	out = checks_json(total.sent, total.accepted, total.misrouted);
	json_object_set_new(out, "destination", dests);
	json_object_set(out, "corrections", corrections);
out:
	json_decref(corrections);
	sqlite3_finalize(q);
	free(by);
	return out;
}
