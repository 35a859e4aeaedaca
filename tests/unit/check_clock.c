/* clock: the wall clock, adds saturate, ages and advances never wrap; the monotonic clock
 * goes forward. */
#include <time.h>

#include "clock.h"
#include "unit.h"

/* The wall clock in ns since the epoch, as records are stamped: time()'s second, give or
 * take the tick by which time() may lag. */
START_TEST(now_is_wall_clock)
{
	uint64_t before = (uint64_t)time(NULL), now = jclock_now(), after = (uint64_t)time(NULL);

	ck_assert_uint_ge(now / 1000000000u, before);
	ck_assert_uint_le(now / 1000000000u, after + 1);
}
END_TEST

START_TEST(add_saturates)
{
	ck_assert_uint_eq(jclock_add(5, 7), 12);
	ck_assert_uint_eq(jclock_add(UINT64_MAX - 1, 1), UINT64_MAX);
	ck_assert_uint_eq(jclock_add(UINT64_MAX - 1, 2), UINT64_MAX);
	ck_assert_uint_eq(jclock_add(UINT64_MAX, UINT64_MAX), UINT64_MAX);
	ck_assert_uint_eq(jclock_add(0, UINT64_MAX), UINT64_MAX);
}
END_TEST

START_TEST(age_and_ahead)
{
	ck_assert_uint_eq(jclock_age(100, 40), 60);
	ck_assert_uint_eq(jclock_age(100, 0), 0);               /* unknown */
	ck_assert_uint_eq(jclock_age(100, 140), 0);             /* in the future */
	ck_assert_uint_eq(jclock_ahead(100, 140), 40);
	ck_assert_uint_eq(jclock_ahead(100, 40), 0);
	ck_assert_uint_eq(jclock_ahead(0, UINT64_MAX), UINT64_MAX);
}
END_TEST

START_TEST(mono_never_goes_back)
{
	double a = jclock_mono(), b;
	struct timespec ts = { 0, 2000000 };

	ck_assert(a > 0);
	nanosleep(&ts, NULL);
	b = jclock_mono();
	ck_assert(b >= a + 0.002);
	ck_assert(b < a + 60);
}
END_TEST

START_TEST(tick_steps_and_skips)
{
	struct timespec next = { 1, 900000000L }, now;

	jclock_tick(&next, 1000000000u);        /* long past: now, not a tick to make up */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ck_assert(next.tv_sec > 2);
	ck_assert(next.tv_sec < now.tv_sec || (next.tv_sec == now.tv_sec &&
	    next.tv_nsec <= now.tv_nsec));
	now.tv_sec += 10;
	next = now;
	jclock_tick(&next, 1500000000u);        /* ahead: exactly one period on, carried */
	ck_assert_int_eq(next.tv_sec, now.tv_sec + 1 + (now.tv_nsec + 500000000L >= 1000000000L));
	ck_assert_int_eq(next.tv_nsec, (now.tv_nsec + 500000000L) % 1000000000L);
}
END_TEST

Suite *
suite_clock(void)
{
	Suite *s = suite_create("clock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, now_is_wall_clock);
	tcase_add_test(tc, add_saturates);
	tcase_add_test(tc, age_and_ahead);
	tcase_add_test(tc, mono_never_goes_back);
	tcase_add_test(tc, tick_steps_and_skips);
	suite_add_tcase(s, tc);
	return s;
}
