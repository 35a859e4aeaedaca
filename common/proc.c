/*
 * proc: fork and exec of an operator's shell command.
 *
 * - The child MUST start with an empty signal mask and SIGPIPE at its default: a tool that
 *   blocks signals for a signalfd or ignores SIGPIPE to report EPIPE itself must not pass
 *   that on to a command that expects to be killed by them.
 * - Everything the child needs MUST be prepared before fork(): after it the child only
 *   resets signals, moves descriptors, sets the environment and execs.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

static void
child(const struct jproc *p, char *const argv[])
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if ((p->in >= 0 && dup2(p->in, 0) < 0) || (p->out >= 0 && dup2(p->out, 1) < 0))
		_exit(127);
	for (const char *const *v = p->env; v && v[0] && v[1]; v += 2)
		if (setenv(v[0], v[1], 1) < 0)
			_exit(127);
	execv("/bin/sh", argv);
	_exit(127);
}

pid_t
jproc_start(const struct jproc *p)
{
	const char *argv[JPROC_ARGS + 4] = { "sh", "-c", p->script };
	size_t n = 3;
	pid_t pid;

	for (const char *const *a = p->args; a && *a; a++) {
		if (n == JPROC_ARGS + 3) {
			errno = E2BIG;
			return -1;
		}
		argv[n++] = *a;
	}
	argv[n] = NULL;
	if ((pid = fork()) == 0)
		child(p, (char *const *)argv);
	return pid;
}

int
jproc_wait(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}
