/*
 * commit.c - the group committer of hookd.fcgi and its log-volume
 * checkpoints (contract in commit.h).
 *
 * One queue per process, guarded by commit.mu.  A request thread appends
 * its job; if no thread leads, it becomes the leader: it takes a group
 * from the head, runs it with the lock released, marks each job of the
 * group done and wakes its waiter (a futex on the job's state word: only
 * that thread, and without the lock, so it does not wake to wait for
 * it), and goes on until its own job is done; then it asks the thread of
 * the next queued job to lead.  So with no contention a request commits on
 * its own thread (no hand-off, no context switch), and under load one
 * thread commits for many while the others wait - one at a time, which
 * is what makes the fn bodies safe to share state such as the fan-out
 * cache (cgi/fanout.h).  Jobs live on their request thread's stack: a job is never
 * touched again by the committer once marked done.
 *
 * Handed-over jobs (commit_defer) are not waited for: the committing
 * thread calls their done instead of waking a thread, and a leader that
 * came in that way goes on while the queue's head is one of them.  When
 * a waiting job's leader leaves with such a head, it asks the spare
 * thread (commit.spare) to lead: the only case that wakes it.  The heavy
 * groups of such leaders are flushed and told by the finisher thread
 * (commit.fin), so that the leader goes on at once.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgi/commit.h"
#include "lib/log.h"
#include "lib/periodic.h"
#include "lib/str.h"
#include "lib/wake.h"

/* A group of at least this many events hands the lead on before its
 * flush (commit_lead). */
#define COMMIT_PIPELINE_WEIGHT 64

/* Commits without the flush (commit_finish flushes once per group, after
 * handing the lead on); a flush failure inside would be INDOUBT. */
#define COMMIT_TXN_FLAGS (STORE_TXN_NOFLUSH | STORE_TXN_INDOUBT)

static struct {
	pthread_mutex_t mu;
	struct commit_job *head, *tail;
	int leading;		/* a thread runs groups (the leader) */
	struct store *last;	/* the store of the last group (checkpoints) */
	struct commit_stats st;
	struct periodic ckp;
	struct periodic behind;	/* the log write-behind (nosync) */
	pthread_t spare;	/* leads for handed-over jobs (commit_handoff) */
	pthread_cond_t spare_cv;	/* spare_asked or spare_stop set */
	int spare_asked, spare_stop;
	int spare_running;	/* atomic: read by commit_can_defer */
	/* The finisher: flushes and answers the groups queued here (their
	 * first jobs, linked by fin_next), oldest first (commit_lead). */
	pthread_t fin;
	pthread_cond_t fin_cv;		/* a group queued, or fin_stop */
	struct commit_job *fin_head, *fin_tail;
	int fin_running, fin_stop;
} commit = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.spare_cv = PTHREAD_COND_INITIALIZER,
	.fin_cv = PTHREAD_COND_INITIALIZER,
};

/* The body of a group's transaction: each job in queue order. */
static int
commit_group_txn(struct store_txn *t, void *arg)
{
	struct commit_job *j;

	for (j = arg; j != NULL; j = j->next) {
		j->wake = 0;
		j->err[0] = '\0';
		j->opens = store_txn_opens(t);
		j->rc = j->fn(t, j);
		if (j->rc < 0)
			return j->rc;
	}
	return STORE_OK;
}

/* Job j in a transaction of its own (a group of one). */
static void
commit_alone(struct commit_job *j)
{
	struct commit_job *next = j->next;
	char err[sizeof(j->err)];
	int rc;

	j->next = NULL;
	err[0] = '\0';
	rc = store_txn(j->s, COMMIT_TXN_FLAGS, commit_group_txn, j, err,
	    sizeof(err));
	if (rc < 0) {
		j->rc = rc;
		(void)str_copy(j->err, sizeof(j->err), err);
	}
	j->next = next;
}

/* Whose sender to wake for job j: its data_dir if it wrote and asked. */
static const char *
commit_wake(const struct commit_job *j)
{
	return j->rc == STORE_OK && j->wake ? j->data_dir : NULL;
}

/*
 * 1 if store_txn's rc is about the group's transaction as a whole and the
 * group must not run again job by job: the commit went in but is not
 * known durable (STORE_INDOUBT; replication's missing acknowledgements,
 * STORE_NOTPERM: running again would store twice), or this process may
 * not write at all (STORE_NOTMASTER).
 */
static int
commit_whole(int rc)
{
	if (rc == STORE_INDOUBT)
		return 1;
	return rc == STORE_NOTPERM || rc == STORE_NOTMASTER;
}

