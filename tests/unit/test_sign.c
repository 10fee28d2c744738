/* test_sign.c - lib/sign: Standard Webhooks vector, base64, secrets, keys. */
#include <check.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sign.h"

#define VEC_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define VEC_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define VEC_TS 1614265330
#define VEC_BODY "{\"test\": 2432232314}"
#define VEC_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

START_TEST(test_sign_reproduces_spec_test_vector)
{
	char sig[SIGN_SIG_LEN];

	ck_assert_int_eq(sign_signature(VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY,
	    strlen(VEC_BODY), sig, sizeof(sig)), 0);
	ck_assert_str_eq(sig, VEC_SIG);
	ck_assert_uint_eq(strlen(sig), SIGN_SIG_LEN - 1);
}
END_TEST

START_TEST(test_sign_any_change_changes_signature)
{
	char sig[SIGN_SIG_LEN];
	const char *body2 = "{\"test\": 2432232315}";

	ck_assert_int_eq(sign_signature(VEC_SECRET, VEC_ID, VEC_TS + 1,
	    VEC_BODY, strlen(VEC_BODY), sig, sizeof(sig)), 0);
	ck_assert_str_ne(sig, VEC_SIG);
	ck_assert_int_eq(sign_signature(VEC_SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJeK",
	    VEC_TS, VEC_BODY, strlen(VEC_BODY), sig, sizeof(sig)), 0);
	ck_assert_str_ne(sig, VEC_SIG);
	ck_assert_int_eq(sign_signature(VEC_SECRET, VEC_ID, VEC_TS, body2,
	    strlen(body2), sig, sizeof(sig)), 0);
	ck_assert_str_ne(sig, VEC_SIG);
	ck_assert_int_eq(sign_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSa",
	    VEC_ID, VEC_TS, VEC_BODY, strlen(VEC_BODY), sig, sizeof(sig)), 0);
	ck_assert_str_ne(sig, VEC_SIG);
	/* the body length is honoured, not strlen */
	ck_assert_int_eq(sign_signature(VEC_SECRET, VEC_ID, VEC_TS, VEC_BODY,
	    strlen(VEC_BODY) - 1, sig, sizeof(sig)), 0);
	ck_assert_str_ne(sig, VEC_SIG);
}
END_TEST

START_TEST(test_sign_bad_secret_or_small_buffer_fails)
{
	char sig[SIGN_SIG_LEN];

	ck_assert_int_eq(sign_signature("whsec_not base64!", VEC_ID, VEC_TS,
	    "x", 1, sig, sizeof(sig)), -1);
	ck_assert_int_eq(sign_signature("whsec_", VEC_ID, VEC_TS, "x", 1, sig,
	    sizeof(sig)), -1);
	ck_assert_int_eq(sign_signature(VEC_SECRET, VEC_ID, VEC_TS, "x", 1, sig,
	    SIGN_SIG_LEN - 1), -1);
}
END_TEST

START_TEST(test_sign_new_secret_is_valid_and_sized)
{
	char s[SIGN_SECRET_MAX], t[SIGN_SECRET_MAX];
	unsigned char raw[80];
	size_t n;

	for (n = 24; n <= 64; n++) {
		ck_assert_int_eq(sign_new_secret(n, s, sizeof(s)), 0);
		ck_assert_int_eq(strncmp(s, "whsec_", 6), 0);
		ck_assert_int_eq(sign_secret_valid(s), 1);
		ck_assert_int_eq(sign_b64_decode(s + 6, raw, sizeof(raw)), (int)n);
	}
	ck_assert_int_eq(sign_new_secret(32, s, sizeof(s)), 0);
	ck_assert_int_eq(sign_new_secret(32, t, sizeof(t)), 0);
	ck_assert_str_ne(s, t);
	ck_assert_int_eq(sign_new_secret(23, s, sizeof(s)), -1);
	ck_assert_int_eq(sign_new_secret(65, s, sizeof(s)), -1);
	ck_assert_int_eq(sign_new_secret(32, s, 20), -1);
}
END_TEST

