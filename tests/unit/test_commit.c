/*
 * test_commit.c - the group committer (cgi/commit.h) against a real
 * Berkeley DB environment: concurrent jobs share one transaction, a
 * repeated id inside one group is stored once (the later job sees the
 * earlier one's write), a failing job does not fail the others of its
 * group (they rerun alone and are stored; its own writes are not), and a
 * log flush that fails after the commit is STORE_INDOUBT for the jobs
 * that wrote, as is a commit whose environment was reopened (a recovery
 * after another process died) before its flush: that flush would be the
 * new environment's, not the commit's.
 *
 * A "blocker" job holds the lead for a moment so that the other threads'
 * jobs queue behind it and are taken as one group; commit_stats shows
 * that they were.
 *
 * Handed-over jobs (commit_defer): queued behind a waiting job's group,
 * they are led by the spare thread with no further job coming, and each
 * done is called once, after its event is committed; mixed with waited-for
 * jobs and failing ones from many threads, each is answered exactly once.
 * The log write-behind thread runs only when asked (durability nosync).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgi/commit.h"
#include "db/env.h"	/* white box: struct store's dead flag */
#include "db/store.h"
#include "db/txn.h"
#include "tests/unit/store_fixture.h"

#define NJOBS 8
#define DUP 1		/* a job's own outcome: the id was stored already */

/* home, s, setup and teardown: a fresh environment per test */
FX_STORE_PER_TEST

struct tjob {
	struct commit_job job;	/* first: the fn gets the job */
	char id[STORE_ID_MAX + 1];
	int poison;		/* write, then fail: the group must abort */
	int hold_ms;		/* sleep in fn (holds the lead) */
	int mark_dead;		/* write, then mark the store dead (as another
				 * thread does on seeing a panic): it reopens
				 * before the group's flush */
	pthread_t th;
};

/* Store the event tj->id unless it is stored: STORE_OK or DUP. */
static int
tjob_fn(struct store_txn *t, struct commit_job *j)
{
	struct tjob *tj = (struct tjob *)j;
	struct store_event e, old;
	struct timespec ts;
	int rc;

	if (tj->hold_ms > 0) {
		ts.tv_sec = 0;
		ts.tv_nsec = (long)tj->hold_ms * 1000000L;
		nanosleep(&ts, NULL);
	}
	rc = store_event_get(t, tj->id, 0, &old);
	if (rc == STORE_OK) {
		store_event_free(&old);
		return DUP;
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	e = fx_evt(tj->id, 1000, "{\"x\":1}");
	if ((rc = store_event_put(t, &e)) != STORE_OK)
		return rc == STORE_EXISTS ? DUP : rc;
	if (tj->mark_dead)
		__atomic_store_n(&j->s->dead, 1, __ATOMIC_RELEASE);
	return tj->poison ? STORE_ERR : STORE_OK;
}

static void *
tjob_thread(void *arg)
{
	struct tjob *tj = arg;

	(void)commit_run(&tj->job);
	return NULL;
}

static void
tjob_init(struct tjob *tj, const char *id)
{
	memset(tj, 0, sizeof(*tj));
	tj->job.s = s;
	tj->job.fn = tjob_fn;
	tj->job.weight = 1;
	FX_SET(tj->id, id);
}

static int
get_fn(struct store_txn *t, void *arg)
{
	struct store_event e;
	int rc;

	rc = store_event_get(t, arg, 0, &e);
	if (rc == STORE_OK)
		store_event_free(&e);
	return rc;
}

/* 1 if the event id is stored in store st. */
static int
stored_in(struct store *st, const char *id)
{
	return fx_txn(st, STORE_RDONLY, get_fn, (void *)id) == STORE_OK;
}

static int
stored(const char *id)
{
	return stored_in(s, id);
}

/* Run the blocker (holding the lead hold_ms) and then jobs v[0..n) from
 * their own threads while it holds it; wait for all. */
static void
run_grouped(struct tjob *blocker, struct tjob *v, size_t n)
{
	struct timespec ts = { 0, 30 * 1000000L };
	size_t i;

	ck_assert_int_eq(pthread_create(&blocker->th, NULL, tjob_thread,
	    blocker), 0);
	nanosleep(&ts, NULL);		/* the blocker leads now */
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&v[i].th, NULL, tjob_thread,
		    &v[i]), 0);
	ck_assert_int_eq(pthread_join(blocker->th, NULL), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_join(v[i].th, NULL), 0);
}

