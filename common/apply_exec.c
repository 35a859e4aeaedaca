/*
 * apply_exec: the exec applier (apply_ops.h). Each batch pipes the payloads of its records
 * to a command run by /bin/sh -c, with JM_SEGMENT, JM_FIRST_LSN and JM_LAST_LSN set; the
 * bookkeeping is a text file DIR/.BASE.state (jname_aux(db, "state")) in apply_state's text
 * form, replaced atomically.
 *
 * Invariants:
 * - The state file MUST be replaced only after the command exited 0 having read every
 *   record, so that a crash repeats a batch rather than losing one (at least once).
 * - An sql record MUST reach the command as one statement: a ';' is added when it does not
 *   end with one, so that two records never run together.
 * - A rolled-back batch MUST leave no command running: it is sent SIGTERM and waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "afile.h"
#include "apply_ops.h"
#include "io.h"
#include "name.h"
#include "proc.h"

#define EXEC_BUF (64 * 1024)

struct exec_applier {
	struct japply base;
	const char   *exec;
	char          statepath[4096];
	pid_t         pid;
	int           fd;
	uint8_t      *obuf;
	size_t        olen;
	uint64_t      first, last;
};

static struct exec_applier *
X(struct japply *a)
{
	return (struct exec_applier *)a;
}

static int
exec_flush(struct exec_applier *a, struct jerr *e)
{
	if (a->olen && jio_write_all(a->fd, a->obuf, a->olen) < 0) {
		a->olen = 0;
		return jerr_sys(e, JAPPLY_EAPPLY, "unable to write to the command");
	}
	a->olen = 0;
	return 0;
}

static int
exec_put(struct exec_applier *a, const void *p, size_t n, struct jerr *e)
{
	if (a->olen + n > EXEC_BUF && exec_flush(a, e) < 0)
		return -1;
	if (n > EXEC_BUF) {
		if (jio_write_all(a->fd, p, n) < 0)
			return jerr_sys(e, JAPPLY_EAPPLY, "unable to write to the command");
		return 0;
	}
	memcpy(a->obuf + a->olen, p, n);
	a->olen += n;
	return 0;
}

static int
exec_begin(struct exec_applier *a, const char *seg, struct jerr *e)
{
	int p[2];
	char b1[24], b2[24];
	const char *env[] = { "JM_SEGMENT", seg, "JM_FIRST_LSN", b1, "JM_LAST_LSN", b2, NULL };
	struct jproc cmd = { .script = a->exec, .out = 2, .env = env };

	if (pipe2(p, O_CLOEXEC) < 0)
		return jerr_sys(e, EX_OSERR, "pipe");
	snprintf(b1, sizeof b1, "%llu", (unsigned long long)a->first);
	snprintf(b2, sizeof b2, "%llu", (unsigned long long)a->last);
	cmd.in = p[0];
	if ((a->pid = jproc_start(&cmd)) < 0) {
		close(p[0]);
		close(p[1]);
		return jerr_sys(e, EX_OSERR, "fork");
	}
	close(p[0]);
	a->fd = p[1];
	a->olen = 0;
	return 0;
}

static int
exec_wait(struct exec_applier *a, struct jerr *e)
{
	int status, rc;

	if (a->fd >= 0) {
		rc = exec_flush(a, e);
		close(a->fd);
		a->fd = -1;
	} else
		rc = 0;
	if (jproc_wait(a->pid, &status) < 0)
		return jerr_sys(e, EX_OSERR, "waitpid");
	a->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (rc < 0)     /* it exited 0 without reading all: not applied */
			return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu-%llu: the command exited before "
			    "reading all records", (unsigned long long)a->first,
			    (unsigned long long)a->last);
		return 0;
	}
	if (WIFEXITED(status))
		return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu-%llu: the command failed (exit %d)",
		    (unsigned long long)a->first, (unsigned long long)a->last,
		    WEXITSTATUS(status));
	return jerr_set(e, JAPPLY_EAPPLY, "LSN %llu-%llu: the command was killed by signal %d",
	    (unsigned long long)a->first, (unsigned long long)a->last, WTERMSIG(status));
}

