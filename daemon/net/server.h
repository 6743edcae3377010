/* server.h - the libwebsockets context: HTTP for the clients, /ws for v1. */
#ifndef VV_SERVER_H
#define VV_SERVER_H

struct daemon;

/* Create the context on d->loop, listening as configured. 0 or -1. */
int server_start(struct daemon *d);
/* Begin closing every connection; the loop finishes the job. */
void server_stop(struct daemon *d);

/* libwebsockets' log lines (lws_set_log_level's emitter, set by main.c):
 * its level mapped to ours, through log_library. */
void server_log_lws(int lws_level, const char *line);

#endif
