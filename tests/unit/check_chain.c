/* chain: every chain rule, each on a segment that breaks it alone. */
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "mirror.h"
#include "unit.h"

/* The end of a chain at a sealed segment seq (LSN up to seq * 10, digest byte seq). */
static struct jchain_end
end_at(uint32_t tl, uint64_t seq)
{
	struct jchain_end a = { .who = "the chain", .timeline = tl, .since = 1, .seq = seq,
	    .known = 1, .sealed = 1, .last_lsn = seq * 10 };

	memset(a.lineage, 0x11, sizeof a.lineage);
	memset(a.digest, (int)seq, sizeof a.digest);
	return a;
}

START_TEST(begins)
{
	struct jfmt_header h = hdr(1, 1, 1, 0);
	struct jerr e;

	ck_assert_int_eq(jchain_begins(&h, &e), 0);
	h = hdr(1, 1, 2, 0);
	ck_assert_int_eq(jchain_begins(&h, &e), JCHAIN_R_LSN);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jchain_offset(JCHAIN_R_LSN), 48);
	h = hdr(1, 1, 1, 7);
	ck_assert_int_eq(jchain_begins(&h, &e), JCHAIN_R_DIGEST);
	ck_assert_ptr_nonnull(strstr(e.msg, "a previous digest"));
	ck_assert_int_eq(jchain_offset(JCHAIN_R_DIGEST), 64);
	h = hdr(1, 2, 11, 1);
	ck_assert_int_eq(jchain_begins(&h, &e), JCHAIN_R_SEQ);
}
END_TEST

/* One rule broken at a time, the rest right: each is named, with its header field. */
START_TEST(follows)
{
	struct jchain_end a = end_at(1, 4);
	struct jfmt_header h = hdr(1, 5, 41, 4);
	struct jerr e;

	ck_assert_int_eq(jchain_follows(&a, &h, &e), 0);
	h = hdr(2, 5, 41, 4);                                   /* a new timeline goes on */
	ck_assert_int_eq(jchain_follows(&a, &h, &e), 0);
	h = hdr(1, 5, 41, 4);
	memset(h.lineage, 0x22, sizeof h.lineage);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_LINEAGE);
	ck_assert_str_eq(e.msg, "foreign segment: lineage 22222222222222222222222222222222, "
	    "the chain follows lineage 11111111111111111111111111111111");
	ck_assert_int_eq(jchain_offset(JCHAIN_R_LINEAGE), 16);
	h = hdr(1, 6, 41, 4);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_SEQ);
	ck_assert_str_eq(e.msg, "segment 6 does not follow seq 4: missing seq 5");
	ck_assert_int_eq(jchain_offset(JCHAIN_R_SEQ), 40);
	h = hdr(1, 4, 31, 3);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_SEQ);
	a.timeline = 2;
	a.since = 3;
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_TIMELINE);
	ck_assert_str_eq(e.msg, "segment 5 is on timeline 1, the chain follows timeline 2 since "
	    "seq 3: written by the old primary after the fork?");
	ck_assert_int_eq(jchain_offset(JCHAIN_R_TIMELINE), 32);
	a = end_at(1, 4);
	a.final = 1;
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_FINAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "follows the final segment (seq 4) on the same "
	    "timeline 1"));
	h = hdr(2, 5, 41, 4);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), 0);        /* after final: a new timeline */
	a = end_at(1, 4);
	a.sealed = 0;
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_LIVE);
	ck_assert_int_eq(jchain_offset(JCHAIN_R_LIVE), 0);
	a = end_at(1, 4);
	h = hdr(1, 5, 41, 9);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_DIGEST);
	ck_assert_ptr_nonnull(strstr(e.msg, "segment 5 does not chain: its previous digest is "
	    "0909090909090909..., the chain's last segment (seq 4) has 0404040404040404..."));
	h = hdr(1, 5, 42, 4);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_LSN);
	ck_assert_str_eq(e.msg, "segment 5 starts at LSN 42, the chain is at LSN 40: LSNs out of "
	    "sequence");
	h = hdr(1, 5, 40, 4);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), JCHAIN_R_LSN);
	/* an end not read through (damaged): only what the headers say is checked */
	a.known = 0;
	a.sealed = 0;
	h = hdr(1, 5, 99, 9);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), 0);
}
END_TEST

