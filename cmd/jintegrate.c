/*
 * jintegrate: apply segments to a mirror database in sequence, exactly once, and pass them on.
 *
 * Segments come as arguments, from --from DIR, or as paths on standard input as they arrive.
 * Each is held by its name until its turn (the bookkeeping in the database says which turn
 * that is) and not opened before: a file whose turn has not come cannot stop the others.
 * At its turn it is opened once, as a regular file and never through a symbolic link, and
 * that descriptor is what is checked, applied inside one transaction, committed only once
 * its trailer and digest checked out, and then printed, so that a relay ships only what was
 * applied. A file from --from or standard input that is damaged or foreign is set aside
 * into its directory's .quarantine, so that the genuine segment can arrive under its name.
 * With --remove or --archive the file goes only at a durable point after that (settle):
 * what is printed exists when printed, and nothing goes before its commit is durable.
 * With trusted keys (--trust, or those the bookkeeping holds) a segment is committed only
 * when sig.h says one of them signed it; refused, it is rolled back and set aside like a
 * damaged one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "age.h"
#include "apply.h"
#include "chain.h"
#include "clock.h"
#include "report.h"
#include "stop.h"
#include "url.h"
#include "io.h"
#include "lock.h"
#include "name.h"
#include "parse.h"
#include "proc.h"
#include "segdir.h"
#include "seg.h"
#include "sig.h"

static const char synopsis[] =
    "jintegrate --db MIRROR.db [-0v] [--identity KEY]... [--from DIR]\n"
    "                  [--archive DIR | --remove]\n"
    "                  [--until LSN|TIME] [--delay DURATION] [--exec CMD] [--no-wait] [--sync]\n"
    "                  [--repair] [--allow-nondeterministic] [--trust PUBKEY]... [SEGMENT ...]\n"
    "       jintegrate --db MIRROR.db [--exec CMD] --untrust KEY...";

struct config {
	const char *show;                /* db as messages name it: without a password */
	const char *db, *from, *archive, *exec;
	int         remove, nul, nowait, sync, verbose, tty, repair, allow_nondet;
	uint64_t    until_lsn, until_time, delay;   /* 0: none */
	struct jage_keys keys;                       /* --identity: to decrypt segments */
	struct jsig_trust trust;                    /* --trust */
	uint8_t     untrust[JSIG_MAX_TRUST][JFMT_KEYID_LEN];   /* --untrust */
	size_t      nuntrust;
};

/* Where a path came from: what may be set aside, and what a missing file means. */
enum { SRC_ARG, SRC_STDIN, SRC_DIR };

struct pend {
	char              *path;
	struct jfmt_header h;      /* until examined, only the timeline and seq its name says */
	int                live;
	int                src;      /* SRC_* */
	int                by_header; /* its name says nothing: held by the header read on arrival */
	int                fd;       /* open once examined: what is applied is what was checked */
};

enum { SEG_WHOLE, SEG_PART, SEG_UNTIL, SEG_RESTART, SEG_REFUSED };

static struct config cfg;
static char shown[4096];
static struct japply *ap;
static struct japply_state cur;      /* the bookkeeping as last read under the lock */
static int locked;
static struct pend *pend;
static size_t npend, cappend;
static uint64_t printed;             /* highest sequence printed this run */
static unsigned long nrefused;       /* files set aside this run */
static struct pend *gone;            /* applied and printed, to remove at the durable point */
static size_t ngone, capgone;
static uint64_t gone_since;          /* when the oldest of them was applied, ns */
#define GONE_MAX   256               /* a durable point at least every GONE_MAX segments */
#define GONE_AGE   5000000000u       /* ... and every 5 s while segments keep coming */
#define IDLE_MS    1000              /* ... and when input has been idle for 1 s */

static void
unlock(void)
{
	if (locked) {
		japply_release(ap);
		locked = 0;
	}
}

static void __attribute__((noreturn))
die_e(const char *path, const struct jerr *e)
{
	if (ap)
		japply_rollback(ap);
	if (path)
		jwarnx("%s: %s", path, e->msg);
	else
		jwarnx("%s", e->msg);
	exit(e->code ? e->code : EX_SOFTWARE);
}

static struct jsig_trust stored;     /* the keys the bookkeeping trusts, as last read */

/*
 * The keys to check segments with: those the mirror trusted before, those given with --trust,
 * less those given with --untrust. They go into the bookkeeping with the next commit, so that
 * a mirror that once trusted a key never takes an unsigned segment again without --untrust.
 */
static void
trust_merge(void)
{
	struct jerr e;

	stored = cur.trust;
	for (size_t i = 0; i < cfg.trust.n; i++)
		if (jsig_trust_add(&cur.trust, &cfg.trust.keys[i], &e) < 0)
			jdiex(EX_USAGE, "%s: %s (--untrust one first)", cfg.show, e.msg);
	for (size_t i = 0; i < cfg.nuntrust; i++)
		jsig_trust_remove(&cur.trust, cfg.untrust[i]);
}

/* Take the lock and read where the mirror is. */
static void
lock(void)
{
	struct jerr e;

	if (locked)
		return;
	if (japply_take(ap, cfg.nowait ? JLOCK_NOWAIT : JLOCK_WAIT, &e) < 0) {
		if (e.code == EX_TEMPFAIL)
			jdiex(EX_TEMPFAIL, "%s: busy: another integration or a backup holds its "
			    "lock", cfg.show);
		die_e(cfg.show, &e);
	}
	locked = 1;
	if (japply_refresh(ap, &e) < 0 || japply_load(ap, &cur, &e) < 0)
		die_e(cfg.show, &e);
	trust_merge();
	if (cur.present && cur.operational)
		jdiex(EX_UNAVAILABLE, "%s: the database is operational (promoted): it integrates no "
		    "more segments", cfg.show);
}

