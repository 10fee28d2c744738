/*
 * sign.h - Standard Webhooks signatures (HMAC-SHA256 via OpenSSL), base64,
 * secrets and API keys.
 */
#ifndef HOOKD_SIGN_H
#define HOOKD_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_SECRET_KIND "whsec"	/* prefix of a secret, without its '_' */
#define SIGN_SECRET_PREFIX SIGN_SECRET_KIND "_"
#define SIGN_KEY_KIND "hk"		/* prefix of an app key, without its '_' */
#define SIGN_SECRET_MAX 128		/* "whsec_" + base64 of <= 64 bytes, NUL */
#define SIGN_SIG_LEN 48			/* "v1," + 44 base64 chars + NUL */
#define SIGN_KEY_LEN 47			/* "hk_" + 43 base64url chars + NUL */

/*
 * "v1," + base64(HMAC-SHA256(base64decode(secret without whsec_),
 * id "." timestamp "." body)) into out (>= SIGN_SIG_LEN).  0 or -1 (bad
 * secret).
 */
int sign_signature(const char *secret, const char *id, int64_t ts,
    const void *body, size_t len, char *out, size_t outlen);
/*
 * The same signatures from a secret's key set up once, for many (a pick
 * signs many deliveries of one webhook): sign_key_new decodes the secret
 * and keys an HMAC (NULL: bad secret, or out of memory);
 * sign_key_signature is sign_signature with it; sign_key_free wipes and
 * frees it (NULL: nothing).  A key is used by one thread at a time.
 */
struct sign_key;
struct sign_key *sign_key_new(const char *secret);
int sign_key_signature(struct sign_key *k, const char *id, int64_t ts,
    const void *body, size_t len, char *out, size_t outlen);
void sign_key_free(struct sign_key *k);

/* A new secret: "whsec_" + base64 of n random bytes (24 <= n <= 64). */
int sign_new_secret(size_t n, char *out, size_t outlen);
/* 1 if s is "whsec_" + base64 decoding to 24..64 bytes, else 0. */
int sign_secret_valid(const char *s);

/* A new app key "hk_" + base64url(32 random bytes), no padding. */
int sign_new_key(char *out, size_t outlen);
/* SHA-256 of s. */
void sign_sha256(const void *p, size_t n, unsigned char out[32]);
/* Constant-time comparison of two strings (length leaks, content doesn't). */
int sign_equal(const char *a, const char *b);

/* Standard base64 with padding.  Return length written, or -1. */
int sign_b64_encode(const void *p, size_t n, char *out, size_t outlen);
int sign_b64_decode(const char *s, unsigned char *out, size_t outlen);

#endif
