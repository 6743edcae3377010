/* scrub.h - remove personal identifiers from free text before it is stored
 * or logged: Norwegian fødselsnummer, D- and H-numbers, Danish CPR numbers,
 * Norwegian and Danish phone numbers, e-mail addresses; also when written
 * with invisible characters or full-width digits. What is caught and what
 * is missed: docs/security.md, *The scrubber*. */
#ifndef VV_SCRUB_H
#define VV_SCRUB_H

/* A new string (free() it) with each identifier replaced by a placeholder
 * naming what was removed: "[national-id removed]", "[cpr removed]",
 * "[phone removed]", "[email removed]". NULL only when out of memory. */
char *scrub_text(const char *text);

#endif