static int
pend_cmp(const struct pend *a, const struct pend *b)
{
	if (a->h.seq != b->h.seq)
		return a->h.seq < b->h.seq ? -1 : 1;
	if (a->live != b->live)
		return a->live - b->live;               /* sealed first */
	if (a->h.timeline != b->h.timeline)
		return a->h.timeline > b->h.timeline ? -1 : 1;  /* newest timeline first */
	return 0;
}

static void
pend_pop(void)
{
	if (pend[0].fd >= 0)
		close(pend[0].fd);
	free(pend[0].path);
	memmove(pend, pend + 1, (npend - 1) * sizeof *pend);
	npend--;
}

/*
 * p is refused (e): a file given as an argument stops the run as before; one that arrived
 * (--from, standard input) is set aside, said in one line, and counted for the exit status,
 * so that the segments after it are not blocked and the genuine one can arrive.
 */
static int
refuse(const struct pend *p, const struct jerr *e)
{
	char moved[4096];
	struct jerr e2;

	if (p->src == SRC_ARG || e->code != EX_DATAERR)
		die_e(p->path, e);
	if (jsegdir_set_aside(p->path, moved, sizeof moved, &e2) < 0)
		jdiex(EX_DATAERR, "%s: %s; unable to set it aside: %s", p->path, e->msg, e2.msg);
	jwarnx("%s: %s: set aside as %s", p->path, e->msg, moved);
	nrefused++;
	return SEG_REFUSED;
}

/* Was the missing file at p applied and archived or removed earlier in this run? */
static int
moved_earlier(const struct pend *p)
{
	char moved[4096];

	if (!cfg.archive && !cfg.remove)
		return 0;
	if (p->h.seq && cur.present && p->h.seq < jchain_due(&cur))
		return 1;
	return cfg.archive && snprintf(moved, sizeof moved, "%s/%s", cfg.archive,
	    jio_basename(p->path)) < (int)sizeof moved && access(moved, F_OK) == 0;
}

/* p's file could not be opened (e): drop it (said when worth saying), or stop the run. */
static void
unopenable(const struct pend *p, const struct jerr *e)
{
	if (e->code == EX_NOINPUT && (p->src == SRC_DIR || moved_earlier(p)))
		return;                 /* gone since listed, or given again after --remove */
	if (e->code == EX_NOINPUT && p->src == SRC_STDIN) {
		/* gone since it arrived (set aside by a --from run, say): if it was needed,
		 * the hole is reported; a pipeline must not stop for good on it */
		jwarnx("ignoring %s: %s", p->path, e->msg);
		return;
	}
	if (e->code != EX_DATAERR)
		die_e(p->path, e);
	if (p->src == SRC_ARG)         /* a symlink, FIFO, directory, device */
		jdiex(EX_NOINPUT, "%s: %s", p->path, e->msg);
	jwarnx("ignoring %s: %s", p->path, e->msg);
}

/* The header of the file open at fd, as the reader sees it: 0, or -1 with e. */
static int
read_header(const struct pend *p, int fd, struct jfmt_header *h, struct jerr *e)
{
	struct jseg *s;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return jerr_sys(e, EX_IOERR, "unable to seek");
	if (jseg_open_fd(fd, p->path, JSEG_AUTO, &s, e) < 0)
		return -1;
	*h = *jseg_header(s);
	jseg_close(s);
	return 0;
}

/*
 * Open p's file and check what can be checked before applying: a regular file, complete,
 * a segment's header, named as its header says (and, for a file held by its header, still
 * that header). 0 with p->fd open and p->h read; -1 when p is dropped (said, or set aside).
 */
static int
examine(struct pend *p)
{
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jname n;
	struct jerr e;
	int fd, rc = 0;

	if ((fd = jsegdir_open(p->path, 0, &e)) < 0) {
		unopenable(p, &e);
		return -1;
	}
	if (!p->live && (rc = jseg_probe_fd(fd, p->path, &h, &t, &e)) < 0) {
		close(fd);
		if (e.code != EX_DATAERR)
			die_e(p->path, &e);
		refuse(p, &e);
		return -1;
	}
	if (rc == 0 && !p->live && p->src != SRC_ARG) {
		if (cfg.verbose)        /* still arriving: its turn comes in a later run */
			jwarnx("%s: not complete yet", p->path);
		close(fd);
		return -1;
	}
	if ((rc == 0 && read_header(p, fd, &h, &e) < 0) ||
	    (jname_parse(jio_basename(p->path), &n) == JNAME_SEGMENT &&
	    jname_check(&n, h.timeline, h.seq, &e) < 0) ||
	    (p->by_header && (h.timeline != p->h.timeline || h.seq != p->h.seq) &&
	    jerr_set(&e, EX_DATAERR, "changed while it was held") < 0)) {
		close(fd);
		refuse(p, &e);
		return -1;
	}
	p->h = h;
	p->fd = fd;
	return 0;
}

