/* store_watch.h - is the store's file still the one the store opened, and
 * can it be written? SQLite keeps writing through its open descriptor to a
 * file that was deleted or replaced under it, and says "committed": issue
 * 19 saw 154,301 contacts acknowledged into a deleted file. The writer asks
 * before and after every batch, and once a second when idle. */
#ifndef VV_STORE_WATCH_H
#define VV_STORE_WATCH_H

#include <stddef.h>
#include <sys/types.h>

struct store_watch {
	char *path;
	dev_t dev; /* of the file as opened */
	ino_t ino;
	off_t size; /* the largest size seen: in WAL mode the file never shrinks */
};

enum store_watch_state {
	WATCH_OK = 0,
	WATCH_UNWRITABLE, /* may pass: writes resume when it does */
	WATCH_LOST,       /* deleted, replaced or truncated: not safe to go on */
};

/* Record what path is now. -1 with a reason (stat failed). */
int store_watch_init(struct store_watch *w, const char *path, char *err, size_t errlen);
void store_watch_free(struct store_watch *w);
/* Look again: two system calls when all is well. why says what is wrong
 * ("" when WATCH_OK). */
enum store_watch_state store_watch_check(struct store_watch *w, char *why, size_t whylen);

#endif
