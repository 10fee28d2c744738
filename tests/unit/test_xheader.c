/* test_xheader.c - lib/xheader (a webhook's extra headers: rules, stored
 * form) and sender/job's job_headers, which turns the stored form into
 * libcurl lines and never lets a forbidden one through. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xheader.h"
#include "sender/job.h"

static int
name_ok(const char *n)
{
	const char *why = NULL;
	int r = xheader_name_ok(n, strlen(n), &why);

	ck_assert(r == 0 || why != NULL);
	return r == 0;
}

static int
value_ok(const char *v)
{
	const char *why = NULL;

	return xheader_value_ok(v, strlen(v), &why) == 0;
}

START_TEST(test_xheader_names_are_tokens_and_not_reserved)
{
	char longest[XHEADER_NAME_MAX + 2];

	ck_assert(name_ok("Authorization"));
	ck_assert(name_ok("X-Tenant"));
	ck_assert(name_ok("!#$%&'*+-.^_`|~09azAZ"));
	ck_assert(name_ok("Hosts"));		/* only "host" itself */
	ck_assert(name_ok("Webhook"));		/* only "webhook-*" */
	ck_assert(name_ok("Contents"));
	ck_assert(!name_ok(""));
	ck_assert(!name_ok("X A"));
	ck_assert(!name_ok("X-A:"));
	ck_assert(!name_ok("X\"A"));
	ck_assert(!name_ok("X\xc3\xa9"));
	ck_assert(!name_ok("host"));
	ck_assert(!name_ok("HOST"));
	ck_assert(!name_ok("Content-Type"));
	ck_assert(!name_ok("content-"));
	ck_assert(!name_ok("Transfer-Encoding"));
	ck_assert(!name_ok("connection"));
	ck_assert(!name_ok("User-Agent"));
	ck_assert(!name_ok("Webhook-Signature"));
	ck_assert(!name_ok("webhook-anything"));
	memset(longest, 'x', sizeof(longest) - 1);
	longest[XHEADER_NAME_MAX] = '\0';
	ck_assert(name_ok(longest));
	longest[XHEADER_NAME_MAX] = 'x';
	longest[XHEADER_NAME_MAX + 1] = '\0';
	ck_assert(!name_ok(longest));
}
END_TEST

START_TEST(test_xheader_values_are_printable_ascii_without_edge_spaces)
{
	char big[XHEADER_VALUE_MAX + 2];

	ck_assert(value_ok(""));
	ck_assert(value_ok("Bearer a  b ~"));
	ck_assert(!value_ok(" a"));
	ck_assert(!value_ok("a "));
	ck_assert(!value_ok("a\tb"));
	ck_assert(!value_ok("a\r\nX-B: 1"));
	ck_assert(!value_ok("a\x7f"));
	ck_assert(!value_ok("Zo\xc3\xab"));
	memset(big, 'v', sizeof(big) - 1);
	big[XHEADER_VALUE_MAX] = '\0';
	ck_assert(value_ok(big));
	big[XHEADER_VALUE_MAX] = 'v';
	big[XHEADER_VALUE_MAX + 1] = '\0';
	ck_assert(!value_ok(big));
}
END_TEST

START_TEST(test_xheader_append_and_next_round_trip)
{
	char text[64];
	const char *n, *v;
	size_t len = 0, off = 0, nl, vl;

	text[0] = '\0';
	ck_assert_int_eq(xheader_append(text, sizeof(text), &len, "X-A", 3,
	    "1", 1), 0);
	ck_assert_int_eq(xheader_append(text, sizeof(text), &len, "X-E", 3,
	    "", 0), 0);
	ck_assert_str_eq(text, "X-A: 1\nX-E: \n");
	ck_assert_int_eq(xheader_next(text, &off, &n, &nl, &v, &vl), 1);
	ck_assert(nl == 3 && memcmp(n, "X-A", 3) == 0 && vl == 1 && *v == '1');
	ck_assert_int_eq(xheader_next(text, &off, &n, &nl, &v, &vl), 1);
	ck_assert(nl == 3 && vl == 0);
	ck_assert_int_eq(xheader_next(text, &off, &n, &nl, &v, &vl), 0);
	/* does not fit: -1, text unchanged */
	ck_assert_int_eq(xheader_append(text, 20, &len, "X-Long", 6,
	    "0123456789", 10), -1);
	ck_assert_str_eq(text, "X-A: 1\nX-E: \n");
}
END_TEST

START_TEST(test_job_headers_leave_out_lines_that_break_the_rules)
{
	static struct job j;
	const char *stored = "X-A: 1\n"
	    "Content-Type: text/plain\n"
	    "webhook-signature: v1,forged\n"
	    "no colon here\n"
	    "X-Space:  lead\n"
	    "X-Empty: \n"
	    "User-Agent: other\n"
	    "X-B: 2\n";
	const char *p;

	job_headers(&j, stored);
	ck_assert_uint_eq(j.nx, 3);
	p = j.xhdr;
	ck_assert_str_eq(p, "X-A: 1");
	p += strlen(p) + 1;
	ck_assert_str_eq(p, "X-Empty;");	/* libcurl's "send it empty" */
	p += strlen(p) + 1;
	ck_assert_str_eq(p, "X-B: 2");
	job_headers(&j, "");
	ck_assert_uint_eq(j.nx, 0);
}
END_TEST

static Suite *
xheader_suite(void)
{
	Suite *s = suite_create("xheader");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_xheader_names_are_tokens_and_not_reserved);
	tcase_add_test(tc,
	    test_xheader_values_are_printable_ascii_without_edge_spaces);
	tcase_add_test(tc, test_xheader_append_and_next_round_trip);
	tcase_add_test(tc, test_job_headers_leave_out_lines_that_break_the_rules);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(xheader_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
