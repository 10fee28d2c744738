/*
 * crypt.c - encryption at rest (contracts in crypt.h).
 *
 * Berkeley DB encrypts database pages and log records (AES-128, key from
 * the passphrase: DB_ENV->set_encrypt before open, DB_ENCRYPT on each
 * database), but not its regions: the cache holds plaintext pages and the
 * environment region keeps the passphrase, and with the default layout
 * both sit in the files __db.001... in data_dir.  An encrypted store
 * therefore keeps its regions in System V shared memory (DB_SYSTEM_MEM);
 * __db.001 then only holds the segment id.  Measured against regions in
 * files and against an environment home on /dev/shm: the same cost per
 * write (docs/performance.md), and no region file anywhere holds a byte
 * of the cache.  The key comes from data_dir's device and inode, so every
 * process that opens data_dir finds the same segments.
 *
 * Segments outlive processes.  crypt_regions_release removes them at the
 * last close: when the kernel counts no process attached (a killed one is
 * detached by its death; its transactions are then recovered from the
 * logs by the next opener, whom DB_REGISTER tells).  Not DB_ENV->remove:
 * it takes the region mutex (a killed holder wedges it).  Every open
 * does the same first (under the open lock): regions nobody is attached
 * to are never joined but made anew.  Joining them went wrong in
 * test_fault_open: a first opener killed while it created them, then the
 * recovering opener killed between clearing __db.register and adding
 * itself, left a half-made environment and a registry saying nobody died;
 * the next opener retried joining it for 18 s.  It also covers a reboot
 * (the segments are gone, __db.001 still names one).  Recovery from the
 * logs runs as DB_REGISTER decides (a registrant live at the crash is dead
 * now), exactly as after any crash.
 *
 * Kind checks before open: the meta page of apps.db says in the clear
 * whether the file is encrypted; a store of the other kind, or a
 * passphrase that does not decrypt apps.db, is refused before the
 * environment is touched, so a misconfigured process neither writes
 * anything nor runs a recovery that would disturb the others.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/crypt.h"
#include "lib/fnv.h"
#include "lib/keyfile.h"

#define KIND_FILE	"apps.db"	/* created first by every store */
#define META_ENCRYPT	24	/* DBMETA.encrypt_alg: 0 = plaintext */

/* 1 if home's database files are encrypted, 0 if not, -1 when there is no
 * store yet (or it cannot be read). */
static int
crypt_store_kind(const char *home)
{
	unsigned char meta[64];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", home, KIND_FILE) >=
	    (int)sizeof(path))
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = pread(fd, meta, sizeof(meta), 0);
	(void)close(fd);
	if (n != (ssize_t)sizeof(meta))
		return -1;	/* being created: nothing to judge yet */
	return meta[META_ENCRYPT] != 0;
}

int
crypt_shm_key(const char *home, long *key)
{
	struct stat sb;
	uint64_t h, dev, ino;
	unsigned char b[2 * sizeof(uint64_t)];

	if (stat(home, &sb) == -1)
		return -1;
	dev = (uint64_t)sb.st_dev;
	ino = (uint64_t)sb.st_ino;
	memcpy(b, &dev, sizeof(dev));
	memcpy(b + sizeof(dev), &ino, sizeof(ino));
	h = fnv1a_bytes(FNV1A_OFFSET, b, sizeof(b));
	/* 0x10000000 + a block of CRYPT_SHM_KEYS among 2^24: never 0
	 * (IPC_PRIVATE), always below INT_MAX (key_t). */
	*key = 0x10000000L + (long)((h % (1UL << 24)) * CRYPT_SHM_KEYS);
	return 0;
}

void
crypt_quiet(const DB_ENV *env, const char *pfx, const char *msg)
{
	(void)env;
	(void)pfx;
	(void)msg;
}

/* Does pass decrypt home's apps.db?  A read-only look outside the
 * environment (its own small cache in our heap; writes nothing). */