/* A path arrived: hold it in sequence order, by its name if that says where it goes. */
static void
add(const char *path, int src)
{
	struct jname n;
	struct pend p = { .src = src, .fd = -1 };
	size_t i;

	if (jname_parse(jio_basename(path), &n) == JNAME_OTHER && n.bad) {
		char q[4096 * 4];
		jname_quote(path, q, sizeof q);
		if (src == SRC_ARG)
			jdiex(EX_DATAERR, "%s: the journal's NAME holds a control character",
			    q);
		jwarnx("ignoring %s: the journal's NAME holds a control character", q);
		return;
	}
	if (!(p.path = strdup(path)))
		jdie(EX_OSERR, "out of memory");
	p.live = n.kind == JNAME_LIVE;
	if (n.kind == JNAME_SEGMENT) {
		p.h.timeline = n.timeline;
		p.h.seq = n.seq;
	} else {                        /* only the header says where it goes */
		if (examine(&p) < 0) {
			free(p.path);
			return;
		}
		close(p.fd);
		p.fd = -1;
		p.by_header = 1;
	}
	if (npend == cappend) {
		cappend = cappend ? cappend * 2 : 16;
		if (!(pend = realloc(pend, cappend * sizeof *pend)))
			jdie(EX_OSERR, "out of memory");
	}
	for (i = npend; i > 0 && pend_cmp(&pend[i - 1], &p) > 0; i--)
		pend[i] = pend[i - 1];
	pend[i] = p;
	npend++;
}

/* A reader of the file examined for p, from its start. */
static void
reopen(const struct pend *p, struct jseg **s)
{
	struct jerr e;

	if (lseek(p->fd, 0, SEEK_SET) < 0)
		jdie(EX_IOERR, "%s: unable to seek", p->path);
	posix_fadvise(p->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (jseg_open_fd(p->fd, p->path, JSEG_AUTO, s, &e) < 0)
		die_e(p->path, &e);
	if (jseg_encrypted(*s) && !cfg.keys.nid) {
		jerr_set(&e, EX_NOPERM, "encrypted segment: applying it needs --identity KEY");
		die_e(p->path, &e);
	}
	jseg_decrypt(*s, &cfg.keys);
}

/* jseg_probe of the file examined for p: 1 complete, 0 not. */
static int
probe(const struct pend *p, struct jfmt_header *h, struct jfmt_trailer *t)
{
	struct jerr e;
	int rc;

	if (lseek(p->fd, 0, SEEK_SET) < 0)
		jdie(EX_IOERR, "%s: unable to seek", p->path);
	if ((rc = jseg_probe_fd(p->fd, p->path, h, t, &e)) < 0)
		die_e(p->path, &e);
	return rc;
}

/* The archive already has out: fine if it is the same segment (a run that stopped before
 * removing the original), an error otherwise. */
static void
archived_before(const char *path, const char *out)
{
	struct jfmt_header h;
	struct jfmt_trailer a, b;
	struct jerr e;

	if (jseg_verify(out, JSEG_SEALED, &h, &a, &e) == 0 &&
	    jseg_verify(path, JSEG_SEALED, &h, &b, &e) == 0 &&
	    memcmp(a.digest, b.digest, JDIGEST_LEN) == 0)
		return;
	jdiex(EX_CANTCREAT, "unable to archive %s: a different %s exists", path, out);
}

/* Another file system: copy into a temporary there, fsync, publish. Nothing is left behind
 * on failure (a full archive file system). */
static void
archive_copy(const char *path, const char *out)
{
	struct jerr e = { 0, "" };
	char tmp[4096], buf[65536];
	int in, fd, saved;
	ssize_t n;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		jdie(errno == ENOENT ? EX_NOINPUT : EX_IOERR, "unable to archive %s", path);
	if (jafile_tmpname(tmp, sizeof tmp, out) < 0 ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0)
		jdie(EX_CANTCREAT, "unable to archive %s", path);
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (jio_write_all(fd, buf, (size_t)n) < 0) {
			n = -1;
			break;
		}
	saved = errno;
	close(in);
	if (n != 0 || fsync(fd) < 0 || close(fd) < 0) {
		if (n == 0)
			saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		jdie(EX_IOERR, "unable to copy %s to %s", path, tmp);
	}
	if (jafile_publish(tmp, out, &e) < 0) {
		saved = errno;
		unlink(tmp);
		if (saved != EEXIST)
			die_e(out, &e);
		archived_before(path, out);
	}
}

/*
 * Put an applied segment into the archive beside the original (a hard link, or a copy on
 * another file system), so that the printed path exists; the new path goes into out. The
 * original is removed at the durable point, with those of --remove.
 */
static void
archive(const char *path, char *out, size_t size)
{
	if (snprintf(out, size, "%s/%s", cfg.archive, jio_basename(path)) >= (int)size)
		jdiex(EX_CANTCREAT, "unable to archive %s: name too long", path);
	if (link(path, out) == 0) {
		if (jio_fsync_dir(out) < 0)
			jdie(EX_IOERR, "unable to sync the directory of %s", out);
		return;
	}
	if (errno == EEXIST)
		archived_before(path, out);
	else if (errno == EXDEV || errno == EPERM || errno == ENOTSUP)
		archive_copy(path, out);
	else
		jdie(errno == ENOENT ? EX_NOINPUT : EX_CANTCREAT, "unable to archive %s", path);
}

/* With --remove, the paths printed to a pipe are read before they are removed. */
static void
wait_read(void)
{
	struct stat sb;
	int unread;

	if (!cfg.remove || fstat(1, &sb) < 0 || !S_ISFIFO(sb.st_mode))
		return;
	while (ioctl(1, FIONREAD, &unread) == 0 && unread > 0 && !jstop) {
		struct pollfd p = { .fd = 1, .events = 0 };
		if (poll(&p, 1, 10) > 0 && (p.revents & (POLLERR | POLLHUP)))
			return;         /* the reader is gone */
	}
}

/*
 * With --remove, at the end of a run whose paths went into a pipe: the reader (a relay such
 * as jship, which queues paths and opens them later) must be done with them before they go.
 * Close our end, so that its input ends, and wait until it let go of the pipe (it exited),
 * unless another process writes into the pipe too (then the reader would wait for it, and it
 * perhaps for us). Linux /proc tells who holds the pipe; without it, nothing is waited for.
 */
static void
wait_reader(void)
{
	struct stat pp;
	long pids[64];
	int n, fd;

	if (!cfg.remove || ngone == 0 || jstop || fstat(1, &pp) < 0 || !S_ISFIFO(pp.st_mode))
		return;
	if (fflush(stdout) != 0 || ferror(stdout))
		jdie(EX_IOERR, "write error");
	if ((n = jproc_pipe_readers(&pp, pids, 64)) <= 0)
		return;
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0 || dup2(fd, 1) < 0)
		jdie(EX_OSERR, "unable to close standard output");
	close(fd);
	while (!jstop) {
		int left = 0;
		for (int i = 0; i < n; i++)
			left += jproc_holds(pids[i], &pp) != 0;
		if (!left)
			break;
		poll(NULL, 0, 50);
	}
}