/* What follows a chain is built by the same rules that check it. */
START_TEST(next)
{
	struct jchain_end a = end_at(1, 4);
	struct jfmt_header h;
	struct jerr e;

	jchain_next(&a, 1, 77, &h);
	ck_assert_uint_eq(h.seq, 5);
	ck_assert_uint_eq(h.first_lsn, 41);
	ck_assert_uint_eq(h.created, 77);
	ck_assert_int_eq(h.version, JFMT_VERSION);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), 0);
	a.final = 1;                    /* a promotion: the next timeline after a final one */
	jchain_next(&a, 2, 78, &h);
	ck_assert_int_eq(h.timeline, 2);
	ck_assert_int_eq(jchain_follows(&a, &h, &e), 0);
}
END_TEST

START_TEST(resumes)
{
	struct jchain_end a = end_at(1, 4);
	struct jfmt_header h = hdr(1, 4, 31, 3);
	struct jerr e;

	a.sealed = 0;                   /* applied up to LSN 35 of seq 4 */
	a.last_lsn = 35;
	memset(a.digest, 3, sizeof a.digest);
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), 0);
	h = hdr(1, 4, 36, 3);                                   /* a later live copy */
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), 0);
	h = hdr(1, 4, 37, 3);
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), JCHAIN_R_LSN);
	h = hdr(1, 4, 31, 8);
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), JCHAIN_R_DIGEST);
	ck_assert_ptr_nonnull(strstr(e.msg, "last segment (seq 3)"));
	h = hdr(1, 5, 31, 3);
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), JCHAIN_R_SEQ);
	h = hdr(2, 4, 31, 3);
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), JCHAIN_R_TIMELINE);
	ck_assert_ptr_nonnull(strstr(e.msg, "went past the fork"));
	a.timeline = 2;
	h = hdr(1, 4, 31, 3);
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), JCHAIN_R_TIMELINE);
	ck_assert_ptr_nonnull(strstr(e.msg, "written by the old primary after the fork?"));
	a.timeline = 1;
	memset(h.lineage, 0x33, sizeof h.lineage);
	ck_assert_int_eq(jchain_resumes(&a, &h, &e), JCHAIN_R_LINEAGE);
}
END_TEST

START_TEST(same)
{
	struct jfmt_header a = hdr(1, 4, 31, 3), b = a;

	b.created = 99;                 /* when it was made does not make it another */
	ck_assert_int_eq(jchain_same(&a, &b), 1);
	b = a;
	b.timeline = 2;
	ck_assert_int_eq(jchain_same(&a, &b), 0);
	b = a;
	b.seq = 5;
	ck_assert_int_eq(jchain_same(&a, &b), 0);
	b = a;
	b.first_lsn = 30;
	ck_assert_int_eq(jchain_same(&a, &b), 0);
	b = a;
	b.prev_digest[31] ^= 1;
	ck_assert_int_eq(jchain_same(&a, &b), 0);
	b = a;
	b.lineage[0] ^= 1;
	ck_assert_int_eq(jchain_same(&a, &b), 0);
}
END_TEST

START_TEST(empty_mirror)
{
	struct japply_state st = { 0 };
	struct jfmt_header h = hdr(1, 1, 1, 0);
	struct jerr e;
	uint64_t skip = 99;

	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_APPLY);
	ck_assert_uint_eq(skip, 0);
	h = hdr(1, 2, 11, 1);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_LATER);
	h = hdr(1, 1, 5, 0);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	h = hdr(1, 1, 1, 7);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
}
END_TEST

START_TEST(chain)
{
	struct japply_state st = at3();
	struct jfmt_header h = hdr(1, 4, 31, 3);
	struct jerr e;
	uint64_t skip;

	ck_assert_int_eq(st.seq, 3);
	ck_assert_int_eq(st.sealed, 1);
	ck_assert_int_eq(st.ntl, 1);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_APPLY);
	ck_assert_uint_eq(skip, 30);
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_LATER);
	h = hdr(1, 2, 11, 1);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_DONE);
	h = hdr(1, 3, 21, 2);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_DONE);
	h = hdr(1, 4, 31, 9);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "does not chain"));
	h = hdr(1, 4, 32, 3);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "out of sequence"));
	h = hdr(1, 4, 31, 3);
	memset(h.lineage, 0x22, sizeof h.lineage);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "foreign"));
	st.operational = 1;
	h = hdr(1, 4, 31, 3);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_int_eq(e.code, EX_UNAVAILABLE);
}
END_TEST

