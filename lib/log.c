/*
 * log.c - one line per event to stderr or syslog (see log.h).
 *
 * stderr lines look like
 *   2026-11-26T19:52:32.123Z hookd-send[1234] info: message
 * and are written with one write(2) so lines from several processes sharing
 * a stderr do not interleave.  Control characters in a message are replaced
 * by '?' so a value from outside cannot forge a log line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timefmt.h"

#define LOG_LINE_MAX 2048
#define LOG_IDENT_MAX 64

static char log_ident[LOG_IDENT_MAX] = "hookd";
static int log_syslog;
static int log_level = LOG_INFO;

void
log_init(const char *ident, int use_syslog, int level)
{
	size_t n = strlen(ident);

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

void
log_msg(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX], ts[TIMEFMT_LEN];
	va_list ap;
	size_t off, len, i;
	int n, saved = errno;

	if (level > log_level)
		return;
	if (log_syslog) {
		off = 0;
	} else {
		timefmt_format(timefmt_now_ms(), ts, sizeof(ts));
		n = snprintf(line, sizeof(line), "%s %s[%ld] %s: ", ts,
		    log_ident, (long)getpid(), log_level_name(level));
		off = n < 0 ? 0 : (size_t)n;
		if (off >= sizeof(line))
			off = sizeof(line) - 1;
	}
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof(line) - off, fmt, ap);
	va_end(ap);
	len = n < 0 ? off : off + (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;		/* truncated; keep room for '\n' */
	for (i = off; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	if (log_syslog) {
		line[len] = '\0';
		syslog(level, "%s", line);
	} else {
		line[len++] = '\n';
		/* Best effort: a failed log write has nowhere to be reported. */
		ssize_t w = write(STDERR_FILENO, line, len);
		(void)w;
	}
	errno = saved;
}

/* Append [p, p+n) to out at *o, keeping room for the NUL. */
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