static int
same_dir(const char *a, const char *b)
{
	size_t la = (size_t)(jio_basename(a) - a), lb = (size_t)(jio_basename(b) - b);

	return la == lb && memcmp(a, b, la) == 0;
}

/*
 * The durable point: every commit so far made durable, then the segments they applied
 * removed (--remove) or their originals removed (--archive), those the bookkeeping read under
 * the lock says are applied (a restore may have replaced the database meanwhile).
 */
static void
settle(void)
{
	int had = locked;
	struct jerr e;

	if (ngone == 0)
		return;
	lock();
	if (japply_sync(ap, &e) < 0)
		die_e(cfg.show, &e);
	wait_read();
	for (size_t i = 0; i < ngone; i++) {
		uint64_t skip;
		if (jchain_place(&cur, &gone[i].h, &skip, &e) == JCHAIN_DONE &&
		    unlink(gone[i].path) < 0 && errno != ENOENT)
			jdie(EX_IOERR, "unable to remove %s", gone[i].path);
		if ((i + 1 == ngone || !same_dir(gone[i].path, gone[i + 1].path)) &&
		    jio_fsync_dir(gone[i].path) < 0)
			jdie(EX_IOERR, "unable to sync the directory of %s", gone[i].path);
		free(gone[i].path);
	}
	ngone = 0;
	if (!had)
		unlock();
}

/* Remember a segment to remove at the next durable point; reach one when due. */
static void
defer_removal(const struct pend *p)
{
	if (ngone == capgone) {
		capgone = capgone ? capgone * 2 : 16;
		if (!(gone = realloc(gone, capgone * sizeof *gone)))
			jdie(EX_OSERR, "out of memory");
	}
	gone[ngone] = *p;
	if (!(gone[ngone].path = strdup(p->path)))
		jdie(EX_OSERR, "out of memory");
	if (ngone++ == 0)
		gone_since = jclock_now();
	if (ngone >= GONE_MAX || jclock_now() - gone_since >= GONE_AGE)
		settle();
}

/*
 * Applied, or found applied: print it (once, in order; with --archive its path in the
 * archive), and with --archive or --remove let the original go at the next durable point.
 * What is printed exists when it is printed, and stays until the commit is durable.
 */
static void
done(const struct pend *p)
{
	char moved[4096];
	const char *out = p->path;

	if (p->live)
		return;                 /* a live journal is not a segment to pass on */
	if (cfg.archive) {
		archive(p->path, moved, sizeof moved);
		out = moved;
	}
	if (p->h.seq > printed) {
		printed = p->h.seq;
		fputs(out, stdout);
		putchar(cfg.nul ? '\0' : '\n');
		if (fflush(stdout) != 0 || ferror(stdout))
			jdie(EX_IOERR, "write error");
	}
	if (cfg.archive || cfg.remove)
		defer_removal(p);
}

/* Sleep until the wall clock reaches t (ns), without the lock; 0 if the state is unchanged. */
static int
wait_until(uint64_t t)
{
	struct japply_state before = cur;
	uint64_t now;

	unlock();
	while (!jstop && (now = jclock_now()) < t) {
		uint64_t d = t - now;
		struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
		if (ts.tv_sec > 1) {
			ts.tv_sec = 1;
			ts.tv_nsec = 0;
		}
		nanosleep(&ts, NULL);
	}
	if (jstop) {
		settle();
		exit(0);
	}
	lock();
	return before.seq == cur.seq && before.last_lsn == cur.last_lsn &&
	    before.sealed == cur.sealed ? 0 : 1;
}

/* When the segment being applied was first seen, and whether its clock was warned about. */
static uint64_t seen_at;
static int      seen_warned;

/*
 * When --delay lets the record with this commit time be applied: the time plus the delay,
 * saturating. A record stamped in the future (the primary's clock ahead of this one)
 * counts as committed when its segment was first seen, with one warning per segment, so
 * that a wrong clock never holds the mirror for longer than the delay without a word.
 */
