/* query.h - the parameters of a URL query string ("a=1&b=x%20y"). */
#ifndef HOOKD_CGI_QUERY_H
#define HOOKD_CGI_QUERY_H

#include <stddef.h>

#define QUERY_LIMIT_DEFAULT 50	/* a list's page when no limit is given */
#define QUERY_LIMIT_MAX 250

/*
 * Find name in query (may be NULL) and percent-decode its value ('+' is a
 * space) into out.  1 found, 0 absent, -1 bad encoding, a NUL byte, or a
 * value longer than outlen - 1.  The first occurrence wins.
 */
int query_get(const char *query, const char *name, char *out, size_t outlen);

/* An integer parameter in [min, max]; def when absent.  0 or -1 (bad). */
int query_int(const char *query, const char *name, long long min,
    long long max, long long def, long long *out);

/*
 * A list's page: "limit" (1..QUERY_LIMIT_MAX, QUERY_LIMIT_DEFAULT when
 * absent) into *limit and "cursor", an id of kind prefix (lib/id.h), into
 * cursor (cursorlen bytes; "" when absent).  0, or -1 with *err set to the
 * message of the 422 answer.
 */
int query_page(const char *query, const char *prefix, size_t *limit,
    char *cursor, size_t cursorlen, const char **err);

#endif
