/* chat.c - a live conversation's state: its numbering, the ring of the
 * last messages, the rate of each side. */
#include "chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chat *chat_new(unsigned history)
{
	struct chat *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cap = history ? history : 1;
	/* The ring is allocated whole: its slots are small, the texts are not. */
	c->ring = calloc(c->cap, sizeof(*c->ring));
	if (!c->ring) {
		free(c);
		return NULL;
	}
	/* Both sides start with a full burst. */
	c->bucket[CHAT_CITIZEN].tokens = c->bucket[CHAT_AGENT].tokens = CHAT_BURST;
	return c;
}

static void chat_msg_clear(struct chat_msg *m)
{
	free(m->text);
	json_decref(m->card);
	memset(m, 0, sizeof(*m));
}

void chat_free(struct chat *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->count; i++)
		chat_msg_clear(&c->ring[(c->first + i) % c->cap]);
	free(c->ring);
	free(c);
}

void chat_set_agent(struct chat *c, const char *token, const char *name, int64_t now)
{
	snprintf(c->agent_token, sizeof(c->agent_token), "%s", token);
	snprintf(c->agent_name, sizeof(c->agent_name), "%s", name);
	c->taken_ms = now;
	/* A new agent starts with a full burst, not the last one's leftovers. */
	c->bucket[CHAT_AGENT].tokens = CHAT_BURST;
	c->bucket[CHAT_AGENT].at_ms = now;
}

int chat_may_send(struct chat *c, enum chat_side side, unsigned per_minute, int64_t now)
{
	struct chat_bucket *b = &c->bucket[side];

	if (b->at_ms) {
		b->tokens += (double)(now - b->at_ms) * per_minute / 60000.;
		if (b->tokens > CHAT_BURST)
			b->tokens = CHAT_BURST;
	}
	b->at_ms = now;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

int chat_may_type(struct chat *c, enum chat_side side, int64_t now)
{
	if (c->typing_ms[side] && now - c->typing_ms[side] < CHAT_TYPING_EVERY_MS)
		return 0;
	c->typing_ms[side] = now;
	return 1;
}

const struct chat_msg *chat_add(struct chat *c, enum chat_side from, const char *text,
				json_t *card, int64_t now)
{
	struct chat_msg *m;
	char *copy = NULL;

	if (text && !(copy = strdup(text)))
		return NULL;
	if (c->count == c->cap) {
		m = &c->ring[c->first];
		c->text_bytes -= m->text ? strlen(m->text) : 0;
		chat_msg_clear(m);
		c->first = (c->first + 1) % c->cap;
		c->count--;
	}
	m = &c->ring[(c->first + c->count) % c->cap];
	c->count++;
	m->seq = ++c->seq;
	m->at = now;
	m->from = from;
	m->text = copy;
	m->card = card ? json_incref(card) : NULL;
	c->text_bytes += copy ? strlen(copy) : 0;
	return m;
}

const struct chat_msg *chat_at(const struct chat *c, unsigned i)
{
	return i < c->count ? &c->ring[(c->first + i) % c->cap] : NULL;
}
