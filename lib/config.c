/*
 * config.c - hookd.conf parsing (see config.h and docs/man/hookd.conf.5).
 *
 * Syntax: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored (there are no trailing comments:
 * a '#' inside a value is part of it).  Key and value are trimmed of
 * blanks; a CR before the LF is dropped; quotes are not special.  Every
 * key may appear once.  Any error stops the parse with "FILE:LINE: ...".
 *
 * config_parse() starts from config_defaults(), so the result depends on
 * the text only, and checks the required keys like config_load() does.
 * Error messages never contain the admin token.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "lib/config.h"
#include "lib/confsecret.h"
#include "lib/confval.h"
#include "lib/egress.h"
#include "lib/keyfile.h"
#include "lib/netaddr.h"
#include "lib/num.h"
#include "lib/replconf.h"
#include "lib/str.h"

#define CONFIG_FILE_MAX (1024 * 1024)	/* larger files are refused */
#define CONFIG_LINE_MAX 8192
#define CONFIG_REASON_MAX (PATH_MAX + 200)
#define CONFIG_EVENT_BYTES_MAX ((size_t)256 * 1024 * 1024)

static const char config_default_retry[] = "0,5s,5m,30m,2h,5h,10h,14h,20h,24h";

/* Parse state shared by the key handlers. */
struct cstate {
	struct config *c;
	const char *name;		/* file name for messages */
	char reason[CONFIG_REASON_MAX];	/* a handler's explanation */
	int token_line;			/* line of admin_token[_file], 0 if none */
	const char *key;		/* the key being set */
};

typedef int (*config_setter)(struct cstate *, const char *);

static void
reason(struct cstate *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reason(struct cstate *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->reason, sizeof(st->reason), fmt, ap);
	va_end(ap);
}

/*
 * Split a comma list in place and call fn on each trimmed item.  An empty
 * item is an error, except that an empty value is an empty list when
 * empty_ok.  Returns 0 or -1 (reason set).
 */
