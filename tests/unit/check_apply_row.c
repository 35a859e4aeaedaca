/* apply_row: row records applied by key through the SQLite applier: keys of every kind,
 * exact values, divergence each way, --repair, triggers that must not fire, the guard. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "apply.h"
#include "row.h"
#include "unit.h"

static char *dir, db[512];
static struct japply *a;
static int nrepaired;

static void
on_repair(const char *line)
{
	(void)line;
	nrepaired++;
}

static void
open_mirror(int repair)
{
	struct japply_opts o = { .db = db, .repair = repair, .repaired = on_repair };
	struct jerr e;

	ck_assert_msg(japply_open(&o, &a, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(japply_begin(a, "x", 1, 100, &e), 0);
}

static void
setup(void)
{
	dir = unit_tmpdir();
	snprintf(db, sizeof db, "%s/m.db", dir);
	nrepaired = 0;
	open_mirror(0);
}

static void
teardown(void)
{
	japply_close(a);
	unit_rmrf(dir);
	free(dir);
}

static int
sql(uint64_t lsn, const char *text, struct jerr *e)
{
	struct jseg_rec r = { .lsn = lsn, .type = JFMT_TYPE_SQL, .data = (const uint8_t *)text,
	                      .len = (uint32_t)strlen(text) };

	return japply_record(a, &r, e);
}

/* A value in jmrow's text form: i: r: t: x: null unchanged. */
static struct jrow_value
value(char *v)
{
	struct jrow_value x = { .tag = JROW_NULL };

	if (!strcmp(v, "unchanged"))
		x.tag = JROW_UNCHANGED;
	else if (!strncmp(v, "i:", 2))
		x.tag = JROW_INTEGER, x.i = strtoll(v + 2, NULL, 10);
	else if (!strncmp(v, "r:", 2))
		x.tag = JROW_REAL, x.r = strtod(v + 2, NULL);
	else if (!strncmp(v, "t:", 2))
		x.tag = JROW_TEXT, x.p = (uint8_t *)v + 2, x.len = (uint32_t)strlen(v + 2);
	else if (!strncmp(v, "x:", 2)) {
		size_t n = strlen(v + 2) / 2;
		for (size_t i = 0; i < n; i++) {
			char hx[3] = { v[2 + 2 * i], v[3 + 2 * i], 0 };
			v[2 + i] = (char)strtol(hx, NULL, 16);
		}
		x.tag = JROW_BLOB, x.p = (uint8_t *)v + 2, x.len = (uint32_t)n;
	}
	return x;
}

/* One row record of the changes in script ("op table col=v ... -> col=v ...", one per
 * line), applied at lsn: japply_record's result. */
static int
rows(uint64_t lsn, const char *script, struct jerr *e)
{
	char *s = strdup(script), *save = NULL, *line;
	struct jrow_builder b;
	struct jseg_rec r = { .lsn = lsn, .type = JFMT_TYPE_ROW };
	int rc;

	jrow_builder_init(&b, 0);
	jrow_start(&b, 0, 0);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL, *op, *tab, *t;

		if (!strncmp(line, "sql ", 4)) {
			jrow_sql(&b, line + 4, strlen(line + 4));
			ck_assert_msg(jrow_end(&b, e) == 0, "%s", e->msg);
			continue;
		}
		op = strtok_r(line, " ", &s2);
		tab = strtok_r(NULL, " ", &s2);
		jrow_change(&b, (uint8_t)jrow_op_parse(op), "", 0, tab, strlen(tab));
		while ((t = strtok_r(NULL, " ", &s2))) {
			char *eq = strchr(t, '=');
			struct jrow_value v;
			if (!strcmp(t, "->")) {
				jrow_row(&b);
				continue;
			}
			*eq = 0;
			v = value(eq + 1);
			jrow_col(&b, t, strlen(t), &v);
		}
		ck_assert_msg(jrow_end(&b, e) == 0, "%s", e->msg);
	}
	r.data = b.buf;
	r.len = (uint32_t)b.len;
	rc = japply_record(a, &r, e);
	jrow_builder_free(&b);
	free(s);
	return rc;
}

