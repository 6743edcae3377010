/* finish_key.c - finish keys: their syntax and what they stand for. */
#include "finish_key.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/jbuf.h"
#include "base/scrub.h"
#include "desk/session.h"

#define FINISH_KEY_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

/* A UUID (8-4-4-4-12 hex digits): a random id, though its first group
 * holds only digits about one time in forty (0.625^8). */
static int finish_key_uuid(const char *key)
{
	static const size_t group[] = { 8, 4, 4, 4, 12 };
	const char *p = key;

	for (size_t i = 0; i < sizeof(group) / sizeof(group[0]); i++) {
		if (strspn(p, "0123456789abcdefABCDEF") != group[i])
			return 0;
		p += group[i];
		if (*p != (i < 4 ? '-' : '\0'))
			return 0;
		p += i < 4;
	}
	return 1;
}

/* A key is an opaque id and is stored as it is. One whose digit-only part
 * is a national id or a phone number (a caller's number used as the key)
 * is refused. Parts that mix letters and digits (random hex, the panel's
 * keys) and UUIDs are ids whatever digits they hold. */
static int finish_key_personal(const char *key, char *err, size_t errlen)
{
	char part[FINISH_KEY_MAX + 1];

	if (finish_key_uuid(key))
		return 0;
	for (const char *p = key; *p;) {
		size_t n = strcspn(p, "._:-"), digits = strspn(p, "0123456789");

		/* The scrubber's shortest identifier is 8 digits (a phone
		 * number, base/scrub.c): shorter parts (counters) are ids. */
		if (n >= 8 && digits == n) {
			char *scrubbed;
			int same;

			memcpy(part, p, n);
			part[n] = '\0';
			if (!(scrubbed = scrub_text(part)))
				return util_fail(err, errlen, "out of memory");
			same = !strcmp(scrubbed, part);
			free(scrubbed);
			if (!same)
				return util_fail(err, errlen,
						 "\"key\" holds what looks like a national id or a "
						 "phone number; use a random id");
		}
		p += n + (p[n] != '\0');
	}
	return 0;
}

int finish_key_valid(const char *key, char *err, size_t errlen)
{
	size_t len = strlen(key), ok = strspn(key, FINISH_KEY_CHARS);

	if (!len)
		return util_fail(err, errlen, "\"key\" must not be empty");
	if (len > FINISH_KEY_MAX)
		return util_fail(err, errlen, "\"key\" is %zu bytes; at most %d", len,
				 FINISH_KEY_MAX);
	if (ok < len)
		return util_fail(err, errlen,
				 "\"key\" may hold only A-Z, a-z, 0-9, '.', '_', ':' and '-' "
				 "(an id, not text); byte %zu is not one of them",
				 ok + 1);
	/* Keys are stored as they are: one the scrubber would change (a
	 * national id or a phone number used as a key) is refused. */
	return finish_key_personal(key, err, errlen);
}

/* Everything a finish says about its contact, in a fixed order. The key
 * itself is not in it: it is what the digest is looked up by. */
static const char *const finish_key_fields[] = {
	"outcome",
	"destination",
	"referral_reason",
	"category",
	"on_behalf",
	"relation",
	"age_band",
	"note",
	"consent",
	"referral_check",
	"correct_destination",
	"barriers",
	"story",
	NULL,
};

/* The session's side: which walk, whose, in which country. A session id is
 * 128 random bits, so two sessions never share a digest by chance. */
static void finish_key_owner(struct jbuf *b, const struct session *s)
{
	jbuf_lit(b, "[\"vegvisar-finish-1\",");
	jbuf_str(b, s->id);
	jbuf_raw(b, ",", 1);
	jbuf_str(b, names_role(s->role));
	jbuf_raw(b, ",", 1);
	jbuf_str(b, s->owner);
	jbuf_raw(b, ",", 1);
	jbuf_str(b, s->country);
}

int finish_key_digest(const struct session *s, json_t *msg, const char *note, const char *story,
		      char out[FINISH_DIGEST_LEN + 1])
{
	struct jbuf b = { 0 };
	int rc = 0;

	finish_key_owner(&b, s);
	for (size_t i = 0; finish_key_fields[i]; i++) {
		const char *name = finish_key_fields[i];
		json_t *v = json_object_get(msg, name);
		/* The texts as stored: a digest must not be a test for a
		 * national ID number the scrubber removed. */
		const char *text = !strcmp(name, "note")    ? note
				   : !strcmp(name, "story") ? story
							    : NULL;

		jbuf_raw(&b, ",", 1);
		if (!v || (json_is_array(v) && !json_array_size(v)))
			jbuf_lit(&b, "null"); /* "barriers": [] says what leaving it out says */
		else if (text && json_is_string(v))
			jbuf_str(&b, text);
		else
			jbuf_json(&b, v);
	}
	jbuf_raw(&b, "]", 1);
	if (b.oom)
		rc = -1;
	else
		crypto_sha256_hex(b.p, b.len, out);
	jbuf_free(&b);
	return rc;
}
