/* test_request_reuse.c - cgi/request.c between two requests of one slot
 * (request_done): the next body is read whole and alone into the kept
 * memory (no byte of a longer earlier body after it, its own length as
 * the cap), and a body above the keep cap is let go. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi/request.h"
#include "lib/config.h"

/* A transport of CGI variables and one body, read in pieces of 7000. */
struct fake {
	const char *method;
	const char *uri;
	char len[32];
	const char *body;
	size_t n, at;
};

static const char *
fake_getenv(void *u, const char *name)
{
	struct fake *f = u;

	if (strcmp(name, "REQUEST_METHOD") == 0)
		return f->method;
	if (strcmp(name, "REQUEST_URI") == 0)
		return f->uri;
	if (strcmp(name, "CONTENT_LENGTH") == 0)
		return f->len;
	return NULL;
}

static long
fake_read(void *u, char *p, size_t n)
{
	struct fake *f = u;
	size_t k = f->n - f->at;

	if (k > n)
		k = n;
	if (k > 7000)
		k = 7000;
	memcpy(p, f->body + f->at, k);
	f->at += k;
	return (long)k;
}

static int
fake_write(void *u, const void *p, size_t n)
{
	(void)u;
	(void)p;
	(void)n;
	return 0;
}

/* POST /v1/events/batch of n bytes of ch through r; the body read must
 * be exactly those. */
static void
post(struct request *r, const struct api_ctx *ctx, size_t n, char ch)
{
	struct request_io io;
	struct fake f;
	char *body = malloc(n + 1);
	size_t i;

	ck_assert_ptr_nonnull(body);
	memset(body, ch, n);
	f.method = "POST";
	f.uri = "/v1/events/batch";
	snprintf(f.len, sizeof(f.len), "%zu", n);
	f.body = body;
	f.n = n;
	f.at = 0;
	io.u = &f;
	io.getenv = fake_getenv;
	io.read = fake_read;
	io.write = fake_write;
	request_read(r, ctx, &io);
	ck_assert_int_eq(r->req.body_incomplete, 0);
	ck_assert_int_eq(r->req.body_too_large, 0);
	ck_assert_uint_eq(r->req.body_len, n);
	for (i = 0; i < n && r->req.body[i] == ch; i++)
		;
	ck_assert_uint_eq(i, n);	/* every byte is ch */
	ck_assert_int_eq(r->req.body[n], '\0');
	ck_assert_str_eq(r->req.path, "/v1/events/batch");
	ck_assert_uint_eq(r->body.cap, n);	/* its own length, not more */
	free(body);
}

START_TEST(test_request_reuse_reads_each_body_alone)
{
	static struct config cfg;
	struct api_ctx ctx = { &cfg, NULL };
	struct request r;
	char *kept;

	config_defaults(&cfg);
	cfg.max_batch_bytes = (size_t)4 << 20;
	request_init(&r);
	post(&r, &ctx, 100000, 'a');
	kept = r.body.data;
	request_done(&r);
	ck_assert_uint_eq(r.req.body_len, 0);
	ck_assert_ptr_eq(r.body.data, kept);	/* kept for the next */
	post(&r, &ctx, 1000, 'b');		/* shorter: no 'a' after it */
	ck_assert_ptr_eq(r.body.data, kept);	/* no new allocation */
	request_done(&r);
	post(&r, &ctx, 300000, 'c');		/* longer: grows */
	request_done(&r);
	ck_assert_uint_gt(r.body.size, 0);
	post(&r, &ctx, (size_t)2 << 20, 'd');	/* above the keep cap */
	request_done(&r);
	ck_assert_uint_eq(r.body.size, 0);	/* let go */
	post(&r, &ctx, 10, 'e');
	request_free(&r);
	ck_assert_uint_eq(r.body.size, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("request_reuse");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_request_reuse_reads_each_body_alone);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
