/* names.c - the daemon's closed sets (names.h). */
#include "names.h"

#include <stddef.h>

const char *const names_roles[NAMES_NROLES + 1] = { "none", "agent", "supervisor", "citizen",
						    NULL };
const char *const names_countries[NAMES_NCOUNTRIES + 1] = { "no", "dk", NULL };
const char *const names_langs[NAMES_NLANGS + 1] = { "nb", "nn", "da", "en", NULL };

const char *names_role(enum role r)
{
	return (unsigned)r < NAMES_NROLES ? names_roles[r] : names_roles[ROLE_NONE];
}