START_TEST(live_then_sealed)
{
	struct japply_state st = at3();
	struct jfmt_header h = hdr(1, 4, 31, 3);
	struct jfmt_trailer t = trl(40, 4, 1);
	struct jerr e;
	uint64_t skip;

	japply_advance(&st, &h, "db.journal", 35, 0, NULL);
	ck_assert_int_eq(st.sealed, 0);
	ck_assert_uint_eq(st.last_lsn, 35);
	ck_assert_int_eq(st.digest[0], 3);      /* still the digest of seq 3 */
	ck_assert_uint_eq(st.last_time, 42);    /* 0 keeps it */
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_APPLY);
	ck_assert_uint_eq(skip, 35);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_APPLY);
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_LATER);
	h = hdr(1, 4, 31, 3);
	japply_advance(&st, &h, "db.0001-000000000004.journal", 40, 0, &t);
	ck_assert_int_eq(st.sealed, 1);
	ck_assert_int_eq(st.final, 1);
	ck_assert_int_eq(st.digest[0], 4);
	ck_assert_str_eq(st.segment, "db.0001-000000000004.journal");
	ck_assert_str_eq(st.name, "db");
}
END_TEST

START_TEST(timelines)
{
	struct japply_state st = at3();
	struct jfmt_header h = hdr(2, 4, 31, 3);
	struct jfmt_trailer t = trl(40, 4, 0);
	struct jerr e;
	uint64_t skip;

	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_APPLY);
	japply_advance(&st, &h, "db.0002-000000000004.journal", 40, 0, &t);
	ck_assert_int_eq(st.ntl, 2);
	ck_assert_uint_eq(st.tl[1].timeline, 2);
	ck_assert_uint_eq(st.tl[1].seq, 4);
	ck_assert_uint_eq(st.tl[1].lsn, 31);
	/* the old primary after the fork */
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "on timeline 1, the mirror follows timeline 2 since "
	    "seq 4: written by the old primary after the fork?"));
	h = hdr(1, 4, 31, 3);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	/* before the fork: applied */
	h = hdr(1, 3, 21, 2);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_DONE);
	/* a timeline that forked before what the mirror applied */
	h = hdr(3, 4, 31, 3);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "went past the fork"));
	h = hdr(3, 5, 41, 4);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_APPLY);
}
END_TEST

/* The mirror refuses what jcat refuses: nothing on the same timeline after a final one. */
START_TEST(place_after_final)
{
	struct japply_state st = at3();
	struct jfmt_header h = hdr(1, 4, 31, 3);
	struct jfmt_trailer t = trl(40, 4, 1);
	struct jerr e;
	uint64_t skip;

	japply_advance(&st, &h, "db.0001-000000000004.journal", 40, 0, &t);
	ck_assert_uint_eq(jchain_due(&st), 5);
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "follows the final segment (seq 4)"));
	h = hdr(2, 5, 41, 4);
	ck_assert_int_eq(jchain_place(&st, &h, &skip, &e), JCHAIN_APPLY);
}
END_TEST

START_TEST(before_fork)
{
	struct japply_state st = at3();
	struct jfmt_header h = hdr(2, 4, 31, 3);
	struct jfmt_trailer t = trl(40, 4, 0);
	struct jerr e;

	japply_advance(&st, &h, "db.0002-000000000004.journal", 40, 0, &t);
	h = hdr(1, 3, 21, 2);
	t = trl(30, 3, 1);              /* the closing segment: ends where timeline 2 starts */
	ck_assert_int_eq(jchain_before_fork(&st, &h, &t, &e), 0);
	t = trl(31, 3, 0);              /* the old primary's own seq 3 went on past the fork */
	ck_assert_int_eq(jchain_before_fork(&st, &h, &t, &e), JCHAIN_R_TIMELINE);
	ck_assert_str_eq(e.msg, "segment 3 on timeline 1 ends at LSN 31, but the mirror follows "
	    "timeline 2 from LSN 31: written by the old primary after the fork?");
	h = hdr(1, 2, 11, 1);           /* not just before the fork: nothing to say */
	ck_assert_int_eq(jchain_before_fork(&st, &h, &t, &e), 0);
}
END_TEST

START_TEST(due)
{
	struct japply_state st = { 0 };
	struct jfmt_header h = hdr(1, 4, 31, 3);

	ck_assert_uint_eq(jchain_due(&st), 1);
	st = at3();
	ck_assert_uint_eq(jchain_due(&st), 4);
	japply_advance(&st, &h, "db.journal", 35, 0, NULL);
	ck_assert_uint_eq(jchain_due(&st), 4);
}
END_TEST

Suite *
suite_chain(void)
{
	Suite *s = suite_create("chain");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, begins);
	tcase_add_test(tc, follows);
	tcase_add_test(tc, next);
	tcase_add_test(tc, resumes);
	tcase_add_test(tc, same);
	tcase_add_test(tc, empty_mirror);
	tcase_add_test(tc, chain);
	tcase_add_test(tc, live_then_sealed);
	tcase_add_test(tc, timelines);
	tcase_add_test(tc, place_after_final);
	tcase_add_test(tc, before_fork);
	tcase_add_test(tc, due);
	suite_add_tcase(s, tc);
	return s;
}