START_TEST(test_one_id_posted_at_once_is_stored_once_in_one_group)
{
	struct tjob blocker, v[NJOBS];
	struct commit_stats a, b;
	size_t i, ok = 0, dup = 0;

	commit_stats(&a);
	tjob_init(&blocker, "evt_blocker_1");
	blocker.hold_ms = 800;
	for (i = 0; i < NJOBS; i++)
		tjob_init(&v[i], "evt_same_id");
	run_grouped(&blocker, v, NJOBS);
	commit_stats(&b);
	for (i = 0; i < NJOBS; i++) {
		ok += v[i].job.rc == STORE_OK;
		dup += v[i].job.rc == DUP;
	}
	ck_assert_uint_eq(ok, 1);
	ck_assert_uint_eq(dup, NJOBS - 1);
	ck_assert_int_eq(blocker.job.rc, STORE_OK);
	ck_assert(stored("evt_same_id"));
	/* they were one group: 2 transactions for 9 jobs */
	ck_assert_uint_eq(b.jobs - a.jobs, NJOBS + 1);
	ck_assert_uint_eq(b.groups - a.groups, 2);
	ck_assert_uint_ge(b.max_jobs, NJOBS);
	ck_assert_uint_eq(b.reruns - a.reruns, 0);
}
END_TEST

START_TEST(test_a_failing_job_does_not_fail_the_others_of_its_group)
{
	struct tjob blocker, v[NJOBS];
	struct commit_stats a, b;
	char id[64];
	size_t i;

	commit_stats(&a);
	tjob_init(&blocker, "evt_blocker_2");
	blocker.hold_ms = 800;
	for (i = 0; i < NJOBS; i++) {
		snprintf(id, sizeof(id), "evt_member_%zu", i);
		tjob_init(&v[i], id);
	}
	v[3].poison = 1;	/* writes its event, then fails */
	run_grouped(&blocker, v, NJOBS);
	commit_stats(&b);
	ck_assert_uint_eq(b.reruns - a.reruns, 1);
	for (i = 0; i < NJOBS; i++) {
		if (i == 3) {
			ck_assert_int_eq(v[i].job.rc, STORE_ERR);
			ck_assert(!stored(v[i].id));	/* its write aborted */
		} else {
			ck_assert_int_eq(v[i].job.rc, STORE_OK);
			ck_assert(stored(v[i].id));
		}
	}
}
END_TEST

static int
flush_fails(DB_ENV *env)
{
	(void)env;
	return EIO;
}

START_TEST(test_a_flush_failing_after_the_commit_is_indoubt_not_unstored)
{
	int (*flush)(DB_ENV *) = txn_log_flush;
	struct store *sync_s;
	struct tjob j, again;
	char *h2 = fx_tmpdir();

	sync_s = fx_open(h2, 0);	/* durability sync: commit, then flush */
	tjob_init(&j, "evt_indoubt");
	j.job.s = sync_s;
	txn_log_flush = flush_fails;
	ck_assert_int_eq(commit_run(&j.job), STORE_INDOUBT);
	txn_log_flush = flush;
	ck_assert_str_ne(j.job.err, "");
	/* the commit went in: the event is there, and a repeat of the id
	 * finds it (the answer told the client to repeat it) */
	ck_assert(stored_in(sync_s, "evt_indoubt"));
	tjob_init(&again, "evt_indoubt");
	again.job.s = sync_s;
	ck_assert_int_eq(commit_run(&again.job), DUP);
	store_close(sync_s);
	fx_rmdir(h2);
	free(h2);
}
END_TEST

START_TEST(test_a_reopen_between_the_commit_and_its_flush_is_indoubt)
{
	struct store *sync_s;
	struct tjob j, after;
	char *h2 = fx_tmpdir();

	sync_s = fx_open(h2, 0);	/* durability sync: commit, then flush */
	tjob_init(&j, "evt_reopened");
	j.job.s = sync_s;
	j.mark_dead = 1;
	ck_assert_int_eq(commit_run(&j.job), STORE_INDOUBT);
	ck_assert_ptr_nonnull(strstr(j.job.err, "recovered"));
	/* the store goes on in its new opening: the next write is durable */
	tjob_init(&after, "evt_after_reopen");
	after.job.s = sync_s;
	ck_assert_int_eq(commit_run(&after.job), STORE_OK);
	ck_assert(stored_in(sync_s, "evt_after_reopen"));
	store_close(sync_s);
	fx_rmdir(h2);
	free(h2);
}
END_TEST

