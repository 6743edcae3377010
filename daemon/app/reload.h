/* reload.h - loading the rules: at start, and again on SIGHUP. */
#ifndef VV_RELOAD_H
#define VV_RELOAD_H

struct daemon;

/* Load, validate and index conf.rules now, and make them current. -1 (with
 * the problems logged) if they do not pass; the current rules stay. */
int reload_now(struct daemon *d);

/* The same on a worker thread; the service loop only swaps the result in,
 * so clients are not kept waiting while the trees load. A reload asked for
 * while one runs is done once more after it. */
int reload_init(struct daemon *d);
void reload_request(struct daemon *d);
/* Wait for a reload in progress and drop its result (at shutdown). */
void reload_free(struct daemon *d);

#endif
