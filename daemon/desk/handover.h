/* handover.h - a citizen in the chat widget asks for a person.
 *
 * The daemon gives the citizen a short code that is easy to read aloud
 * ("K7M-42Q") and puts the session, with its facts and path, in the agents'
 * queue. An agent who takes it (from the queue, or by the code a caller
 * reads out) continues the same session from where the citizen stopped. */
#ifndef VV_HANDOVER_H
#define VV_HANDOVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chat.h"
#include "quota.h"
#include "session.h"

#define HANDOVER_CODE_LEN 7 /* "K7M-42Q" */
/* No 0/O, 1/I/L: a code read aloud over the phone must not be ambiguous. */
#define HANDOVER_ALPHABET "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#define HANDOVER_TTL_MS (30 * 60 * 1000LL)

struct client;

enum handover_state { HANDOVER_WAITING, HANDOVER_TAKEN };

struct handover {
	char code[HANDOVER_CODE_LEN + 1];
	char session[SESSION_ID_LEN + 1];
	enum handover_state state;
	int64_t created_ms;
	int64_t expires_ms;
	struct client *citizen; /* NULL once the citizen's connection has gone */
	/* When the citizen's connection went (0 while connected): a handover
	 * whose citizen stays away past the grace period is dropped, so the
	 * queue shows only people who are still there. */
	int64_t left_ms;
	int left_told; /* the agents were told the citizen left */
	char address[48];       /* the citizen's, for the per-address bounds */
	char taken_by[64];
	char country[3]; /* the session's, for the queue position */
	/* Live chat once taken (chat.h): the agent's connection (NULL while it
	 * is away, since agent_left_ms), the conversation, 1 once it ended. */
	struct client *agent;
	int64_t agent_left_ms;
	struct chat *chat;
	int chat_over;
	/* The position and wait the citizen was last told (queue_position). */
	unsigned told_position;
	int64_t told_wait;
	struct handover *next;
};

/* How many ended chats the handling-time estimate averages. */
#define HANDOVER_HANDLED_KEPT 20

struct handover_list {
	struct handover *head;
	size_t waiting;
	struct quota by_address; /* waiting handovers per address */
	struct quota rate;       /* new handovers per address (token buckets) */
	/* The last HANDOVER_HANDLED_KEPT chats' handling times (take to end). */
	int64_t handled_ms[HANDOVER_HANDLED_KEPT];
	unsigned handled_n, handled_next;
};

/* A new waiting handover for session, with a fresh code, counted against
 * the citizen's address. NULL on failure. */
struct handover *handover_create(struct handover_list *l, const char *session,
				 struct client *citizen, const char *address);
/* Waiting handovers of address. */
unsigned handover_waiting_from(struct handover_list *l, const char *address);
/* 1 if address may make a new handover now (takes a token of its bucket). */
int handover_may_create(struct handover_list *l, const char *address, unsigned per_minute,
			unsigned burst, int64_t now);
/* An agent took ho: it no longer waits. */
void handover_set_taken(struct handover_list *l, struct handover *ho, const char *by);
/* Remove ho from the list and free it. */
void handover_remove(struct handover_list *l, struct handover *ho);
/* A fresh random code (also for handoffs to other desks). 0 or -1. */
int handover_make_code(char out[HANDOVER_CODE_LEN + 1]);
/* A code as a person typed it ("k7m 42q") as the daemon writes it. 0 or -1. */
int handover_normalise(const char *typed, char out[HANDOVER_CODE_LEN + 1]);
/* Find by code as a person typed it: case, spaces and dashes do not matter. */
struct handover *handover_find_code(struct handover_list *l, const char *typed);
struct handover *handover_find_session(struct handover_list *l, const char *session);
/* Drop waiting handovers past their expiry; returns how many. */
size_t handover_expire(struct handover_list *l, int64_t now);
/* Forget a client that went away; its waiting handovers are marked as
 * left at now. */
void handover_forget_client(struct handover_list *l, struct client *c, int64_t now);
/* The citizen of ho is back on connection c: the mark goes. */
void handover_citizen_back(struct handover *ho, struct client *c);
void handover_list_free(struct handover_list *l);

/* The agent's chat went without an agent too long: ho waits again, at its
 * old place (created is kept), and counts against its address again. */
void handover_requeue(struct handover_list *l, struct handover *ho, int64_t now);
/* 1 for the waiting handover of ho's country created first: the waiting
 * ones of the same country created before it, plus one. */
unsigned handover_position(const struct handover_list *l, const struct handover *ho);
/* A chat ended after ms of handling: it counts in the estimate. */
void handover_handled(struct handover_list *l, int64_t ms);
/* The mean handling time of the last chats that ended, or dflt_ms before any. */
int64_t handover_mean_handling(const struct handover_list *l, int64_t dflt_ms);
/* The chat of ho ended (or its session went): its messages are freed. */
void handover_chat_drop(struct handover *ho);

#endif
