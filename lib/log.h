/*
 * log.h - one line per event, to stderr or syslog, with a level.
 *
 * Callers never pass secrets (tokens, keys, webhook secrets) as values;
 * log_redact() exists for the rare value that might carry one (a URL with
 * a query string is logged as scheme://host/path only).
 */
#ifndef HOOKD_LOG_H
#define HOOKD_LOG_H

#include <stddef.h>
#include <syslog.h>

void log_init(const char *ident, int use_syslog, int level);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* Copy url into out without userinfo, query or fragment.  Always NUL-terminates. */
void log_redact_url(const char *url, char *out, size_t outlen);

#endif
