/* conf.h - the daemon's configuration: defaults, the JSON config file and
 * command-line overrides. Nothing starts half-configured: any bad value
 * stops the start with a message that names the key. */
#ifndef VV_CONF_H
#define VV_CONF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "limits.h"
#include "log.h"

enum role { ROLE_NONE = 0, ROLE_AGENT, ROLE_SUPERVISOR, ROLE_CITIZEN };

const char *role_name(enum role r);

/* A registration period of the survey: contacts finished (in the daemon's
 * local time) from the day `from` to the day `to`, both inclusive. */
struct conf_period {
	char id[32];
	char from[11]; /* YYYY-MM-DD */
	char to[11];
};

/* An access token, kept only as its SHA-256. */
struct conf_token {
	char name[64];
	enum role role;
	uint8_t sha256[32];
};

struct conf {
	char *listen_host; /* "127.0.0.1" */
	int listen_port;   /* 8470 */
	char *db;
	char *rules;
	char *www;
	enum log_level log_level;
	int dev;
	struct conf_token *tokens;
	size_t n_tokens;
	json_t *desk_phone; /* country → the phone number a handed-over citizen calls */
	json_t *agent_origins;  /* extra origins whose pages may sign in agents (array) */
	json_t *widget_origins; /* origins whose pages may embed the chat widget (array) */
	struct limits_conf limits;
	struct conf_period *periods; /* validated: real dates, unique ids, no overlaps */
	size_t n_periods;
	int note_retention_days; /* notes of older contacts are erased; 1..3650, 365 */
};

/* Fill c with the built-in defaults (repository or installed layout). */
void conf_defaults(struct conf *c);
/* Read a JSON config file over c. -1 with a message naming file and key. */
int conf_load_file(struct conf *c, const char *path, char *err, size_t errlen);
/* Parse "ADDR:PORT" into c. -1 with a message. */
int conf_set_listen(struct conf *c, const char *value, char *err, size_t errlen);
/* Replace a string setting (frees the old value). */
void conf_set_str(char **slot, const char *value);
/* Add a token given in clear (used by --dev); it is hashed at once. */
int conf_add_token(struct conf *c, const char *name, enum role role, const char *token);
/* The role for a presented token, ROLE_NONE if none matches. Compares every
 * configured hash in constant time. name gets the token's name. */
enum role conf_check_token(const struct conf *c, const char *token, const char **name);
void conf_free(struct conf *c);

/* 1 if s is a real calendar date written YYYY-MM-DD. */
int conf_date_valid(const char *s);
/* The period with this id, or NULL. */
const struct conf_period *conf_period_find(const struct conf *c, const char *id);
/* The period holding the local date of the Unix time ms, or NULL. */
const struct conf_period *conf_period_at(const struct conf *c, int64_t ms);

#endif
