/*
 * test_config_tokenfile.c - admin_token_file is judged on the whole file,
 * never on the prefix that fits the read buffer.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"

static char tmpdir[] = "/tmp/hookd-cfgtok-XXXXXX";

/* Write n bytes of text to tmpdir/name; the path goes to path. */
static void
put_file(const char *name, const char *text, size_t n, char *path,
    size_t pathlen)
{
	FILE *f;

	snprintf(path, pathlen, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static int
parse_token_file(const char *path, struct config *c, char *err,
    size_t errlen)
{
	char text[512];

	snprintf(text, sizeof(text), "admin_token_file = %s\n", path);
	return config_parse(c, "t.conf", text, strlen(text), err, errlen);
}

START_TEST(test_config_token_file_with_more_after_blanks_is_refused)
{
	static struct config c;
	char text[1024], path[256], err[512];
	size_t n = 0;

	/* A token, more blank lines than the read buffer's slack, then more
	 * text: a reader that trims a prefix would take "aaa..." alone. */
	memset(text, 'a', 20);
	n = 20;
	memset(text + n, '\n', 400);
	n += 400;
	memcpy(text + n, "garbage", 7);
	n += 7;
	put_file("tok", text, n, path, sizeof(path));
	ck_assert_int_eq(parse_token_file(path, &c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:1:"));
	ck_assert_ptr_nonnull(strstr(err, "admin_token_file"));
}
END_TEST

START_TEST(test_config_token_file_with_trailing_newlines_is_read)
{
	static struct config c;
	char text[64], path[256], err[512];

	memset(text, 'b', 20);
	memset(text + 20, '\n', 10);
	put_file("tok2", text, 30, path, sizeof(path));
	ck_assert_int_eq(parse_token_file(path, &c, err, sizeof(err)), 0);
	ck_assert_uint_eq(strlen(c.admin_token), 20);
	ck_assert_int_eq(c.admin_token[0], 'b');
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config_tokenfile");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	char path[256];
	int failed;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	tcase_add_test(tc, test_config_token_file_with_more_after_blanks_is_refused);
	tcase_add_test(tc, test_config_token_file_with_trailing_newlines_is_read);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(path, sizeof(path), "%s/tok", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/tok2", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return failed == 0 ? 0 : 1;
}
