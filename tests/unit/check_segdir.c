#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segdir.h"
#include "unit.h"

static void
touch(const char *dir, const char *name)
{
	char p[4096];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	ck_assert_int_eq(unit_write_file(p, "x", 1), 0);
}

START_TEST(order_and_filter)
{
	char *d = unit_tmpdir(), p[4096], q[4096];
	struct jsegdir_ent *v;
	struct jerr e;
	size_t n;

	touch(d, "db.0002-000000000001.journal");
	touch(d, "db.0001-000000000010.journal");
	touch(d, "db.0001-000000000009.journal.zst");
	touch(d, "db.0001-000000000009.journal");
	touch(d, "aa.0001-000000000005.journal.gz");
	touch(d, "db.journal");                           /* live journal: not a segment */
	touch(d, ".db.0001-000000000011.journal.part");   /* temporary */
	touch(d, "db.0001-00000000001.journal");          /* too few digits */
	touch(d, "README");
	snprintf(p, sizeof p, "%s/db.0001-000000000012.journal", d);
	ck_assert_int_eq(mkdir(p, 0700), 0);              /* a directory */
	snprintf(p, sizeof p, "%s/db.0001-000000000013.journal", d);
	snprintf(q, sizeof q, "%s/db.0001-000000000010.journal", d);
	ck_assert_int_eq(symlink(q, p), 0);               /* a symlink */

	ck_assert_int_eq(jsegdir_list(d, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].base, "aa.0001-000000000005.journal.gz");
	ck_assert_str_eq(v[1].base, "db.0001-000000000009.journal");
	ck_assert_str_eq(v[2].base, "db.0001-000000000009.journal.zst");
	ck_assert_str_eq(v[3].base, "db.0001-000000000010.journal");
	ck_assert_str_eq(v[4].base, "db.0002-000000000001.journal");
	ck_assert_uint_eq(v[4].n.timeline, 2);
	ck_assert_uint_eq(v[3].n.seq, 10);
	free(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(empty_and_missing)
{
	char *d = unit_tmpdir(), p[4096];
	struct jsegdir_ent *v;
	struct jerr e;
	size_t n;

	ck_assert_int_eq(jsegdir_list(d, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
	snprintf(p, sizeof p, "%s/nope", d);
	ck_assert_int_eq(jsegdir_list(p, &v, &n, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_ptr_null(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

/* Names that break the name rule are not listed, or listed apart when asked for. */
START_TEST(bad_names)
{
	char *d = unit_tmpdir();
	struct jsegdir_ent *v;
	struct jerr e;
	size_t n;

	touch(d, "db.0001-000000000001.journal");
	touch(d, "a\nb.0001-000000000001.journal");
	touch(d, "b\x01.0001-000000000002.journal");
	ck_assert_int_eq(jsegdir_list(d, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].base, "db.0001-000000000001.journal");
	free(v);
	ck_assert_int_eq(jsegdir_list_flags(d, JSEGDIR_BAD_NAMES, &v, &n, &e), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].base, "db.0001-000000000001.journal");
	ck_assert_int_eq(v[0].n.bad, 0);
	ck_assert_str_eq(v[1].base, "a\nb.0001-000000000001.journal");
	ck_assert_int_eq(v[1].n.bad, 1);
	ck_assert_int_eq(v[1].n.kind, JNAME_OTHER);
	ck_assert_str_eq(v[2].base, "b\x01.0001-000000000002.journal");
	free(v);
	unit_rmrf(d);
	free(d);
}
END_TEST

/* Only regular files open; never through a symlink, never blocking on a FIFO. */
START_TEST(open_regular_only)
{
	char *d = unit_tmpdir(), p[4096], q[4096];
	struct jerr e;
	int fd;

	touch(d, "db.0001-000000000001.journal");
	snprintf(p, sizeof p, "%s/db.0001-000000000001.journal", d);
	ck_assert_int_ge(fd = jsegdir_open(p, 0, &e), 0);
	close(fd);
	snprintf(q, sizeof q, "%s/link", d);
	ck_assert_int_eq(symlink(p, q), 0);
	ck_assert_int_eq(jsegdir_open(q, 0, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "a symbolic link (never followed)");
	snprintf(q, sizeof q, "%s/fifo", d);
	ck_assert_int_eq(mkfifo(q, 0600), 0);
	ck_assert_int_eq(jsegdir_open(q, 0, &e), -1);          /* returns: O_NONBLOCK */
	ck_assert_str_eq(e.msg, "not a regular file");
	snprintf(q, sizeof q, "%s/dir", d);
	ck_assert_int_eq(mkdir(q, 0700), 0);
	ck_assert_int_eq(jsegdir_open(q, 0, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	snprintf(q, sizeof q, "%s/nope", d);
	ck_assert_int_eq(jsegdir_open(q, 0, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	unit_rmrf(d);
	free(d);
}
END_TEST

/* Set aside into DIR/.quarantine: never replacing, never through a symlink. */
START_TEST(set_aside)
{
	char *d = unit_tmpdir(), p[4096], q[4096], out[4096], buf[8];
	struct stat st;
	struct jerr e;
	int fd;

	snprintf(p, sizeof p, "%s/db.0001-000000000002.journal", d);
	for (int i = 0; i < 3; i++) {
		buf[0] = (char)('a' + i);
		ck_assert_int_eq(unit_write_file(p, buf, 1), 0);
		ck_assert_int_eq(jsegdir_set_aside(p, out, sizeof out, &e), 0);
		ck_assert_int_eq(access(p, F_OK), -1);
		if (i == 0)
			snprintf(q, sizeof q, "%s/.quarantine/db.0001-000000000002.journal", d);
		else
			snprintf(q, sizeof q, "%s/.quarantine/db.0001-000000000002.journal.%d", d, i);
		ck_assert_str_eq(out, q);
		ck_assert_int_ge(fd = open(q, O_RDONLY), 0);
		ck_assert_int_eq(read(fd, buf + 4, 1), 1);
		ck_assert_int_eq(buf[4], 'a' + i);                 /* each kept, none replaced */
		close(fd);
	}
	snprintf(q, sizeof q, "%s/.quarantine", d);
	ck_assert_int_eq(lstat(q, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	{
		mode_t m = umask(022);
		umask(m);
		ck_assert_int_eq(st.st_mode & 0777, 0750 & ~m);
	}
	ck_assert_int_eq(jsegdir_set_aside(p, out, sizeof out, &e), -1);   /* gone */
	unit_rmrf(d);
	free(d);
}
END_TEST

START_TEST(set_aside_no_symlink)
{
	char *d = unit_tmpdir(), *elsewhere = unit_tmpdir(), p[4096], q[4096], out[4096];
	struct jerr e;

	snprintf(q, sizeof q, "%s/.quarantine", d);
	ck_assert_int_eq(symlink(elsewhere, q), 0);
	touch(d, "db.0001-000000000002.journal");
	snprintf(p, sizeof p, "%s/db.0001-000000000002.journal", d);
	ck_assert_int_eq(jsegdir_set_aside(p, out, sizeof out, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_int_eq(access(p, F_OK), 0);                      /* left where it was */
	snprintf(q, sizeof q, "%s/db.0001-000000000002.journal", elsewhere);
	ck_assert_int_eq(access(q, F_OK), -1);
	unit_rmrf(d);
	unit_rmrf(elsewhere);
	free(d);
	free(elsewhere);
}
END_TEST

Suite *
suite_segdir(void)
{
	Suite *s = suite_create("segdir");
	TCase *t = tcase_create("segdir");

	tcase_add_test(t, order_and_filter);
	tcase_add_test(t, empty_and_missing);
	tcase_add_test(t, bad_names);
	tcase_add_test(t, open_regular_only);
	tcase_add_test(t, set_aside);
	tcase_add_test(t, set_aside_no_symlink);
	suite_add_tcase(s, t);
	return s;
}
