/*
 * test_urlmemo.c - a webhook URL may carry credentials (user:password@, a
 * token in the query), and no copy the sender keeps of one outlives what
 * it is kept for: sender/urlmemo.h wipes a remembered URL when another
 * replaces it and when it is dropped; job_clear wipes a job's URL and
 * job_forget the URL the attempt line remembers per thread (job.h).  The
 * last test looks for the credentials in all of the process's writable
 * memory once the job is cleared and its thread gone.
 */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sender/job.h"
#include "sender/urlmemo.h"

/* The credentials, only ever in read-only memory as literals: a copy in
 * writable memory is one the code made. */
#define CRED_PASS "pw-9f2c41d7e0b3"
#define CRED_TOKEN "tok-5a8e13c6d92f"
#define URL_HEAD "https://hookuser:"
#define URL_MID "@hooks.example.test/in?token="

/* URL_HEAD CRED_PASS URL_MID CRED_TOKEN into out, without a formatting
 * buffer of libc's in between. */
static void
cred_url(char *out, size_t cap)
{
	const char *part[] = { URL_HEAD, CRED_PASS, URL_MID, CRED_TOKEN };
	size_t i, n, o = 0;

	for (i = 0; i < 4; i++) {
		n = strlen(part[i]);
		ck_assert_uint_lt(o + n, cap);
		memcpy(out + o, part[i], n);
		o += n;
	}
	out[o] = '\0';
}

/* 1 if the bytes b (n) hold s anywhere. */
static int
has(const void *b, size_t n, const char *s)
{
	return memmem(b, n, s, strlen(s)) != NULL;
}

START_TEST(test_urlmemo_replacing_a_url_leaves_nothing_of_the_old_one)
{
	static struct urlmemo m;	/* zeroed: empty */
	static const char short_url[] = "https://b.example.test/x";
	char url[256];
	size_t i;

	cred_url(url, sizeof(url));
	ck_assert_int_eq(urlmemo_is(&m, url, strlen(url)), 0);
	ck_assert_int_eq(urlmemo_set(&m, url, strlen(url)), 0);
	ck_assert_int_eq(urlmemo_is(&m, url, strlen(url)), 1);
	/* a shorter URL over it: the old one's tail is gone too */
	ck_assert_int_eq(urlmemo_set(&m, short_url, strlen(short_url)), 0);
	ck_assert_int_eq(urlmemo_is(&m, short_url, strlen(short_url)), 1);
	ck_assert_int_eq(urlmemo_is(&m, url, strlen(url)), 0);
	ck_assert(!has(m.url, sizeof(m.url), CRED_PASS));
	ck_assert(!has(m.url, sizeof(m.url), CRED_TOKEN));
	for (i = strlen(short_url); i < sizeof(m.url); i++)
		ck_assert_int_eq(m.url[i], 0);
	/* dropped: every byte zero, and nothing matches */
	ck_assert_int_eq(urlmemo_set(&m, url, strlen(url)), 0);
	urlmemo_wipe(&m);
	ck_assert_int_eq(urlmemo_is(&m, url, strlen(url)), 0);
	for (i = 0; i < sizeof(m.url); i++)
		ck_assert_int_eq(m.url[i], 0);
	explicit_bzero(url, sizeof(url));
}
END_TEST

START_TEST(test_urlmemo_a_url_too_long_is_not_remembered)
{
	static struct urlmemo m;
	static char big[STORE_URL_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	ck_assert_int_eq(urlmemo_set(&m, "https://a.test/", 15), 0);
	ck_assert_int_eq(urlmemo_set(&m, big, strlen(big)), -1);
	ck_assert_uint_eq(m.len, 0);
	ck_assert_int_eq(urlmemo_is(&m, "https://a.test/", 15), 0);
	ck_assert_int_eq(m.url[0], 0);
}
END_TEST

/* ---- no copy anywhere in the process --------------------------------- */

/* 1 if s is anywhere in this process's writable memory (regions of more
 * than 1 GiB are left out: a sanitizer's shadow, not ours). */
static int
mem_has(const char *s)
{
	static char buf[1 << 16];	/* wiped after each look */
	size_t sl = strlen(s), n;
	unsigned long lo, hi, a;
	char line[512], perms[8];
	ssize_t got;
	FILE *f;
	int fd, found = 0;

	f = fopen("/proc/self/maps", "r");
	fd = open("/proc/self/mem", O_RDONLY);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fd, 0);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || perms[1] != 'w' ||
		    hi - lo > (1UL << 30))
			continue;
		/* chunks overlapping by sl - 1: no match cut at a seam */
		for (a = lo; !found && a < hi; a += n - (sl - 1)) {
			n = hi - a < sizeof(buf) ? hi - a : sizeof(buf);
			got = pread(fd, buf, n, (off_t)a);
			if (got < (ssize_t)sl)
				break;
			found = memmem(buf, (size_t)got, s, sl) != NULL;
			memset(buf, 0, (size_t)got);
			if ((size_t)got < n || n <= sl)
				break;
		}
	}
	close(fd);
	fclose(f);
	return found;
}

/* What the committer does with a finished job: its attempt line (which
 * remembers the URL's host for the next one), then, as it ends,
 * job_forget. */
static void *
committer(void *arg)
{
	struct job *j = arg;

	job_log_attempt(j);
	j->att_id[0] = '\0';	/* a next attempt: the remembered host */
	job_log_attempt(j);
	job_forget();
	return NULL;
}

START_TEST(test_no_copy_of_a_webhook_urls_credentials_outlives_its_job)
{
	struct job *j = calloc(1, sizeof(*j));
	pthread_t th;

	ck_assert_ptr_nonnull(j);
	j->kind = JOB_SEND;
	memcpy(j->d.id, "dlv_1", 6);
	memcpy(j->d.webhook_id, "wh_1", 5);
	memcpy(j->d.event_id, "evt_1", 6);
	j->status = 204;
	/* once with a plain URL first: the dynamic linker binds each
	 * library call at its first use, saving the vector registers (which
	 * a string function may have left a URL's bytes in) on the stack;
	 * bound already, the credentials' run leaves only the copies of
	 * hookd's own */
	memcpy(j->url, "https://plain.example.test/", 28);
	ck_assert_int_eq(pthread_create(&th, NULL, committer, j), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	job_clear(j);
	/* the scan finds what is there */
	cred_url(j->url, sizeof(j->url));
	ck_assert(mem_has(CRED_PASS));
	ck_assert(mem_has(CRED_TOKEN));
	ck_assert_int_eq(pthread_create(&th, NULL, committer, j), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_str_ne(j->att_id, "");	/* it wrote its line */
	job_clear(j);
	ck_assert(!mem_has(CRED_PASS));
	ck_assert(!mem_has(CRED_TOKEN));
	free(j);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("urlmemo");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc,
	    test_urlmemo_replacing_a_url_leaves_nothing_of_the_old_one);
	tcase_add_test(tc, test_urlmemo_a_url_too_long_is_not_remembered);
	tcase_add_test(tc,
	    test_no_copy_of_a_webhook_urls_credentials_outlives_its_job);
	suite_add_tcase(su, tc);
	sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
