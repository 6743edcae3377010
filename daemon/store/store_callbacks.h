/* store_callbacks.h - the callbacks table (docs/store.md, "Callbacks"):
 * loaded once at start, then written only by the store's writer thread. */
#ifndef VV_STORE_CALLBACKS_H
#define VV_STORE_CALLBACKS_H

#include <stdint.h>

#include "desk/callback.h"
#include "store.h"

struct store;

/* At start, before store_start: delete rows whose until_ms has passed,
 * then add the others to l. Returns how many were loaded, or -1. */
int store_callbacks_load(struct store *st, struct callback_list *l, int64_t now_ms);
/* Queue the insert of cb's row for the writer; fn(arg, result) runs on the
 * service thread once it is written (store_submit). -1 when the queue is full. */
int store_callbacks_insert(struct store *st, const struct callback *cb, store_done_fn *fn,
			   void *arg);
/* Queue the delete of code's row, and of every row past until_ms before
 * now_ms. -1 when the queue is full. */
int store_callbacks_delete(struct store *st, const char *code, int64_t now_ms,
			   store_done_fn *fn, void *arg);

#endif
