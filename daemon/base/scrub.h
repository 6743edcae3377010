/* scrub.h - remove personal identifiers from free text before it is stored
 * or logged: Norwegian fødselsnummer and D-numbers, Danish CPR numbers,
 * Norwegian and Danish phone numbers, e-mail addresses. */
#ifndef VV_SCRUB_H
#define VV_SCRUB_H

/* A new string (free() it) with each identifier replaced by a placeholder
 * naming what was removed: "[national-id removed]", "[cpr removed]",
 * "[phone removed]", "[email removed]". NULL only when out of memory. */
char *scrub_text(const char *text);

#endif
