/*
 * test_json_strict.c - the request body gate (jin_parse: lib/jsontext.c,
 * then json-c) against the table tests/json/cases.txt, which
 * tests/integration/test_json_strict.py sends through the real API.
 *
 * Every case: the verdict, and for a refusal the byte offset and the
 * message the table names; the same verdict inside [ ] and {"v": }; an
 * accepted text comes out of json-c and out of the receivers' envelope
 * as strict JSON that parses to the same value.  The table is found at
 * tests/json/cases.txt (run from the top directory, as `make unit` does)
 * or $HOOKD_JSON_CASES.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/envelope.h"
#include "cgi/jin.h"
#include "lib/buf.h"
#include "lib/jsontext.h"

#define CASES_MAX	1024
#define CASE_TEXT_MAX	4096
#define GATE_DEPTH	64	/* what cgi/api.c passes (API_JSON_DEPTH) */

struct jcase {
	int line;
	int accept;
	int top;		/* the verdict holds only for the whole text */
	unsigned char text[CASE_TEXT_MAX];
	size_t len;
	long at;		/* expected fault offset, -1 when not given */
	char what[128];		/* expected piece of the message, or "" */
};

static struct jcase cases[CASES_MAX];
static size_t ncases;

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode the TEXT field s (up to end) into c->text: %XX and %%. */
static void
decode(struct jcase *c, const char *s, const char *end)
{
	int hi, lo;

	c->len = 0;
	while (s < end) {
		ck_assert_msg(c->len < CASE_TEXT_MAX, "line %d: too long",
		    c->line);
		if (*s != '%') {
			c->text[c->len++] = (unsigned char)*s++;
			continue;
		}
		if (end - s >= 2 && s[1] == '%') {
			c->text[c->len++] = '%';
			s += 2;
			continue;
		}
		ck_assert_msg(end - s >= 3, "line %d: bad %%XX", c->line);
		hi = hexval(s[1]);
		lo = hexval(s[2]);
		ck_assert_msg(hi >= 0 && lo >= 0, "line %d: bad %%XX", c->line);
		c->text[c->len++] = (unsigned char)(hi << 4 | lo);
		s += 3;
	}
}

static void
load_cases(void)
{
	const char *path = getenv("HOOKD_JSON_CASES");
	char line[CASE_TEXT_MAX * 3 + 256], *tab, *tab2, *end;
	struct jcase *c;
	FILE *f;
	int lineno = 0;

	if (ncases > 0)
		return;
	if (path == NULL)
		path = "tests/json/cases.txt";
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		end = line + strcspn(line, "\n");
		*end = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		ck_assert_msg(ncases < CASES_MAX, "too many cases");
		c = &cases[ncases++];
		memset(c, 0, sizeof(*c));
		c->line = lineno;
		c->at = -1;
		tab = strchr(line, '\t');
		ck_assert_msg(tab != NULL, "line %d: no tab", lineno);
		*tab = '\0';
		ck_assert_msg(strcmp(line, "A") == 0 || strcmp(line, "R") == 0 ||
		    strcmp(line, "A!") == 0 || strcmp(line, "R!") == 0,
		    "line %d: verdict %s", lineno, line);
		c->accept = line[0] == 'A';
		c->top = line[1] == '!';
		tab2 = strchr(tab + 1, '\t');
		decode(c, tab + 1, tab2 != NULL ? tab2 : end);
		if (tab2 != NULL) {
			ck_assert_msg(tab2[1] == '@', "line %d: EXPECT", lineno);
			c->at = strtol(tab2 + 2, &end, 10);
			if (*end == ' ')
				(void)snprintf(c->what, sizeof(c->what), "%s",
				    end + 1);
		}
	}
	fclose(f);
}

/* The gate's verdict on p[0..n): 1 accepted (the tree in *o unless o is
 * NULL), 0 refused (message in err). */
static int
gate(const void *p, size_t n, struct json_object **o, char *err,
    size_t errlen)
{
	struct json_object *tree = NULL;
	int rc;

	err[0] = '\0';
	rc = jin_parse(p, n, GATE_DEPTH, &tree, err, errlen);
	if (o != NULL)
		*o = tree;
	else
		json_object_put(tree);
	return rc == 0;
}

