/* proc: the script gets its arguments, descriptors and environment, and fresh signals. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "unit.h"

/* Run p with its stdout on a pipe; return the wait status and what it printed in out. */
static int
run(struct jproc *p, char *out, size_t size)
{
	int fd[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	p->out = fd[1];
	pid = jproc_start(p);
	ck_assert_int_gt(pid, 0);
	close(fd[1]);
	while ((n = read(fd[0], out + got, size - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(fd[0]);
	ck_assert_int_eq(jproc_wait(pid, &status), 0);
	return status;
}

START_TEST(args_env_and_stdin)
{
	const char *args[] = { "zero", "one two", NULL };
	const char *env[] = { "JM_A", "a=1", "JM_B", "", NULL };
	struct jproc p = { .script = "printf '%s|%s|%s|%s|' \"$0\" \"$1\" \"$JM_A\" \"${JM_B-unset}\"; cat",
	                   .args = args, .env = env };
	char out[256];
	int in[2], st;

	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(write(in[1], "fed", 3), 3);
	close(in[1]);
	p.in = in[0];
	st = run(&p, out, sizeof out);
	close(in[0]);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_str_eq(out, "zero|one two|a=1||fed");
	ck_assert_ptr_null(getenv("JM_A"));             /* set in the child only */
}
END_TEST

START_TEST(exit_status_passed_on)
{
	struct jproc p = { .script = "exit 3", .in = -1 };
	char out[16];
	int st = run(&p, out, sizeof out);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
}
END_TEST

START_TEST(fresh_signals)
{
	struct jproc p = { .script = "kill -USR1 $$; exit 0", .in = -1 };
	sigset_t usr1, old;
	char out[16];
	int st;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	signal(SIGPIPE, SIG_IGN);
	st = run(&p, out, sizeof out);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);      /* not blocked in the child */
	p.script = "kill -PIPE $$; exit 0";
	st = run(&p, out, sizeof out);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);      /* not ignored in the child */
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
}
END_TEST

START_TEST(too_many_args)
{
	const char *args[JPROC_ARGS + 2];
	struct jproc p = { .script = "true", .args = args, .in = -1, .out = -1 };
	pid_t pid;
	int st;

	for (int i = 0; i < JPROC_ARGS + 1; i++)
		args[i] = "x";
	args[JPROC_ARGS + 1] = NULL;
	ck_assert_int_eq(jproc_start(&p), -1);
	ck_assert_int_eq(errno, E2BIG);
	args[JPROC_ARGS] = NULL;
	pid = jproc_start(&p);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(jproc_wait(pid, &st), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
END_TEST

Suite *
suite_proc(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, args_env_and_stdin);
	tcase_add_test(tc, exit_status_passed_on);
	tcase_add_test(tc, fresh_signals);
	tcase_add_test(tc, too_many_args);
	suite_add_tcase(s, tc);
	return s;
}
