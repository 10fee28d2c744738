/*
 * test_crypt.c - encryption at rest below the programs: the key file's
 * rules, encryption_key_file in the config, and an encrypted store (kind
 * and key checks that change nothing, regions in shared memory removed at
 * the last close, regions lost after a SIGKILL).
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/crypt.h"
#include "lib/config.h"
#include "lib/keyfile.h"
#include "store_fixture.h"

#define PASS	"a passphrase of 30 bytes here!"
#define BODY	"{\"consent\":\"SECRET-BODY-0123456789\"}"

static char dir[64];

static void
put(const char *name, const char *text, size_t n, mode_t mode, char *path)
{
	int fd;

	snprintf(path, 256, "%s/%s", dir, name);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hookd-crypt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	fx_rmdir(dir);
}

/* keyfile_read of text (mode): 0 or -1, the message in err. */
static int
read_key(const char *text, size_t n, mode_t mode, char *key, char *err)
{
	char path[256];
	size_t len;

	put("k", text, n, mode, path);
	err[0] = '\0';
	return keyfile_read(path, key, KEYFILE_MAX + 2, &len, err, 512);
}

START_TEST(test_keyfile_accepts_one_line_of_16_bytes_or_more)
{
	char key[KEYFILE_MAX + 2], err[512];

	ck_assert_int_eq(read_key("sixteen bytes!!!\n", 17, 0600, key, err), 0);
	ck_assert_str_eq(key, "sixteen bytes!!!");
	ck_assert_int_eq(read_key("sixteen bytes!!!", 16, 0640, key, err), 0);
	ck_assert_str_eq(key, "sixteen bytes!!!");
	ck_assert_int_eq(read_key("sixteen bytes!!!\r\n", 18, 0400, key, err), 0);
	ck_assert_str_eq(key, "sixteen bytes!!!");
}
END_TEST

