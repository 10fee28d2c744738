/*
 * site.h - hookd-repl's work: keep this site in its replication group
 * (open the environment as the replication process, start Berkeley DB's
 * replication manager, restart it after a panic) and publish what it sees
 * (lib/replstate.h), the master's public_url (db/repl.h) and the
 * encryption check.  main.c runs site_tick every REPLSTATE_EVERY_MS.
 */
#ifndef HOOKD_REPL_SITE_H
#define HOOKD_REPL_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "db/repl.h"
#include "db/store.h"
#include "lib/config.h"
#include "repl/members.h"

#define SITE_FP_MAX 64		/* the key check: hex SHA-256, or "none" */

struct site {
	const struct config *cfg;	/* borrowed */
	struct store *st;		/* NULL while closed */
	char self[REPL_ADDR_MAX + 1];	/* replication_listen, "host:port" */
	char fp[SITE_FP_MAX + 1];	/* this site's key check */
	int role;			/* last role logged (enum repl_role) */
	char master[REPL_ADDR_MAX + 1];	/* last master logged */
	int url_put;			/* our public_url is in the table */
	int key_ok;			/* the group's key check matched */
	int synced;			/* the master's check matched: sync */
	char master_url[REPLCONF_URL_MAX + 1];	/* cache for the master */
	char url_of[REPL_ADDR_MAX + 1];	/* ... whose address this is */
	int64_t lost_at;	/* ms: since when no master is connected
				 * (0: one is, or we are it) */
	int64_t kicked_at;	/* ms: last election restart (site.c) */
	struct members members;	/* the list of sites checked (members.h) */
};

/* Outcomes of site_open and site_tick besides 0. */
#define SITE_RUNTIME	(-1)	/* error (err): retried after a pause */
#define SITE_FATAL	(-2)	/* the configuration must change (err): exit 2 */

/* Set up s for cfg (nothing opened yet).  0 or SITE_FATAL. */
int site_init(struct site *s, const struct config *cfg, char *err,
    size_t errlen);
/* Open the environment and start replication.  0, SITE_RUNTIME. */
int site_open(struct site *s, char *err, size_t errlen);
/* Look at the group once, log role changes, publish.  0, SITE_RUNTIME
 * (the site was closed: open it again; also when Berkeley DB's list of
 * sites went stale, repl/members.h), SITE_FATAL. */
int site_tick(struct site *s, char *err, size_t errlen);
/* Leave the group (the state file goes first: role none at once). */
void site_close(struct site *s);

#endif
