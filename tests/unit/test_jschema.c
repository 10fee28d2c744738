/*
 * test_jschema.c - the JSON Schema validator (lib/jschema.h,
 * lib/jsvalid.h), table-driven from the draft 2020-12 specification
 * (Validation and Core documents): for every supported keyword instances
 * that match and that do not, with the edge cases the specification calls
 * out; then schemas that must be refused, and the work limits.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/jschema.h"
#include "lib/jsvalid.h"

struct vcase {
	const char *schema;
	const char *inst;
	const char *fail;	/* NULL: valid; else the keyword named */
	const char *ptr;	/* the instance pointer named (when fail) */
};

static const struct vcase vcases[] = {
	/* boolean schemas */
	{ "true", "{\"a\":1}", NULL, NULL },
	{ "false", "1", "false", "" },
	{ "{}", "[1,\"x\",null]", NULL, NULL },
	/* type: integers written as 1.0 are integers (2020-12 6.1.1) */
	{ "{\"type\":\"integer\"}", "1", NULL, NULL },
	{ "{\"type\":\"integer\"}", "1.0", NULL, NULL },
	{ "{\"type\":\"integer\"}", "1e2", NULL, NULL },
	{ "{\"type\":\"integer\"}", "1.5", "type", "" },
	{ "{\"type\":\"integer\"}", "\"1\"", "type", "" },
	{ "{\"type\":\"number\"}", "1", NULL, NULL },
	{ "{\"type\":\"number\"}", "2.5", NULL, NULL },
	{ "{\"type\":\"number\"}", "true", "type", "" },
	{ "{\"type\":[\"string\",\"null\"]}", "null", NULL, NULL },
	{ "{\"type\":[\"string\",\"null\"]}", "0", "type", "" },
	{ "{\"type\":\"object\"}", "[]", "type", "" },
	{ "{\"type\":\"array\"}", "{}", "type", "" },
	{ "{\"type\":\"boolean\"}", "false", NULL, NULL },
	{ "{\"type\":\"null\"}", "false", "type", "" },
	/* enum / const: equality by value, objects in any key order */
	{ "{\"enum\":[\"a\",1,null]}", "null", NULL, NULL },
	{ "{\"enum\":[\"a\",1,null]}", "1.0", NULL, NULL },
	{ "{\"enum\":[\"a\",1,null]}", "\"b\"", "enum", "" },
	{ "{\"enum\":[{\"a\":1,\"b\":[2]}]}", "{\"b\":[2],\"a\":1}", NULL, NULL },
	{ "{\"enum\":[{\"a\":1,\"b\":[2]}]}", "{\"b\":[2,3],\"a\":1}", "enum", "" },
	{ "{\"enum\":[false]}", "0", "enum", "" },
	{ "{\"const\":null}", "null", NULL, NULL },
	{ "{\"const\":null}", "0", "const", "" },
	{ "{\"const\":{\"x\":[1,2]}}", "{\"x\":[1,2.0]}", NULL, NULL },
	{ "{\"const\":{\"x\":[1,2]}}", "{\"x\":[2,1]}", "const", "" },
	/* numbers */
	{ "{\"minimum\":1.5}", "1.5", NULL, NULL },
	{ "{\"minimum\":1.5}", "1.4", "minimum", "" },
	{ "{\"maximum\":3}", "3.0", NULL, NULL },
	{ "{\"maximum\":3}", "3.0000001", "maximum", "" },
	{ "{\"exclusiveMinimum\":0}", "0", "exclusiveMinimum", "" },
	{ "{\"exclusiveMinimum\":0}", "1e-300", NULL, NULL },
	{ "{\"exclusiveMaximum\":10}", "10.0", "exclusiveMaximum", "" },
	{ "{\"maximum\":9223372036854775806}", "9223372036854775807",
	    "maximum", "" },
	{ "{\"maximum\":9223372036854775807}", "9223372036854775807", NULL,
	    NULL },
	{ "{\"minimum\":0}", "\"x\"", NULL, NULL },	/* only numbers */
	/* multipleOf with decimals: exact on the decimal text */
	{ "{\"multipleOf\":0.1}", "0.3", NULL, NULL },
	{ "{\"multipleOf\":0.01}", "19.99", NULL, NULL },
	{ "{\"multipleOf\":0.01}", "0.075", "multipleOf", "" },
	{ "{\"multipleOf\":0.0001}", "0.0075", NULL, NULL },
	{ "{\"multipleOf\":2}", "10", NULL, NULL },
	{ "{\"multipleOf\":2}", "7", "multipleOf", "" },
	{ "{\"multipleOf\":1.5}", "4.5", NULL, NULL },
	{ "{\"multipleOf\":1.5}", "4", "multipleOf", "" },
	{ "{\"multipleOf\":1e-8}", "12391239123", NULL, NULL },
	{ "{\"multipleOf\":3}", "1e400", "multipleOf", "" },
	{ "{\"multipleOf\":5}", "1e400", NULL, NULL },
	{ "{\"multipleOf\":0.5}", "-2.5", NULL, NULL },
	/* strings: lengths in code points */
	{ "{\"maxLength\":2}", "\"\xc3\xa9\xc3\xa9\"", NULL, NULL },
	{ "{\"maxLength\":2}", "\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"", NULL,
	    NULL },
	{ "{\"maxLength\":2}", "\"abc\"", "maxLength", "" },
	{ "{\"minLength\":2}", "\"\xf0\x9f\x98\x80\"", "minLength", "" },
	{ "{\"minLength\":1}", "\"\"", "minLength", "" },
	{ "{\"minLength\":2.0}", "\"ab\"", NULL, NULL },
	{ "{\"pattern\":\"^a+$\"}", "\"aaa\"", NULL, NULL },
	{ "{\"pattern\":\"b\"}", "\"abc\"", NULL, NULL },	/* unanchored */
	{ "{\"pattern\":\"^a+$\"}", "\"ab\"", "pattern", "" },
	{ "{\"pattern\":\"^.$\"}", "\"\xc3\xa9\"", NULL, NULL },	/* UTF */
	{ "{\"pattern\":\"^\\\\d+$\"}", "\"123\"", NULL, NULL },
	{ "{\"pattern\":\"^\\\\p{L}+$\"}", "\"\xc3\xa9t\xc3\xa9\"", NULL,
	    NULL },
	{ "{\"format\":\"email\"}", "\"not an email\"", NULL, NULL },
	/* arrays */
	{ "{\"items\":{\"type\":\"integer\"}}", "[1,2,3]", NULL, NULL },
	{ "{\"items\":{\"type\":\"integer\"}}", "[1,\"2\"]", "type", "/1" },
	{ "{\"prefixItems\":[{\"type\":\"string\"}],\"items\":false}",
	    "[\"a\"]", NULL, NULL },
	{ "{\"prefixItems\":[{\"type\":\"string\"}],\"items\":false}",
	    "[\"a\",1]", "false", "/1" },
	{ "{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}",
	    "[\"a\",\"b\"]", "type", "/1" },
	{ "{\"prefixItems\":[{\"type\":\"string\"}]}", "[\"a\",1,{}]", NULL,
	    NULL },
	{ "{\"minItems\":2}", "[1]", "minItems", "" },
	{ "{\"maxItems\":1}", "[1,2]", "maxItems", "" },
	{ "{\"uniqueItems\":true}", "[1,2,3]", NULL, NULL },
	{ "{\"uniqueItems\":true}", "[1,2,1.0]", "uniqueItems", "" },
	{ "{\"uniqueItems\":true}", "[{\"a\":1,\"b\":2},{\"b\":2,\"a\":1}]",
	    "uniqueItems", "" },
	{ "{\"uniqueItems\":true}", "[{\"a\":1},{\"a\":2}]", NULL, NULL },
	{ "{\"uniqueItems\":true}", "[[1,2],[2,1]]", NULL, NULL },
	{ "{\"uniqueItems\":true}", "[0,false,null,\"0\"]", NULL, NULL },
	{ "{\"uniqueItems\":false}", "[1,1]", NULL, NULL },
	{ "{\"contains\":{\"const\":3}}", "[1,2,3]", NULL, NULL },
	{ "{\"contains\":{\"const\":3}}", "[1,2]", "contains", "" },
	{ "{\"contains\":{\"const\":3}}", "[]", "contains", "" },
	{ "{\"contains\":{\"const\":3}}", "{}", NULL, NULL },
	/* objects */
	{ "{\"required\":[\"a\"]}", "{\"a\":null}", NULL, NULL },
	{ "{\"required\":[\"a\",\"b\"]}", "{\"a\":1}", "required", "" },
	{ "{\"required\":[\"a\"]}", "[]", NULL, NULL },
	{ "{\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"a\":\"x\","
	    "\"b\":1}", NULL, NULL },
	{ "{\"properties\":{\"a\":{\"type\":\"string\"}}}", "{\"a\":1}",
	    "type", "/a" },
	{ "{\"properties\":{\"a/b~c\":{\"type\":\"string\"}}}",
	    "{\"a/b~c\":1}", "type", "/a~1b~0c" },
	{ "{\"properties\":{\"a\":{}},\"additionalProperties\":false}",
	    "{\"a\":1,\"b\":2}", "additionalProperties", "/b" },
	{ "{\"properties\":{\"a\":{}},\"patternProperties\":{\"^x-\":{}},"
	    "\"additionalProperties\":false}", "{\"a\":1,\"x-y\":2}", NULL,
	    NULL },
	{ "{\"additionalProperties\":{\"type\":\"integer\"}}",
	    "{\"a\":1,\"b\":\"x\"}", "type", "/b" },
	{ "{\"patternProperties\":{\"^n_\":{\"type\":\"number\"}}}",
	    "{\"n_a\":1,\"s\":\"x\"}", NULL, NULL },
	{ "{\"patternProperties\":{\"^n_\":{\"type\":\"number\"}}}",
	    "{\"n_a\":\"1\"}", "type", "/n_a" },
	{ "{\"minProperties\":1}", "{}", "minProperties", "" },
	{ "{\"maxProperties\":1}", "{\"a\":1,\"b\":2}", "maxProperties", "" },
	/* applicators */
	{ "{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}", "3", NULL,
	    NULL },
	{ "{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}", "1",
	    "minimum", "" },
	{ "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":2}]}", "\"x\"",
	    NULL, NULL },
	{ "{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":2}]}", "1", "anyOf",
	    "" },
	{ "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}", "1", NULL,
	    NULL },
	{ "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}", "3",
	    "oneOf", "" },	/* two match */
	{ "{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":2}]}", "1.5",
	    "oneOf", "" },	/* none */
	{ "{\"not\":{\"type\":\"string\"}}", "1", NULL, NULL },
	{ "{\"not\":{\"type\":\"string\"}}", "\"x\"", "not", "" },
	{ "{\"if\":{\"properties\":{\"k\":{\"const\":\"a\"}}},\"then\":"
	    "{\"required\":[\"a\"]},\"else\":{\"required\":[\"b\"]}}",
	    "{\"k\":\"a\",\"a\":1}", NULL, NULL },
	{ "{\"if\":{\"properties\":{\"k\":{\"const\":\"a\"}}},\"then\":"
	    "{\"required\":[\"a\"]},\"else\":{\"required\":[\"b\"]}}",
	    "{\"k\":\"a\",\"b\":1}", "required", "" },
	{ "{\"if\":{\"properties\":{\"k\":{\"const\":\"a\"}}},\"then\":"
	    "{\"required\":[\"a\"]},\"else\":{\"required\":[\"b\"]}}",
	    "{\"k\":\"z\",\"a\":1}", "required", "" },
	{ "{\"then\":false}", "1", NULL, NULL },	/* no if: ignored */
	/* $defs + local $ref, nested, recursive through the instance */
	{ "{\"$defs\":{\"pos\":{\"type\":\"integer\",\"minimum\":1}},"
	    "\"properties\":{\"n\":{\"$ref\":\"#/$defs/pos\"}}}", "{\"n\":0}",
	    "minimum", "/n" },
	{ "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"items\":"
	    "{\"$ref\":\"#/$defs/c\"}},\"c\":{\"type\":\"string\"}},"
	    "\"$ref\":\"#/$defs/a\"}", "[\"x\",2]", "type", "/1" },
	{ "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"items\":"
	    "{\"$ref\":\"#/$defs/c\"}},\"c\":{\"type\":\"string\"}},"
	    "\"$ref\":\"#/$defs/a\"}", "[\"x\",\"y\"]", NULL, NULL },
	{ "{\"type\":\"object\",\"properties\":{\"kids\":{\"type\":\"array\","
	    "\"items\":{\"$ref\":\"#\"}}},\"required\":[\"name\"]}",
	    "{\"name\":\"a\",\"kids\":[{\"name\":\"b\",\"kids\":[{}]}]}",
	    "required", "/kids/0/kids/0" },
	{ "{\"$defs\":{\"a b\":{\"type\":\"string\"}},\"$ref\":"
	    "\"#/$defs/a%20b\"}", "1", "type", "" },
	{ "{\"$ref\":\"#/$defs/s\",\"maxLength\":2,\"$defs\":{\"s\":{\"type\":"
	    "\"string\"}}}", "\"abc\"", "maxLength", "" },
	/* annotations are accepted and ignored */
	{ "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\","
	    "\"$id\":\"https://example.com/s\",\"title\":\"t\",\"description\":"
	    "\"d\",\"$comment\":\"c\",\"examples\":[1],\"default\":2,"
	    "\"deprecated\":true,\"readOnly\":false,\"writeOnly\":false,"
	    "\"format\":\"date-time\"}", "\"x\"", NULL, NULL },
};