static uint64_t
delay_due(uint64_t lsn, uint64_t time)
{
	uint64_t ahead = jclock_ahead(seen_at, time);
	char d[64];

	if (ahead > JCLOCK_SKEW) {
		if (!seen_warned)
			jwarnx("LSN %llu is stamped %s in the future: the clocks disagree; "
			    "--delay counts from its arrival", (unsigned long long)lsn,
			    jparse_fmt_duration(ahead, d, sizeof d));
		seen_warned = 1;
		time = seen_at;
	}
	return jclock_add(time, cfg.delay);
}

static int
until_hit(const struct jseg_rec *r)
{
	return (cfg.until_lsn && r->lsn > cfg.until_lsn) ||
	    (cfg.until_time && r->time > cfg.until_time);
}

struct plan {
	uint64_t end, end_time;       /* last record to apply, and its time */
	int      cut;                 /* --until falls inside */
};

/* A first pass that verifies the whole file before anything is changed, for appliers that
 * commit before the end (--exec, --delay), and that finds where --until stops: after the
 * last record of a group (jmirror(5)) that it does not pass, never inside one. */
static int
prepass(const struct pend *p, uint64_t skip, struct plan *pl)
{
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	int rc;

	memset(pl, 0, sizeof *pl);
	pl->end = skip;
	reopen(p, &s);
	while ((rc = jseg_next(s, &r, &e)) == 1) {
		if (r.lsn <= skip || pl->cut)
			continue;
		if (until_hit(&r)) {
			pl->cut = 1;
			continue;
		}
		if (!(r.flags & JFMT_REC_CONTINUES)) {
			pl->end = r.lsn;
			pl->end_time = r.time;
		}
	}
	if (rc == 0)
		rc = jsig_check_reader(s, &cur.trust, &e);
	jseg_close(s);
	return rc < 0 ? refuse(p, &e) : 0;
}

/* One segment being applied: where it is, and what the first pass planned. */
struct batch {
	const struct pend *p;
	const char        *base;
	uint64_t           skip, last, ltime, n, shown;
	int                exec, pre, cut;
	int                in_group;      /* the last record applied continues its group */
	struct plan        pl;
};

/* On a terminal, now and then: how far this segment is. */
static void
progress(struct batch *b)
{
	if (cfg.tty && (b->n & 8191) == 0 && jclock_now() - b->shown > 1000000000u) {
		b->shown = jclock_now();
		fprintf(stderr, "\r%s: %s: LSN %llu, %llu records", jerr_prog, b->base,
		    (unsigned long long)b->last, (unsigned long long)b->n);
	}
}

/*
 * --delay: the record at lsn is not due before due. Commit what this batch applied, wait
 * without the lock, and go on in a new batch from lsn; 1 if the mirror changed meanwhile
 * (the caller starts again from the bookkeeping).
 */
static int
pause_until(struct batch *b, uint64_t due, uint64_t lsn)
{
	struct japply_state st;
	struct jerr e;

	if (b->n > 0) {
		st = cur;
		japply_advance(&st, &b->p->h, b->base, b->last, b->ltime, NULL);
		if (japply_commit(ap, &st, &e) < 0)
			die_e(b->p->path, &e);
		cur = st;
	} else
		japply_rollback(ap);
	if (wait_until(due))
		return 1;
	b->n = 0;
	if (japply_begin(ap, b->p->path, lsn, b->pl.end, &e) < 0)
		die_e(b->p->path, &e);
	return 0;
}

/* Apply the records of s after b->skip; 0 at the end of them, or SEG_RESTART or
 * SEG_REFUSED (s closed then). */
static int
apply_records(struct batch *b, struct jseg *s)
{
	struct jseg_rec r;
	struct jerr e;
	uint64_t due;
	int rc;

	while ((rc = jseg_next(s, &r, &e)) == 1) {
		if (jstop) {
			japply_rollback(ap);
			settle();
			exit(0);
		}
		if (r.lsn <= b->skip || b->cut)
			continue;
		if (until_hit(&r) || (b->pre && r.lsn > b->pl.end)) {
			b->cut = until_hit(&r);
			if (b->pre)
				break;          /* verified already */
			continue;
		}
		if (cfg.delay && !b->exec && !b->in_group &&
		    (due = delay_due(r.lsn, r.time)) > jclock_now() && pause_until(b, due, r.lsn)) {
			jseg_close(s);
			return SEG_RESTART;
		}
		if (japply_record(ap, &r, &e) < 0) {
			japply_rollback(ap);
			jseg_close(s);
			die_e(b->p->path, &e);
		}
		b->last = r.lsn;
		b->ltime = r.time;
		b->in_group = (r.flags & JFMT_REC_CONTINUES) != 0;
		b->n++;
		progress(b);
	}
	if (b->shown)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		japply_rollback(ap);
		jseg_close(s);
		return refuse(b->p, &e);
	}
	return 0;
}

