/*
 * lock.h - one active sender per environment: flock(DATA_DIR/sender.lock).
 *
 * The kernel drops the lock when its holder exits or dies, so a crashed
 * sender leaves nothing to clean up (docs/delivery.md says why this beats
 * per-delivery leases).
 */
#ifndef HOOKD_SENDER_LOCK_H
#define HOOKD_SENDER_LOCK_H

#include <signal.h>
#include <stddef.h>

/*
 * Take the lock.  wait 0: return 1 at once if another process holds it.
 * wait 1: log once that we wait, then retry until it is ours or *stop
 * becomes non-zero (returns 1 then).  Returns 0 with the open descriptor in
 * *fdp (keep it open while sending), 1 not taken, -1 error with err.
 */
int lock_take(const char *data_dir, int wait,
    const volatile sig_atomic_t *stop, int *fdp, char *err, size_t errlen);

#endif
