/* afile: atomic replacement and no-replace publication. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "unit.h"

static char *dir;
static void setup(void) { dir = unit_tmpdir(); }
static void teardown(void) { unit_rmrf(dir); free(dir); }

static int
entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

START_TEST(write_replace)
{
	char p[4096], buf[64];
	struct jerr e;
	struct stat st;
	ssize_t n;

	snprintf(p, sizeof p, "%s/state", dir);
	ck_assert_int_eq(jafile_write(p, "one", 3, 0600, &e), 0);
	ck_assert_int_eq(jafile_write(p, "second", 6, 0640, &e), 0);
	n = jafile_read(p, buf, sizeof buf, &e);
	ck_assert_int_eq(n, 6);
	ck_assert(memcmp(buf, "second", 6) == 0);
	ck_assert_int_eq(entries(), 1);          /* no temporary left */
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640 & ~(mode_t)umask(022));
	ck_assert_int_eq(jafile_write(p, "", 0, 0600, &e), 0);
	ck_assert_int_eq(jafile_read(p, buf, sizeof buf, &e), 0);
	/* a leftover temporary of a crashed writer is overwritten */
	ck_assert_int_eq(jafile_tmpname(buf, sizeof buf, p) == 0 ? 0 : -1, 0);
	{
		char tmp[4096];
		ck_assert_int_eq(jafile_tmpname(tmp, sizeof tmp, p), 0);
		ck_assert_ptr_nonnull(strstr(tmp, "/.state.tmp."));
		ck_assert_int_eq(unit_write_file(tmp, "junk", 4), 0);
		ck_assert_int_eq(jafile_write(p, "x", 1, 0600, &e), 0);
		ck_assert_int_eq(access(tmp, F_OK), -1);
	}
	ck_assert_int_eq(entries(), 1);
	snprintf(p, sizeof p, "%s/missing", dir);
	ck_assert_int_eq(jafile_read(p, buf, sizeof buf, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	snprintf(p, sizeof p, "%s/nodir/state", dir);
	ck_assert_int_eq(jafile_write(p, "x", 1, 0600, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
}
END_TEST

START_TEST(publish)
{
	char tmp[4096], p[4096], buf[16];
	struct jerr e;

	snprintf(tmp, sizeof tmp, "%s/.seg.part", dir);
	snprintf(p, sizeof p, "%s/seg", dir);
	ck_assert_int_eq(unit_write_file(tmp, "A", 1), 0);
	ck_assert_int_eq(jafile_publish(tmp, p, &e), 0);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_int_eq(unit_write_file(tmp, "B", 1), 0);
	ck_assert_int_eq(jafile_publish(tmp, p, &e), -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(jafile_read(p, buf, sizeof buf, &e), 1);
	ck_assert_int_eq(buf[0], 'A');               /* not replaced */
	ck_assert_int_eq(access(tmp, F_OK), 0);      /* the caller decides about tmp */
	unlink(tmp);
	ck_assert_int_eq(jafile_publish(tmp, p, &e), -1);
	ck_assert_int_ne(e.code, 0);
}
END_TEST

Suite *
suite_afile(void)
{
	Suite *s = suite_create("afile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_replace);
	tcase_add_test(tc, publish);
	suite_add_tcase(s, tc);
	return s;
}
