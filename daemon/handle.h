/* handle.h - one handler per protocol message type. */
#ifndef VV_HANDLE_H
#define VV_HANDLE_H

#include <stddef.h>

struct client;
struct daemon;

/* Parse one complete message from a client and dispatch it. */
void handle_message(struct client *c, const char *text, size_t len);
/* Deliver the store's commit results: "logged" or an error per finish. */
void handle_store_results(struct daemon *d);

#endif
