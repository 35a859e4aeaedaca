#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <unistd.h>

#include "apply.h"
#include "lock.h"
#include "unit.h"

static struct jfmt_header
hdr(uint32_t tl, uint64_t seq, uint64_t first, uint8_t prev)
{
	struct jfmt_header h = { .version = 1, .timeline = tl, .seq = seq, .first_lsn = first };

	memset(h.lineage, 0x11, sizeof h.lineage);
	memset(h.prev_digest, prev, sizeof h.prev_digest);
	return h;
}

static struct jfmt_trailer
trl(uint64_t last, uint8_t digest, int final)
{
	struct jfmt_trailer t = { .last_lsn = last, .flags = final ? JFMT_FINAL : 0 };

	memset(t.digest, digest, sizeof t.digest);
	return t;
}

/* A mirror at seq 3 (LSN 30, digest 3s) on timeline 1. */
static struct japply_state
at3(void)
{
	struct japply_state st = { 0 };
	struct jfmt_header h;
	struct jfmt_trailer t;

	for (uint64_t s = 1; s <= 3; s++) {
		h = hdr(1, s, (s - 1) * 10 + 1, s == 1 ? 0 : (uint8_t)(s - 1));
		t = trl(s * 10, (uint8_t)s, 0);
		japply_advance(&st, &h, "db.0001-000000000001.journal", s * 10, 42, &t);
	}
	return st;
}

START_TEST(empty_mirror)
{
	struct japply_state st = { 0 };
	struct jfmt_header h = hdr(1, 1, 1, 0);
	struct jerr e;
	uint64_t skip = 99;

	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_APPLY);
	ck_assert_uint_eq(skip, 0);
	h = hdr(1, 2, 11, 1);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_LATER);
	h = hdr(1, 1, 5, 0);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	h = hdr(1, 1, 1, 7);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
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
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_APPLY);
	ck_assert_uint_eq(skip, 30);
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_LATER);
	h = hdr(1, 2, 11, 1);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_DONE);
	h = hdr(1, 3, 21, 2);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_DONE);
	h = hdr(1, 4, 31, 9);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "does not chain"));
	h = hdr(1, 4, 32, 3);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "out of sequence"));
	h = hdr(1, 4, 31, 3);
	memset(h.lineage, 0x22, sizeof h.lineage);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "foreign"));
	st.operational = 1;
	h = hdr(1, 4, 31, 3);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
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
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_APPLY);
	ck_assert_uint_eq(skip, 35);
	ck_assert_int_eq(japply_check(&st, &h, 1, &skip, &e), JAPPLY_APPLY);
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_LATER);
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

	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_APPLY);
	japply_advance(&st, &h, "db.0002-000000000004.journal", 40, 0, &t);
	ck_assert_int_eq(st.ntl, 2);
	ck_assert_uint_eq(st.tl[1].timeline, 2);
	ck_assert_uint_eq(st.tl[1].seq, 4);
	ck_assert_uint_eq(st.tl[1].lsn, 31);
	/* the old primary after the fork */
	h = hdr(1, 5, 41, 4);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "on timeline 1, the mirror follows timeline 2 since "
	    "seq 4: written by the old primary after the fork?"));
	h = hdr(1, 4, 31, 3);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	/* before the fork: applied */
	h = hdr(1, 3, 21, 2);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_DONE);
	/* a timeline that forked before what the mirror applied */
	h = hdr(3, 4, 31, 3);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "went past the fork"));
	h = hdr(3, 5, 41, 4);
	ck_assert_int_eq(japply_check(&st, &h, 0, &skip, &e), JAPPLY_APPLY);
}
END_TEST

START_TEST(state_text)
{
	struct japply_state st = at3(), back;
	struct jfmt_header h = hdr(2, 4, 31, 3);
	struct jfmt_trailer t = trl(40, 4, 1);
	struct jerr e;
	char buf[4096];
	int n;

	japply_advance(&st, &h, "db.0002-000000000004.journal", 40, 7, &t);
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
	ck_assert_int_eq(japply_state_format(&st, buf, 20), -1);
	ck_assert_int_eq(japply_state_parse("lineage zz\n", 11, &back, &e), -1);
	ck_assert_int_eq(japply_state_parse("version 9\n", 10, &back, &e), -1);
}
END_TEST

