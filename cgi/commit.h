/*
 * commit.h - the group committer of hookd.fcgi: one thread that runs the
 * writes of many concurrent requests in ONE transaction, commits once
 * (one log flush with durability = sync) and then wakes each request.
 *
 * A request thread fills a struct commit_job (its store, its body fn, a
 * weight) and calls commit_run, which returns only when the job's writes
 * are committed as the store's durability says, or failed.  One thread at
 * a time (the leader: a request thread whose job is queued) takes the
 * jobs queued meanwhile, up to COMMIT_WEIGHT_MAX of weight (always at
 * least one), and runs every job's fn in turn inside one store_txn.  Per
 * job:
 *
 *   - fn returns STORE_OK (it wrote) or a positive value (its own outcome,
 *     e.g. a duplicate id or a refusal: it MUST have written nothing):
 *     the group goes on with the next job; the positive value is the
 *     job's result whatever happens to the group.
 *   - fn returns a negative store code: the whole group aborts.  store_txn
 *     retries the group on deadlock; if the group still fails, every job
 *     runs again ALONE in a transaction of its own, so one bad job never
 *     fails the others.
 *   - the group's commit is written but its log flush fails
 *     (STORE_INDOUBT): each job that wrote gets STORE_INDOUBT and is
 *     never run again (its writes may be stored).  So does any result
 *     about the transaction as a whole (commit.c, commit_whole: also
 *     replication's STORE_NOTPERM and STORE_NOTMASTER where db/store.h
 *     defines them): each job's rc is what the API answers it
 *     (cgi/call.c, call_answer, maps codes to answers in one place).
 *
 * Jobs run in queue order, so a later job sees an earlier one's writes
 * (two posts of one new id in one group: the second finds the first).  fn
 * runs on the leader's thread, never two at once in a process, and may
 * run more than once (retries): it must reset its own output on entry,
 * and may touch memory of its own job (its request thread is blocked in
 * commit_run meanwhile), state only fn bodies use (serialized by the
 * lead) and what is already safe to share.  After a durable group the
 * leader wakes the sender once (lib/wake.h) if any job set wake.
 *
 * Plain CGI (one request) takes the same path: a group of one.
 *
 * A job may also be handed over instead of waited for (commit_defer,
 * with done set): its thread goes on at once, and whichever thread
 * commits the job's group calls done(j) once the result is final (after
 * the flush, exactly when a waiter would have been woken).  A leader that
 * came in through commit_defer leads until the queue is empty or its
 * head is a waiting job (whose thread it asks to lead); a waiting job's
 * leader, once its own job is done, asks the head's thread, or, when the
 * head is a handed-over job whose thread waits for nothing, the spare
 * thread (started by commit_start) to lead.  So a handed-over job never
 * waits for a request that may not come.
 */
#ifndef HOOKD_CGI_COMMIT_H
#define HOOKD_CGI_COMMIT_H

#include <stddef.h>

#include "db/store.h"

/* Most weight (events) one group takes; a heavier single job (a batch)
 * still runs, alone.  Measured: docs/performance.md. */
#define COMMIT_WEIGHT_MAX 256

struct commit_job;
typedef int (*commit_fn)(struct store_txn *t, struct commit_job *j);

struct commit_job {
	/* In. */
	struct store *s;	/* jobs of one store share a group */
	commit_fn fn;		/* the job's writes (contract above) */
	size_t weight;		/* events it writes, >= 1 */
	const char *data_dir;	/* whose sender to wake (see wake) */
	/* Out.  fn sets wake to 1 to have the sender woken once durable. */
	int wake;
	int rc;			/* the job's result: STORE_OK, STORE_INDOUBT,
				 * another store code, or fn's positive value */
	char err[256];		/* why, when rc is a negative store code */
	/* In, for commit_defer only (NULL for commit_run): called once
	 * rc is final, on the committing thread, with no lock held; j
	 * belongs to the committer until then and is never touched by it
	 * after (done may free it). */
	void (*done)(struct commit_job *j);
	/* Private. */
	struct commit_job *next;
	struct commit_job *fin_next;	/* a group's first job: the next
					 * group for the finisher */
	const char *fin_wake;	/* ... and its sender to wake, or NULL */
	int state;		/* queued, done or lead; a futex word */
	int taken;		/* in a leader's group (under the lock) */
	unsigned opens;		/* the environment's opening it committed in */
};

/*
 * Start the checkpoint thread of this process, the log write-behind
 * thread (below) if write_behind (durability nosync: with sync every
 * group's commit flushes the log, so it would only wake for nothing),
 * the spare leader (commit_defer) and the finisher, which flushes and
 * answers the heavy groups (batches) of a leader that came in through
 * commit_defer, so that the leader goes on with the next group at once.
 * The threads are named (comm, as top -H and /proc/PID/task/N/comm show
 * them) hookd-ckp, hookd-behind, hookd-spare and hookd-finish.  0, or -1
 * (then commit_run checks the log volume after each job, as in plain
 * CGI, and there is no write-behind; without the spare, commit_defer may
 * not be used; without the finisher, leaders flush and answer).
 */
int commit_start(int write_behind);

/* Stop and join those threads; nothing if none.  Call when no
 * commit_run is in progress. */
void commit_stop(void);

/* Run job j (s, fn, weight set) and wait for it: j->rc (also returned). */
int commit_run(struct commit_job *j);

/* 1 if commit_defer may be used: the threads of commit_start run. */
int commit_can_defer(void);

/*
 * Hand job j (s, fn, weight and done set) over to the committer: returns
 * without waiting for it (if this thread leads, after the groups it led,
 * which may include j: done may have run already).  j->done(j) is called
 * once, when j->rc is final.  Only when commit_can_defer().
 */
void commit_defer(struct commit_job *j);

/* Counts since the process started (tests, docs/performance.md). */
struct commit_stats {
	unsigned long long groups;	/* transactions tried for groups */
	unsigned long long jobs;	/* jobs taken into them */
	unsigned long long max_jobs;	/* the most jobs one group took */
	unsigned long long reruns;	/* groups that failed: each job alone */
};
void commit_stats(struct commit_stats *out);

/*
 * The committer also bounds recovery: a thread of its own checks every
 * COMMIT_CKP_MS whether more than COMMIT_CKP_KBYTES of log were written
 * since the last checkpoint (by any process) and then checkpoints
 * (store_checkpoint_log), so a process killed mid-intake leaves at most
 * about that much log for the next opener to replay (docs/operations.md).
 */
#define COMMIT_CKP_KBYTES (32 * 1024)
#define COMMIT_CKP_MS 200

/*
 * With durability nosync a second thread looks every COMMIT_BEHIND_MS
 * whether more than COMMIT_BEHIND_KBYTES of log are not yet on disk and
 * then flushes it (store_log_write_behind): Berkeley DB fsyncs each full
 * log file (10 MiB) while holding the log's mutex, so at 100 MB/s of log
 * (batches) every writer stopped for that fsync several times a second;
 * flushed behind, the switch finds about this much (and what came in one
 * period) to write.
 */
#define COMMIT_BEHIND_KBYTES 2048
#define COMMIT_BEHIND_MS 20

#endif
