/* handle_internal.h - what the handler files share. */
#ifndef VV_HANDLE_INTERNAL_H
#define VV_HANDLE_INTERNAL_H

#include <jansson.h>

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

extern const char *const langs_all[];

/* Every handler's error exit: reply with the error, return -1. */
int fail(struct handler_ctx *h, enum proto_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with h->err as the message. */
int fail_err(struct handler_ctx *h, enum proto_code code);
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

int handle_resume(struct handler_ctx *h);
int handle_finish(struct handler_ctx *h);
int handle_handover(struct handler_ctx *h);
int handle_queue(struct handler_ctx *h);
int handle_lookup(struct handler_ctx *h);
int handle_take(struct handler_ctx *h);
int handle_subscribe(struct handler_ctx *h);

struct stats_contact;
/* A contact was committed: count it and mark the subscribers who see it. */
void stats_feed_logged(struct daemon *d, const struct stats_contact *sc);
/* Figures other than contacts changed (a referral check came in): push to every subscriber. */
void stats_feed_changed(struct daemon *d);

#endif
