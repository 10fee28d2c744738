/* guard.c - refuse connections to addresses the config does not allow. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sender/guard.h"

static void
guard_name(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *p = NULL;

	if (sa->sa_family == AF_INET)
		p = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		p = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (p == NULL || inet_ntop(sa->sa_family, p, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "family %d", (int)sa->sa_family);
}

curl_socket_t
guard_opensocket(void *clientp, curlsocktype purpose,
    struct curl_sockaddr *a)
{
	struct guard *g = clientp;
	int ok;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    (a->family != AF_INET && a->family != AF_INET6)) {
		ok = 0;
	} else if (g->via_proxy) {
		ok = 1;
	} else {
		ok = netaddr_allowed(&a->addr, g->allow_private, g->allow,
		    g->allow_count);
	}
	if (!ok) {
		g->refused = 1;
		guard_name(&a->addr, g->addr, sizeof(g->addr));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}
