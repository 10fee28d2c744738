/*
 * log.c - one line per event to stderr or syslog (see log.h).
 *
 * stderr lines look like
 *   2026-11-26T19:52:32.123Z hookd-send[1234] info: message
 * and are written with one write(2) so lines from several processes sharing
 * a stderr do not interleave.  Control characters in a message are replaced
 * by '?' so a value from outside cannot forge a log line.
 *
 * A thread may hold its lines (log_hold) in a thread-local buffer of
 * PIPE_BUF bytes, written as whole lines in one write(2) each: a write of
 * at most PIPE_BUF bytes to a pipe is atomic, so held chunks still never
 * interleave with other writers' lines.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/num.h"
#include "lib/timefmt.h"

#define LOG_LINE_MAX 2048
#define LOG_IDENT_MAX 64
#define LOG_HOLD_MAX PIPE_BUF	/* one atomic pipe write */

/* Any line fits into an empty hold buffer. */
_Static_assert(LOG_LINE_MAX <= LOG_HOLD_MAX, "a line must fit a held chunk");

static char log_ident[LOG_IDENT_MAX] = "hookd";
static int log_syslog;
static int log_level = LOG_INFO;

/*
 * The pid shown in lines; 0 = not known yet (then taken with getpid()).
 * Accessed with relaxed atomics: every thread that stores it stores the
 * same value.  The fork child handler sets it back to 0.
 */
static pid_t log_pid;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static pthread_key_t log_key;		/* flushes a thread's hold at exit */
static int log_key_ok;

/* One thread's held lines: buf[0, len) is whole '\n'-ended lines. */
struct log_hold_buf {
	int held;		/* between log_hold and log_release */
	int keyed;		/* log_key set for this thread */
	size_t len;
	char buf[LOG_HOLD_MAX];
};
static __thread struct log_hold_buf log_tls;

/* Write all of [p, p+n) to stderr, retrying EINTR and short writes;
 * other errors drop the rest (a log write has nowhere to report). */
