/* retryafter.c - Retry-After parsing (see retryafter.h). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "lib/num.h"
#include "lib/str.h"
#include "sender/retryafter.h"

static int
ra_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Digits only; a value beyond the cap is the cap (never an overflow). */
static int
ra_delta(const char *s, size_t n, int64_t *ms)
{
	uint64_t secs;

	if (num_parse_u64(s, n, 0, RETRYAFTER_MAX_MS / 1000, &secs,
	    NULL) == -1) {
		if (errno != ERANGE)
			return -1;
		secs = RETRYAFTER_MAX_MS / 1000 + 1;	/* clamped below */
	}
	*ms = (int64_t)secs * 1000;
	return 0;
}

/* strptime must consume the whole string for the form to match. */
static int
ra_date(const char *s, int64_t *at_ms)
{
	static const char *forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT",	/* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT",	/* RFC 850 */
		"%a %b %e %H:%M:%S %Y",		/* asctime */
	};
	struct tm tm;
	const char *end;
	size_t i;
	time_t t;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, forms[i], &tm);
		if (end == NULL || *end != '\0')
			continue;
		t = timegm(&tm);
		if (t == (time_t)-1)
			return -1;
		*at_ms = (int64_t)t * 1000;
		return 0;
	}
	return -1;
}

int
retryafter_parse(const char *v, int64_t now_ms, int64_t *delay_ms)
{
	char tmp[64];
	size_t n;
	int64_t d, at;

	while (ra_blank(*v))
		v++;
	n = strlen(v);
	while (n > 0 && ra_blank(v[n - 1]))
		n--;
	if (n == 0 || str_copyn(tmp, sizeof(tmp), v, n) == -1)
		return -1;
	if (tmp[0] >= '0' && tmp[0] <= '9' && ra_delta(tmp, n, &d) == 0) {
		/* fall through to the clamp */
	} else if (ra_date(tmp, &at) == 0) {
		d = at - now_ms;
		if (d < 0)
			d = 0;
	} else {
		return -1;
	}
	*delay_ms = d > RETRYAFTER_MAX_MS ? RETRYAFTER_MAX_MS : d;
	return 0;
}