/*
 * Run the group g (a list linked by next, one store).  Every job's rc is
 * set.  The data_dir whose sender to wake (a job that wrote asked), or
 * NULL.
 */
static const char *
commit_group(struct commit_job *g)
{
	struct commit_job *j;
	char err[sizeof(g->err)];
	const char *wake = NULL;
	int rc;

	if (g->next == NULL) {
		commit_alone(g);
		return commit_wake(g);
	}
	err[0] = '\0';
	rc = store_txn(g->s, COMMIT_TXN_FLAGS, commit_group_txn, g, err,
	    sizeof(err));
	if (rc == STORE_OK || commit_whole(rc)) {
		for (j = g; j != NULL; j = j->next) {
			if (j->rc > 0)
				continue;	/* its own outcome: wrote nothing */
			if (rc != STORE_OK) {
				/* every job that wrote, or did not run */
				j->rc = rc;
				(void)str_copy(j->err, sizeof(j->err), err);
			} else if (wake == NULL)
				wake = commit_wake(j);
		}
		return wake;
	}
	/* Not the group's fault, maybe one job's: each alone, so the others
	 * still get their writes. */
	log_warn("group commit of several requests failed (%s); "
	    "running each alone", err[0] ? err : "unknown error");
	pthread_mutex_lock(&commit.mu);
	commit.st.reruns++;
	pthread_mutex_unlock(&commit.mu);
	for (j = g; j != NULL; j = j->next) {
		commit_alone(j);
		if (wake == NULL)
			wake = commit_wake(j);
	}
	return wake;
}

/* Take the next group off the queue (commit.mu held, the queue not
 * empty): jobs of the head's store up to COMMIT_WEIGHT_MAX of weight, at
 * least one. */
static struct commit_job *
commit_take(void)
{
	struct commit_job *g = commit.head, *last = g, *j = g->next;
	size_t w = g->weight, n = 1;

	g->taken = 1;
	while (j != NULL && j->s == g->s && w + j->weight <= COMMIT_WEIGHT_MAX) {
		w += j->weight;
		n++;
		j->taken = 1;
		last = j;
		j = j->next;
	}
	commit.st.groups++;
	commit.st.jobs += n;
	if (n > commit.st.max_jobs)
		commit.st.max_jobs = n;
	last->next = NULL;
	commit.head = j;
	if (j == NULL)
		commit.tail = NULL;
	return g;
}

/* The job's state word (also its futex): queued, done, or asked to
 * lead.  Written with release, read with acquire: rc and err are the
 * leader's before done is seen. */
enum { COMMIT_QUEUED, COMMIT_DONE, COMMIT_LEAD };

static int
commit_state(struct commit_job *j)
{
	return __atomic_load_n(&j->state, __ATOMIC_ACQUIRE);
}

/*
 * Set j's state and wake its thread.  After a store of COMMIT_DONE the
 * job may be gone at once (its thread returns): only the address is
 * used after it, by the kernel, which is harmless (a spurious wake of a
 * later job at the same address re-checks its state).
 */
