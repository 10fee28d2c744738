/* test_netaddr.c - lib/netaddr: refused ranges, mapped forms, allow lists. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netaddr.h"

/* Every refused range, by a member, and its nearest allowed neighbours. */
static const struct {
	const char *ip;
	int allowed;
} table[] = {
	/* IPv4 refused */
	{"0.0.0.0", 0}, {"0.255.255.255", 0},
	{"10.0.0.1", 0}, {"10.255.255.255", 0},
	{"100.64.0.0", 0}, {"100.127.255.255", 0},
	{"127.0.0.1", 0}, {"127.255.255.254", 0},
	{"169.254.169.254", 0}, {"169.254.0.1", 0},
	{"172.16.0.1", 0}, {"172.31.255.255", 0},
	{"192.0.0.8", 0}, {"192.0.2.1", 0}, {"192.88.99.1", 0},
	{"192.168.1.1", 0}, {"198.18.0.1", 0}, {"198.19.255.255", 0},
	{"198.51.100.7", 0}, {"203.0.113.9", 0},
	{"224.0.0.1", 0}, {"239.255.255.250", 0},
	{"240.0.0.1", 0}, {"255.255.255.255", 0},
	/* IPv4 allowed, just outside */
	{"1.1.1.1", 1}, {"8.8.8.8", 1}, {"9.255.255.255", 1},
	{"11.0.0.0", 1}, {"100.63.255.255", 1}, {"100.128.0.0", 1},
	{"126.255.255.255", 1}, {"128.0.0.0", 1}, {"169.253.255.255", 1},
	{"169.255.0.0", 1}, {"172.15.255.255", 1}, {"172.32.0.0", 1},
	{"192.0.1.0", 1}, {"192.0.3.0", 1}, {"192.88.98.255", 1},
	{"192.167.255.255", 1}, {"192.169.0.0", 1}, {"198.17.255.255", 1},
	{"198.20.0.0", 1}, {"198.51.99.255", 1}, {"203.0.112.255", 1},
	{"223.255.255.255", 1},
	/* IPv6 refused */
	{"::", 0}, {"::1", 0}, {"fe80::1", 0}, {"febf::1", 0},
	{"fec0::1", 0}, {"fc00::1", 0}, {"fd12:3456::1", 0},
	{"ff02::1", 0}, {"ff0e::1", 0}, {"2001:db8::1", 0},
	{"2001::1", 0}, {"2001:1ff::1", 0}, {"100::1", 0},
	{"3fff::1", 0}, {"64:ff9b:1::1", 0},
	/* IPv4 inside IPv6: judged by the IPv4 */
	{"::ffff:127.0.0.1", 0}, {"::ffff:7f00:1", 0},
	{"::ffff:169.254.169.254", 0}, {"::ffff:10.1.2.3", 0},
	{"::ffff:8.8.8.8", 1},
	{"::ffff:0:127.0.0.1", 0}, {"::ffff:0:8.8.8.8", 1},	/* SIIT */
	{"::127.0.0.1", 0}, {"::10.0.0.1", 0}, {"::8.8.8.8", 1},
	{"64:ff9b::127.0.0.1", 0}, {"64:ff9b::a9fe:a9fe", 0},
	{"64:ff9b::8.8.8.8", 1},
	{"2002:7f00:1::", 0}, {"2002:a9fe:a9fe::1", 0},
	{"2002:c0a8:101::", 0}, {"2002:808:808::1", 1},
	/* IPv6 allowed */
	{"2606:4700:4700::1111", 1}, {"2a00:1450:4001::1", 1},
	{"2001:200::1", 1},		/* just past 2001::/23 */
	{"2001:db9::1", 1}, {"fbff::1", 1}, {"fe00::1", 1},
	{"101::1", 1}, {"100:0:0:1::1", 1}, {"64:ff9b:2::1", 1},
};

START_TEST(test_netaddr_table_of_refused_and_allowed)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int r = netaddr_literal_allowed(table[i].ip, 0, NULL, 0);

		ck_assert_msg(r == table[i].allowed, "%s: got %d want %d",
		    table[i].ip, r, table[i].allowed);
		/* allow_private lets everything through */
		ck_assert_int_eq(netaddr_literal_allowed(table[i].ip, 1, NULL,
		    0), 1);
	}
}
END_TEST

