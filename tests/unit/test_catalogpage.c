/*
 * test_catalogpage.c - catalog.html (sender/catalogpage.h): every type is
 * on the page with its fields, every string from a schema file is escaped,
 * the page has no script, and an unchanged catalog is not rewritten.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/catalog.h"
#include "lib/config.h"
#include "lib/str.h"
#include "sender/catalogpage.h"

static char dir[64];
static struct config cfg;

static const char hostile[] = "{\"description\":\"Paid <script>alert(1)"
    "</script> & 'q' \\\"d\\\"\",\"schema\":{\"type\":\"object\","
    "\"required\":[\"<b>id\"],\"properties\":{\"<b>id\":{\"type\":\"string\","
    "\"description\":\"<img src=x onerror=alert(2)>\",\"enum\":"
    "[\"</pre><script>\"]}}},\"example\":{\"<b>id\":\"</pre><script>\"}}";

static void
setup(void)
{
	char path[128], err[512];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/hookd-catpage-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.evil.json", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(hostile, f);
	fclose(f);
	config_defaults(&cfg);
	ck_assert_int_ne(str_copy(cfg.event_schemas_dir,
	    sizeof(cfg.event_schemas_dir), dir), -1);
	ck_assert_msg(catalog_load(&cfg, err, sizeof(err)) == 0, "%s", err);
}

static void
teardown(void)
{
	char cmd[128];

	catalog_unload();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

START_TEST(test_catalogpage_lists_every_type_with_its_fields)
{
	struct buf b;
	size_t i;
	char want[200];

	buf_init(&b, CATALOGPAGE_MAX_BYTES);
	ck_assert_int_eq(catalogpage_render(&cfg, &b), 0);
	for (i = 0; i < catalog_count(&cfg); i++) {
		snprintf(want, sizeof(want), "id=\"t-%s\"",
		    catalog_at(&cfg, i)->name);
		ck_assert_msg(strstr(b.data, want) != NULL, "%s", want);
	}
	ck_assert_ptr_nonnull(strstr(b.data, "agreements[].</span>kind"));
	ck_assert_ptr_nonnull(strstr(b.data, "id=\"verify\""));
	ck_assert_ptr_nonnull(strstr(b.data, "&quot;type&quot;: &quot;user.signin&quot;"));
	buf_free(&b);
}
END_TEST

START_TEST(test_catalogpage_escapes_every_string_and_has_no_script)
{
	struct buf b;

	buf_init(&b, CATALOGPAGE_MAX_BYTES);
	ck_assert_int_eq(catalogpage_render(&cfg, &b), 0);
	ck_assert_ptr_null(strstr(b.data, "<script"));
	ck_assert_ptr_null(strstr(b.data, "<img"));
	ck_assert_ptr_null(strstr(b.data, "<b>"));
	ck_assert_ptr_nonnull(strstr(b.data,
	    "Paid &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;q&#39; "
	    "&quot;d&quot;"));
	ck_assert_ptr_nonnull(strstr(b.data, "&lt;img src=x onerror=alert(2)&gt;"));
	ck_assert_ptr_nonnull(strstr(b.data, "&lt;/pre&gt;&lt;script&gt;"));
	buf_free(&b);
}
END_TEST

START_TEST(test_catalogpage_is_rewritten_only_when_changed_or_missing)
{
	char path[128], err[512];
	struct stat a, b;

	snprintf(path, sizeof(path), "%s/catalog.html", dir);
	ck_assert_msg(catalogpage_write(&cfg, dir, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_int_eq(stat(path, &a), 0);
	ck_assert_int_eq(a.st_mode & 0777, 0644);
	ck_assert_int_eq(catalogpage_write(&cfg, dir, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert_uint_eq(a.st_ino, b.st_ino);		/* not replaced */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(catalogpage_write(&cfg, dir, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &b), 0);		/* written again */
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("catalogpage");
	TCase *tc = tcase_create("catalogpage");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_catalogpage_lists_every_type_with_its_fields);
	tcase_add_test(tc,
	    test_catalogpage_escapes_every_string_and_has_no_script);
	tcase_add_test(tc,
	    test_catalogpage_is_rewritten_only_when_changed_or_missing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
