/* run.c - the sender's main loop (see run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/timefmt.h"
#include "lib/wake.h"
#include "sender/house.h"
#include "sender/job.h"
#include "sender/outcome.h"
#include "sender/run.h"
#include "sender/transfer.h"
#include "sender/whtab.h"
#include "sender/worker.h"

#define RUN_FLUSH_RETRY_MS 1000
#define RUN_FLUSH_FAILS_MAX 5	/* --once gives up after that many */

struct run {
	const struct run_opts *o;
	const struct config *cfg;
	struct transfer *tr;
	struct whtab *wt;		/* transfers running per webhook */
	struct job *pool;		/* every job, one allocation */
	struct job **free;		/* stack of unused jobs */
	size_t nfree, total;
	struct job **batch;		/* finished, awaiting commit */
	size_t nbatch;
	struct worker *wk;		/* the store threads */
	struct worker_round round;	/* what comes back from them */
	struct job **back;		/* the jobs that came back */
	struct worker_id *uncount;	/* webhooks of jobs back from their */
	size_t nuncount;		/* transfers, for the next pick */
	int64_t flush_at;		/* mono ms: commit the batch by then */
	int flush_fails;
	int pick_fails;			/* picks failed in a row */
	int64_t pick_at;		/* mono ms: pick again then */
	int64_t last_pick;		/* mono ms of the last pick */
	int repick_on_done;		/* last pick left due work behind */
	int held;			/* ... only behind webhook limits */
	int wake_pending;		/* a wake since the last pick went to
					 * the store thread: that pick may have
					 * started before the new work committed */
	int once_done;			/* --once: nothing more to do */
	int pick_clean;			/* no commit ran beside the pick in
					 * the picker: an empty pick means
					 * nothing is due */
	unsigned conc;
	uint64_t attempts;		/* made by this pass */
	int64_t rate_wake;		/* mono ms: a ready job's rate slot frees */
	struct job **ready;		/* picked, waiting for a transfer slot, */
	size_t nready;			/* in pick order; < RUN_AHEAD * conc */
	/* the pass's summary: waits with a transfer slot free and nothing
	 * ready, and of those, waits with no free job (all of them picked
	 * or awaiting a commit) */
	int64_t starved_ms, nojob_ms;
};

/* The job is back from the store thread for good. */
static void
run_release(struct run *r, struct job *j)
{
	job_clear(j);
	r->free[r->nfree++] = j;
}

static void
run_queue(struct run *r, struct job *j)
{
	/* It stops counting as its webhook's pick at the next pick, not at
	 * its commit: with a slow fsync a commit may wait behind another
	 * for longer than the picks ahead of a busy webhook last.  Each job
	 * comes here at most once between two picks, so total entries are
	 * enough; if not, it stays counted and its commit uncounts it. */
	if (j->counted && r->nuncount < r->total) {
		j->counted = 0;
		memcpy(r->uncount[r->nuncount++].id, j->d.webhook_id,
		    sizeof(j->d.webhook_id));
	}
	if (r->nbatch == 0)
		r->flush_at = timefmt_mono_ms() + RUN_FLUSH_MS;
	r->batch[r->nbatch++] = j;
}

/* A job is finished (transfer done, or never started): give its webhook
 * slot back and queue its outcome. */
static void
run_finish(struct run *r, struct job *j)
{
	struct whstate *ws = whtab_find(r->wt, j->d.webhook_id);

	if (ws != NULL && j->kind == JOB_SEND && ws->running > 0)
		ws->running--;
	if (ws != NULL && j->kind == JOB_SEND && j->status == 410)
		ws->gone_at = timefmt_now_ms();
	/* its attempt id and log line are the committer's (worker.h) */
	if (j->kind == JOB_SEND)
		r->attempts++;
	run_queue(r, j);
	/* Work held back by a webhook's limits can move now; while jobs of
	 * that kind still wait in the ready queue, another pick would only
	 * walk the same held-back entries again. */
	if (r->repick_on_done && (!r->held || r->nready == 0))
		r->pick_at = 0;
}

/* A picked job that will not be sent: back to the store thread unsent. */
static void
run_unsend(struct run *r, struct job *j)
{
	j->kind = JOB_UNSENT;
	run_queue(r, j);
}

