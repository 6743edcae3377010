/* session.h - triage sessions in progress, found by their unguessable id. */
#ifndef VV_SESSION_H
#define VV_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/conf.h"

#define SESSION_ID_LEN 32 /* 128 random bits as hex */

enum session_state { SESSION_OPEN, SESSION_FINISHING, SESSION_FINISHED };

/* One triage in progress (or just finished: kept a while so that a finish
 * retried after a lost "logged" gets the same answer). */
struct session {
	char id[SESSION_ID_LEN + 1];
	enum role role; /* the role that started it; only that role may use it */
	char owner[64]; /* token name for agents, "" for citizens */
	char country[3];
	char lang[3];
	char channel[8];
	int64_t started_ms;
	int64_t touched_ms; /* last use, for expiry */
	struct triage *tr;  /* the walk; freed (NULL) once finished */
	enum session_state state;
	char *finish_key;     /* set while finishing or finished */
	int64_t contact_id;   /* set once finished */
	char handoff_code[8]; /* set once finished with a handoff to another desk */
	struct session *next; /* hash chain */
};

struct session_table {
	struct session **buckets;
	size_t n_buckets; /* power of two */
	size_t count;
};

int session_table_init(struct session_table *t);
void session_table_free(struct session_table *t);
/* A new session in the table, with a fresh random id or (when restoring a
 * session the daemon lost) the given one, which must not be in use. */
struct session *session_create(struct session_table *t, const char *id);
struct session *session_find(struct session_table *t, const char *id);
void session_destroy(struct session_table *t, struct session *s);
/* Destroy sessions untouched since before cutoff_ms; returns how many. */
size_t session_expire(struct session_table *t, int64_t cutoff_ms);

int64_t now_ms(void);

#endif
