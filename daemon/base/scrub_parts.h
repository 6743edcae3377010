/* scrub_parts.h - the scrubber's private parts, shared by scrub.c,
 * scrub_email.c and scrub_words.c. Not for use outside the scrubber: the
 * daemon calls scrub_text() (scrub.h). */
#ifndef VV_SCRUB_PARTS_H
#define VV_SCRUB_PARTS_H

#include <stddef.h>

/* text[start..end) */
struct scrub_span {
	size_t start, end;
};

/* The next e-mail address in t[0..n) at or after from, or {n, n}
 * (scrub_email.c). */
struct scrub_span scrub_next_email(const char *t, size_t n, size_t from);

/* What the word just before a number says about it (scrub_words.c). */
enum scrub_cue { CUE_NONE, CUE_PHONE, CUE_ID, CUE_REFERENCE };

/* The word just before pos, not looking before lo. */
enum scrub_cue scrub_cue_before(const char *t, size_t n, size_t lo, size_t pos);

/* 1 if the number at t[from..end) is glued to an ASCII letter and so is no
 * identifier; limit is where the next e-mail address starts. */
int scrub_glued_to_letter(const char *t, size_t n, size_t lo, size_t from, size_t end,
			  size_t limit);

/* The length of an invisible character at p, or 0: soft hyphen (U+00AD),
 * zero-width space, non-joiner, joiner and the direction marks
 * (U+200B-200F), the embedding and isolate controls (U+202A-202E,
 * U+2066-2069), the word joiner and invisible operators (U+2060-2064) and
 * the byte order mark (U+FEFF). A reader does not see them, so the scrubber
 * reads through them: "3112<U+200B>9956715" is 31129956715. */
static inline size_t scrub_invisible_at(const char *t, size_t n, size_t p)
{
	const unsigned char *u = (const unsigned char *)t + p;

	if (n - p >= 2 && u[0] == 0xc2 && u[1] == 0xad)
		return 2;
	if (n - p < 3)
		return 0;
	if (u[0] == 0xe2 && u[1] == 0x80)
		return (u[2] >= 0x8b && u[2] <= 0x8f) || (u[2] >= 0xaa && u[2] <= 0xae) ? 3 : 0;
	if (u[0] == 0xe2 && u[1] == 0x81)
		return (u[2] >= 0xa0 && u[2] <= 0xa4) || (u[2] >= 0xa6 && u[2] <= 0xa9) ? 3 : 0;
	return u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ? 3 : 0;
}

/* p moved past any invisible characters, stopping at limit. */
static inline size_t scrub_skip_invisible(const char *t, size_t n, size_t p, size_t limit)
{
	size_t len;

	while (p < limit && (len = scrub_invisible_at(t, n, p)))
		p += len;
	return p;
}

#endif