START_TEST(test_netaddr_sockaddr_forms_agree_with_literals)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	struct sockaddr sa;
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		memset(&s4, 0, sizeof(s4));
		memset(&s6, 0, sizeof(s6));
		if (inet_pton(AF_INET, table[i].ip, &s4.sin_addr) == 1) {
			s4.sin_family = AF_INET;
			s4.sin_port = htons(443);
			ck_assert_int_eq(netaddr_is_refused(
			    (struct sockaddr *)&s4), !table[i].allowed);
			ck_assert_int_eq(netaddr_allowed((struct sockaddr *)&s4,
			    0, NULL, 0), table[i].allowed);
		} else {
			ck_assert_int_eq(inet_pton(AF_INET6, table[i].ip,
			    &s6.sin6_addr), 1);
			s6.sin6_family = AF_INET6;
			ck_assert_int_eq(netaddr_is_refused(
			    (struct sockaddr *)&s6), !table[i].allowed);
		}
	}
	/* Not an IP family: refused, never allowed, even with allow_private. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	ck_assert_int_eq(netaddr_is_refused(&sa), 1);
	ck_assert_int_eq(netaddr_allowed(&sa, 1, NULL, 0), 0);
}
END_TEST

START_TEST(test_netaddr_literal_rejects_non_literals)
{
	static const char *bad[] = {
		"", "localhost", "127.1", "0x7f.0.0.1", "2130706433",
		"127.0.0.1 ", "[::1]", "::1%lo", "1.2.3.4/32", "1.2.3.256",
		"example.com",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(netaddr_literal_allowed(bad[i], 1, NULL, 0) == -1,
		    "took %s", bad[i]);
}
END_TEST

START_TEST(test_netaddr_parse_cidr_forms)
{
	struct netaddr_cidr c;
	static const unsigned char ten[4] = {10, 0, 0, 0};
	static const unsigned char v6[16] = {0xfd, 0x12, 0x34, 0x50};

	ck_assert_int_eq(netaddr_parse_cidr("10.0.0.0/8", &c), 0);
	ck_assert_int_eq(c.family, AF_INET);
	ck_assert_uint_eq(c.prefix, 8);
	ck_assert_int_eq(memcmp(c.addr, ten, 4), 0);
	/* host bits are cleared */
	ck_assert_int_eq(netaddr_parse_cidr("10.1.2.3/8", &c), 0);
	ck_assert_int_eq(memcmp(c.addr, ten, 4), 0);
	ck_assert_int_eq(netaddr_parse_cidr("127.0.0.1", &c), 0);
	ck_assert_uint_eq(c.prefix, 32);
	ck_assert_int_eq(netaddr_parse_cidr("0.0.0.0/0", &c), 0);
	ck_assert_uint_eq(c.prefix, 0);
	ck_assert_int_eq(netaddr_parse_cidr("::1", &c), 0);
	ck_assert_int_eq(c.family, AF_INET6);
	ck_assert_uint_eq(c.prefix, 128);
	ck_assert_int_eq(netaddr_parse_cidr("fd12:345f::/28", &c), 0);
	ck_assert_uint_eq(c.prefix, 28);
	ck_assert_int_eq(memcmp(c.addr, v6, 16), 0);
	ck_assert_int_eq(netaddr_parse_cidr("::/0", &c), 0);
}
END_TEST

START_TEST(test_netaddr_parse_cidr_rejects_garbage)
{
	static const char *bad[] = {
		"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1",
		"10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/08x", "10.0.0/8",
		"10.0.0.0 /8", "10.0.0.0/ 8", "host/8", "10.0.0.0/0008",
		"[::1]/128", "::1/1280",
	};
	struct netaddr_cidr c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(netaddr_parse_cidr(bad[i], &c) == -1, "took %s",
		    bad[i]);
}
END_TEST

START_TEST(test_netaddr_allow_list_opens_only_its_ranges)
{
	struct netaddr_cidr allow[3];

	ck_assert_int_eq(netaddr_parse_cidr("10.20.0.0/16", &allow[0]), 0);
	ck_assert_int_eq(netaddr_parse_cidr("fd00:1::/32", &allow[1]), 0);
	ck_assert_int_eq(netaddr_parse_cidr("127.0.0.1", &allow[2]), 0);

	ck_assert_int_eq(netaddr_literal_allowed("10.20.30.40", 0, allow, 3), 1);
	ck_assert_int_eq(netaddr_literal_allowed("10.21.0.1", 0, allow, 3), 0);
	ck_assert_int_eq(netaddr_literal_allowed("fd00:1:ffff::1", 0, allow, 3),
	    1);
	ck_assert_int_eq(netaddr_literal_allowed("fd00:2::1", 0, allow, 3), 0);
	ck_assert_int_eq(netaddr_literal_allowed("127.0.0.1", 0, allow, 3), 1);
	ck_assert_int_eq(netaddr_literal_allowed("127.0.0.2", 0, allow, 3), 0);
	/* an IPv4 entry also covers the IPv4-mapped IPv6 form */
	ck_assert_int_eq(netaddr_literal_allowed("::ffff:10.20.1.1", 0, allow,
	    3), 1);
	ck_assert_int_eq(netaddr_literal_allowed("::ffff:10.21.1.1", 0, allow,
	    3), 0);
	/* n limits the list */
	ck_assert_int_eq(netaddr_literal_allowed("127.0.0.1", 0, allow, 2), 0);
	/* metadata stays refused with an unrelated allow list */
	ck_assert_int_eq(netaddr_literal_allowed("169.254.169.254", 0, allow,
	    3), 0);
	/* public stays allowed */
	ck_assert_int_eq(netaddr_literal_allowed("8.8.4.4", 0, allow, 3), 1);
}
END_TEST

static Suite *
netaddr_suite(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_netaddr_table_of_refused_and_allowed);
	tcase_add_test(tc, test_netaddr_sockaddr_forms_agree_with_literals);
	tcase_add_test(tc, test_netaddr_literal_rejects_non_literals);
	tcase_add_test(tc, test_netaddr_parse_cidr_forms);
	tcase_add_test(tc, test_netaddr_parse_cidr_rejects_garbage);
	tcase_add_test(tc, test_netaddr_allow_list_opens_only_its_ranges);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netaddr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
