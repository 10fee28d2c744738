/* test_arr.c - lib/arr: growth, the named cap, failed grows change nothing. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arr.h"

struct item {
	char id[40];
	int n;
};

START_TEST(test_arr_new_array_is_empty_and_owns_nothing)
{
	struct arr a;

	arr_init(&a, sizeof(struct item), 10);
	ck_assert_ptr_null(a.v);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_uint_eq(arr_bytes(&a), 0);
	arr_free(&a);
	ck_assert_ptr_null(a.v);
}
END_TEST

START_TEST(test_arr_push_appends_zeroed_elements_in_order)
{
	struct arr a;
	struct item *it;
	int i;

	arr_init(&a, sizeof(struct item), 1000);
	for (i = 0; i < 100; i++) {
		it = arr_push(&a);
		ck_assert_ptr_nonnull(it);
		ck_assert_int_eq(it->n, 0);
		ck_assert_int_eq(it->id[0], '\0');
		it->n = i;
	}
	ck_assert_uint_eq(a.n, 100);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(ARR_AT(&a, struct item, i)->n, i);
	ck_assert_uint_ge(a.size, 100);
	ck_assert_uint_eq(arr_bytes(&a), a.size * sizeof(struct item));
	arr_free(&a);
}
END_TEST

START_TEST(test_arr_cap_reached_refuses_and_changes_nothing)
{
	struct arr a;
	int *p;
	int i;

	arr_init(&a, sizeof(int), 20);
	for (i = 0; i < 20; i++) {
		p = arr_push(&a);
		ck_assert_ptr_nonnull(p);
		*p = i;
	}
	ck_assert_uint_eq(a.size, 20);		/* never beyond cap */
	ck_assert_ptr_null(arr_push(&a));
	ck_assert_uint_eq(a.n, 20);
	ck_assert_int_eq(arr_reserve(&a, 1), -1);
	ck_assert_int_eq(arr_reserve(&a, 0), 0);
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(*ARR_AT(&a, int, i), i);
	arr_reset(&a);
	ck_assert_int_eq(arr_reserve(&a, 20), 0);
	ck_assert_int_eq(arr_reserve(&a, 21), -1);
	arr_free(&a);
}
END_TEST

START_TEST(test_arr_zero_cap_holds_nothing)
{
	struct arr a;

	arr_init(&a, sizeof(int), 0);
	ck_assert_ptr_null(arr_push(&a));
	ck_assert_ptr_null(a.v);
	ck_assert_int_eq(arr_reserve(&a, 0), 0);
	arr_free(&a);
}
END_TEST

START_TEST(test_arr_reserve_keeps_pointers_until_passed)
{
	struct arr a;
	void *v;
	int i;

	arr_init(&a, sizeof(int), 1000);
	ck_assert_int_eq(arr_reserve(&a, 300), 0);
	ck_assert_uint_ge(a.size, 300);
	v = a.v;
	for (i = 0; i < 300; i++)
		ck_assert_ptr_nonnull(arr_push(&a));
	ck_assert_ptr_eq(a.v, v);
	arr_free(&a);
}
END_TEST

START_TEST(test_arr_huge_requests_fail_without_overflow)
{
	struct arr a;

	/* cap allows it, but size * elem would wrap a size_t */
	arr_init(&a, 1 << 20, SIZE_MAX);
	ck_assert_int_eq(arr_reserve(&a, SIZE_MAX / 2), -1);
	ck_assert_ptr_null(a.v);
	ck_assert_uint_eq(a.size, 0);
	ck_assert_int_eq(arr_reserve(&a, SIZE_MAX), -1);
	arr_free(&a);
}
END_TEST

START_TEST(test_arr_reset_keeps_memory)
{
	struct arr a;
	void *v;

	arr_init(&a, sizeof(int), 100);
	ck_assert_ptr_nonnull(arr_push(&a));
	v = a.v;
	arr_reset(&a);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_ptr_eq(a.v, v);
	ck_assert_ptr_nonnull(arr_push(&a));
	ck_assert_ptr_eq(a.v, v);
	arr_free(&a);
}
END_TEST

static Suite *
arr_suite(void)
{
	Suite *s = suite_create("arr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_arr_new_array_is_empty_and_owns_nothing);
	tcase_add_test(tc, test_arr_push_appends_zeroed_elements_in_order);
	tcase_add_test(tc, test_arr_cap_reached_refuses_and_changes_nothing);
	tcase_add_test(tc, test_arr_zero_cap_holds_nothing);
	tcase_add_test(tc, test_arr_reserve_keeps_pointers_until_passed);
	tcase_add_test(tc, test_arr_huge_requests_fail_without_overflow);
	tcase_add_test(tc, test_arr_reset_keeps_memory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(arr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