static void
log_write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDERR_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (w == 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Write what h holds (one write: whole lines, <= PIPE_BUF) and empty it. */
static void
log_flush(struct log_hold_buf *h)
{
	if (h->len == 0)
		return;
	log_write_all(h->buf, h->len);
	h->len = 0;
}

/* pthread_atfork prepare: the forking thread's held lines are written
 * once, by the parent, instead of by both processes later. */
static void
log_fork_prepare(void)
{
	int saved = errno;

	log_flush(&log_tls);
	errno = saved;
}

/* pthread_atfork child: the child has a pid of its own. */
static void
log_fork_child(void)
{
	__atomic_store_n(&log_pid, 0, __ATOMIC_RELAXED);
	log_tls.len = 0;
}

/* Key destructor: a thread that exits while held writes its lines. */
static void
log_thread_exit(void *p)
{
	struct log_hold_buf *h = p;
	int saved = errno;

	log_flush(h);
	h->held = 0;
	errno = saved;
}

/* atexit: exit() while the calling thread holds lines writes them. */
static void
log_atexit(void)
{
	log_thread_exit(&log_tls);
}

static void
log_once_init(void)
{
	pthread_atfork(log_fork_prepare, NULL, log_fork_child);
	atexit(log_atexit);
	log_key_ok = pthread_key_create(&log_key, log_thread_exit) == 0;
}

/* The cached pid, taking it (and registering the fork handler) if unset. */
static pid_t
log_getpid(void)
{
	pid_t pid = __atomic_load_n(&log_pid, __ATOMIC_RELAXED);

	if (pid == 0) {
		pthread_once(&log_once, log_once_init);
		pid = getpid();
		__atomic_store_n(&log_pid, pid, __ATOMIC_RELAXED);
	}
	return pid;
}

void
log_init(const char *ident, int use_syslog, int level)
{
	size_t n = strlen(ident);

	pthread_once(&log_once, log_once_init);
	__atomic_store_n(&log_pid, getpid(), __ATOMIC_RELAXED);
	if (n >= sizeof(log_ident))
		n = sizeof(log_ident) - 1;
	memcpy(log_ident, ident, n);
	log_ident[n] = '\0';
	if (log_syslog)
		closelog();
	log_syslog = use_syslog;
	log_level = level;
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static const char *
log_level_name(int level)
{
	switch (level) {
	case LOG_EMERG: return "emerg";
	case LOG_ALERT: return "alert";
	case LOG_CRIT: return "crit";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/*
 * Send one whole line [line, line+len) (ending in '\n', len <= LOG_LINE_MAX)
 * to stderr: at once if the thread does not hold, else into its buffer,
 * writing the buffer first when the line would not fit, and right after
 * when the line is a warning or worse.
 */
static void
log_put_line(const char *line, size_t len, int level)
{
	struct log_hold_buf *h = &log_tls;

	if (!h->held) {
		log_write_all(line, len);
		return;
	}
	if (len > sizeof(h->buf) - h->len)
		log_flush(h);
	memcpy(h->buf + h->len, line, len);
	h->len += len;
	if (level <= LOG_WARNING)
		log_flush(h);
}

/* Append [p, p+n) to out at *o, cut to keep room for a NUL (outlen - 1
 * bytes at most): the log line's parts and the redacted URL's. */
static void
log_put(char *out, size_t outlen, size_t *o, const char *p, size_t n)
{
	if (*o + 1 >= outlen)
		return;
	if (n > outlen - 1 - *o)
		n = outlen - 1 - *o;
	memcpy(out + *o, p, n);
	*o += n;
}

/* "TIME IDENT[PID] LEVEL: " into line (stderr lines only): the bytes of
 * snprintf("%s %s[%ld] %s: "), without it (once per attempt line). */
static size_t
log_prefix(char *line, int level)
{
	char ts[TIMEFMT_LEN], pid[24];
	const char *name = log_level_name(level);
	size_t off = 0;
	int n;

	timefmt_format(timefmt_now_ms(), ts, sizeof(ts));
	log_put(line, LOG_LINE_MAX, &off, ts, strlen(ts));
	log_put(line, LOG_LINE_MAX, &off, " ", 1);
	log_put(line, LOG_LINE_MAX, &off, log_ident, strlen(log_ident));
	log_put(line, LOG_LINE_MAX, &off, "[", 1);
	n = num_format_i64((int64_t)log_getpid(), pid, sizeof(pid));
	log_put(line, LOG_LINE_MAX, &off, pid, n < 0 ? 0 : (size_t)n);
	log_put(line, LOG_LINE_MAX, &off, "] ", 2);
	log_put(line, LOG_LINE_MAX, &off, name, strlen(name));
	log_put(line, LOG_LINE_MAX, &off, ": ", 2);
	return off;
}

/* The message at [line + off, line + len) is in place: clean it, end the
 * line and send it. */
static void
log_end(int level, char *line, size_t off, size_t len)
{
	size_t i;

	if (len > LOG_LINE_MAX - 2)
		len = LOG_LINE_MAX - 2;		/* truncated; keep room for '\n' */
	for (i = off; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (log_syslog) {
		line[len] = '\0';
		syslog(level, "%s", line);
	} else {
		line[len++] = '\n';
		log_put_line(line, len, level);
	}
}

void
log_msg(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	size_t off, len;
	int n, saved = errno;

	if (level > log_level)
		return;
	off = log_syslog ? 0 : log_prefix(line, level);
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	va_end(ap);
	len = n < 0 ? off : off + (size_t)n;
	log_end(level, line, off, len);
	errno = saved;
}

void
log_text(int level, const char *msg, size_t n)
{
	char line[LOG_LINE_MAX];
	size_t off, len;
	int saved = errno;

	if (level > log_level)
		return;
	off = log_syslog ? 0 : log_prefix(line, level);
	len = off;
	log_put(line, LOG_LINE_MAX, &len, msg, n);
	log_end(level, line, off, len);
	errno = saved;
}

void
log_hold(void)
{
	struct log_hold_buf *h = &log_tls;
	int saved = errno;

	if (h->held)
		return;
	pthread_once(&log_once, log_once_init);
	if (!h->keyed && log_key_ok)
		h->keyed = pthread_setspecific(log_key, h) == 0;
	h->held = 1;
	errno = saved;
}

void
log_release(void)
{
	struct log_hold_buf *h = &log_tls;
	int saved = errno;

	if (!h->held)
		return;
	log_flush(h);
	h->held = 0;
	errno = saved;
}

void
log_redact_url(const char *url, char *out, size_t outlen)
{
	const char *auth, *aend, *at, *pend;
	size_t o = 0, n;

	if (outlen == 0)
		return;
	/* "scheme://" counts only before the first '/', '?' or '#'. */
	n = strcspn(url, "/?#");
	auth = n > 0 && url[n - 1] == ':' && url[n] == '/' &&
	    url[n + 1] == '/' ? url + n + 2 : url;
	aend = auth + strcspn(auth, "/?#");
	/* userinfo ends at the last '@' of the authority */
	at = NULL;
	for (const char *q = auth; q < aend; q++)
		if (*q == '@')
			at = q;
	pend = aend + strcspn(aend, "?#");
	log_put(out, outlen, &o, url, (size_t)(auth - url));
	if (at != NULL)
		log_put(out, outlen, &o, at + 1, (size_t)(aend - at - 1));
	else
		log_put(out, outlen, &o, auth, (size_t)(aend - auth));
	log_put(out, outlen, &o, aend, (size_t)(pend - aend));
	out[o] = '\0';
}
