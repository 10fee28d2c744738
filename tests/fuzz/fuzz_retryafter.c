/*
 * libFuzzer target: the Retry-After parser (sender/retryafter.h).
 *
 * Oracle beyond the sanitizers: an accepted value is a delay in
 * [0, RETRYAFTER_MAX_MS]; the answer does not depend on blanks around the
 * value; a later "now" never gives a longer delay.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sender/retryafter.h"

#define FUZZ_RA_MAX 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_ra_fail(const char *what, const char *v)
{
	fprintf(stderr, "fuzz_retryafter: %s for \"%s\"\n", what, v);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Times a sender may see: 1970, 2026-11-26, 2100. */
	static const int64_t nows[] = { 0, 1795722752123LL, 4102444800000LL };
	char s[FUZZ_RA_MAX + 1], padded[FUZZ_RA_MAX + 8];
	int64_t d, dp, prev = 0;
	int r, rp, prev_ok = 0;
	size_t i;

	if (size > FUZZ_RA_MAX)
		size = FUZZ_RA_MAX;
	memcpy(s, data, size);
	s[size] = '\0';
	padded[0] = ' ';
	padded[1] = '\t';
	memcpy(padded + 2, s, strlen(s));
	padded[2 + strlen(s)] = '\t';
	padded[3 + strlen(s)] = ' ';
	padded[4 + strlen(s)] = '\0';
	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		d = -1;
		r = retryafter_parse(s, nows[i], &d);
		if (r != 0 && r != -1)
			fuzz_ra_fail("return value not 0/-1", s);
		if (r == 0 && (d < 0 || d > RETRYAFTER_MAX_MS))
			fuzz_ra_fail("delay out of range", s);
		dp = -1;
		rp = retryafter_parse(padded, nows[i], &dp);
		if (rp != r || (r == 0 && dp != d))
			fuzz_ra_fail("blanks around the value change it", s);
		if (prev_ok && r == 0 && d > prev)
			fuzz_ra_fail("a later now gives a longer delay", s);
		prev = d;
		prev_ok = r == 0;
	}
	return 0;
}
