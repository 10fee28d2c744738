/*
 * crypt.h - encryption at rest for the environment (db/ internal; the why
 * is in crypt.c).
 *
 * A store is encrypted (every database and log file, Berkeley DB AES)
 * when store_opts.key_file names a passphrase file.  Its regions then live
 * in System V shared memory under a key derived from data_dir, never in
 * files: the region files hold the cache in the clear and the passphrase.
 */
#ifndef HOOKD_DB_CRYPT_H
#define HOOKD_DB_CRYPT_H

#include <stddef.h>
#include <db.h>

/*
 * Prepare env (created, not yet open) for the store in home: check that
 * the store there is of the kind the configuration says (encrypted with
 * this passphrase, or plaintext when key_file is NULL) and, when
 * encrypted, give env the passphrase (wiped from our memory after),
 * the shared memory key and DB_SYSTEM_MEM in *flags, and remove regions
 * nobody is attached to (crypt_regions_release: the open makes them
 * anew).  Caller holds the open lock.  0, or -1 with err set (nothing on
 * disk changed).
 */
int crypt_env_setup(DB_ENV *env, const char *home, const char *key_file,
    u_int32_t *flags, char *err, size_t errlen);

/*
 * The System V shared memory key of home's regions: base of a block of
 * CRYPT_SHM_KEYS keys (one per region).  0 or -1 (cannot stat home).
 */
#define CRYPT_SHM_KEYS	64
int crypt_shm_key(const char *home, long *key);

/*
 * Remove home's regions when no process is attached to them any more: the
 * region files (__db.NNN: file-backed regions of a plaintext store too,
 * which hold its cache), then the shared memory segments.  1 removed, 0
 * in use (nothing done), -1 cannot stat home.  Without Berkeley DB: no
 * region mutex is taken, and a remover killed half-way leaves nothing an
 * opener could trip on.  Caller holds the open lock (no opener races).
 * The kernel counts attachments to segments only: for a plaintext store
 * (regions in files) call it only when no process has the store open.
 */
int crypt_regions_release(const char *home);

/* An error callback that drops Berkeley DB's messages (a key being tried,
 * a private environment whose errors the caller reports itself). */
void crypt_quiet(const DB_ENV *env, const char *pfx, const char *msg);

#endif
