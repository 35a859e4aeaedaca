/* pgcheck: the rules a PostgreSQL primary and a PostgreSQL mirror share for check records:
 * how a type is read, how a binary value is digested, the SELECT of a chunk. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgcheck.h"
#include "row.h"
#include "unit.h"

static struct jrow_value
val(int kind, const char *p, int n, int isnull)
{
	struct jpgcheck_col c = { "c", 1, kind, 0 };
	struct jrow_value v;

	jpgcheck_value(&c, p, n, isnull, &v);
	return v;
}

START_TEST(kinds)
{
	ck_assert_int_eq(jpgcheck_kind(20), JPGCHECK_INT);
	ck_assert_int_eq(jpgcheck_kind(21), JPGCHECK_INT);
	ck_assert_int_eq(jpgcheck_kind(23), JPGCHECK_INT);
	ck_assert_int_eq(jpgcheck_kind(700), JPGCHECK_REAL4);
	ck_assert_int_eq(jpgcheck_kind(701), JPGCHECK_REAL8);
	ck_assert_int_eq(jpgcheck_kind(16), JPGCHECK_BOOL);
	ck_assert_int_eq(jpgcheck_kind(17), JPGCHECK_BLOB);
	ck_assert_int_eq(jpgcheck_kind(1700), JPGCHECK_NUMERIC);
	ck_assert_int_eq(jpgcheck_kind(1184), JPGCHECK_TIME);
	ck_assert_int_eq(jpgcheck_kind(25), JPGCHECK_TEXT);
	ck_assert_int_eq(jpgcheck_kind(2950), JPGCHECK_TEXT);     /* uuid: its text */
}
END_TEST

START_TEST(values)
{
	struct jrow_value v;

	v = val(JPGCHECK_INT, "\xff\xfe", 2, 0);
	ck_assert_int_eq(v.tag, JROW_INTEGER);
	ck_assert_int_eq(v.i, -2);
	v = val(JPGCHECK_INT, "\x80\0\0\0\0\0\0\0", 8, 0);
	ck_assert(v.i == INT64_MIN);
	v = val(JPGCHECK_INT, "\0\0\1\0", 4, 0);
	ck_assert_int_eq(v.i, 256);
	v = val(JPGCHECK_REAL4, "\x3f\0\0\0", 4, 0);      /* 0.5f */
	ck_assert_int_eq(v.tag, JROW_REAL);
	ck_assert(v.r == 0.5);
	v = val(JPGCHECK_REAL8, "\x80\0\0\0\0\0\0\0", 8, 0);        /* -0.0, bit for bit */
	ck_assert(v.r == 0 && signbit(v.r));
	/* booleans as the integers, numerics and times as text: what an SQLite mirror holds */
	v = val(JPGCHECK_BOOL, "\1", 1, 0);
	ck_assert_int_eq(v.tag, JROW_INTEGER);
	ck_assert_int_eq(v.i, 1);
	v = val(JPGCHECK_NUMERIC, "12.50", 5, 0);
	ck_assert_int_eq(v.tag, JROW_TEXT);
	ck_assert_int_eq(v.len, 5);
	v = val(JPGCHECK_TIME, "2026-11-30 12:00:00+00", 22, 0);
	ck_assert_int_eq(v.tag, JROW_TEXT);
	v = val(JPGCHECK_BLOB, "\0\xff", 2, 0);
	ck_assert_int_eq(v.tag, JROW_BLOB);
	ck_assert_int_eq(v.len, 2);
	v = val(JPGCHECK_INT, "", 0, 1);
	ck_assert_int_eq(v.tag, JROW_NULL);
}
END_TEST

START_TEST(selects)
{
	struct jpgcheck_col col[] = { { "id", 2, JPGCHECK_INT, 0 }, { "n\"b", 3, JPGCHECK_NUMERIC,
	    0 }, { "name", 4, JPGCHECK_TEXT, 1 }, { "id", 2, JPGCHECK_INT, 0 } };
	struct jpgcheck_rel t = { "s", "t", 1, 1, 3, 2, col, col + 2 };
	char *q;

	q = jpgcheck_select(&t, 0, 1);
	ck_assert_str_eq(q, "SELECT \"id\", CASE WHEN \"n\"\"b\" IS NULL THEN NULL ELSE concat(\"n\"\"b\") END, CASE WHEN \"name\" IS NULL THEN NULL ELSE concat(\"name\") END, CASE WHEN \"name\" IS NULL THEN NULL ELSE concat(\"name\") END, \"id\" FROM "
	    "\"s\".\"t\" ORDER BY \"name\" COLLATE \"C\", \"id\"");
	free(q);
	t.slen = 0;
	q = jpgcheck_select(&t, JCHECK_LO | JCHECK_HI, 0);
	ck_assert_str_eq(q, "SELECT \"id\", CASE WHEN \"n\"\"b\" IS NULL THEN NULL ELSE concat(\"n\"\"b\") END, CASE WHEN \"name\" IS NULL THEN NULL ELSE concat(\"name\") END FROM \"t\" WHERE (\"name\" "
	    "COLLATE \"C\", \"id\") > ($1, $2) AND (\"name\" COLLATE \"C\", \"id\") <= ($3, $4) "
	    "ORDER BY \"name\" COLLATE \"C\", \"id\"");
	free(q);
	q = jpgcheck_select(&t, JCHECK_HI, 0);
	ck_assert(strstr(q, " WHERE (\"name\" COLLATE \"C\", \"id\") <= ($1, $2) ORDER BY"));
	free(q);
}
END_TEST

Suite *
suite_pgcheck(void)
{
	Suite *s = suite_create("pgcheck");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, kinds);
	tcase_add_test(tc, values);
	tcase_add_test(tc, selects);
	suite_add_tcase(s, tc);
	return s;
}
