/* timefmt.h - RFC 3339 UTC with milliseconds, both ways; the clock. */
#ifndef HOOKD_TIMEFMT_H
#define HOOKD_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define TIMEFMT_LEN 25		/* "2026-11-26T19:52:32.123Z" + NUL */

/* Wall clock, milliseconds since the epoch. */
int64_t timefmt_now_ms(void);
/* Monotonic clock in milliseconds, for durations and timers. */
int64_t timefmt_mono_ms(void);

/* Format ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (>= TIMEFMT_LEN). */
void timefmt_format(int64_t ms, char *out, size_t outlen);

/* The same as a new json-c string, as the API and every event write a
 * time; NULL (JSON null) for 0, "never", and when out of memory. */
struct json_object;
struct json_object *timefmt_json(int64_t ms);
/*
 * Parse RFC 3339 (any fraction digits, 'Z' or +hh:mm / -hh:mm offset) into
 * ms since the epoch.  0 or -1.
 */
int timefmt_parse(const char *s, int64_t *ms);

#endif
