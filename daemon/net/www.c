/* www.c - static files only from inside the www directory.
 *
 * lws serves the "/" mount through its platform file operations, which
 * follow symbolic links wherever they point: a link in www to /etc/passwd
 * would be served. lws already refuses "..", "%2e%2e", encoded slashes and
 * NUL in URLs before a file is opened (attacks.test.mjs tries them), so
 * what is left is links; this open resolves them and refuses whatever ends
 * up outside. Links that stay inside www keep working. */
#include "www.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "base/log.h"

/* One lws context per process, so one of these. */
static struct {
	struct lws_plat_file_ops ops;             /* lws's own, with our open */
	const struct lws_plat_file_ops *platform; /* lws's own, as they were */
	char root[PATH_MAX];                      /* real path of www */
	size_t root_len;                          /* 0 for "/"; -1: serve nothing */
} www;

static int www_inside(const char *real)
{
	if (www.root_len == (size_t)-1)
		return 0;
	return !strncmp(real, www.root, www.root_len) &&
	       (real[www.root_len] == '/' || real[www.root_len] == '\0');
}

static lws_fop_fd_t www_open(const struct lws_plat_file_ops *fops, const char *filename,
			     const char *vpath, lws_fop_flags_t *flags)
{
	char real[PATH_MAX];

	(void)fops;
	if (!realpath(filename, real))
		return NULL; /* no such file: lws answers 404 */
	if (!www_inside(real)) {
		log_info("static file %s refused: it resolves to %s, outside %s", filename, real,
			 www.root);
		errno = EACCES;
		return NULL;
	}
	/* Opened by its resolved name: the file we checked is the one served. */
	return www.platform->LWS_FOP_OPEN(www.platform, real, vpath, flags);
}

void www_confine(struct lws_context *ctx, const char *dir)
{
	www.platform = lws_get_fops(ctx);
	www.ops = *www.platform;
	www.ops.LWS_FOP_OPEN = www_open;
	www.ops.next = NULL; /* and no virtual file systems (zip) either */
	if (realpath(dir, www.root)) {
		www.root_len = strlen(www.root);
		if (www.root_len == 1)
			www.root_len = 0; /* "/": every real path starts with "/" */
	} else {
		log_warn("www directory %s: %s; no static files will be served", dir,
			 strerror(errno));
		www.root_len = (size_t)-1;
	}
	lws_set_fops(ctx, &www.ops);
}
