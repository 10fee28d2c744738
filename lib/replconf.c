/*
 * replconf.c - the replication keys of hookd.conf (contracts in
 * replconf.h): one value at a time, then the group as a whole.
 *
 * Why the whole-group checks (docs/operations.md "Replication"):
 *  - Two sites with quorum acknowledgements: Berkeley DB's quorum of a
 *    two-site group is the master alone, so a commit would wait for no
 *    acknowledgement at all and a 2xx would promise one copy.  Use
 *    replication_ack = all (both copies) or add a third site.
 *  - A site that does not create the group and names no peer has nobody
 *    to join; a site that only creates a group of one is legal (add sites
 *    later).
 *  - public_url is what clients send writers to: required.
 * What cannot be seen in one file (two sites that both say
 * replication_create = yes) is found at run time by hookd-repl (repl/).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/confval.h"
#include "lib/num.h"
#include "lib/replconf.h"
#include "lib/str.h"

void
replconf_defaults(struct replconf *r)
{
	memset(r, 0, sizeof(*r));
	r->priority = 100;
	r->ack = REPLCONF_ACK_QUORUM;
	r->ack_timeout_ms = 1000;
}

/* 1 if c may appear in a host name or an IPv4 literal. */
static int
replconf_hostch(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-';
}

int
replconf_addr_parse(const char *s, struct replconf_addr *a, char *why,
    size_t whylen)
{
	const char *colon, *hs, *he, *p;
	const char *errstr = NULL;
	int64_t port;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		hs = s + 1;
		if ((he = strchr(hs, ']')) == NULL || he[1] != ':')
			goto bad;
		colon = he + 1;
		for (p = hs; p < he; p++)
			if (strchr("0123456789abcdefABCDEF:.", *p) == NULL)
				goto bad;
	} else {
		hs = s;
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		he = colon;
		for (p = hs; p < he; p++)
			if (!replconf_hostch((unsigned char)*p))
				goto bad;
	}
	if (he == hs || (size_t)(he - hs) > REPLCONF_HOST_MAX)
		goto bad;
	if (num_parse_i64(colon + 1, NUM_CSTR, 1, 65535, &port, &errstr) == -1)
		goto bad;
	memcpy(a->host, hs, (size_t)(he - hs));
	a->host[he - hs] = '\0';
	a->port = (unsigned)port;
	return 0;
bad:
	snprintf(why, whylen, "'%.80s' is not HOST:PORT (a host name or IP "
	    "address, a port 1-65535; IPv6 as [ADDR]:PORT)", s);
	return -1;
}

