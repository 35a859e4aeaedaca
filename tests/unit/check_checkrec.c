#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "checkrec.h"
#include "fmt.h"
#include "unit.h"

/* The records a jcheck_take emitted, kept in order. */
struct taken {
	uint8_t *p[64];
	size_t   len[64];
	int      n;
};

static int
keep(void *arg, const void *payload, size_t len, struct jerr *e)
{
	struct taken *t = arg;

	(void)e;
	ck_assert_int_lt(t->n, 64);
	t->p[t->n] = malloc(len);
	memcpy(t->p[t->n], payload, len);
	t->len[t->n++] = len;
	return 0;
}

static void
taken_free(struct taken *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->p[i]);
	t->n = 0;
}

static void
run(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		ck_abort_msg("%s: %s", sql, msg);
}

/* Every record of t verified against db: 0, or -1 with e from the first that failed. */
static int
verify_all(sqlite3 *db, struct taken *t, struct jerr *e)
{
	for (int i = 0; i < t->n; i++)
		if (jcheck_verify(db, t->p[i], t->len[i], e) < 0)
			return -1;
	return 0;
}

static const char schema[] =
    "CREATE TABLE r(a, b);"                                     /* rowid, no key */
    "CREATE TABLE k(id TEXT PRIMARY KEY, v REAL);"              /* a rowid table with a key */
    "CREATE TABLE w(x INTEGER, y TEXT, z BLOB, PRIMARY KEY (y, x)) WITHOUT ROWID;"
    "CREATE TABLE g(a INTEGER PRIMARY KEY, b, c AS (b * 2));"   /* generated: not checked */
    "CREATE TABLE e(a INTEGER PRIMARY KEY);";                   /* empty */

static void
fill(sqlite3 *db)
{
	run(db, schema);
	run(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) "
	    "INSERT INTO r SELECT i, CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN i * 0.1 WHEN 2 THEN "
	    "'t' || i ELSE x'00ff' || i END FROM n;"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120) "
	    "INSERT INTO k SELECT 'k' || i, i / 3.0 FROM n;"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 90) "
	    "INSERT INTO w SELECT i % 7, 'y' || (i % 5), randomblob(i % 9) FROM n WHERE 1 "
	    "ON CONFLICT DO NOTHING;"
	    "INSERT INTO g(a, b) VALUES(1, 2), (5, 1e308), (9, -0.0);");
}

