/*
 * url.h - webhook URL validation with libcurl's URL parser (CURLU).
 *
 * http or https (https only when require_https); a host that is a valid DNS
 * name (labels <= 63 bytes, <= 253 in all) or an IP literal; no user or
 * password; <= 2048 bytes; an IP literal in a refused range (netaddr.h) is
 * refused unless allowed.
 */
#ifndef HOOKD_URL_H
#define HOOKD_URL_H

#include <stddef.h>

#include "lib/netaddr.h"

#define URL_MAX 2048

/* 0 if url is acceptable, else -1 with a human reason in err. */
int url_check(const char *url, int require_https, int allow_private,
    const struct netaddr_cidr *allow, size_t n, char *err, size_t errlen);

#endif
