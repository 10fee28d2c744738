/*
 * libFuzzer target: the strict JSON gate every request body passes
 * (lib/jsontext.c, then json-c in jin_parse).  Run with
 * -dict=tests/fuzz/json.dict (make fuzz does).
 *
 * Oracles beyond the sanitizers, where two independent pieces of code must
 * agree:
 * - jsontext_check accepts => json-c's strict parser parses the whole text,
 *   with at most as many members in its tree as the scan counted;
 * - json-c kept fewer members than the scan counted <=> jsontext_dup finds
 *   a repeated name (json-c's hash table vs sorting decoded names);
 * - the gate (jin_parse) accepts => jsontext_check accepts and the text
 *   written back by json-c passes the gate and parses to an equal tree;
 * - every refusal names a byte offset inside the text;
 * - the gate's tree (lib/jsontree.c) is json-c's tokener's: equal, and
 *   printed to the same bytes (member order, double texts), by json-c and
 *   in an event's envelope (lib/envelope.c copies the text of containers
 *   jsontree_raw vouches for; the tokener's tree has none).
 * The first input byte picks the depth limit (1..64) so that deep and
 * shallow limits are both exercised.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cgi/jin.h"
#include "lib/buf.h"
#include "lib/envelope.h"
#include "lib/jsontext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Object members in a json-c tree, every level. */
static size_t
fuzz_jt_members(struct json_object *o)
{
	size_t i, n, count = 0;

	switch (json_object_get_type(o)) {
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			count += fuzz_jt_members(json_object_array_get_idx(o, i));
		return count;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			count += 1 + fuzz_jt_members(val);
		}
		return count;
	}
	default:
		return 0;
	}
}

static void
fuzz_jt_fail(const char *what, const uint8_t *p, size_t n, const char *err)
{
	fprintf(stderr, "fuzz_jsontext: %s (%s) on %zu bytes: %.*s\n", what,
	    err, n, (int)(n > 300 ? 300 : n), (const char *)p);
	abort();
}

/* The offset in "... at byte N" (the last such: a quoted member name may
 * hold the words too) must be at, in 0..n. */
static void
fuzz_jt_offset(const char *err, size_t at, const uint8_t *p, size_t n)
{
	const char *s = NULL, *t = err;

	while ((t = strstr(t, " at byte ")) != NULL)
		s = t++;
	if (s == NULL || at > n || strtoul(s + 9, NULL, 10) != at)
		fuzz_jt_fail("refusal without its offset", p, n, err);
}

/* The gate's tree a (lib/jsontree.c) is the tokener's b. */
static void
fuzz_jt_same(struct json_object *b, struct json_object *a, const uint8_t *p,
    size_t n)
{
	const int fl = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	const char *sa, *sb;
	struct buf ea, eb;
	size_t la, lb;

	if (!json_object_equal(a, b))
		fuzz_jt_fail("the gate's tree is not json-c's", p, n, "");
	if (a == NULL)
		return;
	sa = json_object_to_json_string_length(a, fl, &la);
	sb = json_object_to_json_string_length(b, fl, &lb);
	if (la != lb || memcmp(sa, sb, la) != 0)
		fuzz_jt_fail("the gate's tree prints other bytes", p, n, sa);
	buf_init(&ea, (size_t)1 << 24);
	buf_init(&eb, (size_t)1 << 24);
	if (envelope_build(&ea, "evt_1", "t", 1, "o", "a", "u", a) !=
	    envelope_build(&eb, "evt_1", "t", 1, "o", "a", "u", b) ||
	    ea.len != eb.len || memcmp(ea.data, eb.data, ea.len) != 0)
		fuzz_jt_fail("the gate's tree makes another envelope", p, n,
		    ea.data);
	buf_free(&ea);
	buf_free(&eb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok;
	struct json_object *o = NULL, *gated = NULL, *again = NULL;
	const char *p, *out;
	char err[256], err2[256];
	size_t n, members, at, dup_at, outlen;
	int depth, scan, dup, gate;

	if (size < 1 || size > (1 << 20))
		return 0;
	depth = 1 + data[0] % 64;
	p = (const char *)data + 1;
	n = size - 1;

	err[0] = '\0';
	scan = jsontext_check(p, n, depth, &members, &at, err, sizeof(err));
	if (scan == -1)
		fuzz_jt_offset(err, at, data + 1, n);

	gate = jin_parse(p, n, depth, &gated, err2, sizeof(err2));
	if (gate == 0 && scan == -1)
		fuzz_jt_fail("gate accepts what the scan refuses", data + 1, n, err);
	if (gate == -1 && scan == -1 && strcmp(err, err2) != 0)
		fuzz_jt_fail("gate and scan disagree on the reason", data + 1, n, err2);

	if (scan == 0) {
		tok = json_tokener_new_ex(depth + 1);
		if (tok == NULL)
			return 0;
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
		o = json_tokener_parse_ex(tok, p, (int)n);
		if (o == NULL &&
		    json_tokener_get_error(tok) == json_tokener_continue)
			o = json_tokener_parse_ex(tok, "", 1);
		if (json_tokener_get_error(tok) != json_tokener_success)
			fuzz_jt_fail("json-c refuses what the scan accepts", data + 1,
			    n, json_tokener_error_desc(
			    json_tokener_get_error(tok)));
		json_tokener_free(tok);
		if (fuzz_jt_members(o) > members)
			fuzz_jt_fail("json-c has more members than the text",
			    data + 1, n, "");
		dup = jsontext_dup(p, n, &dup_at, err, sizeof(err));
		if (dup == -1)
			fuzz_jt_fail("jsontext_dup failed", data + 1, n, err);
		if ((dup == 1) != (fuzz_jt_members(o) < members))
			fuzz_jt_fail("duplicate detectors disagree", data + 1, n, err);
		if ((gate == 0) != (dup == 0))
			fuzz_jt_fail("gate verdict is not scan + duplicates", data + 1,
			    n, err2);
		if (dup == 1)
			fuzz_jt_offset(err, dup_at, data + 1, n);
		if (gate == 0)
			fuzz_jt_same(o, gated, data + 1, n);
		json_object_put(o);
	}

	if (gate == 0) {
		/* what hookd writes out of an accepted text is strict JSON
		 * that means the same */
		out = gated != NULL ? json_object_to_json_string_length(gated,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &outlen) : "null";
		if (gated == NULL)
			outlen = 4;
		if (jin_parse(out, outlen, 64, &again, err, sizeof(err)) == -1)
			fuzz_jt_fail("json-c wrote what the gate refuses", data + 1, n,
			    err);
		if (!json_object_equal(gated, again))
			fuzz_jt_fail("json-c's output means something else", data + 1,
			    n, out);
		json_object_put(again);
	}
	json_object_put(gated);
	return 0;
}