/* Handed-over jobs: done counts the calls and checks the event is
 * committed by then (a read in a transaction of its own). */
static int deferred_done, deferred_seen_stored;

static void
tjob_done(struct commit_job *j)
{
	struct tjob *tj = (struct tjob *)j;

	if (j->rc == STORE_OK && stored(tj->id))
		__atomic_add_fetch(&deferred_seen_stored, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&deferred_done, 1, __ATOMIC_ACQ_REL);
}

START_TEST(test_handed_over_jobs_behind_a_waiting_job_are_led_by_the_spare)
{
	struct tjob blocker, v[NJOBS];
	struct timespec ts = { 0, 30 * 1000000L };
	char id[64];
	size_t i;
	int waited;

	ck_assert_int_eq(commit_start(1), 0);
	ck_assert(commit_can_defer());
	__atomic_store_n(&deferred_done, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&deferred_seen_stored, 0, __ATOMIC_RELEASE);
	tjob_init(&blocker, "evt_blocker_3");
	blocker.hold_ms = 500;
	ck_assert_int_eq(pthread_create(&blocker.th, NULL, tjob_thread,
	    &blocker), 0);
	nanosleep(&ts, NULL);		/* the blocker leads now */
	for (i = 0; i < NJOBS; i++) {
		snprintf(id, sizeof(id), "evt_handed_%zu", i);
		tjob_init(&v[i], id);
		v[i].job.done = tjob_done;
		commit_defer(&v[i].job);	/* queued: returns at once */
	}
	ck_assert_int_eq(__atomic_load_n(&deferred_done, __ATOMIC_ACQUIRE), 0);
	ck_assert_int_eq(pthread_join(blocker.th, NULL), 0);
	ck_assert_int_eq(blocker.job.rc, STORE_OK);
	/* nobody queues anything more: the spare must lead them */
	for (waited = 0; waited < 500 && __atomic_load_n(&deferred_done,
	    __ATOMIC_ACQUIRE) < NJOBS; waited++)
		nanosleep(&ts, NULL);
	ck_assert_int_eq(__atomic_load_n(&deferred_done, __ATOMIC_ACQUIRE),
	    NJOBS);
	ck_assert_int_eq(__atomic_load_n(&deferred_seen_stored,
	    __ATOMIC_ACQUIRE), NJOBS);
	for (i = 0; i < NJOBS; i++)
		ck_assert_int_eq(v[i].job.rc, STORE_OK);
	commit_stop();
	ck_assert(!commit_can_defer());
}
END_TEST

/*
 * Many threads at once, each alternating commit_defer (a heap job that
 * its done frees, as hookd.fcgi's events_done does) and commit_run,
 * some jobs poisoned (their group reruns each alone): every handed-over
 * job gets exactly one done, with the same outcome as a waited-for job
 * (STORE_OK and stored, or STORE_ERR and not), and nothing is left
 * queued without a leader.
 */
#define MIX_THREADS 6
#define MIX_ROUNDS 120
static int mix_calls[MIX_THREADS * MIX_ROUNDS];
static int mix_bad;

static void
mix_done(struct commit_job *j)
{
	struct tjob *tj = (struct tjob *)j;
	int k = (int)strtol(tj->id + 8, NULL, 10);	/* "evt_mix_K" */

	if (tj->poison ? j->rc != STORE_ERR || stored(tj->id) :
	    j->rc != STORE_OK || !stored(tj->id))
		__atomic_add_fetch(&mix_bad, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&mix_calls[k], 1, __ATOMIC_ACQ_REL);
	free(tj);
}