START_TEST(test_sign_secret_validation)
{
	char long64[SIGN_SECRET_MAX];

	ck_assert_int_eq(sign_secret_valid(VEC_SECRET), 1);	/* 24 bytes */
	ck_assert_int_eq(sign_secret_valid(
	    "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), 1); /* 32 */
	ck_assert_int_eq(sign_secret_valid(
	    "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 1); /* unpadded */
	ck_assert_int_eq(sign_secret_valid("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), 0);
	ck_assert_int_eq(sign_secret_valid("whsec_"), 0);
	ck_assert_int_eq(sign_secret_valid("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La"),
	    0);	/* 21 bytes: too short */
	ck_assert_int_eq(sign_secret_valid("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!"),
	    0);
	ck_assert_int_eq(sign_secret_valid("whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw"),
	    0);
	ck_assert_int_eq(sign_secret_valid("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw="),
	    0);	/* wrong padding */
	/* 65 bytes (87 chars + '='): too long */
	memcpy(long64, "whsec_", 6);
	memset(long64 + 6, 'A', 87);
	memcpy(long64 + 6 + 87, "=", 2);
	ck_assert_int_eq(sign_secret_valid(long64), 0);
	/* 64 bytes exactly (86 chars + "==") */
	memcpy(long64 + 6 + 86, "==", 3);
	ck_assert_int_eq(sign_secret_valid(long64), 1);
}
END_TEST

START_TEST(test_sign_rotation_old_and_new_secret_both_verify)
{
	/*
	 * During a rotation the sender sends one signature per live secret,
	 * space-separated; a receiver with either secret must find its own.
	 */
	char olds[SIGN_SECRET_MAX], news[SIGN_SECRET_MAX];
	char a[SIGN_SIG_LEN], b[SIGN_SIG_LEN], check[SIGN_SIG_LEN];
	const char *body = "{\"id\":\"evt_1\"}";

	ck_assert_int_eq(sign_new_secret(32, olds, sizeof(olds)), 0);
	ck_assert_int_eq(sign_new_secret(32, news, sizeof(news)), 0);
	ck_assert_int_eq(sign_signature(olds, "evt_1", 1700000000, body,
	    strlen(body), a, sizeof(a)), 0);
	ck_assert_int_eq(sign_signature(news, "evt_1", 1700000000, body,
	    strlen(body), b, sizeof(b)), 0);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(sign_signature(olds, "evt_1", 1700000000, body,
	    strlen(body), check, sizeof(check)), 0);
	ck_assert_int_eq(sign_equal(check, a), 1);
	ck_assert_int_eq(sign_equal(check, b), 0);
}
END_TEST

START_TEST(test_sign_app_key_format)
{
	char k[SIGN_KEY_LEN], k2[SIGN_KEY_LEN];
	size_t i;

	ck_assert_int_eq(sign_new_key(k, sizeof(k)), 0);
	ck_assert_uint_eq(strlen(k), SIGN_KEY_LEN - 1);
	ck_assert_int_eq(strncmp(k, "hk_", 3), 0);
	for (i = 3; k[i] != '\0'; i++)
		ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
		    "opqrstuvwxyz0123456789-_", k[i]) != NULL, "char %c", k[i]);
	ck_assert_int_eq(sign_new_key(k2, sizeof(k2)), 0);
	ck_assert_str_ne(k, k2);
	ck_assert_int_eq(sign_new_key(k2, SIGN_KEY_LEN - 1), -1);
}
END_TEST

START_TEST(test_sign_sha256_known_answer)
{
	/* SHA-256("abc"), FIPS 180-2 appendix B.1 */
	static const unsigned char want[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41,
		0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3,
		0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00,
		0x15, 0xad};
	unsigned char out[32];

	sign_sha256("abc", 3, out);
	ck_assert_int_eq(memcmp(out, want, 32), 0);
}
END_TEST

START_TEST(test_sign_equal_compares_whole_strings)
{
	ck_assert_int_eq(sign_equal("hk_abc", "hk_abc"), 1);
	ck_assert_int_eq(sign_equal("hk_abc", "hk_abd"), 0);
	ck_assert_int_eq(sign_equal("hk_abc", "hk_ab"), 0);
	ck_assert_int_eq(sign_equal("", ""), 1);
	ck_assert_int_eq(sign_equal("a", ""), 0);
}
END_TEST

START_TEST(test_sign_b64_rfc4648_vectors_and_round_trip)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	char enc[256];
	unsigned char dec[128], raw[100];
	size_t i, n;
	int len;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		len = sign_b64_encode(v[i].in, strlen(v[i].in), enc, sizeof(enc));
		ck_assert_int_eq(len, (int)strlen(v[i].out));
		ck_assert_str_eq(enc, v[i].out);
		len = sign_b64_decode(v[i].out, dec, sizeof(dec));
		ck_assert_int_eq(len, (int)strlen(v[i].in));
		ck_assert_int_eq(memcmp(dec, v[i].in, (size_t)len), 0);
	}
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 37 + 11);
	for (n = 0; n <= sizeof(raw); n++) {
		len = sign_b64_encode(raw, n, enc, sizeof(enc) - 1);
		ck_assert_int_ge(len, 0);
		ck_assert_int_eq(sign_b64_decode(enc, dec, sizeof(dec)), (int)n);
		ck_assert_int_eq(memcmp(dec, raw, n), 0);
	}
	/* bytes >= 0x80 produce '+' and '/' */
	ck_assert_int_eq(sign_b64_encode("\xfb\xff", 2, enc, sizeof(enc)), 4);
	ck_assert_str_eq(enc, "+/8=");
}
END_TEST

START_TEST(test_sign_b64_rejects_malformed_and_overflow)
{
	static const char *bad[] = {
		"Zg=", "Z", "Zm9v=", "Zm9vY", "Zm9v Yg==", "Zm9-", "Zm9_",
		"Zh==",		/* non-zero unused bits */
		"Zm8=Zm8=", "====", "Zg===",
	};
	unsigned char dec[16];
	char enc[8];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sign_b64_decode(bad[i], dec, sizeof(dec)) == -1,
		    "accepted %s", bad[i]);
	ck_assert_int_eq(sign_b64_decode("Zm9vYmFy", dec, 5), -1);
	ck_assert_int_eq(sign_b64_decode("Zm9vYmFy", dec, 6), 6);
	ck_assert_int_eq(sign_b64_encode("foobar", 6, enc, 8), -1); /* 8+NUL */
}
END_TEST

