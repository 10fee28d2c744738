/*
 * replstate.h - the replication process's view of the group, published in
 * data_dir/repl.state for the site's other processes (the API, the
 * sender), which cannot ask Berkeley DB whether hookd-repl is alive or
 * whether the master's connection is up (db/repl.c says why).
 *
 * hookd-repl rewrites the file (write + rename: readers see a whole one)
 * every REPLSTATE_EVERY_MS and at each change; a file older than
 * REPLSTATE_STALE_MS means no live replication process: role "none".
 * The file holds addresses, roles and public URLs, never a secret.
 */
#ifndef HOOKD_REPLSTATE_H
#define HOOKD_REPLSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/replconf.h"

#define REPLSTATE_FILE "repl.state"
#define REPLSTATE_EVERY_MS 200
#define REPLSTATE_STALE_MS 2000
#define REPLSTATE_SITES_MAX 32
#define REPLSTATE_ADDR_MAX (REPLCONF_HOST_MAX + 8)

enum replstate_role {
	REPLSTATE_NONE = 0,	/* no live master known (or not replicated) */
	REPLSTATE_MASTER = 1,	/* this site is the master */
	REPLSTATE_CLIENT = 2,	/* a client, and a live master is known */
};

struct replstate_site {
	char addr[REPLSTATE_ADDR_MAX + 1];	/* "host:port" */
	int master;		/* 1: the master; 0: a client */
	int connected;		/* this site, or connected to it */
	int64_t lag_bytes;	/* -1 when unknown */
};

struct replstate {
	int64_t at;		/* written, ms since the epoch */
	int role;		/* enum replstate_role */
	/* The master's public_url ("" unless role is MASTER or CLIENT) and
	 * its replication address ("" when none is known). */
	char master_url[REPLCONF_URL_MAX + 1];
	char master_addr[REPLSTATE_ADDR_MAX + 1];
	struct replstate_site sites[REPLSTATE_SITES_MAX];	/* self first */
	size_t nsites;
};

/* Publish st in dir (data_dir).  0, or -1 with err. */
int replstate_write(const char *dir, const struct replstate *st, char *err,
    size_t errlen);

/* Remove the file (hookd-repl stopping: role "none" at once). */
void replstate_remove(const char *dir);

/*
 * Read dir's file into *st.  A missing, unreadable, malformed or stale
 * file (older than REPLSTATE_STALE_MS at now_ms) gives role NONE with no
 * master and no sites, and 0: that is the answer, not an error.
 */
void replstate_read(const char *dir, int64_t now_ms, struct replstate *st);

/* "master", "client" or "none". */
const char *replstate_role_name(int role);

#endif