START_TEST(test_jschema_keywords_match_the_specification)
{
	const struct vcase *t = &vcases[_i];
	struct json_object *s, *o;
	struct jschema *js;
	char err[512], want[300];
	int rc;

	s = json_tokener_parse(t->schema);
	o = json_tokener_parse(t->inst);
	ck_assert_msg(s != NULL || strcmp(t->schema, "null") == 0,
	    "bad test schema %s", t->schema);
	ck_assert_msg(jschema_compile(s, &js, err, sizeof(err)) == 0,
	    "%s: %s", t->schema, err);
	rc = jsvalid_check(js, o, err, sizeof(err));
	if (t->fail == NULL) {
		ck_assert_msg(rc == 0, "%s / %s: %s", t->schema, t->inst, err);
	} else {
		ck_assert_msg(rc == 1, "%s / %s: expected invalid (%s), got %d",
		    t->schema, t->inst, t->fail, rc);
		snprintf(want, sizeof(want), "at \"%s\": %s: ", t->ptr,
		    t->fail);
		ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
		    "%s / %s: message \"%s\" does not start \"%s\"", t->schema,
		    t->inst, err, want);
	}
	jschema_free(js);
	json_object_put(s);
	json_object_put(o);
}
END_TEST

struct ccase {
	const char *schema;
	const char *msg;	/* the message starts with this */
};

