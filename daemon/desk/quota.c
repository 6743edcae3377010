/* quota.c - a chained hash table of named counters and token buckets. */
#include "quota.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct quota_entry {
	char key[QUOTA_KEY_MAX];
	unsigned count;
	double tokens;       /* < 0: bucket not used yet (full) */
	int64_t refilled_ms;
	struct quota_entry *next;
};

int quota_init(struct quota *q)
{
	q->n_buckets = 256;
	q->count = 0;
	q->buckets = calloc(q->n_buckets, sizeof(*q->buckets));
	return q->buckets ? 0 : -1;
}

void quota_free(struct quota *q)
{
	for (size_t i = 0; q->buckets && i < q->n_buckets; i++) {
		while (q->buckets[i]) {
			struct quota_entry *e = q->buckets[i];
			q->buckets[i] = e->next;
			free(e);
		}
	}
	free(q->buckets);
	memset(q, 0, sizeof(*q));
}

/* FNV-1a: keys are names and addresses, not chosen to collide. */
static struct quota_entry **quota_slot(struct quota *q, const char *key)
{
	uint32_t h = 2166136261u;

	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &q->buckets[h & (q->n_buckets - 1)];
}

static struct quota_entry *quota_entry(struct quota *q, const char *key, int create)
{
	struct quota_entry **head = quota_slot(q, key), *e;

	for (e = *head; e; e = e->next)
		if (!strcmp(e->key, key))
			return e;
	if (!create || !(e = calloc(1, sizeof(*e))))
		return NULL;
	util_copy(e->key, sizeof(e->key), key);
	e->tokens = -1;
	e->next = *head;
	*head = e;
	q->count++;
	return e;
}

unsigned quota_count(struct quota *q, const char *key)
{
	struct quota_entry *e = quota_entry(q, key, 0);

	return e ? e->count : 0;
}

int quota_add(struct quota *q, const char *key, int delta)
{
	struct quota_entry *e = quota_entry(q, key, delta > 0), **pp;

	if (!e)
		return delta > 0 ? -1 : 0;
	if (delta < 0 && e->count < (unsigned)-delta)
		e->count = 0;
	else
		e->count = (unsigned)((int)e->count + delta);
	if (e->count || e->tokens >= 0)
		return 0; /* a bucket in use is kept until quota_sweep */
	for (pp = quota_slot(q, key); *pp != e; pp = &(*pp)->next)
		;
	*pp = e->next;
	free(e);
	q->count--;
	return 0;
}

static void quota_refill(struct quota_entry *e, double per_minute, double burst, int64_t now_ms)
{
	if (e->tokens < 0)
		e->tokens = burst;
	else if (now_ms > e->refilled_ms)
		e->tokens += (double)(now_ms - e->refilled_ms) * per_minute / 60000.0;
	if (e->tokens > burst)
		e->tokens = burst;
	e->refilled_ms = now_ms;
}

int quota_take(struct quota *q, const char *key, double per_minute, double burst, int64_t now_ms)
{
	struct quota_entry *e = quota_entry(q, key, 1);

	if (!e)
		return 0; /* out of memory: refuse rather than not count */
	quota_refill(e, per_minute, burst, now_ms);
	if (e->tokens < 1)
		return 0;
	e->tokens -= 1;
	return 1;
}

void quota_sweep(struct quota *q, int64_t now_ms, double per_minute, double burst)
{
	for (size_t i = 0; i < q->n_buckets; i++) {
		for (struct quota_entry **pp = &q->buckets[i]; *pp;) {
			struct quota_entry *e = *pp;
			if (e->tokens >= 0)
				quota_refill(e, per_minute, burst, now_ms);
			if (!e->count && (e->tokens < 0 || e->tokens >= burst)) {
				*pp = e->next;
				free(e);
				q->count--;
			} else {
				pp = &e->next;
			}
		}
	}
}
