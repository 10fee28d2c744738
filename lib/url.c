/*
 * url.c - webhook URL validation (see url.h).
 *
 * The URL is parsed by libcurl's own parser (CURLU), the one the sender's
 * transfers use, so what is checked here is what curl will connect to.
 * CURLU normalises numeric hosts ("127.1", "0x7f.1", "2130706433" all
 * become "127.0.0.1"); the host it returns is judged, never the raw text.
 * As a second line, any host inet_aton(3) would read as IPv4 is treated as
 * an IPv4 literal, and a name whose last label is all digits is refused
 * (no top-level domain is numeric), so no resolver can turn an accepted
 * "name" into an address that was never checked.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/netaddr.h"
#include "lib/str.h"
#include "lib/url.h"

#define URL_LABEL_MAX 63
#define URL_NAME_MAX 253

/* A clear message for a URL that CURLU refused. */
static void
url_err_curl(CURLUcode rc, char *err, size_t errlen)
{
	switch (rc) {
	case CURLUE_BAD_SCHEME:
	case CURLUE_UNSUPPORTED_SCHEME:
		snprintf(err, errlen, "url: scheme must be http or https");
		break;
	case CURLUE_NO_HOST:
		snprintf(err, errlen, "url: host is missing");
		break;
	case CURLUE_BAD_PORT_NUMBER:
		snprintf(err, errlen, "url: port must be from 1 to 65535");
		break;
	default:
		snprintf(err, errlen, "url: not a valid URL (%s)",
		    curl_url_strerror(rc));
		break;
	}
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_ldh(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    is_digit(c) || c == '-';
}

/*
 * A DNS name of n bytes (trailing dot already removed): labels of 1..63
 * letters, digits and '-', not starting or ending with '-', 253 bytes in
 * all, last label not all digits.  0 or -1 with err set.
 */
static int
check_name(const char *h, size_t n, char *err, size_t errlen)
{
	size_t i, start = 0, len;
	int all_digits = 1;

	if (n == 0) {
		snprintf(err, errlen, "url: host is missing");
		return -1;
	}
	if (n > URL_NAME_MAX) {
		snprintf(err, errlen, "url: host name is longer than %d bytes",
		    URL_NAME_MAX);
		return -1;
	}
	for (i = 0; i <= n; i++) {
		if (i < n && h[i] != '.') {
			if (!is_ldh(h[i])) {
				snprintf(err, errlen, "url: host name may "
				    "contain only letters, digits, '-' and "
				    "'.'");
				return -1;
			}
			if (!is_digit(h[i]))
				all_digits = 0;
			continue;
		}
		len = i - start;
		if (len == 0) {
			snprintf(err, errlen, "url: host name has an empty "
			    "label");
			return -1;
		}
		if (len > URL_LABEL_MAX) {
			snprintf(err, errlen, "url: host name label is longer "
			    "than %d bytes", URL_LABEL_MAX);
			return -1;
		}
		if (h[start] == '-' || h[i - 1] == '-') {
			snprintf(err, errlen, "url: host name label may not "
			    "start or end with '-'");
			return -1;
		}
		if (i < n) {
			start = i + 1;
			all_digits = 1;
		}
	}
	if (all_digits) {
		snprintf(err, errlen, "url: host looks like an IP address but "
		    "is not a valid one");
		return -1;
	}
	return 0;
}

/* Judge an IP literal (no brackets).  0 or -1 with err set. */
static int
check_ip(const char *ip, int allow_private, const struct netaddr_cidr *allow,
    size_t n, char *err, size_t errlen)
{
	int r = netaddr_literal_allowed(ip, allow_private, allow, n);

	if (r == 1)
		return 0;
	if (r == 0)
		snprintf(err, errlen, "url: address %s is in a refused range "
		    "(loopback, private, link-local or reserved)", ip);
	else
		snprintf(err, errlen, "url: invalid IP address");
	return -1;
}

/* Check the host as CURLU returned it.  0 or -1 with err set. */
static int
check_host(const char *host, int allow_private,
    const struct netaddr_cidr *allow, size_t n, char *err, size_t errlen)
{
	char tmp[URL_NAME_MAX + 2], ip[INET_ADDRSTRLEN];
	size_t len = strlen(host);
	struct in_addr a4;

	if (len == 0) {
		snprintf(err, errlen, "url: host is missing");
		return -1;
	}
	if (host[0] == '[') {
		if (len < 3 || host[len - 1] != ']' ||
		    str_copyn(tmp, sizeof(tmp), host + 1, len - 2) == -1) {
			snprintf(err, errlen, "url: invalid IPv6 address");
			return -1;
		}
		return check_ip(tmp, allow_private, allow, n, err, errlen);
	}
	if (host[len - 1] == '.')
		len--;		/* one trailing dot: an absolute name */
	if (len > URL_NAME_MAX ||
	    str_copyn(tmp, sizeof(tmp), host, len) == -1) {
		snprintf(err, errlen, "url: host name is longer than %d bytes",
		    URL_NAME_MAX);
		return -1;
	}
	if (inet_aton(tmp, &a4) != 0) {
		/* Any IPv4 spelling, judged as the address it means. */
		if (inet_ntop(AF_INET, &a4, ip, sizeof(ip)) == NULL) {
			snprintf(err, errlen, "url: invalid IP address");
			return -1;
		}
		return check_ip(ip, allow_private, allow, n, err, errlen);
	}
	return check_name(tmp, len, err, errlen);
}

int
url_check(const char *url, int require_https, int allow_private,
    const struct netaddr_cidr *allow, size_t n, char *err, size_t errlen)
{
	CURLU *h = NULL;
	CURLUcode rc;
	char *scheme = NULL, *host = NULL, *user = NULL, *pass = NULL;
	char *port = NULL, *zone = NULL;
	size_t len = strlen(url), i;
	int r = -1;

	if (len == 0) {
		snprintf(err, errlen, "url: must not be empty");
		return -1;
	}
	if (len > URL_MAX) {
		snprintf(err, errlen, "url: longer than %d bytes", URL_MAX);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)url[i];

		if (ch <= 0x20 || ch >= 0x7f) {
			snprintf(err, errlen, "url: must be ASCII without "
			    "blanks or control characters (percent-encode the "
			    "rest)");
			return -1;
		}
	}
	h = curl_url();
	if (h == NULL) {
		snprintf(err, errlen, "url: out of memory");
		return -1;
	}
	rc = curl_url_set(h, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		url_err_curl(rc, err, errlen);
		goto done;
	}
	if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen, "url: scheme must be http or https");
		goto done;
	}
	/* "http:///x" would reach x: ask for the plain form. */
	i = strlen(scheme);
	if (strncmp(url + i, "://", 3) != 0 || url[i + 3] == '/') {
		snprintf(err, errlen, "url: must start with http:// or "
		    "https:// followed by the host");
		goto done;
	}
	if (require_https && strcmp(scheme, "https") != 0) {
		snprintf(err, errlen, "url: scheme must be https "
		    "(require_https is set)");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(h, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		snprintf(err, errlen, "url: must not contain a user name or "
		    "password");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK) {
		snprintf(err, errlen, "url: IPv6 zone ids are not allowed");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, "0") == 0) {
		snprintf(err, errlen, "url: port must be from 1 to 65535");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "url: host is missing");
		goto done;
	}
	if (check_host(host, allow_private, allow, n, err, errlen) == -1)
		goto done;
	r = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(pass);
	curl_free(port);
	curl_free(zone);
	curl_url_cleanup(h);
	return r;
}