static const struct ccase ccases[] = {
	{ "{\"type\":\"int\"}", "at \"#\": type: " },
	{ "{\"type\":[]}", "at \"#\": type: " },
	{ "{\"type\":[\"string\",\"string\"]}", "at \"#\": type: " },
	{ "{\"minLength\":-1}", "at \"#\": minLength: " },
	{ "{\"minLength\":1.5}", "at \"#\": minLength: " },
	{ "{\"maxItems\":\"3\"}", "at \"#\": maxItems: " },
	{ "{\"properties\":{\"a\":{\"minimun\":1}}}",
	    "at \"#/properties/a\": minimun: unknown keyword" },
	{ "{\"properties\":{\"a\":{\"items\":[{}]}}}",
	    "at \"#/properties/a\": items: " },
	{ "{\"properties\":[]}", "at \"#\": properties: " },
	{ "{\"properties\":{\"a\":1}}", "at \"#/properties/a\": schema: " },
	{ "{\"required\":[\"a\",\"a\"]}", "at \"#\": required: " },
	{ "{\"required\":\"a\"}", "at \"#\": required: " },
	{ "{\"enum\":1}", "at \"#\": enum: " },
	{ "{\"pattern\":\"(\"}", "at \"#\": pattern: " },
	{ "{\"patternProperties\":{\"[\":{}}}", "at \"#\": patternProperties: " },
	{ "{\"multipleOf\":0}", "at \"#\": multipleOf: " },
	{ "{\"minimum\":\"1\"}", "at \"#\": minimum: " },
	{ "{\"allOf\":[]}", "at \"#\": allOf: " },
	{ "{\"anyOf\":{}}", "at \"#\": anyOf: " },
	{ "{\"oneOf\":[{},3]}", "at \"#/oneOf/1\": schema: " },
	{ "{\"$ref\":\"https://example.com/x\"}", "at \"#\": $ref: " },
	{ "{\"$ref\":\"#/$defs/nope\"}", "at \"#\": $ref: " },
	{ "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}}}",
	    "at \"#/$defs/a\": $ref: a cycle" },
	{ "{\"allOf\":[{\"$ref\":\"#\"}]}", "at \"#\": $ref: a cycle" },
	{ "{\"properties\":{\"a\":{\"$id\":\"x\"}}}",
	    "at \"#/properties/a\": $id: " },
	{ "{\"uniqueItems\":1}", "at \"#\": uniqueItems: " },
	{ "{\"title\":1}", "at \"#\": title: " },
	{ "{\"minContains\":1}", "at \"#\": minContains: unknown keyword" },
	{ "{\"$anchor\":\"a\"}", "at \"#\": $anchor: unknown keyword" },
	{ "{\"dependentRequired\":{}}", "at \"#\": dependentRequired: " },
	{ "1", "at \"#\": schema: " },
	{ "null", "at \"#\": schema: " },
};

