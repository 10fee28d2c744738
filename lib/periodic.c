/*
 * periodic.c - a thread calling a function at a fixed period (periodic.h).
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "lib/periodic.h"

/* now + ms on CLOCK_MONOTONIC (the clock the condition waits on). */
static void
periodic_deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *
periodic_main(void *arg)
{
	struct periodic *p = arg;
	struct timespec ts;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		periodic_deadline(&ts, p->ms);
		/* wait out the whole period: a spurious wake-up goes on waiting */
		while (!p->stop &&
		    pthread_cond_timedwait(&p->cv, &p->mu, &ts) != ETIMEDOUT)
			;
		if (p->stop)
			break;
		pthread_mutex_unlock(&p->mu);
		p->fn(p->arg);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
periodic_start(struct periodic *p, long ms, void (*fn)(void *arg), void *arg)
{
	pthread_condattr_t ca;
	int mu_ok = 0, cv_ok = 0;

	p->ms = ms < 1 ? 1 : ms;
	p->fn = fn;
	p->arg = arg;
	p->stop = 0;
	p->running = 0;
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		goto bad;
	mu_ok = 1;
	if (pthread_condattr_init(&ca) != 0)
		goto bad;
	cv_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&p->cv, &ca) == 0;
	pthread_condattr_destroy(&ca);
	if (!cv_ok || pthread_create(&p->thread, NULL, periodic_main, p) != 0)
		goto bad;
	p->running = 1;
	return 0;
bad:
	if (cv_ok)
		pthread_cond_destroy(&p->cv);
	if (mu_ok)
		pthread_mutex_destroy(&p->mu);
	return -1;
}

void
periodic_stop(struct periodic *p)
{
	if (!p->running)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	p->running = 0;
}
