/* house.c - the housekeeping thread of --loop (see house.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/timefmt.h"
#include "sender/house.h"
#include "sender/purge.h"
#include "sender/status.h"

struct house {
	struct store *store;
	const struct config *cfg;
	volatile sig_atomic_t *stop;	/* the caller's, may be NULL */
	struct house_intervals iv;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* CLOCK_MONOTONIC */
	int quit;			/* under mu: house_stop was called */
	/* purge_run's stop flag: set (atomically) by house_stop, or by the
	 * thread when it sees *stop.  Read without mu, between batches. */
	volatile sig_atomic_t pstop;
	/* the thread's own, mono ms: when each job is due next */
	int64_t next_status, next_ckpt, next_purge;
};

/* 1 if the thread should end: house_stop called or *stop set.  Sets pstop
 * so that purge_run ends too.  Call with mu held. */
static int
house_quitting(struct house *h)
{
	if (!h->quit && (h->stop == NULL || !__atomic_load_n(h->stop, __ATOMIC_ACQUIRE)))
		return 0;
	__atomic_store_n(&h->pstop, 1, __ATOMIC_SEQ_CST);
	return 1;
}

/* 1 if a job under way should stop at its next step (no mu needed). */
static int
house_stopping(struct house *h)
{
	return __atomic_load_n(&h->pstop, __ATOMIC_SEQ_CST) ||
	    (h->stop != NULL && __atomic_load_n(h->stop, __ATOMIC_ACQUIRE));
}

/* The jobs themselves, each logging its own failure (house.h), shared
 * by the thread and house_round. */
static void
house_checkpoint(struct store *s)
{
	char e[256];

	if (store_checkpoint(s, e, sizeof(e)) != STORE_OK)
		log_err("checkpoint: %s", e);
}

/* A retention pass; it stops between batches once *stop is set. */
static void
house_retention(struct store *s, const struct config *cfg,
    volatile sig_atomic_t *stop)
{
	struct purge_counts pc;
	char e[256];

	if (purge_run(s, cfg, timefmt_now_ms(), stop, &pc, e,
	    sizeof(e)) == -1)
		log_err("retention: %s", e);
	else if (pc.deliveries > 0 || pc.events > 0)
		log_info("retention: purged %llu deliveries, %llu events",
		    (unsigned long long)pc.deliveries,
		    (unsigned long long)pc.events);
}

static void
house_status(struct store *s, const struct config *cfg, const char *pass)
{
	char e[256];

	if (status_write(s, cfg, pass, e, sizeof(e)) == -1)
		log_err("status page: %s", e);
}

static void
house_purge(struct house *h)
{
	house_retention(h->store, h->cfg, &h->pstop);
	if (!house_stopping(h))	/* a shutdown does not wait for it */
		house_checkpoint(h->store);
}

/* Run the jobs due at now (mono ms), and set when each is due next. */
static void
house_jobs(struct house *h, int64_t now)
{
	if (now >= h->next_status) {
		h->next_status = now + h->iv.status_ms;
		house_status(h->store, h->cfg, "loop");
	}
	if (house_stopping(h))
		return;
	if (now >= h->next_purge) {
		h->next_purge = now + h->iv.purge_ms;
		h->next_ckpt = now + h->iv.checkpoint_ms;
		house_purge(h);
	} else if (now >= h->next_ckpt) {
		h->next_ckpt = now + h->iv.checkpoint_ms;
		house_checkpoint(h->store);
	}
}

static int64_t
house_next(const struct house *h)
{
	int64_t at = h->next_status;

	if (h->next_ckpt < at)
		at = h->next_ckpt;
	if (h->next_purge < at)
		at = h->next_purge;
	return at;
}

/* Sleep until mono ms at or a house_stop.  Call with mu held. */
static void
house_sleep(struct house *h, int64_t at)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(at / 1000);
	ts.tv_nsec = (long)(at % 1000) * 1000000L;
	/* timefmt_mono_ms reads CLOCK_MONOTONIC, the clock of cv.  0 is a
	 * signal (or a spurious wake-up): look at quit again; ETIMEDOUT (or
	 * an error, never looped on) ends the sleep. */
	while (!house_quitting(h) &&
	    pthread_cond_timedwait(&h->cv, &h->mu, &ts) == 0)
		;
}

static void *
house_main(void *arg)
{
	struct house *h = arg;
	int64_t now, at;

	pthread_mutex_lock(&h->mu);
	while (!house_quitting(h)) {
		now = timefmt_mono_ms();
		at = house_next(h);
		if (now < at) {
			house_sleep(h, at);
			continue;
		}
		/* no lock (and no store transaction) is held across a job's
		 * steps and the sleep: house_stop only waits for the step */
		pthread_mutex_unlock(&h->mu);
		house_jobs(h, now);
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static int
house_check_iv(const struct house_intervals *iv, char *err, size_t errlen)
{
	if (iv->status_ms <= 0 || iv->checkpoint_ms <= 0 ||
	    iv->purge_ms <= 0 || iv->purge_first_ms < 0) {
		snprintf(err, errlen, "housekeeping: bad intervals (status "
		    "%lld, checkpoint %lld, purge %lld, first purge %lld ms)",
		    (long long)iv->status_ms, (long long)iv->checkpoint_ms,
		    (long long)iv->purge_ms, (long long)iv->purge_first_ms);
		return -1;
	}
	return 0;
}

int
house_start(struct house **hp, struct store *s, const struct config *cfg,
    volatile sig_atomic_t *stop, const struct house_intervals *iv,
    char *err, size_t errlen)
{
	static const struct house_intervals run_iv = HOUSE_INTERVALS_RUN;
	struct house *h;
	pthread_condattr_t ca;
	sigset_t block, old;
	int64_t start;
	int rc, mu = 0, cv = 0;

	*hp = NULL;
	if (iv == NULL)
		iv = &run_iv;
	if (house_check_iv(iv, err, errlen) == -1)
		return -1;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->store = s;
	h->cfg = cfg;
	h->stop = stop;
	h->iv = *iv;
	start = timefmt_mono_ms();
	h->next_status = start + iv->status_ms;
	h->next_ckpt = start + iv->checkpoint_ms;
	h->next_purge = start + iv->purge_first_ms;
	if ((rc = pthread_mutex_init(&h->mu, NULL)) != 0)
		goto bad;
	mu = 1;
	if ((rc = pthread_condattr_init(&ca)) != 0)
		goto bad;
	if ((rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) == 0)
		rc = pthread_cond_init(&h->cv, &ca);
	(void)pthread_condattr_destroy(&ca);
	if (rc != 0)
		goto bad;
	cv = 1;
	/* the thread inherits this mask: shutdown signals stay with the
	 * caller's threads, which wait on their fds for them */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if ((rc = pthread_sigmask(SIG_BLOCK, &block, &old)) != 0)
		goto bad;
	rc = pthread_create(&h->thread, NULL, house_main, h);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		goto bad;
	*hp = h;
	return 0;
bad:
	snprintf(err, errlen, "housekeeping thread: %s", strerror(rc));
	if (cv)
		pthread_cond_destroy(&h->cv);
	if (mu)
		pthread_mutex_destroy(&h->mu);
	free(h);
	return -1;
}

void
house_stop(struct house *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->quit = 1;
	__atomic_store_n(&h->pstop, 1, __ATOMIC_SEQ_CST);
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

void
house_round(struct store *s, const struct config *cfg,
    volatile sig_atomic_t *stop, int purge, const char *pass)
{
	if (purge) {
		house_retention(s, cfg, stop);
		house_checkpoint(s);
	}
	house_status(s, cfg, pass);
}
