/* daemon.h - the daemon's state, in one place. */
#ifndef VV_DAEMON_H
#define VV_DAEMON_H

#include <stdint.h>

#include "conf/conf.h"
#include "desk/handover.h"
#include "desk/callback.h"
#include "base/limits.h"
#include "metrics.h"
#include "peers.h"
#include "desk/session.h"
#include "store/stats.h"

/* Lists of clients that asked for pushed updates (ws/client.h). */
enum client_list { CLIENTS_QUEUE, CLIENTS_STATS, CLIENTS_CALLBACKS, CLIENT_NLISTS };

struct lws_context;
struct ev_loop;
struct rulebook;
struct search_index;
struct store;
struct client;
struct outbox;
struct reload;
struct correction;
struct done;

/* A finish waiting for the store's commit: the argument of its completion
 * (handle_finish_done). They are also listed, so that a client that goes
 * away can clear its c, and so that none is lost at shutdown. */
struct pending_finish {
	struct daemon *d;
	struct client *c; /* NULL once the client has gone */
	json_t *re;       /* the id to echo, or NULL */
	char session[SESSION_ID_LEN + 1];
	char *key;
	int64_t submitted_us;        /* monotonic, for the commit latency metric */
	struct stats_contact stats;  /* counted in the live statistics once committed */
	struct handoff_sent handoff; /* what peers.c does once it is committed */
	struct correction *correct;  /* a "correct", not a finish (handle_correct.c), or NULL */
	struct pending_finish *prev, *next;
};

struct daemon {
	struct conf conf;
	struct lws_context *lws;
	struct ev_loop *loop;
	struct rulebook *rules;      /* current rules; sessions hold their own reference */
	struct search_index *search; /* built from rules and swapped with them */
	struct store *store;
	struct done *done; /* completions from the worker threads (base/done.h) */
	struct session_table sessions;
	struct pending_finish *pending_head, *pending_tail;
	struct handover_list handovers;
	struct callback_list callbacks; /* callback requests waiting (desk/callback.h) */
	struct client *subscribers[CLIENT_NLISTS]; /* pushed updates: agents' queue, stats */
	struct limits limits;          /* per-address connection, message and sign-in limits */
	struct stats *stats;           /* live figures for "subscribe" (stats.h) */
	struct stats_feed *stats_feed; /* their pushes to subscribers (handle_stats.c) */
	struct metrics metrics;        /* counters for GET /metrics */
	struct peers *peers;           /* handoffs received, referral checks (peers.h) */
	struct outbox *outbox;         /* the delivery thread, when this desk talks to others */
	struct reload *reload;         /* rule reloads on SIGHUP (reload.h) */
	json_t *own_origins;           /* the daemon's own origins, plus agent_origins */
	unsigned long fd_refused; /* connections refused for want of descriptors */
	int64_t fd_refused_logged_ms;
	int listening; /* 1 once the listen socket is up */
	int stopping;  /* set once on SIGTERM/SIGINT; read by the store's thread */
};

#endif
