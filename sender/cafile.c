/* cafile.c - extra trusted CA certificates (see cafile.h). */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sender/cafile.h"

struct cafile {
	STACK_OF(X509) *certs;
};

int
cafile_load(struct cafile **out, const char *path, char *err, size_t errlen)
{
	struct cafile *ca;
	X509 *x;
	FILE *f = NULL;

	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (ca->certs = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "tls_ca_file: %s: %s", path,
		    strerror(errno));
		goto bad;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (sk_X509_push(ca->certs, x) == 0) {
			X509_free(x);
			snprintf(err, errlen, "out of memory");
			goto bad;
		}
	}
	ERR_clear_error();	/* the end of the file reads as an error */
	if (sk_X509_num(ca->certs) == 0) {
		snprintf(err, errlen, "tls_ca_file: %s: no PEM certificate",
		    path);
		goto bad;
	}
	fclose(f);
	*out = ca;
	return 0;
bad:
	if (f != NULL)
		fclose(f);
	cafile_free(ca);
	return -1;
}

void
cafile_free(struct cafile *ca)
{
	if (ca == NULL)
		return;
	if (ca->certs != NULL)
		sk_X509_pop_free(ca->certs, X509_free);
	free(ca);
}

CURLcode
cafile_sslctx(CURL *e, void *sslctx, void *arg)
{
	struct cafile *ca = arg;
	X509_STORE *st = SSL_CTX_get_cert_store(sslctx);
	int i;

	(void)e;
	if (st == NULL)
		return CURLE_SSL_CERTPROBLEM;
	/* A certificate already in the store (a shared store seen again)
	 * is not an error for OpenSSL 3. */
	for (i = 0; i < sk_X509_num(ca->certs); i++)
		if (X509_STORE_add_cert(st, sk_X509_value(ca->certs, i)) != 1)
			return CURLE_SSL_CERTPROBLEM;
	return CURLE_OK;
}