static void
ok_rows(uint64_t lsn, const char *script)
{
	struct jerr e;

	ck_assert_msg(rows(lsn, script, &e) == 0, "%s", e.msg);
}

/* The first column of the first row of a query on the open transaction's database, as text
 * (through a second connection after a commit). */
static char *
q1(const char *query)
{
	static char out[512];
	sqlite3 *h;
	sqlite3_stmt *q;

	ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(h, query, -1, &q, NULL) == SQLITE_OK, "%s",
	    sqlite3_errmsg(h));
	snprintf(out, sizeof out, "%s", sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)
	    ? (const char *)sqlite3_column_text(q, 0) : "(none)");
	sqlite3_finalize(q);
	sqlite3_close(h);
	return out;
}

static void
commit(uint64_t last)
{
	struct japply_state st = { 0 };
	struct jfmt_header h = { .version = 3, .timeline = 1, .seq = 1, .first_lsn = 1 };
	struct jerr e;

	memset(h.lineage, 0x11, sizeof h.lineage);
	ck_assert_int_eq(japply_load(a, &st, &e), 0);
	japply_advance(&st, &h, "db.0001-000000000001.journal", last, 1, NULL);
	ck_assert_msg(japply_commit(a, &st, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(japply_begin(a, "x", last + 1, 100, &e), 0);
}

static const char schema[] =
    "CREATE TABLE t(id INTEGER PRIMARY KEY, v, u UNIQUE);"
    "CREATE TABLE n(a, b);"
    "CREATE TABLE w(k1, k2, v, PRIMARY KEY(k1, k2)) WITHOUT ROWID;"
    "CREATE TABLE c(a TEXT, b INT, v, PRIMARY KEY(a, b));"
    "CREATE TABLE audit(x);"
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO audit VALUES(new.id); END;";

/* Inserts, updates (a changed key too) and deletes on every kind of key. */
START_TEST(by_key)
{
	struct jerr e;

	ck_assert_int_eq(sql(1, schema, &e), 0);
	ok_rows(2, "insert t id=i:1 -> id=i:1 v=t:one u=i:1\n"
	    "insert n rowid=i:7 -> rowid=i:7 a=t:x b=i:1\n"
	    "insert w k1=t:a k2=i:1 -> k1=t:a k2=i:1 v=t:w\n"
	    "insert c a=t:a b=i:1 -> a=t:a b=i:1 v=t:c");
	ok_rows(3, "update t id=i:1 -> id=i:10 v=t:moved u=i:1\n"
	    "update n rowid=i:7 -> rowid=i:8 a=t:y b=i:2\n"
	    "update w k1=t:a k2=i:1 -> k1=t:b k2=i:2 v=unchanged\n"
	    "update c a=t:a b=i:1 -> a=t:a b=i:1 v=t:c2");
	commit(3);
	ck_assert_str_eq(q1("SELECT group_concat(id || v || u) FROM t"), "10moved1");
	ck_assert_str_eq(q1("SELECT group_concat(rowid || a || b) FROM n"), "8y2");
	ck_assert_str_eq(q1("SELECT group_concat(k1 || k2 || v) FROM w"), "b2w");
	ck_assert_str_eq(q1("SELECT group_concat(a || b || v) FROM c"), "a1c2");
	ok_rows(4, "delete t id=i:10\ndelete n rowid=i:8\ndelete w k1=t:b k2=i:2\n"
	    "delete c a=t:a b=i:1");
	commit(4);
	ck_assert_str_eq(q1("SELECT (SELECT count(*) FROM t) + (SELECT count(*) FROM n) + "
	    "(SELECT count(*) FROM w) + (SELECT count(*) FROM c)"), "0");
}
END_TEST

/* Values arrive exactly: 64-bit integers, reals bit for bit, text with any bytes, empty
 * text and blobs that are not NULL. */
START_TEST(exact_values)
{
	struct jrow_builder b;
	struct jrow_value v[] = {
		{ .tag = JROW_INTEGER, .i = INT64_MIN }, { .tag = JROW_REAL, .r = 0.1 + 0.2 },
		{ .tag = JROW_REAL, .r = 1e308 }, { .tag = JROW_REAL, .r = -INFINITY },
		{ .tag = JROW_TEXT, .p = (const uint8_t *)"a\0b\xff", .len = 4 },
		{ .tag = JROW_TEXT, .p = NULL, .len = 0 }, { .tag = JROW_BLOB, .p = NULL, .len = 0 },
		{ .tag = JROW_NULL },
	};
	struct jrow_value id = { .tag = JROW_INTEGER, .i = 1 };
	struct jseg_rec r = { .lsn = 2, .type = JFMT_TYPE_ROW };
	struct jerr e;
	char name[16];

	ck_assert_int_eq(sql(1, "CREATE TABLE x(id INTEGER PRIMARY KEY, c0, c1, c2, c3, c4, c5, "
	    "c6, c7)", &e), 0);
	jrow_builder_init(&b, 0);
	jrow_start(&b, 0, 0);
	jrow_change(&b, JROW_INSERT, "", 0, "x", 1);
	jrow_col(&b, "id", 2, &id);
	jrow_row(&b);
	jrow_col(&b, "id", 2, &id);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "c%d", i);
		jrow_col(&b, name, strlen(name), &v[i]);
	}
	ck_assert_int_eq(jrow_end(&b, &e), 0);
	r.data = b.buf;
	r.len = (uint32_t)b.len;
	ck_assert_msg(japply_record(a, &r, &e) == 0, "%s", e.msg);
	jrow_builder_free(&b);
	commit(2);
	ck_assert_str_eq(q1("SELECT c0 = -9223372036854775807 - 1 FROM x"), "1");
	ck_assert_str_eq(q1("SELECT c1 = 0.1 + 0.2 AND c1 <> 0.3 FROM x"), "1");
	ck_assert_str_eq(q1("SELECT c2 = 1e308 AND c3 = -9e999 FROM x"), "1");
	ck_assert_str_eq(q1("SELECT typeof(c4) || length(CAST(c4 AS BLOB)) || hex(c4) FROM x"),
	    "text4610062FF");
	ck_assert_str_eq(q1("SELECT typeof(c5) || length(c5) || typeof(c6) || length(c6) || "
	    "typeof(c7) FROM x"), "text0blob0null");
}
END_TEST

