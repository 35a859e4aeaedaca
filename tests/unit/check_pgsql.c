/* pgsql: statements split where PostgreSQL splits them, their kind, the schemas they name. */
#include <string.h>

#include "pgsql.h"
#include "unit.h"

/* The statements of text, joined by '|'. */
static const char *
split(const char *text)
{
	static char out[1024];
	size_t off = 0, start, n, o = 0;

	out[0] = 0;
	while ((n = jpgsql_next(text, strlen(text), &off, &start)) > 0) {
		ck_assert_uint_lt(o + n + 2, sizeof out);
		if (o)
			out[o++] = '|';
		memcpy(out + o, text + start, n);
		o += n;
		out[o] = 0;
	}
	return out;
}

START_TEST(statements)
{
	ck_assert_str_eq(split("select 1; select 2"), "select 1|select 2");
	ck_assert_str_eq(split("  ;; select 1 ;  "), "select 1");
	ck_assert_str_eq(split(""), "");
	ck_assert_str_eq(split("insert into t values ('a;b', 'it''s;'); x"),
	    "insert into t values ('a;b', 'it''s;')|x");
	ck_assert_str_eq(split("select E'\\';' ; y"), "select E'\\';'|y");
	ck_assert_str_eq(split("select 'a\\'; z"), "select 'a\\'|z");  /* standard strings */
	ck_assert_str_eq(split("select \"a;\"\"b\" ; y"), "select \"a;\"\"b\"|y");
	ck_assert_str_eq(split("do $$ begin x; y; end $$; z"), "do $$ begin x; y; end $$|z");
	ck_assert_str_eq(split("do $f$ a $$ ; $$ b; $f$; z"), "do $f$ a $$ ; $$ b; $f$|z");
	ck_assert_str_eq(split("select $1; select a$b; c"), "select $1|select a$b|c");
	ck_assert_str_eq(split("a -- c;\n b; c"), "a -- c;\n b|c");
	ck_assert_str_eq(split("a /* x /* y; */ z; */ b; c"), "a /* x /* y; */ z; */ b|c");
	ck_assert_str_eq(split("select 'unterminated; x"), "select 'unterminated; x");
	ck_assert_str_eq(split("select $$ open; x"), "select $$ open; x");
}
END_TEST

static int
kind(const char *s)
{
	return jpgsql_kind(s, strlen(s));
}

START_TEST(kinds)
{
	ck_assert_int_eq(kind("BEGIN"), JPGSQL_TXN_START);
	ck_assert_int_eq(kind(" /* c */ begin work"), JPGSQL_TXN_START);
	ck_assert_int_eq(kind("START TRANSACTION ISOLATION LEVEL SERIALIZABLE"), JPGSQL_TXN_START);
	ck_assert_int_eq(kind("commit"), JPGSQL_TXN_END);
	ck_assert_int_eq(kind("END"), JPGSQL_TXN_END);
	ck_assert_int_eq(kind("rollback"), JPGSQL_TXN_ABORT);
	ck_assert_int_eq(kind("ROLLBACK WORK"), JPGSQL_TXN_ABORT);
	ck_assert_int_eq(kind("abort"), JPGSQL_TXN_ABORT);
	ck_assert_int_eq(kind("PREPARE TRANSACTION 'x'"), JPGSQL_TXN_ABORT);
	ck_assert_int_eq(kind("COMMIT PREPARED 'x'"), JPGSQL_TXN_ABORT);
	ck_assert_int_eq(kind("ROLLBACK PREPARED 'x'"), JPGSQL_TXN_ABORT);
	ck_assert_int_eq(kind("rollback to savepoint a"), JPGSQL_OTHER);
	ck_assert_int_eq(kind("ROLLBACK WORK TO a"), JPGSQL_OTHER);
	ck_assert_int_eq(kind("savepoint a"), JPGSQL_OTHER);
	ck_assert_int_eq(kind("PREPARE q AS SELECT 1"), JPGSQL_OTHER);
	ck_assert_int_eq(kind("-- begin\nselect 1"), JPGSQL_OTHER);
	ck_assert_int_eq(kind("beginning"), JPGSQL_OTHER);
	ck_assert_int_eq(kind("insert into begin values (1)"), JPGSQL_OTHER);
}
END_TEST

static int
names(const char *s)
{
	return jpgsql_names_schema(s, strlen(s), "jmirror");
}

START_TEST(schemas)
{
	ck_assert_int_eq(names("update jmirror.state set seq = 1"), 1);
	ck_assert_int_eq(names("update JMirror . state set seq = 1"), 1);
	ck_assert_int_eq(names("drop table \"jmirror\".state"), 1);
	ck_assert_int_eq(names("select * from x,jmirror/**/.timeline"), 1);
	ck_assert_int_eq(names("select 'jmirror.state'"), 0);
	ck_assert_int_eq(names("select \"JMIRROR\".x"), 0);     /* quoted: case counts */
	ck_assert_int_eq(names("select myjmirror.x, jmirror_x.y"), 0);
	ck_assert_int_eq(names("select jmirror from t"), 0);
	ck_assert_int_eq(names("-- jmirror.state\nselect 1"), 0);
	ck_assert_int_eq(names("select $$jmirror.state$$"), 0);
}
END_TEST

START_TEST(quotes)
{
	char out[32];
	size_t n;

	n = jpgsql_quote(out, "a\"b", 3);
	ck_assert_int_eq(n, 6);
	ck_assert(!memcmp(out, "\"a\"\"b\"", 6));
	n = jpgsql_quote(out, "", 0);
	ck_assert_int_eq(n, 2);
	ck_assert(!memcmp(out, "\"\"", 2));
	n = jpgsql_quote(out, "\"\"", 2);          /* the most it can take: 2 * n + 2 */
	ck_assert_int_eq(n, 6);
}
END_TEST

Suite *
suite_pgsql(void)
{
	Suite *s = suite_create("pgsql");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, statements);
	tcase_add_test(tc, kinds);
	tcase_add_test(tc, schemas);
	tcase_add_test(tc, quotes);
	suite_add_tcase(s, tc);
	return s;
}
