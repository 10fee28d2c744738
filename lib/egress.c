/* egress.c - mTLS, extra CA and proxy settings (see egress.h). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/config.h"
#include "lib/egress.h"
#include "lib/num.h"
#include "lib/str.h"

/* HOST:PORT after the scheme: a host of letters, digits, '-', '.', or an
 * IPv6 literal in brackets, then a port 1..65535, then nothing. */
static int
egress_hostport(const char *s, char *why, size_t whylen)
{
	const char *colon, *p;
	uint64_t port;
	size_t n;

	if (*s == '[') {
		if ((p = strchr(s, ']')) == NULL || p == s + 1)
			goto bad;
		for (s++; s < p; s++)
			if (!(*s == ':' || *s == '.' ||
			    (*s >= '0' && *s <= '9') ||
			    (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
				goto bad;
		colon = p + 1;
		if (*colon != ':')
			goto noport;
	} else {
		if ((colon = strchr(s, ':')) == NULL)
			goto noport;
		if (colon == s)
			goto bad;
		for (p = s; p < colon; p++)
			if (!(*p == '-' || *p == '.' || (*p >= '0' && *p <= '9') ||
			    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
				goto bad;
	}
	n = strlen(colon + 1);
	if (num_parse_u64(colon + 1, n, 1, 65535, &port, NULL) == -1 || n == 0)
		goto noport;
	return 0;
noport:
	snprintf(why, whylen, "the proxy needs a port 1..65535 and nothing "
	    "after it (http://HOST:PORT or socks5h://HOST:PORT)");
	return -1;
bad:
	snprintf(why, whylen, "bad proxy host (http://HOST:PORT or "
	    "socks5h://HOST:PORT)");
	return -1;
}

static int
egress_proxy(struct config *c, const char *v, char *why, size_t whylen)
{
	const char *rest;

	if (strncmp(v, "http://", 7) == 0)
		rest = v + 7;
	else if (strncmp(v, "socks5h://", 10) == 0)
		rest = v + 10;
	else {
		snprintf(why, whylen, "the proxy must be http://HOST:PORT or "
		    "socks5h://HOST:PORT");
		return -1;
	}
	if (egress_hostport(rest, why, whylen) == -1)
		return -1;
	if (str_copy(c->proxy, sizeof(c->proxy), v) == -1) {
		snprintf(why, whylen, "proxy longer than %d bytes",
		    EGRESS_PROXY_MAX);
		return -1;
	}
	return 0;
}

int
egress_set(struct config *c, const char *key, const char *v, char *why,
    size_t whylen)
{
	char *dst;

	if (strcmp(key, "proxy") == 0)
		return egress_proxy(c, v, why, whylen);
	if (strcmp(key, "tls_client_cert") == 0)
		dst = c->tls_client_cert;
	else if (strcmp(key, "tls_client_key") == 0)
		dst = c->tls_client_key;
	else if (strcmp(key, "tls_ca_file") == 0)
		dst = c->tls_ca_file;
	else {
		snprintf(why, whylen, "not an egress key");
		return -1;
	}
	if (*v == '\0') {
		snprintf(why, whylen, "empty path");
		return -1;
	}
	if (str_copy(dst, PATH_MAX, v) == -1) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	return 0;
}

/* 0 if path (when set) opens for reading. */
static int
egress_readable(const char *key, const char *path, char *err, size_t errlen)
{
	FILE *f;

	if (path[0] == '\0')
		return 0;
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s: %s", key, path,
		    strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

int
egress_check(const struct config *c, char *err, size_t errlen)
{
	if ((c->tls_client_cert[0] == '\0') != (c->tls_client_key[0] == '\0')) {
		snprintf(err, errlen, "%s: tls_client_cert and tls_client_key "
		    "go together: give both or neither", c->path);
		return -1;
	}
	if (egress_readable("tls_client_cert", c->tls_client_cert, err,
	    errlen) == -1 ||
	    egress_readable("tls_client_key", c->tls_client_key, err,
	    errlen) == -1 ||
	    egress_readable("tls_ca_file", c->tls_ca_file, err, errlen) == -1)
		return -1;
	return 0;
}
