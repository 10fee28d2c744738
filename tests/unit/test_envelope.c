/*
 * test_envelope.c - the exact bytes a receiver gets for an event: the
 * envelope {"id","type","timestamp","org_id","app_id"?,"user_id"?,"data"}
 * pinned literally for inputs at every edge of JSON's grammar (escapes,
 * \u0000, UTF-8, "/", integers at 64 bits, doubles kept as sent, 1e400,
 * nesting, empty containers) and of the header (omitted and empty ids, a
 * null timestamp, strings that need escaping).  These bytes are signed and
 * stored: a change here changes what every receiver verifies.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/envelope.h"
#include "cgi/jin.h"
#include "lib/buf.h"

#define TS 1764186752123LL		/* 2025-11-26T19:52:32.123Z */
#define HEAD "{\"id\":\"evt_1\",\"type\":\"user.signin\"," \
	"\"timestamp\":\"2025-11-26T19:52:32.123Z\",\"org_id\":\"org_a\"," \
	"\"app_id\":\"app_1\",\"user_id\":\"u1\",\"data\":"

/* The envelope of data_json (parsed as intake parses a body) under HEAD's
 * fields must be want, byte for byte. */
static void
check_data(const char *data_json, const char *want)
{
	struct json_object *data;
	struct buf got;
	char err[128];

	ck_assert_msg(jin_parse(data_json, strlen(data_json), 32, &data, err,
	    sizeof(err)) == 0, "%s: %s", data_json, err);
	buf_init(&got, 1 << 16);
	ck_assert_int_eq(envelope_build(&got, "evt_1", "user.signin", TS,
	    "org_a", "app_1", "u1", data), 0);
	ck_assert_msg(got.len == strlen(want) &&
	    memcmp(got.data, want, got.len) == 0,
	    "input %s\n got %s\nwant %s", data_json, got.data, want);
	buf_free(&got);
	json_object_put(data);
}

START_TEST(test_envelope_bytes_of_empty_and_nested_data)
{
	check_data("{}", HEAD "{}}");
	check_data("{ \"a\" : [ 1 , 2 ] ,\t\"b\":{ } }",
	    HEAD "{\"a\":[1,2],\"b\":{}}}");
	check_data("{\"a\":[[],[{}],[[1,[2,{\"b\":{\"c\":[null,true,false]}}]]]],"
	    "\"o\":{\"x\":{\"y\":{}}}}",
	    HEAD "{\"a\":[[],[{}],[[1,[2,{\"b\":{\"c\":[null,true,false]}}]]]],"
	    "\"o\":{\"x\":{\"y\":{}}}}}");
	/* Keys keep the order they came in. */
	check_data("{\"z\":1,\"a\":2,\"m\":3}", HEAD "{\"z\":1,\"a\":2,\"m\":3}}");
}
END_TEST

START_TEST(test_envelope_bytes_of_strings_escapes_and_unicode)
{
	struct json_object *data;
	char err[128];

	/* \uXXXX and surrogate pairs become UTF-8; UTF-8 stays as it is. */
	check_data("{\"u\":\"\\u00e9 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
	    "\\ud83d\\ude00\",\"k\\u00e9y\":1}",
	    HEAD "{\"u\":\"\xc3\xa9 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
	    "\xf0\x9f\x98\x80\",\"k\xc3\xa9y\":1}}");
	/* Named escapes by name, other controls as \u00xx, 0x7f raw. */
	check_data("{\"s\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f \\u0001 "
	    "\\u001f \\u007f\"}",
	    HEAD "{\"s\":\"q\\\" b\\\\ n\\n r\\r t\\t b\\b f\\f \\u0001 "
	    "\\u001f \x7f\"}}");
	/* \u0000 inside a value is kept; in a member name the gate refuses
	 * it (json-c would end the name there). */
	check_data("{\"z\":\"a\\u0000b\"}", HEAD "{\"z\":\"a\\u0000b\"}}");
	ck_assert_int_eq(jin_parse("{\"a\\u0000b\":1}", 14, 32, &data, err,
	    sizeof(err)), -1);
	/* "/" is never escaped, and "\/" comes out as "/". */
	check_data("{\"p\":\"a/b\\/c</script>\"}",
	    HEAD "{\"p\":\"a/b/c</script>\"}}");
}
END_TEST

START_TEST(test_envelope_bytes_of_numbers)
{
	/* Integers as 64-bit values (-0 is 0), up to UINT64_MAX - 1. */
	check_data("{\"i\":[0,-0,7,-7,9223372036854775807,"
	    "-9223372036854775807,9223372036854775808,18446744073709551614]}",
	    HEAD "{\"i\":[0,0,7,-7,9223372036854775807,"
	    "-9223372036854775807,9223372036854775808,18446744073709551614]}}");
	/* Doubles exactly as sent, even beyond a double's range. */
	check_data("{\"d\":[1.50,-0.0,0.1,1e400,-1e400,1E5,-1.5e-7,3.0E+2,"
	    "123456789012345678901234567890.5,1e-400,0.0]}",
	    HEAD "{\"d\":[1.50,-0.0,0.1,1e400,-1e400,1E5,-1.5e-7,3.0E+2,"
	    "123456789012345678901234567890.5,1e-400,0.0]}}");
	check_data("{\"d\":[1e309, 2.5e-324, 1.7976931348623157e308]}",
	    HEAD "{\"d\":[1e309,2.5e-324,1.7976931348623157e308]}}");
}
END_TEST

/* The envelope of data_json as intake builds it (its text copied where
 * lib/jsontree.c says json-c prints it alike) must carry json-c's own
 * printing of the tokener's tree of data_json. */
