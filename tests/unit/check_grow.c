/* grow: room for what is asked, doubling from first, the elements kept, no wrap-around. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "unit.h"

START_TEST(one_more_doubles)
{
	int *v = NULL;
	size_t cap = 0;

	ck_assert_int_eq(jgrow(&v, &cap, 1, sizeof *v, 4), 0);
	ck_assert_uint_eq(cap, 4);
	for (int i = 0; i < 4; i++)
		v[i] = i;
	ck_assert_int_eq(jgrow(&v, &cap, 4, sizeof *v, 4), 0);     /* room already */
	ck_assert_uint_eq(cap, 4);
	ck_assert_int_eq(jgrow(&v, &cap, 5, sizeof *v, 4), 0);
	ck_assert_uint_eq(cap, 8);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(v[i], i);
	free(v);
}
END_TEST

START_TEST(bytes_at_once)
{
	char *p = NULL;
	size_t cap = 0;

	ck_assert_int_eq(jgrow(&p, &cap, 1000, 1, 256), 0);
	ck_assert_uint_eq(cap, 1024);
	memset(p, 'x', 1000);
	ck_assert_int_eq(jgrow(&p, &cap, 5000, 1, 256), 0);
	ck_assert_uint_eq(cap, 8192);
	ck_assert_int_eq(p[999], 'x');
	free(p);
}
END_TEST

START_TEST(never_wraps)
{
	uint64_t *v = NULL;
	size_t cap = 0;

	ck_assert_int_eq(jgrow(&v, &cap, 4, sizeof *v, 4), 0);
	errno = 0;
	ck_assert_int_eq(jgrow(&v, &cap, SIZE_MAX / 4, sizeof *v, 4), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(cap, 4);                 /* as it was */
	ck_assert_ptr_nonnull(v);
	errno = 0;
	ck_assert_int_eq(jgrow(&v, &cap, SIZE_MAX, 1, 4), -1);
	ck_assert_int_eq(errno, ENOMEM);
	free(v);
}
END_TEST

Suite *
suite_grow(void)
{
	Suite *s = suite_create("grow");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, one_more_doubles);
	tcase_add_test(tc, bytes_at_once);
	tcase_add_test(tc, never_wraps);
	suite_add_tcase(s, tc);
	return s;
}