int
replconf_addr_format(const struct replconf_addr *a, char *out, size_t outlen)
{
	int n;

	n = snprintf(out, outlen, strchr(a->host, ':') != NULL ? "[%s]:%u" :
	    "%s:%u", a->host, a->port);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* 1 if a and b name the same address (host compared as written). */
static int
replconf_same(const struct replconf_addr *a, const struct replconf_addr *b)
{
	return a->port == b->port && strcasecmp(a->host, b->host) == 0;
}

static int
replconf_peers(struct replconf *r, char *v, char *why, size_t whylen)
{
	char *p = v, *comma, *item;
	size_t i;

	r->npeers = 0;
	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		item = confval_trim(p);
		if (*item == '\0') {
			snprintf(why, whylen, "empty list item");
			return -1;
		}
		if (r->npeers == REPLCONF_PEERS_MAX) {
			snprintf(why, whylen, "more than %d peers",
			    REPLCONF_PEERS_MAX);
			return -1;
		}
		if (replconf_addr_parse(item, &r->peers[r->npeers], why,
		    whylen) == -1)
			return -1;
		for (i = 0; i < r->npeers; i++) {
			if (replconf_same(&r->peers[i], &r->peers[r->npeers])) {
				snprintf(why, whylen, "%.80s is listed twice",
				    item);
				return -1;
			}
		}
		r->npeers++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* public_url: http(s)://host[:port][/prefix], no query, no blanks; a
 * trailing '/' is dropped (the API's paths are appended to it). */
static int
replconf_url(struct replconf *r, const char *v, char *why, size_t whylen)
{
	const char *host;
	size_t n = strlen(v), i;

	host = strncmp(v, "http://", 7) == 0 ? v + 7 :
	    strncmp(v, "https://", 8) == 0 ? v + 8 : NULL;
	if (host == NULL || *host == '\0' || *host == '/') {
		snprintf(why, whylen, "must be http://HOST[:PORT] or "
		    "https://HOST[:PORT], the API's base as clients reach it");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f ||
		    v[i] == '?' || v[i] == '#') {
			snprintf(why, whylen, "no blanks, query or fragment "
			    "in a base URL");
			return -1;
		}
	}
	while (n > 0 && v[n - 1] == '/')
		n--;
	if (n > REPLCONF_URL_MAX) {
		snprintf(why, whylen, "longer than %d bytes", REPLCONF_URL_MAX);
		return -1;
	}
	memcpy(r->public_url, v, n);
	r->public_url[n] = '\0';
	return 0;
}

/* The keys, for the given-twice check (bit i of r->seen: keys[i]). */
static const char *const replconf_keys[] = {
	"replication_listen", "replication_peers", "replication_create",
	"replication_priority", "replication_ack", "replication_ack_timeout",
	"public_url",
};

int
replconf_set(struct replconf *r, const char *key, const char *val,
    char *why, size_t whylen)
{
	char tmp[8192];
	const char *errstr = NULL;
	int64_t n;
	size_t k;

	for (k = 0; k < sizeof(replconf_keys) / sizeof(replconf_keys[0]); k++)
		if (strcmp(key, replconf_keys[k]) == 0)
			break;
	if (k == sizeof(replconf_keys) / sizeof(replconf_keys[0]))
		return 1;
	if (r->seen & (1u << k)) {
		snprintf(why, whylen, "given twice");
		return -1;
	}
	r->seen |= 1u << k;
	if (strcmp(key, "replication_listen") == 0) {
		if (replconf_addr_parse(val, &r->listen, why, whylen) == -1)
			return -1;
		r->enabled = 1;
		return 0;
	}
	if (strcmp(key, "replication_peers") == 0) {
		if (str_copy(tmp, sizeof(tmp), val) == -1) {
			snprintf(why, whylen, "too long");
			return -1;
		}
		if (replconf_peers(r, tmp, why, whylen) == -1)
			return -1;
	} else if (strcmp(key, "replication_create") == 0) {
		if (confval_bool(val, &r->create) == -1) {
			snprintf(why, whylen, "expected yes or no");
			return -1;
		}
	} else if (strcmp(key, "replication_priority") == 0) {
		if (num_parse_i64(val, NUM_CSTR, 0, REPLCONF_PRIORITY_MAX, &n,
		    &errstr) == -1) {
			snprintf(why, whylen, "expected 0 (never master) to %d",
			    REPLCONF_PRIORITY_MAX);
			return -1;
		}
		r->priority = (int)n;
	} else if (strcmp(key, "replication_ack") == 0) {
		if (strcmp(val, "quorum") == 0)
			r->ack = REPLCONF_ACK_QUORUM;
		else if (strcmp(val, "all") == 0)
			r->ack = REPLCONF_ACK_ALL;
		else {
			snprintf(why, whylen, "expected quorum or all");
			return -1;
		}
	} else if (strcmp(key, "replication_ack_timeout") == 0) {
		if (confval_duration(val, &n) == -1 || n <= 0 ||
		    n > REPLCONF_ACK_TIMEOUT_MAX_MS) {
			snprintf(why, whylen, "expected a duration from 1ms to "
			    "60s (e.g. 1s, 500ms)");
			return -1;
		}
		r->ack_timeout_ms = n;
	} else if (strcmp(key, "public_url") == 0) {
		if (replconf_url(r, val, why, whylen) == -1)
			return -1;
	} else
		return 1;
	r->given |= REPLCONF_GIVEN_OTHER;
	return 0;
}

int
replconf_check(const struct replconf *r, char *err, size_t errlen)
{
	size_t i;

	if (!r->enabled) {
		if (r->given & REPLCONF_GIVEN_OTHER) {
			snprintf(err, errlen, "replication keys without "
			    "replication_listen: set replication_listen = "
			    "HOST:PORT to replicate, or remove them");
			return -1;
		}
		return 0;
	}
	if (r->public_url[0] == '\0') {
		snprintf(err, errlen, "replication needs public_url: this "
		    "site's API base as clients reach it (e.g. "
		    "http://10.0.0.2:8080), where other sites send writers "
		    "when this site is the master");
		return -1;
	}
	for (i = 0; i < r->npeers; i++) {
		if (replconf_same(&r->peers[i], &r->listen)) {
			snprintf(err, errlen, "replication_peers lists this "
			    "site's own replication_listen (%s:%u): list only "
			    "the other sites", r->listen.host, r->listen.port);
			return -1;
		}
	}
	if (r->npeers == 0 && !r->create) {
		snprintf(err, errlen, "replication_peers is empty and "
		    "replication_create = no: this site has no group to join; "
		    "list the other sites in replication_peers (or set "
		    "replication_create = yes on the one site that creates "
		    "the group)");
		return -1;
	}
	if (r->npeers == 0 && r->priority == 0) {
		snprintf(err, errlen, "replication_priority = 0 on a group "
		    "of one: no site could ever be master; give it a "
		    "priority above 0 or add peers");
		return -1;
	}
	if (r->npeers == 1 && r->ack == REPLCONF_ACK_QUORUM) {
		snprintf(err, errlen, "a group of two sites with "
		    "replication_ack = quorum: the quorum of two is the "
		    "master alone, so a write would be acknowledged with one "
		    "copy; set replication_ack = all (both copies, writes "
		    "wait while one site is down) or add a third site to "
		    "replication_peers");
		return -1;
	}
	return 0;
}