static int
each_item(struct cstate *st, char *v, int empty_ok,
    int (*fn)(struct cstate *, const char *, size_t), size_t *count)
{
	char *p = v, *comma, *item;

	*count = 0;
	if (*v == '\0') {
		if (empty_ok)
			return 0;
		reason(st, "empty list");
		return -1;
	}
	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		item = confval_trim(p);
		if (*item == '\0') {
			reason(st, "empty list item");
			return -1;
		}
		if (fn(st, item, *count) == -1)
			return -1;
		(*count)++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* A path value: non-empty, fits PATH_MAX. */
static int
set_path(struct cstate *st, char *dst, const char *v)
{
	if (*v == '\0') {
		reason(st, "empty path");
		return -1;
	}
	if (str_copy(dst, PATH_MAX, v) == -1) {
		reason(st, "path too long");
		return -1;
	}
	return 0;
}

static int
set_data_dir(struct cstate *st, const char *v)
{
	return set_path(st, st->c->data_dir, v);
}

static int
set_status_dir(struct cstate *st, const char *v)
{
	return set_path(st, st->c->status_dir, v);
}

static int
set_admin_token(struct cstate *st, const char *v)
{
	return confsecret_token(v, strlen(v), st->c->admin_token, st->reason,
	    sizeof(st->reason));
}

static int
set_admin_token_file(struct cstate *st, const char *v)
{
	return confsecret_token_file(st->name, v, st->c->admin_token,
	    st->reason, sizeof(st->reason));
}

static int
set_encryption_key_file(struct cstate *st, const char *v)
{
	return confsecret_key_file(st->name, v, st->c->encryption_key_file,
	    sizeof(st->c->encryption_key_file), st->reason,
	    sizeof(st->reason));
}

/* A size of 1 to 256M into *out. */
static int
size_key(struct cstate *st, const char *v, size_t *out)
{
	size_t n;

	if (confval_size(v, &n) == -1 || n == 0 ||
	    n > CONFIG_EVENT_BYTES_MAX) {
		reason(st, "expected a size from 1 to 256M (e.g. 262144, 256K)");
		return -1;
	}
	*out = n;
	return 0;
}

static int
set_max_event_bytes(struct cstate *st, const char *v)
{
	return size_key(st, v, &st->c->max_event_bytes);
}

static int
set_max_batch_bytes(struct cstate *st, const char *v)
{
	return size_key(st, v, &st->c->max_batch_bytes);
}

static int
retry_item(struct cstate *st, const char *item, size_t i)
{
	int64_t ms;

	if (i >= CONFIG_RETRY_MAX) {
		reason(st, "more than %d steps", CONFIG_RETRY_MAX);
		return -1;
	}
	if (confval_duration(item, &ms) == -1) {
		reason(st, "'%.40s' is not a duration (e.g. 0, 500ms, 5s, 5m, "
		    "2h, 1d)", item);
		return -1;
	}
	st->c->retry_schedule[i] = ms;
	return 0;
}

static int
set_retry_schedule(struct cstate *st, const char *v)
{
	char tmp[CONFIG_LINE_MAX];
	size_t count;

	if (str_copy(tmp, sizeof(tmp), v) == -1) {
		reason(st, "too long");
		return -1;
	}
	if (each_item(st, tmp, 0, retry_item, &count) == -1)
		return -1;
	st->c->retry_count = count;
	return 0;
}

/* A duration that must be > 0. */
static int
set_positive_duration(struct cstate *st, const char *v, int64_t *dst)
{
	int64_t ms;

	if (confval_duration(v, &ms) == -1 || ms <= 0) {
		reason(st, "expected a duration above zero (e.g. 500ms, 5s, "
		    "5m, 2h, 1d)");
		return -1;
	}
	*dst = ms;
	return 0;
}

static int
set_timeout(struct cstate *st, const char *v)
{
	return set_positive_duration(st, v, &st->c->timeout_ms);
}

static int
set_connect_timeout(struct cstate *st, const char *v)
{
	return set_positive_duration(st, v, &st->c->connect_timeout_ms);
}

static int
set_disable_after(struct cstate *st, const char *v)
{
	return set_positive_duration(st, v, &st->c->disable_after_ms);
}

static int
set_retention(struct cstate *st, const char *v)
{
	return set_positive_duration(st, v, &st->c->retention_ms);
}

static int
set_poll_interval(struct cstate *st, const char *v)
{
	return set_positive_duration(st, v, &st->c->poll_interval_ms);
}

static int
set_range(struct cstate *st, const char *v, unsigned lo, unsigned hi,
    unsigned *dst)
{
	uint64_t n;

	if (num_parse_u64(v, NUM_CSTR, lo, hi, &n, NULL) == -1) {
		reason(st, "expected an integer from %u to %u", lo, hi);
		return -1;
	}
	*dst = (unsigned)n;
	return 0;
}

static int
set_concurrency(struct cstate *st, const char *v)
{
	return set_range(st, v, 1, 10000, &st->c->concurrency);
}

static int
set_per_webhook_concurrency(struct cstate *st, const char *v)
{
	return set_range(st, v, 1, 1000, &st->c->per_webhook_concurrency);
}

/* 1..256: cgi/fcgi.h's FCGI_THREADS_MAX (lib/ does not include cgi/). */
static int
set_fastcgi_threads(struct cstate *st, const char *v)
{
	return set_range(st, v, 1, 256, &st->c->fastcgi_threads);
}

static int
set_bool(struct cstate *st, const char *v, int *dst)
{
	if (confval_bool(v, dst) == -1) {
		reason(st, "expected yes or no");
		return -1;
	}
	return 0;
}

static int
set_allow_private_targets(struct cstate *st, const char *v)
{
	return set_bool(st, v, &st->c->allow_private_targets);
}

static int
set_require_https(struct cstate *st, const char *v)
{
	return set_bool(st, v, &st->c->require_https);
}

static int
cidr_item(struct cstate *st, const char *item, size_t i)
{
	if (i >= CONFIG_CIDR_MAX) {
		reason(st, "more than %d entries", CONFIG_CIDR_MAX);
		return -1;
	}
	if (netaddr_parse_cidr(item, &st->c->allow_targets[i]) == -1) {
		reason(st, "'%.60s' is not an address or CIDR (e.g. "
		    "10.0.0.0/8, fd00::/8)", item);
		return -1;
	}
	return 0;
}

static int
set_allow_targets(struct cstate *st, const char *v)
{
	char tmp[CONFIG_LINE_MAX];
	size_t count;

	if (str_copy(tmp, sizeof(tmp), v) == -1) {
		reason(st, "too long");
		return -1;
	}
	if (each_item(st, tmp, 1, cidr_item, &count) == -1)
		return -1;
	st->c->allow_count = count;
	return 0;
}

static int
set_durability(struct cstate *st, const char *v)
{
	if (strcmp(v, "sync") == 0)
		st->c->nosync = 0;
	else if (strcmp(v, "nosync") == 0)
		st->c->nosync = 1;
	else {
		reason(st, "expected sync or nosync");
		return -1;
	}
	return 0;
}

/* An event type: dot-separated non-empty segments of [a-z0-9_]. */
static int
type_item(struct cstate *st, const char *item, size_t i)
{
	size_t n = strlen(item), j;
	int dots = 0;

	if (i >= CONFIG_TYPES_MAX) {
		reason(st, "more than %d event types", CONFIG_TYPES_MAX);
		return -1;
	}
	if (n >= CONFIG_TYPE_LEN) {
		reason(st, "an event type is longer than %d characters",
		    CONFIG_TYPE_LEN - 1);
		return -1;
	}
	for (j = 0; j < n; j++) {
		char ch = item[j];

		if (ch == '.') {
			if (j == 0 || j == n - 1 || item[j - 1] == '.')
				goto bad;
			dots++;
		} else if (!((ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '_')) {
			goto bad;
		}
	}
	if (dots == 0)
		goto bad;
	for (j = 0; j < i; j++) {
		if (strcmp(st->c->event_types[j], item) == 0) {
			reason(st, "'%.60s' is listed twice", item);
			return -1;
		}
	}
	memcpy(st->c->event_types[i], item, n + 1);
	return 0;
bad:
	reason(st, "'%.60s' is not a dotted lower-case name like "
	    "user.profile.update", item);
	return -1;
}

static int
set_event_types(struct cstate *st, const char *v)
{
	char tmp[CONFIG_LINE_MAX];
	size_t count;

	if (str_copy(tmp, sizeof(tmp), v) == -1) {
		reason(st, "too long");
		return -1;
	}
	if (each_item(st, tmp, 1, type_item, &count) == -1)
		return -1;
	st->c->event_type_count = count;
	return 0;
}

static int
set_event_schemas_dir(struct cstate *st, const char *v)
{
	return set_path(st, st->c->event_schemas_dir, v);
}

static int
set_validate_events(struct cstate *st, const char *v)
{
	return set_bool(st, v, &st->c->validate_events);
}

static int
set_log(struct cstate *st, const char *v)
{
	if (strcmp(v, "stderr") == 0)
		st->c->log_syslog = 0;
	else if (strcmp(v, "syslog") == 0)
		st->c->log_syslog = 1;
	else {
		reason(st, "expected stderr or syslog");
		return -1;
	}
	return 0;
}

static int
set_log_level(struct cstate *st, const char *v)
{
	if (strcmp(v, "error") == 0)
		st->c->log_level = LOG_ERR;
	else if (strcmp(v, "warning") == 0)
		st->c->log_level = LOG_WARNING;
	else if (strcmp(v, "info") == 0)
		st->c->log_level = LOG_INFO;
	else if (strcmp(v, "debug") == 0)
		st->c->log_level = LOG_DEBUG;
	else {
		reason(st, "expected error, warning, info or debug");
		return -1;
	}
	return 0;
}

/* tls_client_cert, tls_client_key, tls_ca_file, proxy: egress.c */
static int
set_egress(struct cstate *st, const char *v)
{
	return egress_set(st->c, st->key, v, st->reason, sizeof(st->reason));
}

/* A replication key (lib/replconf.c): 1 not one, 0 set, -1 err written. */
static int
config_repl(struct cstate *st, const char *key, const char *val, int lineno,
    char *err, size_t errlen)
{
	int r;

	st->reason[0] = '\0';
	if ((r = replconf_set(&st->c->repl, key, val, st->reason,
	    sizeof(st->reason))) == -1)
		snprintf(err, errlen, "%s:%d: bad value for %s: %s", st->name,
		    lineno, key, st->reason);
	return r;
}

static const struct {
	const char *key;
	config_setter set;
} config_keys[] = {
	{"data_dir", set_data_dir},
	{"admin_token", set_admin_token},
	{"admin_token_file", set_admin_token_file},
	{"status_dir", set_status_dir},
	{"max_event_bytes", set_max_event_bytes},
	{"max_batch_bytes", set_max_batch_bytes},
	{"retry_schedule", set_retry_schedule},
	{"timeout", set_timeout},
	{"connect_timeout", set_connect_timeout},
	{"concurrency", set_concurrency},
	{"per_webhook_concurrency", set_per_webhook_concurrency},
	{"fastcgi_threads", set_fastcgi_threads},
	{"allow_private_targets", set_allow_private_targets},
	{"allow_targets", set_allow_targets},
	{"require_https", set_require_https},
	{"disable_after", set_disable_after},
	{"retention", set_retention},
	{"durability", set_durability},
	{"poll_interval", set_poll_interval},
	{"event_types", set_event_types},
	{"event_schemas_dir", set_event_schemas_dir},
	{"validate_events", set_validate_events},
	{"log", set_log},
	{"log_level", set_log_level},
	{"tls_client_cert", set_egress},
	{"tls_client_key", set_egress},
	{"tls_ca_file", set_egress},
	{"proxy", set_egress},
	{"encryption_key_file", set_encryption_key_file},
};
#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

void
config_defaults(struct config *c)
{
	struct cstate st;
	char tmp[sizeof(config_default_retry)];
	size_t count;

	memset(c, 0, sizeof(*c));
	memcpy(c->data_dir, "/var/lib/hookd", sizeof("/var/lib/hookd"));
	memcpy(c->status_dir, "/var/www/hookd", sizeof("/var/www/hookd"));
	c->max_event_bytes = 262144;
	c->max_batch_bytes = (size_t)4 * 1024 * 1024;
	memset(&st, 0, sizeof(st));
	st.c = c;
	memcpy(tmp, config_default_retry, sizeof(tmp));
	if (each_item(&st, tmp, 0, retry_item, &count) == 0)
		c->retry_count = count;
	c->timeout_ms = 15 * 1000;
	c->connect_timeout_ms = 5 * 1000;
	c->concurrency = 64;
	c->per_webhook_concurrency = 4;
	c->fastcgi_threads = CONFIG_FASTCGI_THREADS;
	c->allow_private_targets = 0;
	c->allow_count = 0;
	c->require_https = 0;
	c->disable_after_ms = (int64_t)5 * 86400 * 1000;
	c->retention_ms = (int64_t)30 * 86400 * 1000;
	c->nosync = 0;
	c->poll_interval_ms = 1000;
	c->event_type_count = 0;
	c->validate_events = 1;
	c->log_syslog = 0;
	c->log_level = LOG_INFO;
	replconf_defaults(&c->repl);
}

int
config_parse(struct config *c, const char *name, const char *text,
    size_t len, char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX];
	int seen[CONFIG_NKEYS];
	struct cstate st;
	size_t pos = 0, n, k;
	int lineno = 0;
	char *key, *val, *eq;
	const char *nl;
	int rr;

	config_defaults(c);
	memset(seen, 0, sizeof(seen));
	memset(&st, 0, sizeof(st));
	st.c = c;
	st.name = name;
	if (str_copy(c->path, sizeof(c->path), name) == -1) {
		snprintf(err, errlen, "%.200s...: file name too long", name);
		return -1;
	}
	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line longer than %d "
			    "bytes", name, lineno, CONFIG_LINE_MAX - 1);
			return -1;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte in line",
			    name, lineno);
			return -1;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		key = confval_trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected \"key = "
			    "value\"", name, lineno);
			return -1;
		}
		*eq = '\0';
		val = confval_trim(eq + 1);
		key = confval_trim(key);
		for (k = 0; k < CONFIG_NKEYS; k++)
			if (strcmp(key, config_keys[k].key) == 0)
				break;
		if (k == CONFIG_NKEYS) {
			rr = config_repl(&st, key, val, lineno, err, errlen);
			if (rr == -1)
				return -1;
			if (rr == 0)
				continue;
		}
		if (k == CONFIG_NKEYS) {
			snprintf(err, errlen, "%s:%d: unknown key '%.64s'",
			    name, lineno, key);
			return -1;
		}
		if (seen[k]) {
			snprintf(err, errlen, "%s:%d: duplicate key '%s' "
			    "(first on line %d)", name, lineno, key, seen[k]);
			return -1;
		}
		seen[k] = lineno;
		if (config_keys[k].set == set_admin_token ||
		    config_keys[k].set == set_admin_token_file) {
			if (st.token_line != 0) {
				snprintf(err, errlen, "%s:%d: give either "
				    "admin_token or admin_token_file, not both "
				    "(first on line %d)", name, lineno,
				    st.token_line);
				return -1;
			}
			st.token_line = lineno;
		}
		st.reason[0] = '\0';
		st.key = key;
		if (config_keys[k].set(&st, val) == -1) {
			snprintf(err, errlen, "%s:%d: bad value for %s: %s",
			    name, lineno, key, st.reason);
			return -1;
		}
	}
	if (replconf_check(&c->repl, st.reason, sizeof(st.reason)) == -1) {
		snprintf(err, errlen, "%s: %s", name, st.reason);
		return -1;
	}
	if (c->admin_token[0] == '\0') {
		snprintf(err, errlen, "%s: admin_token (or admin_token_file) "
		    "is required", name);
		return -1;
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int r = -1;

	if (path == NULL || *path == '\0')
		path = getenv("HOOKD_CONF");
	if (path == NULL || *path == '\0')
		path = CONFIG_DEFAULT_PATH;
	config_defaults(c);
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		goto done;
	}
	text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno));
		goto done;
	}
	if (len > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    CONFIG_FILE_MAX);
		goto done;
	}
	r = config_parse(c, path, text, len, err, errlen);
done:
	free(text);
	if (f != NULL)
		fclose(f);
	return r;
}
