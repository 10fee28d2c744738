/*
 * test_job_layout.c - sender/job.h: the fields every job writes lie
 * together at its start, the big, mostly unused buffers (the response
 * excerpt, then the webhook's extra headers) after them.  The sender's
 * job pool (2,304 jobs of ~31 KiB at concurrency 64) is allocated at
 * start and only touched as jobs are used, so this layout is what keeps
 * a job with a short answer and no custom headers at about 2 pages of
 * resident memory instead of 3 (docs/operations.md, "Memory").
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>

#include "sender/job.h"

#define LAYOUT_HEAD_MAX 4608	/* the written head: about 1 page + */
#define LAYOUT_SHORT_ANSWER 256	/* a typical receiver's answer */

START_TEST(test_the_fields_every_job_writes_come_before_the_big_buffers)
{
	size_t resp = offsetof(struct job, resp);

	/* written by every pick, attempt and outcome */
	ck_assert_uint_lt(offsetof(struct job, d), resp);
	ck_assert_uint_lt(offsetof(struct job, ev), resp);
	ck_assert_uint_lt(offsetof(struct job, hdr), resp);
	ck_assert_uint_lt(offsetof(struct job, guard), resp);
	ck_assert_uint_lt(offsetof(struct job, error), resp);
	ck_assert_uint_lt(offsetof(struct job, resp_len), resp);
	ck_assert_uint_lt(offsetof(struct job, att_id), resp);
	ck_assert_uint_lt(offsetof(struct job, next_at), resp);
	ck_assert_uint_lt(offsetof(struct job, counted), resp);
	ck_assert_uint_lt(offsetof(struct job, next), resp);
	ck_assert_uint_lt(offsetof(struct job, nx), resp);
	/* then the excerpt, whose first bytes a short answer touches, then
	 * the headers a webhook without any never touches */
	ck_assert_uint_le(resp, LAYOUT_HEAD_MAX);
	ck_assert_uint_lt(resp + LAYOUT_SHORT_ANSWER,
	    offsetof(struct job, xhdr));
	ck_assert_uint_lt(sizeof(struct job) - offsetof(struct job, xhdr) -
	    sizeof(((struct job *)NULL)->xhdr), 8);	/* last: padding only */
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("job_layout");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc,
	    test_the_fields_every_job_writes_come_before_the_big_buffers);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
