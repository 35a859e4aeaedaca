#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

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
	struct jseg_rec r1 = { .lsn = 1, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)
	    "CREATE TABLE k(a)", .len = 17 };
	struct jseg_rec r2 = { .lsn = 2, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)
	    "INSERT INTO k VALUES(1);INSERT INTO k VALUES(2)", .len = 47 };
	struct jseg_rec bad = { .lsn = 3, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)
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

static struct jseg_rec
sqlrec(uint64_t lsn, const char *sql)
{
	return (struct jseg_rec){ .lsn = lsn, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)sql,
	    .len = strlen(sql) };
}

/* Apply one record as segment seq (LSN seq) and commit: 0, or -1 with e. */
static int
apply_one(struct japply *a, struct japply_state *st, uint64_t seq, const char *sql,
    struct jerr *e)
{
	struct jfmt_header h = hdr(1, seq, seq, seq == 1 ? 0 : (uint8_t)(seq - 1));
	struct jfmt_trailer t = trl(seq, (uint8_t)seq, 0);
	struct jseg_rec r = sqlrec(seq, sql);
	struct japply_state next = *st;

	if (japply_begin(a, "x", seq, seq, e) < 0)
		return -1;
	if (japply_record(a, &r, e) < 0) {
		japply_rollback(a);
		return -1;
	}
	japply_advance(&next, &h, "db.0001-000000000001.journal", seq, 0, &t);
	if (japply_commit(a, &next, e) < 0)
		return -1;
	*st = next;
	return 0;
}

static int
count(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *q;
	int n = -1;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(h);
	return n;
}

/*
 * Issue 11 item 3: no record may create a trigger or view on, alter, drop, read or write a
 * jmirror_* table, by any path; each is refused (EX_DATAERR) with the mirror unchanged, and
 * the records after it still apply exactly once.
 */
static const char *const attacks[] = {
	"CREATE TRIGGER t1 AFTER INSERT ON jmirror_state BEGIN UPDATE jmirror_state SET seq=0, "
	    "last_lsn=0; END;",
	"CREATE TRIGGER t1 BEFORE DELETE ON \"JMIRROR_STATE\" BEGIN SELECT 1; END",
	"CREATE TRIGGER t1 AFTER UPDATE ON main.[jmirror_timeline] BEGIN SELECT 1; END",
	"CREATE TEMP TRIGGER t1 AFTER INSERT ON main.jmirror_state BEGIN SELECT 1; END",
	"CREATE TRIGGER t1 AFTER INSERT ON k BEGIN UPDATE jmirror_state SET seq = 0; END",
	"CREATE TRIGGER t1 AFTER UPDATE OF a ON k BEGIN INSERT INTO jmirror_timeline "
	    "VALUES(9, 9, 9); END",
	"CREATE TEMP TRIGGER t1 AFTER DELETE ON main.k BEGIN DELETE FROM jmirror_timeline; END",
	"CREATE TRIGGER t1 AFTER INSERT ON k BEGIN INSERT INTO k2 SELECT seq FROM "
	    "jmirror_state; END",
	"CREATE VIEW v1 AS SELECT a FROM k; CREATE TRIGGER t1 INSTEAD OF INSERT ON v1 BEGIN "
	    "UPDATE jmirror_state SET last_lsn = 0; END",
	"CREATE TEMP VIEW v1 AS SELECT a FROM k; CREATE TEMP TRIGGER t1 INSTEAD OF UPDATE ON v1 "
	    "BEGIN DELETE FROM jmirror_state; END",
	"CREATE TABLE g(a, b AS (a + 1)); CREATE TRIGGER t1 AFTER UPDATE OF a ON g BEGIN "
	    "DELETE FROM jmirror_state; END",
	"CREATE VIEW v1 AS SELECT * FROM jmirror_state",
	"CREATE TEMP VIEW v1 AS SELECT seq FROM main.jmirror_state",
	"CREATE VIEW jmirror_v AS SELECT 1",
	"CREATE TEMP TABLE jmirror_state(x)",
	"CREATE TABLE jmirror_more(x)",
	"ALTER TABLE jmirror_state RENAME TO gone",
	"ALTER TABLE main.\"jmirror_state\" RENAME TO gone",
	"ALTER TABLE jmirror_state ADD COLUMN x",
	"ALTER TABLE jmirror_state RENAME COLUMN seq TO s",
	"ALTER TABLE jmirror_state DROP COLUMN segment",
	"DROP TABLE jmirror_timeline",
	"DROP TABLE IF EXISTS main.\"Jmirror_State\"",
	"CREATE INDEX i1 ON jmirror_state(seq)",
	"CREATE INDEX jmirror_i ON k(a)",
	"INSERT INTO jmirror_timeline VALUES(5, 5, 5)",
	"UPDATE jmirror_state SET seq = 0",
	"DELETE FROM main.jmirror_state",
	"REPLACE INTO [jmirror_state] SELECT * FROM jmirror_state",
	"INSERT OR REPLACE INTO \"JMIRROR_STATE\"(id) VALUES(1)",
	"WITH x(n) AS (SELECT 0) UPDATE jmirror_state SET seq = (SELECT n FROM x)",
	"INSERT INTO k SELECT seq FROM jmirror_state",
	"ATTACH 'other.db' AS other",
	"PRAGMA writable_schema = 1",
	"PRAGMA main.writable_schema=ON; UPDATE sqlite_master SET sql = 'x' WHERE name = "
	    "'jmirror_state'",
	"PRAGMA synchronous = OFF",
	"PRAGMA schema_version = 1",
	"INSERT INTO k VALUES(100); DELETE FROM jmirror_state",
};