static void *
mix_thread(void *arg)
{
	int t = (int)(long)arg, r, k;
	struct tjob *tj, w;
	char id[64];

	for (r = 0; r < MIX_ROUNDS; r++) {
		k = t * MIX_ROUNDS + r;
		snprintf(id, sizeof(id), "evt_mix_%d", k);
		if (r % 3 != 2) {
			if ((tj = malloc(sizeof(*tj))) == NULL) {
				__atomic_add_fetch(&mix_bad, 1,
				    __ATOMIC_ACQ_REL);
				continue;
			}
			tjob_init(tj, id);
			tj->poison = k % 17 == 5;
			tj->job.done = mix_done;
			commit_defer(&tj->job);	/* tj may be freed already */
			continue;
		}
		tjob_init(&w, id);
		w.poison = k % 17 == 5;
		w.hold_ms = k % 5 == 0;
		if (commit_run(&w.job) != (w.poison ? STORE_ERR : STORE_OK))
			__atomic_add_fetch(&mix_bad, 1, __ATOMIC_ACQ_REL);
		__atomic_add_fetch(&mix_calls[k], 1, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

START_TEST(test_handed_over_and_waited_jobs_mixed_each_answered_once)
{
	struct timespec ts = { 0, 10 * 1000000L };
	pthread_t th[MIX_THREADS];
	int i, n, waited;

	ck_assert_int_eq(commit_start(1), 0);
	memset(mix_calls, 0, sizeof(mix_calls));
	__atomic_store_n(&mix_bad, 0, __ATOMIC_RELEASE);
	for (i = 0; i < MIX_THREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, mix_thread,
		    (void *)(long)i), 0);
	for (i = 0; i < MIX_THREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	/* the last handed-over jobs may still be in a group: no new job
	 * comes, so their leader (or the spare) must finish them */
	for (waited = 0; waited < 1000; waited++) {
		for (n = 0, i = 0; i < MIX_THREADS * MIX_ROUNDS; i++)
			n += __atomic_load_n(&mix_calls[i], __ATOMIC_ACQUIRE)
			    != 0;
		if (n == MIX_THREADS * MIX_ROUNDS)
			break;
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < MIX_THREADS * MIX_ROUNDS; i++)
		ck_assert_msg(__atomic_load_n(&mix_calls[i], __ATOMIC_ACQUIRE)
		    == 1, "job %d answered %d times", i, mix_calls[i]);
	ck_assert_int_eq(__atomic_load_n(&mix_bad, __ATOMIC_ACQUIRE), 0);
	commit_stop();
}
END_TEST

/* How many threads of this process are named name (comm). */
static int
threads_named(const char *name)
{
	char path[320], comm[32];
	struct dirent *d;
	DIR *dir;
	FILE *f;
	int n = 0;

	dir = opendir("/proc/self/task");
	ck_assert_ptr_nonnull(dir);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
		    d->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;	/* ended meanwhile */
		if (fgets(comm, sizeof(comm), f) != NULL) {
			comm[strcspn(comm, "\n")] = '\0';
			n += strcmp(comm, name) == 0;
		}
		fclose(f);
	}
	closedir(dir);
	return n;
}

/*
 * threads_named once it reads want, or after 2 s: a joined thread's
 * /proc/self/task entry can outlive pthread_join by a moment (the kernel
 * clears the thread id, which join waits for, before it reaps the task).
 */
static int
threads_named_settled(const char *name, int want)
{
	struct timespec ts = { 0, 10 * 1000000L };
	int i, n = 0;

	for (i = 0; i < 200; i++) {
		if ((n = threads_named(name)) == want)
			break;
		nanosleep(&ts, NULL);
	}
	return n;
}

START_TEST(test_the_write_behind_thread_runs_only_when_asked_nosync)
{
	/* durability sync: every commit flushes; no thread to wake for it */
	ck_assert_int_eq(commit_start(0), 0);
	ck_assert_int_eq(threads_named("hookd-ckp"), 1);
	ck_assert_int_eq(threads_named("hookd-spare"), 1);
	ck_assert_int_eq(threads_named("hookd-behind"), 0);
	commit_stop();
	ck_assert_int_eq(threads_named_settled("hookd-ckp", 0), 0);
	/* nosync */
	ck_assert_int_eq(commit_start(1), 0);
	ck_assert_int_eq(threads_named("hookd-behind"), 1);
	commit_stop();
	ck_assert_int_eq(threads_named_settled("hookd-behind", 0), 0);
	ck_assert_int_eq(threads_named_settled("hookd-spare", 0), 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("commit");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc,
	    test_one_id_posted_at_once_is_stored_once_in_one_group);
	tcase_add_test(tc,
	    test_a_failing_job_does_not_fail_the_others_of_its_group);
	tcase_add_test(tc,
	    test_a_flush_failing_after_the_commit_is_indoubt_not_unstored);
	tcase_add_test(tc,
	    test_a_reopen_between_the_commit_and_its_flush_is_indoubt);
	tcase_add_test(tc,
	    test_handed_over_jobs_behind_a_waiting_job_are_led_by_the_spare);
	tcase_add_test(tc,
	    test_handed_over_and_waited_jobs_mixed_each_answered_once);
	tcase_add_test(tc,
	    test_the_write_behind_thread_runs_only_when_asked_nosync);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
