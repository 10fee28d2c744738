/*
 * retryafter.h - the Retry-After header of a 429 or 503 (RFC 9110 10.2.3):
 * delta-seconds, or an HTTP-date (IMF-fixdate; the obsolete RFC 850 and
 * asctime forms are accepted too).
 */
#ifndef HOOKD_SENDER_RETRYAFTER_H
#define HOOKD_SENDER_RETRYAFTER_H

#include <stdint.h>

/* Longest delay hookd honours, whatever the receiver asks (24 h). */
#define RETRYAFTER_MAX_MS (24LL * 3600 * 1000)

/*
 * Parse v (NUL-terminated, surrounding blanks allowed) relative to now_ms.
 * Returns 0 with *delay_ms in [0, RETRYAFTER_MAX_MS] (a date in the past is
 * 0, a larger value is clamped), or -1 if v is not a valid value.
 */
int retryafter_parse(const char *v, int64_t now_ms, int64_t *delay_ms);

#endif
