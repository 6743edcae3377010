/* conf.h - the daemon's configuration: defaults, the JSON config file and
 * command-line overrides. Nothing starts half-configured: any bad value
 * stops the start with a message that names the key. */
#ifndef VV_CONF_H
#define VV_CONF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/limits.h"
#include "base/log.h"
#include "base/names.h"


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
	char display_name[64]; /* what a citizen in a chat sees; default name */
	enum role role;
	uint8_t sha256[32];
};

/* Another desk: a referral to destination, with the caller's consent, is
 * handed off to url (POST, signed with secret). */
struct conf_peer {
	char destination[64];
	char *url;
	char *secret;
};

/* A desk that may send to this one: handoffs, or contacts to a collector.
 * Referral checks for its handoffs go back to feedback_url (or nowhere). */
struct conf_sender {
	char desk[64];
	char *secret;
	char *feedback_url;
};

/* How the outbox retries (docs/protocol.md, "Handoffs between desks"). */
struct conf_delivery {
	int retry_base_ms;   /* the first retry waits about this; doubles after each failure */
	int max_delay_ms;    /* the longest wait between two attempts */
	int max_age_seconds; /* a message still undelivered after this is a dead letter */
	int connect_timeout_ms;
	int timeout_ms; /* one whole attempt */
};

/* How much one connection, token or address may hold (conf_bounds.c;
 * docs/security.md, "Bounds"). Every bound is refused with a clear error
 * and counted in /metrics. */
struct conf_bounds {
	unsigned sessions_per_connection; /* open sessions started over one websocket */
	unsigned sessions_per_token;      /* open sessions of one staff token */
	unsigned sessions_per_address;    /* open citizen sessions of one address */
	unsigned sessions_total;          /* open sessions in all */
	unsigned sessions_finished_kept;  /* finished sessions kept for repeated finishes */
	unsigned session_idle_seconds;    /* an untouched session is dropped after this */
	unsigned handovers_per_address;   /* handovers waiting for an agent, per address */
	unsigned handovers_total;         /* handovers waiting in all */
	unsigned handovers_per_minute;    /* new handovers per address (token bucket) */
	unsigned handover_grace_seconds;  /* a waiting citizen may be away this long */
	unsigned queue_page;              /* items in a "queue" reply */
	unsigned send_queue_bytes;        /* replies waiting for one client, in bytes */
	/* Live chat after a handover (desk/chat.h, docs/protocol.md). */
	unsigned chat_message_bytes;      /* one chat message's text */
	unsigned chat_per_minute;         /* chat messages per side of a conversation */
	unsigned chats_per_agent;         /* conversations one agent token has open */
	unsigned chat_history;            /* messages kept per conversation for a reconnect */
	unsigned chat_handling_seconds;   /* the wait estimate's handling time before any chat ended */
	unsigned agent_grace_seconds;     /* an agent may be away this long before the chat is requeued */
	/* Callback requests (desk/callback.h, docs/protocol.md). */
	unsigned callbacks_per_address;   /* callbacks waiting, per address */
	unsigned callbacks_total;         /* callbacks waiting in all */
};

struct desk_hours;

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
	json_t *desk_phone;     /* country → the phone number a handed-over citizen calls */
	struct desk_hours *desk_hours; /* opening hours per country (hours.h), or NULL: always open */
	int callback_retention_hours;  /* a callback not done is deleted after this; 1..8760, 72 */
	json_t *agent_origins;  /* extra origins whose pages may sign in agents (array) */
	json_t *widget_origins; /* origins whose pages may embed the chat widget (array) */
	struct limits_conf limits;
	struct conf_bounds bounds;
	struct conf_period *periods; /* validated: real dates, unique ids, no overlaps */
	size_t n_periods;
	int note_retention_days; /* notes of older contacts are erased; 1..3650, 365 */
	int suppress_below; /* aggregate counts from 1 to this − 1 are shown as "< N"; 1..1000, 5 */
	int correct_window_seconds; /* an agent may correct a contact this long after it finished; 0..86400, 600 */
	double referral_target; /* the desk's referral-rate target 0..1, sent to supervisors; < 0: none */
	/* Desks handing contacts to each other, and the collector (conf_peers.c). */
	char desk[64];           /* this desk's name: "desk", else the host name */
	struct conf_peer *peers; /* where referrals with consent are handed off */
	size_t n_peers;
	struct conf_sender *senders; /* who may send handoffs or contacts here */
	size_t n_senders;
	char *collector_url; /* ship every logged contact there, or NULL */
	char *collector_secret;
	struct conf_delivery delivery; /* retries of the outbox */
	int collector_mode;            /* --collector: accept POST /api/v1/ingest */
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
/* The display name of the token called name (config tokens[].display_name,
 * default the name itself): what a citizen in a chat sees. */
const char *conf_display_name(const struct conf *c, const char *name);
void conf_free(struct conf *c);

/* 1 if s is a real calendar date written YYYY-MM-DD. */
int conf_date_valid(const char *s);
/* The period with this id, or NULL. */
const struct conf_period *conf_period_find(const struct conf *c, const char *id);
/* The period holding the local date of the Unix time ms, or NULL. */
const struct conf_period *conf_period_at(const struct conf *c, int64_t ms);

/* conf_periods.c: the "periods" key. */
int conf_key_periods(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);

/* conf_bounds.c: the "bounds" key. */
void conf_bounds_defaults(struct conf_bounds *b);
int conf_key_bounds(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);

/* conf_peers.c: desk, peers, senders, collector and delivery. */
void conf_peers_defaults(struct conf *c);
void conf_peers_free(struct conf *c);
int conf_key_desk(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);
int conf_key_peers(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);
int conf_key_senders(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);
int conf_key_collector(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);
int conf_key_delivery(struct conf *c, json_t *v, const char *path, char *err, size_t errlen);
/* The peer for a destination id, the sender with a desk name; or NULL. */
const struct conf_peer *conf_peer_find(const struct conf *c, const char *destination);
const struct conf_sender *conf_sender_find(const struct conf *c, const char *desk);
/* 1 if s is a desk name or destination id: 1-63 of a-z 0-9 . _ -, from a letter or digit. */
int conf_id_valid(const char *s);
/* 0 if url may receive deliveries: https://HOST[:PORT]/PATH, or http:// only
 * to a loopback host (127.0.0.0/8, [::1], localhost), for tests. -1 with why. */
int conf_url_check(const char *url, char *why, size_t whylen);
/* 1 if url is http:// to a loopback host (then curl may speak plain HTTP). */
int conf_url_is_loopback_http(const char *url);

#endif
