/*
 * confsecret.c - the admin token and the encryption key file of
 * hookd.conf (contracts in confsecret.h; called by config.c's key
 * handlers).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/config.h"
#include "lib/confsecret.h"
#include "lib/confval.h"
#include "lib/keyfile.h"
#include "lib/str.h"

int
confsecret_token(const char *v, size_t n, char *dst, char *why,
    size_t whylen)
{
	size_t i;

	if (n == 0) {
		snprintf(why, whylen, "the admin token is empty");
		return -1;
	}
	if (n > CONFIG_TOKEN_MAX) {
		snprintf(why, whylen, "the admin token is longer than %d bytes",
		    CONFIG_TOKEN_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (v[i] <= 0x20 || v[i] >= 0x7f) {
			snprintf(why, whylen, "the admin token must be "
			    "printable ASCII without blanks");
			return -1;
		}
	}
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

/* v as it is when absolute, else relative to confname's directory, into
 * path (PATH_MAX bytes). */
static int
confsecret_path(const char *confname, const char *v, char *path, char *why,
    size_t whylen)
{
	const char *slash = strrchr(confname, '/');
	size_t dirlen;

	if (*v == '\0') {
		snprintf(why, whylen, "empty path");
		return -1;
	}
	/* The config file's directory (with its '/'), or nothing. */
	dirlen = v[0] != '/' && slash != NULL ?
	    (size_t)(slash - confname) + 1 : 0;
	if (str_copyn(path, PATH_MAX, confname, dirlen) == -1 ||
	    str_copy(path + dirlen, PATH_MAX - dirlen, v) == -1) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	return 0;
}

int
confsecret_key_file(const char *confname, const char *v, char *dst,
    size_t dstlen, char *why, size_t whylen)
{
	char path[PATH_MAX];

	if (confsecret_path(confname, v, path, why, whylen) == -1 ||
	    keyfile_check(path, why, whylen) == -1)
		return -1;
	if (str_copy(dst, dstlen, path) == -1) {
		snprintf(why, whylen, "path too long");
		return -1;
	}
	return 0;
}

int
confsecret_token_file(const char *confname, const char *v, char *dst,
    char *why, size_t whylen)
{
	char path[PATH_MAX], data[CONFIG_TOKEN_MAX + 64];
	size_t n = 0;
	FILE *f;
	int r = -1;

	if (confsecret_path(confname, v, path, why, whylen) == -1)
		return -1;
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(why, whylen, "cannot read %.200s: %s", path,
		    strerror(errno));
		return -1;
	}
	n = fread(data, 1, sizeof(data), f);
	if (ferror(f)) {
		snprintf(why, whylen, "cannot read %.200s: %s", path,
		    strerror(errno));
		goto done;
	}
	/* A full buffer means the file may go on: never judge a prefix. */
	if (n == sizeof(data) && fgetc(f) != EOF) {
		snprintf(why, whylen, "the token in %.200s is longer than %d "
		    "bytes", path, CONFIG_TOKEN_MAX);
		goto done;
	}
	while (n > 0 && confval_blank((unsigned char)data[n - 1]))
		n--;
	if (n > CONFIG_TOKEN_MAX) {
		snprintf(why, whylen, "the token in %.200s is longer than %d "
		    "bytes", path, CONFIG_TOKEN_MAX);
		goto done;
	}
	r = confsecret_token(data, n, dst, why, whylen);
done:
	explicit_bzero(data, sizeof(data));
	fclose(f);
	return r;
}
