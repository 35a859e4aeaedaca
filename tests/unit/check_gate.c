#include <string.h>

#include "gate.h"
#include "unit.h"

static int calls;

static int
verdict_no(void *arg, struct jerr *e)
{
	calls++;
	return jerr_set(e, *(int *)arg, "damaged");
}

static int
verdict_yes(void *arg, struct jerr *e)
{
	(void)arg; (void)e;
	calls++;
	return 0;
}

START_TEST(holds_the_tail)
{
	struct jgate g = { .fn = verdict_yes };
	size_t want;

	calls = 0;
	jgate_arm(&g, 1000);
	want = 500;
	ck_assert_int_eq(jgate_check(&g, 0, &want), 0);
	ck_assert_uint_eq(want, 500);
	want = 500;                                     /* crosses 920: cut there */
	ck_assert_int_eq(jgate_check(&g, 500, &want), 0);
	ck_assert_uint_eq(want, 1000 - JGATE_TAIL - 500);
	ck_assert_int_eq(calls, 0);
	want = 80;                                      /* the held bytes: verdict first */
	ck_assert_int_eq(jgate_check(&g, 920, &want), 0);
	ck_assert_uint_eq(want, 80);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(jgate_check(&g, 960, &want), 0);    /* once per upload */
	ck_assert_int_eq(calls, 1);
	jgate_arm(&g, 10);                              /* small: all of it is held */
	want = 10;
	ck_assert_int_eq(jgate_check(&g, 0, &want), 0);
	ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(a_no_aborts)
{
	int code = EX_IOERR, zero = 0;
	struct jgate g = { .fn = verdict_no, .arg = &code };
	struct jerr e = { 0, "" };
	size_t want = 100;

	jgate_arm(&g, 100);
	ck_assert_int_eq(jgate_check(&g, 0, &want), 0);
	ck_assert_uint_eq(want, 20);
	want = 80;
	ck_assert_int_eq(jgate_check(&g, 20, &want), -1);
	ck_assert_int_eq(g.failed, 1);
	ck_assert_int_eq(jgate_error(&g, &e), -1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_str_eq(e.msg, "damaged");
	g.arg = &zero;                                  /* no code given: damaged input */
	jgate_arm(&g, 100);
	ck_assert_int_eq(g.failed, 0);
	ck_assert_int_eq(jgate_check(&g, 20, &want), -1);
	jgate_error(&g, &e);
	ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

START_TEST(no_gate_holds_nothing)
{
	struct jgate g = { 0 };
	size_t want = 4096;

	jgate_arm(&g, 100);
	ck_assert_int_eq(jgate_check(&g, 0, &want), 0);
	ck_assert_uint_eq(want, 4096);
}
END_TEST

Suite *
suite_gate(void)
{
	Suite *s = suite_create("gate");
	TCase *tc = tcase_create("gate");

	tcase_add_test(tc, holds_the_tail);
	tcase_add_test(tc, a_no_aborts);
	tcase_add_test(tc, no_gate_holds_nothing);
	suite_add_tcase(s, tc);
	return s;
}