/*
 * Start ready jobs while transfer slots are free.  Picks run ahead of the
 * transfers by up to (RUN_AHEAD - 1) * concurrency jobs: the store thread
 * commits and picks in rounds, and the ready queue keeps the transfers fed
 * meanwhile.
 */
static void
run_start_ready(struct run *r)
{
	unsigned lim = r->cfg->per_webhook_concurrency;
	struct whstate *ws;
	struct job *j;
	size_t i = 0, k = 0;
	int64_t now_us = timefmt_mono_ms() * 1000, when;

	/* every slot busy: nothing can start, and the loop runs this after
	 * each wait (a 410's held jobs are dropped when a slot frees) */
	r->rate_wake = 0;
	if (transfer_running(r->tr) >= r->conc)
		return;
	for (i = 0; i < r->nready; i++) {
		j = r->ready[i];
		if (transfer_running(r->tr) >= r->conc) {
			/* the rest keep their places */
			memmove(&r->ready[k], &r->ready[i],
			    (r->nready - i) * sizeof(struct job *));
			k += r->nready - i;
			break;
		}
		ws = whtab_get(r->wt, j->d.webhook_id);
		if (ws != NULL && ws->gone_at != 0 &&
		    timefmt_now_ms() - ws->gone_at < WHTAB_GONE_HOLD_MS) {
			/* answered 410: its disable fails this delivery */
			run_unsend(r, j);
			continue;
		}
		if (ws != NULL && lim > 0 && ws->running >= lim) {
			r->ready[k++] = j;	/* keeps its place */
			continue;
		}
		/* rate_limit spaces the starts, not only the picks: jobs
		 * picked 1/rate apart may have waited for a slot together */
		if (ws != NULL && j->rate_limit > 0) {
			ws->rate_limit = j->rate_limit;
			if (!whtab_rate_take(ws, now_us, &when)) {
				r->ready[k++] = j;
				if (r->rate_wake == 0 ||
				    when / 1000 + 1 < r->rate_wake)
					r->rate_wake = when / 1000 + 1;
				continue;
			}
		}
		if (ws != NULL)
			ws->running++;
		if (transfer_start(r->tr, j) == -1)
			run_finish(r, j);
	}
	r->nready = k;
}

/* Stopping: ready jobs were never sent; give them back untouched. */
static void
run_drop_ready(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nready; i++)
		run_unsend(r, r->ready[i]);
	r->nready = 0;
}

/* Enough transfer slots are free for a pick: half of concurrency, so
 * refills come in chunks and each pick does not rescan the in-flight head
 * of the due index for one slot, or nothing is running at all. */
static int
run_room(const struct run *r, int stopping)
{
	size_t busy = transfer_running(r->tr) + r->nready;
	size_t min = r->conc / 2 > 0 ? r->conc / 2 : 1;

	return !stopping && !r->once_done && r->nfree > 0 &&
	    (busy == 0 || RUN_AHEAD * (size_t)r->conc - busy >= min);
}

/* How many jobs a pick may fill now (0: no pick). */
static size_t
run_want(const struct run *r, int64_t mono, int stopping)
{
	size_t want;

	if (!run_room(r, stopping) || mono < r->pick_at ||
	    mono < r->last_pick + RUN_PICK_GAP_MS)
		return 0;
	want = RUN_AHEAD * (size_t)r->conc - transfer_running(r->tr) -
	    r->nready;
	return want < r->nfree ? want : r->nfree;
}

/* The commit half of a round came back.  -1 when outcomes cannot be
 * recorded RUN_FLUSH_FAILS_MAX times in a row in --once, or in --loop once
 * it is stopping (a SIGTERM must not wait for a store that stays broken:
 * the attempts are sent again by the next sender). */
