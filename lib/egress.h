/*
 * egress.h - the sender's way out to receivers: client certificate (mTLS),
 * extra trusted CA certificates and an egress proxy (hookd.conf keys
 * tls_client_cert, tls_client_key, tls_ca_file, proxy).
 *
 * egress_set() parses one of those keys into the config (config.c calls it
 * for them); egress_check() is run by hookd-send at start: the key pair is
 * given whole or not at all and every named file is readable by the
 * process.  hookd.fcgi never reads these files (it sends nothing).
 */
#ifndef HOOKD_EGRESS_H
#define HOOKD_EGRESS_H

#include <stddef.h>

struct config;

/* Longest proxy URL accepted ("socks5h://" + host + ":" + port). */
#define EGRESS_PROXY_MAX 300

/*
 * key is one of the four keys above; v the trimmed value.  0, or -1 with
 * the reason (no file name, no key) in why.  proxy must be
 * "http://HOST:PORT" or "socks5h://HOST:PORT": no path, no user, a port in
 * 1..65535 (socks5h: the proxy resolves names, so the sender never does).
 */
int egress_set(struct config *c, const char *key, const char *v, char *why,
    size_t whylen);

/* 0, or -1 with a message naming the key (and file) in err. */
int egress_check(const struct config *c, char *err, size_t errlen);

#endif
