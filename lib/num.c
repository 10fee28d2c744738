/*
 * num.c - decimal integers, checked both ways (contract in num.h).
 *
 * Both parsers share num_digits(): it reads the unsigned magnitude, notes
 * an overflow without stopping (a later non-digit still makes the text
 * "invalid": syntax is judged before range), and never reads past len or
 * past the first byte that is not a digit.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lib/num.h"

enum num_err { NUM_OK, NUM_EMPTY, NUM_INVALID, NUM_SMALL, NUM_LARGE };

static const char *const num_msg[] = {
	[NUM_OK] = NULL,
	[NUM_EMPTY] = "empty",
	[NUM_INVALID] = "invalid",
	[NUM_SMALL] = "too small",
	[NUM_LARGE] = "too large",
};

/* Set errno and *errstr for e; returns 0 for NUM_OK, else -1. */
static int
num_fail(enum num_err e, const char **errstr)
{
	if (errstr != NULL)
		*errstr = num_msg[e];
	if (e == NUM_OK)
		return 0;
	errno = e == NUM_EMPTY || e == NUM_INVALID ? EINVAL : ERANGE;
	return -1;
}

/*
 * The digits s[0..len) (len NUM_CSTR: up to the NUL) as *mag.  NUM_OK,
 * NUM_INVALID (no digit at all, or a byte that is not one), or NUM_LARGE
 * (all digits, but more than UINT64_MAX).
 */
static enum num_err
num_digits(const char *s, size_t len, uint64_t *mag)
{
	uint64_t v = 0;
	size_t i;
	int over = 0;

	for (i = 0; i < len && (len != NUM_CSTR || s[i] != '\0'); i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return NUM_INVALID;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = 1;
		else
			v = v * 10 + d;
	}
	if (i == 0)
		return NUM_INVALID;
	if (over)
		return NUM_LARGE;
	*mag = v;
	return NUM_OK;
}

static int
num_empty(const char *s, size_t len)
{
	return len == 0 || (len == NUM_CSTR && s[0] == '\0');
}

int
num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
    uint64_t *out, const char **errstr)
{
	enum num_err e;
	uint64_t v;

	if (num_empty(s, len))
		return num_fail(NUM_EMPTY, errstr);
	if ((e = num_digits(s, len, &v)) != NUM_OK)
		return num_fail(e, errstr);
	if (v > max)
		return num_fail(NUM_LARGE, errstr);
	if (v < min)
		return num_fail(NUM_SMALL, errstr);
	*out = v;
	return num_fail(NUM_OK, errstr);
}

int
num_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out, const char **errstr)
{
	enum num_err e;
	uint64_t mag;
	int64_t v;
	int neg;

	if (num_empty(s, len))
		return num_fail(NUM_EMPTY, errstr);
	neg = s[0] == '-';
	if (neg) {
		s++;
		if (len != NUM_CSTR)
			len--;
	}
	/* A bare "-" is no number: num_digits finds no digit. */
	e = num_digits(s, len, &mag);
	if (e == NUM_LARGE)
		return num_fail(neg ? NUM_SMALL : NUM_LARGE, errstr);
	if (e != NUM_OK)
		return num_fail(e, errstr);
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return num_fail(NUM_SMALL, errstr);
		/* -(2^63) has no positive twin: negate in unsigned. */
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return num_fail(NUM_LARGE, errstr);
		v = (int64_t)mag;
	}
	if (v > max)
		return num_fail(NUM_LARGE, errstr);
	if (v < min)
		return num_fail(NUM_SMALL, errstr);
	*out = v;
	return num_fail(NUM_OK, errstr);
}

/* Digits of mag, '-' first when neg, into out[outlen].  Length or -1. */
static int
num_format(uint64_t mag, int neg, char *out, size_t outlen)
{
	char d[NUM_I64_LEN];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag > 0);
	if (neg)
		d[--i] = '-';
	if (sizeof(d) - i >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	memcpy(out, d + i, sizeof(d) - i);
	out[sizeof(d) - i] = '\0';
	return (int)(sizeof(d) - i);
}

int
num_format_u64(uint64_t v, char *out, size_t outlen)
{
	return num_format(v, 0, out, outlen);
}

int
num_format_i64(int64_t v, char *out, size_t outlen)
{
	/* |INT64_MIN| in unsigned arithmetic, no signed overflow. */
	return num_format(v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v,
	    v < 0, out, outlen);
}