static int
run_took_commit(struct run *r, const struct worker_round *w, int stopping,
    char *err, size_t errlen)
{
	size_t i;

	if (!w->commit_ok) {
		log_err("recording %zu outcomes: %s", w->ndone,
		    w->commit_err);
		for (i = 0; i < w->ndone; i++)
			run_queue(r, w->done[i]);
		r->flush_at = timefmt_mono_ms() + RUN_FLUSH_RETRY_MS;
		if (++r->flush_fails >= RUN_FLUSH_FAILS_MAX &&
		    (!r->o->loop || stopping)) {
			snprintf(err, errlen, "cannot record outcomes: %s",
			    w->commit_err);
			return -1;
		}
		return 0;
	}
	if (w->ndone > 0)
		r->flush_fails = 0;
	for (i = 0; i < w->ndone; i++) {
		struct job *j = w->done[i];

		if (j->disabled)
			log_warn("webhook %s disabled after dlv=%s (%s)",
			    j->d.webhook_id, j->d.id,
			    j->status == 410 ? "410 Gone" : "disable_after");
		if (j->kind == JOB_CANCEL)
			log_info("dlv=%s cancelled: webhook %s is gone",
			    j->d.id, j->d.webhook_id);
		else if (j->kind == JOB_FAIL)
			log_info("dlv=%s failed: webhook %s disabled or "
			    "event gone", j->d.id, j->d.webhook_id);
		else if (j->kind == JOB_SEND && j->final && !job_ok(j))
			log_info("dlv=%s failed after %u attempts", j->d.id,
			    j->d.attempts + 1);
		run_release(r, j);
	}
	if (w->ndone > 0)
		r->pick_at = 0;		/* retries may be due soon */
	return 0;
}

/*
 * New work was stored (the API's wake): pick at once.  When the last pick
 * was held back by a webhook's limits and its jobs still wait, a pick now
 * would mostly walk the same held-back entries again, so within
 * RUN_WAKE_HELD_MS instead: the new event may be for another webhook,
 * which must not wait for the busy one's slots (or poll_interval).
 */
static void
run_woken(struct run *r, int64_t mono)
{
	if (!r->held || r->nready == 0 || transfer_running(r->tr) == 0)
		r->pick_at = 0;
	else if (r->pick_at > mono + RUN_WAKE_HELD_MS)
		r->pick_at = mono + RUN_WAKE_HELD_MS;
}

/* The pick half of a round came back: queue what it chose. */
static int
run_took_pick(struct run *r, const struct worker_round *w, int stopping,
    char *err, size_t errlen)
{
	const struct pick_result *res = &w->res;
	int64_t mono = timefmt_mono_ms(), now = w->now, at;
	size_t i;

	if (w->want == 0)
		return 0;
	if (!w->pick_ok) {
		for (i = 0; i < w->want; i++)
			run_release(r, w->fill[i]);
		log_err("picking due deliveries: %s", w->pick_err);
		r->pick_at = mono + RUN_FLUSH_RETRY_MS;
		if (++r->pick_fails >= RUN_FLUSH_FAILS_MAX && !r->o->loop) {
			snprintf(err, errlen, "cannot read due deliveries: %s",
			    w->pick_err);
			return -1;
		}
		return 0;
	}
	r->pick_fails = 0;
	for (i = 0; i < res->n; i++) {
		if (w->fill[i]->kind != JOB_SEND)
			run_finish(r, w->fill[i]);
		else
			r->ready[r->nready++] = w->fill[i];
	}
	for (i = res->n; i < w->want; i++)
		run_release(r, w->fill[i]);	/* unused */
	r->repick_on_done = res->more || res->blocked;
	r->held = !res->more && res->blocked;
	if (res->more || !res->from_head) {
		r->pick_at = 0;		/* more, or look from the head */
	} else {
		r->pick_at = mono + r->cfg->poll_interval_ms;
		if (res->next_at > 0) {
			at = mono + (res->next_at - now);
			if (at < r->pick_at)
				r->pick_at = at;
		}
		if (res->rate_at > 0 && res->rate_at < r->pick_at)
			r->pick_at = res->rate_at;
		/* a wake that came while this pick ran is not lost */
		if (r->wake_pending)
			run_woken(r, mono);
	}
	/* Done when a walk from the head found nothing: one that started
	 * at the cursor may have passed over a delivery made due behind it
	 * (pick.h); the next pick starts from the head. */
	if (!r->o->loop && res->n == 0 && !res->more && !res->blocked &&
	    res->next_at == 0 && res->from_head &&
	    transfer_running(r->tr) == 0 && r->nready == 0 && r->nbatch == 0) {
		/* a commit beside the pick may have made a retry due now
		 * that the pick did not see: pick once more after it */
		if (r->pick_clean && !worker_commit_busy(r->wk))
			r->once_done = 1;
		else if (!worker_commit_busy(r->wk))
			r->pick_at = 0;
		/* else that commit's return asks for the pick: picks from
		 * the head every RUN_PICK_GAP_MS meanwhile would only walk
		 * its uncommitted entries again and again */
	}
	if (stopping)
		run_drop_ready(r);	/* picked before the stop: unsent */
	else
		run_start_ready(r);
	return 0;
}

