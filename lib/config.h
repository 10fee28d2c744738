/*
 * config.h - hookd.conf: "key = value" lines, '#' comments.
 *
 * Every key of docs/man/hookd.conf.5 has its default here.  Durations take a unit
 * (ms, s, m, h, d: "500ms", "5s", "2h"; a bare 0 is zero); sizes take an
 * optional K/M/G suffix (powers of 1024); booleans are yes/no, true/false,
 * on/off, 1/0; lists are comma-separated.  Among them log (stderr|syslog)
 * and log_level.
 */
#ifndef HOOKD_CONFIG_H
#define HOOKD_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/egress.h"
#include "lib/netaddr.h"
#include "lib/replconf.h"

#define CONFIG_DEFAULT_PATH "/etc/hookd/hookd.conf"
#define CONFIG_TOKEN_MAX 256
#define CONFIG_RETRY_MAX 32
#define CONFIG_CIDR_MAX 64
#define CONFIG_TYPES_MAX 64
#define CONFIG_TYPE_LEN 128
#define CONFIG_FASTCGI_THREADS 16	/* default; docs/performance.md */

struct config {
	char path[PATH_MAX];		/* the file actually read */
	char data_dir[PATH_MAX];
	char admin_token[CONFIG_TOKEN_MAX + 1];	/* secret: never log */
	char status_dir[PATH_MAX];
	char encryption_key_file[PATH_MAX];	/* "" when none (keyfile.h) */
	size_t max_event_bytes;
	size_t max_batch_bytes;	/* body of POST /v1/events/batch */
	int64_t retry_schedule[CONFIG_RETRY_MAX];	/* ms, delay before attempt i */
	size_t retry_count;
	int64_t timeout_ms;
	int64_t connect_timeout_ms;
	unsigned concurrency;
	unsigned per_webhook_concurrency;
	unsigned fastcgi_threads;	/* hookd.fcgi's request threads, 1..256 */
	int allow_private_targets;
	struct netaddr_cidr allow_targets[CONFIG_CIDR_MAX];
	size_t allow_count;
	int require_https;
	int64_t disable_after_ms;
	int64_t retention_ms;
	int nosync;			/* durability = nosync */
	int64_t poll_interval_ms;
	char event_types[CONFIG_TYPES_MAX][CONFIG_TYPE_LEN];	/* extra catalog entries */
	size_t event_type_count;
	char event_schemas_dir[PATH_MAX];	/* "": none (lib/catalog.h) */
	int validate_events;		/* refuse data its schema refuses */
	int log_syslog;			/* log = syslog */
	int log_level;			/* LOG_ERR..LOG_DEBUG (syslog.h) */
	/* egress.h: "" when not set */
	char tls_client_cert[PATH_MAX];
	char tls_client_key[PATH_MAX];
	char tls_ca_file[PATH_MAX];
	char proxy[EGRESS_PROXY_MAX + 1];
	struct replconf repl;		/* replication keys (replconf.h) */
};

/* Fill c with every default.  admin_token is left empty. */
void config_defaults(struct config *c);

/*
 * Load the config: path if not NULL, else $HOOKD_CONF, else
 * CONFIG_DEFAULT_PATH.  Returns 0, or -1 with "FILE:LINE: message" (or
 * "FILE: message") in err.  A missing admin_token is an error.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* Parse one string into c as if it were the content of a file named name. */
int config_parse(struct config *c, const char *name, const char *text,
    size_t len, char *err, size_t errlen);


#endif
