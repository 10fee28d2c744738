/*
 * sign.c - Standard Webhooks signing, base64, secrets and app keys (see
 * sign.h).  HMAC-SHA256 and SHA-256 come from OpenSSL 3 (EVP_MAC,
 * EVP_Digest); base64 is done here so decoding can be strict.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lib/id.h"
#include "lib/num.h"
#include "lib/sign.h"

#define SIGN_SECRET_MIN_BYTES 24
#define SIGN_SECRET_MAX_BYTES 64
#define SIGN_KEY_BYTES 32
#define SIGN_KEY_PLEN (sizeof(SIGN_KEY_KIND "_") - 1)	/* "hk_" */
/* Keys a signature accepts; wider than a new secret, for imported ones. */
#define SIGN_HMAC_KEY_MAX 96

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encode with alphabet; pad with '=' if pad.  Length written or -1. */
static int
b64_encode(const char *alpha, int pad, const void *p, size_t n, char *out,
    size_t outlen)
{
	const unsigned char *in = p;
	size_t need, o = 0, i;
	uint32_t v;

	if (n > (SIZE_MAX - 3) / 4 * 3 - 3)
		return -1;
	need = pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
	if (need >= outlen || need > INT32_MAX)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

int
sign_b64_encode(const void *p, size_t n, char *out, size_t outlen)
{
	return b64_encode(b64_std, 1, p, n, out, outlen);
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Standard alphabet.  Padding may be present (then it must be right) or
 * left out; no blanks, no characters after the padding, and the unused
 * low bits of the last character must be zero (one encoding per value).
 */
int
sign_b64_decode(const char *s, unsigned char *out, size_t outlen)
{
	size_t n = strlen(s), o = 0, i, npad = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	while (npad < 2 && n > 0 && s[n - 1] == '=') {
		n--;
		npad++;
	}
	if (npad > 0 && (n + npad) % 4 != 0)
		return -1;
	if (n % 4 == 1)
		return -1;
	if (n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0) > outlen)
		return -1;
	for (i = 0; i < n; i++) {
		v = b64_value(s[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return -1;
	if (o > INT32_MAX)
		return -1;
	return (int)o;
}

/*
 * An HMAC-SHA256 context without a key, made once per process: fetching the
 * HMAC implementation and the SHA-256 digest on every signature cost more
 * than the MAC of a small body.  Each signature works on a copy (the
 * template is never changed after sign_tmpl_init, so threads may copy it).
 * It lives until exit.
 */
static pthread_once_t sign_once = PTHREAD_ONCE_INIT;
static EVP_MAC_CTX *sign_tmpl;

static void
sign_tmpl_init(void)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[2];
	EVP_MAC *hmac;
	EVP_MAC_CTX *ctx;

	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (hmac == NULL)
		return;
	ctx = EVP_MAC_CTX_new(hmac);
	EVP_MAC_free(hmac);	/* the context holds its own reference */
	if (ctx == NULL)
		return;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(ctx, params)) {
		EVP_MAC_CTX_free(ctx);
		return;
	}
	sign_tmpl = ctx;
}

struct sign_key {
	EVP_MAC_CTX *ctx;	/* keyed, nothing hashed yet */
};

struct sign_key *
sign_key_new(const char *secret)
{
	unsigned char key[SIGN_HMAC_KEY_MAX];
	const char *b64;
	struct sign_key *k = NULL;
	EVP_MAC_CTX *ctx = NULL;
	int keylen;

	/* The secret's prefix is optional here. */
	if ((b64 = id_body(secret, SIGN_SECRET_KIND)) != NULL)
		secret = b64;
	keylen = sign_b64_decode(secret, key, sizeof(key));
	if (keylen <= 0)
		goto done;	/* a failed decode may have written part of it */
	if (pthread_once(&sign_once, sign_tmpl_init) != 0 ||
	    sign_tmpl == NULL || (ctx = EVP_MAC_CTX_dup(sign_tmpl)) == NULL ||
	    !EVP_MAC_init(ctx, key, (size_t)keylen, NULL) ||
	    (k = malloc(sizeof(*k))) == NULL)
		goto done;
	k->ctx = ctx;
	ctx = NULL;
done:
	OPENSSL_cleanse(key, sizeof(key));
	EVP_MAC_CTX_free(ctx);
	return k;
}

void
sign_key_free(struct sign_key *k)
{
	if (k == NULL)
		return;
	EVP_MAC_CTX_free(k->ctx);	/* wipes the keyed state */
	free(k);
}

int
sign_key_signature(struct sign_key *k, const char *id, int64_t ts,
    const void *body, size_t len, char *out, size_t outlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	char tsbuf[NUM_I64_LEN];
	size_t maclen = 0;
	int n;

	if (outlen < SIGN_SIG_LEN)
		return -1;
	if ((n = num_format_i64(ts, tsbuf, sizeof(tsbuf))) == -1)
		return -1;
	/* init without a key: back to the keyed state, nothing hashed */
	if (!EVP_MAC_init(k->ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(k->ctx, (const unsigned char *)id, strlen(id)) ||
	    !EVP_MAC_update(k->ctx, (const unsigned char *)".", 1) ||
	    !EVP_MAC_update(k->ctx, (const unsigned char *)tsbuf, (size_t)n) ||
	    !EVP_MAC_update(k->ctx, (const unsigned char *)".", 1) ||
	    !EVP_MAC_update(k->ctx, body, len) ||
	    !EVP_MAC_final(k->ctx, mac, &maclen, sizeof(mac)) || maclen != 32)
		return -1;
	memcpy(out, "v1,", 3);
	return sign_b64_encode(mac, maclen, out + 3, outlen - 3) == 44 ? 0 :
	    -1;
}

int
sign_signature(const char *secret, const char *id, int64_t ts,
    const void *body, size_t len, char *out, size_t outlen)
{
	struct sign_key *k;
	int r;

	if (outlen < SIGN_SIG_LEN || (k = sign_key_new(secret)) == NULL)
		return -1;
	r = sign_key_signature(k, id, ts, body, len, out, outlen);
	sign_key_free(k);
	return r;
}

int
sign_new_secret(size_t n, char *out, size_t outlen)
{
	unsigned char raw[SIGN_SECRET_MAX_BYTES];
	size_t plen = sizeof(SIGN_SECRET_PREFIX) - 1;
	int r = -1;

	if (n < SIGN_SECRET_MIN_BYTES || n > SIGN_SECRET_MAX_BYTES ||
	    outlen <= plen)
		return -1;
	if (id_random(raw, n) == -1)
		goto done;
	memcpy(out, SIGN_SECRET_PREFIX, plen);
	if (sign_b64_encode(raw, n, out + plen, outlen - plen) < 0)
		goto done;
	r = 0;
done:
	OPENSSL_cleanse(raw, sizeof(raw));
	return r;
}

int
sign_secret_valid(const char *s)
{
	unsigned char raw[SIGN_SECRET_MAX_BYTES];
	const char *body = id_body(s, SIGN_SECRET_KIND);
	int n;

	if (body == NULL || strlen(s) >= SIGN_SECRET_MAX)
		return 0;
	n = sign_b64_decode(body, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	return n >= SIGN_SECRET_MIN_BYTES && n <= SIGN_SECRET_MAX_BYTES;
}

int
sign_new_key(char *out, size_t outlen)
{
	unsigned char raw[SIGN_KEY_BYTES];
	int r = -1;

	if (outlen < SIGN_KEY_LEN)
		return -1;
	if (id_random(raw, sizeof(raw)) == -1)
		goto done;
	memcpy(out, SIGN_KEY_KIND "_", SIGN_KEY_PLEN);
	if (b64_encode(b64_url, 0, raw, sizeof(raw), out + SIGN_KEY_PLEN,
	    outlen - SIGN_KEY_PLEN) != 43)
		goto done;
	r = 0;
done:
	OPENSSL_cleanse(raw, sizeof(raw));
	return r;
}

void
sign_sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 0;

	/*
	 * EVP_Digest with SHA-256 fails only when OpenSSL is unusable.  There
	 * is no error return, and a made-up hash could make two keys compare
	 * equal, so stop rather than go on.
	 */
	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != 32)
		abort();
}

/* 1 if a and b are equal strings, else 0; time depends on lengths only. */
int
sign_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
