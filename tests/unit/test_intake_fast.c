/*
 * test_intake_fast.c - the intake fast paths give the same answers as the
 * general ones: jin_parse's own UTF-8 check (RFC 3629, 8 bytes at a time
 * over ASCII) and the envelope written without building a json-c object.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/envelope.h"
#include "cgi/jin.h"
#include "lib/buf.h"
#include "lib/timefmt.h"

/* jin_parse of {"k":"<s>"} with s (n bytes) placed after pad ASCII bytes,
 * so that every sequence is also tried across an 8-byte boundary. */
static int
parse_str(const char *s, size_t n, size_t pad)
{
	char body[256], err[128];
	struct json_object *o = NULL;
	size_t len = 0;
	int rc;

	ck_assert_uint_lt(n + pad + 16, sizeof(body));
	memcpy(body, "{\"k\":\"", 6);
	len = 6;
	memset(body + len, 'a', pad);
	len += pad;
	memcpy(body + len, s, n);
	len += n;
	memcpy(body + len, "\"}", 2);
	len += 2;
	rc = jin_parse(body, len, 32, &o, err, sizeof(err));
	if (rc == 0) {
		ck_assert_str_eq(json_object_get_string(
		    json_object_object_get(o, "k")) + pad, s);
		json_object_put(o);
	} else
		ck_assert_ptr_nonnull(strstr(err, "UTF-8"));
	return rc;
}

START_TEST(test_jin_parse_accepts_well_formed_utf8_at_any_offset)
{
	static const char *const good[] = {
		"\xc3\xa9",			/* U+00E9 */
		"\xc2\x80",			/* U+0080, smallest 2-byte */
		"\xe0\xa0\x80",			/* U+0800, smallest 3-byte */
		"\xed\x9f\xbf",			/* U+D7FF, below surrogates */
		"\xee\x80\x80",			/* U+E000, above surrogates */
		"\xe2\x82\xac",			/* U+20AC */
		"\xf0\x90\x80\x80",		/* U+10000, smallest 4-byte */
		"\xf0\x9f\x98\x80",		/* U+1F600 */
		"\xf4\x8f\xbf\xbf",		/* U+10FFFF, the last */
		"x\xc3\xa9y\xe2\x82\xacz\xf0\x9f\x98\x80",
	};
	size_t i, pad;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		for (pad = 0; pad < 10; pad++)
			ck_assert_msg(parse_str(good[i], strlen(good[i]), pad) == 0,
			    "good[%zu] pad %zu refused", i, pad);
}
END_TEST

START_TEST(test_jin_parse_refuses_ill_formed_utf8_at_any_offset)
{
	static const char *const bad[] = {
		"\xff", "\xfe", "\x80", "\xbf",		/* never a lead byte */
		"\xc0\xaf", "\xc1\xbf",			/* overlong 2-byte */
		"\xe0\x80\xaf", "\xe0\x9f\xbf",		/* overlong 3-byte */
		"\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf",	/* overlong 4-byte */
		"\xed\xa0\x80", "\xed\xbf\xbf",		/* encoded surrogates */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80",	/* past U+10FFFF */
		"\xf8\x88\x80\x80\x80",			/* 5-byte form */
		"\xc3(", "\xe2\x82", "\xe2\x82(", "\xf0\x9f\x98",  /* cut short */
	};
	size_t i, pad;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (pad = 0; pad < 10; pad++)
			ck_assert_msg(parse_str(bad[i], strlen(bad[i]), pad) == -1,
			    "bad[%zu] pad %zu accepted", i, pad);
}
END_TEST

/* What envelope_build wrote before its fast path: one json-c object. */
static void
reference(struct buf *out, const char *id, const char *type, int64_t ts,
    const char *org, const char *app, const char *user,
    struct json_object *data)
{
	struct json_object *o = json_object_new_object();
	char t[TIMEFMT_LEN];
	const char *s;
	size_t n;

	timefmt_format(ts, t, sizeof(t));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "timestamp",
	    ts == 0 ? NULL : json_object_new_string(t));
	json_object_object_add(o, "org_id", json_object_new_string(org));
	if (app != NULL && app[0] != '\0')
		json_object_object_add(o, "app_id",
		    json_object_new_string(app));
	if (user != NULL)
		json_object_object_add(o, "user_id",
		    json_object_new_string(user));
	json_object_object_add(o, "data", json_object_get(data));
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	buf_reset(out);
	ck_assert_int_eq(buf_add(out, s, n), 0);
	json_object_put(o);
}

