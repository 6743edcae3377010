/* log.h - leveled logging to stderr (journald adds timestamps). */
#ifndef VV_LOG_H
#define VV_LOG_H

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_NOTICE, LOG_LVL_INFO, LOG_LVL_DEBUG };

extern enum log_level log_max_level;

void log_init(enum log_level max);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A library's own log line (libwebsockets', mapped to a level by
 * net/server.c), prefixed with source; a line repeated within 10 s is
 * written once, with a count of those left out. */
void log_library(enum log_level lvl, const char *source, const char *line);

/* Check the level before formatting, so debug lines cost nothing when off. */
#define log_at(lvl, ...)                                                                           \
	do {                                                                                       \
		if ((lvl) <= log_max_level)                                                        \
			log_msg((lvl), __VA_ARGS__);                                               \
	} while (0)
#define log_err(...) log_at(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_at(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_at(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
