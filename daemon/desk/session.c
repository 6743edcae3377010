/* session.c - a small chained hash table of sessions keyed by random id. */
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/crypto.h"
#include "base/util.h"
#include "triage/rules.h"

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
	memset(t, 0, sizeof(*t));
	t->n_buckets = 1024;
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	if (!t->buckets || quota_init(&t->owners)) {
		free(t->buckets);
		return -1;
	}
	return 0;
}

static void session_group_unlink(struct session *s)
{
	struct session_group *g = s->group;

	if (!g)
		return;
	if (s->group_prev)
		s->group_prev->group_next = s->group_next;
	else
		g->head = s->group_next;
	if (s->group_next)
		s->group_next->group_prev = s->group_prev;
	g->open--;
	s->group = NULL;
	s->group_prev = s->group_next = NULL;
}

static void session_fin_unlink(struct session_table *t, struct session *s)
{
	if (s->fin_prev)
		s->fin_prev->fin_next = s->fin_next;
	else
		t->fin_head = s->fin_next;
	if (s->fin_next)
		s->fin_next->fin_prev = s->fin_prev;
	else
		t->fin_tail = s->fin_prev;
	s->fin_prev = s->fin_next = NULL;
	t->finished--;
}

/* s stops counting as open: against its owner, its group and the total. */
static void session_unadmit(struct session_table *t, struct session *s)
{
	if (*s->bound_key)
		quota_add(&t->owners, s->bound_key, -1);
	s->bound_key[0] = '\0';
	session_group_unlink(s);
	t->open--;
}

/* Free s, which is already out of its hash chain. Dropping the walk also
 * drops its reference to the rulebook it started on. */
static void session_free(struct session_table *t, struct session *s)
{
	if (s->state == SESSION_FINISHED)
		session_fin_unlink(t, s);
	else
		session_unadmit(t, s);
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
			session_free(t, s);
		}
	}
	free(t->buckets);
	quota_free(&t->owners);
	memset(t, 0, sizeof(*t));
}

/* Double the buckets when the chains grow past one entry on average. */
static void session_grow(struct session_table *t)
{
	struct session **buckets = calloc(t->n_buckets * 2, sizeof(*buckets));
	struct session_table bigger = { .n_buckets = t->n_buckets * 2, .buckets = buckets };

	if (!buckets)
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
	t->buckets = bigger.buckets;
	t->n_buckets = bigger.n_buckets;
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
	t->open++;
	s->started_ms = s->touched_ms = util_now_ms();
	return s;
}

enum session_bound session_may_open(struct session_table *t, const char *bound_key,
				    const struct session_group *g, const struct conf_bounds *b)
{
	unsigned per_owner = !strncmp(bound_key, "address:", 8) ? b->sessions_per_address
								 : b->sessions_per_token;

	if (g && g->open >= b->sessions_per_connection)
		return SESSION_BOUND_CONNECTION;
	if (*bound_key && quota_count(&t->owners, bound_key) >= per_owner)
		return SESSION_BOUND_OWNER;
	if (t->open >= b->sessions_total)
		return SESSION_BOUND_TOTAL;
	return SESSION_BOUND_OK;
}

void session_admit(struct session_table *t, struct session *s, const char *bound_key,
		   struct session_group *g)
{
	if (*s->bound_key)
		quota_add(&t->owners, s->bound_key, -1);
	session_group_unlink(s);
	util_copy(s->bound_key, sizeof(s->bound_key), bound_key);
	if (*s->bound_key && quota_add(&t->owners, s->bound_key, 1))
		s->bound_key[0] = '\0'; /* out of memory: not counted, still correct */
	if (g) {
		s->group = g;
		s->group_next = g->head;
		if (g->head)
			g->head->group_prev = s;
		g->head = s;
		g->open++;
	}
}

void session_finished(struct session_table *t, struct session *s, size_t kept)
{
	if (s->state == SESSION_FINISHED)
		return;
	session_unadmit(t, s);
	s->state = SESSION_FINISHED;
	s->fin_prev = t->fin_tail;
	if (t->fin_tail)
		t->fin_tail->fin_next = s;
	else
		t->fin_head = s;
	t->fin_tail = s;
	t->finished++;
	while (t->finished > kept && t->fin_head != s) {
		session_destroy(t, t->fin_head);
		t->evicted++;
	}
}

void session_group_release(struct session_group *g)
{
	while (g->head) {
		struct session *s = g->head;
		g->head = s->group_next;
		s->group = NULL;
		s->group_prev = s->group_next = NULL;
	}
	g->open = 0;
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
			session_free(t, s);
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
				session_free(t, s);
				n++;
			} else {
				pp = &s->next;
			}
		}
	}
	return n;
}