START_TEST(test_envelope_fast_path_writes_what_json_c_writes)
{
	static const char *const orgs[] = { "org_a", "o/slash", "o\"q",
	    "o\\b", "o\xc3\xa9", "o\x7f", "" };
	static const char *const apps[] = { NULL, "", "app_01ABC" };
	static const char *const users[] = { NULL, "", "user-1", "u\"x",
	    "u\n" };
	static const int64_t times[] = { 0, 1, 1764186752123LL };
	static const char data_json[] =
	    "{\"note\":\"a/b \\\"q\\\" \\\\ \\n \\u0001 \xc3\xa9\","
	    "\"n\":1.50,\"i\":-7,\"big\":18446744073709551615,\"t\":true,"
	    "\"z\":null,\"arr\":[1,\"x\",{},[]],\"e\":{}}";
	struct json_object *data;
	struct buf got, want;
	char err[128];
	size_t a, b, c, d;

	ck_assert_int_eq(jin_parse(data_json, sizeof(data_json) - 1, 32, &data,
	    err, sizeof(err)), 0);
	buf_init(&got, 1 << 20);
	buf_init(&want, 1 << 20);
	for (a = 0; a < sizeof(orgs) / sizeof(orgs[0]); a++)
	for (b = 0; b < sizeof(apps) / sizeof(apps[0]); b++)
	for (c = 0; c < sizeof(users) / sizeof(users[0]); c++)
	for (d = 0; d < sizeof(times) / sizeof(times[0]); d++) {
		ck_assert_int_eq(envelope_build(&got, "evt_01", "user.signin",
		    times[d], orgs[a], apps[b], users[c], data), 0);
		reference(&want, "evt_01", "user.signin", times[d], orgs[a],
		    apps[b], users[c], data);
		ck_assert_msg(got.len == want.len &&
		    memcmp(got.data, want.data, got.len) == 0,
		    "org %zu app %zu user %zu time %zu:\n got %s\nwant %s",
		    a, b, c, d, got.data, want.data);
	}
	/* A cap the envelope does not fit in is an error, not a cut. */
	buf_free(&got);
	buf_init(&got, 40);
	ck_assert_int_eq(envelope_build(&got, "evt_01", "user.signin",
	    times[2], "org_a", NULL, NULL, data), -1);
	buf_free(&got);
	buf_free(&want);
	json_object_put(data);
}
END_TEST

/* A small deterministic generator of JSON texts that stress the envelope's
 * own serializer: every escape, UTF-8 and 0x7f at every offset, numbers at
 * the int64/uint64 edges, doubles, nesting. */
static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

static void
gen_str(struct buf *b)
{
	static const char *const parts[] = { "a", "Zz09", "/", "\\\"",
	    "\\\\", "\\n", "\\r", "\\t", "\\b", "\\f", "\\u0001",
	    "\\u001f", "\\u0000", "\x7f", "\xc3\xa9", "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80", "\\u00e9", "\\/", " ", "abcdefgh" };
	unsigned i, n = rnd(24);

	buf_add(b, "\"", 1);
	for (i = 0; i < n; i++)
		buf_adds(b, parts[rnd(sizeof(parts) / sizeof(parts[0]))]);
	buf_add(b, "\"", 1);
}

static void
gen_value(struct buf *b, int depth)
{
	static const char *const nums[] = { "0", "-0", "7", "-7",
	    "9223372036854775807", "-9223372036854775808",
	    "9223372036854775808", "18446744073709551615", "1.50", "-0.0",
	    "1e400", "-1.5e-7", "3.0E+2", "123456789012" };
	unsigned i, n;

	switch (depth > 4 ? rnd(4) : rnd(6)) {
	case 0:
		buf_adds(b, nums[rnd(sizeof(nums) / sizeof(nums[0]))]);
		break;
	case 1:
		buf_adds(b, rnd(3) == 0 ? "null" : rnd(2) ? "true" : "false");
		break;
	case 2:
	case 3:
		gen_str(b);
		break;
	case 4:
		buf_add(b, "[", 1);
		for (i = 0, n = rnd(5); i < n; i++) {
			if (i > 0)
				buf_add(b, ",", 1);
			gen_value(b, depth + 1);
		}
		buf_add(b, "]", 1);
		break;
	default:
		buf_add(b, "{", 1);
		for (i = 0, n = rnd(5); i < n; i++) {
			if (i > 0)
				buf_add(b, ",", 1);
			gen_str(b);
			buf_add(b, ":", 1);
			gen_value(b, depth + 1);
		}
		buf_add(b, "}", 1);
		break;
	}
}

START_TEST(test_envelope_serializer_matches_json_c_on_generated_data)
{
	struct buf text, got, want;
	struct json_object *data;
	char err[128];
	int i, checked = 0;

	buf_init(&text, 1 << 20);
	buf_init(&got, 1 << 20);
	buf_init(&want, 1 << 20);
	for (i = 0; i < 3000; i++) {
		buf_reset(&text);
		buf_add(&text, "{\"k\":", 5);
		gen_value(&text, 0);
		buf_add(&text, "}", 1);
		if (jin_parse(text.data, text.len, 32, &data, err,
		    sizeof(err)) == -1)
			continue;	/* e.g. a lone \u0000 key part */
		ck_assert_int_eq(envelope_build(&got, "evt_01", "user.signin",
		    1764186752123LL, "org_a", "app_01", "u1", data), 0);
		reference(&want, "evt_01", "user.signin", 1764186752123LL,
		    "org_a", "app_01", "u1", data);
		ck_assert_msg(got.len == want.len &&
		    memcmp(got.data, want.data, got.len) == 0,
		    "input %s\n got %s\nwant %s", text.data, got.data,
		    want.data);
		json_object_put(data);
		checked++;
	}
	ck_assert_int_gt(checked, 2500);
	buf_free(&text);
	buf_free(&got);
	buf_free(&want);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("intake_fast");
	TCase *tc = tcase_create("intake_fast");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_jin_parse_accepts_well_formed_utf8_at_any_offset);
	tcase_add_test(tc, test_jin_parse_refuses_ill_formed_utf8_at_any_offset);
	tcase_add_test(tc, test_envelope_fast_path_writes_what_json_c_writes);
	tcase_add_test(tc, test_envelope_serializer_matches_json_c_on_generated_data);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
