/* test_log.c - lib/log: line format, level filter, URL redaction. */
#include <check.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

/* Run fn with stderr sent to a temp file; return what it wrote. */
static char *
capture(void (*fn)(void))
{
	char path[] = "/tmp/hookd-test-log-XXXXXX";
	static char out[4096];
	int fd = mkstemp(path), saved;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	fn();
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	n = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(n, 0);
	out[n] = '\0';
	close(fd);
	return out;
}

static void
write_lines(void)
{
	log_init("hookd-send", 0, LOG_INFO);
	log_info("delivered %s in %d ms", "dlv_1", 42);
	log_debug("not shown");
	log_err("boom");
	log_warn("careful");
}

START_TEST(test_log_stderr_line_format_and_level_filter)
{
	char *out = capture(write_lines), want[64];
	regex_t re;

	ck_assert_int_eq(regcomp(&re,
	    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
	    "hookd-send\\[[0-9]+\\] info: delivered dlv_1 in 42 ms\n"
	    "[^ ]+ hookd-send\\[[0-9]+\\] error: boom\n"
	    "[^ ]+ hookd-send\\[[0-9]+\\] warning: careful\n$",
	    REG_EXTENDED), 0);
	ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "got: %s", out);
	regfree(&re);
	snprintf(want, sizeof(want), "[%ld]", (long)getpid());
	ck_assert_ptr_nonnull(strstr(out, want));
	ck_assert_ptr_null(strstr(out, "not shown"));
}
END_TEST

static void
write_debug(void)
{
	log_init("hookd.fcgi", 0, LOG_DEBUG);
	log_debug("now shown");
	log_init("hookd.fcgi", 0, LOG_ERR);
	log_warn("hidden");
}

START_TEST(test_log_debug_level_shows_debug)
{
	char *out = capture(write_debug);

	ck_assert_ptr_nonnull(strstr(out, "hookd.fcgi["));
	ck_assert_ptr_nonnull(strstr(out, "] debug: now shown\n"));
	ck_assert_ptr_null(strstr(out, "hidden"));
}
END_TEST

static void
write_forged(void)
{
	log_init("hookd", 0, LOG_INFO);
	log_info("user said %s", "hi\n2026-01-01T00:00:00.000Z hookd[1] error: x\r\x1b[31m");
}

START_TEST(test_log_value_cannot_forge_a_line)
{
	char *out = capture(write_forged);

	/* exactly one line: the newline inside the value was neutralised */
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_ptr_null(strchr(out, '\r'));
	ck_assert_ptr_null(strchr(out, '\x1b'));
	ck_assert_ptr_nonnull(strstr(out, "user said hi?2026"));
}
END_TEST

static void
write_long(void)
{
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_init("hookd", 0, LOG_INFO);
	log_info("%s", big);
}

START_TEST(test_log_long_message_is_truncated_to_one_line)
{
	char *out = capture(write_long);
	size_t n = strlen(out);

	ck_assert_uint_gt(n, 1000);
	ck_assert_uint_le(n, 2048);
	ck_assert_int_eq(out[n - 1], '\n');
	ck_assert_ptr_eq(strchr(out, '\n'), out + n - 1);
}
END_TEST

START_TEST(test_log_redact_url_drops_userinfo_query_fragment)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"https://user:pw@h.example:8443/a/b?token=1#frag",
		    "https://h.example:8443/a/b"},
		{"https://h.example/hook?sig=abc", "https://h.example/hook"},
		{"https://h.example#x", "https://h.example"},
		{"http://a@b@h.example/p", "http://h.example/p"},
		{"http://h.example/p@q?x", "http://h.example/p@q"},
		{"http://h.example?u@v", "http://h.example"},
		{"https://[::1]:8080/x?y", "https://[::1]:8080/x"},
		{"host/path?q", "host/path"},
		{"", ""},
	};
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		log_redact_url(v[i].in, out, sizeof(out));
		ck_assert_str_eq(out, v[i].out);
	}
}
END_TEST

START_TEST(test_log_redact_url_truncates_safely)
{
	char out[10];

	memset(out, 'z', sizeof(out));
	log_redact_url("https://example.com/long/path?q", out, sizeof(out));
	ck_assert_str_eq(out, "https://e");
	log_redact_url("https://u:secret@example.com/", out, 1);
	ck_assert_str_eq(out, "");
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_log_stderr_line_format_and_level_filter);
	tcase_add_test(tc, test_log_debug_level_shows_debug);
	tcase_add_test(tc, test_log_value_cannot_forge_a_line);
	tcase_add_test(tc, test_log_long_message_is_truncated_to_one_line);
	tcase_add_test(tc, test_log_redact_url_drops_userinfo_query_fragment);
	tcase_add_test(tc, test_log_redact_url_truncates_safely);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
