/* stories.h - stories for the survey's qualitative part (issue 21).
 *
 * A story is what an agent tells of a meeting with a person who is left
 * outside: scrubbed like a note, but stored in its own table (store_schema.c,
 * step 5), never in the contact's operational note, and exported on its own
 * by period (report_export.c). It is written by a store job in the same
 * transaction as its contact, so a contact is never logged without its
 * story nor the other way round, and a repeated key writes neither again. */
#ifndef VV_STORIES_H
#define VV_STORIES_H

struct contact;
struct store_job;

/* Make *job a job that runs the job already there (if any) and then stores
 * text (already scrubbed) as the story of contact ct. Copies what it needs.
 * 0, or -1 when out of memory: then the job that was there is freed and
 * *job is NULL. */
int stories_job_wrap(const struct contact *ct, const char *text, struct store_job **job);

#endif
