/*
 * proc: fork and exec of an operator's shell command.
 *
 * - The child MUST start with an empty signal mask and SIGPIPE at its default: a tool that
 *   blocks signals for a signalfd or ignores SIGPIPE to report EPIPE itself must not pass
 *   that on to a command that expects to be killed by them.
 * - Everything the child needs MUST be prepared before fork(): after it the child only
 *   resets signals, moves descriptors, sets the environment and execs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

/* The access mode of file descriptor fd of process pid (from /proc), or -1. */
static int
fd_mode(long pid, const char *fd)
{
	char path[320], buf[256];
	unsigned long flags;
	const char *f;
	ssize_t n;
	int in;

	snprintf(path, sizeof path, "/proc/%ld/fdinfo/%s", pid, fd);
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(in, buf, sizeof buf - 1);
	close(in);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (!(f = strstr(buf, "flags:")) || sscanf(f + 6, "%lo", &flags) != 1)
		return -1;
	return (int)(flags & O_ACCMODE);
}

/* How process pid holds the pipe pp: bit 1 reading, bit 2 writing, 0 not at all. */
int
jproc_holds(long pid, const struct stat *pp)
{
	char path[320];
	struct dirent *f;
	struct stat sb;
	DIR *fds;
	int how = 0, m;

	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	if (!(fds = opendir(path)))
		return 0;
	while ((f = readdir(fds))) {
		if (f->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%ld/fd/%s", pid, f->d_name);
		if (stat(path, &sb) < 0 || sb.st_dev != pp->st_dev || sb.st_ino != pp->st_ino)
			continue;
		if ((m = fd_mode(pid, f->d_name)) == O_RDONLY || m == O_RDWR)
			how |= 1;
		if (m == O_WRONLY || m == O_RDWR)
			how |= 2;
	}
	closedir(fds);
	return how;
}

/* The other processes reading the pipe pp (up to max); -1 if one writes it as well. */
int
jproc_pipe_readers(const struct stat *pp, long *pids, int max)
{
	struct dirent *d;
	DIR *proc = opendir("/proc");
	int n = 0, how;

	if (!proc)
		return 0;
	while ((d = readdir(proc))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid())
			continue;
		how = jproc_holds(pid, pp);
		if (how & 2) {
			n = -1;
			break;
		}
		if (how && n < max)
			pids[n++] = pid;
	}
	closedir(proc);
	return n;
}
