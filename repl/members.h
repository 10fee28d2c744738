/*
 * members.h - hookd-repl's check that the replication manager's list of
 * the group's sites agrees with this site's group membership database
 * (db/replmember.h), and the restart that makes it agree again.  The why
 * is in members.c; docs/operations.md "Adding and removing a site" is the
 * user's side.
 */
#ifndef HOOKD_REPL_MEMBERS_H
#define HOOKD_REPL_MEMBERS_H

#include <stddef.h>
#include <stdint.h>

#include "db/repl.h"
#include "db/store.h"

#define MEMBERS_EVERY_MS	1000	/* read the database this often */
#define MEMBERS_STALE_MS	2000	/* disagreeing this long: restart */
#define MEMBERS_RETRY_MS	10000	/* ... at most this often */

struct members {
	int64_t checked_at;	/* ms: last read of the database */
	int64_t since;		/* ms: disagreeing since (0: they agree) */
	int64_t restarted_at;	/* ms: last restart asked (0: none) */
};

/*
 * On a client caught up with its connected master (ri from repl_info on
 * st, self this site's "host:port"), compare ri's sites with the
 * membership database every MEMBERS_EVERY_MS.  1 when they have disagreed for
 * MEMBERS_STALE_MS and no restart was asked in the last MEMBERS_RETRY_MS:
 * the caller restarts replication (closes and reopens st), err says why
 * for the log.  0 otherwise (also: the database unreadable right now).
 * m starts zeroed and lives across restarts.
 */
int members_check(struct members *m, struct store *st,
    const struct repl_info *ri, const char *self, int64_t now, char *err,
    size_t errlen);

#endif
