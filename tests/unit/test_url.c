/* test_url.c - lib/url: which webhook URLs are accepted, and why not. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/netaddr.h"
#include "lib/url.h"

static const char *accepted[] = {
	"https://example.com/hook",
	"http://example.com",
	"https://example.com:8443/a/b?c=d&e=f#frag",
	"HTTPS://Example.COM/x",
	"https://example.com./hook",		/* absolute name */
	"https://a-b.c-d.example/",
	"https://xn--bcher-kva.example/",
	"https://8.8.8.8/hook",
	"http://1.1.1.1:8080/",
	"https://[2606:4700:4700::1111]/",
	"https://[::ffff:8.8.8.8]/",
	"https://example.com:65535/",
	"https://ex%61mple.com/",		/* curl decodes the host */
	"https://1e100.net/",
	"https://a.b1/",
};

static const struct {
	const char *url;
	const char *why;	/* a word the message must contain */
} refused[] = {
	{"", "empty"},
	{"ftp://example.com/", "scheme"},
	{"file:///etc/passwd", "scheme"},
	{"gopher://example.com/", "scheme"},
	{"javascript:alert(1)", "scheme"},
	{"example.com/hook", "scheme"},
	{"//example.com/hook", "scheme"},
	{"https://user:pass@example.com/", "password"},
	{"https://user@example.com/", "user"},
	{"https://:pass@example.com/", "password"},
	{"https://@example.com/", "user"},
	{"http://", "host"},
	{"https:///example.com", "host"},
	{"https://example.com:0/", "port"},
	{"https://example.com:65536/", "port"},
	{"https://exa_mple.com/", "host name"},
	{"https://-example.com/", "'-'"},
	{"https://example-.com/", "'-'"},
	{"https://a..example.com/", "empty label"},
	{"https://example.com /", "blanks"},
	{"https://example.com/\x01", "control"},
	{"https://ex\xc3\xa4mple.com/", "ASCII"},
	{"https://1.2.3.999/", "IP address"},
	{"https://example.123/", "IP address"},
	/* loopback in every spelling curl or a resolver understands */
	{"http://127.0.0.1/", "refused"},
	{"http://127.0.0.1./", "refused"},
	{"http://127.1/", "refused"},
	{"http://0x7f.1/", "refused"},
	{"http://0x7f000001/", "refused"},
	{"http://2130706433/", "refused"},
	{"http://017700000001/", "refused"},
	{"http://0177.0.0.1/", "refused"},
	{"http://127.0.0.01/", "refused"},
	{"http://0/", "refused"},
	{"http://[::1]/", "refused"},
	{"http://[::]/", "refused"},
	{"http://[::ffff:127.0.0.1]/", "refused"},
	{"http://[::ffff:7f00:1]/", "refused"},
	{"http://[0:0:0:0:0:ffff:127.0.0.1]/", "refused"},
	{"http://[64:ff9b::7f00:1]/", "refused"},
	{"http://[2002:7f00:1::]/", "refused"},
	{"http://[fe80::1%25eth0]/", "zone"},
	{"http://[fe80::1]/", "refused"},
	{"http://[fd00::1]/", "refused"},
	{"http://169.254.169.254/latest/meta-data/", "refused"},
	{"http://[::ffff:169.254.169.254]/", "refused"},
	{"http://10.0.0.1/", "refused"},
	{"http://192.168.1.1/", "refused"},
	{"http://172.16.0.1/", "refused"},
	{"http://100.64.0.1/", "refused"},
	{"http://224.0.0.1/", "refused"},
	{"http://255.255.255.255/", "refused"},
	{"http://[1.2.3.4]/", "IP"},
	{"http://[::1/", "URL"},
};

START_TEST(test_url_accepts_public_http_and_https)
{
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(url_check(accepted[i], 0, 0, NULL, 0, err,
		    sizeof(err)) == 0, "refused %s: %s", accepted[i], err);
	}
}
END_TEST

START_TEST(test_url_refuses_with_a_reason)
{
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(url_check(refused[i].url, 0, 0, NULL, 0, err,
		    sizeof(err)) == -1, "accepted %s", refused[i].url);
		ck_assert_msg(strncmp(err, "url: ", 5) == 0, "%s: bad message "
		    "'%s'", refused[i].url, err);
		ck_assert_msg(strstr(err, refused[i].why) != NULL,
		    "%s: '%s' does not mention '%s'", refused[i].url, err,
		    refused[i].why);
	}
}
END_TEST

