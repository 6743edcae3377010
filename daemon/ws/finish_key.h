/* finish_key.h - what a finish's idempotency key stands for.
 *
 * A key is the client's name for one contact. Repeating it must give the
 * same answer for the same contact (a lost "logged", a reconnect, a restart)
 * and must never make a different contact look logged. So each key is
 * stored with a digest of what it was used for: the session, its owner and
 * the finish's fields. The same key with the same digest is a duplicate;
 * with another digest it is a conflict that names no contact
 * (docs/protocol.md, "finish": the IETF Idempotency-Key draft's rule). */
#ifndef VV_FINISH_KEY_H
#define VV_FINISH_KEY_H

#include <stddef.h>

#include <jansson.h>

struct session;

#define FINISH_KEY_MAX 128
#define FINISH_DIGEST_LEN 64 /* hex SHA-256 */

/* 0 if key is 1 to FINISH_KEY_MAX of A-Z a-z 0-9 . _ : - (an id, never
 * free text, so nothing personal ends up in the key column); else -1 with
 * the reason in err. */
int finish_key_valid(const char *key, char *err, size_t errlen);
/* The digest of finish message msg for session s, into out (64 hex
 * digits). note and story are the message's texts scrubbed, the way they
 * are stored (NULL when it has none): the caller scrubs them once for
 * both. 0, or -1 when out of memory. */
int finish_key_digest(const struct session *s, json_t *msg, const char *note, const char *story,
		      char out[FINISH_DIGEST_LEN + 1]);

#endif
