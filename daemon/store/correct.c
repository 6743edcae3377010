/* correct.c - a correction of a logged contact, as a store job on the
 * writer thread (correct.h, docs/store.md "Corrections"). */
#include "correct.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "base/survey.h"
#include "base/util.h"

/* The key's earlier use, if any. */
static const char correct_sql_key[] =
	"SELECT contact_id, version, key_digest FROM contact_versions WHERE key = ?1";
/* Who may correct the contact, until when, and what the live figures
 * counted it as. */
static const char correct_sql_row[] =
	"SELECT owner, finished_ms, coalesce(version, 1), country, channel, outcome,"
	" referral_reason, category, on_behalf, destination, suggested, barriers"
	" FROM contacts WHERE id = ?1";
/* The version being replaced, kept whole (survey fields only). */
static const char correct_sql_audit[] =
	"INSERT INTO contact_versions (contact_id, version, key, key_digest, corrected_ms,"
	" corrected_by, outcome, destination, referral_reason, category, on_behalf, relation,"
	" age_band, barriers)"
	" SELECT id, coalesce(version, 1) + 1, ?2, ?3, ?4, ?5, outcome, destination,"
	" referral_reason, category, on_behalf, relation, age_band, barriers"
	" FROM contacts WHERE id = ?1";
/* ?k with ?k+1 = 1 keeps the stored value, for the fields a correction may
 * leave out; destination falls back to the tree's suggestion, as in finish. */
static const char correct_sql_update[] =
	"UPDATE contacts SET version = coalesce(version, 1) + 1, outcome = ?2,"
	" destination = coalesce(?3, suggested), referral_reason = ?4,"
	" category = coalesce(?5, category), on_behalf = coalesce(?6, on_behalf),"
	" relation = CASE WHEN ?8 THEN relation ELSE ?7 END,"
	" age_band = CASE WHEN ?10 THEN age_band ELSE ?9 END,"
	" barriers = CASE WHEN ?12 THEN barriers ELSE ?11 END,"
	" note = CASE WHEN ?14 THEN note ELSE ?13 END"
	" WHERE id = ?1";
/* A story copies the survey fields it is exported with: they follow. */
static const char correct_sql_story[] =
	"UPDATE stories SET (category, outcome, on_behalf, barriers) ="
	" (SELECT category, outcome, on_behalf, barriers FROM contacts WHERE id = ?1)"
	" WHERE contact_id = ?1";

static void correct_job_free(struct store_job *job)
{
	(void)job; /* the submitter owns the correction (correct.h) */
}

static const char *correct_col(sqlite3_stmt *q, int col)
{
	return (const char *)sqlite3_column_text(q, col);
}

/* The key used before: the same correction again, or a conflict that
 * names no contact. SQLITE_ROW when answered, SQLITE_DONE for a new key. */
static int correct_known_key(sqlite3 *db, struct correction *c, struct store_result *res)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, correct_sql_key, -1, &q, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	if (rc == SQLITE_ROW && !strcmp(correct_col(q, 2), c->digest) &&
	    sqlite3_column_int64(q, 0) == c->contact_id) {
		res->contact_id = c->contact_id;
		res->duplicate = 1;
		c->version = sqlite3_column_int(q, 1);
	} else if (rc == SQLITE_ROW) {
		res->status = STORE_KEY_CONFLICT;
		snprintf(res->error, sizeof(res->error), "the key was already used for another correction");
	}
	sqlite3_finalize(q);
	return rc;
}

/* The contact's row as the live figures count it, into sc; and who logged
 * it, when, and its version. SQLITE_ROW, SQLITE_DONE (no such contact) or
 * an error. */
