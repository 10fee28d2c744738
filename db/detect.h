/*
 * detect.h - the lock detector thread of an open environment (why: in
 * detect.c).  Started after the environment is open, stopped before it is
 * closed.
 */
#ifndef HOOKD_DB_DETECT_H
#define HOOKD_DB_DETECT_H

#include <db.h>

#include "lib/periodic.h"

/* Run env's deadlock detector every lock_timeout_ms/4 (20..500 ms) on p's
 * thread until detect_stop.  0 or -1. */
int detect_start(struct periodic *p, DB_ENV *env, int lock_timeout_ms);
void detect_stop(struct periodic *p);

#endif
