/* limits.h - per-address accounting: open connections, a message rate for
 * anonymous and citizen traffic, and back-off after failed sign-ins. */
#ifndef VV_LIMITS_H
#define VV_LIMITS_H

#include <stddef.h>
#include <stdint.h>

struct limits_conf {
	unsigned connections_per_ip; /* open websockets per address */
	double messages_per_second;  /* sustained, per address, before hello or as citizen */
	double burst;                /* messages allowed at once */
	unsigned auth_failures_ban;  /* failed hellos before the address is refused for a while */
	unsigned ban_seconds;
};

struct limits_peer;

struct limits {
	struct limits_conf conf;
	struct limits_peer **buckets;
	size_t n_buckets;
	size_t count;
};

void limits_defaults(struct limits_conf *c);
int limits_init(struct limits *l, const struct limits_conf *conf);
void limits_free(struct limits *l);

/* Upgrade time: 1 if another connection from ip may open now. */
int limits_may_connect(struct limits *l, const char *ip);
void limits_connected(struct limits *l, const char *ip);
void limits_disconnected(struct limits *l, const char *ip);
/* 1 if a message from ip may be handled now (takes one token). */
int limits_may_send(struct limits *l, const char *ip, int64_t now_ms);
/* Sign-in: 0 if ip may try now, else the seconds to wait. */
unsigned limits_auth_wait(struct limits *l, const char *ip, int64_t now_ms);
/* A failed sign-in (websocket hello or HTTP bearer token). 1 when this
 * failure starts a ban (then one warning line names the address), else 0. */
int limits_auth_failed(struct limits *l, const char *ip, int64_t now_ms);
void limits_auth_ok(struct limits *l, const char *ip);
/* Forget idle addresses with nothing to remember (called now and then). */
void limits_sweep(struct limits *l, int64_t now_ms);

#endif