static void
commit_tell(struct commit_job *j, int state)
{
	int *w = &j->state;

	__atomic_store_n(w, state, __ATOMIC_RELEASE);
	(void)syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Sleep while j is queued (returns at once if it is not any more). */
static void
commit_sleep(struct commit_job *j)
{
	(void)syscall(SYS_futex, &j->state, FUTEX_WAIT_PRIVATE, COMMIT_QUEUED,
	    NULL, NULL, 0);
}

/*
 * Make group g durable (its commits were made without the flush).  A
 * failed flush makes the jobs that wrote STORE_INDOUBT, and so does a
 * commit made in an earlier opening of the environment than the flush's
 * (the group ran job by job across a reopen: store_log_flush says why).
 * wake: the sender to wake once durable, or NULL; returned, or NULL when
 * the flush failed.
 */
static const char *
commit_flush(struct commit_job *g, const char *wake)
{
	struct commit_job *k;
	char err[sizeof(g->err)];
	unsigned opens = 0;
	int wrote = 0, rc;

	for (k = g; k != NULL; k = k->next)
		if (k->rc == STORE_OK) {
			opens = k->opens;	/* the last commit's */
			wrote = 1;
		}
	if (!wrote)
		return wake;
	err[0] = '\0';
	rc = store_log_flush(g->s, opens, err, sizeof(err));
	for (k = g; k != NULL; k = k->next) {
		if (k->rc != STORE_OK || (rc == STORE_OK && k->opens == opens))
			continue;
		k->rc = STORE_INDOUBT;
		if (rc != STORE_OK)
			(void)str_copy(k->err, sizeof(k->err), err);
		else
			(void)str_copy(k->err, sizeof(k->err), "storage: the "
			    "environment was recovered after the commit "
			    "(another process died): the write is not known "
			    "durable");
	}
	return rc == STORE_OK ? wake : NULL;
}

/*
 * Tell the jobs of the durable group g (commit_flush) and wake the sender
 * (wake, or NULL).  Job j (the caller's own) is only marked: its thread
 * is this one.  A handed-over job gets its done call here (this thread
 * answers it).
 */
static void
commit_finish(struct commit_job *g, struct commit_job *j, const char *wake)
{
	struct commit_job *next;

	/* before the answers: a sender woken late costs latency, one woken
	 * early finds the deliveries committed already */
	if (wake != NULL)
		wake_send(wake);
	for (; g != NULL; g = next) {
		next = g->next;		/* before g may vanish */
		g->next = NULL;
		if (g->done != NULL)
			g->done(g);	/* may free g */
		else if (g == j)
			__atomic_store_n(&j->state, COMMIT_DONE,
			    __ATOMIC_RELEASE);
		else
			commit_tell(g, COMMIT_DONE);
	}
}

/* Give up the lead (commit.mu held): ask the next queued job's thread;
 * when that job was handed over (no thread waits), the spare thread if
 * spare, else nobody (the caller looks again, commit_lead). */
static void
commit_handoff(int spare)
{
	commit.leading = 0;
	if (commit.head == NULL)
		return;
	if (commit.head->done == NULL) {
		/* still queued, so still there: its thread waits for a word */
		commit_tell(commit.head, COMMIT_LEAD);
		return;
	}
	if (spare) {
		commit.spare_asked = 1;
		pthread_cond_signal(&commit.spare_cv);
	}
}

/* The committer's own threads take no signals: the process's handlers
 * run on the threads that wait for them. */
static void
commit_thread_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/* Give the committed group g to the finisher (commit.mu held). */
static void
commit_fin_queue(struct commit_job *g, const char *wake)
{
	g->fin_next = NULL;
	g->fin_wake = wake;
	if (commit.fin_tail != NULL)
		commit.fin_tail->fin_next = g;
	else
		commit.fin_head = g;
	commit.fin_tail = g;
	pthread_cond_signal(&commit.fin_cv);
}

/* The finisher: flushes and tells the groups queued for it, in order,
 * until stopped with none left. */
static void *
commit_fin_main(void *arg)
{
	struct commit_job *g;
	const char *wake;

	(void)arg;
	commit_thread_signals();
	pthread_mutex_lock(&commit.mu);
	for (;;) {
		while (commit.fin_head == NULL && !commit.fin_stop)
			pthread_cond_wait(&commit.fin_cv, &commit.mu);
		if ((g = commit.fin_head) == NULL)
			break;		/* stopped, and nothing left */
		commit.fin_head = g->fin_next;
		if (commit.fin_head == NULL)
			commit.fin_tail = NULL;
		pthread_mutex_unlock(&commit.mu);
		wake = commit_flush(g, g->fin_wake);
		commit_finish(g, NULL, wake);
		pthread_mutex_lock(&commit.mu);
	}
	pthread_mutex_unlock(&commit.mu);
	return NULL;
}

/*
 * Lead: run groups off the queue until the one with job j; flush each,
 * tell its jobs; then hand the lead on.  A heavy group (at least
 * COMMIT_PIPELINE_WEIGHT events: batches) hands the lead on BEFORE its
 * flush, so that the next group's work overlaps this one's fsync (batch
 * sync: +15-20 %); a light one flushes first, so that more requests queue
 * meanwhile and the next group is bigger (single events sync: handing on
 * early made groups smaller, -10 %, and cost 10 % more CPU per event).
 *
 * stay (a leader for handed-over jobs: commit_defer, the spare thread;
 * j is then not waited for and may be NULL): every group is "mine"; the
 * lead is given up at the same point, but before the group's jobs are
 * told (done: their answers), so that the next thread to queue a job
 * leads the next group meanwhile, on the other core; then, if nobody
 * took the lead and jobs are queued, this thread leads again - so a
 * queued job is never left without a leader.  A heavy group of such a
 * leader goes to the finisher instead (commit_fin_main: it flushes the
 * group and tells its jobs), and the leader keeps the lead while jobs
 * are queued: under a load of batches one thread commits group after
 * group with no gap for flushes and answers (the answers of 2-3 batches
 * between two groups took ~0.4 ms, 7 % of the time).
 *
 * commit.mu is held on entry and exit, not while a group runs, flushes or
 * its waiters are told (they would wake only to wait for the lock).
 */
static void
commit_lead(struct commit_job *j, int stay)
{
	struct commit_job *g, *k;
	const char *wake;
	size_t w;
	int mine = stay, early, handed;

	commit.leading = 1;
	for (;;) {
		g = commit_take();
		commit.last = g->s;
		for (w = 0, k = g; k != NULL; k = k->next) {
			mine = mine || k == j;
			w += k->weight;
		}
		early = mine && w >= COMMIT_PIPELINE_WEIGHT;
		pthread_mutex_unlock(&commit.mu);
		wake = commit_group(g);
		handed = 0;
		if (early) {
			pthread_mutex_lock(&commit.mu);
			if (stay && commit.fin_running) {
				/* the finisher flushes and answers it; this
				 * thread leads on while jobs are queued */
				commit_fin_queue(g, wake);
				if (commit.head != NULL)
					continue;
				commit_handoff(1);
				return;
			}
			commit_handoff(1);
			handed = 1;
			pthread_mutex_unlock(&commit.mu);
		}
		wake = commit_flush(g, wake);
		if (stay && !handed) {
			pthread_mutex_lock(&commit.mu);
			commit_handoff(1);
			handed = 1;
			pthread_mutex_unlock(&commit.mu);
		}
		/* stay: j was handed over (done, maybe freed already), never
		 * "the caller's own" - a waiting job at its old address must
		 * be woken, not just marked */
		commit_finish(g, stay ? NULL : j, wake);
		pthread_mutex_lock(&commit.mu);
		if (stay) {
			if (commit.leading || commit.head == NULL)
				return;
			commit.leading = 1;	/* nobody took it: lead on */
			continue;
		}
		if (handed)
			return;
		if (mine) {
			commit_handoff(1);
			return;
		}
	}
}

/* The spare thread: leads when asked (commit_handoff), until stopped. */
static void *
commit_spare_main(void *arg)
{
	(void)arg;
	commit_thread_signals();
	pthread_mutex_lock(&commit.mu);
	for (;;) {
		while (!commit.spare_asked && !commit.spare_stop)
			pthread_cond_wait(&commit.spare_cv, &commit.mu);
		if (commit.spare_stop)
			break;
		commit.spare_asked = 0;
		if (!commit.leading && commit.head != NULL)
			commit_lead(NULL, 1);
	}
	pthread_mutex_unlock(&commit.mu);
	return NULL;
}

/* Checkpoint once the log since the last one passes
 * COMMIT_CKP_KBYTES (a failure is logged; the next tick tries again). */
static void
commit_ckp(struct store *s)
{
	char err[256];

	err[0] = '\0';
	if (s != NULL && store_checkpoint_log(s, COMMIT_CKP_KBYTES, err,
	    sizeof(err)) != STORE_OK)
		log_warn("checkpoint: %s", err);
}

/* The checkpoint thread's tick: the store of the last group. */
static void
commit_ckp_tick(void *arg)
{
	struct store *s;

	(void)arg;
	pthread_mutex_lock(&commit.mu);
	s = commit.last;
	pthread_mutex_unlock(&commit.mu);
	commit_ckp(s);
}

/* The write-behind thread's tick: flush the log of the last group's store
 * once COMMIT_BEHIND_KBYTES are not on disk (durability nosync only). */
static void
commit_behind_tick(void *arg)
{
	struct store *s;
	char err[256];

	(void)arg;
	pthread_mutex_lock(&commit.mu);
	s = commit.last;
	pthread_mutex_unlock(&commit.mu);
	err[0] = '\0';
	if (s != NULL && store_log_write_behind(s, COMMIT_BEHIND_KBYTES, err,
	    sizeof(err)) != STORE_OK)
		log_warn("log write-behind: %s", err);
}

void
commit_stats(struct commit_stats *out)
{
	pthread_mutex_lock(&commit.mu);
	*out = commit.st;
	pthread_mutex_unlock(&commit.mu);
}

int
commit_start(int write_behind)
{
	if (commit.ckp.running)
		return 0;
	if (periodic_start(&commit.ckp, COMMIT_CKP_MS, commit_ckp_tick,
	    NULL) == -1)
		return -1;
	(void)pthread_setname_np(commit.ckp.thread, "hookd-ckp");
	/* without it, writes still work: the log file switches just stall */
	if (write_behind) {
		if (periodic_start(&commit.behind, COMMIT_BEHIND_MS,
		    commit_behind_tick, NULL) == 0)
			(void)pthread_setname_np(commit.behind.thread,
			    "hookd-behind");
		else
			log_warn("no log write-behind thread");
	}
	commit.spare_stop = 0;
	commit.spare_asked = 0;
	if (pthread_create(&commit.spare, NULL, commit_spare_main, NULL) == 0) {
		(void)pthread_setname_np(commit.spare, "hookd-spare");
		__atomic_store_n(&commit.spare_running, 1, __ATOMIC_RELEASE);
	} else
		log_warn("no spare committer thread: every request waits "
		    "for its commit");
	commit.fin_stop = 0;
	if (pthread_create(&commit.fin, NULL, commit_fin_main, NULL) == 0) {
		(void)pthread_setname_np(commit.fin, "hookd-finish");
		pthread_mutex_lock(&commit.mu);
		commit.fin_running = 1;
		pthread_mutex_unlock(&commit.mu);
	} else
		log_warn("no finisher thread: leaders flush and answer "
		    "their batches themselves");
	return 0;
}

void
commit_stop(void)
{
	if (__atomic_load_n(&commit.spare_running, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&commit.mu);
		commit.spare_stop = 1;
		pthread_cond_signal(&commit.spare_cv);
		pthread_mutex_unlock(&commit.mu);
		(void)pthread_join(commit.spare, NULL);
		__atomic_store_n(&commit.spare_running, 0, __ATOMIC_RELEASE);
	}
	/* after the spare (it may queue groups): what is queued is
	 * finished first */
	pthread_mutex_lock(&commit.mu);
	if (commit.fin_running) {
		commit.fin_running = 0;
		commit.fin_stop = 1;
		pthread_cond_signal(&commit.fin_cv);
		pthread_mutex_unlock(&commit.mu);
		(void)pthread_join(commit.fin, NULL);
	} else
		pthread_mutex_unlock(&commit.mu);
	periodic_stop(&commit.behind);
	periodic_stop(&commit.ckp);
	pthread_mutex_lock(&commit.mu);
	commit.last = NULL;
	pthread_mutex_unlock(&commit.mu);
}

int
commit_can_defer(void)
{
	return __atomic_load_n(&commit.spare_running, __ATOMIC_ACQUIRE);
}

/* Reset j's outputs and queue it (commit.mu held). */
static void
commit_queue(struct commit_job *j)
{
	j->next = NULL;
	j->taken = 0;
	j->state = COMMIT_QUEUED;
	j->rc = STORE_ERR;
	j->wake = 0;
	j->err[0] = '\0';
	if (j->weight == 0)
		j->weight = 1;
	if (commit.tail != NULL)
		commit.tail->next = j;
	else
		commit.head = j;
	commit.tail = j;
}

void
commit_defer(struct commit_job *j)
{
	pthread_mutex_lock(&commit.mu);
	commit_queue(j);
	if (!commit.leading)
		commit_lead(j, 1);	/* j may be gone from here on */
	pthread_mutex_unlock(&commit.mu);
}

int
commit_run(struct commit_job *j)
{
	int inline_ckp, st;

	j->done = NULL;
	pthread_mutex_lock(&commit.mu);
	commit_queue(j);
	if (!commit.leading)
		commit_lead(j, 0);
	inline_ckp = !commit.ckp.running;
	pthread_mutex_unlock(&commit.mu);
	while ((st = commit_state(j)) != COMMIT_DONE) {
		if (st == COMMIT_QUEUED) {
			commit_sleep(j);
			continue;
		}
		/*
		 * Asked to lead: unless another thread took the lead since,
		 * or took this job into its group (then it is not queued any
		 * more: wait for its DONE).  A compare-and-swap, because DONE
		 * is stored without the lock and must not be overwritten.
		 */
		pthread_mutex_lock(&commit.mu);
		st = COMMIT_LEAD;
		(void)__atomic_compare_exchange_n(&j->state, &st, COMMIT_QUEUED,
		    0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		if (!commit.leading && !j->taken)
			commit_lead(j, 0);
		pthread_mutex_unlock(&commit.mu);
	}
	/* no checkpoint thread (plain CGI): check the log volume here */
	if (inline_ckp && j->rc == STORE_OK)
		commit_ckp(j->s);
	return j->rc;
}
