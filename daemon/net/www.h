/* www.h - static files only from inside the www directory. */
#ifndef VV_WWW_H
#define VV_WWW_H

struct lws_context;

/* Put a check in front of lws's file opens: a file is served only if its
 * real path (symbolic links resolved) lies inside the real path of dir.
 * Call once, right after lws_create_context. */
void www_confine(struct lws_context *ctx, const char *dir);

#endif
