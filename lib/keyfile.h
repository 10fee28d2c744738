/*
 * keyfile.h - the encryption passphrase file (hookd.conf's
 * encryption_key_file).
 *
 * The file holds one line: the passphrase, KEYFILE_MIN..KEYFILE_MAX bytes
 * without its newline, no NUL byte.  It must be a regular file that
 * nobody but its owner may write and that others (the world) may not
 * read; group read is fine (the API and the sender may be two users of
 * one group).  Any other file is refused with a message naming it.
 */
#ifndef HOOKD_KEYFILE_H
#define HOOKD_KEYFILE_H

#include <stddef.h>

#define KEYFILE_MIN	16
#define KEYFILE_MAX	1024

/*
 * Read and check the passphrase of path into buf (cap bytes; at least
 * KEYFILE_MAX + 1), NUL-terminated, its length in *len.  0, or -1 with
 * the reason in err (which names path, never the passphrase) and buf
 * wiped.  The caller wipes buf (explicit_bzero) once it is used.
 */
int keyfile_read(const char *path, char *buf, size_t cap, size_t *len,
    char *err, size_t errlen);

/* keyfile_read into a buffer of its own, wiped before returning. */
int keyfile_check(const char *path, char *err, size_t errlen);

#endif