static void
check_as_json_c(const char *data_json)
{
	struct json_tokener *tok = json_tokener_new_ex(40);
	struct json_object *o;
	struct buf want;

	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, data_json, (int)strlen(data_json));
	ck_assert_msg(o != NULL, "json-c refuses %s", data_json);
	json_tokener_free(tok);
	buf_init(&want, 1 << 16);
	ck_assert_int_eq(buf_adds(&want, HEAD), 0);
	ck_assert_int_eq(buf_adds(&want, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)), 0);
	ck_assert_int_eq(buf_adds(&want, "}"), 0);
	check_data(data_json, want.data);
	buf_free(&want);
	json_object_put(o);
}

START_TEST(test_envelope_copies_text_only_where_json_c_prints_it_alike)
{
	static const char *const texts[] = {
		/* whitespace everywhere, nothing json-c writes otherwise */
		" {\n\t\"a\" :\r[ 1 ,-2.50e3 , \"x y\" ,{ } ,[ ] ] , \"b\":"
		"{\"c\" : null , \"d\":true,\"e\":false } } ",
		/* escapes json-c writes the same way, at every offset mod 8 */
		"{\"s\":[\"\\\"\",\"a\\\\\",\"ab\\n\",\"abc\\r\","
		"\"abcd\\t\",\"abcde\\b\",\"abcdef\\f\","
		"\"abcdefg\\u0001\",\"abcdefgh\\u001f\"], \"k\\\"\" : 1}",
		/* ... and ones it writes otherwise, beside plain siblings */
		"{\"plain\": {\"x\": [1, 2]}, \"odd\": {\"y\": \"\\/\"}}",
		"{\"a\": [ {\"u\": \"\\u00e9\"} ], \"b\": [ \"\\u000a\" ],"
		" \"c\": [\"\\u001F\"], \"d\": [ -0 ], \"e\": [ 0, -1 ]}",
		/* long strings ending right at their container's end */
		"{\"x\":\"0123456789abcdef0123456789\"}",
		"{\"x\":[\"0123456789abcdef01234567\\\"\"]}",
		"{\"x\": \"\xc3\xa9\xe2\x82\xac \x7f 0123456789\" }",
	};
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		check_as_json_c(texts[i]);
}
END_TEST

/* The envelope of {} with these header fields must be want. */
static void
check_head(const char *type, int64_t ts, const char *org, const char *app,
    const char *user, const char *want)
{
	struct json_object *data = json_object_new_object();
	struct buf got;

	buf_init(&got, 1 << 16);
	ck_assert_int_eq(envelope_build(&got, "evt_1", type, ts, org, app,
	    user, data), 0);
	ck_assert_msg(got.len == strlen(want) &&
	    memcmp(got.data, want, got.len) == 0, "\n got %s\nwant %s",
	    got.data, want);
	buf_free(&got);
	json_object_put(data);
}

START_TEST(test_envelope_bytes_of_header_fields)
{
	/* No app, no user: both left out. */
	check_head("webhook.test", TS, "org_a", NULL, NULL,
	    "{\"id\":\"evt_1\",\"type\":\"webhook.test\","
	    "\"timestamp\":\"2025-11-26T19:52:32.123Z\",\"org_id\":\"org_a\","
	    "\"data\":{}}");
	/* An empty app is left out, an empty user is kept. */
	check_head("user.signin", 1, "org_a", "", "",
	    "{\"id\":\"evt_1\",\"type\":\"user.signin\","
	    "\"timestamp\":\"1970-01-01T00:00:00.001Z\",\"org_id\":\"org_a\","
	    "\"user_id\":\"\",\"data\":{}}");
	/* Time 0 is null; header strings are escaped like data strings. */
	check_head("webhook.test", 0, "o/\xc3\xa9\"\\\n\x7f", NULL, NULL,
	    "{\"id\":\"evt_1\",\"type\":\"webhook.test\",\"timestamp\":null,"
	    "\"org_id\":\"o/\xc3\xa9\\\"\\\\\\n\x7f\",\"data\":{}}");
	check_head("user.signin", TS, "org_a", "app_1", "u\"x\n\x01",
	    "{\"id\":\"evt_1\",\"type\":\"user.signin\","
	    "\"timestamp\":\"2025-11-26T19:52:32.123Z\",\"org_id\":\"org_a\","
	    "\"app_id\":\"app_1\",\"user_id\":\"u\\\"x\\n\\u0001\","
	    "\"data\":{}}");
	/* Times before 1970 and at the end of year 9999. */
	check_head("user.signin", -1, "org_a", "app_1", "u",
	    "{\"id\":\"evt_1\",\"type\":\"user.signin\","
	    "\"timestamp\":\"1969-12-31T23:59:59.999Z\",\"org_id\":\"org_a\","
	    "\"app_id\":\"app_1\",\"user_id\":\"u\",\"data\":{}}");
	check_head("user.signin", 253402300799999LL, "org_a", "app_1", "u",
	    "{\"id\":\"evt_1\",\"type\":\"user.signin\","
	    "\"timestamp\":\"9999-12-31T23:59:59.999Z\",\"org_id\":\"org_a\","
	    "\"app_id\":\"app_1\",\"user_id\":\"u\",\"data\":{}}");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("envelope");
	TCase *tc = tcase_create("envelope");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_envelope_bytes_of_empty_and_nested_data);
	tcase_add_test(tc, test_envelope_bytes_of_strings_escapes_and_unicode);
	tcase_add_test(tc, test_envelope_bytes_of_numbers);
	tcase_add_test(tc,
	    test_envelope_copies_text_only_where_json_c_prints_it_alike);
	tcase_add_test(tc, test_envelope_bytes_of_header_fields);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
