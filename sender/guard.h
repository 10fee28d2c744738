/*
 * guard.h - the connect-time address check (CURLOPT_OPENSOCKETFUNCTION).
 *
 * libcurl calls guard_opensocket with every address it is about to connect
 * to, after DNS resolution: a name that resolves to a refused address
 * (loopback, private, link-local, metadata...) is refused there, which also
 * defeats DNS rebinding and the many spellings of 127.0.0.1.  A refusal
 * returns CURL_SOCKET_BAD and sets refused, so the attempt is recorded with
 * the error "address_refused" instead of a plain connect error.
 *
 * Behind an egress proxy (via_proxy) libcurl connects to the proxy only,
 * and the proxy connects to the target: the address seen here is the
 * proxy's, which is not a target and may well be private, so it is let
 * through.  The proxy has to enforce the address policy then.
 */
#ifndef HOOKD_SENDER_GUARD_H
#define HOOKD_SENDER_GUARD_H

#include <curl/curl.h>
#include <stddef.h>

#include "lib/netaddr.h"

struct guard {
	int allow_private;
	const struct netaddr_cidr *allow;	/* borrowed from the config */
	size_t allow_count;
	int via_proxy;			/* every connection is to the proxy */
	int refused;			/* set when an address was refused */
	char addr[64];			/* the last refused address, text */
};

/* The callback: clientp is a struct guard *. */
curl_socket_t guard_opensocket(void *clientp, curlsocktype purpose,
    struct curl_sockaddr *address);

#endif
