/*
 * cafile.h - CA certificates trusted in addition to the system's
 * (hookd.conf tls_ca_file).
 *
 * CURLOPT_CAINFO would replace libcurl's default bundle; instead the file
 * is read once at start and its certificates are added to the store of
 * every TLS context libcurl makes (CURLOPT_SSL_CTX_FUNCTION, OpenSSL
 * backend), next to the default bundle libcurl loaded.  Verification of
 * peer and host stays on.
 */
#ifndef HOOKD_SENDER_CAFILE_H
#define HOOKD_SENDER_CAFILE_H

#include <curl/curl.h>
#include <stddef.h>

struct cafile;

/* Read every PEM certificate of path (at least one).  0, or -1 with the
 * reason in err; *out is freed with cafile_free. */
int cafile_load(struct cafile **out, const char *path, char *err,
    size_t errlen);
void cafile_free(struct cafile *ca);

/* The CURLOPT_SSL_CTX_FUNCTION callback; arg (CURLOPT_SSL_CTX_DATA) is
 * the struct cafile *, which must outlive every handle using it. */
CURLcode cafile_sslctx(CURL *e, void *sslctx, void *arg);

#endif
