/*
 * fsyncshim.c - a slow disk for one process (LD_PRELOAD): fdatasync and
 * fsync of a file written since its last sync sleep SLOW_US microseconds
 * (default 20000) first; a clean file's return at once, as on ext4.
 * With SLOW_HOLD=PATH instead, such a sync made while the file PATH
 * exists appends a line to PATH.n and waits until PATH is gone (at most
 * 60 s), else returns at once: a test holds
 * every commit's flush for as long as it wants, and knows when one is
 * held (tests/integration/test_api_drain.py).
 * Built by tests/integration/test_send_slowdisk.py and bench/slowdisk.sh:
 *   cc -shared -fPIC -O2 -o fsyncshim.so fsyncshim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define SHIM_NFD 4096

static volatile char shim_dirty[SHIM_NFD];

static void
shim_mark(int fd)
{
	if (fd >= 0 && fd < SHIM_NFD)
		shim_dirty[fd] = 1;
}

/* SLOW_HOLD: note the held sync in PATH.n, wait while PATH exists. */
static void
shim_hold(const char *path)
{
	static const char line[] = "held\n";
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	char n[4096];
	int fd, i;

	if (access(path, F_OK) != 0 ||
	    snprintf(n, sizeof(n), "%s.n", path) >= (int)sizeof(n))
		return;
	fd = open(n, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)!syscall(SYS_write, fd, line, sizeof(line) - 1);
		(void)close(fd);
	}
	for (i = 0; i < 12000 && access(path, F_OK) == 0; i++)
		(void)nanosleep(&ts, NULL);
}

static void
shim_slow(int fd)
{
	const char *e = getenv("SLOW_US");
	const char *hold = getenv("SLOW_HOLD");
	long us = e != NULL ? strtol(e, NULL, 10) : 20000;
	struct timespec ts;

	if (fd < 0 || fd >= SHIM_NFD || !shim_dirty[fd])
		return;
	shim_dirty[fd] = 0;
	if (hold != NULL) {
		shim_hold(hold);
		return;
	}
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	(void)nanosleep(&ts, NULL);
}

#define SHIM_REAL(ret, name, args) static ret (*real)args; \
	if (real == NULL) \
		real = (ret (*)args)dlsym(RTLD_NEXT, name)

int
fdatasync(int fd)
{
	SHIM_REAL(int, "fdatasync", (int));
	shim_slow(fd);
	return real(fd);
}

int
fsync(int fd)
{
	SHIM_REAL(int, "fsync", (int));
	shim_slow(fd);
	return real(fd);
}

ssize_t
pwrite(int fd, const void *b, size_t n, off_t o)
{
	SHIM_REAL(ssize_t, "pwrite", (int, const void *, size_t, off_t));
	shim_mark(fd);
	return real(fd, b, n, o);
}

ssize_t
pwrite64(int fd, const void *b, size_t n, off_t o)
{
	SHIM_REAL(ssize_t, "pwrite64", (int, const void *, size_t, off_t));
	shim_mark(fd);
	return real(fd, b, n, o);
}

ssize_t
write(int fd, const void *b, size_t n)
{
	SHIM_REAL(ssize_t, "write", (int, const void *, size_t));
	shim_mark(fd);
	return real(fd, b, n);
}
