/* callback.h - callback requests: a citizen the desk could not take live
 * leaves a phone number and an agent calls back (docs/protocol.md, "When
 * nobody can take it"). The service loop keeps them here; the store keeps
 * a copy (table callbacks) so they survive a restart, deleted when done or
 * after callback_retention_hours. The phone number is in neither the log
 * nor the contact tables. */
#ifndef VV_CALLBACK_H
#define VV_CALLBACK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "handover.h"
#include "session.h"

#define CALLBACK_PHONE_MAX 20

struct callback {
	char code[HANDOVER_CODE_LEN + 1]; /* the handover's: what the citizen reads out */
	char session[SESSION_ID_LEN + 1]; /* "" for one loaded at start */
	char country[3];
	char lang[3];
	char phone[CALLBACK_PHONE_MAX + 1];
	char address[48]; /* for the per-address bound; "" after a restart */
	int64_t created_ms;
	int64_t until_ms; /* deleted then, if not done before */
	json_t *step;     /* facts, path, question|result as the agents saw it */
	struct callback *next;
};

struct callback_list {
	struct callback *head; /* newest first */
	size_t n;
};

/* 1 if phone is 6 to 20 of digits, spaces, + - ( ) with at least 6 digits. */
int callback_phone_valid(const char *phone);
/* A new callback (step is taken over), at the head. NULL on failure. */
struct callback *callback_add(struct callback_list *l, const char *code, const char *session,
			      const char *country, const char *lang, const char *phone,
			      const char *address, int64_t created_ms, int64_t until_ms,
			      json_t *step);
struct callback *callback_find_session(struct callback_list *l, const char *session);
struct callback *callback_find_code(struct callback_list *l, const char *code);
unsigned callback_count_from(const struct callback_list *l, const char *address);
void callback_remove(struct callback_list *l, struct callback *cb);
void callback_clear(struct callback_list *l);
/* What agents see of cb: {"code","country","lang","phone","created","until","step"}. */
json_t *callback_item(const struct callback *cb);

#endif
