/*
 * netaddr.h - which addresses hookd may deliver to.
 *
 * Refused unless allowed: unspecified, loopback, private (RFC 1918, ULA
 * fc00::/7), link-local (169.254/16 incl. cloud metadata, fe80::/10), CGNAT
 * 100.64/10, multicast, broadcast and reserved (240/4), documentation and
 * benchmarking ranges, 0/8, IETF protocol assignments 192.0.0/24, and the
 * IPv4-mapped / IPv4-compatible / NAT64 / 6to4 IPv6 forms of refused IPv4.
 */
#ifndef HOOKD_NETADDR_H
#define HOOKD_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

struct netaddr_cidr {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* network order; 4 bytes used for v4 */
	unsigned prefix;
};

/* Parse "10.0.0.0/8", "::1/128" or a bare address (full prefix).  0 or -1. */
int netaddr_parse_cidr(const char *s, struct netaddr_cidr *out);

/* 1 if the address is in a refused range, else 0. */
int netaddr_is_refused(const struct sockaddr *sa);

/*
 * 1 if a connection to sa is allowed: allow_private, or sa is not refused,
 * or sa is in one of the n CIDRs of allow.
 */
int netaddr_allowed(const struct sockaddr *sa, int allow_private,
    const struct netaddr_cidr *allow, size_t n);

/* Same for a textual IP literal (no brackets).  -1 if not an IP literal. */
int netaddr_literal_allowed(const char *ip, int allow_private,
    const struct netaddr_cidr *allow, size_t n);

#endif
