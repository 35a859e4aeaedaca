/*
 * sqlite: a live WAL database copied whole and self-contained; damaged databases found by
 * the quick check.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqlite.h"
#include "name.h"
#include "unit.h"

static char *dir;
static void setup(void) { dir = unit_tmpdir(); }
static void teardown(void) { unit_rmrf(dir); free(dir); }

static void
sql(sqlite3 *db, const char *s)
{
	ck_assert_msg(sqlite3_exec(db, s, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", s,
	    sqlite3_errmsg(db));
}

static long long
count(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	long long n = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &q, NULL),
	    SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

START_TEST(copy_live_wal)
{
	char src[4096], dst[4096], wal[4200];
	uint8_t *p;
	size_t len;
	sqlite3 *db;
	struct jerr e;

	snprintf(src, sizeof src, "%s/m.db", dir);
	snprintf(dst, sizeof dst, "%s/copy.db", dir);
	ck_assert_int_eq(sqlite3_open(src, &db), SQLITE_OK);
	sql(db, "PRAGMA journal_mode=WAL");
	sql(db, "PRAGMA wal_autocheckpoint=0");
	sql(db, "CREATE TABLE t(x)");
	sql(db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 1000) "
	    "INSERT INTO t SELECT i FROM c");
	/* an open transaction the copy must not see */
	sql(db, "BEGIN");
	sql(db, "INSERT INTO t VALUES(-1)");
	ck_assert_int_eq(jsqlite_copy(src, dst, &e), 0);
	sql(db, "COMMIT");
	sqlite3_close(db);

	snprintf(wal, sizeof wal, "%s-wal", dst);
	ck_assert_int_ne(access(wal, F_OK), 0);
	p = unit_read_file(dst, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_gt(len, 100);
	ck_assert_int_eq(p[18], 1);     /* rollback journal mode: one self-contained file */
	ck_assert_int_eq(p[19], 1);
	free(p);
	ck_assert_int_eq(count(dst), 1000);
	ck_assert_int_eq(jsqlite_quick_check(dst, &e), 0);
	ck_assert_int_eq(count(src), 1001);
}
END_TEST

START_TEST(copy_missing)
{
	char src[4096], dst[4096];
	struct jerr e;

	snprintf(src, sizeof src, "%s/none.db", dir);
	snprintf(dst, sizeof dst, "%s/copy.db", dir);
	ck_assert_int_eq(jsqlite_copy(src, dst, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_ne(access(dst, F_OK), 0);
}
END_TEST

START_TEST(quick_check_damage)
{
	char p[4096];
	struct jerr e;
	uint8_t junk[8192];

	memset(junk, 'x', sizeof junk);
	snprintf(p, sizeof p, "%s/junk.db", dir);
	ck_assert_int_eq(unit_write_file(p, junk, sizeof junk), 0);
	ck_assert_int_eq(jsqlite_quick_check(p, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

Suite *
suite_sqlite(void)
{
	Suite *s = suite_create("sqlite");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, copy_live_wal);
	tcase_add_test(tc, copy_missing);
	tcase_add_test(tc, quick_check_damage);
	suite_add_tcase(s, tc);
	return s;
}
