/* stories.c - a story goes to the store with its contact (stories.h). */
#include "stories.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"

/* The story and the survey fields copied in beside it; the strings point
 * into text[]. inner is the contact's other job (a handoff, the collector). */
struct story_job {
	struct store_job job;
	struct store_job *inner;
	int64_t finished_ms;
	const char *country, *channel, *lang, *category, *outcome, *on_behalf, *barriers, *desk;
	const char *story;
	char text[];
};

static int story_run(struct store_job *job, sqlite3 *db, int64_t contact_id,
		     struct store_result *res)
{
	static const char sql[] =
		"INSERT INTO stories (contact_id, finished_ms, country, channel, lang, category,"
		" outcome, on_behalf, barriers, desk, text)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	struct story_job *s = (struct story_job *)job;
	sqlite3_stmt *q;
	int rc;

	if (s->inner && (rc = s->inner->run(s->inner, db, contact_id, res)) != SQLITE_OK)
		return rc;
	/* Prepared each time: stories are a few a day, and a cached statement
	 * would need the store's connection to outlive this job. */
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(q, 1, contact_id);
	sqlite3_bind_int64(q, 2, s->finished_ms);
	sqlite3_bind_text(q, 3, s->country, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, s->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, s->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, s->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, s->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, s->on_behalf, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, s->barriers, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 10, s->desk, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 11, s->story, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static void story_free(struct store_job *job)
{
	struct story_job *s = (struct story_job *)job;

	if (s->inner)
		s->inner->free(s->inner);
	free(s);
}

/* Copy src (may be NULL) to *at, point *dst at the copy. */
static void story_copy(char **at, const char **dst, const char *src)
{
	size_t n;

	if (!src) {
		*dst = NULL;
		return;
	}
	n = strlen(src) + 1;
	memcpy(*at, src, n);
	*dst = *at;
	*at += n;
}

int stories_job_wrap(const struct contact *ct, const char *text, struct store_job **job)
{
	const char *const fields[] = { ct->country,   ct->channel,  ct->lang, ct->category,
				       ct->outcome,   ct->on_behalf, ct->barriers, ct->desk,
				       text };
	const char **slots[9];
	struct story_job *s;
	size_t size = 0;
	char *at;

	for (size_t i = 0; i < 9; i++)
		size += fields[i] ? strlen(fields[i]) + 1 : 0;
	if (!(s = calloc(1, sizeof(*s) + size))) {
		if (*job)
			(*job)->free(*job);
		*job = NULL;
		return -1;
	}
	slots[0] = &s->country, slots[1] = &s->channel, slots[2] = &s->lang;
	slots[3] = &s->category, slots[4] = &s->outcome, slots[5] = &s->on_behalf;
	slots[6] = &s->barriers, slots[7] = &s->desk, slots[8] = &s->story;
	at = s->text;
	for (size_t i = 0; i < 9; i++)
		story_copy(&at, slots[i], fields[i]);
	s->job.run = story_run;
	s->job.free = story_free;
	s->inner = *job;
	s->finished_ms = ct->finished_ms;
	*job = &s->job;
	return 0;
}
