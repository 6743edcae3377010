/* chat.h - one live conversation between a citizen and the agent who took
 * the citizen's handover (docs/protocol.md, "Live chat after a handover").
 *
 * Messages are relayed, never stored: a conversation keeps only its last
 * bounds.chat_history messages in memory, so that a side that reconnects
 * gets what it missed, and frees them when the chat ends or its session
 * goes. What is kept here is plain data (who, when, text, a card); the
 * transport (ws/handle_chat.c) turns it into messages. */
#ifndef VV_CHAT_H
#define VV_CHAT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum chat_side { CHAT_CITIZEN, CHAT_AGENT };

struct chat_msg {
	uint64_t seq; /* from 1, both directions together */
	int64_t at;   /* Unix ms */
	enum chat_side from;
	char *text;   /* or NULL for a card */
	json_t *card; /* the result's contact card, or NULL */
};

/* A token bucket per side: chat_per_minute, in bursts of CHAT_BURST. */
struct chat_bucket {
	double tokens;
	int64_t at_ms;
};

#define CHAT_BURST 10
/* Typing indicators passed on per side: at most one a second. */
#define CHAT_TYPING_EVERY_MS 1000

struct chat {
	uint64_t seq;          /* the last message's */
	struct chat_msg *ring; /* the last cap messages, oldest at first */
	unsigned cap, count, first;
	size_t text_bytes; /* held in the ring, for the memory bound */
	struct chat_bucket bucket[2];
	int64_t typing_ms[2]; /* when a typing indicator of each side was last passed on */
	int64_t taken_ms;     /* when the current agent took it, for the handling time */
	char agent_token[64]; /* the token name of the agent who has it */
	char agent_name[64];  /* what the citizen sees */
};

/* A new conversation keeping the last history messages. NULL when out of memory. */
struct chat *chat_new(unsigned history);
void chat_free(struct chat *c);
/* The agent who has it now (a take, or a take after a requeue). */
void chat_set_agent(struct chat *c, const char *token, const char *name, int64_t now);
/* 1 if side may send a message now (takes a token of its bucket). */
int chat_may_send(struct chat *c, enum chat_side side, unsigned per_minute, int64_t now);
/* 1 if a typing indicator of side is to be passed on now. */
int chat_may_type(struct chat *c, enum chat_side side, int64_t now);
/* Keep a message (text copied, card's reference taken); its entry, or NULL
 * when out of memory. The oldest goes once the ring is full. */
const struct chat_msg *chat_add(struct chat *c, enum chat_side from, const char *text,
				json_t *card, int64_t now);
/* The i-th kept message, oldest first (i < c->count). */
const struct chat_msg *chat_at(const struct chat *c, unsigned i);

#endif
