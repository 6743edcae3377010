/* handoff.h - what desks send each other, and how it is signed.
 *
 * Every request between desks (a handoff, a referral check, a batch of
 * contacts for the collector) is a JSON body POSTed with three headers:
 *
 *   X-Vegvisar-Desk:      the sending desk's name
 *   X-Vegvisar-Timestamp: Unix seconds when it was sent
 *   X-Vegvisar-Signature: sha256=<hex HMAC-SHA256(secret, timestamp "." body)>
 *
 * The timestamp is inside the signature, so a captured request cannot be
 * replayed once it is older than HANDOFF_WINDOW_S, nor given a fresh
 * timestamp without the secret. Within the window a replay is harmless: the
 * receiver deduplicates by the body's idempotency key.
 *
 * Pure functions: no daemon, no network, no clock (now is passed in). */
#ifndef VV_HANDOFF_H
#define VV_HANDOFF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HANDOFF_WINDOW_S 300         /* a timestamp further from now is refused */
#define HANDOFF_SIG_LEN (7 + 64)     /* "sha256=" and 64 hex digits */
#define HANDOFF_BODY_MAX (64 * 1024) /* a handoff or a referral check */
#define HANDOFF_KEY_MAX 128          /* a contact's idempotency key, as finish takes it */
#define HANDOFF_NOTE_MAX 4000
#define HANDOFF_ADVICE_MAX 8192

/* The signature header's value for body sent at timestamp (Unix s). */
void handoff_sign(const char *secret, int64_t timestamp, const void *body, size_t len,
		  char out[HANDOFF_SIG_LEN + 1]);

/* Check the timestamp and signature headers (as received, NULL if absent)
 * of body against secret at now_s. 0 when valid; -1 with why: missing or
 * malformed headers, a timestamp outside ±HANDOFF_WINDOW_S, or a signature
 * that does not match (compared in constant time). */
int handoff_verify(const char *secret, const char *timestamp, const char *signature,
		   const void *body, size_t len, int64_t now_s, char *why, size_t whylen);

/* 1 if s is a handover-style code as the daemon writes it: "K7M-42Q". */
int handoff_code_valid(const char *s);

/* A handoff as the receiving desk reads it; strings borrowed from the body.
 * Optional ones are NULL when absent. */
struct handoff_msg {
	const char *desk;        /* the sending desk */
	const char *contact_key; /* its idempotency key: with desk, unique */
	const char *code;        /* what the caller will say */
	const char *destination; /* the destination it was referred to */
	const char *country, *lang;
	const char *category, *referral_reason, *advice, *note;
	json_t *facts;   /* object of fact → value (strings) */
	json_t *path;    /* array of node ids */
	int64_t created; /* Unix ms at the sending desk */
};
/* Check a received body completely; -1 with err naming the field. Unknown
 * fields are ignored, so a newer sender can add some. */
int handoff_parse(json_t *body, struct handoff_msg *m, char *err, size_t errlen);

/* A referral check: the receiving desk says whether the referral was right. */
struct feedback_msg {
	const char *desk;                /* the desk that received the handoff */
	const char *destination;         /* what it was referred to */
	const char *code, *contact_key;  /* which handoff (the sender's key) */
	const char *referral_check;      /* "accepted" or "misrouted" */
	const char *correct_destination; /* with misrouted: where it should have gone */
	int64_t checked;                 /* Unix ms */
};
int handoff_feedback_parse(json_t *body, struct feedback_msg *m, char *err, size_t errlen);

/* One contact of a collector batch: the survey fields, never a note.
 * Strings borrowed from o; path and facts as compact JSON the caller frees. */
struct ingest_contact {
	const char *key, *channel, *country, *lang, *rules_version, *suggested, *destination,
		*category, *outcome, *referral_reason, *on_behalf, *relation, *age_band, *period;
	int64_t started, finished;
	char *path_json, *facts_json;
};
int handoff_ingest_parse(json_t *o, struct ingest_contact *c, char *err, size_t errlen);
void handoff_ingest_free(struct ingest_contact *c);

#endif
