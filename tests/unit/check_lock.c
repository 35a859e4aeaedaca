/* lock: flock on dot files; NOWAIT sees a lock held by another process. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"
#include "unit.h"

static char *dir;
static void setup(void) { dir = unit_tmpdir(); }
static void teardown(void) { unit_rmrf(dir); free(dir); }

/* A child takes the lock, says so through a pipe, and holds it until killed or told. */
static pid_t
holder(const char *p, int *done_w)
{
	int ready[2], done[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(done), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct jerr e;
		close(ready[0]);
		close(done[1]);
		if (jlock_acquire(p, JLOCK_WAIT, &e) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		if (read(done[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*done_w = done[1];
	return pid;
}

START_TEST(nowait_busy)
{
	char p[4096];
	struct jerr e;
	int fd, done, st;
	pid_t pid;

	snprintf(p, sizeof p, "%s/.db.journal.lock", dir);
	pid = holder(p, &done);
	errno = 0;
	ck_assert_int_eq(jlock_acquire(p, JLOCK_NOWAIT, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	close(done);                                  /* the holder exits: lock released */
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fd = jlock_acquire(p, JLOCK_NOWAIT, &e);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(jlock_take(fd, JLOCK_NOWAIT, &e), 0);  /* again on the same fd: no-op */
	jlock_drop(fd);
	jlock_close(fd);
}
END_TEST

/* SIGKILL of the holder never leaves a stale lock. */
START_TEST(killed_holder)
{
	char p[4096];
	struct jerr e;
	int fd, done;
	pid_t pid;

	snprintf(p, sizeof p, "%s/.lock", dir);
	pid = holder(p, &done);
	ck_assert_int_eq(jlock_acquire(p, JLOCK_NOWAIT, &e), -1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(done);
	fd = jlock_acquire(p, JLOCK_WAIT, &e);
	ck_assert_int_ge(fd, 0);
	jlock_close(fd);
}
END_TEST

/* WAIT blocks until the holder lets go. */
START_TEST(wait_blocks)
{
	char p[4096];
	struct jerr e;
	int fd, done;
	pid_t pid, waiter;
	int st;

	snprintf(p, sizeof p, "%s/.lock", dir);
	pid = holder(p, &done);
	waiter = fork();
	ck_assert_int_ge(waiter, 0);
	if (waiter == 0) {
		int f;
		close(done);    /* or the holder would wait for us to close it */
		f = jlock_acquire(p, JLOCK_WAIT, &e);
		_exit(f >= 0 ? 0 : 1);
	}
	usleep(100000);
	ck_assert_int_eq(waitpid(waiter, &st, WNOHANG), 0);   /* still waiting */
	close(done);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(waitpid(waiter, &st, 0), waiter);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(p, sizeof p, "%s/nodir/.lock", dir);
	fd = jlock_open(p, &e);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(e.code, EX_CANTCREAT);
}
END_TEST

Suite *
suite_lock(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nowait_busy);
	tcase_add_test(tc, killed_holder);
	tcase_add_test(tc, wait_blocks);
	suite_add_tcase(s, tc);
	return s;
}
