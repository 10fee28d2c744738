/*
 * store_fixture.h - helpers shared by the test_store*.c programs: a fresh
 * environment in its own temp dir per test, record builders, a txn runner
 * for one-shot closures.  Header-only (static inline), tests only.
 */
#ifndef HOOKD_TEST_STORE_FIXTURE_H
#define HOOKD_TEST_STORE_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "db/store.h"
#include "lib/id.h"

/* A fresh temp dir for the environment; removed by fx_cleanup. */
static inline char *
fx_tmpdir(void)
{
	char *d = strdup("/tmp/hookd-store-XXXXXX");

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static inline void
fx_rmdir(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", d);
}

static inline struct store *
fx_open(const char *home, int nosync)
{
	struct store_opts o = { home, nosync, 0, NULL, NULL, 0, 0 };
	struct store *s = NULL;
	char err[512];
	int rc = store_open(&s, &o, err, sizeof(err));

	if (rc != STORE_OK)
		fprintf(stderr, "store_open: %s\n", err);
	ck_assert_int_eq(rc, STORE_OK);
	return s;
}

/* Monotonic seconds, for timing what a test waits on. */
static inline double
fx_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The common per-test temp dir without a store: file-scope home, and
 * setup/teardown for tcase_add_checked_fixture. */
#define FX_HOME_PER_TEST \
	static char *home; \
	static void setup(void) \
	{ \
		home = fx_tmpdir(); \
	} \
	static void teardown(void) \
	{ \
		fx_rmdir(home); \
		free(home); \
	}

/*
 * The common per-test store: file-scope home and s, and setup/teardown for
 * tcase_add_checked_fixture (a fresh nosync environment in its own temp
 * dir for every test, closed and removed after it).
 */
#define FX_STORE_PER_TEST \
	static char *home; \
	static struct store *s; \
	static void setup(void) \
	{ \
		home = fx_tmpdir(); \
		s = fx_open(home, 1); \
	} \
	static void teardown(void) \
	{ \
		store_close(s); \
		fx_rmdir(home); \
		free(home); \
	}

/* In a forked child: open the environment at home or _exit(90). */
static inline struct store *
fx_child_open(const char *home, int nosync)
{
	struct store_opts o = { home, nosync, 0, NULL, NULL, 0, 0 };
	struct store *s;
	char err[512];

	if (store_open(&s, &o, err, sizeof(err)) != STORE_OK) {
		fprintf(stderr, "child store_open: %s\n", err);
		_exit(90);
	}
	return s;
}

/*
 * Fork now, run later: a child forked before this process opens its own
 * store (and so before the store's threads exist) and held on a pipe until
 * fx_go.  Forking while another thread may hold a lock that the child
 * then needs is not safe: under ASan the parent's lock-detector thread
 * (Berkeley DB allocates in lock_detect) left ASan's allocator locked in
 * the child 4 times in 10.  fn runs in the child and must _exit.
 */
struct fx_later {
	pid_t pid;
	int go;			/* write end: one byte releases the child */
};

static inline struct fx_later
fx_fork_later(void (*fn)(void *), void *arg)
{
	struct fx_later l;
	int p[2];
	char c;

	ck_assert_int_eq(pipe(p), 0);
	l.pid = fork();
	ck_assert_int_ge(l.pid, 0);
	if (l.pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(98);	/* the parent gave up */
		close(p[0]);
		fn(arg);
		_exit(97);
	}
	close(p[0]);
	l.go = p[1];
	return l;
}

static inline void
fx_go(struct fx_later *l)
{
	ck_assert_int_eq(write(l->go, "g", 1), 1);
	close(l->go);
	l->go = -1;
}

/* Wait for a child: its exit status, 128 + the signal that ended it, or
 * -1. */
static inline int
fx_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run fn in a transaction; returns store_txn's code, prints errors. */
static inline int
fx_txn(struct store *s, int flags, store_txn_fn fn, void *arg)
{
	char err[512] = "";
	int rc = store_txn(s, flags, fn, arg, err, sizeof(err));

	if (rc == STORE_ERR)
		fprintf(stderr, "store_txn: %s\n", err);
	return rc;
}

static inline void
fx_id(const char *prefix, int64_t ms, char *out)
{
	ck_assert_int_eq(id_new_at(prefix, ms, out, STORE_ID_MAX + 1), 0);
}

static inline void
fx_set(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	ck_assert_uint_lt(n, cap);
	memcpy(dst, src, n + 1);
}
#define FX_SET(field, src) fx_set((field), sizeof(field), (src))

static inline struct store_delivery
fx_dlv(const char *id, const char *evt, const char *wh, const char *app,
    int status, int64_t next)
{
	struct store_delivery d;

	memset(&d, 0, sizeof(d));
	FX_SET(d.id, id);
	FX_SET(d.event_id, evt);
	FX_SET(d.webhook_id, wh);
	FX_SET(d.app_id, app);
	FX_SET(d.event_type, "user.created");
	d.status = status;
	d.next_attempt_at = next;
	d.created_at = id_time(id) > 0 ? id_time(id) : 1;
	d.updated_at = d.created_at;
	return d;
}

/* An enabled webhook of app for every type, to a closed loopback port. */
static inline struct store_webhook
fx_webhook(const char *id, const char *app)
{
	struct store_webhook w;

	memset(&w, 0, sizeof(w));
	FX_SET(w.id, id);
	FX_SET(w.app_id, app);
	FX_SET(w.url, "http://127.0.0.1:9/hook");
	FX_SET(w.events, "*");
	FX_SET(w.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	w.enabled = 1;
	w.created_at = w.updated_at = 1;
	return w;
}

static inline struct store_event
fx_evt(const char *id, int64_t at, const char *body)
{
	struct store_event e;

	memset(&e, 0, sizeof(e));
	FX_SET(e.id, id);
	FX_SET(e.type, "user.created");
	FX_SET(e.org_id, "org_1");
	FX_SET(e.app_id, "app_1");
	e.created_at = at;
	e.deliveries = 1;
	e.body = (char *)body;
	e.body_len = strlen(body);
	return e;
}

/* Read exactly n bytes or fail (0/-1). */
static inline int
fx_read_full(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;
	ssize_t r;

	while (n > 0) {
		r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

#endif
