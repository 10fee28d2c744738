/* worker.c - the sender's store threads, committer and picker (see
 * worker.h). */
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

/* One half of the rounds: its thread and the hand-off state. */
struct half {
	pthread_t thread;
	int started;
	/* under worker.mu */
	int submitted;			/* a half-round is with the thread */
	int done;			/* ... and it has finished */
	struct worker_round r;		/* r.done or r.fill point into jobs */
	struct arr jobs;		/* struct job * */
	struct arr ids;			/* struct worker_id: r.uncount */
	/* the thread's own: half-rounds run and their wall time */
	uint64_t rounds;
	int64_t wall_ms;
};

struct worker {
	struct store *store;
	const struct config *cfg;
	pthread_mutex_t mu;		/* hand-offs (struct half, quit) */
	pthread_cond_t cv;		/* broadcast: a submit or quit */
	int efd;			/* eventfd: a half is done; written
					 * and drained under mu */
	int quit;
	struct half commit, pick;
	/* under set_mu: what picks decide with */
	pthread_mutex_t set_mu;
	struct idset *inflight;
	struct whtab *wt;		/* picks per webhook */
	struct pick_cursor cur;		/* where the next pick starts */
};

/* The jobs come back finished: they stop counting as picks of their
 * webhook (the ids stay in flight until their commit).  Under set_mu. */
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
worker_commit_round(struct worker *w, struct worker_round *r)
{
	char tok[PICK_LANE_TOKEN];
	int64_t t0;
	size_t i;

	pthread_mutex_lock(&w->set_mu);
	worker_uncount(w, r->done, r->ndone);
	pthread_mutex_unlock(&w->set_mu);
	log_hold();
	for (i = 0; i < r->ndone; i++)
		job_log_attempt(r->done[i]);
	log_release();
	t0 = timefmt_mono_ms();
	r->commit_ok = outcome_flush(w->store, w->cfg, r->done, r->ndone,
	    r->commit_err, sizeof(r->commit_err)) == 0;
	if (timefmt_mono_ms() - t0 >= RUN_SLOW_MS)
		log_info("slow commit: %lld ms for %zu outcomes",
		    (long long)(timefmt_mono_ms() - t0), r->ndone);
	if (!r->commit_ok)
		return;
	pthread_mutex_lock(&w->set_mu);
	for (i = 0; i < r->ndone; i++) {
		idset_del(w->inflight, r->done[i]->d.id);
		if (pick_lane_token(&r->done[i]->d, tok))
			idset_del(w->inflight, tok);
	}
	pthread_mutex_unlock(&w->set_mu);
}

static void
worker_pick_round(struct worker *w, struct worker_round *r)
{
	int64_t t0 = timefmt_mono_ms();
	char e[256];
	size_t i;

	memset(&r->res, 0, sizeof(r->res));
	pthread_mutex_lock(&w->set_mu);
	for (i = 0; i < r->nuncount; i++) {
		struct whstate *ws = whtab_find(w->wt, r->uncount[i].id);

		if (ws != NULL && ws->inflight > 0)
			ws->inflight--;
	}
	r->pick_ok = pick_due(w->store, w->cfg, w->inflight, w->wt, &w->cur,
	    r->now, r->horizon_ms, r->fill, r->want, &r->res, r->pick_err,
	    sizeof(r->pick_err)) == 0;
	for (i = 0; r->pick_ok && i < r->res.n; i++)
		r->fill[i]->counted = 1;
	pthread_mutex_unlock(&w->set_mu);
	if (timefmt_mono_ms() - t0 >= RUN_SLOW_MS)
		log_info("slow pick: %lld ms for %zu deliveries (%zu held "
		    "back)", (long long)(timefmt_mono_ms() - t0), r->res.n,
		    r->res.held);
	if (!r->pick_ok)
		(void)store_check(w->store, e, sizeof(e));	/* reopen? */
	/* Sign here, off the transfer thread, a secret's key set up once
	 * for the pick; transfer_start signs again only if the attempt
	 * starts in a later second. */
	if (r->pick_ok)
		transfer_sign_all(r->fill, r->res.n);
}

