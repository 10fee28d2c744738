/*
 * test_jsontree.c - lib/jsontree.c builds the tree json-c's strict tokener
 * builds, for texts at every edge of the grammar (escapes, surrogate
 * pairs, \u0000, numbers at 18/19 digits and 64 bits, doubles kept as
 * sent, empty containers, whitespace everywhere, repeated names); and
 * leaves to json-c what it says it leaves.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/jsontext.h"
#include "lib/jsontree.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* json-c's strict tokener over text (which it must accept). */
static struct json_object *
tokener(const char *text)
{
	struct json_tokener *tok = json_tokener_new_ex(80);
	struct json_object *o;

	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", 1);
	ck_assert_msg(json_tokener_get_error(tok) == json_tokener_success,
	    "json-c refuses %s", text);
	json_tokener_free(tok);
	return o;
}

/* text passes the scan and builds to json-c's tree, printed alike. */
static void
same(const char *text)
{
	struct json_object *a, *b;
	size_t members, at, la, lb;
	const char *sa, *sb;
	char err[128];

	ck_assert_msg(jsontext_check(text, strlen(text), 64, &members, &at,
	    err, sizeof(err)) == 0, "%s: %s", text, err);
	ck_assert_int_eq(jsontree_build(text, strlen(text), &a), 0);
	b = tokener(text);
	ck_assert_msg(json_object_equal(a, b), "trees differ: %s", text);
	if (a != NULL) {
		ck_assert_int_eq(json_object_get_type(a), json_object_get_type(b));
		sa = json_object_to_json_string_length(a, FLAGS, &la);
		sb = json_object_to_json_string_length(b, FLAGS, &lb);
		ck_assert_msg(la == lb && memcmp(sa, sb, la) == 0,
		    "%s: printed %s, json-c %s", text, sa, sb);
	}
	json_object_put(a);
	json_object_put(b);
}

START_TEST(test_jsontree_builds_the_tokeners_tree)
{
	static const char *const texts[] = {
		"null", "true", "false", "0", "-0", "1", "-1", "0.0", "-0.0",
		"1.5e3", "1E+2", "1e-2", "-12.50", "1e400", "-1e400",
		"123456789012345678", "-123456789012345678",
		"0.000000000000000000000000001", "\"\"", "\"abc\"",
		"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u0000x\\u001f\\u007f\"",
		"\"\\u00e9\\u20ac\\ud83d\\ude00\\uD83D\\uDE00\"",
		"\"a\\u0041b\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
		"\"0123456789abcdef0123456789\\\"abcdef\"",
		"[]", "{}", "[[]]", "[{}]", "{\"\":{}}",
		" \t\r\n{ \"a\" : [ 1 , 2.0 , \"x\" , null , true ] ,\n"
		"\"b\" : { \"c\" : { } } } \n",
		"{\"k\\u00e9y\":1,\"k\\\"\":2,\"long name of a member, more than"
		" sixteen bytes\":3}",
		"{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}",
		"{\"data\":{\"n\":-9,\"f\":3.14159265358979323846,"
		"\"s\":\"x\\ny\",\"z\":[],\"o\":{}}}",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		same(texts[i]);
}
END_TEST

START_TEST(test_jsontree_many_members_and_long_strings)
{
	static char text[200000];
	size_t n = 0, i;

	text[n++] = '{';
	for (i = 0; i < 2000; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "%s\"member-%zu\":\"%0*d\\n%s\"", i ? "," : "", i,
		    (int)(i % 50), 7, i % 3 ? "" : "\\u00e9");
	}
	text[n++] = '}';
	text[n] = '\0';
	same(text);
}
END_TEST

/* jsontree_build over the C string text. */
static int
build(const char *text, struct json_object **o)
{
	return jsontree_build(text, strlen(text), o);
}

START_TEST(test_jsontree_names_a_repeat_as_json_c_keys_it)
{
	struct json_object *o;

	ck_assert_int_eq(build("{\"a\":1,\"a\":2}", &o),
	    JSONTREE_DUP);
	ck_assert_ptr_null(o);
	/* after decoding: "\u0061" is "a" */
	ck_assert_int_eq(build("[{\"b\":[1],\"\\u0061\":[],"
	    "\"a\":{}}]", &o), JSONTREE_DUP);
	ck_assert_ptr_null(o);
	/* the same name in two objects is no repeat */
	ck_assert_int_eq(build("{\"a\":{\"a\":1}}", &o), 0);
	json_object_put(o);
}
END_TEST

/* The member names json-c keeps as constants (the event fields) build
 * and repeat as any other name, spelled plainly or with escapes. */
START_TEST(test_jsontree_event_field_names_are_names_like_any)
{
	struct json_object *o, *v;

	same("{\"id\":\"e1\",\"type\":\"t\",\"org_id\":\"o\",\"app_id\":"
	    "\"a\",\"user_id\":\"u\",\"occurred_at\":\"x\",\"data\":{\"id\":"
	    "1,\"data\":[{\"type\":2}]},\"events\":[],\"ids\":0,\"i\":0,"
	    "\"\\u0069d2\":0,\"typ\\u0065s\":1}");
	same("{\"events\":[{\"type\":\"a\"},{\"type\":\"b\"}]}");
	ck_assert_int_eq(build("{\"id\":1,\"id\":2}", &o), JSONTREE_DUP);
	ck_assert_int_eq(build("{\"type\":1,\"t\\u0079pe\":2}", &o),
	    JSONTREE_DUP);
	ck_assert_int_eq(build("{\"t\\u0079pe\":1,\"type\":2}", &o),
	    JSONTREE_DUP);
	ck_assert_int_eq(build("{\"data\":{},\"x\":{\"data\":1,"
	    "\"data\":2}}", &o), JSONTREE_DUP);
	/* the tree outlives the text it was built from */
	{
		char text[] = "{\"org_id\":\"o\",\"user\":1}";

		ck_assert_int_eq(build(text, &o), 0);
		memset(text, 'z', sizeof(text) - 1);
		ck_assert(json_object_object_get_ex(o, "org_id", &v));
		ck_assert_str_eq(json_object_get_string(v), "o");
		ck_assert(json_object_object_get_ex(o, "user", &v));
		json_object_put(o);
	}
}
END_TEST

START_TEST(test_jsontree_leaves_19_digit_integers_to_json_c)
{
	struct json_object *o;

	ck_assert_int_eq(build("9223372036854775807", &o),
	    JSONTREE_OTHER);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(build("[1,-1000000000000000000]", &o),
	    JSONTREE_OTHER);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(build("[1,-100000000000000000]", &o), 0);
	ck_assert_int_eq(json_object_get_int64(json_object_array_get_idx(o, 1)),
	    -100000000000000000LL);
	json_object_put(o);
}
END_TEST

static Suite *
jsontree_suite(void)
{
	Suite *s = suite_create("jsontree");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_jsontree_builds_the_tokeners_tree);
	tcase_add_test(tc, test_jsontree_many_members_and_long_strings);
	tcase_add_test(tc, test_jsontree_names_a_repeat_as_json_c_keys_it);
	tcase_add_test(tc, test_jsontree_event_field_names_are_names_like_any);
	tcase_add_test(tc, test_jsontree_leaves_19_digit_integers_to_json_c);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(jsontree_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
