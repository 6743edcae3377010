/* store_watch.c - notice a store file deleted, replaced, truncated or made
 * read-only under the running daemon. See store_watch.h, docs/store.md
 * "When the file changes under the daemon". */
#include "store_watch.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

int store_watch_init(struct store_watch *w, const char *path, char *err, size_t errlen)
{
	struct stat sb;

	memset(w, 0, sizeof(*w));
	if (stat(path, &sb)) {
		util_fail(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
		return -1;
	}
	if (!(w->path = strdup(path))) {
		util_fail(err, errlen, "%s: out of memory", path);
		return -1;
	}
	w->dev = sb.st_dev;
	w->ino = sb.st_ino;
	w->size = sb.st_size;
	return 0;
}

void store_watch_free(struct store_watch *w)
{
	free(w->path);
	w->path = NULL;
}

/* The probe is access(2), not a write: opening and closing the database
 * file would drop the POSIX locks SQLite holds on it. access() sees a
 * read-only file system (EROFS, also for root) and, for the daemon's own
 * user, the file's and the directory's permissions (the WAL and -shm files
 * are created in the directory). */
static int store_watch_writable(const char *path, char *why, size_t whylen)
{
	char *copy = strdup(path);
	const char *dir = copy ? dirname(copy) : ".";
	int rc = 0;

	if (access(path, W_OK)) {
		snprintf(why, whylen, "%s is not writable: %s", path, strerror(errno));
		rc = -1;
	} else if (access(dir, W_OK | X_OK)) {
		snprintf(why, whylen, "the directory %s is not writable: %s", dir, strerror(errno));
		rc = -1;
	}
	free(copy);
	return rc;
}

enum store_watch_state store_watch_check(struct store_watch *w, char *why, size_t whylen)
{
	struct stat sb;

	why[0] = '\0';
	if (stat(w->path, &sb)) {
		snprintf(why, whylen, "%s is gone (%s): it was deleted or moved away", w->path,
			 strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? WATCH_LOST : WATCH_UNWRITABLE;
	}
	if (sb.st_dev != w->dev || sb.st_ino != w->ino) {
		snprintf(why, whylen, "%s was replaced by another file", w->path);
		return WATCH_LOST;
	}
	if (sb.st_size < w->size) {
		snprintf(why, whylen, "%s was truncated from %lld to %lld bytes", w->path,
			 (long long)w->size, (long long)sb.st_size);
		return WATCH_LOST;
	}
	w->size = sb.st_size;
	return store_watch_writable(w->path, why, whylen) ? WATCH_UNWRITABLE : WATCH_OK;
}