/* The rows of table k in db, in order ("1,2"), as another connection sees them; "" if none. */
static void
k_rows(const char *db, char *buf, size_t size)
{
	sqlite3 *h;
	sqlite3_stmt *q;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	buf[0] = '\0';
	if (sqlite3_prepare_v2(h, "SELECT group_concat(a, ',') FROM (SELECT a FROM k ORDER BY a)",
	    -1, &q, NULL) != SQLITE_OK) {
		snprintf(buf, size, "no table k");
		sqlite3_close(h);
		return;
	}
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		snprintf(buf, size, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(h);
}

/* The SQLite applier: bookkeeping and data commit together or not at all. */
START_TEST(sqlite_applier)
{
	char *dir = unit_tmpdir(), db[512], rows[64];
	struct japply_opts o = { .db = db };
	struct japply_state st, got;
	struct japply *a;
	struct jerr e;
	struct jfmt_header h = hdr(1, 1, 1, 0);
	struct jfmt_trailer t = trl(2, 1, 0);
	struct jrec r1 = { .lsn = 1, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)
	    "CREATE TABLE k(a)", .len = 17 };
	struct jrec r2 = { .lsn = 2, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)
	    "INSERT INTO k VALUES(1);INSERT INTO k VALUES(2)", .len = 47 };
	struct jrec bad = { .lsn = 3, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)
	    "INSERT INTO nope VALUES(1)", .len = 26 };
	int fd;

	snprintf(db, sizeof db, "%s/m.db", dir);
	ck_assert_int_eq(japply_open(&o, &a, &e), 0);
	ck_assert_int_eq(japply_load(a, &st, &e), 0);
	ck_assert_int_eq(st.present, 0);
	ck_assert_int_eq(japply_begin(a, "x", 1, 2, &e), 0);
	ck_assert_int_eq(japply_record(a, &r1, &e), 0);
	ck_assert_int_eq(japply_record(a, &r2, &e), 0);
	japply_rollback(a);
	ck_assert_int_eq(japply_load(a, &st, &e), 0);
	ck_assert_int_eq(st.present, 0);
	k_rows(db, rows, sizeof rows);
	ck_assert_str_eq(rows, "no table k");
	ck_assert_int_eq(japply_begin(a, "x", 1, 2, &e), 0);
	ck_assert_int_eq(japply_record(a, &r1, &e), 0);
	ck_assert_int_eq(japply_record(a, &r2, &e), 0);
	japply_advance(&st, &h, "db.0001-000000000001.journal", 2, 5, &t);
	ck_assert_int_eq(japply_commit(a, &st, &e), 0);
	k_rows(db, rows, sizeof rows);
	ck_assert_str_eq(rows, "1,2");
	ck_assert_int_eq(japply_begin(a, "x", 3, 3, &e), 0);
	ck_assert_int_eq(japply_record(a, &bad, &e), -1);
	ck_assert_int_eq(e.code, JAPPLY_EAPPLY);
	ck_assert_ptr_nonnull(strstr(e.msg, "LSN 3: INSERT INTO nope VALUES(1): no such table"));
	japply_rollback(a);
	japply_close(a);

	k_rows(db, rows, sizeof rows);
	ck_assert_str_eq(rows, "1,2");
	ck_assert_int_eq(japply_state_read(db, 0, &got, &e), 0);
	ck_assert_int_eq(got.present, 1);
	ck_assert_uint_eq(got.last_lsn, 2);
	ck_assert_int_eq(got.sealed, 1);
	ck_assert_uint_eq(got.last_time, 5);
	ck_assert_int_eq(got.operational, 0);
	fd = japply_lock(db, JLOCK_NOWAIT, &e);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(japply_state_set_role(db, 1, &e), 0);
	ck_assert_int_eq(japply_state_read(db, 0, &got, &e), 0);
	ck_assert_int_eq(got.operational, 1);
	close(fd);
	ck_assert_int_eq(japply_state_read("/nonexistent/m.db", 0, &got, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

Suite *
suite_apply(void)
{
	Suite *s = suite_create("apply");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, empty_mirror);
	tcase_add_test(tc, chain);
	tcase_add_test(tc, live_then_sealed);
	tcase_add_test(tc, timelines);
	tcase_add_test(tc, state_text);
	tcase_add_test(tc, sqlite_applier);
	suite_add_tcase(s, tc);
	return s;
}