START_TEST(test_url_scheme_message_is_clear)
{
	char err[256];

	ck_assert_int_eq(url_check("ftp://example.com/", 0, 0, NULL, 0, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "url: scheme must be http or https");
}
END_TEST

START_TEST(test_url_require_https_refuses_http)
{
	char err[256];

	ck_assert_int_eq(url_check("http://example.com/", 1, 0, NULL, 0, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "https"));
	ck_assert_int_eq(url_check("HTTP://example.com/", 1, 0, NULL, 0, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(url_check("https://example.com/", 1, 0, NULL, 0, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(url_check("http://example.com/", 0, 0, NULL, 0, err,
	    sizeof(err)), 0);
}
END_TEST

START_TEST(test_url_allow_private_lets_loopback_in)
{
	char err[256];

	ck_assert_int_eq(url_check("http://127.0.0.1:8080/hook", 0, 1, NULL, 0,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(url_check("http://[::1]:8080/hook", 0, 1, NULL, 0, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(url_check("http://127.1/", 0, 1, NULL, 0, err,
	    sizeof(err)), 0);
	/* but never user:pass, bad schemes or zone ids */
	ck_assert_int_eq(url_check("http://u:p@127.0.0.1/", 0, 1, NULL, 0, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(url_check("ftp://127.0.0.1/", 0, 1, NULL, 0, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(test_url_allow_targets_cidr_opens_only_that_range)
{
	struct netaddr_cidr allow[1];
	char err[256];

	ck_assert_int_eq(netaddr_parse_cidr("10.1.0.0/16", &allow[0]), 0);
	ck_assert_int_eq(url_check("http://10.1.2.3/", 0, 0, allow, 1, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(url_check("http://10.2.2.3/", 0, 0, allow, 1, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(url_check("http://10.1.515/", 0, 0, allow, 1, err,
	    sizeof(err)), 0);	/* 10.1.2.3 spelled short */
	ck_assert_int_eq(url_check("http://127.0.0.1/", 0, 0, allow, 1, err,
	    sizeof(err)), -1);
}
END_TEST

/* Fill p with a URL "https://" + host + "/" + path of exact sizes. */
static char *
make_url(size_t label, size_t labels, size_t pathlen)
{
	size_t n = 8 + labels * (label + 1) + 4 + pathlen + 1, i, o = 0;
	char *u = malloc(n);

	ck_assert_ptr_nonnull(u);
	memcpy(u, "https://", 8);
	o = 8;
	for (i = 0; i < labels; i++) {
		memset(u + o, 'a', label);
		o += label;
		u[o++] = '.';
	}
	memcpy(u + o, "com/", 4);
	o += 4;
	memset(u + o, 'p', pathlen);
	o += pathlen;
	u[o] = '\0';
	return u;
}

START_TEST(test_url_length_limits)
{
	char err[256], *u;

	/* 63-byte label accepted, 64 refused */
	u = make_url(63, 1, 0);
	ck_assert_int_eq(url_check(u, 0, 0, NULL, 0, err, sizeof(err)), 0);
	free(u);
	u = make_url(64, 1, 0);
	ck_assert_int_eq(url_check(u, 0, 0, NULL, 0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "63"));
	free(u);
	/* host of 4*(61+1)+3 = 251 accepted; 4*(62+1)+3 = 255 refused */
	u = make_url(61, 4, 0);
	ck_assert_int_eq(url_check(u, 0, 0, NULL, 0, err, sizeof(err)), 0);
	free(u);
	u = make_url(62, 4, 0);
	ck_assert_int_eq(url_check(u, 0, 0, NULL, 0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "253"));
	free(u);
	/* whole URL: 2048 accepted, 2049 refused (8 + 4 + 4 = 16 fixed) */
	u = make_url(3, 1, URL_MAX - 16);
	ck_assert_uint_eq(strlen(u), URL_MAX);
	ck_assert_int_eq(url_check(u, 0, 0, NULL, 0, err, sizeof(err)), 0);
	free(u);
	u = make_url(3, 1, URL_MAX - 15);
	ck_assert_int_eq(url_check(u, 0, 0, NULL, 0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "2048"));
	free(u);
}
END_TEST

START_TEST(test_url_error_buffer_is_truncated_safely)
{
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(url_check("ftp://x/", 0, 0, NULL, 0, err, sizeof(err)),
	    -1);
	ck_assert_uint_eq(strlen(err), 7);
	ck_assert_int_eq(url_check("ftp://x/", 0, 0, NULL, 0, NULL, 0), -1);
}
END_TEST

static Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_url_accepts_public_http_and_https);
	tcase_add_test(tc, test_url_refuses_with_a_reason);
	tcase_add_test(tc, test_url_scheme_message_is_clear);
	tcase_add_test(tc, test_url_require_https_refuses_http);
	tcase_add_test(tc, test_url_allow_private_lets_loopback_in);
	tcase_add_test(tc, test_url_allow_targets_cidr_opens_only_that_range);
	tcase_add_test(tc, test_url_length_limits);
	tcase_add_test(tc, test_url_error_buffer_is_truncated_safely);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(url_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
