/*
 * confval.c - the value syntaxes of hookd.conf, shared by every key:
 * durations, sizes, booleans, blanks (contracts in confval.h).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "lib/confval.h"
#include "lib/num.h"

int
confval_duration(const char *s, int64_t *ms)
{
	size_t n = strspn(s, "0123456789");
	const char *unit = s + n;
	uint64_t v, mult;

	if (num_parse_u64(s, n, 0, UINT64_MAX, &v, NULL) == -1)
		return -1;
	if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "s") == 0)
		mult = 1000;
	else if (strcmp(unit, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(unit, "h") == 0)
		mult = 3600 * 1000;
	else if (strcmp(unit, "d") == 0)
		mult = 86400 * 1000;
	else if (*unit == '\0' && v == 0)
		mult = 0;		/* a bare 0 needs no unit */
	else
		return -1;
	if (mult != 0 && v > (uint64_t)INT64_MAX / mult)
		return -1;
	*ms = (int64_t)(v * mult);
	return 0;
}

int
confval_size(const char *s, size_t *bytes)
{
	size_t n = strspn(s, "0123456789");
	const char *suf = s + n;
	uint64_t v, mult;

	if (num_parse_u64(s, n, 0, UINT64_MAX, &v, NULL) == -1)
		return -1;
	if (*suf == '\0')
		mult = 1;
	else if (strcmp(suf, "K") == 0 || strcmp(suf, "k") == 0)
		mult = 1024;
	else if (strcmp(suf, "M") == 0 || strcmp(suf, "m") == 0)
		mult = 1024 * 1024;
	else if (strcmp(suf, "G") == 0 || strcmp(suf, "g") == 0)
		mult = 1024 * 1024 * 1024;
	else
		return -1;
	if (v > (uint64_t)SIZE_MAX / mult)
		return -1;
	*bytes = (size_t)(v * mult);
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
