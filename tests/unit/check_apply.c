#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "apply.h"
#include "lock.h"
#include "mirror.h"
#include "unit.h"

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

/* The SQLite applier: bookkeeping and data commit together or not at all. */
START_TEST(sqlite_applier)
{
	char *dir = unit_tmpdir(), db[512];
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
	struct jseg_rec r3 = { .lsn = 3, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)
	    "INSERT INTO k VALUES(3)", .len = 23 };
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
	ck_assert_int_eq(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'k'"), 0);
	ck_assert_int_eq(japply_begin(a, "x", 1, 2, &e), 0);
	ck_assert_int_eq(japply_record(a, &r1, &e), 0);
	ck_assert_int_eq(japply_record(a, &r2, &e), 0);
	japply_advance(&st, &h, "db.0001-000000000001.journal", 2, 5, &t);
	ck_assert_int_eq(japply_commit(a, &st, &e), 0);
	ck_assert_int_eq(count(db, "SELECT count(*) = 2 AND sum(a) = 3 FROM k"), 1);
	ck_assert_int_eq(japply_begin(a, "x", 3, 3, &e), 0);
	ck_assert_int_eq(japply_record(a, &r3, &e), 0);
	ck_assert_int_eq(japply_record(a, &bad, &e), -1);
	ck_assert_int_eq(e.code, JAPPLY_EAPPLY);
	ck_assert_ptr_nonnull(strstr(e.msg, "LSN 3: INSERT INTO nope VALUES(1): no such table"));
	japply_rollback(a);
	japply_close(a);
	/* the batch that failed left neither its good record nor bookkeeping behind */
	ck_assert_int_eq(count(db, "SELECT count(*) = 2 AND sum(a) = 3 FROM k"), 1);

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

	tcase_add_test(tc, sqlite_applier);
	tcase_add_test(tc, bookkeeping_guard);
	tcase_add_test(tc, db_modes);
	suite_add_tcase(s, tc);
	return s;
}
