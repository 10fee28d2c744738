/*
 * test_purge.c - sender/purge.c over many batches: finished deliveries
 * and unreferenced events past retention go, pending deliveries and the
 * events they reference stay, whatever sits at a batch boundary.  Each
 * batch resumes after the last entry the previous one looked at (so the
 * entries that stay are walked once per pass): the old pending ones are
 * interleaved with finished ones, and there are more than four batches
 * of them, the most one batch looks at.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "lib/config.h"
#include "sender/purge.h"
#include "tests/unit/store_fixture.h"

#define OLD 1000000LL		/* ms: well before the cutoff */
#define NOW (OLD + 100LL * 86400 * 1000)
#define NDLV 4000		/* every 4th finished, the rest pending */
#define NEVT 600		/* every 3rd referenced by a pending one */

/* home, s, setup and teardown: a fresh environment per test */
FX_STORE_PER_TEST

struct seed {
	int from, to;
};

/* Deliveries i in [from, to): i % 4 == 3 delivered, else pending; events
 * evt_j for j < NEVT (client ids: their order is not their time order),
 * evt_j referenced by a pending delivery when j % 3 == 0. */
static int
seed(struct store_txn *t, void *arg)
{
	const struct seed *sd = arg;
	struct store_delivery d;
	struct store_event e;
	char id[STORE_ID_MAX + 1], evt[32];
	int i, rc;

	for (i = sd->from; i < sd->to; i++) {
		if (i < NEVT) {
			snprintf(evt, sizeof(evt), "evt_%d", NEVT - i);
			e = fx_evt(evt, OLD + i, "{}");
			if ((rc = store_event_put(t, &e)) != STORE_OK)
				return rc;
		}
		fx_id("dlv", OLD + i, id);
		if (i < NEVT && i % 3 == 0)
			snprintf(evt, sizeof(evt), "evt_%d", NEVT - i);
		else
			snprintf(evt, sizeof(evt), "evt_none");
		d = fx_dlv(id, evt, "wh_1", "app_1", i % 4 == 3 ?
		    STORE_DLV_DELIVERED : STORE_DLV_PENDING, NOW + 1000);
		if (i < NEVT && i % 3 == 0)
			d.status = STORE_DLV_PENDING;
		if ((rc = store_delivery_put(t, &d, 1)) != STORE_OK)
			return rc;
	}
	return STORE_OK;
}

struct count {
	int pending, finished, events;
};

static int
count_dlv(const struct store_delivery *d, void *arg)
{
	struct count *c = arg;

	if (d->status == STORE_DLV_PENDING)
		c->pending++;
	else
		c->finished++;
	return 0;
}

static int
count_evt(const struct store_event *e, void *arg)
{
	(void)e;
	((struct count *)arg)->events++;
	return 0;
}

static int
count(struct store_txn *t, void *arg)
{
	struct count *c = arg;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = store_delivery_iter_before(t, INT64_MAX, NULL, count_dlv,
	    c)) != STORE_OK)
		return rc;
	return store_event_iter_before(t, INT64_MAX, 0, NULL, count_evt, c);
}

START_TEST(test_purge_over_many_batches_keeps_pending_and_referenced)
{
	struct config cfg;
	struct purge_counts pc;
	struct seed sd;
	struct count before, after;
	int expect_pending = 0, expect_finished = 0, i;
	char err[256];

	for (sd.from = 0; sd.from < NDLV; sd.from = sd.to) {
		sd.to = sd.from + 500 < NDLV ? sd.from + 500 : NDLV;
		fx_txn(s, 0, seed, &sd);
	}
	for (i = 0; i < NDLV; i++) {
		if ((i < NEVT && i % 3 == 0) || i % 4 != 3)
			expect_pending++;
		else
			expect_finished++;
	}
	fx_txn(s, STORE_RDONLY, count, &before);
	ck_assert_int_eq(before.pending, expect_pending);
	ck_assert_int_eq(before.finished, expect_finished);
	ck_assert_int_eq(before.events, NEVT);
	/* more pending ones than one batch looks at (4 x PURGE_BATCH) */
	ck_assert_int_gt(expect_pending, 4 * PURGE_BATCH);

	memset(&cfg, 0, sizeof(cfg));
	cfg.retention_ms = 30LL * 86400 * 1000;
	ck_assert_int_eq(purge_run(s, &cfg, NOW, NULL, &pc, err, sizeof(err)),
	    0);
	fx_txn(s, STORE_RDONLY, count, &after);
	ck_assert_int_eq(after.finished, 0);
	ck_assert_int_eq(after.pending, expect_pending);
	ck_assert_uint_eq(pc.deliveries, (uint64_t)expect_finished);
	/* the events a pending delivery references stay */
	ck_assert_int_eq(after.events, (NEVT + 2) / 3);
	ck_assert_uint_eq(pc.events, (uint64_t)(NEVT - (NEVT + 2) / 3));
}
END_TEST

/* More events of old pending deliveries than the pass can keep track of:
 * it removes no event (none that a pending delivery needs, and so none),
 * and a pass that can keep them all removes the unreferenced ones. */
START_TEST(test_purge_removes_no_event_when_it_cannot_keep_them_all)
{
	struct config cfg;
	struct purge_counts pc;
	struct seed sd = { 0, NEVT };
	struct count after;
	char err[256];

	ck_assert_int_eq(fx_txn(s, 0, seed, &sd), STORE_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.retention_ms = 30LL * 86400 * 1000;
	purge_keep_max = 10;	/* the pending ones name 201 events */
	ck_assert_int_eq(purge_run(s, &cfg, NOW, NULL, &pc, err, sizeof(err)),
	    0);
	purge_keep_max = PURGE_KEEP_MAX;
	fx_txn(s, STORE_RDONLY, count, &after);
	ck_assert_int_eq(after.events, NEVT);
	ck_assert_uint_eq(pc.events, 0);
	ck_assert_uint_gt(pc.deliveries, 0);	/* deliveries went all the same */

	ck_assert_int_eq(purge_run(s, &cfg, NOW, NULL, &pc, err, sizeof(err)),
	    0);
	fx_txn(s, STORE_RDONLY, count, &after);
	ck_assert_int_eq(after.events, (NEVT + 2) / 3);
}
END_TEST

static Suite *
purge_suite(void)
{
	Suite *su = suite_create("purge");
	TCase *tc = tcase_create("batches");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
	    test_purge_over_many_batches_keeps_pending_and_referenced);
	tcase_add_test(tc,
	    test_purge_removes_no_event_when_it_cannot_keep_them_all);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner *sr = srunner_create(purge_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
