/*
 * test_log_hold.c - lib/log: held lines (log_hold/log_release) and the
 * cached pid, through real files and pipes.
 *
 * HOOKD_LOG_BENCH=1 adds a timing case (not part of make unit): 200,000
 * log_info lines to /dev/null and to a pipe, unheld and held (released
 * every 64 lines), ns per line printed on stdout.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/num.h"

#define TIME_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static int saved_stderr = -1;

/* Point stderr at fd (kept open by the caller). */
static void
stderr_to(int fd)
{
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
}

static void
stderr_back(void)
{
	ck_assert_int_eq(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
}

/* An unlinked temp file, opened read/write. */
static int
temp_fd(void)
{
	char path[] = "/tmp/hookd-test-loghold-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

static off_t
fd_size(int fd)
{
	struct stat st;

	ck_assert_int_eq(fstat(fd, &st), 0);
	return st.st_size;
}

/* The whole file as a NUL-terminated string; static, up to 64 KiB. */
static char *
fd_text(int fd)
{
	static char out[65536];
	ssize_t n = pread(fd, out, sizeof(out) - 1, 0);

	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	return out;
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
assert_matches(const char *text, const char *pattern)
{
	regex_t re;

	ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
	ck_assert_msg(regexec(&re, text, 0, NULL, 0) == 0,
	    "pattern %s\ngot:\n%s", pattern, text);
	regfree(&re);
}

START_TEST(test_log_held_lines_appear_only_after_release_in_order)
{
	int fd = temp_fd();
	char *out;

	stderr_to(fd);
	log_init("hookd-send", 0, LOG_INFO);
	log_hold();
	log_info("one");
	log_info("two");
	log_debug("filtered");
	log_msg(LOG_NOTICE, "three");
	ck_assert_int_eq(fd_size(fd), 0);
	errno = ENOTDIR;
	log_release();
	ck_assert_int_eq(errno, ENOTDIR);
	stderr_back();
	out = fd_text(fd);
	ck_assert_int_eq(count_lines(out), 3);
	assert_matches(out, "^" TIME_RE " hookd-send\\[[0-9]+\\] info: one\n"
	    TIME_RE " hookd-send\\[[0-9]+\\] info: two\n"
	    TIME_RE " hookd-send\\[[0-9]+\\] notice: three\n$");
	close(fd);
}
END_TEST

START_TEST(test_log_hold_is_not_nested_and_release_when_unheld_is_noop)
{
	int fd = temp_fd();
	off_t before;

	stderr_to(fd);
	log_init("hookd", 0, LOG_INFO);
	log_release();			/* not held: nothing happens */
	log_hold();
	log_hold();			/* already held: no-op */
	log_info("a");
	ck_assert_int_eq(fd_size(fd), 0);
	log_release();			/* one release ends the hold */
	before = fd_size(fd);
	ck_assert_int_gt(before, 0);
	log_info("b");			/* written at once again */
	ck_assert_int_gt(fd_size(fd), before);
	log_release();
	stderr_back();
	ck_assert_int_eq(count_lines(fd_text(fd)), 2);
	close(fd);
}
END_TEST

START_TEST(test_log_release_to_closed_stderr_keeps_errno)
{
	log_init("hookd", 0, LOG_INFO);
	stderr_to(temp_fd());
	close(STDERR_FILENO);		/* writes now fail with EBADF */
	log_hold();
	log_info("lost");
	errno = EEXIST;
	log_release();
	ck_assert_int_eq(errno, EEXIST);
	log_warn("lost too");
	ck_assert_int_eq(errno, EEXIST);
	stderr_back();
}
END_TEST

START_TEST(test_log_warning_flushes_held_lines_before_itself)
{
	int fd = temp_fd();
	char *out;
	off_t at_warn;

	stderr_to(fd);
	log_init("hookd-send", 0, LOG_INFO);
	log_hold();
	log_info("first");
	log_info("second");
	ck_assert_int_eq(fd_size(fd), 0);
	log_warn("slow down");
	at_warn = fd_size(fd);		/* written at once, hold or not */
	log_info("after");
	ck_assert_int_eq(fd_size(fd), at_warn);
	log_err("broken");
	log_release();
	stderr_back();
	out = fd_text(fd);
	ck_assert_int_eq(count_lines(out), 5);
	/* at the warning, everything up to and with it was written */
	ck_assert_int_eq(at_warn,
	    strchr(strstr(out, "warning: slow down"), '\n') + 1 - out);
	assert_matches(out, "info: first\n.*info: second\n.*warning: slow down\n"
	    ".*info: after\n.*error: broken\n$");
	close(fd);
}
END_TEST

/* Length of the first line of p (with its '\n'), or n if none. */
static size_t
first_line_len(const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);

	return nl == NULL ? n : (size_t)(nl - p) + 1;
}

START_TEST(test_log_held_burst_is_written_in_whole_line_chunks_of_pipe_buf)
{
	/* Packet-mode pipe: each write(2) of <= PIPE_BUF is one read(2);
	 * a bigger write is cut into PIPE_BUF packets by the kernel. */
	static char got[65536], want[65536], chunk[16][PIPE_BUF * 2];
	size_t clen[16], gl = 0, wl = 0;
	char pad[300];
	int p[2], i, nchunks = 0, avail = 0;
	ssize_t n;

	ck_assert_int_eq(pipe2(p, O_DIRECT | O_NONBLOCK), 0);
	memset(pad, 'x', sizeof(pad));
	stderr_to(p[1]);
	log_init("hookd-send", 0, LOG_INFO);
	log_hold();
	for (i = 0; i < 150; i++)
		log_info("burst %03d %.*s", i, (i * 37) % 250, pad);
	/* over 4096 bytes held: some was written before the release */
	ck_assert_int_eq(ioctl(p[0], FIONREAD, &avail), 0);
	ck_assert_int_gt(avail, 0);
	log_release();
	stderr_back();
	close(p[1]);
	while ((n = read(p[0], chunk[nchunks], sizeof(chunk[0]))) > 0) {
		ck_assert_int_lt(nchunks, 15);
		clen[nchunks] = (size_t)n;
		memcpy(got + gl, chunk[nchunks], (size_t)n);
		gl += (size_t)n;
		nchunks++;
	}
	close(p[0]);
	ck_assert_int_ge(nchunks, 4);
	for (i = 0; i < nchunks; i++) {
		ck_assert_uint_le(clen[i], PIPE_BUF);
		ck_assert_msg(chunk[i][clen[i] - 1] == '\n',
		    "chunk %d of %zu bytes does not end a line", i, clen[i]);
		ck_assert_msg(chunk[i][0] != '\n' && chunk[i][0] >= '0' &&
		    chunk[i][0] <= '9', "chunk %d does not start a line", i);
		/* written only when the next line would not have fitted */
		if (i + 1 < nchunks)
			ck_assert_uint_gt(clen[i] + first_line_len(chunk[i + 1],
			    clen[i + 1]), PIPE_BUF);
	}
	/* all 150 lines, in order */
	for (i = 0; i < 150; i++) {
		int k = snprintf(want + wl, sizeof(want) - wl, "burst %03d %.*s\n",
		    i, (i * 37) % 250, pad);
		wl += (size_t)k;
	}
	got[gl] = '\0';
	ck_assert_int_eq(count_lines(got), 150);
	{
		const char *g = got, *w = want;

		for (i = 0; i < 150; i++) {
			const char *m = strstr(g, "] info: ");
			size_t wlen = first_line_len(w, strlen(w));

			ck_assert_ptr_nonnull(m);
			ck_assert_int_eq(memcmp(m + 8, w, wlen), 0);
			g = m + 8 + wlen;
			w += wlen;
		}
	}
}
END_TEST

static volatile sig_atomic_t alarms;

static void
on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

struct drain_arg {
	int fd;
	size_t len;
	char buf[1 << 17];
};

/* After 300 ms, read fd to EOF into buf. */
static void *
drain_later(void *p)
{
	struct drain_arg *d = p;
	ssize_t n;

	usleep(300 * 1000);
	while ((n = read(d->fd, d->buf + d->len, sizeof(d->buf) - 1 -
	    d->len)) > 0)
		d->len += (size_t)n;
	d->buf[d->len] = '\0';
	return NULL;
}

START_TEST(test_log_held_chunk_survives_eintr_on_a_full_pipe)
{
	static struct drain_arg d;
	static char filler[65536];
	struct sigaction sa;
	struct itimerval it = {{0, 20000}, {0, 20000}};
	sigset_t alrm;
	pthread_t t;
	int p[2], i, size;
	char *m;

	/* a full pipe: the held chunk's write blocks until the drain */
	ck_assert_int_eq(pipe(p), 0);
	size = fcntl(p[1], F_GETPIPE_SZ);
	ck_assert_int_gt(size, 0);
	ck_assert_uint_le((size_t)size, sizeof(filler));
	memset(filler, 'f', sizeof(filler));
	filler[size - 1] = '\n';
	ck_assert_int_eq(write(p[1], filler, (size_t)size), size);
	d.fd = p[0];
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, NULL);	/* the drain ignores it */
	ck_assert_int_eq(pthread_create(&t, NULL, drain_later, &d), 0);
	pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;		/* no SA_RESTART: write gets EINTR */
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);

	stderr_to(p[1]);
	log_init("hookd-send", 0, LOG_INFO);
	log_hold();
	for (i = 0; i < 20; i++)
		log_info("held %d", i);
	log_warn("written through EINTR");
	log_release();
	stderr_back();
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	close(p[1]);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	close(p[0]);
	ck_assert_uint_eq(d.len, (size_t)size + strlen(d.buf + size));
	m = d.buf + size;
	ck_assert_int_eq(count_lines(m), 21);
	ck_assert_ptr_nonnull(strstr(m, "info: held 0\n"));
	ck_assert_ptr_nonnull(strstr(m, "info: held 19\n"));
	ck_assert_ptr_nonnull(strstr(m, "warning: written through EINTR\n"));
	ck_assert_int_gt(alarms, 3);		/* the write was interrupted */
}
END_TEST

