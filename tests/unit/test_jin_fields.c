/* test_jin_fields.c - cgi/jin.c's one-pass field reading (jin_fields,
 * jin_field_str, jin_field_time: events_parse's) answers every body as
 * the per-field getters it replaced (jin_only, jin_str, jin_time): the
 * same values, the same first error, word for word. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "cgi/jin.h"

static const char *const fields[] = { "id", "type", "when", NULL };
enum { F_ID, F_TYPE, F_WHEN, F_N };

/* The outcome of reading body with the getters (old) or in one pass
 * (new): rc, the message, the values. */
struct got {
	int rc;
	char err[256];
	const char *id, *type;
	int64_t when;
	int present;
};

static void
getters(struct json_object *o, struct got *g)
{
	memset(g, 0, sizeof(*g));
	g->rc = jin_only(o, fields, g->err, sizeof(g->err)) == -1 ||
	    jin_str(o, "id", 0, 1, 8, &g->id, g->err, sizeof(g->err)) == -1 ||
	    jin_str(o, "type", 1, 2, 16, &g->type, g->err,
	    sizeof(g->err)) == -1 ||
	    jin_time(o, "when", 0, &g->when, &g->present, g->err,
	    sizeof(g->err)) == -1 ? -1 : 0;
}

static void
one_pass(struct json_object *o, struct got *g)
{
	struct json_object *f[F_N];

	memset(g, 0, sizeof(*g));
	g->rc = jin_fields(o, fields, f, g->err, sizeof(g->err)) == -1 ||
	    jin_field_str(f[F_ID], "id", 0, 1, 8, &g->id, g->err,
	    sizeof(g->err)) == -1 ||
	    jin_field_str(f[F_TYPE], "type", 1, 2, 16, &g->type, g->err,
	    sizeof(g->err)) == -1 ||
	    jin_field_time(f[F_WHEN], "when", 0, &g->when, &g->present,
	    g->err, sizeof(g->err)) == -1 ? -1 : 0;
}

/* body read both ways: the same outcome; returns the one-pass rc. */
static int
same(const char *body, const char *want_err)
{
	struct json_object *o;
	struct got a, b;
	char err[256];

	ck_assert_msg(jin_parse(body, strlen(body), 8, &o, err,
	    sizeof(err)) == 0, "%s: %s", body, err);
	getters(o, &a);
	one_pass(o, &b);
	ck_assert_int_eq(a.rc, b.rc);
	ck_assert_str_eq(a.err, b.err);
	if (want_err != NULL)
		ck_assert_str_eq(b.err, want_err);
	if (b.rc == 0) {
		ck_assert_ptr_eq(a.id, b.id);	/* into the same tree */
		ck_assert_ptr_eq(a.type, b.type);
		ck_assert_int_eq(a.present, b.present);
		if (a.present)
			ck_assert_int_eq(a.when, b.when);
	}
	json_object_put(o);
	return b.rc;
}

START_TEST(test_jin_fields_reads_what_the_getters_read)
{
	ck_assert_int_eq(same("{\"type\":\"ab\"}", ""), 0);
	ck_assert_int_eq(same("{\"when\":\"2026-12-06T20:00:00Z\","
	    "\"type\":\"abc\",\"id\":\"x1\"}", ""), 0);
}
END_TEST

START_TEST(test_jin_fields_refuses_with_the_getters_first_error)
{
	same("{\"type\":\"ab\",\"bogus\":1,\"id\":null}",
	    "bogus: unknown field");
	same("{\"id\":null,\"bogus\":1}",
	    "id: must not be null (leave the field out instead)");
	same("{\"id\":\"x\"}", "type: required");
	same("{\"id\":5,\"type\":7}", "id: must be a string");
	same("{\"type\":7}", "type: must be a string");
	same("{\"id\":\"\",\"type\":\"ab\"}",
	    "id: length must be 1 to 8 bytes");
	same("{\"id\":\"a\\u0000b\",\"type\":\"ab\"}",
	    "id: must not contain NUL");
	same("{\"type\":\"a\"}", "type: length must be 2 to 16 bytes");
	same("{\"type\":\"ab\",\"when\":\"yesterday\"}",
	    "when: must be an RFC 3339 time");
	same("{\"type\":\"ab\",\"when\":\"\"}",
	    "when: length must be 1 to 64 bytes");
	same("{\"type\":\"ab\",\"when\":[]}", "when: must be a string");
	same("{\"type\":\"ab\",\"when\":null}",
	    "when: must not be null (leave the field out instead)");
}
END_TEST

START_TEST(test_jin_fields_values_by_name_null_when_absent)
{
	struct json_object *o, *f[F_N];
	char err[256];
	const char *body = "{\"when\":\"w\",\"id\":\"i\"}";

	ck_assert_int_eq(jin_parse(body, strlen(body), 8, &o, err,
	    sizeof(err)), 0);
	f[F_TYPE] = o;	/* must be cleared */
	ck_assert_int_eq(jin_fields(o, fields, f, err, sizeof(err)), 0);
	ck_assert_str_eq(json_object_get_string(f[F_ID]), "i");
	ck_assert_ptr_null(f[F_TYPE]);
	ck_assert_str_eq(json_object_get_string(f[F_WHEN]), "w");
	json_object_put(o);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jin_fields");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_jin_fields_reads_what_the_getters_read);
	tcase_add_test(tc, test_jin_fields_refuses_with_the_getters_first_error);
	tcase_add_test(tc, test_jin_fields_values_by_name_null_when_absent);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
