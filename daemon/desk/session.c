/* session.c - a small chained hash table of sessions keyed by random id. */
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "triage/rules.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The ids are random hex, so their first digits are already a good hash. */
static size_t session_bucket(const struct session_table *t, const char *id)
{
	size_t h = 0;

	for (int i = 0; i < 8; i++)
		h = h * 16 + (size_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
	return h & (t->n_buckets - 1);
}

int session_table_init(struct session_table *t)
{
	t->n_buckets = 1024;
	t->count = 0;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -1;
}

static void session_free(struct session *s)
{
	triage_free(s->tr);
	free(s->finish_key);
	free(s);
}

void session_table_free(struct session_table *t)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct session *s = t->buckets[i], *next;
		for (; s; s = next) {
			next = s->next;
			session_free(s);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

/* Double the buckets when the chains grow past one entry on average. */
static void session_grow(struct session_table *t)
{
	struct session_table bigger = { .n_buckets = t->n_buckets * 2, .count = t->count };

	bigger.buckets = calloc(bigger.n_buckets, sizeof(*bigger.buckets));
	if (!bigger.buckets)
		return; /* keep the longer chains; still correct */
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct session *s = t->buckets[i], *next;
		for (; s; s = next) {
			size_t b = session_bucket(&bigger, s->id);
			next = s->next;
			s->next = bigger.buckets[b];
			bigger.buckets[b] = s;
		}
	}
	free(t->buckets);
	*t = bigger;
}

struct session *session_create(struct session_table *t, const char *id)
{
	struct session *s = calloc(1, sizeof(*s));
	size_t b;

	if (!s)
		return NULL;
	if (id)
		memcpy(s->id, id, SESSION_ID_LEN);
	else if (crypto_random_hex(s->id, SESSION_ID_LEN / 2)) {
		free(s);
		return NULL;
	}
	if (t->count >= t->n_buckets)
		session_grow(t);
	b = session_bucket(t, s->id);
	s->next = t->buckets[b];
	t->buckets[b] = s;
	t->count++;
	s->started_ms = s->touched_ms = now_ms();
	return s;
}

struct session *session_find(struct session_table *t, const char *id)
{
	struct session *s;

	if (strlen(id) != SESSION_ID_LEN || strspn(id, "0123456789abcdef") != SESSION_ID_LEN)
		return NULL;
	for (s = t->buckets[session_bucket(t, id)]; s; s = s->next)
		if (!strcmp(s->id, id))
			return s;
	return NULL;
}

void session_destroy(struct session_table *t, struct session *s)
{
	struct session **pp = &t->buckets[session_bucket(t, s->id)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			t->count--;
			session_free(s);
			return;
		}
	}
}

size_t session_expire(struct session_table *t, int64_t cutoff_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_buckets; i++) {
		struct session **pp = &t->buckets[i];
		while (*pp) {
			struct session *s = *pp;
			/* A session waiting for its commit is never dropped. */
			if (s->touched_ms < cutoff_ms && s->state != SESSION_FINISHING) {
				*pp = s->next;
				t->count--;
				session_free(s);
				n++;
			} else {
				pp = &s->next;
			}
		}
	}
	return n;
}
