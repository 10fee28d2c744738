/*
 * rekey.c - convert a store between plaintext and encrypted, or to a new
 * passphrase (store_rekey in store.h, rekey_settle in rekey.h).
 *
 * An existing database cannot change its encryption in place, so every
 * record is copied.  The copy is written into data_dir/rekey.new (same
 * file system: the swap is renames) by a private environment of ours
 * without logs (each database closed, hence flushed, then fsync'd), and
 * swapped in by moving its files over the old ones.  The whole run holds
 * data_dir's open lock, so no process opens the store meanwhile, and it
 * refuses to start while one has it open (__db.register).
 *
 * The commit point is rekey.new/READY, written and fsync'd once the copy
 * is complete.  Before it, the old store is untouched (only its regions
 * are gone once it is closed) and a leftover rekey.new is removed; after
 * it, the move goes forward: old log files and region files removed, the
 * new databases renamed into place, READY removed last.  Every step of
 * the move can be done again, so whoever takes the open lock next (the
 * next opener, or the converter run again) finishes it (rekey_settle).
 *
 * The new databases carry no log history (pages written without logging):
 * the next open starts new logs, as after db_load.
 *
 * Test hook: HOOKD_REKEY_CRASH=copy|copied|ready|swap makes the converter
 * SIGKILL itself at that point (tests/integration/test_crypt_rekey.py).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/crypt.h"
#include "db/env.h"
#include "db/registry.h"
#include "db/rekey.h"
#include "db/store.h"
#include "lib/keyfile.h"

#define REKEY_DIR	"rekey.new"
#define REKEY_READY	"READY"

static void
rekey_crash(const char *point)
{
	const char *at = getenv("HOOKD_REKEY_CRASH");

	if (at != NULL && strcmp(at, point) == 0)
		(void)kill(getpid(), SIGKILL);
}

static int
join(char *out, size_t cap, const char *a, const char *b)
{
	return snprintf(out, cap, "%s/%s", a, b) >= (int)cap ? -1 : 0;
}

static int
fsync_path(const char *path)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	(void)close(fd);
	return rc;
}

/* 1 if name is a Berkeley DB log file (log.NNNNNNNNNN). */
static int
is_log(const char *name)
{
	return strncmp(name, "log.", 4) == 0 && name[4] != '\0' &&
	    strspn(name + 4, "0123456789") == strlen(name + 4);
}

/* 1 if name is a region file (__db.NNN; not __db.register). */
static int
is_region(const char *name)
{
	return strncmp(name, "__db.", 5) == 0 && name[5] != '\0' &&
	    strspn(name + 5, "0123456789") == strlen(name + 5);
}

/*
 * In dir: each entry for which pick(name) is 1 is unlinked (to NULL) or
 * renamed into to.  0 or -1 with err set.
 */
static int
each_file(const char *dir, int (*pick)(const char *), const char *to,
    char *err, size_t errlen)
{
	char from[PATH_MAX], dst[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "storage: %s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !pick(de->d_name))
			continue;
		if (join(from, sizeof(from), dir, de->d_name) == -1 ||
		    (to != NULL && join(dst, sizeof(dst), to, de->d_name) == -1)) {
			snprintf(err, errlen, "storage: %s: path too long", dir);
			rc = -1;
		} else if (to == NULL ? unlink(from) == -1 && errno != ENOENT :
		    rename(from, dst) == -1) {
			snprintf(err, errlen, "storage: %s %s: %s", to == NULL ?
			    "unlink" : "rename", from, strerror(errno));
			rc = -1;
		}
		if (rc == 0 && to != NULL)
			rekey_crash("swap");
	}
	(void)closedir(d);
	return rc;
}

static int
pick_any(const char *name)
{
	(void)name;
	return 1;
}

static int
pick_db(const char *name)
{
	return strcmp(name, REKEY_READY) != 0;
}

