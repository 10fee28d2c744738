/*
 * test_fuzz_regress.c - replay every saved fuzz input through the same
 * function the fuzzer calls.
 *
 * The libFuzzer targets are included here with their entry point
 * renamed, so a seed or a crash input saved under tests/fuzz/corpus/NAME
 * runs through exactly the code (and the oracles: fuzz_request aborts on a
 * 5xx or an answer that breaks the error shape, fuzz_retryafter on a delay
 * out of range) that found it.  Under `make check-asan` this is a sanitizer
 * regression test as well.  The corpus root is tests/fuzz/corpus (run from
 * the top directory, as `make unit` does) or $HOOKD_FUZZ_CORPUS.
 * A new crash input goes into the corpus directory of its target.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLVMFuzzerTestOneInput fuzz_config_one
#include "tests/fuzz/fuzz_config.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_url_one
#include "tests/fuzz/fuzz_url.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_retryafter_one
#include "tests/fuzz/fuzz_retryafter.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_request_one
#include "tests/fuzz/fuzz_request.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_jsontext_one
#include "tests/fuzz/fuzz_jsontext.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_jschema_one
#include "tests/fuzz/fuzz_jschema.c"
#undef LLVMFuzzerTestOneInput

#define REGRESS_INPUT_MAX (1024 * 1024)

typedef int (*regress_fn)(const uint8_t *data, size_t size);

/* Read one whole file (at most REGRESS_INPUT_MAX bytes) into a new buffer. */
static uint8_t *
regress_read(const char *path, size_t *len)
{
	uint8_t *p;
	FILE *f;

	p = malloc(REGRESS_INPUT_MAX);
	ck_assert_ptr_nonnull(p);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	*len = fread(p, 1, REGRESS_INPUT_MAX, f);
	ck_assert_msg(!ferror(f), "cannot read %s", path);
	fclose(f);
	return p;
}

/* Feed every file of corpus/name to fn; the corpus must not be empty. */
static void
regress_replay(const char *name, regress_fn fn)
{
	const char *root = getenv("HOOKD_FUZZ_CORPUS");
	char dir[1024], path[2048];
	struct dirent *e;
	uint8_t *data;
	size_t len;
	int n = 0;
	DIR *d;

	if (root == NULL)
		root = "tests/fuzz/corpus";
	ck_assert((size_t)snprintf(dir, sizeof(dir), "%s/%s", root, name) <
	    sizeof(dir));
	d = opendir(dir);
	ck_assert_msg(d != NULL, "no corpus directory %s (run from the top "
	    "directory or set HOOKD_FUZZ_CORPUS)", dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		ck_assert((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) < sizeof(path));
		data = regress_read(path, &len);
		/* A crash (abort from an oracle, a signal) ends the test
		 * without a name: HOOKD_FUZZ_VERBOSE=1 prints each input. */
		if (getenv("HOOKD_FUZZ_VERBOSE") != NULL)
			fprintf(stderr, "%s\n", path);
		ck_assert_msg(fn(data, len) == 0, "%s", path);
		free(data);
		n++;
	}
	closedir(d);
	ck_assert_msg(n > 0, "corpus %s is empty", dir);
}

START_TEST(test_fuzz_config_corpus_replays_cleanly)
{
	regress_replay("config", fuzz_config_one);
}
END_TEST

START_TEST(test_fuzz_url_corpus_replays_cleanly)
{
	regress_replay("url", fuzz_url_one);
}
END_TEST

START_TEST(test_fuzz_retryafter_corpus_replays_cleanly)
{
	regress_replay("retryafter", fuzz_retryafter_one);
}
END_TEST

START_TEST(test_fuzz_request_corpus_replays_cleanly)
{
	regress_replay("request", fuzz_request_one);
}
END_TEST

START_TEST(test_fuzz_jsontext_corpus_replays_cleanly)
{
	regress_replay("jsontext", fuzz_jsontext_one);
}
END_TEST

START_TEST(test_fuzz_jschema_corpus_replays_cleanly)
{
	regress_replay("jschema", fuzz_jschema_one);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fuzz_regress");
	TCase *tc = tcase_create("corpus");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fuzz_config_corpus_replays_cleanly);
	tcase_add_test(tc, test_fuzz_url_corpus_replays_cleanly);
	tcase_add_test(tc, test_fuzz_retryafter_corpus_replays_cleanly);
	tcase_add_test(tc, test_fuzz_request_corpus_replays_cleanly);
	tcase_add_test(tc, test_fuzz_jsontext_corpus_replays_cleanly);
	tcase_add_test(tc, test_fuzz_jschema_corpus_replays_cleanly);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
