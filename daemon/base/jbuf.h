/* jbuf.h - write JSON text by hand into a growing buffer.
 *
 * For the replies sent most often (triage steps), where building a jansson
 * tree only to dump it again costs more than everything else the reply
 * needs. The output is what json_dumps(..., JSON_COMPACT) writes for the
 * same value, byte for byte, so clients cannot tell which wrote it. Its
 * input is the daemon's own or already validated UTF-8; exports write rows
 * from the store, which may hold anything, with their own escaper that also
 * replaces invalid UTF-8 (rbuf_json_string in rbuf.c). */
#ifndef VV_JBUF_H
#define VV_JBUF_H

#include <stddef.h>

#include <jansson.h>

struct jbuf {
	char *p; /* NUL-terminated text, or NULL before the first write */
	size_t len, cap;
	int oom; /* a write failed: the text is incomplete, do not send it */
};

/* Append n bytes as they are. */
void jbuf_raw(struct jbuf *b, const char *s, size_t n);
/* Append a C string as it is (JSON punctuation, keys known to be plain). */
void jbuf_lit(struct jbuf *b, const char *s);
/* Append s as a JSON string, quoted and escaped. */
void jbuf_str(struct jbuf *b, const char *s);
/* Append any JSON value (borrowed). */
void jbuf_json(struct jbuf *b, const json_t *v);
/* Free the text; b is empty again. */
void jbuf_free(struct jbuf *b);

#endif
