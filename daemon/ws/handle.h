/* handle.h - one handler per protocol message type. */
#ifndef VV_HANDLE_H
#define VV_HANDLE_H

#include <stddef.h>
#include <stdint.h>

struct client;
struct daemon;

/* Parse one complete message from a client and dispatch it. */
void handle_message(struct client *c, const char *text, size_t len);
/* Push the agents' queue of waiting handovers to every agent watching it. */
void handle_handover_queue_changed(struct daemon *d);
/* Housekeeping: drop waiting handovers past their time or without their
 * session, pushing each removal to the agents. */
void handle_handover_queue_sweep(struct daemon *d);
/* A citizen's connection closed: its waiting handovers are marked "left"
 * for the agents at once. */
void handle_handover_push_marks(struct daemon *d);
/* A session ended (finished or dropped): its waiting handover leaves the queue. */
void handle_handover_session_ended(struct daemon *d, const char *session);
/* A connection closed: the other side of each of its live chats is told
 * (handle_chat.c); called before the handovers forget the client. */
void handle_chat_client_gone(struct client *c);
/* Callback requests (handle_callback.c): load them from the store at
 * start (before store_start), delete those past callback_retention_hours
 * (housekeeping). */
int handle_callback_load(struct daemon *d);
void handle_callback_sweep(struct daemon *d);
/* Log the citizens' widget conversations untouched since before cutoff_ms
 * (abandoned, or the result's verdict), before the idle sessions expire. */
void handle_feedback_log_idle(struct daemon *d, int64_t cutoff_ms);
/* The i-th message type of the dispatch table, NULL past the end (metrics). */
const char *handle_message_type(size_t i);
/* The timers that push statistics to subscribers (handle_stats.c). */
struct stats_feed *handle_stats_new(struct daemon *d);
/* Stop them when the daemon begins to stop, so they do not hold the loop. */
void handle_stats_stop(struct stats_feed *feed);
void handle_stats_free(struct stats_feed *feed);

#endif
