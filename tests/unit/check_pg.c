/* pg: the class of a failure by SQLSTATE, the first line of a message, and a password in a
 * URL refused before anything connects. */
#include <string.h>

#include "pg.h"
#include "unit.h"

START_TEST(first_line)
{
	char b[16];

	ck_assert_str_eq(jpg_line("ERROR:  boom\nDETAIL: more\n", b, sizeof b), "ERROR:  boom");
	ck_assert_str_eq(jpg_line(NULL, b, sizeof b), "");
	ck_assert_str_eq(jpg_line("a very long first line indeed", b, sizeof b), "a very long fir");
}
END_TEST

START_TEST(no_password_in_url)
{
	struct jerr e;
	PGconn *c = (PGconn *)&e;

	ck_assert_int_eq(jpg_connect("postgresql://u:secret@127.0.0.1:1/db", "the db", NULL, 0,
	    &c, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_ptr_null(c);
	ck_assert(strstr(e.msg, "~/.pgpass") != NULL);
	ck_assert(strstr(e.msg, "secret") == NULL);
	ck_assert_int_eq(jpg_connect("postgresql://[", "the db", NULL, 0, &c, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
}
END_TEST

START_TEST(no_result_is_transient)
{
	ck_assert_int_eq(jpg_code(NULL), EX_TEMPFAIL);
}
END_TEST

Suite *
suite_pg(void)
{
	Suite *s = suite_create("pg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, first_line);
	tcase_add_test(tc, no_password_in_url);
	tcase_add_test(tc, no_result_is_transient);
	suite_add_tcase(s, tc);
	return s;
}
