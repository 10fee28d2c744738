/*
 * replconf.h - the replication keys of hookd.conf (docs/man/hookd.conf.5,
 * docs/operations.md "Replication"): parsed by lib/config.c through
 * replconf_set, checked as a whole by replconf_check once the file is read.
 *
 * Without replication_listen the site is not replicated and every other
 * replication key is refused (a key that would silently do nothing).
 */
#ifndef HOOKD_REPLCONF_H
#define HOOKD_REPLCONF_H

#include <stddef.h>
#include <stdint.h>

#define REPLCONF_HOST_MAX 255		/* a DNS name or an IP literal */
#define REPLCONF_PEERS_MAX 15		/* sites besides this one */
#define REPLCONF_URL_MAX 1024		/* public_url, without a trailing '/' */
#define REPLCONF_PRIORITY_MAX 1000000
#define REPLCONF_ACK_TIMEOUT_MAX_MS (60 * 1000)

/* One site's replication address.  host: NUL-terminated, no brackets
 * (an IPv6 literal is written [::1]:5000 in the file). */
struct replconf_addr {
	char host[REPLCONF_HOST_MAX + 1];
	unsigned port;			/* 1..65535 */
};

enum replconf_ack { REPLCONF_ACK_QUORUM = 0, REPLCONF_ACK_ALL = 1 };

struct replconf {
	int enabled;			/* replication_listen was given */
	struct replconf_addr listen;
	struct replconf_addr peers[REPLCONF_PEERS_MAX];
	size_t npeers;
	int create;			/* replication_create */
	int priority;			/* 0: never master; default 100 */
	int ack;			/* enum replconf_ack */
	int64_t ack_timeout_ms;		/* > 0; default 1000 */
	char public_url[REPLCONF_URL_MAX + 1];	/* "" when not given */
	unsigned given;			/* REPLCONF_GIVEN_* bits: keys seen */
	unsigned seen;			/* replconf.c: each key once */
};
#define REPLCONF_GIVEN_OTHER	0x1	/* a key other than replication_listen */

/* The defaults: not replicated, priority 100, quorum, 1 s. */
void replconf_defaults(struct replconf *r);

/*
 * key = val, if key is one of the replication keys.  1: not ours (the
 * caller goes on looking); 0: set; -1: bad value, reason (a phrase, no
 * file or line) in why.
 */
int replconf_set(struct replconf *r, const char *key, const char *val,
    char *why, size_t whylen);

/*
 * The keys together, once every line is read: a group that cannot work is
 * refused with what to change (a two-site group with quorum
 * acknowledgements, a site with nothing to join, no public_url, a peer
 * that is this site).  0, or -1 with the message in err.
 */
int replconf_check(const struct replconf *r, char *err, size_t errlen);

/* "host:port" ("[v6]:port") into out.  0, or -1 (does not fit). */
int replconf_addr_format(const struct replconf_addr *a, char *out,
    size_t outlen);

/* Parse "host:port" (or "[v6]:port").  0, or -1 with why. */
int replconf_addr_parse(const char *s, struct replconf_addr *a, char *why,
    size_t whylen);

#endif
