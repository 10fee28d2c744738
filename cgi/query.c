/* query.c - URL query parameters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/query.h"
#include "lib/id.h"

static int
query_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode [p, e) into out; -1 on bad escape, NUL or overflow. */
static int
query_decode(const char *p, const char *e, char *out, size_t outlen)
{
	size_t n = 0;
	int hi, lo, c;

	while (p < e) {
		if (*p == '%') {
			if (e - p < 3 || (hi = query_hex(p[1])) < 0 ||
			    (lo = query_hex(p[2])) < 0)
				return -1;
			c = hi * 16 + lo;
			p += 3;
		} else if (*p == '+') {
			c = ' ';
			p++;
		} else
			c = (unsigned char)*p++;
		if (c == 0 || n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

int
query_get(const char *query, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p, *e, *eq;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	if (query == NULL)
		return 0;
	for (p = query; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, '&');
		if (e == NULL)
			e = p + strlen(p);
		eq = memchr(p, '=', (size_t)(e - p));
		if (eq == NULL)
			eq = e;
		if ((size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0)
			return query_decode(eq < e ? eq + 1 : e, e, out,
			    outlen) == 0 ? 1 : -1;
	}
	return 0;
}

int
query_int(const char *query, const char *name, long long min,
    long long max, long long def, long long *out)
{
	char v[32], *end;
	long long x;
	int rc;

	rc = query_get(query, name, v, sizeof(v));
	if (rc == -1)
		return -1;
	if (rc == 0) {
		*out = def;
		return 0;
	}
	if (v[0] == '\0' || (v[0] != '-' && (v[0] < '0' || v[0] > '9')))
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

int
query_page(const char *query, const char *prefix, size_t *limit,
    char *cursor, size_t cursorlen, const char **err)
{
	long long n;
	int rc;

	if (query_int(query, "limit", 1, QUERY_LIMIT_MAX, QUERY_LIMIT_DEFAULT,
	    &n) == -1) {
		*err = "limit: must be an integer from 1 to 250";
		return -1;
	}
	*limit = (size_t)n;
	rc = query_get(query, "cursor", cursor, cursorlen);
	if (rc == -1 || (rc == 1 && !id_valid(prefix, cursor))) {
		*err = "cursor: not a cursor of this list";
		return -1;
	}
	return 0;	/* query_get left cursor "" when absent */
}
