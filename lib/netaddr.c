/*
 * netaddr.c - refused address ranges and CIDR allow lists (see netaddr.h).
 *
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96, SIIT
 * ::ffff:0:0:0/96, compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16)
 * are judged by the IPv4 address inside.  The whole IETF protocol block
 * 2001::/23 is refused, Teredo (2001::/32) included, for simplicity: no
 * webhook receiver should live there.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/netaddr.h"
#include "lib/num.h"
#include "lib/str.h"

struct range {
	unsigned char addr[16];
	unsigned prefix;
};

/* Refused IPv4 ranges (first 4 bytes of addr used). */
static const struct range refused4[] = {
	{{0, 0, 0, 0}, 8},		/* "this network" */
	{{10, 0, 0, 0}, 8},		/* RFC 1918 */
	{{100, 64, 0, 0}, 10},		/* CGNAT */
	{{127, 0, 0, 0}, 8},		/* loopback */
	{{169, 254, 0, 0}, 16},		/* link-local, cloud metadata */
	{{172, 16, 0, 0}, 12},		/* RFC 1918 */
	{{192, 0, 0, 0}, 24},		/* IETF protocol assignments */
	{{192, 0, 2, 0}, 24},		/* TEST-NET-1 */
	{{192, 88, 99, 0}, 24},		/* 6to4 relay anycast */
	{{192, 168, 0, 0}, 16},		/* RFC 1918 */
	{{198, 18, 0, 0}, 15},		/* benchmarking */
	{{198, 51, 100, 0}, 24},	/* TEST-NET-2 */
	{{203, 0, 113, 0}, 24},		/* TEST-NET-3 */
	{{224, 0, 0, 0}, 4},		/* multicast */
	{{240, 0, 0, 0}, 4},		/* reserved, incl. 255.255.255.255 */
};

/* Refused IPv6 ranges that carry no IPv4 address. */
static const struct range refused6[] = {
	{{0}, 128},					/* :: */
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128},	/* ::1 */
	{{0x00, 0x64, 0xff, 0x9b, 0, 1}, 48},		/* local NAT64 */
	{{0x01, 0x00}, 64},				/* discard */
	{{0x20, 0x01, 0x00, 0x00}, 23},			/* IETF, Teredo */
	{{0x20, 0x01, 0x0d, 0xb8}, 32},			/* documentation */
	{{0x3f, 0xff}, 20},				/* documentation */
	{{0xfc}, 7},					/* ULA */
	{{0xfe, 0x80}, 10},				/* link-local */
	{{0xfe, 0xc0}, 10},				/* site-local */
	{{0xff}, 8},					/* multicast */
};

/* 1 if the first prefix bits of a and b are equal. */
static int
prefix_match(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

static int
refused_v4(const unsigned char *a)
{
	size_t i;

	for (i = 0; i < sizeof(refused4) / sizeof(refused4[0]); i++)
		if (prefix_match(a, refused4[i].addr, refused4[i].prefix))
			return 1;
	return 0;
}

/* The IPv4 address carried by an IPv6 address, or NULL. */
static const unsigned char *
embedded_v4(const unsigned char *a)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	static const unsigned char siit[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff, 0, 0};
	static const unsigned char zero[12];
	static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, siit, 12) == 0 ||
	    memcmp(a, zero, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return a + 12;
	if (a[0] == 0x20 && a[1] == 0x02)	/* 6to4: 2002:V4ADDR::/48 */
		return a + 2;
	return NULL;
}

static int
refused_v6(const unsigned char *a)
{
	const unsigned char *v4;
	size_t i;

	for (i = 0; i < sizeof(refused6) / sizeof(refused6[0]); i++)
		if (prefix_match(a, refused6[i].addr, refused6[i].prefix))
			return 1;
	v4 = embedded_v4(a);
	return v4 != NULL && refused_v4(v4);
}

/* A prefix length: 1 to 3 digits, in [0, max].  0 or -1. */
static int
parse_prefix(const char *s, unsigned max, unsigned *out)
{
	uint64_t v;

	if (strnlen(s, 4) > 3 ||
	    num_parse_u64(s, NUM_CSTR, 0, max, &v, NULL) == -1)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int
netaddr_parse_cidr(const char *s, struct netaddr_cidr *out)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s), i;
	struct netaddr_cidr c;
	unsigned bits;

	if (n == 0 || str_copyn(ip, sizeof(ip), s, n) == -1)
		return -1;
	memset(&c, 0, sizeof(c));
	if (inet_pton(AF_INET, ip, c.addr) == 1) {
		c.family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, ip, c.addr) == 1) {
		c.family = AF_INET6;
		bits = 128;
	} else {
		return -1;
	}
	c.prefix = bits;
	if (slash != NULL && parse_prefix(slash + 1, bits, &c.prefix) == -1)
		return -1;
	/* Clear host bits so "10.1.2.3/8" means 10.0.0.0/8. */
	for (i = 0; i < bits / 8; i++) {
		if (i * 8 >= c.prefix)
			c.addr[i] = 0;
		else if (i * 8 + 8 > c.prefix)
			c.addr[i] &= (unsigned char)(0xff << (8 - (c.prefix - i * 8)));
	}
	*out = c;
	return 0;
}

int
netaddr_is_refused(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		return refused_v4((const unsigned char *)&s4->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		return refused_v6(s6->sin6_addr.s6_addr);
	}
	return 1;	/* not an IP address: never a delivery target */
}

/* 1 if the address (family, bytes) is in one of the n CIDRs. */
static int
in_list(int family, const unsigned char *a, const struct netaddr_cidr *allow,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (allow[i].family == family &&
		    prefix_match(a, allow[i].addr, allow[i].prefix))
			return 1;
	return 0;
}

int
netaddr_allowed(const struct sockaddr *sa, int allow_private,
    const struct netaddr_cidr *allow, size_t n)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	const unsigned char *a;

	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
		return 0;
	if (allow_private || !netaddr_is_refused(sa))
		return 1;
	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		return in_list(AF_INET, a, allow, n);
	}
	a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	if (in_list(AF_INET6, a, allow, n))
		return 1;
	/* ::ffff:a.b.c.d is the IPv4 host a.b.c.d: an IPv4 allow applies. */
	return memcmp(a, mapped, 12) == 0 && in_list(AF_INET, a + 12, allow, n);
}

int
netaddr_literal_allowed(const char *ip, int allow_private,
    const struct netaddr_cidr *allow, size_t n)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, ip, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return netaddr_allowed((struct sockaddr *)&s4, allow_private,
		    allow, n);
	}
	if (inet_pton(AF_INET6, ip, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		return netaddr_allowed((struct sockaddr *)&s6, allow_private,
		    allow, n);
	}
	return -1;
}
