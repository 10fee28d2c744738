/* worker.c - the sender's store thread (see worker.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "lib/arr.h"
#include "lib/log.h"
#include "lib/timefmt.h"
#include "sender/idset.h"
#include "sender/outcome.h"
#include "sender/run.h"
#include "sender/transfer.h"
#include "sender/whtab.h"
#include "sender/worker.h"

struct worker {
	struct store *store;
	const struct config *cfg;
	struct idset *inflight;		/* thread's own */
	struct whtab *wt;		/* thread's own: picks per webhook */
	struct pick_cursor cur;		/* where the next pick starts */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;			/* eventfd: a round is done */
	/* under mu */
	int quit;
	int submitted;			/* a round is with the thread */
	int done;			/* ... and it has finished */
	struct worker_round r;		/* r.done and r.fill point below */
	struct arr jobs;		/* struct job *: done, then fill */
};

/* The jobs come back finished: they stop counting as picks of their
 * webhook (the ids stay in flight until their commit). */
static void
worker_uncount(struct worker *w, struct job **jobs, size_t n)
{
	struct whstate *ws;
	size_t i;

	for (i = 0; i < n; i++) {
		/* a 410: no pick of that webhook for WHTAB_GONE_HOLD_MS (the
		 * main thread holds its transfers; without this, the picks
		 * of a re-enabled webhook would go back unsent every round) */
		if (jobs[i]->kind == JOB_SEND && jobs[i]->status == 410 &&
		    (ws = whtab_get(w->wt, jobs[i]->d.webhook_id)) != NULL)
			ws->gone_at = timefmt_now_ms();
		if (!jobs[i]->counted)
			continue;
		jobs[i]->counted = 0;
		ws = whtab_find(w->wt, jobs[i]->d.webhook_id);
		if (ws != NULL && ws->inflight > 0)
			ws->inflight--;
	}
}

static void
worker_round(struct worker *w, struct worker_round *r)
{
	int64_t t0 = timefmt_mono_ms();
	char e[256];
	size_t i;

	worker_uncount(w, r->done, r->ndone);
	r->commit_ok = outcome_flush(w->store, w->cfg, r->done, r->ndone,
	    r->commit_err, sizeof(r->commit_err)) == 0;
	if (timefmt_mono_ms() - t0 >= RUN_SLOW_MS)
		log_info("slow commit: %lld ms for %zu outcomes",
		    (long long)(timefmt_mono_ms() - t0), r->ndone);
	if (r->commit_ok) {
		char tok[PICK_LANE_TOKEN];

		for (i = 0; i < r->ndone; i++) {
			idset_del(w->inflight, r->done[i]->d.id);
			if (pick_lane_token(&r->done[i]->d, tok))
				idset_del(w->inflight, tok);
		}
	}
	memset(&r->res, 0, sizeof(r->res));
	r->pick_ok = 1;
	if (r->want == 0)
		return;
	t0 = timefmt_mono_ms();
	r->pick_ok = pick_due(w->store, w->cfg, w->inflight, w->wt, &w->cur,
	    r->now, r->horizon_ms, r->fill, r->want, &r->res, r->pick_err,
	    sizeof(r->pick_err)) == 0;
	if (timefmt_mono_ms() - t0 >= RUN_SLOW_MS)
		log_info("slow pick: %lld ms for %zu deliveries (%zu held "
		    "back)", (long long)(timefmt_mono_ms() - t0), r->res.n,
		    r->res.held);
	if (!r->pick_ok)
		(void)store_check(w->store, e, sizeof(e));	/* reopen? */
	for (i = 0; r->pick_ok && i < r->res.n; i++) {
		r->fill[i]->counted = 1;
		/* Sign here, off the transfer thread; transfer_start signs
		 * again only if the attempt starts in a later second. */
		if (r->fill[i]->kind == JOB_SEND)
			(void)transfer_sign(r->fill[i],
			    timefmt_now_ms() / 1000);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->quit && !(w->submitted && !w->done))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->submitted && !w->done) {
			/* the round is ours until done is set */
			pthread_mutex_unlock(&w->mu);
			worker_round(w, &w->r);
			pthread_mutex_lock(&w->mu);
			w->done = 1;
			(void)!write(w->efd, &one, sizeof(one));
			continue;
		}
		if (w->quit)
			break;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int
worker_new(struct worker **wp, struct store *s, const struct config *cfg,
    size_t max_ids, char *err, size_t errlen)
{
	struct worker *w;
	int rc;

	*wp = NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto nomem;
	w->store = s;
	w->cfg = cfg;
	/* A round's jobs are distinct jobs of the run's pool of max_ids. */
	arr_init(&w->jobs, sizeof(struct job *), max_ids);
	w->inflight = idset_new(2 * max_ids);	/* ids and lane tokens */
	w->wt = whtab_new();
	if (w->inflight == NULL || w->wt == NULL)
		goto nomem;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((rc = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		close(w->efd);
		goto fail;
	}
	*wp = w;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	if (w != NULL) {
		idset_free(w->inflight);
		whtab_free(w->wt);
		free(w);
	}
	return -1;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	close(w->efd);
	idset_free(w->inflight);
	whtab_free(w->wt);
	arr_free(&w->jobs);
	free(w);
}

int64_t
worker_cpu_ms(const struct worker *w)
{
	struct timespec ts;
	clockid_t id;

	if (pthread_getcpuclockid(w->thread, &id) != 0 ||
	    clock_gettime(id, &ts) == -1)
		return -1;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
worker_fd(const struct worker *w)
{
	return w->efd;
}

int
worker_busy(const struct worker *w)
{
	/* only the main thread changes submitted: no lock needed to read */
	return w->submitted;
}

int
worker_submit(struct worker *w, const struct worker_round *in)
{
	struct job **p;

	if (w->submitted)
		return -1;
	arr_reset(&w->jobs);
	if (arr_reserve(&w->jobs, in->ndone + in->want) == -1)
		return -1;
	p = w->jobs.v;
	pthread_mutex_lock(&w->mu);
	w->r = *in;
	w->r.done = p;
	w->r.fill = p + in->ndone;
	if (in->ndone > 0)
		memcpy(w->r.done, in->done, in->ndone * sizeof(struct job *));
	if (in->want > 0)
		memcpy(w->r.fill, in->fill, in->want * sizeof(struct job *));
	w->done = 0;
	w->submitted = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int
worker_take(struct worker *w, struct worker_round *out)
{
	struct job **done = out->done, **fill = out->fill;
	uint64_t v;

	if (!w->submitted)
		return 0;
	pthread_mutex_lock(&w->mu);
	if (!w->done) {
		pthread_mutex_unlock(&w->mu);
		return 0;
	}
	*out = w->r;
	out->done = done;
	out->fill = fill;
	if (w->r.ndone > 0)
		memcpy(done, w->r.done, w->r.ndone * sizeof(struct job *));
	if (w->r.want > 0)
		memcpy(fill, w->r.fill, w->r.want * sizeof(struct job *));
	w->submitted = 0;
	w->done = 0;
	pthread_mutex_unlock(&w->mu);
	(void)!read(w->efd, &v, sizeof(v));
	return 1;
}