START_TEST(test_keyfile_refuses_what_breaks_a_rule_naming_the_file)
{
	static const struct {
		const char *text;
		mode_t mode;
		const char *why;
	} bad[] = {
		{ "fifteen bytes!!\n", 0600, "too short" },
		{ "\n", 0600, "too short" },
		{ PASS "\n", 0604, "readable by others" },
		{ PASS "\n", 0644, "readable by others" },
		{ PASS "\n", 0620, "writable by others" },
		{ PASS "\n", 0602, "writable by others" },
		{ PASS "\nmore\n", 0600, "one line" },
		{ PASS "\n\n", 0600, "one line" },
	};
	char key[KEYFILE_MAX + 2], err[512], big[KEYFILE_MAX + 10];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(read_key(bad[i].text, strlen(bad[i].text),
		    bad[i].mode, key, err), -1);
		ck_assert_msg(strstr(err, bad[i].why) != NULL, "%zu: %s", i,
		    err);
		ck_assert_msg(strstr(err, dir) != NULL, "no file name: %s", err);
		ck_assert_ptr_null(strstr(err, PASS));
	}
	ck_assert_int_eq(read_key("sixteen\0bytes!!!", 16, 0600, key, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	memset(big, 'k', sizeof(big));
	ck_assert_int_eq(read_key(big, KEYFILE_MAX + 1, 0600, key, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer"));
	ck_assert_int_eq(read_key(big, KEYFILE_MAX, 0600, key, err), 0);
	ck_assert_uint_eq(strlen(key), KEYFILE_MAX);
	ck_assert_int_eq(keyfile_check("/nonexistent/k", err, 512), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/k"));
	/* a FIFO is refused at once, not waited on; so is a directory */
	snprintf(big, sizeof(big), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(big, 0600), 0);
	ck_assert_int_eq(keyfile_check(big, err, 512), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	ck_assert_int_eq(keyfile_check(dir, err, 512), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
}
END_TEST

START_TEST(test_config_key_file_is_relative_to_the_config_and_checked)
{
	static struct config c;
	char path[256], conf[256], text[512], err[1024];

	put("key", PASS "\n", strlen(PASS) + 1, 0640, path);
	snprintf(conf, sizeof(conf), "%s/hookd.conf", dir);
	snprintf(text, sizeof(text), "admin_token = t\n"
	    "encryption_key_file = key\n");
	ck_assert_int_eq(config_parse(&c, conf, text, strlen(text), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.encryption_key_file, path);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(config_parse(&c, conf, text, strlen(text), err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":2: bad value for encryption_key_file") !=
	    NULL && strstr(err, path) != NULL, "%s", err);
	/* default: none */
	snprintf(text, sizeof(text), "admin_token = t\n");
	ck_assert_int_eq(config_parse(&c, conf, text, strlen(text), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.encryption_key_file, "");
}
END_TEST

struct put_arg {
	struct store_event e;
};

static int
put_evt(struct store_txn *t, void *arg)
{
	return store_event_put(t, &((struct put_arg *)arg)->e);
}

static int
get_evt(struct store_txn *t, void *arg)
{
	struct store_event e;
	int rc = store_event_get(t, "evt_1", 1, &e);

	if (rc == STORE_OK) {
		*(int *)arg = e.body_len == strlen(BODY) &&
		    memcmp(e.body, BODY, e.body_len) == 0;
		store_event_free(&e);
	}
	return rc;
}

static int
open_with(const char *home, const char *key, struct store **s, char *err)
{
	struct store_opts o = { home, 1, 0, key, NULL, 0, 0 };

	*s = NULL;
	err[0] = '\0';
	return store_open(s, &o, err, 512);
}

/* The segments of home's regions that exist now. */
static int
segments(const char *home)
{
	long key;
	int i, n = 0;

	ck_assert_int_eq(crypt_shm_key(home, &key), 0);
	for (i = 0; i < CRYPT_SHM_KEYS; i++)
		if (shmget((key_t)(key + i), 0, 0) != -1)
			n++;
	return n;
}

static int
file_has(const char *home, const char *needle)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "grep -rqaF '%s' '%s'", needle, home);
	return system(cmd) == 0;
}

/* A new store in dir/data with one event, closed; its key in *keyp. */
static void
make_store(const char *key, char *home)
{
	struct put_arg a;
	struct store *s;
	char err[512];

	snprintf(home, 256, "%s/data", dir);
	ck_assert_int_eq(mkdir(home, 0770), 0);
	ck_assert_msg(open_with(home, key, &s, err) == STORE_OK, "%s", err);
	a.e = fx_evt("evt_1", 1000, BODY);
	ck_assert_int_eq(fx_txn(s, 0, put_evt, &a), STORE_OK);
	ck_assert_int_gt(segments(home), key != NULL ? 0 : -1);
	store_close(s);
}

START_TEST(test_encrypted_store_keeps_nothing_in_the_clear_and_no_segment)
{
	char home[256], key[256], err[512];
	struct store *s;
	int same = 0;

	put("key", PASS "\n", strlen(PASS) + 1, 0600, key);
	make_store(key, home);
	ck_assert_int_eq(segments(home), 0);	/* the last close removed them */
	ck_assert(!file_has(home, "SECRET-BODY"));
	ck_assert(!file_has(home, PASS));
	ck_assert_msg(open_with(home, key, &s, err) == STORE_OK, "%s", err);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, get_evt, &same), STORE_OK);
	ck_assert_int_eq(same, 1);
	store_close(s);
}
END_TEST

START_TEST(test_plaintext_store_shows_the_body_so_the_grep_has_power)
{
	char home[256];

	make_store(NULL, home);
	ck_assert(file_has(home, "SECRET-BODY"));
}
END_TEST

/* Every file of home, concatenated: to see that nothing changed. */
static char *
snapshot(const char *home)
{
	char cmd[512], *out = calloc(1, 1 << 22);
	FILE *p;
	size_t n;

	ck_assert_ptr_nonnull(out);
	snprintf(cmd, sizeof(cmd), "cd '%s' && ls -l --time-style=+ && "
	    "cat $(ls | grep -v lock) | sha256sum", home);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, (1 << 22) - 1, p);
	out[n] = '\0';
	pclose(p);
	return out;
}

START_TEST(test_other_kind_or_wrong_key_is_refused_and_changes_nothing)
{
	char home[256], key[256], other[256], err[512], *before, *after;
	struct store *s;

	put("key", PASS "\n", strlen(PASS) + 1, 0600, key);
	put("other", "another passphrase!\n", 20, 0600, other);
	make_store(key, home);
	before = snapshot(home);
	ck_assert_int_eq(open_with(home, NULL, &s, err), STORE_ERR);
	ck_assert_msg(strstr(err, "is encrypted and no") != NULL, "%s", err);
	ck_assert_int_eq(open_with(home, other, &s, err), STORE_ERR);
	ck_assert_msg(strstr(err, "does not open the store") != NULL, "%s",
	    err);
	after = snapshot(home);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(segments(home), 0);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_plaintext_store_opened_with_a_key_is_refused)
{
	char home[256], key[256], err[512], *before, *after;
	struct store *s;

	put("key", PASS "\n", strlen(PASS) + 1, 0600, key);
	make_store(NULL, home);
	before = snapshot(home);
	ck_assert_int_eq(open_with(home, key, &s, err), STORE_ERR);
	ck_assert_msg(strstr(err, "is not encrypted") != NULL, "%s", err);
	after = snapshot(home);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

static const char *child_home, *child_key;

static void
child_write_and_die(void *arg)
{
	struct put_arg a;
	struct store *s;
	char err[512];

	(void)arg;
	if (open_with(child_home, child_key, &s, err) != STORE_OK)
		_exit(90);
	a.e = fx_evt("evt_1", 1000, BODY);
	if (fx_txn(s, 0, put_evt, &a) != STORE_OK)
		_exit(91);
	raise(SIGKILL);
}

START_TEST(test_regions_lost_after_sigkill_recover_from_the_logs)
{
	char home[256], key[256], err[512];
	struct fx_later l;
	struct store *s;
	long base;
	int i, id, same = 0;

	put("key", PASS "\n", strlen(PASS) + 1, 0600, key);
	snprintf(home, sizeof(home), "%s/data", dir);
	ck_assert_int_eq(mkdir(home, 0770), 0);
	child_home = home;
	child_key = key;
	l = fx_fork_later(child_write_and_die, NULL);
	fx_go(&l);
	ck_assert_int_eq(fx_wait(l.pid), 128 + SIGKILL);
	ck_assert_int_gt(segments(home), 0);	/* left by the killed one */
	ck_assert_int_eq(crypt_shm_key(home, &base), 0);
	for (i = 0; i < CRYPT_SHM_KEYS; i++)	/* what a reboot does */
		if ((id = shmget((key_t)(base + i), 0, 0)) != -1)
			ck_assert_int_eq(shmctl(id, IPC_RMID, NULL), 0);
	ck_assert_msg(open_with(home, key, &s, err) == STORE_OK, "%s", err);
	ck_assert_int_eq(fx_txn(s, STORE_RDONLY, get_evt, &same), STORE_OK);
	ck_assert_int_eq(same, 1);
	store_close(s);
	ck_assert_int_eq(segments(home), 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("crypt");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_keyfile_accepts_one_line_of_16_bytes_or_more);
	tcase_add_test(tc, test_keyfile_refuses_what_breaks_a_rule_naming_the_file);
	tcase_add_test(tc, test_config_key_file_is_relative_to_the_config_and_checked);
	tcase_add_test(tc, test_encrypted_store_keeps_nothing_in_the_clear_and_no_segment);
	tcase_add_test(tc, test_plaintext_store_shows_the_body_so_the_grep_has_power);
	tcase_add_test(tc, test_other_kind_or_wrong_key_is_refused_and_changes_nothing);
	tcase_add_test(tc, test_plaintext_store_opened_with_a_key_is_refused);
	tcase_add_test(tc, test_regions_lost_after_sigkill_recover_from_the_logs);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
