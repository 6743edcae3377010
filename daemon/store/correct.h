/* correct.h - a correction of a logged contact: the writer's side.
 *
 * A correction makes a new version of a contact (docs/store.md,
 * "Corrections"): in one transaction the previous version's survey fields
 * go to contact_versions with who corrected, when and the correction's
 * idempotency key, and the contacts row takes the new values, so that every
 * report counts the contact once, under its latest version. Whether the
 * sender may correct it (the agent who logged it, within the window) is
 * decided here, on the writer thread, because only the store knows the
 * contact's owner and finish time once the session is gone. */
#ifndef VV_CORRECT_H
#define VV_CORRECT_H

#include <stdint.h>

#include "stats.h"
#include "store.h"

/* The survey fields a correction may change besides the outcome. */
enum correct_field {
	CORRECT_DESTINATION, /* NULL: the tree's suggestion (as finish) */
	CORRECT_REASON,      /* only with outcome referred */
	CORRECT_CATEGORY,    /* NULL: keep */
	CORRECT_ON_BEHALF,   /* NULL: keep */
	CORRECT_RELATION,    /* NULL: keep, unless cleared */
	CORRECT_AGE_BAND,
	CORRECT_BARRIERS, /* a JSON array as stored (base/survey.h) */
	CORRECT_NOTE,     /* already scrubbed */
	CORRECT_NFIELDS
};

/* One correction, from the handler to the writer and back. One allocation
 * owned by the submitter (the pending entry): the store's job.free does
 * nothing, so the writer's answers below outlive the store's item until
 * the service thread has read them. */
struct correction {
	struct store_job job;
	/* In, set by the submitter. */
	int64_t contact_id;
	int64_t now_ms;
	int64_t window_ms; /* from the contact's finish */
	char key[129];
	char digest[65];
	char owner[64]; /* the sender's token name */
	char outcome[16];
	const char *value[CORRECT_NFIELDS]; /* point into text, or NULL */
	unsigned char clear[CORRECT_NFIELDS]; /* 1: set to NULL rather than keep */
	/* Out, written by the writer before the result is answered. */
	int version;              /* the contact's version after it (2, 3, …) */
	struct stats_contact was; /* the version replaced, for the live figures */
	struct stats_contact is;  /* the new version */
	char text[];              /* the values' bytes */
};

/* A correction for contact_id with room for text_len bytes of values (each
 * with its NUL), its job set up; NULL when out of memory. Free with free(). */
struct correction *correct_new(size_t text_len);
/* Copy value into c's text (after the bytes used so far) and point field
 * at it; used tracks the bytes used. */
void correct_set(struct correction *c, enum correct_field field, const char *value, size_t *used);

#endif
