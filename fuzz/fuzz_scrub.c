/* fuzz_scrub.c - libFuzzer: the note scrubber on any text.
 *
 * Besides memory errors it checks that scrubbing is complete: what comes
 * out, scrubbed again, is unchanged. A difference means the first pass left
 * something the scrubber itself calls an identifier. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/scrub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	if (strcmp(once, twice)) {
		fprintf(stderr, "fuzz_scrub: scrubbing is not complete:\n  in:    %s\n  once:  %s\n"
				"  twice: %s\n", text, once, twice);
		abort();
	}
	free(text);
	free(once);
	free(twice);
	return 0;
}
