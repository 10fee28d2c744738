/*
 * test_house.c - sender/house: the --loop housekeeping thread on a real
 * store in a temp dir, with short intervals.  It rewrites the status page
 * while this thread writes to the same handle, purges what retention says,
 * survives a status page that cannot be written, stops promptly when
 * asked (idle, or in the middle of a long purge, at a batch boundary).
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/store.h"
#include "lib/config.h"
#include "lib/id.h"
#include "lib/timefmt.h"
#include "sender/house.h"
#include "sender/purge.h"

#define DAY (86400LL * 1000)
#define NEVER (3600LL * 1000)	/* an interval no test outlives */

struct fx {
	char dir[64];
	char home[128];
	char www[128];
	struct store *s;
	struct config cfg;
	volatile sig_atomic_t stop;
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
fx_open(struct fx *fx)
{
	struct store_opts o;
	char err[256] = "";
	int n;

	memset(fx, 0, sizeof(*fx));
	memcpy(fx->dir, "/tmp/hookd-test-house-XXXXXX",
	    sizeof("/tmp/hookd-test-house-XXXXXX"));
	ck_assert_ptr_nonnull(mkdtemp(fx->dir));
	n = snprintf(fx->home, sizeof(fx->home), "%s/db", fx->dir);
	ck_assert(n > 0 && (size_t)n < sizeof(fx->home));
	n = snprintf(fx->www, sizeof(fx->www), "%s/www", fx->dir);
	ck_assert(n > 0 && (size_t)n < sizeof(fx->www));
	memset(&o, 0, sizeof(o));
	o.home = fx->home;
	o.nosync = 1;
	ck_assert_msg(store_open(&fx->s, &o, err, sizeof(err)) == STORE_OK,
	    "store_open: %s", err);
	config_defaults(&fx->cfg);
	n = snprintf(fx->cfg.status_dir, sizeof(fx->cfg.status_dir), "%s",
	    fx->www);
	ck_assert(n > 0 && (size_t)n < sizeof(fx->cfg.status_dir));
}

static void
fx_close(struct fx *fx)
{
	store_close(fx->s);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct house *
fx_start(struct fx *fx, int64_t status_ms, int64_t ckpt_ms, int64_t purge_ms,
    int64_t first_purge_ms)
{
	struct house_intervals iv = { status_ms, ckpt_ms, purge_ms,
	    first_purge_ms };
	struct house *h = NULL;
	char err[256] = "";

	ck_assert_msg(house_start(&h, fx->s, &fx->cfg, &fx->stop, &iv, err,
	    sizeof(err)) == 0, "house_start: %s", err);
	ck_assert_ptr_nonnull(h);
	return h;
}

static void
sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* house_stop(h); how long it took, ms. */
static int64_t
timed_stop(struct house *h)
{
	int64_t t0 = timefmt_mono_ms();

	house_stop(h);
	return timefmt_mono_ms() - t0;
}

/* The "pass" of dir/status.json ("" if none yet), into out. */
static void
page_pass(const char *dir, char *out, size_t outlen)
{
	char path[256];
	json_object *root, *p;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/status.json", dir);
	root = json_object_from_file(path);
	if (root == NULL)
		return;
	if (json_object_object_get_ex(root, "pass", &p))
		snprintf(out, outlen, "%s", json_object_get_string(p));
	json_object_put(root);
}

/* queue.pending of dir/status.json, or -1. */
static int64_t
page_pending(const char *dir)
{
	char path[256];
	json_object *root, *q, *p;
	int64_t v = -1;

	snprintf(path, sizeof(path), "%s/status.json", dir);
	root = json_object_from_file(path);
	if (root == NULL)
		return -1;
	if (json_object_object_get_ex(root, "queue", &q) &&
	    json_object_object_get_ex(q, "pending", &p))
		v = json_object_get_int64(p);
	json_object_put(root);
	return v;
}

/* ---- seeding ----------------------------------------------------------- */

struct seed {
	int64_t created;	/* created_at of every record */
	int status;		/* of the deliveries */
	int n;			/* deliveries, each with its own event */
	int events;		/* 1: put the events too */
};

static int
seed_txn(struct store_txn *t, void *arg)
{
	const struct seed *sd = arg;
	struct store_delivery d;
	struct store_event e;
	int i, rc;

	for (i = 0; i < sd->n; i++) {
		memset(&d, 0, sizeof(d));
		if (id_new_at("dlv", sd->created, d.id, sizeof(d.id)) == -1 ||
		    id_new_at("evt", sd->created, d.event_id,
		    sizeof(d.event_id)) == -1)
			return STORE_ERR;
		memcpy(d.webhook_id, "wh_1", 5);
		memcpy(d.app_id, "app_1", 6);
		memcpy(d.event_type, "user.created", 13);
		d.status = sd->status;
		d.attempts = sd->status == STORE_DLV_PENDING ? 0 : 1;
		d.next_attempt_at = sd->status == STORE_DLV_PENDING ?
		    sd->created : 0;
		d.created_at = d.updated_at = sd->created;
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
		if (!sd->events)
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.id, d.event_id, sizeof(e.id));
		memcpy(e.type, "user.created", 13);
		memcpy(e.org_id, "org_1", 6);
		memcpy(e.app_id, "app_1", 6);
		e.created_at = sd->created;
		e.deliveries = 1;
		e.body = (char *)"{}";
		e.body_len = 2;
		if ((rc = store_event_put(t, &e)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

static void
seed(struct fx *fx, int64_t created, int status, int n, int events)
{
	struct seed sd = { created, status, 0, events };
	char err[256] = "";

	while (n > 0) {
		sd.n = n < 500 ? n : 500;
		ck_assert_msg(store_txn(fx->s, 0, seed_txn, &sd, err,
		    sizeof(err)) == STORE_OK, "seed: %s", err);
		n -= sd.n;
	}
}

static int
counts_txn(struct store_txn *t, void *arg)
{
	return store_counts(t, arg);
}

static struct store_counts
counts(struct fx *fx)
{
	struct store_counts c;
	char err[256] = "";

	ck_assert_msg(store_txn(fx->s, STORE_RDONLY, counts_txn, &c, err,
	    sizeof(err)) == STORE_OK, "counts: %s", err);
	return c;
}

/* ---- status page ------------------------------------------------------- */

START_TEST(test_house_rewrites_status_page_while_this_thread_writes_store)
{
	struct fx fx;
	struct house *h;
	char pass[128], last[128] = "";
	int64_t end, pending;
	int pages = 0, txns = 0;

	fx_open(&fx);
	/* status every 50 ms, a checkpoint every 30 ms, no purge */
	h = fx_start(&fx, 50, 30, NEVER, NEVER);
	/* ~20 pages a second; a loaded machine's fsyncs may slow them */
	end = timefmt_mono_ms() + 10000;
	while (timefmt_mono_ms() < end && (pages < 4 || txns < 50)) {
		/* our own write transactions on the same handle meanwhile */
		seed(&fx, timefmt_now_ms(), STORE_DLV_PENDING, 5, 0);
		txns++;
		page_pass(fx.www, pass, sizeof(pass));
		if (pass[0] != '\0' && strcmp(pass, last) != 0) {
			ck_assert_msg(strstr(pass, "hookd-send --loop") ==
			    pass, "pass: %s", pass);
			memcpy(last, pass, sizeof(last));
			pages++;
		}
		sleep_ms(2);
	}
	house_stop(h);	/* may wait for a page's fsyncs: not timed here */
	ck_assert_msg(pages >= 4, "only %d distinct pages in 10 s", pages);
	ck_assert_int_ge(txns, 50);
	/* the last page counted what we wrote: it read our commits */
	pending = page_pending(fx.www);
	ck_assert_msg(pending >= 5 && pending <= 5LL * txns,
	    "pending %lld of %d", (long long)pending, 5 * txns);
	fx_close(&fx);
}
END_TEST

START_TEST(test_house_status_write_failure_is_logged_and_thread_goes_on)
{
	struct fx fx;
	struct house *h;
	char logpath[128], sub[160], pass[128], buf[4096];
	int fd, saved, i;
	ssize_t n;

	fx_open(&fx);
	/* status_dir under a plain file: every page write fails */
	fd = open(fx.www, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(sub, sizeof(sub), "%s/sub", fx.www);
	snprintf(fx.cfg.status_dir, sizeof(fx.cfg.status_dir), "%s", sub);
	/* catch the log (stderr) in a file */
	snprintf(logpath, sizeof(logpath), "%s/log", fx.dir);
	fd = open(logpath, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);

	h = fx_start(&fx, 30, NEVER, NEVER, NEVER);
	sleep_ms(200);		/* several failed pages */
	/* make the directory usable: the next page must appear */
	ck_assert_int_eq(unlink(fx.www), 0);
	ck_assert_int_eq(mkdir(fx.www, 0755), 0);
	for (i = 0; i < 250; i++) {
		page_pass(sub, pass, sizeof(pass));
		if (pass[0] != '\0')
			break;
		sleep_ms(20);
	}
	house_stop(h);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);

	ck_assert_msg(pass[0] != '\0', "no page after the dir was fixed");
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, "status page: ") != NULL, "log: %s", buf);
	fx_close(&fx);
}
END_TEST

/* ---- retention --------------------------------------------------------- */

START_TEST(test_house_purge_removes_old_finished_deliveries_only)
{
	struct fx fx;
	struct house *h;
	struct store_counts c;
	int64_t now = timefmt_now_ms();
	int i;

	fx_open(&fx);
	fx.cfg.retention_ms = 30 * DAY;
	seed(&fx, now - 60 * DAY, STORE_DLV_DELIVERED, 3, 1);	/* go */
	seed(&fx, now - 60 * DAY, STORE_DLV_FAILED, 2, 1);	/* go */
	seed(&fx, now - 60 * DAY, STORE_DLV_PENDING, 1, 1);	/* stays */
	seed(&fx, now - 1 * DAY, STORE_DLV_DELIVERED, 2, 1);	/* stays */
	c = counts(&fx);
	ck_assert_uint_eq(c.deliveries, 8);
	ck_assert_uint_eq(c.events, 8);

	/* the first purge 20 ms after the start, then no more */
	h = fx_start(&fx, NEVER, NEVER, NEVER, 20);
	for (i = 0; i < 100; i++) {
		c = counts(&fx);
		if (c.deliveries == 3 && c.events == 3)
			break;
		sleep_ms(20);
	}
	house_stop(h);	/* may wait for the purge's checkpoint */
	c = counts(&fx);
	ck_assert_uint_eq(c.deliveries, 3);
	ck_assert_uint_eq(c.pending, 1);
	/* the events of the purged deliveries went with them */
	ck_assert_uint_eq(c.events, 3);
	fx_close(&fx);
}
END_TEST

#define LONG_PURGE 40000	/* deliveries: many batches of PURGE_BATCH */

START_TEST(test_house_stop_during_long_purge_ends_at_a_batch_boundary)
{
	struct fx fx;
	struct house *h;
	struct store_counts c;
	int64_t ms, t0;
	uint64_t gone;

	fx_open(&fx);
	fx.cfg.retention_ms = 30 * DAY;
	t0 = timefmt_mono_ms();
	seed(&fx, timefmt_now_ms() - 60 * DAY, STORE_DLV_DELIVERED,
	    LONG_PURGE, 0);
	fprintf(stderr, "seeded %d in %lld ms\n", LONG_PURGE,
	    (long long)(timefmt_mono_ms() - t0));

	h = fx_start(&fx, NEVER, NEVER, NEVER, 0);	/* purge at once */
	sleep_ms(150);
	ms = timed_stop(h);
	c = counts(&fx);
	gone = LONG_PURGE - c.deliveries;
	fprintf(stderr, "purged %llu in ~150 ms, stop took %lld ms\n",
	    (unsigned long long)gone, (long long)ms);
	ck_assert_msg(ms < 200, "house_stop took %lld ms", (long long)ms);
	ck_assert_msg(gone > 0, "the purge had not started");
	ck_assert_msg(c.deliveries > 0, "the purge ran to its end");
	/* each batch is one transaction of PURGE_BATCH deletes */
	ck_assert_msg(gone % PURGE_BATCH == 0, "%llu purged",
	    (unsigned long long)gone);
	fx_close(&fx);
}
END_TEST

/* ---- stopping ---------------------------------------------------------- */

START_TEST(test_house_stop_returns_within_200ms_when_idle)
{
	struct fx fx;
	struct house *h = NULL;
	char err[256] = "", pass[128];
	int64_t ms;
	int i;

	fx_open(&fx);
	house_stop(NULL);
	/* the run.h intervals: nothing due for 10 s */
	ck_assert_msg(house_start(&h, fx.s, &fx.cfg, &fx.stop, NULL, err,
	    sizeof(err)) == 0, "house_start: %s", err);
	sleep_ms(50);
	ms = timed_stop(h);
	ck_assert_msg(ms < 200, "house_stop took %lld ms", (long long)ms);
	/* and asleep after some work: a page at 1 s, the next at 2 s */
	h = fx_start(&fx, 1000, NEVER, NEVER, NEVER);
	for (i = 0; i < 500; i++) {
		page_pass(fx.www, pass, sizeof(pass));
		if (pass[0] != '\0')
			break;
		sleep_ms(10);
	}
	ck_assert(pass[0] != '\0');
	sleep_ms(100);		/* let its last fsync end */
	ms = timed_stop(h);
	ck_assert_msg(ms < 200, "house_stop took %lld ms", (long long)ms);
	fx_close(&fx);
}
END_TEST

START_TEST(test_house_stop_flag_ends_the_work)
{
	struct fx fx;
	struct house *h;
	char before[128], after[128];
	int i;

	fx_open(&fx);
	h = fx_start(&fx, 20, NEVER, NEVER, NEVER);
	for (i = 0; i < 500; i++) {
		page_pass(fx.www, before, sizeof(before));
		if (before[0] != '\0')
			break;
		sleep_ms(10);
	}
	ck_assert(before[0] != '\0');
	__atomic_store_n(&fx.stop, 1, __ATOMIC_RELEASE);	/* the thread reads it */
	sleep_ms(500);		/* a page under way may still land */
	page_pass(fx.www, before, sizeof(before));
	sleep_ms(300);		/* fifteen intervals */
	page_pass(fx.www, after, sizeof(after));
	ck_assert_str_eq(before, after);
	ck_assert_int_lt(timed_stop(h), 200);
	fx_close(&fx);
}
END_TEST

START_TEST(test_house_start_rejects_bad_intervals)
{
	struct fx fx;
	struct house *h = (struct house *)&fx;
	struct house_intervals iv = { 0, 1000, 1000, 0 };
	char err[256] = "";

	fx_open(&fx);
	ck_assert_int_eq(house_start(&h, fx.s, &fx.cfg, NULL, &iv, err,
	    sizeof(err)), -1);
	ck_assert_ptr_null(h);
	ck_assert_msg(strstr(err, "interval") != NULL, "err: %s", err);
	iv.status_ms = 1000;
	iv.purge_first_ms = -1;
	ck_assert_int_eq(house_start(&h, fx.s, &fx.cfg, NULL, &iv, err,
	    sizeof(err)), -1);
	fx_close(&fx);
}
END_TEST

static Suite *
house_suite(void)
{
	Suite *s = suite_create("house");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    test_house_rewrites_status_page_while_this_thread_writes_store);
	tcase_add_test(tc,
	    test_house_status_write_failure_is_logged_and_thread_goes_on);
	tcase_add_test(tc, test_house_purge_removes_old_finished_deliveries_only);
	tcase_add_test(tc, test_house_stop_returns_within_200ms_when_idle);
	tcase_add_test(tc, test_house_stop_flag_ends_the_work);
	tcase_add_test(tc, test_house_start_rejects_bad_intervals);
	suite_add_tcase(s, tc);
	/* its own case: seeding takes a few seconds (minutes under
	 * valgrind, where CK_RUN_CASE=core leaves it out) */
	tc = tcase_create("long");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
	    test_house_stop_during_long_purge_ends_at_a_batch_boundary);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(house_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
