/* limits.c - a small hash table of peer addresses. */
#include "limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct limits_peer {
	char ip[48];
	unsigned connections;
	double tokens;
	int64_t refilled_ms;
	unsigned failures;
	int64_t retry_after_ms; /* no sign-in before this */
	struct limits_peer *next;
};

void limits_defaults(struct limits_conf *c)
{
	c->connections_per_ip = 200;
	c->messages_per_second = 20;
	c->burst = 60;
	c->auth_failures_ban = 10;
	c->ban_seconds = 300;
}

int limits_init(struct limits *l, const struct limits_conf *conf)
{
	l->conf = *conf;
	l->n_buckets = 1024;
	l->count = 0;
	l->buckets = calloc(l->n_buckets, sizeof(*l->buckets));
	return l->buckets ? 0 : -1;
}

void limits_free(struct limits *l)
{
	for (size_t i = 0; l->buckets && i < l->n_buckets; i++) {
		while (l->buckets[i]) {
			struct limits_peer *p = l->buckets[i];
			l->buckets[i] = p->next;
			free(p);
		}
	}
	free(l->buckets);
	l->buckets = NULL;
}

/* FNV-1a: addresses are short and not chosen to collide with each other. */
static size_t limits_hash(const struct limits *l, const char *ip)
{
	uint32_t h = 2166136261u;

	for (; *ip; ip++)
		h = (h ^ (unsigned char)*ip) * 16777619u;
	return h & (l->n_buckets - 1);
}

static struct limits_peer *limits_peer(struct limits *l, const char *ip, int create)
{
	struct limits_peer **head = &l->buckets[limits_hash(l, ip)], *p;

	for (p = *head; p; p = p->next)
		if (!strcmp(p->ip, ip))
			return p;
	if (!create || !(p = calloc(1, sizeof(*p))))
		return NULL;
	snprintf(p->ip, sizeof(p->ip), "%s", ip);
	p->tokens = l->conf.burst; /* refilled_ms 0: the bucket starts full at first use */
	p->next = *head;
	*head = p;
	l->count++;
	return p;
}

int limits_may_connect(struct limits *l, const char *ip)
{
	struct limits_peer *p = limits_peer(l, ip, 0);

	return !p || p->connections < l->conf.connections_per_ip;
}

void limits_connected(struct limits *l, const char *ip)
{
	struct limits_peer *p = limits_peer(l, ip, 1);

	if (p)
		p->connections++;
}

void limits_disconnected(struct limits *l, const char *ip)
{
	struct limits_peer *p = limits_peer(l, ip, 0);

	if (p && p->connections)
		p->connections--;
}

int limits_may_send(struct limits *l, const char *ip, int64_t now)
{
	struct limits_peer *p = limits_peer(l, ip, 1);

	if (!p)
		return 0;
	if (p->refilled_ms)
		p->tokens += (double)(now - p->refilled_ms) * l->conf.messages_per_second / 1000.;
	if (p->tokens > l->conf.burst)
		p->tokens = l->conf.burst;
	p->refilled_ms = now;
	if (p->tokens < 1.)
		return 0;
	p->tokens -= 1.;
	return 1;
}

unsigned limits_auth_wait(struct limits *l, const char *ip, int64_t now)
{
	struct limits_peer *p = limits_peer(l, ip, 0);

	if (!p || p->retry_after_ms <= now)
		return 0;
	return (unsigned)((p->retry_after_ms - now + 999) / 1000);
}

/* Each failure doubles the wait before the next try (0.25 s, 0.5 s, 1 s …);
 * after auth_failures_ban of them the address waits ban_seconds. No try is
 * let through while an address waits, so each failure past the threshold
 * starts a new ban: the log gets one line per ban, never one per guess. */
int limits_auth_failed(struct limits *l, const char *ip, int64_t now)
{
	struct limits_peer *p = limits_peer(l, ip, 1);
	int64_t wait;

	if (!p)
		return 0;
	p->failures++;
	if (p->failures < l->conf.auth_failures_ban) {
		wait = 125LL << (p->failures < 12 ? p->failures : 12);
		p->retry_after_ms = now + wait;
		return 0;
	}
	p->retry_after_ms = now + (int64_t)l->conf.ban_seconds * 1000;
	log_warn("sign-in: %s banned for %u s after %u failed tokens", ip, l->conf.ban_seconds,
		 p->failures);
	return 1;
}

void limits_auth_ok(struct limits *l, const char *ip)
{
	struct limits_peer *p = limits_peer(l, ip, 0);

	if (p)
		p->failures = 0;
}

void limits_sweep(struct limits *l, int64_t now)
{
	for (size_t i = 0; i < l->n_buckets; i++) {
		for (struct limits_peer **pp = &l->buckets[i]; *pp;) {
			struct limits_peer *p = *pp;
			if (!p->connections && p->retry_after_ms <= now && !p->failures &&
			    now - p->refilled_ms > 60000) {
				*pp = p->next;
				free(p);
				l->count--;
			} else {
				pp = &p->next;
			}
		}
	}
}