/* Body of both threads: run this half's submissions until quit. */
static void
worker_loop(struct worker *w, struct half *h)
{
	uint64_t one = 1;
	int64_t t0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->quit && !(h->submitted && !h->done))
			pthread_cond_wait(&w->cv, &w->mu);
		if (h->submitted && !h->done) {
			/* the half is ours until done is set */
			pthread_mutex_unlock(&w->mu);
			t0 = timefmt_mono_ms();
			if (h == &w->commit)
				worker_commit_round(w, &h->r);
			else
				worker_pick_round(w, &h->r);
			pthread_mutex_lock(&w->mu);
			h->rounds++;
			h->wall_ms += timefmt_mono_ms() - t0;
			h->done = 1;
			(void)!write(w->efd, &one, sizeof(one));
			continue;
		}
		if (w->quit)
			break;
	}
	pthread_mutex_unlock(&w->mu);
}

static void *
worker_commit_main(void *arg)
{
	struct worker *w = arg;

	worker_loop(w, &w->commit);
	job_forget();		/* the attempt lines' last URL */
	return NULL;
}

static void *
worker_pick_main(void *arg)
{
	struct worker *w = arg;

	worker_loop(w, &w->pick);
	return NULL;
}

/* Stop and join the threads that were started. */
static void
worker_stop(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->commit.started)
		pthread_join(w->commit.thread, NULL);
	if (w->pick.started)
		pthread_join(w->pick.thread, NULL);
	w->commit.started = w->pick.started = 0;
}

