/*
 * replmember.h - changing a replication group's membership from a
 * short-lived process of one of its sites (hookd-repl --remove-site).
 * Berkeley DB keeps the members in its group membership database,
 * replicated like any other: a site stays a member (counted for quorums
 * and elections) until the master removes it.  The why and the
 * conditions are in replmember.c; the user's side in docs/operations.md
 * "Adding and removing a site".
 */
#ifndef HOOKD_DB_REPLMEMBER_H
#define HOOKD_DB_REPLMEMBER_H

#include <stddef.h>

#include "db/store.h"
#include "lib/replconf.h"

/*
 * Ask the group's master to remove the site at a from the group.  s is
 * opened with store_opts.repl and repl_process (the environment only) by
 * a process that is not the site's hookd-repl, while that hookd-repl
 * runs: this process joins the replication manager as a subordinate for
 * the request.  The caller has checked that a is a member, is not this
 * site and is down (repl/remove.c).  STORE_OK once the master has
 * committed the removal (a that was no member by then: STORE_OK too);
 * STORE_ERR with err otherwise (no master known, the master unreachable,
 * a is the master, no hookd-repl running on this site).
 */
int replmember_remove(struct store *s, const struct replconf_addr *a,
    char *err, size_t errlen);

#endif
