/* session.h - triage sessions in progress, found by their unguessable id. */
#ifndef VV_SESSION_H
#define VV_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/conf.h"
#include "quota.h"

#define SESSION_ID_LEN 32 /* 128 random bits as hex */

enum session_state { SESSION_OPEN, SESSION_FINISHING, SESSION_FINISHED };

struct session;

/* The open sessions started over one connection; the client holds this,
 * so a connection's bound needs no scan (conf.h, struct conf_bounds). */
struct session_group {
	struct session *head;
	unsigned open;
};

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
	char finish_digest[65]; /* what finish_key stands for (ws/finish_key.h) */
	int64_t contact_id;   /* set once finished */
	char handoff_code[8]; /* set once finished with a handoff to another desk */
	struct session *next; /* hash chain */
	/* Bounds: whose open session this is ("token:NAME", "address:IP"; ""
	 * when not counted per owner) and the connection's group it counts in. */
	char bound_key[QUOTA_KEY_MAX];
	struct session_group *group;
	struct session *group_prev, *group_next;
	struct session *fin_prev, *fin_next; /* the finished ones, oldest first */
};

struct session_table {
	struct session **buckets;
	size_t n_buckets; /* power of two */
	size_t count;
	size_t open;     /* not finished yet: the ones that hold a walk */
	size_t finished; /* finished, kept for repeated finishes */
	struct session *fin_head, *fin_tail;
	struct quota owners; /* open sessions per bound_key */
	unsigned long long evicted; /* finished ones dropped to keep the bound */
};

/* Which bound a new session would break, if any. */
enum session_bound {
	SESSION_BOUND_OK,
	SESSION_BOUND_CONNECTION,
	SESSION_BOUND_OWNER,
	SESSION_BOUND_TOTAL,
};

int session_table_init(struct session_table *t);
void session_table_free(struct session_table *t);
/* A new session in the table, with a fresh random id or (when restoring a
 * session the daemon lost) the given one, which must not be in use. */
struct session *session_create(struct session_table *t, const char *id);
struct session *session_find(struct session_table *t, const char *id);
/* Whether one more session may open for bound_key over group g (NULL: no
 * connection) within the per-connection, per-owner and total bounds. */
enum session_bound session_may_open(struct session_table *t, const char *bound_key,
				    const struct session_group *g, const struct conf_bounds *b);
/* Count the new session s against bound_key and the group g (may be NULL).
 * A session taken over by another owner is counted again the same way. */
void session_admit(struct session_table *t, struct session *s, const char *bound_key,
		   struct session_group *g);
/* s was finished: it no longer counts as open, and joins the finished
 * sessions kept for repeated finishes; beyond kept, the oldest are dropped
 * (a repeated finish of one still gets its answer from the store). */
void session_finished(struct session_table *t, struct session *s, size_t kept);
/* The connection went away: its sessions stay (a client may reconnect and
 * resume them), counted in no group. */
void session_group_release(struct session_group *g);
void session_destroy(struct session_table *t, struct session *s);
/* Destroy sessions untouched since before cutoff_ms; returns how many. */
size_t session_expire(struct session_table *t, int64_t cutoff_ms);

#endif