START_TEST(bookkeeping_guard)
{
	char *dir = unit_tmpdir(), db[512], q[600];
	struct japply_opts o = { .db = db };
	struct japply_state st = { 0 }, got;
	struct japply *a;
	struct jerr e;
	uint64_t seq = 1;

	snprintf(db, sizeof db, "%s/m.db", dir);
	ck_assert_int_eq(japply_open(&o, &a, &e), 0);
	ck_assert_int_eq(apply_one(a, &st, seq++, "CREATE TABLE k(a); CREATE TABLE k2(a)", &e),
	    0);
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
		if (apply_one(a, &st, seq, attacks[i], &e) == 0)
			ck_abort_msg("not refused: %s", attacks[i]);
		ck_assert_msg(e.code == EX_DATAERR, "%s: code %d: %s", attacks[i], e.code, e.msg);
		ck_assert_msg(strstr(e.msg, "refused") != NULL, "%s: %s", attacks[i], e.msg);
		ck_assert_int_eq(japply_load(a, &got, &e), 0);
		ck_assert_uint_eq(got.seq, seq - 1);
		ck_assert_uint_eq(got.last_lsn, seq - 1);
		/* the next record still applies, exactly once */
		snprintf(q, sizeof q, "INSERT INTO k VALUES(%zu)", i);
		ck_assert_int_eq(apply_one(a, &st, seq++, q, &e), 0);
	}
	/* the name rule: renamed to a bookkeeping name, refused by SQLite itself */
	ck_assert_int_eq(apply_one(a, &st, seq, "CREATE TABLE k3(a); ALTER TABLE k3 RENAME TO "
	    "jmirror_state", &e), -1);
	/* what applications do is still allowed */
	ck_assert_int_eq(apply_one(a, &st, seq++, "CREATE TRIGGER ok AFTER INSERT ON k BEGIN "
	    "INSERT INTO k2 VALUES(new.a); END; CREATE VIEW kv AS SELECT a FROM k; "
	    "PRAGMA user_version = 3; PRAGMA journal_mode; ALTER TABLE k ADD COLUMN b; "
	    "INSERT INTO k VALUES(-1, 0)", &e), 0);
	japply_close(a);

	ck_assert_int_eq(japply_state_read(db, 0, &got, &e), 0);
	ck_assert_uint_eq(got.seq, seq - 1);
	snprintf(q, sizeof q, "SELECT count(*) = %zu AND sum(a) = %zu FROM k",
	    sizeof attacks / sizeof attacks[0] + 1,
	    (sizeof attacks / sizeof attacks[0]) * (sizeof attacks / sizeof attacks[0] - 1) / 2 - 1);
	ck_assert_int_eq(count(db, q), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM k2"), 1);
	ck_assert_int_eq(count(db, "SELECT group_concat(name) = 'ok,kv' FROM sqlite_master WHERE "
	    "type IN ('trigger', 'view') OR name LIKE 'jmirror%' AND name NOT IN "
	    "('jmirror_state', 'jmirror_timeline')"), 1);
	ck_assert_int_eq(count(db, "SELECT count(*) FROM pragma_table_info('jmirror_state')"), 14);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

/* Issue 11 item 8: the database, its -wal and -shm are never group-writable or public. */
START_TEST(db_modes)
{
	char *dir = unit_tmpdir(), db[512], f[600];
	const char *sfx[] = { "", "-wal", "-shm" };
	mode_t masks[] = { 022, 0 }, old;
	struct japply_state st = { 0 };
	struct japply *a;
	struct jerr e;
	struct stat sb;

	for (int m = 0; m < 2; m++) {
		struct japply_opts o = { .db = db };
		snprintf(db, sizeof db, "%s/m%d.db", dir, m);
		old = umask(masks[m]);
		ck_assert_int_eq(japply_open(&o, &a, &e), 0);
		memset(&st, 0, sizeof st);
		ck_assert_int_eq(apply_one(a, &st, 1, "CREATE TABLE k(a)", &e), 0);
		for (int i = 0; i < 3; i++) {
			snprintf(f, sizeof f, "%s%s", db, sfx[i]);
			ck_assert_int_eq(stat(f, &sb), 0);
			ck_assert_msg((sb.st_mode & 0777) == 0640, "%s: %o under umask %03o", f,
			    sb.st_mode & 0777, masks[m]);
		}
		japply_close(a);
		umask(old);
	}
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
	tcase_add_test(tc, bookkeeping_guard);
	tcase_add_test(tc, db_modes);
	suite_add_tcase(s, tc);
	return s;
}
