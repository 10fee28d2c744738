/*
 * replelect.h - restarting the replication manager's elections when it
 * has stopped holding them (the why is in replelect.c).  For the
 * replication process only (the one that called repl_start).
 */
#ifndef HOOKD_DB_REPLELECT_H
#define HOOKD_DB_REPLELECT_H

#include <stddef.h>

#include "db/store.h"

/* What replelect_restart did. */
#define REPLELECT_NONE		0	/* nothing: master, or elections run */
#define REPLELECT_STARTED	1	/* restarted: an election runs */
#define REPLELECT_NOT_NEEDED	2	/* restarted: a master is connected
					 * as far as repmgr knows, none runs */

/*
 * If this site is not the master and the replication manager has no
 * election thread (none running, none waiting to retry), make it look
 * again whether it needs an election: it starts one when it has no
 * connected master.  *did is one of REPLELECT_*.  An election started so
 * is an ordinary election of the group (a majority of votes elects), the
 * one the replication manager would have retried by itself.  0, or
 * STORE_ERR with err.
 */
int replelect_restart(struct store *s, int *did, char *err, size_t errlen);

#endif