/* Take a finished round back.  0 or -1 (--once gives up after
 * RUN_FLUSH_FAILS_MAX failures in a row). */
static int
run_take(struct run *r, int stopping, char *err, size_t errlen)
{
	struct worker_round *w = &r->round;
	char e[256];

	w->done = r->back;	/* room for every job */
	if (!worker_take(r->wk, w))
		return 0;
	if (!w->commit_ok)
		(void)store_check(r->o->store, e, sizeof(e));
	if (run_took_commit(r, w, stopping, err, errlen) == -1)
		return -1;
	return run_took_pick(r, w, stopping, err, errlen);
}

/*
 * Give the store threads what they can take: the batch to the committer
 * when it is idle and the batch is worth a commit (full, old enough, or
 * nothing else running), and empty jobs to the picker when it is idle and
 * a pick is due.  The two run side by side (worker.h).
 */
static void
run_submit(struct run *r, int stopping)
{
	struct worker_round *w = &r->round;
	int64_t mono = timefmt_mono_ms();
	size_t want = 0, ndone = 0, i;

	if (!worker_pick_busy(r->wk))
		want = run_want(r, mono, stopping);
	/* after a failed commit the batch waits RUN_FLUSH_RETRY_MS, whether
	 * or not transfers run */
	if (!worker_commit_busy(r->wk) && r->nbatch > 0 &&
	    !(r->flush_fails > 0 && mono < r->flush_at) &&
	    (r->nbatch >= RUN_BATCH_MIN || mono >= r->flush_at ||
	    transfer_running(r->tr) == 0))
		ndone = r->nbatch < RUN_BATCH_MAX ? r->nbatch : RUN_BATCH_MAX;
	if (want == 0 && ndone == 0)
		return;
	memset(w, 0, sizeof(*w));
	w->ndone = ndone;
	w->done = r->batch;
	w->want = want;
	w->fill = r->free + r->nfree - want;
	if (want > 0) {
		w->uncount = r->uncount;
		w->nuncount = r->nuncount;
	}
	w->now = timefmt_now_ms();
	w->horizon_ms = r->cfg->poll_interval_ms;
	if (worker_submit(r->wk, w) == -1)
		return;		/* out of memory: try again next turn */
	r->nfree -= want;
	if (want > 0)
		r->nuncount = 0;
	for (i = ndone; i < r->nbatch; i++)
		r->batch[i - ndone] = r->batch[i];
	r->nbatch -= ndone;
	if (r->nbatch > 0 && ndone > 0)
		r->flush_at = mono + RUN_FLUSH_MS;	/* the rest's clock */
	if (want > 0) {
		r->last_pick = mono;
		r->wake_pending = 0;	/* this pick sees what woke us */
		r->pick_clean = !worker_commit_busy(r->wk) && r->nbatch == 0;
	} else if (ndone > 0) {
		r->pick_clean = 0;	/* a commit beside a running pick */
	}
}

/*
 * Stopping: the attempt lines of every transfer that ended before the
 * stop are written before the stop's own line (a commit in the committer
 * has written its lines: wait for it; the batch's are written here), so
 * the log tells what ran after the stop.
 */
static void
run_log_finished(struct run *r, char *err, size_t errlen)
{
	size_t i;

	while (worker_commit_busy(r->wk)) {
		if (run_take(r, 1, err, errlen) == -1)
			break;
		if (worker_commit_busy(r->wk))
			(void)usleep(1000);
	}
	for (i = 0; i < r->nbatch; i++)
		job_log_attempt(r->batch[i]);
}

