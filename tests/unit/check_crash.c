/* crash: JM_TEST_CRASH names the one step that kills the process, with SIGKILL. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crash.h"
#include "unit.h"

/* How a child that passes the given step ends: its wait status. */
static int
child_at(const char *step)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		jcrash_point(step);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(only_the_named_step)
{
	int st;

	unsetenv("JM_TEST_CRASH");
	ck_assert_int_eq(jcrash_at("link"), 0);
	st = child_at("link");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	setenv("JM_TEST_CRASH", "link", 1);
	ck_assert_int_eq(jcrash_at("link"), 1);
	ck_assert_int_eq(jcrash_at("lin"), 0);
	ck_assert_int_eq(jcrash_at("linked"), 0);
	st = child_at("rename");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = child_at("link");
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	unsetenv("JM_TEST_CRASH");
}
END_TEST

Suite *
suite_crash(void)
{
	Suite *s = suite_create("crash");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, only_the_named_step);
	suite_add_tcase(s, tc);
	return s;
}
