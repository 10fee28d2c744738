/*
 * replmember.h - a replication group's membership: changing it from a
 * short-lived process of one of its sites (hookd-repl --remove-site), and
 * reading this site's copy of Berkeley DB's group membership database.
 * Berkeley DB keeps the members in that database, replicated like any
 * other: a site stays a member (counted for quorums and elections) until
 * the master removes it.  The why and the conditions are in replmember.c;
 * the user's side in docs/operations.md "Adding and removing a site".
 */
#ifndef HOOKD_DB_REPLMEMBER_H
#define HOOKD_DB_REPLMEMBER_H

#include <stddef.h>

#include "db/repl.h"
#include "db/store.h"
#include "lib/replconf.h"

/* The members a membership database lists: addresses as repl_info's
 * ("host:port", replconf_addr_format), this site's own included. */
struct replmember_list {
	char addr[REPL_SITES_MAX + 1][REPL_ADDR_MAX + 1];
	size_t n;
};

/*
 * Ask the group's master to remove the site at a from the group.  s is
 * opened with store_opts.repl and repl_process (the environment only) by
 * a process that is not the site's hookd-repl, while that hookd-repl
 * runs: this process joins the replication manager as a subordinate for
 * the request.  The caller has checked that a is a member, is not this
 * site and is down (repl/remove.c).  STORE_OK once the master has
 * committed the removal (a that was no member by then: STORE_OK too);
 * STORE_ERR with err otherwise (no master known, the master unreachable,
 * a is the master, the change not acknowledged in time: these after
 * asking again for 8 s; no hookd-repl running on this site).
 */
int replmember_remove(struct store *s, const struct replconf_addr *a,
    char *err, size_t errlen);

/*
 * The members this site's copy of the group membership database lists
 * (any status but removed: being added, present, being removed), read
 * through a database handle of this process's own (s opened with
 * store_opts.repl).  It is what the replication manager reloads its list
 * of sites from whenever it applies a membership change.  STORE_OK;
 * STORE_NOTFOUND when the database is not here (yet: a client before its
 * first synchronisation), lists more sites than out holds or holds a
 * record of another layout than Berkeley DB 5.3's (replmember.c); STORE_ERR
 * with err (a lock conflict with the change being applied, a handle made
 * stale by a synchronisation: try again later).
 */
int replmember_list(struct store *s, struct replmember_list *out, char *err,
    size_t errlen);

#endif