static int
run_init(struct run *r, const struct run_opts *o, char *err, size_t errlen)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->cfg = o->cfg;
	r->conc = o->cfg->concurrency > 0 ? o->cfg->concurrency : 1;
	/* picked (running + ready) + a batch gathering + a round in the
	 * store thread */
	r->total = RUN_AHEAD * (size_t)r->conc + 2 * RUN_BATCH_MAX;
	r->pool = calloc(r->total, sizeof(*r->pool));
	r->free = calloc(r->total, sizeof(struct job *));
	r->batch = calloc(r->total, sizeof(struct job *));
	r->back = calloc(r->total, sizeof(struct job *));
	r->uncount = calloc(r->total, sizeof(*r->uncount));
	r->ready = calloc(RUN_AHEAD * (size_t)r->conc,
	    sizeof(struct job *));
	r->wt = whtab_new();
	if (r->pool == NULL || r->free == NULL || r->batch == NULL ||
	    r->back == NULL || r->uncount == NULL || r->ready == NULL ||
	    r->wt == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < r->total; i++)
		r->free[r->nfree++] = &r->pool[r->total - 1 - i];
	if (worker_new(&r->wk, o->store, o->cfg, r->total, err, errlen) == -1)
		return -1;
	return transfer_new(&r->tr, o->cfg, err, errlen);
}

static void
run_fini(struct run *r)
{
	size_t i;

	if (r->wk != NULL) {
		/* wait for the halves in the threads, so their jobs are
		 * ours */
		while (worker_busy(r->wk)) {
			r->round.done = r->back;
			if (!worker_take(r->wk, &r->round))
				(void)usleep(1000);
		}
		worker_free(r->wk);
	}
	transfer_free(r->tr);
	if (r->pool != NULL) {
		/* a job never picked has no id: leave its pages untouched
		 * (the pool is sized for slow commits, mostly unused) */
		for (i = 0; i < r->total; i++)
			if (r->pool[i].d.id[0] != '\0')
				job_clear(&r->pool[i]);
	}
	free(r->pool);
	job_forget();	/* the last URL of the attempt lines written here */
	free(r->free);
	free(r->batch);
	free(r->back);
	free(r->uncount);
	free(r->ready);
	whtab_free(r->wt);
}

/* Wait budget until the nearest deadline, at most poll_interval. */
static int64_t
run_timeout(const struct run *r, int64_t mono, int stopping)
{
	int64_t t = r->cfg->poll_interval_ms;
	int64_t at = r->pick_at > r->last_pick + RUN_PICK_GAP_MS ? r->pick_at :
	    r->last_pick + RUN_PICK_GAP_MS;

	if (r->nready > 0 && r->rate_wake > 0 && r->rate_wake - mono < t)
		t = r->rate_wake - mono;
	/* a busy half's fd wakes us */
	if (!worker_pick_busy(r->wk) && run_room(r, stopping) &&
	    at - mono < t)
		t = at - mono;
	if (!worker_commit_busy(r->wk) && r->nbatch > 0 &&
	    r->flush_at - mono < t)
		t = r->flush_at - mono;
	return t < 0 ? 0 : t;
}

