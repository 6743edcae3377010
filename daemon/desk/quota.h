/* quota.h - counts and rates per owner: a staff token, a citizen's address.
 *
 * The desk's bounds (conf.h, struct conf_bounds) need to know how many open
 * sessions a token or an address holds, how many handovers an address has
 * waiting, and how fast it makes new ones. One small hash table of named
 * counters with an optional token bucket does all three. */
#ifndef VV_QUOTA_H
#define VV_QUOTA_H

#include <stddef.h>
#include <stdint.h>

#define QUOTA_KEY_MAX 112

struct quota_entry;

struct quota {
	struct quota_entry **buckets;
	size_t n_buckets; /* power of two */
	size_t count;     /* entries */
};

int quota_init(struct quota *q);
void quota_free(struct quota *q);
/* The count under key (0 if none). */
unsigned quota_count(struct quota *q, const char *key);
/* Add delta (+1 or -1) to key's count. 0, or -1 when out of memory. */
int quota_add(struct quota *q, const char *key, int delta);
/* Take one token from key's bucket (per_minute, holding at most burst):
 * 1 if there was one, else 0. */
int quota_take(struct quota *q, const char *key, double per_minute, double burst, int64_t now_ms);
/* Forget keys with a zero count whose bucket would be full by now. */
void quota_sweep(struct quota *q, int64_t now_ms, double per_minute, double burst);

#endif
