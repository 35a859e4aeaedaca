#include <stdint.h>

#include "backoff.h"
#include "unit.h"

START_TEST(doubles_up_to_the_cap)
{
	ck_assert_uint_eq(jbackoff_delay(500, 0, 60000), 500);
	ck_assert_uint_eq(jbackoff_delay(500, 1, 60000), 1000);
	ck_assert_uint_eq(jbackoff_delay(500, 6, 60000), 32000);
	ck_assert_uint_eq(jbackoff_delay(500, 7, 60000), 60000);    /* 64000 capped */
	ck_assert_uint_eq(jbackoff_delay(500, 1000, 60000), 60000);
	ck_assert_uint_eq(jbackoff_delay(0, 5, 60000), 0);
}
END_TEST

START_TEST(first_above_cap_stays)
{
	ck_assert_uint_eq(jbackoff_delay(90000, 0, 60000), 90000);
	ck_assert_uint_eq(jbackoff_delay(90000, 3, 60000), 90000);
	ck_assert_uint_eq(jbackoff_delay(60000, 3, 60000), 60000);
}
END_TEST

START_TEST(never_wraps)
{
	ck_assert_uint_eq(jbackoff_delay(UINT64_MAX / 2 + 1, 1, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(jbackoff_delay(3, 200, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(jbackoff_delay(1, 63, UINT64_MAX), 1ull << 63);
}
END_TEST

START_TEST(jitter_halves_at_most)
{
	ck_assert_uint_eq(jbackoff_jitter(1000, 0.0), 500);
	ck_assert_uint_eq(jbackoff_jitter(1000, 1.0), 1000);
	ck_assert_uint_eq(jbackoff_jitter(1000, 0.5), 750);
	ck_assert_uint_eq(jbackoff_jitter(1000, -3.0), 500);
	ck_assert_uint_eq(jbackoff_jitter(1000, 7.0), 1000);
}
END_TEST

Suite *
suite_backoff(void)
{
	Suite *s = suite_create("backoff");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, doubles_up_to_the_cap);
	tcase_add_test(tc, first_above_cap_stays);
	tcase_add_test(tc, never_wraps);
	tcase_add_test(tc, jitter_halves_at_most);
	suite_add_tcase(s, tc);
	return s;
}