static int
exec_load(struct exec_applier *a, struct japply_state *st, struct jerr *e)
{
	char buf[8192];
	struct jerr e2;
	ssize_t n = jafile_read(a->statepath, buf, sizeof buf, &e2);

	if (n < 0) {
		memset(st, 0, sizeof *st);
		if (errno == ENOENT)
			return 0;
		return jerr_sys(e, EX_IOERR, "unable to read %.400s", a->statepath);
	}
	if (japply_state_parse(buf, (size_t)n, st, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e->msg);
		return jerr_set(e, EX_DATAERR, "%.300s: %.200s", a->statepath, why);
	}
	return 0;
}

static int
x_open(const struct japply_opts *o, struct japply **ap, struct jerr *e)
{
	struct exec_applier *a = calloc(1, sizeof *a);

	*ap = NULL;
	if (!a)
		return jerr_sys(e, EX_OSERR, "out of memory");
	a->base.ops = &japply_exec_ops;
	a->exec = o->exec;
	a->fd = -1;
	if (jname_aux(a->statepath, sizeof a->statepath, o->db, "state") < 0 ||
	    !(a->obuf = malloc(EXEC_BUF))) {
		jerr_sys(e, EX_CANTCREAT, "%s", o->db);
		free(a);
		return -1;
	}
	*ap = &a->base;
	return 0;
}

static int
x_load(struct japply *a, struct japply_state *st, struct jerr *e)
{
	return exec_load(X(a), st, e);
}

static int
x_begin(struct japply *ap, const char *seg, uint64_t first, uint64_t last, struct jerr *e)
{
	struct exec_applier *a = X(ap);

	a->first = first;
	a->last = last;
	return first <= last ? exec_begin(a, seg, e) : 0;
}

static int
x_record(struct japply *ap, const struct jseg_rec *r, struct jerr *e)
{
	struct exec_applier *a = X(ap);

	if (a->pid <= 0)
		return jerr_set(e, EX_SOFTWARE, "LSN %llu: record outside a batch",
		    (unsigned long long)r->lsn);
	if (exec_put(a, r->data, r->len, e) < 0)
		return -1;
	if (r->type == JFMT_TYPE_SQL) {
		size_t n = r->len;
		while (n > 0 && (r->data[n - 1] == ' ' || r->data[n - 1] == '\t' ||
		    r->data[n - 1] == '\n' || r->data[n - 1] == '\r'))
			n--;
		if (n > 0 && r->data[n - 1] == ';')
			return exec_put(a, "\n", 1, e);
		return exec_put(a, "\n;\n", 3, e);
	}
	return 0;
}

static int
x_commit(struct japply *ap, const struct japply_state *st, struct jerr *e)
{
	struct exec_applier *a = X(ap);
	char buf[8192];
	int n;

	if (a->pid > 0 && exec_wait(a, e) < 0)
		return -1;
	if ((n = japply_state_format(st, buf, sizeof buf)) < 0)
		return jerr_set(e, EX_SOFTWARE, "state too large");
	return jafile_write(a->statepath, buf, (size_t)n, 0640, e);
}

static void
x_rollback(struct japply *ap)
{
	struct exec_applier *a = X(ap);
	int saved = errno;

	if (a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	if (a->pid > 0) {
		kill(a->pid, SIGTERM);
		jproc_wait(a->pid, NULL);
		a->pid = 0;
	}
	errno = saved;
}

static void
x_close(struct japply *ap)
{
	struct exec_applier *a = X(ap);

	x_rollback(ap);
	free(a->obuf);
	free(a);
}

static int
x_read(const char *db, struct japply_state *st, struct jerr *e)
{
	struct exec_applier a = { .fd = -1 };

	if (jname_aux(a.statepath, sizeof a.statepath, db, "state") < 0)
		return jerr_sys(e, EX_USAGE, "%s", db);
	if (access(a.statepath, F_OK) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s", a.statepath);
	return exec_load(&a, st, e);
}

/* The state file is durable once written (jafile_write), so there is no sync; and a
 * command keeps no role. */
const struct japply_ops japply_exec_ops = {
	.name = "exec",
	.open = x_open,
	.load = x_load,
	.begin = x_begin,
	.record = x_record,
	.commit = x_commit,
	.rollback = x_rollback,
	.close = x_close,
	.read = x_read,
};