/* The primary and a copy: taken on one, verified on the other, every table, in chunks. */
START_TEST(take_verify)
{
	char *dir = unit_tmpdir(), p[512], m[512], sql[600];
	struct jcheck_opts o = { .chunk_rows = 16 };
	struct taken t = { 0 };
	sqlite3 *db, *mir;
	struct jerr e;

	snprintf(p, sizeof p, "%s/p.db", dir);
	snprintf(m, sizeof m, "%s/m.db", dir);
	ck_assert_int_eq(sqlite3_open(p, &db), SQLITE_OK);
	fill(db);
	ck_assert_int_eq(jcheck_take(db, NULL, 0, &o, keep, &t, &e), 0);
	ck_assert_int_eq(t.n, 1);
	snprintf(sql, sizeof sql, "VACUUM INTO '%s'", m);
	run(db, sql);
	sqlite3_close(db);
	ck_assert_int_eq(sqlite3_open(m, &mir), SQLITE_OK);
	if (verify_all(mir, &t, &e) < 0)
		ck_abort_msg("%s", e.msg);

	/* a changed value, a missing row, an extra row before, between and after: refused */
	static const struct {
		const char *sql, *says;
	} tamper[] = {
		{ "UPDATE r SET b = 'x' WHERE rowid = 40", "table r, keys > 32 and <= 48: the mirror's 16 rows differ" },
		{ "DELETE FROM r WHERE rowid = 250", "table r, keys > 240: the mirror has 9 rows, the primary 10" },
		{ "INSERT INTO r(rowid, a) VALUES(1000, 1)", "table r, keys > 240: the mirror has 11 rows" },
		{ "INSERT INTO r(rowid, a) VALUES(-5, 1)", "table r, keys <= 16: the mirror has 17 rows" },
		{ "UPDATE k SET v = v + 1e-15 WHERE id = 'k7'", "table k, keys > 'k62' and <= 'k77'" },
		{ "DELETE FROM k WHERE id = 'k7'", "table k, keys > 'k62' and <= 'k77': the mirror has 15" },
		{ "INSERT INTO w VALUES(3, 'y0x', NULL)", "table w, keys <= ('y2', 1): the mirror has 17 rows" },
		{ "DELETE FROM e; INSERT INTO e VALUES(7)", "table e, all keys: the mirror has 1 rows, the primary 0" },
		{ "UPDATE g SET b = 1e307 WHERE a = 5", "table g, all keys: the mirror's 3 rows differ" },
		{ "DROP TABLE g", "table g, all keys: the mirror cannot be checked: no such table" },
	};
	for (size_t i = 0; i < sizeof tamper / sizeof tamper[0]; i++) {
		run(mir, "SAVEPOINT s");
		run(mir, tamper[i].sql);
		ck_assert_int_eq(verify_all(mir, &t, &e), -1);
		ck_assert_msg(e.code == JCHECK_EMISMATCH, "%s: %d %s", tamper[i].sql, e.code, e.msg);
		ck_assert_msg(strstr(e.msg, tamper[i].says) != NULL, "%s: %s", tamper[i].sql, e.msg);
		run(mir, "ROLLBACK TO s; RELEASE s");
		if (verify_all(mir, &t, &e) < 0)
			ck_abort_msg("after %s: %s", tamper[i].sql, e.msg);
	}
	sqlite3_close(mir);
	taken_free(&t);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

/* A record limit that holds a few chunks: the pass is several records, each verifiable. */
START_TEST(split)
{
	struct jcheck_opts o = { .chunk_rows = 10, .limit = 400 };
	struct taken t = { 0 };
	struct jcheck_reader rd;
	struct jcheck_table tb;
	struct jcheck_chunk c;
	uint64_t rows = 0;
	sqlite3 *db;
	struct jerr e;
	const char *only[] = { "r", "k" };

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	fill(db);
	ck_assert_int_eq(jcheck_take(db, only, 2, &o, keep, &t, &e), 0);
	ck_assert_int_gt(t.n, 4);
	for (int i = 0; i < t.n; i++) {
		ck_assert_uint_le(t.len[i], 400);
		ck_assert_int_eq(jcheck_open(&rd, t.p[i], t.len[i], &e), 0);
		while (jcheck_next_table(&rd, &tb))
			while (jcheck_next_chunk(&rd, &c))
				rows += c.rows;
	}
	ck_assert_uint_eq(rows, 250 + 120);
	ck_assert_int_eq(verify_all(db, &t, &e), 0);
	taken_free(&t);

	/* a key larger than a record cannot be checked: said, not cut */
	run(db, "CREATE TABLE big(k TEXT PRIMARY KEY); INSERT INTO big VALUES(printf('%.500c', 'x'));"
	    "INSERT INTO big VALUES(printf('%.501c', 'x'))");
	only[0] = "big";
	o.chunk_rows = 1;
	ck_assert_int_eq(jcheck_take(db, only, 1, &o, keep, &t, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	taken_free(&t);
	sqlite3_close(db);
}
END_TEST

/* Every truncation and every one-byte change of a record is refused or reads safely. */
START_TEST(damaged)
{
	struct jcheck_opts o = { .chunk_rows = 50 };
	struct taken t = { 0 };
	struct jcheck_reader rd;
	struct jcheck_table tb;
	struct jcheck_chunk c;
	sqlite3 *db;
	struct jerr e;
	uint8_t *p;
	size_t len;

	ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	fill(db);
	ck_assert_int_eq(jcheck_take(db, NULL, 0, &o, keep, &t, &e), 0);
	len = t.len[0];
	for (size_t n = 0; n < len; n++) {
		p = malloc(n ? n : 1);
		memcpy(p, t.p[0], n);
		ck_assert_int_eq(jcheck_open(&rd, p, n, &e), -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		free(p);
	}
	p = malloc(len);
	for (size_t i = 0; i < len; i++) {
		memcpy(p, t.p[0], len);
		p[i] ^= 0x41;
		if (jcheck_open(&rd, p, len, &e) < 0)
			continue;
		while (jcheck_next_table(&rd, &tb))
			while (jcheck_next_chunk(&rd, &c))
				ck_assert_ptr_nonnull(c.digest);
		jcheck_verify(db, p, len, &e);  /* a mismatch or a pass: never a crash */
	}
	free(p);
	p = t.p[0];
	p[0] = 1;                       /* the reserved flags */
	ck_assert_int_eq(jcheck_verify(db, p, len, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	taken_free(&t);
	sqlite3_close(db);
}
END_TEST

Suite *
suite_checkrec(void)
{
	Suite *s = suite_create("checkrec");
	TCase *tc = tcase_create("checkrec");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, take_verify);
	tcase_add_test(tc, split);
	tcase_add_test(tc, damaged);
	suite_add_tcase(s, tc);
	return s;
}