int
worker_new(struct worker **wp, struct store *s, const struct config *cfg,
    size_t max_ids, char *err, size_t errlen)
{
	struct worker *w;
	int rc;

	*wp = NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	w->store = s;
	w->cfg = cfg;
	w->efd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->set_mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* A half's jobs are distinct jobs of the run's pool of max_ids. */
	arr_init(&w->commit.jobs, sizeof(struct job *), max_ids);
	arr_init(&w->pick.jobs, sizeof(struct job *), max_ids);
	arr_init(&w->pick.ids, sizeof(struct worker_id), max_ids);
	w->inflight = idset_new(2 * max_ids);	/* ids and lane tokens */
	w->wt = whtab_new();
	if (w->inflight == NULL || w->wt == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((rc = pthread_create(&w->commit.thread, NULL, worker_commit_main,
	    w)) != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	w->commit.started = 1;
	if ((rc = pthread_create(&w->pick.thread, NULL, worker_pick_main,
	    w)) != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	w->pick.started = 1;
	*wp = w;
	return 0;
fail:
	worker_free(w);
	return -1;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	worker_stop(w);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->set_mu);
	pthread_cond_destroy(&w->cv);
	if (w->efd != -1)
		close(w->efd);
	idset_free(w->inflight);
	whtab_free(w->wt);
	arr_free(&w->commit.jobs);
	arr_free(&w->pick.jobs);
	arr_free(&w->pick.ids);
	free(w);
}

static int64_t
worker_thread_cpu_ms(pthread_t th)
{
	struct timespec ts;
	clockid_t id;

	if (pthread_getcpuclockid(th, &id) != 0 ||
	    clock_gettime(id, &ts) == -1)
		return -1;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
worker_cpu_ms(const struct worker *w)
{
	int64_t c = worker_thread_cpu_ms(w->commit.thread);
	int64_t p = worker_thread_cpu_ms(w->pick.thread);

	return c < 0 || p < 0 ? -1 : c + p;
}

void
worker_stats(struct worker *w, struct worker_stats *st)
{
	pthread_mutex_lock(&w->mu);
	st->commits = w->commit.rounds;
	st->commit_ms = w->commit.wall_ms;
	st->picks = w->pick.rounds;
	st->pick_ms = w->pick.wall_ms;
	pthread_mutex_unlock(&w->mu);
}

int
worker_fd(const struct worker *w)
{
	return w->efd;
}

/* Only the main thread changes submitted: no lock needed to read. */
int
worker_commit_busy(const struct worker *w)
{
	return w->commit.submitted;
}

int
worker_pick_busy(const struct worker *w)
{
	return w->pick.submitted;
}

int
worker_busy(const struct worker *w)
{
	return w->commit.submitted || w->pick.submitted;
}

/* Copy n jobs into h's own array; the half's r points there.  -1: out of
 * memory. */
static int
worker_keep(struct half *h, struct job **jobs, size_t n, struct job ***at)
{
	arr_reset(&h->jobs);
	if (arr_reserve(&h->jobs, n) == -1)
		return -1;
	*at = h->jobs.v;
	memcpy(*at, jobs, n * sizeof(struct job *));
	return 0;
}

/* Give h its part of round in: the outcomes to commit (done) or the
 * slots to fill, never the other half's.  Caller holds w->mu. */
static void
worker_post(struct half *h, const struct worker_round *in,
    struct job **done, struct job **fill)
{
	h->r = *in;
	h->r.done = done;
	h->r.fill = fill;
	if (done == NULL)
		h->r.ndone = 0;
	if (fill == NULL) {
		h->r.want = 0;
		h->r.nuncount = 0;
		h->r.uncount = NULL;
	}
	h->done = 0;
	h->submitted = 1;
}

int
worker_submit(struct worker *w, const struct worker_round *in)
{
	struct job **cj = NULL, **pj = NULL;

	if ((in->ndone > 0 && w->commit.submitted) ||
	    (in->want > 0 && w->pick.submitted))
		return -1;
	if ((in->ndone > 0 &&
	    worker_keep(&w->commit, in->done, in->ndone, &cj) == -1) ||
	    (in->want > 0 &&
	    worker_keep(&w->pick, in->fill, in->want, &pj) == -1))
		return -1;
	if (in->want > 0 && in->nuncount > 0) {
		arr_reset(&w->pick.ids);
		if (arr_reserve(&w->pick.ids, in->nuncount) == -1)
			return -1;
		memcpy(w->pick.ids.v, in->uncount,
		    in->nuncount * sizeof(*in->uncount));
	}
	pthread_mutex_lock(&w->mu);
	if (in->ndone > 0)
		worker_post(&w->commit, in, cj, NULL);
	if (in->want > 0) {
		worker_post(&w->pick, in, NULL, pj);
		w->pick.r.uncount = w->pick.ids.v;
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int
worker_take(struct worker *w, struct worker_round *out)
{
	struct job **done = out->done, **fill = out->fill;
	struct half *c = &w->commit, *p = &w->pick;
	int got = 0;
	uint64_t v;

	if (!c->submitted && !p->submitted)
		return 0;
	pthread_mutex_lock(&w->mu);
	/* drained under mu: a half that finishes after this writes again */
	(void)!read(w->efd, &v, sizeof(v));
	memset(out, 0, sizeof(*out));
	out->done = done;
	out->fill = fill;
	out->commit_ok = 1;
	out->pick_ok = 1;
	if (c->submitted && c->done) {
		out->ndone = c->r.ndone;
		out->commit_ok = c->r.commit_ok;
		memcpy(out->commit_err, c->r.commit_err,
		    sizeof(out->commit_err));
		memcpy(done, c->r.done, c->r.ndone * sizeof(struct job *));
		c->submitted = c->done = 0;
		got = 1;
	}
	if (p->submitted && p->done) {
		out->want = p->r.want;
		out->now = p->r.now;
		out->horizon_ms = p->r.horizon_ms;
		out->pick_ok = p->r.pick_ok;
		memcpy(out->pick_err, p->r.pick_err, sizeof(out->pick_err));
		out->res = p->r.res;
		out->fill = done + out->ndone;
		memcpy(out->fill, p->r.fill, p->r.want * sizeof(struct job *));
		p->submitted = p->done = 0;
		got = 1;
	}
	pthread_mutex_unlock(&w->mu);
	return got;
}
