/* io and err: complete reads and writes, path helpers, the last flush, error messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "io.h"
#include "unit.h"

START_TEST(full_io)
{
	char *dir = unit_tmpdir(), p[4096], buf[100];
	static char big[300000];
	int fd, pfd[2];

	snprintf(p, sizeof p, "%s/f", dir);
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 31);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(jio_write_all(fd, big, sizeof big), 0);
	ck_assert_int_eq(jio_pwrite_all(fd, "XY", 2, 10), 0);
	ck_assert_int_eq(jio_pread_full(fd, buf, 4, 9), 4);
	ck_assert(memcmp(buf, (char[]){ big[9], 'X', 'Y', big[12] }, 4) == 0);
	ck_assert_int_eq(jio_pread_full(fd, buf, 100, sizeof big - 3), 3);   /* short only at EOF */
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(jio_read_full(fd, buf, 100), 100);
	close(fd);
	ck_assert_int_eq(jio_fsync_dir(p), 0);
	ck_assert_int_eq(jio_fsync_path(p), 0);
	ck_assert_int_eq(jio_fsync_path(dir), 0);
	errno = 0;
	ck_assert_int_eq(jio_fsync_path("/nonexistent/f"), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* a pipe delivers in pieces; read_full gathers them */
	ck_assert_int_eq(pipe(pfd), 0);
	if (fork() == 0) {
		close(pfd[0]);
		for (int i = 0; i < 10; i++) {
			if (write(pfd[1], "0123456789", 10) != 10)
				_exit(1);
			usleep(1000);
		}
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(jio_read_full(pfd[0], buf, 100), 100);
	ck_assert_int_eq(jio_read_full(pfd[0], buf, 100), 0);
	close(pfd[0]);
	wait(NULL);
	errno = 0;
	ck_assert_int_eq(jio_write_all(-1, "x", 1), -1);
	ck_assert_int_eq(errno, EBADF);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(paths)
{
	char b[64];

	ck_assert_str_eq(jio_basename("/a/b/c.journal"), "c.journal");
	ck_assert_str_eq(jio_basename("c.journal"), "c.journal");
	ck_assert_str_eq(jio_dirname("/a/b/c", b, sizeof b), "/a/b");
	ck_assert_str_eq(jio_dirname("c", b, sizeof b), ".");
	ck_assert_str_eq(jio_dirname("/c", b, sizeof b), "/");
	ck_assert_str_eq(jio_dirname("a/c", b, sizeof b), "a");
	ck_assert_int_eq(jio_pathf(b, 8, "%s/%s", "abc", "def"), 0);     /* 7 + NUL fit */
	ck_assert_str_eq(b, "abc/def");
	errno = 0;
	ck_assert_int_eq(jio_pathf(b, 7, "%s/%s", "abc", "def"), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(fshut)
{
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		return;         /* no /dev/full here */
	fputs("x", f);
	errno = 0;
	ck_assert_int_eq(jio_fshut(f), -1);
	ck_assert_int_eq(errno, ENOSPC);
	fclose(f);
	f = fopen("/dev/null", "w");
	ck_assert_ptr_nonnull(f);
	fputs("x", f);
	ck_assert_int_eq(jio_fshut(f), 0);
	fclose(f);
}
END_TEST

START_TEST(errors)
{
	struct jerr e;

	errno = ENOENT;
	ck_assert_int_eq(jerr_set(&e, EX_DATAERR, "offset %d: %s", 7, "bad"), -1);
	ck_assert_int_eq(errno, ENOENT);             /* kept */
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert_str_eq(e.msg, "offset 7: bad");
	errno = EACCES;
	ck_assert_int_eq(jerr_sys(&e, EX_NOPERM, "unable to open %s", "x"), -1);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_str_eq(e.msg, "unable to open x: Permission denied");
	ck_assert_int_eq(jerr_set(NULL, EX_IOERR, "ignored"), -1);
	ck_assert_int_eq(jerr_sys(NULL, EX_IOERR, "ignored"), -1);
	{
		char longs[2000];
		memset(longs, 'a', sizeof longs - 1);
		longs[sizeof longs - 1] = '\0';
		jerr_sys(&e, EX_IOERR, "%s", longs);     /* truncated, never overflowing */
		ck_assert_uint_eq(strlen(e.msg), sizeof e.msg - 1);
	}
	jerr_init("/usr/bin/jcat");
	ck_assert_str_eq(jerr_prog, "jcat");
	/* jmirror(7)'s table: permission 77, a read-only file system 73, else the caller's */
	ck_assert_int_eq(jerr_errno_code(EACCES, EX_IOERR), EX_NOPERM);
	ck_assert_int_eq(jerr_errno_code(EPERM, EX_IOERR), EX_NOPERM);
	ck_assert_int_eq(jerr_errno_code(EROFS, EX_IOERR), EX_CANTCREAT);
	ck_assert_int_eq(jerr_errno_code(ENOSPC, EX_IOERR), EX_IOERR);
	ck_assert_int_eq(jerr_errno_code(ENOENT, EX_CANTCREAT), EX_CANTCREAT);
}
END_TEST

Suite *
suite_io(void)
{
	Suite *s = suite_create("io");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, full_io);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, fshut);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}
