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

/* the classes an operator acts on differently: try later, fix the server, fix a setting */
START_TEST(classes)
{
	ck_assert_int_eq(jpg_class("40001"), EX_TEMPFAIL);      /* serialization failure */
	ck_assert_int_eq(jpg_class("08006"), EX_TEMPFAIL);      /* connection failure */
	ck_assert_int_eq(jpg_class("55006"), EX_TEMPFAIL);      /* slot in use */
	ck_assert_int_eq(jpg_class("53300"), EX_TEMPFAIL);      /* too many connections */
	ck_assert_int_eq(jpg_class("53400"), EX_CONFIG);        /* all slots in use */
	ck_assert_int_eq(jpg_class("53100"), EX_IOERR);         /* disk full */
	ck_assert_int_eq(jpg_class("58030"), EX_IOERR);         /* I/O error */
	ck_assert_int_eq(jpg_class("42501"), EX_NOPERM);
	ck_assert_int_eq(jpg_class("42P01"), EX_CONFIG);        /* undefined table */
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
	tcase_add_test(tc, classes);
	suite_add_tcase(s, tc);
	return s;
}
