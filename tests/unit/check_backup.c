/*
 * backup: a live WAL database copied whole and self-contained; damaged databases found by
 * the quick check; and the tar archive functions of zio that jbackup writes its archives
 * with (round trip per compression, a cut archive is an error).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backup.h"
#include "name.h"
#include "unit.h"
#include "zio.h"

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
	ck_assert_int_eq(jbackup_copy(src, dst, &e), 0);
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
	ck_assert_int_eq(jbackup_quick_check(dst, &e), 0);
	ck_assert_int_eq(count(src), 1001);
}
END_TEST

START_TEST(copy_missing)
{
	char src[4096], dst[4096];
	struct jerr e;

	snprintf(src, sizeof src, "%s/none.db", dir);
	snprintf(dst, sizeof dst, "%s/copy.db", dir);
	ck_assert_int_eq(jbackup_copy(src, dst, &e), -1);
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
	ck_assert_int_eq(jbackup_quick_check(p, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

/* Write an archive with a manifest from memory and a file from a descriptor. */
static void
write_archive(const char *path, int comp, const uint8_t *data, size_t len)
{
	char src[4096];
	struct jzio_tar *t;
	struct jerr e;
	int fd, in;

	snprintf(src, sizeof src, "%s/member", dir);
	ck_assert_int_eq(unit_write_file(src, data, len), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	in = open(src, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(in, 0);
	ck_assert_int_eq(jzio_tar_open_write(fd, comp, 0, &t, &e), 0);
	ck_assert_int_eq(jzio_tar_add_buf(t, "MANIFEST", "jbackup 1\n", 10, 1000, &e), 0);
	ck_assert_int_eq(jzio_tar_add(t, "database", in, len, 1000, &e), 0);
	ck_assert_int_eq(jzio_tar_finish(t, &e), 0);
	close(in);
	close(fd);
}

START_TEST(tar_round_trip)
{
	size_t len = 200000;
	uint8_t *data = malloc(len), *out = malloc(len);
	char path[4096], name[256], man[32];

	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 7 + i / 1000);
	for (int c = JCOMP_NONE; c <= JCOMP_XZ; c++) {
		struct jzio_tar *t;
		struct jerr e;
		uint64_t n;
		size_t got = 0;
		ssize_t r;
		int fd;

		snprintf(path, sizeof path, "%s/a.tar%s", dir, jcomp_suffix(c));
		write_archive(path, c, data, len);
		fd = open(path, O_RDONLY);
		ck_assert_int_eq(jzio_tar_open_read(fd, &t, &e), 0);
		ck_assert_int_eq(jzio_tar_next(t, name, sizeof name, &n, &e), 1);
		ck_assert_str_eq(name, "MANIFEST");
		ck_assert_uint_eq(n, 10);
		ck_assert_int_eq(jzio_tar_read(t, man, sizeof man, &e), 10);
		ck_assert_int_eq(memcmp(man, "jbackup 1\n", 10), 0);
		ck_assert_int_eq(jzio_tar_next(t, name, sizeof name, &n, &e), 1);
		ck_assert_str_eq(name, "database");
		ck_assert_uint_eq(n, len);
		while ((r = jzio_tar_read(t, out + got, len - got > 4096 ? 4096 : len - got,
		    &e)) > 0)
			got += (size_t)r;
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(got, len);
		ck_assert_int_eq(memcmp(out, data, len), 0);
		ck_assert_int_eq(jzio_tar_next(t, name, sizeof name, &n, &e), 0);
		jzio_tar_close(t);
		close(fd);
	}
	free(data);
	free(out);
}
END_TEST

START_TEST(tar_cut)
{
	size_t len = 100000, alen;
	uint8_t *data = malloc(len), *a;
	char path[4096], cut[4096], name[256], buf[4096];
	struct jzio_tar *t;
	struct jerr e;
	uint64_t n;
	ssize_t r = 0;
	int fd, rc;

	srand(3);
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)rand();
	snprintf(path, sizeof path, "%s/a.tar.zst", dir);
	snprintf(cut, sizeof cut, "%s/cut.tar.zst", dir);
	write_archive(path, JCOMP_ZSTD, data, len);
	a = unit_read_file(path, &alen);
	ck_assert_int_eq(unit_write_file(cut, a, alen / 2), 0);
	free(a);
	fd = open(cut, O_RDONLY);
	/* the cut shows at the open (libarchive reads ahead) or later, never not at all */
	if ((rc = jzio_tar_open_read(fd, &t, &e)) == 0) {
		while ((rc = jzio_tar_next(t, name, sizeof name, &n, &e)) == 1)
			while ((r = jzio_tar_read(t, buf, sizeof buf, &e)) > 0)
				;
		jzio_tar_close(t);
	}
	ck_assert(rc < 0 || r < 0);
	ck_assert_int_eq(e.code, EX_DATAERR);
	close(fd);
	free(data);
}
END_TEST

Suite *
suite_backup(void)
{
	Suite *s = suite_create("backup");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, copy_live_wal);
	tcase_add_test(tc, copy_missing);
	tcase_add_test(tc, quick_check_damage);
	tcase_add_test(tc, tar_round_trip);
	tcase_add_test(tc, tar_cut);
	suite_add_tcase(s, tc);
	return s;
}
