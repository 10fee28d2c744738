/*
 * periodic.h - a thread that calls fn(arg) every ms milliseconds until it
 * is stopped.
 *
 * The first call comes one period after the start; the period is measured
 * on CLOCK_MONOTONIC from the end of the wait, so a slow fn delays the next
 * call rather than crowding them.  periodic_stop wakes the thread at once
 * (no waiting out the period), lets a call in progress finish, and joins.
 * fn runs on the periodic thread: what it shares with other threads it
 * must lock (or read and write atomically) itself.
 *
 * A struct periodic belongs to its caller (embed it, zeroed: zero means not
 * running).  One start, one stop; it may be started again after the stop.
 */
#ifndef HOOKD_PERIODIC_H
#define HOOKD_PERIODIC_H

#include <pthread.h>

struct periodic {
	pthread_t thread;
	pthread_mutex_t mu;	/* guards stop */
	pthread_cond_t cv;	/* signalled by periodic_stop */
	long ms;
	void (*fn)(void *arg);
	void *arg;
	int stop;
	int running;		/* started and not yet joined */
};

/* Start the thread; ms < 1 counts as 1.  0, or -1 (nothing started). */
int periodic_start(struct periodic *p, long ms, void (*fn)(void *arg),
    void *arg);
/* Stop and join the thread; nothing when it is not running. */
void periodic_stop(struct periodic *p);

#endif
