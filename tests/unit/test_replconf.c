/* test_replconf.c - the replication keys of hookd.conf: values, and the
 * group checks that refuse a configuration that cannot work. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"
#include "lib/replconf.h"

#define BASE "admin_token = t0k3n\n"
#define SITE "replication_listen = 127.0.0.1:5001\n" \
	"public_url = http://127.0.0.1:8081/\n"

static int
parse(struct config *c, const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return config_parse(c, "t.conf", text, strlen(text), err, errlen);
}

START_TEST(test_replconf_absent_is_not_replicated)
{
	struct config c;
	char err[1024];

	ck_assert_int_eq(parse(&c, BASE, err, sizeof(err)), 0);
	ck_assert_int_eq(c.repl.enabled, 0);
	ck_assert_int_eq(c.repl.priority, 100);
	ck_assert_int_eq(c.repl.ack, REPLCONF_ACK_QUORUM);
	ck_assert_int_eq(c.repl.ack_timeout_ms, 1000);
}
END_TEST

START_TEST(test_replconf_three_sites_parse)
{
	struct config c;
	char err[1024];

	ck_assert_int_eq(parse(&c, BASE SITE
	    "replication_peers = 127.0.0.2:5002 , [::1]:5003\n"
	    "replication_create = yes\nreplication_priority = 0\n"
	    "replication_ack = all\nreplication_ack_timeout = 250ms\n",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(c.repl.enabled, 1);
	ck_assert_str_eq(c.repl.listen.host, "127.0.0.1");
	ck_assert_uint_eq(c.repl.listen.port, 5001);
	ck_assert_uint_eq(c.repl.npeers, 2);
	ck_assert_str_eq(c.repl.peers[1].host, "::1");
	ck_assert_uint_eq(c.repl.peers[1].port, 5003);
	ck_assert_int_eq(c.repl.create, 1);
	ck_assert_int_eq(c.repl.priority, 0);
	ck_assert_int_eq(c.repl.ack, REPLCONF_ACK_ALL);
	ck_assert_int_eq(c.repl.ack_timeout_ms, 250);
	/* the trailing '/' is dropped: paths are appended to it */
	ck_assert_str_eq(c.repl.public_url, "http://127.0.0.1:8081");
}
END_TEST

/* Each bad text must be refused with a message containing want. */
static const struct {
	const char *text, *want;
} bad[] = {
	{ "replication_listen = nohostport\n", "not HOST:PORT" },
	{ "replication_listen = 127.0.0.1:0\n", "not HOST:PORT" },
	{ "replication_listen = 127.0.0.1:70000\n", "not HOST:PORT" },
	{ "replication_listen = a b:5\n", "not HOST:PORT" },
	{ "replication_listen = [::1:5\n", "not HOST:PORT" },
	{ SITE "replication_peers = 127.0.0.2:5002,\n", "empty list item" },
	{ SITE "replication_peers = 127.0.0.2:5002, 127.0.0.2:5002\n",
	    "listed twice" },
	{ SITE "replication_ack = majority\n", "quorum or all" },
	{ SITE "replication_ack_timeout = 0\n", "duration" },
	{ SITE "replication_ack_timeout = 2m\n", "duration" },
	{ SITE "replication_priority = -1\n", "never master" },
	{ SITE "replication_create = maybe\n", "yes or no" },
	{ SITE "replication_create = yes\nreplication_create = yes\n",
	    "given twice" },
	{ "replication_listen = 127.0.0.1:5001\nreplication_create = yes\n",
	    "needs public_url" },
	{ "replication_listen = 127.0.0.1:5001\nreplication_create = yes\n"
	    "public_url = ftp://x\n", "http://HOST" },
	{ "replication_peers = 127.0.0.2:5002\n", "without "
	    "replication_listen" },
	{ "public_url = http://x\n", "without replication_listen" },
	/* nobody to join */
	{ SITE, "no group to join" },
	/* two sites and quorum: no acknowledgement at all */
	{ SITE "replication_peers = 127.0.0.2:5002\n", "replication_ack = all" },
	{ SITE "replication_peers = 127.0.0.2:5002, 127.0.0.1:5001\n",
	    "own replication_listen" },
	{ SITE "replication_create = yes\nreplication_priority = 0\n",
	    "could ever be master" },
};

START_TEST(test_replconf_bad_is_refused_saying_what_to_change)
{
	struct config c;
	char text[2048], err[1024];

	snprintf(text, sizeof(text), "%s%s", BASE, bad[_i].text);
	ck_assert_int_eq(parse(&c, text, err, sizeof(err)), -1);
	if (strstr(err, bad[_i].want) == NULL)
		ck_abort_msg("case %d: '%s' does not say '%s'", _i, err,
		    bad[_i].want);
}
END_TEST

START_TEST(test_replconf_two_sites_all_and_group_of_one_pass)
{
	struct config c;
	char err[1024];

	ck_assert_int_eq(parse(&c, BASE SITE
	    "replication_peers = 127.0.0.2:5002\nreplication_ack = all\n",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(parse(&c, BASE SITE "replication_create = yes\n",
	    err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_replconf_addr_format_round_trips)
{
	struct replconf_addr a;
	char why[256], out[300];

	ck_assert_int_eq(replconf_addr_parse("[fe80::1]:99", &a, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(replconf_addr_format(&a, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "[fe80::1]:99");
	ck_assert_int_eq(replconf_addr_parse("db-2.example:5000", &a, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(replconf_addr_format(&a, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "db-2.example:5000");
	ck_assert_int_eq(replconf_addr_format(&a, out, 5), -1);
}
END_TEST

static Suite *
replconf_suite(void)
{
	Suite *s = suite_create("replconf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_replconf_absent_is_not_replicated);
	tcase_add_test(tc, test_replconf_three_sites_parse);
	tcase_add_loop_test(tc, test_replconf_bad_is_refused_saying_what_to_change,
	    0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_replconf_two_sites_all_and_group_of_one_pass);
	tcase_add_test(tc, test_replconf_addr_format_round_trips);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(replconf_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