/* A key set up once signs like sign_signature, again and again (each
 * signature starts from the keyed state, not from the last message). */
START_TEST(test_sign_key_reused_signs_like_sign_signature)
{
	static const char *secrets[] = {
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	};
	char a[SIGN_SIG_LEN], b[SIGN_SIG_LEN], body[64];
	struct sign_key *k;
	size_t x;
	int i;

	for (x = 0; x < 2; x++) {
		k = sign_key_new(secrets[x]);
		ck_assert_ptr_nonnull(k);
		for (i = 0; i < 5; i++) {
			snprintf(body, sizeof(body), "{\"n\":%d}", i);
			ck_assert_int_eq(sign_signature(secrets[x],
			    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330 + i,
			    body, strlen(body), a, sizeof(a)), 0);
			ck_assert_int_eq(sign_key_signature(k,
			    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330 + i,
			    body, strlen(body), b, sizeof(b)), 0);
			ck_assert_str_eq(a, b);
		}
		ck_assert_int_eq(sign_key_signature(k, "x", 1, "", 0, b, 10),
		    -1);
		sign_key_free(k);
	}
	ck_assert_ptr_null(sign_key_new("whsec_!!!"));
	sign_key_free(NULL);
}
END_TEST

static Suite *
sign_suite(void)
{
	Suite *s = suite_create("sign");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sign_reproduces_spec_test_vector);
	tcase_add_test(tc, test_sign_any_change_changes_signature);
	tcase_add_test(tc, test_sign_bad_secret_or_small_buffer_fails);
	tcase_add_test(tc, test_sign_new_secret_is_valid_and_sized);
	tcase_add_test(tc, test_sign_secret_validation);
	tcase_add_test(tc, test_sign_rotation_old_and_new_secret_both_verify);
	tcase_add_test(tc, test_sign_app_key_format);
	tcase_add_test(tc, test_sign_sha256_known_answer);
	tcase_add_test(tc, test_sign_equal_compares_whole_strings);
	tcase_add_test(tc, test_sign_b64_rfc4648_vectors_and_round_trip);
	tcase_add_test(tc, test_sign_b64_rejects_malformed_and_overflow);
	tcase_add_test(tc, test_sign_key_reused_signs_like_sign_signature);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sign_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