static int
crypt_verify(const char *home, const char *pass, char *err, size_t errlen)
{
	char path[PATH_MAX];
	DB *db;
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s", home, KIND_FILE) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "storage: %s: path too long", home);
		return -1;
	}
	if ((ret = db_create(&db, NULL, 0)) != 0) {
		snprintf(err, errlen, "storage: db_create: %s",
		    db_strerror(ret));
		return -1;
	}
	db->set_errcall(db, crypt_quiet);
	if ((ret = db->set_encrypt(db, pass, DB_ENCRYPT_AES)) == 0)
		ret = db->open(db, NULL, path, NULL, DB_UNKNOWN, DB_RDONLY, 0);
	(void)db->close(db, 0);
	if (ret == EINVAL) {
		snprintf(err, errlen, "storage: the encryption key does not "
		    "open the store in %s (wrong key?)", home);
		return -1;
	}
	if (ret != 0) {
		snprintf(err, errlen, "storage: %s: %s", path,
		    db_strerror(ret));
		return -1;
	}
	return 0;
}

/* Unlink home's region files (__db.NNN; not __db.register). */
static void
crypt_unlink_regions(const char *home)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(home)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "__db.", 5) != 0 ||
		    de->d_name[5] == '\0' || strspn(de->d_name + 5,
		    "0123456789") != strlen(de->d_name + 5))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", home, de->d_name) <
		    (int)sizeof(path))
			(void)unlink(path);
	}
	(void)closedir(d);
}

int
crypt_env_setup(DB_ENV *env, const char *home, const char *key_file,
    u_int32_t *flags, char *err, size_t errlen)
{
	char pass[KEYFILE_MAX + 2];
	size_t n;
	long key;
	int kind, ret, rc = -1;

	kind = crypt_store_kind(home);
	if (key_file == NULL || key_file[0] == '\0') {
		if (kind == 1) {
			snprintf(err, errlen, "storage: the store in %s is "
			    "encrypted and no encryption_key_file is set",
			    home);
			return -1;
		}
		return 0;
	}
	if (kind == 0) {
		snprintf(err, errlen, "storage: the store in %s is not "
		    "encrypted but encryption_key_file is set (convert it "
		    "with hookd-send --rekey)", home);
		return -1;
	}
	if (crypt_shm_key(home, &key) == -1) {
		snprintf(err, errlen, "storage: %s: %s", home, strerror(errno));
		return -1;
	}
	if (keyfile_read(key_file, pass, sizeof(pass), &n, err, errlen) == -1)
		return -1;
	if (kind == 1 && crypt_verify(home, pass, err, errlen) == -1)
		goto out;
	if ((ret = env->set_encrypt(env, pass, DB_ENCRYPT_AES)) != 0 ||
	    (ret = env->set_shm_key(env, key)) != 0) {
		snprintf(err, errlen, "storage: set_encrypt: %s",
		    db_strerror(ret));
		goto out;
	}
	/* regions nobody is attached to: left by a process killed while it
	 * created or removed them, or named by a __db.001 that outlived
	 * them (reboot): start afresh (recovery as DB_REGISTER decides) */
	(void)crypt_regions_release(home);
	*flags |= DB_SYSTEM_MEM;
	rc = 0;
out:
	explicit_bzero(pass, sizeof(pass));
	return rc;
}

int
crypt_regions_release(const char *home)
{
	struct shmid_ds ds;
	int ids[CRYPT_SHM_KEYS];
	long key;
	int i, id, n = 0;

	if (crypt_shm_key(home, &key) == -1)
		return -1;
	for (i = 0; i < CRYPT_SHM_KEYS; i++) {
		if ((id = shmget((key_t)(key + i), 0, 0)) == -1)
			continue;
		if (shmctl(id, IPC_STAT, &ds) == -1)
			continue;
		if (ds.shm_nattch > 0)
			return 0;	/* someone still works in it */
		ids[n++] = id;
	}
	/* The file first: once it is gone nobody can join what is left,
	 * and an opener that finds segments under our keys deletes them
	 * itself before it creates its own (Berkeley DB does). */
	crypt_unlink_regions(home);
	for (i = 0; i < n; i++)
		(void)shmctl(ids[i], IPC_RMID, NULL);
	return 1;
}
