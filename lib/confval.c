/*
 * confval.c - the value syntaxes of hookd.conf, shared by every key:
 * durations, sizes, booleans, blanks (contracts in confval.h).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lib/confval.h"
#include "lib/num.h"

/* A unit suffix of a number and what one of it is worth. */
struct confval_unit {
	const char *name;
	uint64_t mult;
};

static const struct confval_unit confval_time[] = {
	{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 }, { "h", 3600 * 1000 },
	{ "d", 86400 * 1000 },
};

static const struct confval_unit confval_bytes[] = {
	{ "", 1 }, { "K", 1024 }, { "k", 1024 }, { "M", 1024 * 1024 },
	{ "m", 1024 * 1024 }, { "G", 1024 * 1024 * 1024 },
	{ "g", 1024 * 1024 * 1024 },
};

/*
 * Digits, then one of the n units of u: the product into *out, if it is
 * at most max.  A bare "0" is 0 whatever the units.  0 or -1.
 */
static int
confval_scaled(const char *s, const struct confval_unit *u, size_t n,
    uint64_t max, uint64_t *out)
{
	size_t digits = strspn(s, "0123456789"), i;
	uint64_t v;

	if (num_parse_u64(s, digits, 0, UINT64_MAX, &v, NULL) == -1)
		return -1;
	if (v == 0 && s[digits] == '\0') {
		*out = 0;		/* a bare 0 needs no unit */
		return 0;
	}
	for (i = 0; i < n; i++)
		if (strcmp(s + digits, u[i].name) == 0)
			break;
	if (i == n || v > max / u[i].mult)
		return -1;
	*out = v * u[i].mult;
	return 0;
}

int
confval_duration(const char *s, int64_t *ms)
{
	uint64_t v;

	if (confval_scaled(s, confval_time, sizeof(confval_time) /
	    sizeof(confval_time[0]), INT64_MAX, &v) == -1)
		return -1;
	*ms = (int64_t)v;
	return 0;
}

int
confval_size(const char *s, size_t *bytes)
{
	uint64_t v;

	if (confval_scaled(s, confval_bytes, sizeof(confval_bytes) /
	    sizeof(confval_bytes[0]), SIZE_MAX, &v) == -1)
		return -1;
	*bytes = (size_t)v;
	return 0;
}

int
confval_bool(const char *s, int *b)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = 0;
			return 0;
		}
	}
	return -1;
}

int
confval_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\f' || ch == '\v';
}

char *
confval_trim(char *s)
{
	size_t n;

	while (confval_blank((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && confval_blank((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}
