/* handover.c - handover codes and the list of handovers. */
#include "handover.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/util.h"

/* 31^6 ≈ 8.9e8 codes, and only authenticated agents can look them up. */
static const char handover_alphabet[] = HANDOVER_ALPHABET;

int handover_make_code(char out[HANDOVER_CODE_LEN + 1])
{
	uint8_t rnd[6];

	if (crypto_random(rnd, sizeof(rnd)))
		return -1;
	for (int i = 0, o = 0; i < 6; i++) {
		if (i == 3)
			out[o++] = '-';
		/* 256 % 31 leaves a bias of under 1%; harmless for a short-lived code. */
		out[o++] = handover_alphabet[rnd[i] % (sizeof(handover_alphabet) - 1)];
	}
	out[HANDOVER_CODE_LEN] = '\0';
	return 0;
}

/* The quotas are made at first use, so a zeroed list is a valid one. */
static int handover_quotas(struct handover_list *l)
{
	if (!l->by_address.buckets && quota_init(&l->by_address))
		return -1;
	if (!l->rate.buckets && quota_init(&l->rate))
		return -1;
	return 0;
}

unsigned handover_waiting_from(struct handover_list *l, const char *address)
{
	return l->by_address.buckets ? quota_count(&l->by_address, address) : 0;
}

int handover_may_create(struct handover_list *l, const char *address, unsigned per_minute,
			unsigned burst, int64_t now)
{
	return !handover_quotas(l) && quota_take(&l->rate, address, per_minute, burst, now);
}

struct handover *handover_create(struct handover_list *l, const char *session,
				 struct client *citizen, const char *address)
{
	struct handover *h;

	if (handover_quotas(l) || !(h = calloc(1, sizeof(*h))))
		return NULL;
	snprintf(h->address, sizeof(h->address), "%s", address);
	if (quota_add(&l->by_address, h->address, 1)) {
		free(h);
		return NULL;
	}
	do {
		if (handover_make_code(h->code)) {
			quota_add(&l->by_address, h->address, -1);
			free(h);
			return NULL;
		}
	} while (handover_find_code(l, h->code));
	memcpy(h->session, session, SESSION_ID_LEN);
	h->state = HANDOVER_WAITING;
	h->created_ms = util_now_ms();
	h->expires_ms = h->created_ms + HANDOVER_TTL_MS;
	h->citizen = citizen;
	h->next = l->head;
	l->head = h;
	l->waiting++;
	return h;
}

/* "k7m 42q", "K7M42Q" and "K7M-42Q" are the same code. */
int handover_normalise(const char *typed, char out[HANDOVER_CODE_LEN + 1])
{
	int n = 0; /* characters of the code taken so far */

	for (const char *p = typed; *p; p++) {
		char ch = (char)toupper((unsigned char)*p);
		if (ch == '-' || ch == ' ')
			continue;
		if (n == 6 || !strchr(handover_alphabet, ch))
			return -1;
		out[n < 3 ? n : n + 1] = ch;
		n++;
	}
	if (n != 6)
		return -1;
	out[3] = '-';
	out[HANDOVER_CODE_LEN] = '\0';
	return 0;
}

struct handover *handover_find_code(struct handover_list *l, const char *typed)
{
	char code[HANDOVER_CODE_LEN + 1];

	if (handover_normalise(typed, code))
		return NULL;
	for (struct handover *h = l->head; h; h = h->next)
		if (!strcmp(h->code, code))
			return h;
	return NULL;
}

struct handover *handover_find_session(struct handover_list *l, const char *session)
{
	for (struct handover *h = l->head; h; h = h->next)
		if (!strcmp(h->session, session))
			return h;
	return NULL;
}

/* ho stops waiting: it no longer counts against its address. */
static void handover_unwait(struct handover_list *l, struct handover *ho)
{
	if (ho->state != HANDOVER_WAITING)
		return;
	l->waiting--;
	quota_add(&l->by_address, ho->address, -1);
}

