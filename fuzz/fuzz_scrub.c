/* fuzz_scrub.c - libFuzzer: the note scrubber on any text.
 *
 * Besides memory errors it checks that scrubbing is complete: what comes
 * out, scrubbed again, is unchanged. A difference means the first pass left
 * something the scrubber itself calls an identifier. And since digits and
 * invisible characters may now be several bytes long, it checks that a
 * replacement never cuts a character: valid UTF-8 in, valid UTF-8 out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/scrub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Well-formed UTF-8 (RFC 3629): no overlongs, surrogates or code points
 * past U+10FFFF. */
static int utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned char c = *s;
		int need = c < 0x80                 ? 0
			   : c >= 0xc2 && c <= 0xdf ? 1
			   : c >= 0xe0 && c <= 0xef ? 2
			   : c >= 0xf0 && c <= 0xf4 ? 3
						    : -1;
		unsigned lo = 0x80, hi = 0xbf;

		if (need < 0)
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		s++;
		for (int i = 0; i < need; i++, s++, lo = 0x80, hi = 0xbf)
			if (*s < lo || *s > hi)
				return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *once, *twice;

	if (size > 16384) /* notes are at most 4,000 bytes */
		return 0;
	if (!(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	once = scrub_text(text);
	if (!once)
		abort();
	twice = scrub_text(once);
	if (!twice)
		abort();
	if (utf8_valid((const unsigned char *)text) && !utf8_valid((const unsigned char *)once)) {
		fprintf(stderr, "fuzz_scrub: a character was cut:\n  in:    %s\n  once:  %s\n",
			text, once);
		abort();
	}
	if (strcmp(once, twice)) {
		fprintf(stderr,
			"fuzz_scrub: scrubbing is not complete:\n  in:    %s\n  once:  %s\n"
			"  twice: %s\n",
			text, once, twice);
		abort();
	}
	free(text);
	free(once);
	free(twice);
	return 0;
}