START_TEST(test_jschema_bad_schemas_are_refused_naming_pointer_and_keyword)
{
	const struct ccase *t = &ccases[_i];
	struct json_object *s = json_tokener_parse(t->schema);
	struct jschema *js = NULL;
	char err[512];

	ck_assert_int_eq(jschema_compile(s, &js, err, sizeof(err)), -1);
	ck_assert_ptr_null(js);
	ck_assert_msg(strncmp(err, t->msg, strlen(t->msg)) == 0,
	    "%s: message \"%s\" does not start \"%s\"", t->schema, err, t->msg);
	json_object_put(s);
}
END_TEST

/* Seconds of CPU spent since t0. */
static double
since(clock_t t0)
{
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

static int
check_text(const char *schema, const char *inst, char *err, size_t errlen)
{
	struct json_object *s = json_tokener_parse(schema);
	struct json_object *o = json_tokener_parse(inst);
	struct jschema *js;
	int rc;

	ck_assert_int_eq(jschema_compile(s, &js, err, errlen), 0);
	rc = jsvalid_check(js, o, err, errlen);
	jschema_free(js);
	json_object_put(s);
	json_object_put(o);
	return rc;
}

START_TEST(test_jschema_catastrophic_regex_gives_up_quickly)
{
	char inst[64], err[512];
	clock_t t0 = clock();

	memset(inst, 'a', sizeof(inst));
	inst[0] = '"';
	inst[sizeof(inst) - 3] = '!';
	inst[sizeof(inst) - 2] = '"';
	inst[sizeof(inst) - 1] = '\0';
	ck_assert_int_eq(check_text("{\"pattern\":\"^(a+)+$\"}", inst, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, "pattern") != NULL, "%s", err);
	ck_assert_msg(since(t0) < 2.0, "%.2f s", since(t0));
}
END_TEST

START_TEST(test_jschema_exponential_applicators_hit_the_step_limit)
{
	char schema[4096], err[512];
	size_t o = 0;
	int i;
	clock_t t0 = clock();

	/* d0 = anyOf[d1 false, d1 ...]: 2^30 paths without the limit. */
	o += (size_t)snprintf(schema + o, sizeof(schema) - o,
	    "{\"$ref\":\"#/$defs/d0\",\"$defs\":{");
	for (i = 0; i < 30; i++)
		o += (size_t)snprintf(schema + o, sizeof(schema) - o,
		    "\"d%d\":{\"anyOf\":[{\"allOf\":[{\"$ref\":\"#/$defs/d%d\"},"
		    "false]},{\"$ref\":\"#/$defs/d%d\"}]},", i, i + 1, i + 1);
	snprintf(schema + o, sizeof(schema) - o, "\"d30\":false}}");
	ck_assert_int_eq(check_text(schema, "1", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "more work than allowed") != NULL, "%s",
	    err);
	ck_assert_msg(since(t0) < 5.0, "%.2f s", since(t0));
}
END_TEST

START_TEST(test_jschema_unique_items_on_a_large_array_is_fast)
{
	static char inst[600000];
	char err[512];
	size_t o = 0;
	int i;
	clock_t t0 = clock();

	/* 20,000 distinct values (pairwise: 2e8 comparisons), then the same
	 * with one duplicate, an object in another key order, at the end. */
	inst[o++] = '[';
	for (i = 0; i < 20000; i++)
		o += (size_t)snprintf(inst + o, sizeof(inst) - o,
		    "%s{\"a\":%d,\"b\":\"x\"}", i ? "," : "", i);
	snprintf(inst + o, sizeof(inst) - o, "]");
	ck_assert_int_eq(check_text("{\"uniqueItems\":true}", inst, err,
	    sizeof(err)), 0);
	snprintf(inst + o, sizeof(inst) - o, ",{\"b\":\"x\",\"a\":17.0}]");
	ck_assert_int_eq(check_text("{\"uniqueItems\":true}", inst, err,
	    sizeof(err)), 1);
	ck_assert_msg(strstr(err, "items 17 and 20000 are equal") != NULL,
	    "%s", err);
	ck_assert_msg(since(t0) < 2.0, "%.2f s", since(t0));
}
END_TEST

START_TEST(test_jschema_regex_runs_are_capped_per_instance)
{
	static char inst[200000];
	char err[512];
	size_t o = 0;
	int i;
	clock_t t0 = clock();

	/* 9,000 pattern runs fit; 20,000 are more work than allowed. */
	inst[o++] = '[';
	for (i = 0; i < 20000; i++)
		o += (size_t)snprintf(inst + o, sizeof(inst) - o, "%s\"ab\"",
		    i ? "," : "");
	snprintf(inst + o, sizeof(inst) - o, "]");
	ck_assert_int_eq(check_text("{\"items\":{\"pattern\":\"^a\"}}", inst,
	    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "at \"/") != NULL &&
	    strstr(err, "pattern: the validation needs more work") != NULL,
	    "%s", err);
	snprintf(inst + 9000 * 5, sizeof(inst) - 9000 * 5, "]");
	ck_assert_int_eq(check_text("{\"items\":{\"pattern\":\"^a\"}}", inst,
	    err, sizeof(err)), 0);
	ck_assert_msg(since(t0) < 2.0, "%.2f s", since(t0));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jschema");
	TCase *tc = tcase_create("jschema");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_jschema_keywords_match_the_specification,
	    0, (int)(sizeof(vcases) / sizeof(vcases[0])));
	tcase_add_loop_test(tc,
	    test_jschema_bad_schemas_are_refused_naming_pointer_and_keyword, 0,
	    (int)(sizeof(ccases) / sizeof(ccases[0])));
	tcase_add_test(tc, test_jschema_catastrophic_regex_gives_up_quickly);
	tcase_add_test(tc,
	    test_jschema_exponential_applicators_hit_the_step_limit);
	tcase_add_test(tc, test_jschema_unique_items_on_a_large_array_is_fast);
	tcase_add_test(tc, test_jschema_regex_runs_are_capped_per_instance);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