void handover_set_taken(struct handover_list *l, struct handover *ho, const char *by)
{
	handover_unwait(l, ho);
	ho->state = HANDOVER_TAKEN;
	snprintf(ho->taken_by, sizeof(ho->taken_by), "%s", by);
}

void handover_remove(struct handover_list *l, struct handover *ho)
{
	for (struct handover **pp = &l->head; *pp; pp = &(*pp)->next) {
		if (*pp == ho) {
			*pp = ho->next;
			handover_unwait(l, ho);
			chat_free(ho->chat);
			free(ho);
			return;
		}
	}
}

size_t handover_expire(struct handover_list *l, int64_t now)
{
	size_t n = 0;

	for (struct handover **pp = &l->head; *pp;) {
		struct handover *h = *pp;
		/* Taken ones are kept a while too, so a code read out late still
		 * explains itself; one with a chat going on stays while it goes. */
		if (h->expires_ms < now && !h->chat) {
			*pp = h->next;
			handover_unwait(l, h);
			free(h);
			n++;
		} else {
			pp = &h->next;
		}
	}
	return n;
}

void handover_forget_client(struct handover_list *l, struct client *c, int64_t now)
{
	for (struct handover *h = l->head; h; h = h->next) {
		if (h->agent == c) {
			h->agent = NULL;
			h->agent_left_ms = now;
		}
		if (h->citizen != c)
			continue;
		h->citizen = NULL;
		if (h->state == HANDOVER_WAITING)
			h->left_ms = now;
	}
}

void handover_citizen_back(struct handover *ho, struct client *c)
{
	ho->citizen = c;
	ho->left_ms = 0;
	ho->left_told = 0;
}

void handover_list_free(struct handover_list *l)
{
	while (l->head) {
		struct handover *h = l->head;
		l->head = h->next;
		chat_free(h->chat);
		free(h);
	}
	l->waiting = 0;
	quota_free(&l->by_address);
	quota_free(&l->rate);
}

void handover_requeue(struct handover_list *l, struct handover *ho, int64_t now)
{
	if (ho->state == HANDOVER_WAITING)
		return;
	ho->state = HANDOVER_WAITING;
	l->waiting++;
	quota_add(&l->by_address, ho->address, 1);
	ho->taken_by[0] = '\0';
	ho->agent = NULL;
	ho->agent_left_ms = 0;
	ho->told_position = 0;
	/* Its code must keep working while it waits again. */
	if (ho->expires_ms < now + HANDOVER_TTL_MS)
		ho->expires_ms = now + HANDOVER_TTL_MS;
}

unsigned handover_position(const struct handover_list *l, const struct handover *ho)
{
	unsigned pos = 1;

	for (const struct handover *h = l->head; h; h = h->next)
		if (h != ho && h->state == HANDOVER_WAITING && !strcmp(h->country, ho->country) &&
		    (h->created_ms < ho->created_ms ||
		     (h->created_ms == ho->created_ms && strcmp(h->code, ho->code) < 0)))
			pos++;
	return pos;
}

void handover_handled(struct handover_list *l, int64_t ms)
{
	l->handled_ms[l->handled_next] = ms < 0 ? 0 : ms;
	l->handled_next = (l->handled_next + 1) % HANDOVER_HANDLED_KEPT;
	if (l->handled_n < HANDOVER_HANDLED_KEPT)
		l->handled_n++;
}

int64_t handover_mean_handling(const struct handover_list *l, int64_t dflt_ms)
{
	int64_t sum = 0;

	if (!l->handled_n)
		return dflt_ms;
	for (unsigned i = 0; i < l->handled_n; i++)
		sum += l->handled_ms[i];
	return sum / l->handled_n;
}

void handover_chat_drop(struct handover *ho)
{
	chat_free(ho->chat);
	ho->chat = NULL;
	ho->chat_over = 1;
}