int
rekey_settle(const char *home, char *err, size_t errlen)
{
	char dir[PATH_MAX], ready[PATH_MAX];
	struct stat sb;

	if (join(dir, sizeof(dir), home, REKEY_DIR) == -1 ||
	    join(ready, sizeof(ready), dir, REKEY_READY) == -1) {
		snprintf(err, errlen, "storage: %s: path too long", home);
		return -1;
	}
	if (lstat(dir, &sb) == -1)
		return 0;	/* the common case: nothing to do */
	if (lstat(ready, &sb) == -1) {
		/* a copy that was never completed: the old store stands */
		if (each_file(dir, pick_any, NULL, err, errlen) == -1)
			return -1;
		if (rmdir(dir) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "storage: rmdir %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	/* committed: the old store's logs and regions go, the copy moves in */
	(void)crypt_regions_release(home);
	if (each_file(home, is_region, NULL, err, errlen) == -1 ||
	    each_file(home, is_log, NULL, err, errlen) == -1 ||
	    each_file(dir, pick_db, home, err, errlen) == -1)
		return -1;
	if (fsync_path(home) == -1 || unlink(ready) == -1 || rmdir(dir) == -1 ||
	    fsync_path(home) == -1) {
		snprintf(err, errlen, "storage: finishing the key conversion "
		    "in %s: %s", home, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every record of src into dst (same access method). */
static int
copy_db(DB *src, DB *dst, const char *file, char *err, size_t errlen)
{
	DBT k, d;
	DBC *c;
	int ret, n = 0;

	if ((ret = src->cursor(src, NULL, &c, 0)) != 0)
		goto bad;
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.flags = DB_DBT_REALLOC;
	d.flags = DB_DBT_REALLOC;
	while ((ret = c->get(c, &k, &d, DB_NEXT)) == 0) {
		if ((ret = dst->put(dst, NULL, &k, &d, 0)) != 0)
			break;
		if (++n == 100)
			rekey_crash("copy");
	}
	(void)c->close(c);
	free(k.data);
	free(d.data);
	if (ret == DB_NOTFOUND)
		return 0;
bad:
	snprintf(err, errlen, "storage: copying %s: %s", file,
	    db_strerror(ret));
	return -1;
}

/* The copy: every database of src into new files in dir. */
static int
rekey_copy(struct store *src, const char *dir, const char *new_key_file,
    char *err, size_t errlen)
{
	char pass[KEYFILE_MAX + 2], path[PATH_MAX];
	DB *db[DBI_N];
	DB_ENV *env;
	size_t n;
	int ret, i, rc = -1, enc = new_key_file != NULL;

	memset(db, 0, sizeof(db));
	if ((ret = db_env_create(&env, 0)) != 0) {
		snprintf(err, errlen, "storage: db_env_create: %s",
		    db_strerror(ret));
		return -1;
	}
	env->set_errcall(env, crypt_quiet);
	if (enc) {
		if (keyfile_read(new_key_file, pass, sizeof(pass), &n, err,
		    errlen) == -1)
			goto out;
		ret = env->set_encrypt(env, pass, DB_ENCRYPT_AES);
		explicit_bzero(pass, sizeof(pass));
		if (ret != 0)
			goto bdb;
	}
	/* private: the regions are in our heap, never in a file */
	if ((ret = env->set_cachesize(env, 0, 32 * 1024 * 1024, 1)) != 0 ||
	    (ret = env->open(env, dir, DB_CREATE | DB_INIT_MPOOL | DB_PRIVATE,
	    0660)) != 0)
		goto bdb;
	for (i = 0; i < DBI_N; i++) {
		if (src->db[i] == NULL)
			continue;	/* not in this store (DBI_REPL) */
		if ((ret = env_db_open(env, i, enc, DB_CREATE | DB_EXCL,
		    &db[i])) != 0)
			goto bdb;
		if (copy_db(src->db[i], db[i], env_db_file(i), err,
		    errlen) == -1)
			goto out;
		ret = db[i]->close(db[i], 0);
		db[i] = NULL;
		if (ret != 0)
			goto bdb;
		if (join(path, sizeof(path), dir, env_db_file(i)) == -1 ||
		    fsync_path(path) == -1) {
			snprintf(err, errlen, "storage: fsync %s: %s", path,
			    strerror(errno));
			goto out;
		}
	}
	rc = 0;
	goto out;
bdb:
	snprintf(err, errlen, "storage: new store in %s: %s", dir,
	    db_strerror(ret));
out:
	for (i = 0; i < DBI_N; i++)
		if (db[i] != NULL)
			(void)db[i]->close(db[i], 0);
	(void)env->close(env, 0);
	return rc;
}

static int
write_ready(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	if (join(path, sizeof(path), dir, REKEY_READY) == -1)
		goto bad;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0660)) == -1)
		goto bad;
	if (write(fd, "complete\n", 9) != 9 || fsync(fd) == -1) {
		(void)close(fd);
		goto bad;
	}
	if (close(fd) == -1 || fsync_path(dir) == -1)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "storage: %s/%s: %s", dir, REKEY_READY,
	    strerror(errno));
	return -1;
}

int
store_rekey(const struct store_opts *o, const char *new_key_file,
    char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct store *src = NULL;
	pid_t pid;
	int lockfd, rc = STORE_ERR;

	if (new_key_file != NULL && new_key_file[0] == '\0')
		new_key_file = NULL;
	if (join(dir, sizeof(dir), o->home, REKEY_DIR) == -1) {
		snprintf(err, errlen, "storage: %s: path too long", o->home);
		return STORE_ERR;
	}
	if ((lockfd = env_open_lock(o->home)) == -1) {
		snprintf(err, errlen, "storage: cannot lock %s/open.lock: %s",
		    o->home, strerror(errno));
		return STORE_ERR;
	}
	if ((pid = registry_live(o->home)) != 0) {
		snprintf(err, errlen, "storage: the store in %s is in use "
		    "(pid %ld): stop hookd.fcgi and hookd-send first", o->home,
		    (long)pid);
		goto out;
	}
	/* env_open settles a conversion cut short before it opens */
	if (env_open(&src, o, 1, err, errlen) != STORE_OK)
		goto out;
	if (mkdir(dir, 0770) == -1) {
		snprintf(err, errlen, "storage: mkdir %s: %s", dir,
		    strerror(errno));
		goto out;
	}
	if (rekey_copy(src, dir, new_key_file, err, errlen) == -1)
		goto out;
	rekey_crash("copied");
	/* the old store's regions (its cache, in the clear if it was not
	 * encrypted) go with it */
	store_close(src);
	src = NULL;
	(void)crypt_regions_release(o->home);
	if (write_ready(dir, err, errlen) == -1)
		goto out;
	rekey_crash("ready");
	if (rekey_settle(o->home, err, errlen) == -1)
		goto out;
	rc = STORE_OK;
out:
	if (src != NULL)
		store_close(src);
	if (rc != STORE_OK) {
		char why[256];

		/* undo a copy (or finish a committed one) now, not at the
		 * next open */
		(void)rekey_settle(o->home, why, sizeof(why));
	}
	(void)close(lockfd);
	return rc;
}
