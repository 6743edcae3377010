/* handle_internal.h - what the handler files share. */
#ifndef VV_HANDLE_INTERNAL_H
#define VV_HANDLE_INTERNAL_H

#include <stdint.h>

#include <jansson.h>

#include "desk/chat.h"
#include "proto.h"

struct client;
struct daemon;
struct session;

/* The message being handled and who sent it. */
struct handler_ctx {
	struct client *c;
	struct daemon *d;
	json_t *msg;
	json_t *re;    /* the message's id, echoed on the reply */
	char err[512]; /* filled by the proto_get_* and triage_* calls */
};


/* Every handler's error exit: reply with the error, return -1. */
int handle_fail(struct handler_ctx *h, enum proto_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with h->err as the message. */
int handle_fail_err(struct handler_ctx *h, enum proto_code code);
/* Send reply (for handlers that need nothing else of the transport). */
void handle_reply(struct handler_ctx *h, json_t *reply);
/* Send the session's current step as the reply. */
void handle_send_step(struct handler_ctx *h, struct session *s);
/* The same, with the facts read from the caller's words (may be NULL). */
void handle_send_step_understood(struct handler_ctx *h, struct session *s,
				 const json_t *understood);
/* The longest text a start may carry: a few sentences, not a letter. */
#define HANDLE_TEXT_MAX 1000
/* The session named by the message's "session" field, if this client may
 * use it (and it is open, unless allow_finished); NULL after replying. */
struct session *handle_session(struct handler_ctx *h, int allow_finished);

/* Whose bound a session of this client counts against: "token:NAME" for
 * staff, "address:IP" for citizens (conf.h, struct conf_bounds). */
void handle_bound_key(const struct handler_ctx *h, char *out, size_t outlen);

/* Validate a start (or a restore, from obj) and create its session within
 * the bounds, with a fresh id or the given one; NULL after replying. */
struct session *handle_begin(struct handler_ctx *h, json_t *obj, const char *id);

/* handle_handoff.c, with app/peers.c's state. handle_finish.c: check
 * consent, referral_check and correct_destination for this session and
 * outcome; -1 after replying with the error. */
struct handoff_finish;
struct handoff_in;
struct handoff_sent;
struct contact;
struct store_job;
int handle_handoff_finish_prepare(struct handler_ctx *h, struct session *s, const char *outcome,
				  struct handoff_finish *hf);
/* The store job for ct (the outbox rows, the referral, the received
 * handoff's end), or *job NULL when there is nothing to add; sent says what
 * to do at the commit. -1 when out of memory. */
int handle_handoff_finish_job(struct daemon *d, struct session *s, const struct contact *ct,
			      const struct handoff_finish *hf, struct handoff_sent *sent,
			      struct store_job **job);
/* handle_handover.c: a received handoff found by its code. */
int handle_handoff_lookup(struct handler_ctx *h, struct handoff_in *hi);
/* Take: an agent session prefilled with the facts, in the handoff's
 * country and (if this desk has it) language; "channel" phone (default),
 * chat or desk. */
int handle_handoff_take(struct handler_ctx *h, struct handoff_in *hi);

int handle_hello(struct handler_ctx *h);
int handle_resume(struct handler_ctx *h);
int handle_finish(struct handler_ctx *h);
int handle_handover(struct handler_ctx *h);
int handle_queue(struct handler_ctx *h);
int handle_lookup(struct handler_ctx *h);
int handle_take(struct handler_ctx *h);
int handle_subscribe(struct handler_ctx *h);
int handle_feedback(struct handler_ctx *h);
int handle_end(struct handler_ctx *h);
int handle_correct(struct handler_ctx *h);
/* handle_callback.c: desk hours and callback requests. */
int handle_callback(struct handler_ctx *h);
int handle_callbacks(struct handler_ctx *h);
int handle_callback_done(struct handler_ctx *h);
/* Add "chat", "why", "hours", "next_open" for s to a handover reply. */
void handle_callback_hours_fields(struct handler_ctx *h, const struct session *s, json_t *reply);

/* Live chat after a handover (handle_chat.c). */
struct handover;
int handle_chat(struct handler_ctx *h);
int handle_typing(struct handler_ctx *h);
int handle_chat_card(struct handler_ctx *h);
int handle_chat_end(struct handler_ctx *h);
/* Send to, one message a push, what the chat of ho holds after seq after. */
void handle_chat_replay(struct handover *ho, struct client *to, uint64_t after);
/* Tell the other side that side went away (0) or is back (1). */
void handle_chat_presence(struct handover *ho, enum chat_side side, int present);
/* End the chat of ho: chat_ended to both sides, its messages freed. */
void handle_chat_close(struct daemon *d, struct handover *ho, enum chat_side by);
/* The session behind ho's chat went: "chat_ended" with "by":"expired" to both. */
void handle_chat_expired(struct daemon *d, struct handover *ho);
/* "position" and "wait_seconds" of waiting ho into obj, remembered as told. */
void handle_chat_estimate(struct daemon *d, struct handover *ho, json_t *obj);
/* Push queue_position to every waiting citizen whose place or wait moved. */
void handle_chat_positions(struct daemon *d);
/* "barriers" and "story" of a finish (or a correction), checked. -1 after replying. */
int handle_finish_survey(struct handler_ctx *h, uint32_t *bits, const char **story);
struct pending_finish;
struct store_result;
/* List p as waiting for the store, tied to h's client (handle_finish.c). */
void handle_pending_add(struct handler_ctx *h, struct pending_finish *p);
/* List p as waiting for the store, with no client (handle_feedback.c). */
void handle_pending_link(struct daemon *d, struct pending_finish *p);
/* The completion of p's store submission (store_done_fn, arg p): "logged"
 * or why not, to p's client if it is still there; p is freed. */
void handle_finish_done(void *arg, const struct store_result *r);
/* The store answered a correction (p->correct): reply, count it. */
void handle_correct_result(struct daemon *d, struct pending_finish *p, const struct store_result *r);
/* The category of a walk that ended before a result, from its topic fact. */
const char *handle_category_from_facts(json_t *facts);

struct stats_contact;
/* A contact was committed: count it and mark the subscribers who see it. */
void handle_stats_logged(struct daemon *d, const struct stats_contact *sc);
/* A correction was committed: was leaves the figures, is takes its place. */
void handle_stats_corrected(struct daemon *d, const struct stats_contact *was,
			    const struct stats_contact *is);
/* Figures other than contacts changed (a referral check came in): push to every subscriber. */
void handle_stats_changed(struct daemon *d);

struct contact;
struct jbuf;
void handle_contact_of_session(struct contact *ct, const struct session *s, const char *key,
			       const char *digest, const json_t *facts_json, struct jbuf *path,
			       struct jbuf *facts);

#endif
