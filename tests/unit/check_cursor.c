#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "unit.h"

START_TEST(names)
{
	char buf[128];
	struct jcursor c;

	ck_assert_int_eq(jcursor_name(buf, sizeof buf, "m1", 1, 42), 0);
	ck_assert_str_eq(buf, "m1.cursor.0001-000000000042");
	ck_assert_int_eq(jcursor_parse(buf, &c), 0);
	ck_assert_str_eq(c.mirror, "m1");
	ck_assert_uint_eq(c.timeline, 1);
	ck_assert_uint_eq(c.seq, 42);
	/* a MIRROR may itself hold ".cursor." */
	ck_assert_int_eq(jcursor_parse("a.cursor.b.cursor.0002-000000000007", &c), 0);
	ck_assert_str_eq(c.mirror, "a.cursor.b");
	ck_assert_uint_eq(c.timeline, 2);
	ck_assert_int_eq(jcursor_name(buf, 10, "m1", 1, 42), -1);
	static const char *no[] = {
		"m1.cursor.1-42", "m1.cursor.0001-00000000004", "m1.cursor.0001-0000000000042",
		".cursor.0001-000000000042", ".m.cursor.0001-000000000042", "m1.cursor.0001+000000000042",
		"m/1.cursor.0001-000000000042", "m1.cursor.0001-00000000004x", "db.0001-000000000001.journal",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert_msg(jcursor_parse(no[i], &c) == -1, "%s", no[i]);
}
END_TEST

START_TEST(valid)
{
	char big[80];

	ck_assert(jcursor_valid("m1"));
	ck_assert(jcursor_valid("site-B_2.x"));
	ck_assert(!jcursor_valid(""));
	ck_assert(!jcursor_valid(".m"));
	ck_assert(!jcursor_valid("a b"));
	ck_assert(!jcursor_valid("a/b"));
	memset(big, 'm', 64);
	big[64] = 0;
	ck_assert(jcursor_valid(big));
	big[64] = 'm';
	big[65] = 0;
	ck_assert(!jcursor_valid(big));
}
END_TEST

START_TEST(covers)
{
	struct jcursor c = { "m", 2, 10, 0 };

	ck_assert(jcursor_covers(&c, 1, 9));
	ck_assert(jcursor_covers(&c, 2, 10));
	ck_assert(jcursor_covers(&c, 1, 10));      /* the old primary's, before the fork */
	ck_assert(!jcursor_covers(&c, 3, 10));
	ck_assert(!jcursor_covers(&c, 2, 11));
	c.seq = c.timeline = 0;                     /* registered, nothing fetched */
	ck_assert(!jcursor_covers(&c, 1, 1));
}
END_TEST

/* On a file:// hub: write, read back the highest, replace, and the crash-left duplicate. */
START_TEST(on_a_hub)
{
	char *dir = unit_tmpdir(), url[4200], path[4300];
	struct jerr e;
	struct jhub *h;
	struct jcursor *v;
	size_t n;

	snprintf(url, sizeof url, "file://%s/", dir);
	ck_assert_int_eq(jxfer_global_init(&e), 0);
	ck_assert_int_eq(jhub_open(url, NULL, &h, &e), 0);
	ck_assert_int_eq(jcursor_list(h, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
	ck_assert_int_eq(jcursor_write(h, "m1", 0, 0, &e), 1);
	ck_assert_int_eq(jcursor_write(h, "m1", 0, 0, &e), 0);
	ck_assert_int_eq(jcursor_write(h, "m2", 1, 5, &e), 1);
	ck_assert_int_eq(jcursor_write(h, "m1", 1, 3, &e), 1);
	snprintf(path, sizeof path, "%s/.jmirror/m1.cursor.0000-000000000000", dir);
	ck_assert_int_ne(access(path, F_OK), 0);        /* the older one is gone */
	/* a leftover older cursor (a crash between put and remove) is passed over */
	snprintf(path, sizeof path, "%s/.jmirror/m2.cursor.0001-000000000004", dir);
	ck_assert_int_eq(unit_write_file(path, "x", 1), 0);
	ck_assert_int_eq(jcursor_list(h, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].mirror, "m1");
	ck_assert_uint_eq(v[0].seq, 3);
	ck_assert_str_eq(v[1].mirror, "m2");
	ck_assert_uint_eq(v[1].seq, 5);
	ck_assert(v[1].mtime > 0);
	free(v);
	/* a different object under a cursor's name is refused, never replaced */
	snprintf(path, sizeof path, "%s/.jmirror/m3.cursor.0001-000000000001", dir);
	ck_assert_int_eq(unit_write_file(path, "other", 5), 0);
	ck_assert_int_eq(jcursor_write(h, "m3", 1, 1, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_int_eq(jcursor_write(h, "bad/name", 1, 1, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	jhub_close(h);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

Suite *
suite_cursor(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("cursor");

	tcase_add_test(tc, names);
	tcase_add_test(tc, valid);
	tcase_add_test(tc, covers);
	tcase_add_test(tc, on_a_hub);
	suite_add_tcase(s, tc);
	return s;
}
