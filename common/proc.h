/*
 * proc: run an operator's command, the one way every tool does it (jwatch --exec, the exec
 * applier of jintegrate): /bin/sh -c SCRIPT, with the signals of a fresh process.
 *
 *     struct jproc p = { .script = "mysql db", .in = fd, .out = 2, .env = env };
 *     pid = jproc_start(&p);              the child's pid, or -1 with errno (fork failed)
 *     jproc_wait(pid, &status);           waitpid(2) that goes on after EINTR: 0 or -1
 *
 * args are the script's $0, $1, ... (at most JPROC_ARGS of them); in and out become the
 * child's standard input and output (-1: inherited; the caller keeps its own descriptors
 * and closes them); env is NAME, VALUE, NAME, VALUE, ..., NULL, set in the child only. The
 * child starts with an empty signal mask and SIGPIPE at its default, whatever the tool
 * blocked or ignored. A child that cannot set up its descriptors or run /bin/sh exits 127,
 * as sh does for a command not found.
 *
 * Who holds a pipe, from Linux /proc (for a writer that must wait until its reader is done
 * with what it was sent; without /proc, nobody is found):
 *     jproc_holds(pid, &st)               how process pid holds the pipe st (fstat of our end):
 *                                         bit 1 reading, bit 2 writing, 0 not at all
 *     jproc_pipe_readers(&st, pids, max)  the other processes reading it (up to max), or -1
 *                                         when one of them writes it as well
 */
#ifndef JM_PROC_H
#define JM_PROC_H

#include <sys/types.h>

#define JPROC_ARGS 8

struct jproc {
	const char        *script;
	const char *const *args;        /* NULL-terminated; NULL: none */
	int                in, out;     /* -1: inherited */
	const char *const *env;         /* NULL-terminated pairs; NULL: none */
};

pid_t jproc_start(const struct jproc *p);
int   jproc_wait(pid_t pid, int *status);

struct stat;
int   jproc_holds(long pid, const struct stat *pp);
int   jproc_pipe_readers(const struct stat *pp, long *pids, int max);

#endif
