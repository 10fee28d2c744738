/*
 * heap_reuse.c - does a Berkeley DB heap (DB_HEAP) use the space of
 * deleted records again, when one handle appends and another deletes?
 * hookd would append event bodies in hookd.fcgi and delete them in
 * hookd-send (retention), two processes, two handles.  The measurement
 * behind "event bodies out of events.db" in docs/performance.md.
 *
 *   bench/heap_reuse [REGION_PAGES]
 *
 * In a private scratch environment: a heap of 16 KiB pages (REGION_PAGES
 * pages per region, default: Berkeley DB's, the most one region page
 * maps); 8 rounds of 400 appends of 1 KiB by handle A, then the delete of
 * all of them: by A itself; by a second handle B of the same file; by B,
 * with A closed and opened again after each round.  Prints the file's
 * size in pages after each round: flat when the space is used again,
 * growing when it is not.
 */
#include <db.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/num.h"

#define ROUNDS	8
#define PER	400
#define PGSIZE	16384

static int
append_all(DB *db, DB_HEAP_RID *rid, const char *body, size_t len)
{
	DBT k, d;
	int i, ret;

	for (i = 0; i < PER; i++) {
		memset(&k, 0, sizeof(k));
		memset(&d, 0, sizeof(d));
		k.data = &rid[i];
		k.ulen = sizeof(rid[i]);
		k.flags = DB_DBT_USERMEM;
		d.data = (void *)body;
		d.size = (u_int32_t)len;
		if ((ret = db->put(db, NULL, &k, &d, DB_APPEND)) != 0)
			return ret;
	}
	return 0;
}

static int
delete_all(DB *db, DB_HEAP_RID *rid)
{
	DBT k;
	int i, ret;

	for (i = 0; i < PER; i++) {
		memset(&k, 0, sizeof(k));
		k.data = &rid[i];
		k.size = sizeof(rid[i]);
		if ((ret = db->del(db, NULL, &k, 0)) != 0)
			return ret;
	}
	return 0;
}

enum mode { SAME, OTHER, REOPEN };

static int
heap_open(DB_ENV *env, const char *file, unsigned region, u_int32_t flags,
    DB **dbp)
{
	DB *db;
	int ret;

	*dbp = NULL;
	if ((ret = db_create(&db, env, 0)) != 0)
		return ret;
	*dbp = db;
	if ((ret = db->set_pagesize(db, PGSIZE)) != 0 ||
	    (region > 0 && (ret = db->set_heap_regionsize(db, region)) != 0))
		return ret;
	return db->open(db, NULL, file, NULL, DB_HEAP, flags, 0600);
}

/* One run: rounds of append by a, delete by b or a. */
static int
run(const char *dir, unsigned region, enum mode m)
{
	static const char *const what[] = {
		"deleted by the same handle:", "deleted by another handle:",
		"another, appender reopened:",
	};
	static DB_HEAP_RID rid[PER];
	char body[1024], path[600];
	const char *file;
	DB_ENV *env = NULL;
	DB *a = NULL, *b = NULL;
	struct stat st;
	int round, ret;

	memset(body, 'x', sizeof(body));
	if (snprintf(path, sizeof(path), "%s/m%d.db", dir, (int)m) >=
	    (int)sizeof(path))
		return -1;
	file = path + strlen(dir) + 1;
	if ((ret = db_env_create(&env, 0)) != 0 ||
	    (ret = env->open(env, dir, DB_CREATE | DB_INIT_MPOOL |
	    DB_PRIVATE, 0600)) != 0 ||
	    (ret = heap_open(env, file, region, DB_CREATE, &a)) != 0 ||
	    (ret = heap_open(env, file, region, 0, &b)) != 0)
		goto out;
	printf("%-29s", what[m]);
	for (round = 0; round < ROUNDS; round++) {
		if ((ret = append_all(a, rid, body, sizeof(body))) != 0 ||
		    (ret = delete_all(m == SAME ? a : b, rid)) != 0 ||
		    (ret = a->sync(a, 0)) != 0)
			goto out;
		if (m == REOPEN) {
			ret = a->close(a, 0);
			a = NULL;
			if (ret != 0 || (ret = heap_open(env, file, region, 0,
			    &a)) != 0)
				goto out;
		}
		if (stat(path, &st) == -1) {
			perror(path);
			ret = -1;
			goto out;
		}
		printf(" %lld", (long long)st.st_size / PGSIZE);
	}
	printf("\n");
out:
	if (ret > 0)
		fprintf(stderr, "heap_reuse: %s\n", db_strerror(ret));
	if (b != NULL)
		(void)b->close(b, 0);
	if (a != NULL)
		(void)a->close(a, 0);
	if (env != NULL)
		(void)env->close(env, 0);
	(void)unlink(path);
	return ret == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/heap_reuse.XXXXXX";
	const char *why = NULL;
	int64_t region = 0;
	int rc;

	if (argc > 2 || (argc == 2 && num_parse_i64(argv[1], NUM_CSTR, 1,
	    1000000, &region, &why) == -1)) {
		fprintf(stderr, "usage: heap_reuse [REGION_PAGES (1-1000000)]%s%s\n",
		    why != NULL ? ": " : "", why != NULL ? why : "");
		return 2;
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	printf("heap file pages after each of %d rounds of %d x 1 KiB "
	    "appended then deleted (region: %s pages)\n", ROUNDS, PER,
	    region > 0 ? argv[1] : "default");
	rc = run(dir, (unsigned)region, SAME) == 0 &&
	    run(dir, (unsigned)region, OTHER) == 0 &&
	    run(dir, (unsigned)region, REOPEN) == 0 ? 0 : 1;
	(void)rmdir(dir);
	return rc;
}
