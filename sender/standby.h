/*
 * standby.h - the sender on a replicated site (docs/delivery.md
 * "Replication"): it delivers only while its site is the master.  A
 * client's --once sends nothing and exits 0; --loop idles until the site
 * becomes master, delivers, and idles again if it stops being master.
 * Without replication_listen the site is always "master" here.
 *
 * Nothing strands a delivery across a failover: the sender claims the
 * deliveries it works on in its own memory only (no lease is written),
 * so every pending delivery is in the new master's due index, and an
 * attempt in flight on the old master may be made again (at least once).
 */
#ifndef HOOKD_SENDER_STANDBY_H
#define HOOKD_SENDER_STANDBY_H

#include <signal.h>

#include "db/store.h"
#include "lib/config.h"

#define STANDBY_CHECK_MS 250	/* the role is read at most this often */

/* 1 if this site may deliver now (the master, or not replicated). */
int standby_master(const struct config *cfg);

/* 1 once this site has stopped being the master (cached for
 * STANDBY_CHECK_MS): run.c's hook, arg is the config. */
int standby_demoted(const void *arg);

/*
 * --loop on a site that is not the master: wait until it is (1) or *stop
 * (0), writing the status page every RUN_STATUS_EVERY_MS meanwhile.
 */
int standby_wait(struct store *st, const struct config *cfg,
    const volatile sig_atomic_t *stop, int sigfd);

#endif