/* The pass's "pass done" line (docs/operations.md). */
static void
run_summary(struct run *r, int64_t start)
{
	struct worker_stats ws;
	struct timespec ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	worker_stats(r->wk, &ws);
	log_info("pass done: %llu attempts in %lld ms; CPU ms: "
	    "transfers %lld, store threads %lld; transfers starved %lld ms "
	    "(%lld with no free job); %llu commits in %lld ms, %llu picks "
	    "in %lld ms", (unsigned long long)r->attempts,
	    (long long)(timefmt_mono_ms() - start),
	    (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
	    (long long)worker_cpu_ms(r->wk), (long long)r->starved_ms,
	    (long long)r->nojob_ms, (unsigned long long)ws.commits,
	    (long long)ws.commit_ms, (unsigned long long)ws.picks,
	    (long long)ws.pick_ms);
}

int
run_sender(const struct run_opts *o, char *err, size_t errlen)
{
	struct run r;
	struct curl_waitfd fds[3];
	int64_t mono, start = timefmt_mono_ms();
	struct house *house = NULL;
	unsigned nfds, i;
	int stopping = 0, rc = -1, demoted = 0, starved;
	char c[64];
	struct job *j;

	if (run_init(&r, o, err, errlen) == -1)
		goto out;
	/* --loop keeps house on a thread of its own: a status page or a
	 * retention pass never stalls the transfers. */
	if (o->loop && house_start(&house, o->store, o->cfg, o->stop, NULL,
	    err, errlen) == -1)
		goto out;
	for (;;) {
		mono = timefmt_mono_ms();
		if (__atomic_load_n(o->stop, __ATOMIC_ACQUIRE) && !stopping) {
			stopping = 1;
			house_stop(house);	/* a purge stops at its batch */
			house = NULL;
			run_log_finished(&r, err, errlen);
			log_info("stopping: finishing %u transfers in flight",
			    transfer_running(r.tr));
			run_drop_ready(&r);
		}
		/* replication: no longer the master (sender/standby.h) */
		if (o->demoted != NULL && !stopping &&
		    o->demoted(o->demoted_arg)) {
			stopping = demoted = 1;
			house_stop(house);
			house = NULL;
			log_warn("this site is no longer the master: finishing "
			    "%u transfers in flight", transfer_running(r.tr));
			run_drop_ready(&r);
		}
		if (!o->loop && mono - start > RUN_ONCE_MAX_MS && !stopping) {
			stopping = 1;
			log_info("--once ran %lld s: taking no more work",
			    (long long)(RUN_ONCE_MAX_MS / 1000));
			run_drop_ready(&r);
		}
		if (run_take(&r, stopping, err, errlen) == -1)
			goto out;
		run_submit(&r, stopping);
		if (transfer_running(r.tr) == 0 && r.nbatch == 0 &&
		    !worker_busy(r.wk) && (stopping || r.once_done))
			break;
		nfds = 0;
		fds[nfds].fd = worker_fd(r.wk);
		fds[nfds].events = CURL_WAIT_POLLIN;
		fds[nfds++].revents = 0;
		if (o->sigfd >= 0) {
			fds[nfds].fd = o->sigfd;
			fds[nfds].events = CURL_WAIT_POLLIN;
			fds[nfds++].revents = 0;
		}
		if (o->wakefd >= 0 && !stopping) {
			fds[nfds].fd = o->wakefd;
			fds[nfds].events = CURL_WAIT_POLLIN;
			fds[nfds++].revents = 0;
		}
		/* The attempt lines of one turn go out together, before the
		 * loop sleeps (log.h: log_hold). */
		log_release();
		starved = transfer_running(r.tr) < r.conc && r.nready == 0 &&
		    !r.once_done && !stopping;
		mono = timefmt_mono_ms();
		if (transfer_wait(r.tr, fds, nfds,
		    (int)run_timeout(&r, mono, stopping), err, errlen) == -1)
			goto out;
		if (starved) {
			r.starved_ms += timefmt_mono_ms() - mono;
			if (r.nfree == 0)
				r.nojob_ms += timefmt_mono_ms() - mono;
		}
		log_hold();
		for (i = 0; i < nfds; i++) {
			if (!(fds[i].revents & CURL_WAIT_POLLIN))
				continue;
			if (fds[i].fd == worker_fd(r.wk)) {
				continue;	/* run_take reads it */
			} else if (fds[i].fd == o->wakefd) {
				wake_drain(o->wakefd);
				r.wake_pending = 1;
				run_woken(&r, timefmt_mono_ms());
			} else {
				while (read(o->sigfd, c, sizeof(c)) > 0)
					;
			}
		}
		while ((j = transfer_done(r.tr)) != NULL)
			run_finish(&r, j);
		run_start_ready(&r);
	}
	run_summary(&r, start);
	house_stop(house);
	house = NULL;
	log_release();	/* the last turn's lines, before the house work */
	/* demoted: a client, whose house the new master keeps */
	if (!demoted && !o->loop)
		house_round(o->store, o->cfg, o->stop, 1, "once");
	else if (!demoted)
		house_round(o->store, o->cfg, o->stop, 0, "loop");
	rc = 0;
out:
	house_stop(house);
	log_release();
	if (rc == -1 && r.nbatch > 0)
		log_err("%zu finished attempts not recorded; they will be "
		    "sent again", r.nbatch);
	run_fini(&r);
	return rc;
}
