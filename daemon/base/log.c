/* log.c - one logger for the daemon and for libwebsockets.
 *
 * Lines go to stderr with a syslog-style "<N>" prefix, which journald turns
 * into the right priority; when stderr is a terminal the prefix is a word. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>

enum log_level log_max_level = LOG_LVL_INFO;
static int log_to_tty;

static const int log_syslog_prio[] = { 3, 4, 5, 6, 7 };
static const char *const log_names[] = { "error", "warning", "notice", "info", "debug" };

void log_init(enum log_level max)
{
	log_max_level = max;
	log_to_tty = isatty(STDERR_FILENO);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (lvl > log_max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (log_to_tty)
		fprintf(stderr, "vegvisard: %s: %s\n", log_names[lvl], line);
	else
		fprintf(stderr, "<%d>%s\n", log_syslog_prio[lvl], line);
}

void log_lws_emit(int lws_level, const char *line)
{
	enum log_level lvl = LOG_LVL_DEBUG;
	size_t n = strlen(line);

	if (lws_level & LLL_ERR)
		lvl = LOG_LVL_ERR;
	else if (lws_level & LLL_WARN)
		lvl = LOG_LVL_WARN;
	else if (lws_level & LLL_NOTICE)
		lvl = LOG_LVL_NOTICE;
	/* lws lines end in a newline; ours add one. */
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	log_at(lvl, "lws: %.*s", (int)n, line);
}
