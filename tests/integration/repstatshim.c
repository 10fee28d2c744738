/*
 * repstatshim.c - a replication process whose Berkeley DB replication
 * mutexes deadlock (LD_PRELOAD into hookd-repl), as Berkeley DB 5.3's own
 * threads can (db/replprobe.c): while the file named by $REPSTAT_HANG
 * exists, DB_ENV->rep_stat called on any thread but the main one (the
 * probe's, hookd-repl's other helpers) never returns.  The main thread's
 * calls go through, so that only the probe can tell.
 * Built by tests/integration/test_repl_probe.py:
 *   cc -shared -fPIC -O2 -o repstatshim.so repstatshim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int __rep_stat_pp(void *dbenv, void **statp, unsigned flags);

int
__rep_stat_pp(void *dbenv, void **statp, unsigned flags)
{
	static int (*real)(void *, void **, unsigned);
	const char *path = getenv("REPSTAT_HANG");

	if (real == NULL)
		real = (int (*)(void *, void **, unsigned))dlsym(RTLD_NEXT,
		    "__rep_stat_pp");
	if (path != NULL && syscall(SYS_gettid) != getpid())
		while (access(path, F_OK) == 0)
			pause();	/* for ever: the process ends first */
	return real(dbenv, statp, flags);
}
