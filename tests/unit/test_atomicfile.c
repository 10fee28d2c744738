/*
 * test_atomicfile.c - lib/atomicfile: the one writer of status.html,
 * status.json, catalog.html and metrics.prom replaces a file whole (a new
 * inode, the given mode) and leaves no temp file, whether it succeeds or
 * fails.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/atomicfile.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hookd-atomicfile-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

/* The names in dir other than . and .., joined with ' ' (readdir order
 * does not matter: the tests leave at most one name). */
static void
names(char *out, size_t outlen)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t o = 0;

	ck_assert_ptr_nonnull(d);
	out[0] = '\0';
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			o += (size_t)snprintf(out + o, outlen - o, "%s%s",
			    o ? " " : "", e->d_name);
	closedir(d);
	ck_assert_uint_lt(o, outlen);
}

static void
slurp_eq(const char *path, const char *want)
{
	char got[64] = "";
	FILE *f = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	ck_assert_str_eq(got, want);
}

START_TEST(test_atomicfile_replaces_whole_with_mode_and_no_temp)
{
	char path[128], err[256] = "", ls[256];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/x.prom", dir);
	ck_assert_msg(atomicfile_replace(dir, "x.prom", "one\n", 4, 0644, err,
	    sizeof(err)) == 0, "%s", err);
	slurp_eq(path, "one\n");
	ck_assert_int_eq(stat(path, &a), 0);
	ck_assert_uint_eq(a.st_mode & 07777, 0644);
	ck_assert_msg(atomicfile_replace(dir, "x.prom", "two, longer\n", 12,
	    0600, err, sizeof(err)) == 0, "%s", err);
	slurp_eq(path, "two, longer\n");
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert_uint_eq(b.st_mode & 07777, 0600);
	ck_assert_uint_ne(a.st_ino, b.st_ino);	/* renamed over, not rewritten */
	names(ls, sizeof(ls));
	ck_assert_str_eq(ls, "x.prom");
}
END_TEST

START_TEST(test_atomicfile_failed_rename_is_an_error_and_leaves_no_temp)
{
	char path[128], err[256] = "", ls[256];

	/* a directory where the file should go: rename() must fail */
	snprintf(path, sizeof(path), "%s/x.html", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(atomicfile_replace(dir, "x.html", "a", 1, 0644, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "rename to ") != NULL, "err: %s", err);
	ck_assert_msg(strstr(err, "x.html") != NULL, "err: %s", err);
	names(ls, sizeof(ls));
	ck_assert_str_eq(ls, "x.html");
}
END_TEST

START_TEST(test_atomicfile_missing_dir_and_long_path_are_errors)
{
	char sub[128], err[256] = "", name[PATH_MAX];

	snprintf(sub, sizeof(sub), "%s/none", dir);
	ck_assert_int_eq(atomicfile_replace(sub, "x", "a", 1, 0644, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot create a file in ") != NULL, "err: %s",
	    err);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(atomicfile_replace(dir, name, "a", 1, 0644, err,
	    sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "path too long: ", 15) == 0, "err: %s", err);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("atomicfile");
	TCase *tc = tcase_create("atomicfile");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_atomicfile_replaces_whole_with_mode_and_no_temp);
	tcase_add_test(tc,
	    test_atomicfile_failed_rename_is_an_error_and_leaves_no_temp);
	tcase_add_test(tc, test_atomicfile_missing_dir_and_long_path_are_errors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
