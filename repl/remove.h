/*
 * remove.h - hookd-repl --remove-site HOST:PORT: take a stopped site out
 * of this site's replication group (docs/man/hookd-repl.8 has the exit
 * statuses and messages, docs/operations.md "Adding and removing a
 * site" the procedure).
 */
#ifndef HOOKD_REPL_REMOVE_H
#define HOOKD_REPL_REMOVE_H

#include <stddef.h>

#include "lib/config.h"

/* remove_site's answers besides 0 (removed): hookd-repl's exit status. */
#define REMOVE_RUNTIME	1	/* try again: no master, an open failed */
#define REMOVE_REFUSED	2	/* the request is wrong as it stands */

/*
 * Remove the site whose replication address is addr ("host:port", as in
 * its replication_listen) from the group of the site configured by cfg,
 * whose hookd-repl must be running.  Refused (REMOVE_REFUSED, err says
 * what to do) when addr is this site, not a member, still connected to
 * this site's hookd-repl, or would leave two sites with
 * replication_ack = quorum.  0 once the master has removed it (and this
 * site's hookd-repl has seen it);
 * REMOVE_RUNTIME or REMOVE_REFUSED with err.
 */
int remove_site(const struct config *cfg, const char *addr, char *err,
    size_t errlen);

#endif
