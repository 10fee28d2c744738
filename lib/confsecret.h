/*
 * confsecret.h - the hookd.conf values that hold or name secrets: the
 * admin token (inline or read from a file) and the encryption key file.
 * A relative file name is taken relative to the directory of the config
 * file confname.  Each returns 0, or -1 with why set; why never contains
 * a token.
 */
#ifndef HOOKD_CONFSECRET_H
#define HOOKD_CONFSECRET_H

#include <stddef.h>

/* The token v[0..n) (1..CONFIG_TOKEN_MAX printable non-blank ASCII) into
 * dst (CONFIG_TOKEN_MAX + 1 bytes). */
int confsecret_token(const char *v, size_t n, char *dst, char *why,
    size_t whylen);

/* admin_token_file: the token read from file v, trailing blanks and
 * newlines trimmed, into dst as confsecret_token does. */
int confsecret_token_file(const char *confname, const char *v, char *dst,
    char *why, size_t whylen);

/* encryption_key_file: file v checked now (mode, owner, length:
 * keyfile.h) so that a bad one stops the program at start; its resolved
 * name into dst (dstlen bytes).  Only the name is kept: the store reads
 * the file at each open and wipes what it read. */
int confsecret_key_file(const char *confname, const char *v, char *dst,
    size_t dstlen, char *why, size_t whylen);

#endif
