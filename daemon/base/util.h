/* util.h - the few helpers every module shares. */
#ifndef VV_UTIL_H
#define VV_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The one error convention for validation: write the reason into err
 * (when err is not NULL) and return -1, so callers can `return util_fail(…)`. */
int util_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Local midnight at the start of day "YYYY-MM-DD" + add_days, as Unix ms;
 * mktime applies the zone's offset and daylight saving of that day. */
int64_t util_local_midnight_ms(const char *ymd, int add_days);

/* Copy src (NULL: "") into dst of size bytes, cut to fit, always
 * terminated: strlcpy, without snprintf's cost on hot paths. */
void util_copy(char *dst, size_t size, const char *src);

/* The wall clock (CLOCK_REALTIME) as Unix ms. */
int64_t util_now_ms(void);

#endif
