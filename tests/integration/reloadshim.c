/*
 * reloadshim.c - a replication process that loses Berkeley DB 5.3's
 * reloads of its list of sites (LD_PRELOAD into hookd-repl), as a client
 * does when a reload after a membership change fails (repl/members.c):
 * while the file named by $RELOAD_DROP exists, __repmgr_reload_gmdb
 * called on any thread but the main one (the replication manager's
 * message threads, after applying a change) appends a line to PATH.n and
 * returns 0 without reloading.  The reload of repmgr_start (hookd-repl's
 * main thread) always goes through.
 * Built by tests/integration/test_repl_members.py:
 *   cc -shared -fPIC -O2 -o reloadshim.so reloadshim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int __repmgr_reload_gmdb(void *env);

int
__repmgr_reload_gmdb(void *env)
{
	static int (*real)(void *);
	const char *path = getenv("RELOAD_DROP");
	char n[4096];
	int fd;

	if (real == NULL)
		real = (int (*)(void *))dlsym(RTLD_NEXT,
		    "__repmgr_reload_gmdb");
	if (path == NULL || access(path, F_OK) != 0 ||
	    syscall(SYS_gettid) == getpid())
		return real(env);
	if (snprintf(n, sizeof(n), "%s.n", path) < (int)sizeof(n) &&
	    (fd = open(n, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		(void)write(fd, "dropped\n", 8);
		close(fd);
	}
	return 0;
}
