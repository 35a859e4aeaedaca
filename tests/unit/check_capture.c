/*
 * capture: the module's contract through its API on real SQLite files: the binding to one
 * journal, REPLACE's silent deletions noted before the insert, the position carried by a
 * rotation, the outbox depth, and uninstall leaving nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "capture.h"
#include "journal.h"
#include "unit.h"

struct fx {
	char *dir, db[512], j[512], j2[512];
};

static void
fx_init(struct fx *f, const char *schema)
{
	sqlite3 *db;
	struct jerr e;

	f->dir = unit_tmpdir();
	snprintf(f->db, sizeof f->db, "%s/app.db", f->dir);
	snprintf(f->j, sizeof f->j, "%s/app.journal", f->dir);
	snprintf(f->j2, sizeof f->j2, "%s/other.journal", f->dir);
	ck_assert_int_eq(sqlite3_open(f->db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(jjournal_create(f->j, &e), 0);
	ck_assert_int_eq(jjournal_create(f->j2, &e), 0);
}

static void
fx_sql(const struct fx *f, const char *sql)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open(f->db, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
	    sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The outbox's operations and first values, in order: "D:b I:a". */
static void
fx_outbox(const struct fx *f, char *out, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	size_t n = 0;

	out[0] = '\0';
	ck_assert_int_eq(sqlite3_open(f->db, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT op, coalesce(c0, '') FROM jmirror_outbox WHERE op <> 'S' "
	    "ORDER BY seq", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		n += (size_t)snprintf(out + n, size - n, "%s%s:%s", n ? " " : "",
		    sqlite3_column_text(q, 0), sqlite3_column_text(q, 1));
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* One drain of f's database into its journal, which must succeed; st filled. */
static void
fx_drain(const struct fx *f, struct jcapture_stats *st)
{
	struct jcapture *c;
	struct jerr e;

	ck_assert_int_eq(jcapture_open(f->db, f->j, &c, &e), 0);
	ck_assert_msg(jcapture_drain(c, st, &e) == 0, "drain: %s", e.msg);
	jcapture_close(c);
}

static void
fx_free(struct fx *f)
{
	unit_rmrf(f->dir);
	free(f->dir);
}

START_TEST(replace_deletions)
{
	struct fx f;
	struct jcapture_install o = { .no_snapshot = 1 };
	struct jerr e;
	char got[256];

	fx_init(&f, "CREATE TABLE kv(k PRIMARY KEY, v, u UNIQUE);"
	    "INSERT INTO kv VALUES('a', 1, 10), ('b', 2, 20);");
	ck_assert_int_eq(jcapture_install(f.db, f.j, &o, &e), 0);
	fx_sql(&f, "INSERT OR REPLACE INTO kv VALUES('a', 3, 20)");
	fx_outbox(&f, got, sizeof got);
	ck_assert_str_eq(got, "D:a D:b I:a");
	fx_sql(&f, "INSERT OR IGNORE INTO kv VALUES('a', 9, 99)");
	fx_sql(&f, "INSERT INTO kv VALUES('c', 4, 40) ON CONFLICT(k) DO UPDATE SET v = 0");
	fx_sql(&f, "INSERT INTO kv VALUES('c', 5, 50) ON CONFLICT(k) DO UPDATE SET v = 0");
	fx_outbox(&f, got, sizeof got);
	ck_assert_str_eq(got, "D:a D:b I:a I:c U:c");
	fx_free(&f);
}
END_TEST

/* A table whose key is its only unique set: the row a REPLACE may remove is noted as 'd'
 * and decided by the drain; the 'P' row keeps the sequence above the journal's position. */
START_TEST(key_only_and_position)
{
	struct fx f;
	struct jcapture_install o = { .no_snapshot = 1 };
	struct jcapture_stats st;
	struct jcapture_depth d;
	char got[256];
	struct jerr e;

	fx_init(&f, "CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES(1, 'x');");
	ck_assert_int_eq(jcapture_install(f.db, f.j, &o, &e), 0);
	fx_sql(&f, "INSERT OR REPLACE INTO t VALUES(1, 'y'); INSERT OR IGNORE INTO t VALUES(1, 'z');"
	    "INSERT INTO t VALUES(2, 'w')");
	fx_outbox(&f, got, sizeof got);
	ck_assert_str_eq(got, "d:1 I:1 d:1 I:2");
	fx_drain(&f, &st);
	ck_assert_uint_eq(st.changes, 4);
	ck_assert_uint_eq(st.pos, 4);
	fx_outbox(&f, got, sizeof got);
	ck_assert_str_eq(got, "P:");
	ck_assert_int_eq(jcapture_depth(f.db, &d, &e), 1);
	ck_assert_uint_eq(d.changes, 0);
	ck_assert_uint_eq(d.pos, 4);
	/* installed again for the same journal: the sequence goes on above its position */
	ck_assert_int_eq(jcapture_uninstall(f.db, 0, &e), 0);
	ck_assert_int_eq(jcapture_install(f.db, f.j, &o, &e), 0);
	fx_sql(&f, "DELETE FROM t WHERE id = 2");
	ck_assert_int_eq(jcapture_depth(f.db, &d, &e), 1);
	ck_assert_uint_eq(d.changes, 1);
	ck_assert_uint_eq(d.pos, 5);
	fx_free(&f);
}
END_TEST

START_TEST(binding_and_depth)
{
	struct fx f;
	struct jcapture_install o = { 0 };
	struct jcapture_depth d;
	struct jcapture *c;
	struct jcapture_stats st;
	struct jerr e;

	fx_init(&f, "CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES(1, 'x');");
	ck_assert_int_eq(jcapture_depth(f.db, &d, &e), 0);          /* not captured */
	ck_assert_int_eq(jcapture_install(f.db, f.j, &o, &e), 0);
	ck_assert_int_eq(jcapture_install(f.db, f.j, &o, &e), -1);
	ck_assert_int_eq(e.code, JCAP_EINSTALLED);
	ck_assert_int_eq(jcapture_install(f.db, f.j2, &o, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jcapture_open(f.db, f.j2, &c, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jcapture_depth(f.db, &d, &e), 1);
	ck_assert_uint_eq(d.changes, 2);                             /* schema and row 1 */
	ck_assert_uint_ne(d.oldest, 0);
	ck_assert_int_eq(jcapture_open(f.db, f.j, &c, &e), 0);
	ck_assert_int_eq(jcapture_drain(c, &st, &e), 0);
	ck_assert_uint_eq(st.changes, 2);
	ck_assert_uint_eq(st.records, 1);
	ck_assert_uint_eq(st.pos, 2);
	jcapture_close(c);
	ck_assert_int_eq(jcapture_depth(f.db, &d, &e), 1);
	ck_assert_uint_eq(d.changes, 0);
	ck_assert_int_eq(jcapture_uninstall(f.db, 0, &e), 0);
	ck_assert_int_eq(jcapture_depth(f.db, &d, &e), 0);
	fx_free(&f);
}
END_TEST

START_TEST(position_survives_rotation)
{
	struct fx f;
	struct jcapture_install o = { 0 };
	struct jjrotate ro = { 0 };
	struct jcapture *c;
	struct jcapture_stats st;
	struct jerr e;
	char seg[1024];

	fx_init(&f, "CREATE TABLE t(id INTEGER PRIMARY KEY, v);");
	ck_assert_int_eq(jcapture_install(f.db, f.j, &o, &e), 0);
	ck_assert_int_eq(jcapture_open(f.db, f.j, &c, &e), 0);
	ck_assert_int_eq(jcapture_drain(c, &st, &e), 0);
	jcapture_close(c);
	fx_sql(&f, "INSERT INTO t VALUES(1, 'a'); INSERT INTO t VALUES(2, 'b');");
	ck_assert_int_eq(jcapture_open(f.db, f.j, &c, &e), 0);
	ck_assert_int_eq(jcapture_drain(c, &st, &e), 0);
	ck_assert_uint_eq(st.pos, 3);
	jcapture_close(c);
	ck_assert_int_eq(jjournal_rotate(f.j, &ro, seg, sizeof seg, &e), 1);
	ck_assert_int_eq(remove(seg), 0);                         /* shipped and pruned */
	ck_assert_int_eq(jcapture_open(f.db, f.j, &c, &e), 0);
	ck_assert_int_eq(jcapture_drain(c, &st, &e), 0);
	ck_assert_uint_eq(st.records, 0);
	ck_assert_uint_eq(st.pos, 3);
	jcapture_close(c);
	fx_free(&f);
}
END_TEST

Suite *
suite_capture(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, replace_deletions);
	tcase_add_test(tc, key_only_and_position);
	tcase_add_test(tc, binding_and_depth);
	tcase_add_test(tc, position_survives_rotation);
	suite_add_tcase(s, tc);
	return s;
}
