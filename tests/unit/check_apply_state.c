/* apply_state: how the bookkeeping moves, and its text form. */
#include <stdio.h>
#include <string.h>

#include "apply_state.h"
#include "mirror.h"
#include "unit.h"

START_TEST(state_text)
{
	struct japply_state st = at3(), back;
	struct jfmt_header h = hdr(2, 4, 31, 3);
	struct jfmt_trailer t = trl(40, 4, 1);
	struct jerr e;
	char buf[4096];
	int n;

	japply_advance(&st, &h, "db.0002-000000000004.journal", 40, 7, &t);
	st.verified_lsn = 38;
	st.verified_time = 6;
	st.captured = 1;
	n = japply_state_format(&st, buf, sizeof buf);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(japply_state_parse(buf, (size_t)n, &back, &e), 0);
	ck_assert_int_eq(back.present, 1);
	ck_assert_int_eq(back.timeline, 2);
	ck_assert_uint_eq(back.seq, 4);
	ck_assert_uint_eq(back.last_lsn, 40);
	ck_assert_int_eq(back.final, 1);
	ck_assert_int_eq(back.sealed, 1);
	ck_assert_uint_eq(back.last_time, 7);
	ck_assert_mem_eq(back.digest, st.digest, JDIGEST_LEN);
	ck_assert_mem_eq(back.lineage, st.lineage, JFMT_LINEAGE_LEN);
	ck_assert_int_eq(back.ntl, 2);
	ck_assert_str_eq(back.segment, st.segment);
	ck_assert_uint_eq(back.verified_lsn, 38);
	ck_assert_uint_eq(back.verified_time, 6);
	ck_assert_int_eq(back.captured, 1);
	ck_assert_int_eq(japply_state_format(&st, buf, 20), -1);
	ck_assert_int_eq(japply_state_parse("lineage zz\n", 11, &back, &e), -1);
	ck_assert_int_eq(japply_state_parse("version 9\n", 10, &back, &e), -1);
}
END_TEST

START_TEST(timeline_rows)
{
	struct japply_state st = { 0 };

	for (uint32_t tl = 1; tl <= JAPPLY_MAX_TL + 2; tl++) {
		japply_state_add_tl(&st, tl, tl * 10, tl * 100);
		japply_state_add_tl(&st, tl, 1, 1);     /* once per timeline */
	}
	ck_assert_int_eq(st.ntl, JAPPLY_MAX_TL);
	ck_assert_uint_eq(st.tl[0].timeline, 3);        /* the oldest went */
	ck_assert_uint_eq(st.tl[JAPPLY_MAX_TL - 1].timeline, JAPPLY_MAX_TL + 2);
	ck_assert_uint_eq(st.tl[JAPPLY_MAX_TL - 1].seq, (JAPPLY_MAX_TL + 2) * 10);
}
END_TEST

Suite *
suite_apply_state(void)
{
	Suite *s = suite_create("apply_state");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, state_text);
	tcase_add_test(tc, timeline_rows);
	suite_add_tcase(s, tc);
	return s;
}