/* All records read: commit the batch, wholly applied when the trailer is reached. */
static int
finish(struct batch *b, struct jseg *s)
{
	const struct jfmt_trailer *t = jseg_trailer(s);
	struct japply_state st;
	struct jerr e;
	int rc;

	if (!b->pre && jsig_check_reader(s, &cur.trust, &e) < 0) {
		japply_rollback(ap);    /* nothing it held is committed */
		jseg_close(s);
		return refuse(b->p, &e);
	}
	if (t && t->last_lsn < b->skip) {
		japply_rollback(ap);
		jseg_close(s);
		jdiex(EX_DATAERR, "%s: ends at LSN %llu but the mirror applied up to LSN %llu of "
		    "seq %llu (from %s): they diverged", b->p->path,
		    (unsigned long long)t->last_lsn, (unsigned long long)b->skip,
		    (unsigned long long)cur.seq, cur.segment);
	}
	if (b->pre && b->pl.cut)
		b->cut = 1;
	if (!t || b->cut || (b->pre && b->pl.end < t->last_lsn))
		t = NULL;
	if (b->n == 0 && !t) {
		japply_rollback(ap);    /* nothing new */
		jseg_close(s);
		return b->cut ? SEG_UNTIL : SEG_PART;
	}
	st = cur;
	japply_advance(&st, &b->p->h, b->base, b->last, b->ltime, t);
	if (japply_commit(ap, &st, &e) < 0) {
		jseg_close(s);
		die_e(b->p->path, &e);
	}
	cur = st;
	if (cfg.verbose && b->n > 0)
		jwarnx("%s: applied %llu records, LSN %llu to %llu%s", b->p->path,
		    (unsigned long long)b->n, (unsigned long long)(b->last - b->n + 1),
		    (unsigned long long)b->last, t ? "" : " (in part)");
	else if (cfg.verbose)
		jwarnx("%s: no new records%s", b->p->path, t ? "" : " (in part)");
	rc = b->cut ? SEG_UNTIL : t ? SEG_WHOLE : SEG_PART;
	jseg_close(s);
	return rc;
}

/*
 * Apply the records of p after LSN skip. One transaction (or one run of the command) unless
 * --delay makes it wait between records; then the segment was verified whole beforehand.
 */
static int
apply(const struct pend *p, uint64_t skip)
{
	struct batch b = { .p = p, .base = jio_basename(p->path), .skip = skip, .last = skip };
	struct jseg *s;
	struct jerr e;
	int rc;

	b.exec = japply_is_exec(ap);
	b.pre = b.exec || cfg.delay || cfg.until_lsn || cfg.until_time;
	if (p->live && cur.trust.n) {
		jerr_set(&e, EX_DATAERR, "a live journal carries no signature: refused (only "
		    "signed segments are trusted)");
		return refuse(p, &e);
	}
	/* no record of a forgery runs, not even in a transaction rolled back */
	if (jsig_check_ends(p->fd, p->path, &cur.trust, &e) < 0)
		return refuse(p, &e);
	seen_at = jclock_now();
	seen_warned = 0;
	if (b.pre) {
		if (prepass(p, skip, &b.pl) == SEG_REFUSED)
			return SEG_REFUSED;
		if (b.exec && cfg.delay && b.pl.end > skip &&
		    wait_until(delay_due(b.pl.end, b.pl.end_time)))
			return SEG_RESTART;
	}
	reopen(p, &s);
	if (japply_begin(ap, p->path, skip + 1, b.pre ? b.pl.end : UINT64_MAX, &e) < 0)
		die_e(p->path, &e);
	if ((rc = apply_records(&b, s)) != 0)
		return rc;
	return finish(&b, s);
}

/* Is this sealed segment of the mirror's current sequence the one it applied? */
static int
same_as_applied(const struct pend *p)
{
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jerr e;

	if (probe(p, &h, &t) == 0)
		jerr_set(&e, EX_DATAERR, "truncated: no trailer (cut short in transit? re-ship it)");
	else if (memcmp(t.digest, cur.digest, JDIGEST_LEN) != 0)
		jerr_set(&e, EX_DATAERR, "differs from the segment the mirror applied as seq %llu "
		    "(%s)", (unsigned long long)cur.seq, cur.segment);
	else
		return 0;
	return refuse(p, &e);
}

/*
 * A sealed segment of an older timeline just before a fork: the mirror applied that
 * sequence up to the LSN before the new timeline's first one (a closing segment sealed by
 * jpromote). The old primary's own segment of that sequence goes on past the fork.
 */
static void
before_fork(const struct pend *p)
{
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jerr e;

	if (probe(p, &h, &t) == 1 && jchain_before_fork(&cur, &p->h, &t, &e))
		jdiex(EX_DATAERR, "%s: %s", p->path, e.msg);
}

/*
 * A refusal by the chain rules: a file of another lineage, or of the mirror's timeline that
 * does not chain, is damaged or foreign (refuse sets it aside when it arrived); one of
 * another timeline of this lineage is a fork, which stops the run for the operator.
 */
static int
refused_by_chain(const struct pend *p, const struct jerr *e)
{
	if (e->code == EX_DATAERR && cur.present && p->h.timeline != cur.timeline &&
	    memcmp(p->h.lineage, cur.lineage, JFMT_LINEAGE_LEN) == 0)
		die_e(p->path, e);
	return refuse(p, e);
}

/* Apply every held segment whose turn has come. 1 when --until is reached. */
static int
drain(void)
{
	while (npend > 0 && !jstop) {
		struct pend *p = &pend[0];
		uint64_t skip;
		struct jerr e;
		int v;

		lock();
		if (cfg.until_lsn && cur.present && cur.last_lsn >= cfg.until_lsn)
			return 1;
		if (p->fd < 0) {        /* not opened before its turn */
			if (p->h.seq > jchain_due(&cur))
				break;
			if (examine(p) < 0) {
				pend_pop();
				continue;
			}
		}
		v = jchain_place(&cur, &p->h, &skip, &e);
		if (v == JCHAIN_LATER)
			break;
		if (v < 0 || (v == JCHAIN_DONE && !p->live && p->h.seq == cur.seq && cur.sealed &&
		    same_as_applied(p) == SEG_REFUSED)) {
			if (v < 0)
				refused_by_chain(p, &e);
			pend_pop();
			continue;
		}
		if (v == JCHAIN_DONE) {
			if (!p->live && p->h.timeline < cur.timeline)
				before_fork(p);
			done(p);
			pend_pop();
			continue;
		}
		switch (apply(p, skip)) {
		case SEG_RESTART:
			continue;
		case SEG_UNTIL:
			return 1;
		case SEG_WHOLE:
			done(p);
			break;
		}
		pend_pop();
	}
	unlock();
	return 0;
}

