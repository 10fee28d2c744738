/*
 * log.h - one line per event, to stderr or syslog, with a level.
 *
 * Callers never pass secrets (tokens, keys, webhook secrets) as values;
 * log_redact_url() is for the one value that might carry one, a URL: it
 * keeps scheme://host[:port]/path and drops userinfo, query and fragment.
 */
#ifndef HOOKD_LOG_H
#define HOOKD_LOG_H

#include <stddef.h>
#include <syslog.h>

/*
 * Set the ident, the sink (syslog if use_syslog, else stderr) and the most
 * verbose level shown.  Call from one thread before others log (it is not
 * synchronised); calling it again later switches the settings.
 */
void log_init(const char *ident, int use_syslog, int level);

/*
 * One line at level (LOG_ERR...LOG_DEBUG) if level passes the filter.
 * Thread-safe; not async-signal-safe.  Preserves errno.  A line on stderr
 * is "TIME IDENT[PID] LEVEL: message\n", at most 2047 bytes (the message is
 * truncated), control characters in the message replaced by '?'.  The pid
 * is cached (taken again in the child after fork(), through
 * pthread_atfork), so a line costs no getpid(); unheld, it costs one
 * write(2).  Write errors are ignored; EINTR and short writes are retried.
 */
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The same as log_msg(level, "%.*s", (int)n, msg), without the format:
 * for a caller that built its message itself (the sender's line per
 * attempt).
 */
void log_text(int level, const char *msg, size_t n);

/*
 * Hold the calling thread's stderr lines, for a burst of lines (one per
 * delivery attempt): between log_hold() and log_release() the thread's
 * lines are appended to a thread-local buffer of PIPE_BUF (4096) bytes
 * instead of being written one write(2) each.
 *
 *  - The buffer is written as one write(2) of whole lines, <= PIPE_BUF
 *    bytes (atomic on a pipe, so lines of processes sharing stderr never
 *    interleave), when the next line would not fit, and by log_release().
 *  - A line at LOG_WARNING or more severe is never held: what is held is
 *    written first, then that line, at once (order is kept).
 *  - Only the calling thread is affected; other threads write directly.
 *    No locks: the state is per thread.
 *  - With syslog (log_init use_syslog) holding changes nothing.
 *  - Not nested: log_hold() while held and log_release() while not held
 *    do nothing.  Both preserve errno.
 *  - fork() while held writes the held lines first (in the parent), so
 *    they appear once; the child stays held with an empty buffer.  Held
 *    lines are also written when the thread exits or the process calls
 *    exit(); they are lost on _exit() or a crash, so release before
 *    anything that may end the process abruptly.  A line that reports a
 *    failure is LOG_WARNING or worse and therefore never held.
 */
void log_hold(void);
void log_release(void);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* Copy url into out without userinfo, query or fragment (cut to fit
 * outlen).  Always NUL-terminates when outlen > 0. */
void log_redact_url(const char *url, char *out, size_t outlen);

#endif
