/* harness.h - the message handlers without a socket, for unit tests and
 * the fuzzer (fuzz/fuzz_handle.c).
 *
 * One daemon with the fixture rules, search index, live statistics and a
 * real store in a temporary file; clients with no socket: the transport
 * ws/client.c writes through is a stand-in (harness.c), so a reply stays in
 * the client's send queue, where harness_next() takes it. handle_message runs
 * as in the daemon; a finish is answered once its commit is in. */
#ifndef VV_HARNESS_H
#define VV_HARNESS_H

#include <stddef.h>

#include <jansson.h>

#include "app/daemon.h"
#include "ws/client.h"

/* The daemon, set up by the first call (rules: $VV_FUZZ_RULES or
 * tests/fixtures/rules, from the repository's root). Exits on failure. */
struct daemon *harness_daemon(void);
/* A fresh store (the old file removed), so a long fuzz run stays small. */
void harness_reopen_store(void);
/* The agent token harness_client accepts for ROLE_AGENT ("harness-agent"),
 * and the supervisor's ("harness-lead"). */
extern const char harness_agent_token[];
extern const char harness_lead_token[];

/* A connected client that has not said hello, from address ip. */
struct client *harness_client(const char *ip);
/* Its hello as role ("agent", "supervisor", "citizen") with the right
 * token; the welcome is consumed. Returns c, or NULL if refused. */
struct client *harness_signed_in(const char *role, const char *ip);
/* Hand text to the handlers as if it came from c, and wait for the store
 * to answer what it started. */
void harness_send(struct client *c, const char *text);
/* The same for len bytes that may hold NUL bytes (the fuzzer's). */
void harness_send_n(struct client *c, const char *text, size_t len);
/* The oldest message queued for c (a reply or a push), or NULL: the caller
 * owns it. */
json_t *harness_next(struct client *c);
/* Send and take the next message: the reply, unless a push came first. */
json_t *harness_ask(struct client *c, const char *text);
/* The client goes away, as when its socket closes. */
void harness_close(struct client *c);
/* Everything the clients left behind: sessions, handovers, limits. */
void harness_reset(void);

#endif
