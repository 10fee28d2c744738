/*
 * logsum.h - Berkeley DB's log checksum, computed a block at a time.
 *
 * Without encryption Berkeley DB 5.3 checksums every log record (and the
 * pages of a DB_CHKSUM database) with its __ham_func4, Chris Torek's hash
 * h = h * 33 + byte, one byte after the other: each step waits for the
 * one before.  hookd logs about 3.9 KB per event, and that loop was a
 * quarter of hookd.fcgi's instructions in a batch intake, all of it in
 * the group committer.
 *
 * logsum.c defines __ham_func4 in our programs; libdb calls it through
 * its PLT, so the dynamic linker binds libdb's calls to ours (symbol
 * interposition).  Ours returns the same values (the hash is a sum of
 * byte * 33^k, so blocks are summed apart and combined).  Before its
 * first use it is compared with libdb's own on test buffers; on any
 * difference it forwards every call to libdb's.
 */
#ifndef HOOKD_DB_LOGSUM_H
#define HOOKD_DB_LOGSUM_H

#include <stddef.h>
#include <stdint.h>

#include <db.h>

/* The hash of len bytes at p, as libdb's __ham_func4 computes it. */
uint32_t logsum_hash(const void *p, size_t len);

/* Run the comparison with libdb's own (once per process; the first
 * checksum would too).  Returns 1 if libdb's checksums are ours, 0 if
 * they stay libdb's (no such symbol, or a difference). */
int logsum_check(void);

/* libdb's own name and prototype (its hash_ext.h), defined in logsum.c:
 * libdb.so defines it too, so the linker exports ours from the program
 * and libdb's calls bind to it. */
/* NOLINTNEXTLINE */
u_int32_t __ham_func4(DB *dbp, const void *key, u_int32_t len);

#endif