static void
hole(void)
{
	char want[JNAME_MAX + 64];
	uint64_t seq = jchain_due(&cur);
	uint64_t lsn = cur.present ? cur.last_lsn + 1 : 1;
	uint32_t tl = cur.present ? cur.timeline : 1;
	struct jname n;
	const char *name = cur.present && cur.name[0] ? cur.name : NULL;

	if (!name && jname_parse(jio_basename(pend[0].path), &n) != JNAME_OTHER)
		name = n.name;
	if (!name || jname_segment(want, sizeof want, name, tl, seq, JCOMP_NONE) < 0)
		snprintf(want, sizeof want, "the segment");
	jwarnx("waiting for %s (timeline %lu or later, seq %llu, from LSN %llu): input ended "
	    "with %zu later segment%s held (seq %llu to %llu)", want, (unsigned long)tl,
	    (unsigned long long)seq, (unsigned long long)lsn, npend, npend == 1 ? "" : "s",
	    (unsigned long long)pend[0].h.seq, (unsigned long long)pend[npend - 1].h.seq);
}

/* Every complete segment in dir: listed by name, each opened only when its turn comes. */
static int
from_dir(const char *dir)
{
	struct jsegdir_ent *v;
	struct jerr e;
	size_t n;
	int reached = 0;

	if (jsegdir_list(dir, &v, &n, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	for (size_t i = 0; i < n && !jstop && !reached; i++) {
		char *path;
		if (asprintf(&path, "%s/%s", dir, v[i].base) < 0)
			jdie(EX_OSERR, "out of memory");
		add(path, SRC_DIR);
		free(path);
		reached = drain();
	}
	free(v);
	return reached;
}

/* Waiting for input: when none has come for a while, reach the durable point meanwhile. */
static void
idle(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };

	if (ngone > 0 && poll(&p, 1, IDLE_MS) == 0)
		settle();
}

static int
from_stdin(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	setvbuf(stdin, NULL, _IONBF, 0);        /* so that poll(2) on it tells when input is idle */
	while (!jstop && (idle(), n = getdelim(&line, &cap, cfg.nul ? '\0' : '\n', stdin)) >= 0) {
		if (n > 0 && line[n - 1] == (cfg.nul ? '\0' : '\n'))
			line[--n] = 0;
		if (n == 0)
			continue;
		add(line, SRC_STDIN);
		if ((rc = drain()))
			break;
	}
	if (!rc && !jstop && ferror(stdin) && errno != EINTR)
		jdie(EX_IOERR, "unable to read standard input");
	free(line);
	return rc;
}

/*
 * Under the lock, at the start: a change of the trusted keys (--trust, --untrust) goes into
 * the bookkeeping of a mirror that has some at once, in a batch of its own; an empty mirror
 * records them with its first segment.
 */
static void
record_trust(void)
{
	char id[JSIG_KEYID_HEX];
	struct jsig_trust was;
	struct jerr e;

	lock();
	was = stored;
	for (size_t i = 0; i < cfg.nuntrust; i++) {
		jsig_keyid_hex(cfg.untrust[i], id);
		if (jsig_trust_remove(&was, cfg.untrust[i]) == 0)
			jwarnx("%s: key %s was not trusted", cfg.show, id);
		else
			jwarnx("%s: key %s is no longer trusted%s", cfg.show, id, cur.trust.n ? "" :
			    ": the mirror takes unsigned segments again");
	}
	if (!cur.present || memcmp(&cur.trust, &stored, sizeof stored) == 0)
		return;         /* nothing changed (the same keys, in the same order) */
	if (japply_begin(ap, NULL, 1, 0, &e) < 0 || japply_commit(ap, &cur, &e) < 0)
		die_e(cfg.show, &e);
}

/* --repair: each divergent row change applied anyway, said as it is made (the mirror keeps
 * them in jmirror_repairs). */
static void
repaired(const char *line)
{
	jwarnx("repaired: %s", line);
}

static int
run(char **argv, int argc)
{
	struct japply_opts o = { .db = cfg.db, .exec = cfg.exec, .sync = cfg.sync,
	                         .repair = cfg.repair, .repaired = repaired,
	                         .allow_nondet = cfg.allow_nondet };
	struct jerr e;
	int reached = 0, code = 0;

	if (japply_open(&o, &ap, &e) < 0)
		die_e(cfg.show, &e);
	record_trust();
	if (cfg.nuntrust && argc == 0 && !cfg.from) {
		unlock();
		japply_close(ap);
		return 0;               /* --untrust alone: the bookkeeping only */
	}
	if (argc > 0) {
		for (int i = 0; i < argc && !reached && !jstop; i++) {
			add(argv[i], SRC_ARG);
			reached = drain();
		}
	} else if (cfg.from)
		reached = from_dir(cfg.from);
	else
		reached = from_stdin();
	unlock();
	wait_reader();
	settle();
	unlock();
	if (!reached && !jstop && npend > 0) {
		hole();
		code = EX_TEMPFAIL;
	}
	if (nrefused && !jstop)
		code = EX_DATAERR;      /* after applying what it could: cron notices */
	japply_close(ap);
	if (jio_fshut(stdout) != 0)
		jdie(EX_IOERR, "write error");
	return code;
}

/* --until: an LSN, @EPOCH[.frac], or a local date and time (UTC with a final Z). */
static void
parse_until(const char *s)
{
	struct tm tm;
	const char *fmts[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
	                       "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	double frac = 0;

	if (jparse_u64(s, &cfg.until_lsn) == 0 && cfg.until_lsn > 0)
		return;
	cfg.until_lsn = 0;
	if (s[0] == '@') {
		char *end;
		double v = strtod(s + 1, &end);
		if (end == s + 1 || *end || v < 0)
			jdiex(EX_USAGE, "--until %s: not an LSN or a time", s);
		cfg.until_time = (uint64_t)(v * 1e9);
		return;
	}
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		const char *end;
		time_t t;
		memset(&tm, 0, sizeof tm);
		if (!(end = strptime(s, fmts[i], &tm)))
			continue;
		if (*end == '.') {
			char *fe;
			frac = strtod(end, &fe);
			end = fe;
		}
		tm.tm_isdst = -1;
		if (!strcmp(end, "Z") || !strcmp(end, " UTC"))
			t = timegm(&tm);
		else if (*end == 0)
			t = mktime(&tm);
		else
			continue;
		if (t < 0)
			break;
		cfg.until_time = (uint64_t)t * 1000000000u + (uint64_t)(frac * 1e9);
		return;
	}
	jdiex(EX_USAGE, "--until %s: not an LSN or a time (YYYY-MM-DD[ HH:MM[:SS[.frac]]][Z], "
	    "@SECONDS)", s);
}

/* --untrust KEY: a key id as minisign shows it, or the public key. */
static void
untrust(const char *arg)
{
	uint8_t id[JFMT_KEYID_LEN];
	struct jsig_pub k;
	struct jerr e;

	if (cfg.nuntrust == JSIG_MAX_TRUST)
		jdiex(EX_USAGE, "--untrust: more than %d keys", JSIG_MAX_TRUST);
	if (jsig_keyid_parse(arg, id) == 0)
		;
	else if (jsig_pub_load(arg, &k, &e) == 0)
		memcpy(id, k.keyid, JFMT_KEYID_LEN);
	else
		jdiex(e.code, "--untrust: %s", e.msg);
	memcpy(cfg.untrust[cfg.nuntrust++], id, JFMT_KEYID_LEN);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "archive", required_argument, NULL, 'a' },
		{ "remove", no_argument, NULL, 'r' },
		{ "until", required_argument, NULL, 'u' },
		{ "delay", required_argument, NULL, 'D' },
		{ "exec", required_argument, NULL, 'x' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "sync", no_argument, NULL, 's' },
		{ "repair", no_argument, NULL, 'R' },
		{ "allow-nondeterministic", no_argument, NULL, 'N' },
		{ "identity", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trust", required_argument, NULL, 't' },
		{ "untrust", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct jerr e;
	int c;

	jerr_init(argv[0]);
	while ((c = getopt_long(argc, argv, "0v", lo, NULL)) != -1) {
		switch (c) {
		case 'd': cfg.db = optarg; break;
		case 'f': cfg.from = optarg; break;
		case 'a': cfg.archive = optarg; break;
		case 'r': cfg.remove = 1; break;
		case 'u': parse_until(optarg); break;
		case 'D':
			if (jparse_duration(optarg, &cfg.delay) < 0)
				jdiex(EX_USAGE, "--delay %s: not a duration", optarg);
			break;
		case 'x': cfg.exec = optarg; break;
		case 'n': cfg.nowait = 1; break;
		case 's': cfg.sync = 1; break;
		case 'R': cfg.repair = 1; break;
		case 'N': cfg.allow_nondet = 1; break;
		case 'i':
			/* an identity given but unusable stops the run before the mirror is opened */
			if (jage_identity_load(&cfg.keys, optarg, &e) < 0)
				jdiex(e.code, "--identity: %s", e.msg);
			break;
		case 'v': cfg.verbose = 1; break;
		case '0': cfg.nul = 1; break;
		case 't':
			if (jsig_trust_load(&cfg.trust, optarg, &e) < 0)
				jdiex(e.code, "--trust: %s", e.msg);
			break;
		case 'U': untrust(optarg); break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (!cfg.db)
		jusage(synopsis, EX_USAGE);
	cfg.show = jurl_redact(cfg.db, shown, sizeof shown);
	if (cfg.archive && cfg.remove)
		jdiex(EX_USAGE, "--archive and --remove exclude each other");
	if (cfg.repair && cfg.exec)
		jdiex(EX_USAGE, "--repair applies row records to a SQLite mirror: not with --exec");
	if (cfg.from && argc > 0)
		jdiex(EX_USAGE, "--from and SEGMENT arguments exclude each other");
	if (cfg.archive) {
		struct stat sb;
		if (stat(cfg.archive, &sb) < 0 || !S_ISDIR(sb.st_mode))
			jdiex(EX_NOINPUT, "--archive %s: not a directory", cfg.archive);
	}
	cfg.tty = isatty(2);

	jstop_on_signals();
	signal(SIGPIPE, SIG_IGN);
	return run(argv, argc);
}