/* Each way a change can miss the mirror is refused (78) naming LSN, table and key; the
 * identical row inserted again is no change. */
START_TEST(divergence)
{
	struct jerr e;

	ck_assert_int_eq(sql(1, schema, &e), 0);
	ok_rows(2, "insert t id=i:1 -> id=i:1 v=t:one u=i:1");
	commit(2);
	ok_rows(3, "insert t id=i:1 -> id=i:1 v=t:one u=i:1");
	ck_assert_int_eq(rows(3, "update t id=i:9 -> id=i:9 v=t:x u=i:9", &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(e.msg, "LSN 3: table t, key (id=9): an update of a row the mirror "
	    "lacks: the mirror differs from the primary (jintegrate --repair applies it anyway)");
	ck_assert_int_eq(rows(3, "delete t id=i:9", &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "key (id=9): a delete of a row the mirror lacks"));
	ck_assert_int_eq(rows(3, "insert t id=i:1 -> id=i:1 v=t:other u=i:1", &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "key (id=1): an insert over a different row with the "
	    "same key"));
	ck_assert_int_eq(rows(3, "insert t id=i:2 -> id=i:2 v=t:two u=i:1", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "key (id=2): an insert refused by a constraint "
	    "(UNIQUE constraint failed: t.u)"));
	ck_assert_int_eq(rows(3, "insert t id=i:2 -> id=i:2 v=t:two u=i:2\n"
	    "update t id=i:2 -> id=i:1 v=t:two u=i:2", &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "key (id=2): an update refused by a constraint"));
	japply_rollback(a);
	ck_assert_str_eq(q1("SELECT group_concat(id || v || u) FROM t"), "1one1");
}
END_TEST

/* --repair applies each of them anyway, reports it, and records it with the data. */
START_TEST(repair)
{
	struct jerr e;

	japply_close(a);
	open_mirror(1);
	ck_assert_int_eq(sql(1, schema, &e), 0);
	ok_rows(2, "insert t id=i:1 -> id=i:1 v=t:one u=i:1\n"
	    "update t id=i:9 -> id=i:9 v=t:nine u=i:9\n"
	    "delete t id=i:5\n"
	    "insert t id=i:1 -> id=i:1 v=t:uno u=i:1\n"
	    "insert t id=i:2 -> id=i:2 v=t:two u=i:9");
	commit(2);
	ck_assert_int_eq(nrepaired, 4);
	ck_assert_str_eq(q1("SELECT group_concat(id || v || u) FROM (SELECT * FROM t ORDER BY id)"),
	    "1uno1,2two9");
	ck_assert_str_eq(q1("SELECT count(*) FROM jmirror_repairs WHERE lsn = 2"), "4");
	ck_assert_str_eq(q1("SELECT group_concat(operation || ' ' || \"table\" || ' ' || key, '; ') "
	    "FROM jmirror_repairs"), "update t (id=9); delete t (id=5); insert t (id=1); "
	    "insert t (id=2)");
}
END_TEST

/* The application's triggers fire for sql records, never for row records. */
START_TEST(triggers_do_not_fire)
{
	struct jerr e;

	ck_assert_int_eq(sql(1, schema, &e), 0);
	ok_rows(2, "insert t id=i:1 -> id=i:1 v=t:one u=i:1");
	ck_assert_int_eq(sql(3, "INSERT INTO t VALUES(2, 'two', 2)", &e), 0);
	ok_rows(4, "insert t id=i:3 -> id=i:3 v=t:three u=i:3");
	commit(4);
	ck_assert_str_eq(q1("SELECT group_concat(x) FROM audit"), "2");
}
END_TEST

/* Row records never reach the bookkeeping, and a damaged one is refused whole (65). */
START_TEST(refused)
{
	struct jseg_rec r = { .lsn = 2, .type = JFMT_TYPE_ROW, .data = (const uint8_t *)
	    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x09", .len = 17 };
	struct jerr e;

	ck_assert_int_eq(sql(1, schema, &e), 0);
	ck_assert_int_eq(rows(2, "delete jmirror_state id=i:1", &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(e.msg, "records may not touch the bookkeeping tables"));
	ck_assert_int_eq(rows(2, "insert JMIRROR_timeline timeline=i:9 -> timeline=i:9", &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(japply_record(a, &r, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "LSN 2: row record offset 16: unknown operation");
	ck_assert_int_eq(rows(2, "insert nosuch id=i:1 -> id=i:1", &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "no such table"));
	/* a type of jmirror's own from a newer writer is never skipped; an applier's is */
	r.type = 130;
	ck_assert_int_eq(japply_record(a, &r, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "LSN 2: record type 130 is one of jmirror's own that this version "
	    "does not know (written by a newer jmirror: upgrade this one)");
	r.type = 127;
	ck_assert_int_eq(japply_record(a, &r, &e), 0);
}
END_TEST

/* A statement change runs in its place among the rows: the cached statements follow the new
 * schema, and it is guarded like an sql record. */
START_TEST(schema_change)
{
	struct jerr e;

	ck_assert_int_eq(sql(1, schema, &e), 0);
	ok_rows(2, "insert t id=i:1 -> id=i:1 v=t:one u=i:1\n"
	    "sql ALTER TABLE t ADD COLUMN z DEFAULT 7\n"
	    "insert t id=i:2 -> id=i:2 v=t:two u=i:2\n"
	    "insert t id=i:3 -> id=i:3 v=t:three u=i:3 z=i:9\n"
	    "sql CREATE TABLE t2(k PRIMARY KEY)\n"
	    "insert t2 k=t:a -> k=t:a");
	commit(2);
	ck_assert_str_eq(q1("SELECT group_concat(id || z) FROM t"), "17,27,39");
	ck_assert_str_eq(q1("SELECT k FROM t2"), "a");
	ck_assert_int_eq(rows(3, "sql DROP TABLE jmirror_timeline", &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
}
END_TEST

Suite *
suite_apply_row(void)
{
	Suite *s = suite_create("apply_row");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, by_key);
	tcase_add_test(tc, exact_values);
	tcase_add_test(tc, divergence);
	tcase_add_test(tc, repair);
	tcase_add_test(tc, triggers_do_not_fire);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, schema_change);
	suite_add_tcase(s, tc);
	return s;
}