static int correct_read(sqlite3 *db, int64_t id, struct stats_contact *sc, char owner[64],
			int64_t *finished, int *version)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, correct_sql_row, -1, &q, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, id);
		rc = sqlite3_step(q);
	}
	if (rc == SQLITE_ROW) {
		memset(sc, 0, sizeof(*sc));
		util_copy(owner, 64, correct_col(q, 0));
		*finished = sc->finished_ms = sqlite3_column_int64(q, 1);
		*version = sqlite3_column_int(q, 2);
		util_copy(sc->country, sizeof(sc->country), correct_col(q, 3));
		util_copy(sc->channel, sizeof(sc->channel), correct_col(q, 4));
		util_copy(sc->outcome, sizeof(sc->outcome), correct_col(q, 5));
		util_copy(sc->reason, sizeof(sc->reason), correct_col(q, 6));
		util_copy(sc->category, sizeof(sc->category), correct_col(q, 7));
		util_copy(sc->on_behalf, sizeof(sc->on_behalf), correct_col(q, 8));
		util_copy(sc->destination, sizeof(sc->destination), correct_col(q, 9));
		util_copy(sc->suggested, sizeof(sc->suggested), correct_col(q, 10));
		sc->barriers = survey_barriers_parse(correct_col(q, 11), NULL);
	}
	sqlite3_finalize(q);
	return rc;
}

/* One statement with the contact's id as ?1 and binds by the caller. */
static int correct_exec(sqlite3 *db, const char *sql, const struct correction *c, int audit)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(q, 1, c->contact_id);
	if (audit) {
		sqlite3_bind_text(q, 2, c->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, c->digest, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, c->now_ms);
		sqlite3_bind_text(q, 5, c->owner, -1, SQLITE_STATIC);
	} else if (sql == correct_sql_update) {
		sqlite3_bind_text(q, 2, c->outcome, -1, SQLITE_STATIC);
		for (int f = CORRECT_DESTINATION; f <= CORRECT_ON_BEHALF; f++)
			sqlite3_bind_text(q, 3 + f, c->value[f], -1, SQLITE_STATIC);
		for (int f = CORRECT_RELATION, p = 7; f <= CORRECT_NOTE; f++, p += 2) {
			sqlite3_bind_text(q, p, c->value[f], -1, SQLITE_STATIC);
			sqlite3_bind_int(q, p + 1, !c->value[f] && !c->clear[f]);
		}
	}
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Refuse without telling whether the contact exists: a contact of another
 * agent, of another desk, from before owners were kept, or none at all. */
static int correct_refuse(struct store_result *res, enum store_status status, const char *why)
{
	res->status = status;
	res->contact_id = 0;
	snprintf(res->error, sizeof(res->error), "%s", why);
	return SQLITE_OK;
}

static int correct_run(struct store_job *job, sqlite3 *db, int64_t unused, struct store_result *res)
{
	struct correction *c = (struct correction *)job;
	char owner[64];
	int64_t finished;
	int rc;

	(void)unused;
	if ((rc = correct_known_key(db, c, res)) != SQLITE_DONE)
		return rc == SQLITE_ROW ? SQLITE_OK : rc;
	rc = correct_read(db, c->contact_id, &c->was, owner, &finished, &c->version);
	if (rc == SQLITE_DONE || (rc == SQLITE_ROW && strcmp(owner, c->owner)))
		return correct_refuse(res, STORE_FORBIDDEN, "not a contact of yours");
	if (rc != SQLITE_ROW)
		return rc;
	if (c->now_ms > finished + c->window_ms)
		return correct_refuse(res, STORE_TOO_LATE, "the time to correct it has passed");
	if ((rc = correct_exec(db, correct_sql_audit, c, 1)) != SQLITE_OK ||
	    (rc = correct_exec(db, correct_sql_update, c, 0)) != SQLITE_OK ||
	    (rc = correct_exec(db, correct_sql_story, c, 0)) != SQLITE_OK)
		return rc;
	rc = correct_read(db, c->contact_id, &c->is, owner, &finished, &c->version);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
	res->contact_id = c->contact_id;
	return SQLITE_OK;
}

struct correction *correct_new(size_t text_len)
{
	struct correction *c = calloc(1, sizeof(*c) + text_len);

	if (c) {
		c->job.run = correct_run;
		c->job.free = correct_job_free;
	}
	return c;
}

void correct_set(struct correction *c, enum correct_field field, const char *value, size_t *used)
{
	size_t n = strlen(value) + 1;

	memcpy(c->text + *used, value, n);
	c->value[field] = c->text + *used;
	*used += n;
}
