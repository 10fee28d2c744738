/* libFuzzer target: the webhook URL check and the address policy. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/netaddr.h"
#include "lib/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[URL_MAX + 64], err[256];
	struct netaddr_cidr cidr;
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)url_check(s, 0, 0, NULL, 0, err, sizeof(err));
	(void)url_check(s, 1, 1, NULL, 0, err, sizeof(err));
	(void)netaddr_literal_allowed(s, 0, NULL, 0);
	if (netaddr_parse_cidr(s, &cidr) == 0)
		(void)url_check("http://10.1.2.3/", 0, 0, &cidr, 1, err,
		    sizeof(err));
	/* The raw bytes as a socket address, as the connect-time check sees. */
	if (size >= 16) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, data, 16);
		(void)netaddr_is_refused((struct sockaddr *)&sin6);
	}
	if (size >= 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, data, 4);
		(void)netaddr_is_refused((struct sockaddr *)&sin);
	}
	return 0;
}