struct other_arg {
	int fd;
	off_t size_after;
};

static void *
other_thread(void *p)
{
	struct other_arg *a = p;

	log_info("from the other thread");
	a->size_after = fd_size(a->fd);
	return NULL;
}

START_TEST(test_log_other_threads_lines_are_not_held)
{
	int fd = temp_fd();
	struct other_arg a = {.fd = fd};
	pthread_t t;
	char *out;

	stderr_to(fd);
	log_init("hookd-send", 0, LOG_INFO);
	log_hold();
	log_info("held by main");
	ck_assert_int_eq(pthread_create(&t, NULL, other_thread, &a), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_gt(a.size_after, 0);
	out = fd_text(fd);
	ck_assert_ptr_nonnull(strstr(out, "info: from the other thread\n"));
	ck_assert_ptr_null(strstr(out, "held by main"));
	log_release();
	stderr_back();
	assert_matches(fd_text(fd), "other thread\n.*held by main\n$");
	close(fd);
}
END_TEST

static void *
exiting_thread(void *p)
{
	(void)p;
	log_hold();
	log_info("held by a thread that exits");
	return NULL;
}

START_TEST(test_log_thread_exit_and_exit_write_held_lines)
{
	int fd = temp_fd(), st;
	pthread_t t;
	pid_t pid;

	stderr_to(fd);
	log_init("hookd-send", 0, LOG_INFO);
	ck_assert_int_eq(pthread_create(&t, NULL, exiting_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_ptr_nonnull(strstr(fd_text(fd), "held by a thread that exits\n"));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		log_hold();
		log_info("held until exit");
		exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	stderr_back();
	ck_assert_ptr_nonnull(strstr(fd_text(fd), "held until exit\n"));
	close(fd);
}
END_TEST

/* The line containing needle must show [pid]. */
static void
assert_line_pid(const char *text, const char *needle, pid_t pid)
{
	const char *m = strstr(text, needle), *bol;
	char want[32];

	ck_assert_msg(m != NULL, "no line with %s in:\n%s", needle, text);
	for (bol = m; bol > text && bol[-1] != '\n'; bol--)
		;
	snprintf(want, sizeof(want), "[%ld]", (long)pid);
	ck_assert_msg(strstr(bol, want) != NULL && strstr(bol, want) < m,
	    "line with %s lacks %s:\n%s", needle, want, text);
}

START_TEST(test_log_pid_is_the_childs_after_fork)
{
	int fd = temp_fd(), st;
	pid_t pid, kid2;
	char *out;

	stderr_to(fd);
	log_init("hookd-send", 0, LOG_INFO);
	log_info("parent before fork");		/* pid cached */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		log_info("child unheld");
		log_hold();
		log_info("child held");
		log_release();
		/* a grandchild, forked after the child logged */
		kid2 = fork();
		if (kid2 == 0) {
			log_info("grandchild");
			_exit(0);
		}
		waitpid(kid2, NULL, 0);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(st, 0);
	log_info("parent after fork");
	stderr_back();
	out = fd_text(fd);
	assert_line_pid(out, "parent before fork", getpid());
	assert_line_pid(out, "child unheld", pid);
	assert_line_pid(out, "child held", pid);
	assert_line_pid(out, "parent after fork", getpid());
	ck_assert_ptr_nonnull(strstr(out, "grandchild"));
	{
		/* the grandchild shows neither the child's pid nor ours */
		char want[32];
		const char *g = strstr(out, "grandchild"), *bol = g;

		while (bol > out && bol[-1] != '\n')
			bol--;
		snprintf(want, sizeof(want), "[%ld]", (long)pid);
		ck_assert_ptr_null(memmem(bol, (size_t)(g - bol), want,
		    strlen(want)));
		snprintf(want, sizeof(want), "[%ld]", (long)getpid());
		ck_assert_ptr_null(memmem(bol, (size_t)(g - bol), want,
		    strlen(want)));
	}
	close(fd);
}
END_TEST

START_TEST(test_log_fork_while_held_writes_held_lines_once)
{
	int fd = temp_fd(), st;
	pid_t pid;
	char *out;

	stderr_to(fd);
	log_init("hookd-send", 0, LOG_INFO);
	log_hold();
	log_info("held before fork");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		log_info("child while held");
		log_release();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	log_release();
	stderr_back();
	out = fd_text(fd);
	ck_assert_ptr_nonnull(strstr(out, "held before fork\n"));
	ck_assert_ptr_null(strstr(strstr(out, "held before fork\n") + 1,
	    "held before fork"));
	assert_line_pid(out, "child while held", pid);
	ck_assert_int_eq(count_lines(out), 2);
	/* written by the parent at fork, so before anything of the child */
	ck_assert(strstr(out, "held before fork") <
	    strstr(out, "child while held"));
	close(fd);
}
END_TEST

#define NWRITERS 4
#define NLINES 20000

/* Writer id: NLINES held info lines of varying length to stderr. */
static void
writer(int id)
{
	static char pad[400];
	int i, len;

	memset(pad, 'x', sizeof(pad));
	log_init("hookd-send", 0, LOG_INFO);
	log_hold();
	for (i = 0; i < NLINES; i++) {
		len = (i * 7919 + id * 131) % 390;
		log_info("w%d seq %d len %d %.*s", id, i, len, len, pad);
	}
	log_release();
}

/* Skip the literal lit at *p; 0 or -1. */
static int
eat(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/* Parse decimal digits at *p into *v; 0 or -1 (none, or too large). */
static int
eat_num(const char **p, long *v)
{
	size_t n = strspn(*p, "0123456789");
	int64_t x;

	if (num_parse_i64(*p, n, 0, LONG_MAX, &x, NULL) == -1)
		return -1;
	*v = (long)x;
	*p += n;
	return 0;
}

/*
 * Parse a writer line (without its '\n'):
 *   TIME hookd-send[PID] info: wID seq SEQ len LEN x{LEN}
 * 0 or -1.  (Hand-written: regexec over 80,000 long lines is slow.)
 */
static int
parse_writer_line(const char *s, long *pid, long *id, long *seq)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	const char *p = s;
	long len;
	size_t i;

	for (i = 0; i < sizeof(shape) - 1; i++, p++)
		if (shape[i] == 'd' ? *p < '0' || *p > '9' : *p != shape[i])
			return -1;
	if (eat(&p, " hookd-send[") || eat_num(&p, pid) ||
	    eat(&p, "] info: w") || eat_num(&p, id) || eat(&p, " seq ") ||
	    eat_num(&p, seq) || eat(&p, " len ") || eat_num(&p, &len) ||
	    eat(&p, " "))
		return -1;
	if (strspn(p, "x") != (size_t)len || p[len] != '\0')
		return -1;
	return 0;
}

START_TEST(test_log_held_lines_of_four_processes_on_one_pipe_stay_whole)
{
	static char buf[1 << 17];
	int p[2], i, next[NWRITERS] = {0}, total = 0, bad = 0;
	pid_t kids[NWRITERS];
	size_t have = 0;
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	for (i = 0; i < NWRITERS; i++) {
		kids[i] = fork();
		ck_assert_int_ge(kids[i], 0);
		if (kids[i] == 0) {
			close(p[0]);
			dup2(p[1], STDERR_FILENO);
			close(p[1]);
			writer(i);
			_exit(0);
		}
	}
	close(p[1]);
	while ((n = read(p[0], buf + have, sizeof(buf) - 1 - have)) > 0) {
		char *line = buf, *nl;

		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))
		    != NULL) {
			long id, seq, pid;

			*nl = '\0';
			if (parse_writer_line(line, &pid, &id, &seq) != 0) {
				if (bad++ < 3)
					fprintf(stderr, "bad line: %.200s\n", line);
				line = nl + 1;
				continue;
			}
			ck_assert_int_lt(id, NWRITERS);
			ck_assert_int_eq(pid, kids[id]);
			ck_assert_int_eq(seq, next[id]);
			next[id]++;
			total++;
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
	}
	close(p[0]);
	for (i = 0; i < NWRITERS; i++)
		ck_assert_int_eq(waitpid(kids[i], NULL, 0), kids[i]);
	ck_assert_int_eq(bad, 0);
	ck_assert_uint_eq(have, 0);
	ck_assert_int_eq(total, NWRITERS * NLINES);
	for (i = 0; i < NWRITERS; i++)
		ck_assert_int_eq(next[i], NLINES);
}
END_TEST

#define BENCH_LINES 200000

static double
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct bench {
	double wall, cpu;	/* ns per line: elapsed, this thread's CPU */
};

/* log_info lines to stderr, releasing every `every` lines (0 = unheld). */
static struct bench
bench_run(int every)
{
	double w0 = clock_ns(CLOCK_MONOTONIC);
	double c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	struct bench b;
	int i;

	for (i = 0; i < BENCH_LINES; i++) {
		if (every > 0 && i % every == 0)
			log_hold();
		log_info("attempt dlv_%08d to https://h.example/hook: 200 in %d ms",
		    i, i % 500);
		if (every > 0 && i % every == every - 1)
			log_release();
	}
	log_release();
	b.cpu = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / BENCH_LINES;
	b.wall = (clock_ns(CLOCK_MONOTONIC) - w0) / BENCH_LINES;
	return b;
}

static void
bench_print(const char *what, struct bench b)
{
	printf("log bench %-28s %6.0f ns/line wall, %6.0f ns/line CPU\n",
	    what, b.wall, b.cpu);
}

START_TEST(test_log_bench_held_vs_unheld)
{
	int devnull = open("/dev/null", O_WRONLY), p[2];
	struct bench a, b, c, d;
	pid_t drain;

	ck_assert_int_ge(devnull, 0);
	log_init("hookd-send", 0, LOG_INFO);
	stderr_to(devnull);
	bench_run(0);			/* warm up */
	a = bench_run(0);
	b = bench_run(64);
	stderr_back();
	ck_assert_int_eq(pipe(p), 0);
	drain = fork();
	ck_assert_int_ge(drain, 0);
	if (drain == 0) {
		static char sink[65536];

		close(p[1]);
		while (read(p[0], sink, sizeof(sink)) > 0)
			;
		_exit(0);
	}
	close(p[0]);
	stderr_to(p[1]);
	c = bench_run(0);
	d = bench_run(64);
	stderr_back();
	close(p[1]);
	waitpid(drain, NULL, 0);
	printf("log bench: %d log_info lines per run\n", BENCH_LINES);
	bench_print("/dev/null unheld:", a);
	bench_print("/dev/null held (64/release):", b);
	bench_print("pipe unheld:", c);
	bench_print("pipe held (64/release):", d);
	fflush(stdout);
}
END_TEST

static Suite *
log_hold_suite(void)
{
	Suite *s = suite_create("log_hold");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_log_held_lines_appear_only_after_release_in_order);
	tcase_add_test(tc, test_log_hold_is_not_nested_and_release_when_unheld_is_noop);
	tcase_add_test(tc, test_log_release_to_closed_stderr_keeps_errno);
	tcase_add_test(tc, test_log_warning_flushes_held_lines_before_itself);
	tcase_add_test(tc, test_log_held_burst_is_written_in_whole_line_chunks_of_pipe_buf);
	tcase_add_test(tc, test_log_held_chunk_survives_eintr_on_a_full_pipe);
	tcase_add_test(tc, test_log_other_threads_lines_are_not_held);
	tcase_add_test(tc, test_log_thread_exit_and_exit_write_held_lines);
	tcase_add_test(tc, test_log_pid_is_the_childs_after_fork);
	tcase_add_test(tc, test_log_fork_while_held_writes_held_lines_once);
	tcase_add_test(tc, test_log_held_lines_of_four_processes_on_one_pipe_stay_whole);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	if (getenv("HOOKD_LOG_BENCH") != NULL) {
		TCase *tb = tcase_create("bench");

		tcase_add_test(tb, test_log_bench_held_vs_unheld);
		tcase_set_timeout(tb, 120);
		suite_add_tcase(s, tb);
	}
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_hold_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
