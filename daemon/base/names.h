/* names.h - the daemon's closed sets, defined once: roles, countries and
 * languages. Each list is the protocol's spelling, NULL-terminated so it
 * can be handed to proto_get_enum() as the allowed values. */
#ifndef VV_NAMES_H
#define VV_NAMES_H

enum role { ROLE_NONE = 0, ROLE_AGENT, ROLE_SUPERVISOR, ROLE_CITIZEN };
#define NAMES_NROLES 4

/* Indexed by enum role: "none", "agent", "supervisor", "citizen". */
extern const char *const names_roles[NAMES_NROLES + 1];
/* The countries with a tree: "no", "dk". */
#define NAMES_NCOUNTRIES 2
extern const char *const names_countries[NAMES_NCOUNTRIES + 1];
/* Every language a screen may be in: "nb", "nn", "da", "en". */
#define NAMES_NLANGS 4
extern const char *const names_langs[NAMES_NLANGS + 1];

/* The protocol's name of r ("none" for a value out of range). */
const char *names_role(enum role r);

#endif
