/* log.c - one logger for the daemon and for the libraries it runs on.
 *
 * Lines go to stderr with a syslog-style "<N>" prefix, which journald turns
 * into the right priority; when stderr is a terminal the prefix is a word. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* A library's lines (lws's, mapped by net/server.c): lws logs some refusals
 * itself, once or more per request ("Ran out of header data space" for
 * headers over max_http_header_data), so a client sending such requests in
 * a loop could fill the journal. Each distinct library line is written at
 * most once per LOG_REPEAT_SECS; the next one after that says how many were
 * left out. The table is small: lws has few lines at warning and error
 * level, and an evicted one only logs again. */
#define LOG_REPEAT_SECS 10
#define LOG_REPEAT_SLOTS 8

struct log_repeat {
	char text[96];
	time_t since;
	unsigned long skipped;
};

static struct log_repeat log_repeats[LOG_REPEAT_SLOTS];

/* 1 if the line may be written now; *skipped gets how many were not. */
static int log_repeat_allowed(const char *line, size_t n, unsigned long *skipped)
{
	struct timespec now;
	struct log_repeat *slot = &log_repeats[0];
	size_t len = n < sizeof(slot->text) - 1 ? n : sizeof(slot->text) - 1;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int i = 0; i < LOG_REPEAT_SLOTS; i++) {
		struct log_repeat *r = &log_repeats[i];
		if (strlen(r->text) == len && !memcmp(r->text, line, len)) {
			if (now.tv_sec - r->since < LOG_REPEAT_SECS) {
				r->skipped++;
				return 0;
			}
			slot = r;
			break;
		}
		if (r->since < slot->since)
			slot = r; /* the oldest, if the line is new */
	}
	*skipped = slot->skipped;
	memcpy(slot->text, line, len);
	slot->text[len] = '\0';
	slot->since = now.tv_sec;
	slot->skipped = 0;
	return 1;
}

void log_library(enum log_level lvl, const char *source, const char *line)
{
	size_t n = strlen(line);
	unsigned long skipped = 0;

	/* Library lines end in a newline; ours add one. */
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (lvl > log_max_level || !log_repeat_allowed(line, n, &skipped))
		return;
	if (skipped)
		log_at(lvl, "%s: %.*s (%lu more like it not logged, at most one per %d s)", source,
		       (int)n, line, skipped, LOG_REPEAT_SECS);
	else
		log_at(lvl, "%s: %.*s", source, (int)n, line);
}
