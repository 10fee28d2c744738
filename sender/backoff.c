/* backoff.c - retry schedule, jitter and Retry-After (see backoff.h). */
#include <stdint.h>

#include "lib/id.h"
#include "sender/backoff.h"
#include "sender/retryafter.h"

int64_t
backoff_jitter(int64_t ms, double r)
{
	double f;

	if (ms <= 0)
		return 0;
	if (r < 0)
		r = 0;
	if (r >= 1)
		r = 0.999999;
	f = 0.8 + 0.4 * r;
	return (int64_t)((double)ms * f);
}

int64_t
backoff_next(const int64_t *schedule, size_t n, uint32_t made,
    int64_t retry_after_ms, double r)
{
	int64_t d;

	if (made >= n)
		return -1;
	d = backoff_jitter(schedule[made], r);
	if (retry_after_ms > RETRYAFTER_MAX_MS)
		retry_after_ms = RETRYAFTER_MAX_MS;
	if (retry_after_ms > d)
		d = retry_after_ms;
	return d;
}

/* xorshift64*, seeded once from the OS: jitter needs spread, not secrecy. */
double
backoff_random(void)
{
	static uint64_t s;

	if (s == 0) {
		if (id_random(&s, sizeof(s)) == -1 || s == 0)
			s = 0x9e3779b97f4a7c15ULL;
	}
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return (double)((s * 0x2545f4914f6cdd1dULL) >> 11) / 9007199254740992.0;
}
