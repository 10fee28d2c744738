/*
 * timefmt.c - RFC 3339 times as milliseconds since the epoch (see timefmt.h).
 *
 * Calendar arithmetic is done here (proleptic Gregorian, days from civil
 * date and back) so nothing depends on the process's TZ or on timegm().
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/num.h"
#include "lib/timefmt.h"

int64_t
timefmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
timefmt_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil. */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* v (0 <= v < 10^k) as k decimal digits, zero-padded, at out. */
static void
timefmt_digits(char *out, int v, int k)
{
	while (k-- > 0) {
		out[k] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
timefmt_format(int64_t ms, char *out, size_t outlen)
{
	int64_t days, rem, y;
	int m, d, hh, mi, ss, msec;

	if (outlen == 0)
		return;
	days = ms / 86400000;
	rem = ms % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	msec = (int)(rem % 1000);
	rem /= 1000;
	ss = (int)(rem % 60);
	mi = (int)(rem / 60 % 60);
	hh = (int)(rem / 3600);
	if (y >= 0 && y <= 9999 && outlen >= TIMEFMT_LEN) {
		/* the same bytes without snprintf (~3,500 instructions, once
		 * per event envelope) */
		timefmt_digits(out, (int)y, 4);
		out[4] = '-';
		timefmt_digits(out + 5, m, 2);
		out[7] = '-';
		timefmt_digits(out + 8, d, 2);
		out[10] = 'T';
		timefmt_digits(out + 11, hh, 2);
		out[13] = ':';
		timefmt_digits(out + 14, mi, 2);
		out[16] = ':';
		timefmt_digits(out + 17, ss, 2);
		out[19] = '.';
		timefmt_digits(out + 20, msec, 3);
		out[23] = 'Z';
		out[24] = '\0';
		return;
	}
	snprintf(out, outlen, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    (long long)y, m, d, hh, mi, ss, msec);
}

/* Exactly n (<= 4) decimal digits at *p into *v; advances *p.  0 or -1.
 * num_parse stops at the first non-digit: a short string is safe. */
static int
digits(const char **p, int n, int *v)
{
	uint64_t r;

	if (num_parse_u64(*p, (size_t)n, 0, 9999, &r, NULL) == -1)
		return -1;
	*p += n;
	*v = (int)r;
	return 0;
}

int
timefmt_parse(const char *s, int64_t *ms)
{
	const char *p = s;
	int y, mo, d, hh, mi, ss, frac = 0, scale = 100, oh, om, sign;
	int64_t t;

	if (digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    digits(&p, 2, &d) == -1 || (*p != 'T' && *p != 't'))
		return -1;
	p++;
	if (digits(&p, 2, &hh) == -1 || *p++ != ':' ||
	    digits(&p, 2, &mi) == -1 || *p++ != ':' ||
	    digits(&p, 2, &ss) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
	    hh > 23 || mi > 59 || ss > 59)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		/* Any number of digits; milliseconds keep the first three. */
		for (; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	t = days_from_civil(y, mo, d) * 86400000 +
	    (int64_t)((hh * 60 + mi) * 60 + ss) * 1000 + frac;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh) == -1 || *p++ != ':' ||
		    digits(&p, 2, &om) == -1 || oh > 23 || om > 59)
			return -1;
		/* Local time = UTC + offset, so UTC = local - offset. */
		t -= sign * (int64_t)(oh * 60 + om) * 60000;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	*ms = t;
	return 0;
}

struct json_object *
timefmt_json(int64_t ms)
{
	char t[TIMEFMT_LEN];

	if (ms == 0)
		return NULL;
	timefmt_format(ms, t, sizeof(t));
	return json_object_new_string(t);
}