/* The N of "... at byte N" in err (the last: a quoted member name may
 * hold those words too), or -1. */
static long
err_at(const char *err)
{
	const char *s = NULL, *t = err;

	while ((t = strstr(t, " at byte ")) != NULL)
		s = t++;
	return s == NULL ? -1 : strtol(s + 9, NULL, 10);
}

START_TEST(test_json_table_has_150_refusals_and_80_acceptances)
{
	size_t i, a = 0, r = 0;

	load_cases();
	for (i = 0; i < ncases; i++)
		cases[i].accept ? a++ : r++;
	printf("tests/json/cases.txt: %zu cases, %zu accept, %zu refuse\n",
	    ncases, a, r);
	ck_assert_uint_ge(r, 150);
	ck_assert_uint_ge(a, 80);
}
END_TEST

START_TEST(test_json_gate_gives_each_case_its_verdict_offset_and_reason)
{
	char err[256];
	size_t i;
	int bad = 0, ok;
	long at;

	load_cases();
	for (i = 0; i < ncases; i++) {
		struct jcase *c = &cases[i];

		ok = gate(c->text, c->len, NULL, err, sizeof(err));
		if (ok != c->accept) {
			fprintf(stderr, "line %d: %s, want %s (%s)\n", c->line,
			    ok ? "accepted" : "refused",
			    c->accept ? "accept" : "refuse", err);
			bad++;
			continue;
		}
		if (ok)
			continue;
		at = err_at(err);
		if (at < 0 || (size_t)at > c->len) {
			fprintf(stderr, "line %d: no offset in \"%s\"\n",
			    c->line, err);
			bad++;
		} else if (c->at >= 0 && at != c->at) {
			fprintf(stderr, "line %d: \"%s\", want byte %ld\n",
			    c->line, err, c->at);
			bad++;
		} else if (c->what[0] != '\0' && strstr(err, c->what) == NULL) {
			fprintf(stderr, "line %d: \"%s\", want \"%s\"\n",
			    c->line, err, c->what);
			bad++;
		}
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* p = pre + c->text + post (all bytes). */
static size_t
wrap(unsigned char *p, size_t cap, const char *pre, const struct jcase *c,
    const char *post)
{
	size_t a = strlen(pre), b = strlen(post);

	ck_assert_uint_le(a + c->len + b, cap);
	memcpy(p, pre, a);
	memcpy(p + a, c->text, c->len);
	memcpy(p + a + c->len, post, b);
	return a + c->len + b;
}

START_TEST(test_json_verdict_is_the_same_inside_an_array_and_an_object)
{
	static const char *const pre[] = { "[", "{\"v\":", " [ \"x\" , ", "{\"a\":[{\"v\":" };
	static const char *const post[] = { "]", "}", " ] ", "}]}" };
	unsigned char buf[CASE_TEXT_MAX + 64];
	char err[256];
	size_t i, k, n;
	int bad = 0, ok;
	long at;

	load_cases();
	for (i = 0; i < ncases; i++) {
		if (cases[i].top)
			continue;
		for (k = 0; k < sizeof(pre) / sizeof(pre[0]); k++) {
			n = wrap(buf, sizeof(buf), pre[k], &cases[i], post[k]);
			ok = gate(buf, n, NULL, err, sizeof(err));
			at = err_at(err);
			if (ok != cases[i].accept ||
			    (!ok && (at < 0 || (size_t)at > n))) {
				fprintf(stderr, "line %d inside %s%s: %s (%s)\n",
				    cases[i].line, pre[k], post[k],
				    ok ? "accepted" : "refused", err);
				bad++;
			}
		}
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

/*
 * An accepted text, written out again by json-c (as hookd writes every
 * answer and the envelope's data), passes the gate and means the same: the
 * receivers only ever get strict JSON.
 */
START_TEST(test_json_accepted_text_comes_out_strict_and_unchanged)
{
	struct json_object *o, *again, *data, *env, *v;
	struct buf out;
	const char *s;
	char err[256];
	size_t i, n;
	int bad = 0;

	load_cases();
	buf_init(&out, 1 << 20);
	for (i = 0; i < ncases; i++) {
		if (!cases[i].accept)
			continue;
		ck_assert(gate(cases[i].text, cases[i].len, &o, err,
		    sizeof(err)));
		s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE, &n);
		if (!gate(s, n, &again, err, sizeof(err)) ||
		    !json_object_equal(o, again)) {
			fprintf(stderr, "line %d: json-c wrote %s (%s)\n",
			    cases[i].line, s, err);
			bad++;
		}
		json_object_put(again);
		/* the envelope, as POST /v1/events builds it */
		data = json_object_new_object();
		json_object_object_add(data, "v", json_object_get(o));
		if (cases[i].top || jin_ints_exact(data) == -1) {
			json_object_put(data);
			json_object_put(o);
			continue;
		}
		ck_assert_int_eq(envelope_build(&out, "evt_1", "user.signin",
		    1700000000000, "org", NULL, NULL, data), 0);
		if (!gate(out.data, out.len, &env, err, sizeof(err)) ||
		    !json_object_object_get_ex(env, "data", &v) ||
		    !json_object_equal(v, data)) {
			fprintf(stderr, "line %d: envelope %.*s (%s)\n",
			    cases[i].line, (int)out.len, out.data, err);
			bad++;
		}
		json_object_put(env);
		json_object_put(data);
		json_object_put(o);
	}
	buf_free(&out);
	ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_json_nul_escape_in_a_value_is_kept_to_the_envelope)
{
	static const char text[] = "{\"a\":\"x\\u0000y\",\"b\":[\"\\u0000\"]}";
	struct json_object *o, *v;
	struct buf out;
	char err[256];

	ck_assert(gate(text, sizeof(text) - 1, &o, err, sizeof(err)));
	ck_assert(json_object_object_get_ex(o, "a", &v));
	ck_assert_int_eq(json_object_get_string_len(v), 3);
	ck_assert_mem_eq(json_object_get_string(v), "x\0y", 3);
	buf_init(&out, 4096);
	ck_assert_int_eq(envelope_build(&out, "evt_1", "user.signin",
	    1700000000000, "org", NULL, NULL, o), 0);
	ck_assert_ptr_nonnull(memmem(out.data, out.len,
	    "\"data\":{\"a\":\"x\\u0000y\",\"b\":[\"\\u0000\"]}", 36));
	/* an org_id with a byte to escape takes json-c's own serializer */
	ck_assert_int_eq(envelope_build(&out, "evt_1", "user.signin",
	    1700000000000, "org\"q", NULL, NULL, o), 0);
	ck_assert_ptr_nonnull(memmem(out.data, out.len, "\"org\\\"q\"", 8));
	ck_assert_ptr_nonnull(memmem(out.data, out.len,
	    "\"data\":{\"a\":\"x\\u0000y\",\"b\":[\"\\u0000\"]}", 36));
	buf_free(&out);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_nul_escape_in_a_member_name_is_refused_where_it_is)
{
	static const char text[] = "{\"ok\":1,\"foo\\u0000bar\":1}";
	char err[256];

	ck_assert(!gate(text, sizeof(text) - 1, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "\\u0000 in a member name at byte 12");
}
END_TEST

START_TEST(test_json_duplicate_is_named_at_its_second_occurrence)
{
	static const char text[] = "{\"b\":{\"x\":1},\"a\":1,\"\\u0061\":2}";
	char err[256];

	ck_assert(!gate(text, sizeof(text) - 1, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "duplicate member name \"\\u0061\" at byte 19");
}
END_TEST

/* Many members and one repeat: found by sorting, not pair by pair. */
START_TEST(test_json_duplicate_among_many_members_is_found_fast)
{
	struct buf b;
	char err[256], name[32];
	size_t i, at;

	buf_init(&b, 1 << 22);
	ck_assert_int_eq(buf_adds(&b, "{"), 0);
	for (i = 0; i < 50000; i++) {
		(void)snprintf(name, sizeof(name), "%s\"k%zu\":0",
		    i ? "," : "", (i * 7919) % 50000);
		ck_assert_int_eq(buf_adds(&b, name), 0);
	}
	at = b.len + 1;
	ck_assert_int_eq(buf_adds(&b, ",\"k4\":1}"), 0);
	ck_assert(!gate(b.data, b.len, NULL, err, sizeof(err)));
	ck_assert_int_eq(err_at(err), (long)at);
	ck_assert_int_eq(jsontext_dup(b.data, b.len, &i, err, sizeof(err)), 1);
	ck_assert_uint_eq(i, at);
	buf_free(&b);
}
END_TEST

START_TEST(test_json_depth_64_is_accepted_and_65_refused)
{
	char text[300], err[256];
	int d;

	for (d = 1; d <= 66; d++) {
		memset(text, '[', (size_t)d);
		memset(text + d, ']', (size_t)d);
		ck_assert_int_eq(gate(text, 2 * (size_t)d, NULL, err,
		    sizeof(err)), d <= 64);
	}
	ck_assert_str_eq(err, "nesting deeper than 64 at byte 64");
}
END_TEST

START_TEST(test_json_null_field_is_refused_by_every_getter)
{
	static const char *const fields[] = { "a", "s", "i", "b", "t", NULL };
	struct json_object *o;
	const char *s;
	int64_t x;
	int present, bv;
	char err[256];

	static const char text[] =
	    "{\"a\":1,\"s\":null,\"i\":null,\"b\":null,\"t\":null}";

	ck_assert(gate(text, sizeof(text) - 1, &o, err, sizeof(err)));
	ck_assert_int_eq(jin_only(o, fields, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s: must not be null (leave the field out "
	    "instead)");
	ck_assert_int_eq(jin_str(o, "s", 0, 0, 10, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(jin_int(o, "i", 0, 0, 10, &x, &present, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(jin_bool(o, "b", &bv, &present, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(jin_time(o, "t", 0, &x, &present, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "t: must not be null (leave the field out "
	    "instead)");
	/* absent is still fine */
	ck_assert_int_eq(jin_str(o, "zz", 0, 0, 10, &s, err, sizeof(err)), 0);
	ck_assert_ptr_null(s);
	json_object_put(o);
}
END_TEST

START_TEST(test_json_unknown_field_message_stays_utf8)
{
	static const char *const fields[] = { "a", NULL };
	char text[256], err[256];
	struct json_object *o;
	size_t n = 0, i, at, members;

	text[n++] = '{';
	text[n++] = '"';
	for (i = 0; i < 30; i++) {	/* 90 bytes of U+20AC */
		text[n++] = (char)0xe2;
		text[n++] = (char)0x82;
		text[n++] = (char)0xac;
	}
	memcpy(text + n, "\":1}", 4);
	n += 4;
	ck_assert(gate(text, n, &o, err, sizeof(err)));
	ck_assert_int_eq(jin_only(o, fields, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ": unknown field"));
	/* the name is cut at a character boundary: quoted, the message is a
	 * JSON string (whole UTF-8) */
	text[0] = '"';
	memcpy(text + 1, err, strlen(err));
	text[1 + strlen(err)] = '"';
	ck_assert_int_eq(jsontext_check(text, strlen(err) + 2, 1, &members, &at,
	    NULL, 0), 0);
	json_object_put(o);
}
END_TEST

static Suite *
json_strict_suite(void)
{
	Suite *s = suite_create("json_strict");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_json_table_has_150_refusals_and_80_acceptances);
	tcase_add_test(tc,
	    test_json_gate_gives_each_case_its_verdict_offset_and_reason);
	tcase_add_test(tc,
	    test_json_verdict_is_the_same_inside_an_array_and_an_object);
	tcase_add_test(tc, test_json_accepted_text_comes_out_strict_and_unchanged);
	tcase_add_test(tc, test_json_nul_escape_in_a_value_is_kept_to_the_envelope);
	tcase_add_test(tc,
	    test_json_nul_escape_in_a_member_name_is_refused_where_it_is);
	tcase_add_test(tc, test_json_duplicate_is_named_at_its_second_occurrence);
	tcase_add_test(tc, test_json_duplicate_among_many_members_is_found_fast);
	tcase_add_test(tc, test_json_depth_64_is_accepted_and_65_refused);
	tcase_add_test(tc, test_json_null_field_is_refused_by_every_getter);
	tcase_add_test(tc, test_json_unknown_field_message_stays_utf8);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(json_strict_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
