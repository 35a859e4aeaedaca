/*
 * jwatch: print each complete segment that arrives in a directory, once.
 *
 * The inotify watch is set up before the directory is scanned, so that nothing arriving
 * during the scan is missed; what both see is reported once, because every report goes
 * through one "already reported" set. That set is keyed by (NAME, timeline) and holds the
 * reported sequence numbers as sorted disjoint ranges: a run of consecutive segments costs
 * one range however long it is, a burst in random order costs one range per hole until the
 * holes fill. A reported file that leaves the directory (deleted, or renamed away: set
 * aside by jintegrate, archived) is forgotten, so that a file arriving later under its name
 * is reported; memory is therefore bounded by the holes in the sequence, not by the number
 * of files ever seen.
 *
 * A file is an arrival when its name is a segment name (the name rule included: a name
 * with a newline is never printed, it would read as two paths), it is a regular file
 * (opened with jsegdir_open: no symlink followed, no FIFO blocking), and jseg_probe finds it
 * complete. An incomplete file is not remembered: the event that completes it
 * (IN_CLOSE_WRITE, or the rename or link that puts a whole file in place) brings its name
 * back. IN_Q_OVERFLOW means events were lost: the directory is scanned again, the set
 * keeps only what is still there, and nothing still there is reported twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "clock.h"
#include "report.h"
#include "io.h"
#include "name.h"
#include "parse.h"
#include "proc.h"
#include "segdir.h"
#include "seg.h"
#include "sig.h"
#include "zio.h"

#define SYNOPSIS "jwatch [-0] [--once] [--exec CMD] [--backoff DURATION] [--trust PUBKEY]... DIR"

#define WATCH_MASK (IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_DELETE | \
                    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define BACKOFF_MAX 300000000000ull     /* 5 minutes: a failing command may fail a while */

struct config {
	const char *dir;
	int         nul;
	int         once;
	const char *exec;
	uint64_t    backoff;                 /* ns before the first retry; doubles */
};

static struct jsig_trust trust;      /* --trust: only segments signed by these keys */
static unsigned long nrefused;       /* complete files refused by the trust check */

/* Reported sequence numbers of one (NAME, timeline): sorted, disjoint, non-adjacent. */
struct range {
	uint64_t lo, hi;
};

struct seen {
	struct seen  *next;
	char          name[JNAME_MAX + 1];
	uint32_t      timeline;
	struct range *r;
	size_t        n, cap;
};

struct item {
	struct item *next;
	char         path[];
};

static struct {
	const struct config *c;
	char          dir[PATH_MAX];     /* as given, without trailing slashes, for printing */
	struct seen  *seen;
	char         *script;            /* "CMD \"$@\"" for sh -c */
	struct item  *qhead, *qtail;     /* --exec: arrivals not yet done, oldest first */
	pid_t         child;
	unsigned      failures;
	uint64_t      retry_at;          /* CLOCK_MONOTONIC ns */
	int           stop;
	int           gone;              /* exit code once DIR is gone, else 0 */
	unsigned long rescans;
	int           noatime;           /* O_NOATIME while we may use it */
} w;

static void *
xrealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n)))
		jdie(EX_SOFTWARE, "out of memory");
	return p;
}

static struct seen *
seen_get(struct seen **head, const struct jname *n, int create)
{
	struct seen **pp, *s;

	for (pp = head; (s = *pp); pp = &s->next) {
		if (s->timeline == n->timeline && strcmp(s->name, n->name) == 0) {
			if (pp != head) {       /* most lookups are for the newest timeline */
				*pp = s->next;
				s->next = *head;
				*head = s;
			}
			return s;
		}
	}
	if (!create)
		return NULL;
	s = xrealloc(NULL, sizeof *s);
	memset(s, 0, sizeof *s);
	memcpy(s->name, n->name, sizeof s->name);
	s->timeline = n->timeline;
	s->next = *head;
	*head = s;
	return s;
}

static void
seen_free(struct seen *s)
{
	while (s) {
		struct seen *next = s->next;
		free(s->r);
		free(s);
		s = next;
	}
}

/* Index of the first range with lo > seq. */
static size_t
seen_find(const struct seen *s, uint64_t seq)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->r[mid].lo > seq)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int
seen_has(struct seen **head, const struct jname *n)
{
	struct seen *s = seen_get(head, n, 0);
	size_t i;

	if (!s)
		return 0;
	i = seen_find(s, n->seq);
	return i > 0 && s->r[i - 1].hi >= n->seq;
}

static void
seen_grow(struct seen *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->r = xrealloc(s->r, s->cap * sizeof *s->r);
	}
}

static void
seen_shrink(struct seen *s)
{
	if (s->cap > 16 && s->n < s->cap / 4) {     /* a burst's holes have filled */
		s->cap /= 2;
		s->r = xrealloc(s->r, s->cap * sizeof *s->r);
	}
}

static void
seen_add(struct seen **head, const struct jname *n)
{
	struct seen *s = seen_get(head, n, 1);
	uint64_t q = n->seq;
	size_t i = seen_find(s, q);
	int prev = i > 0 && s->r[i - 1].hi + 1 >= q;
	int next = i < s->n && s->r[i].lo == q + 1;

	if (prev && s->r[i - 1].hi >= q)
		return;
	if (prev && next) {
		s->r[i - 1].hi = s->r[i].hi;
		memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof *s->r);
		s->n--;
		seen_shrink(s);
	} else if (prev) {
		s->r[i - 1].hi = q;
	} else if (next) {
		s->r[i].lo = q;
	} else {
		seen_grow(s);
		memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof *s->r);
		s->r[i].lo = s->r[i].hi = q;
		s->n++;
	}
}

/* Forget a reported sequence number: its file left the directory. */
static void
seen_del(struct seen **head, const struct jname *n)
{
	struct seen *s = seen_get(head, n, 0);
	uint64_t q = n->seq;
	size_t i;

	if (!s || (i = seen_find(s, q)) == 0 || s->r[i - 1].hi < q)
		return;
	i--;
	if (s->r[i].lo == q && s->r[i].hi == q) {
		memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof *s->r);
		s->n--;
		seen_shrink(s);
	} else if (s->r[i].lo == q) {
		s->r[i].lo = q + 1;
	} else if (s->r[i].hi == q) {
		s->r[i].hi = q - 1;
	} else {                        /* split [lo, hi] into [lo, q-1] and [q+1, hi] */
		seen_grow(s);
		memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof *s->r);
		s->r[i].hi = q - 1;
		s->r[i + 1].lo = q + 1;
		s->n++;
	}
}

static void
run_next(void)
{
	struct item *it = w.qhead;
	const char *args[] = { "jwatch", it ? it->path : NULL, NULL };
	struct jproc cmd = { .script = w.script, .args = args, .in = -1, .out = -1 };
	pid_t pid;

	if (w.child > 0 || !it || w.stop || w.gone || (w.failures && jclock_mono_ns() < w.retry_at))
		return;
	if ((pid = jproc_start(&cmd)) < 0) {
		jwarn("unable to run %s %s", w.c->exec, it->path);
		w.failures++;
		w.retry_at = jclock_mono_ns() + w.c->backoff;
		return;
	}
	w.child = pid;
}

static void
child_done(int status)
{
	struct item *it = w.qhead;
	uint64_t delay;
	char why[64], d[32];

	w.child = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		w.qhead = it->next;
		if (!w.qhead)
			w.qtail = NULL;
		free(it);
		w.failures = 0;
		return;
	}
	if (WIFEXITED(status))
		snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
	delay = jbackoff_delay(w.c->backoff, w.failures, BACKOFF_MAX);
	w.failures++;
	w.retry_at = jclock_mono_ns() + delay;
	jwarnx("%s %s failed (%s): retrying in %s", w.c->exec, it->path, why,
	       jparse_fmt_duration(delay, d, sizeof d));
}

static void
reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == w.child)
			child_done(status);
}

static void
arrive(const char *base)
{
	size_t dl = strlen(w.dir), bl = strlen(base);
	int slash = dl > 0 && w.dir[dl - 1] != '/';
	struct item *it = xrealloc(NULL, sizeof *it + dl + slash + bl + 2);
	size_t len;

	memcpy(it->path, w.dir, dl);
	if (slash)
		it->path[dl] = '/';
	memcpy(it->path + dl + slash, base, bl);
	len = dl + slash + bl;
	if (!w.c->exec) {
		it->path[len] = w.c->nul ? '\0' : '\n';
		if (jio_write_all(STDOUT_FILENO, it->path, len + 1) < 0)
			jdie(EX_IOERR, "unable to write to standard output");
		free(it);
		return;
	}
	it->path[len] = '\0';
	it->next = NULL;
	if (w.qtail)
		w.qtail->next = it;
	else
		w.qhead = it;
	w.qtail = it;
	run_next();
}

/* Say (once per arrival) that a file shaped as a segment is skipped for its name. */
static void
bad_name(const char *base)
{
	char q[JNAME_MAX * 4 + 1];

	jwarnx("ignoring %s/%s: the journal's NAME holds a control character", w.dir,
	       jname_quote(base, q, sizeof q));
}

/* --trust: the complete file at fd read through, every checksum and its signature (sig.h). */
static int
signed_by_trusted(int fd, const char *path, struct jerr *e)
{
	struct jseg *s;
	struct jseg_rec r;
	int rc;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return jerr_sys(e, EX_IOERR, "unable to seek");
	if (jseg_open_fd(fd, path, JSEG_SEALED, &s, e) < 0)
		return -1;
	while ((rc = jseg_next(s, &r, e)) == 1)
		;
	if (rc == 0)
		rc = jsig_check_reader(s, &trust, e);
	jseg_close(s);
	return rc;
}

/* Report base if it is a complete segment not reported yet. loud: say why a file is foreign. */
static void
consider(const char *base, const struct jname *parsed, int loud)
{
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jname n;
	struct jerr e;
	char path[PATH_MAX];
	int fd, rc;

	if (parsed)
		n = *parsed;
	else
		jname_parse(base, &n);
	if (n.kind != JNAME_SEGMENT) {
		if (n.bad && loud)
			bad_name(base);
		return;
	}
	if (seen_has(&w.seen, &n))
		return;
	if ((size_t)snprintf(path, sizeof path, "%s%s%s", w.dir,
	                     w.dir[strlen(w.dir) - 1] == '/' ? "" : "/", base) >= sizeof path) {
		jwarnx("%s/%s: name too long", w.dir, base);
		return;
	}
	/* A symlink is not ours, a FIFO must not block us: jsegdir_open. */
	fd = jsegdir_open(path, w.noatime, &e);
	if (fd < 0 && errno == EPERM && w.noatime) {
		w.noatime = 0;          /* not the files' owner: reads will update atime */
		fd = jsegdir_open(path, 0, &e);
	}
	if (fd < 0) {
		if (e.code == EX_IOERR)
			jwarnx("unable to open %s: %s", path, e.msg);
		return;
	}
	rc = jseg_probe_fd(fd, path, &h, &t, &e);
	if (rc == 1 && trust.n && signed_by_trusted(fd, path, &e) < 0) {
		/* complete, and refused: said once, until it leaves and another arrives */
		jwarnx("ignoring %s: %s", path, e.msg);
		nrefused++;
		seen_add(&w.seen, &n);
		rc = 0;
	}
	close(fd);
	switch (rc) {
	case 1:
		seen_add(&w.seen, &n);
		arrive(base);
		break;
	case -1:
		if (loud && e.code != EX_NOINPUT)
			jwarnx("ignoring %s: %s", path, e.msg);
		break;
	}
}

/* base left the directory (deleted, renamed away): a file arriving under it is new. */
static void
left(const char *base)
{
	struct jname n;

	if (jname_parse(base, &n) == JNAME_SEGMENT)
		seen_del(&w.seen, &n);
}

/* SIGUSR1: the state, on stderr, so that an operator (and the tests) can see it stay small. */
static void
dump(void)
{
	unsigned long queued = 0;

	for (const struct item *it = w.qhead; it; it = it->next)
		queued++;
	jwarnx("%s: %lu rescans, %lu queued", w.dir, w.rescans, queued);
	for (const struct seen *s = w.seen; s; s = s->next)
		jwarnx("%s: %s.%04u: %zu ranges, first %llu-%llu, last %llu-%llu", w.dir, s->name,
		       (unsigned)s->timeline, s->n,
		       (unsigned long long)(s->n ? s->r[0].lo : 0),
		       (unsigned long long)(s->n ? s->r[0].hi : 0),
		       (unsigned long long)(s->n ? s->r[s->n - 1].lo : 0),
		       (unsigned long long)(s->n ? s->r[s->n - 1].hi : 0));
}

/*
 * Report what is in the directory and not reported yet. After lost events (rescan), the
 * set keeps only what is still there: a file that left meanwhile is forgotten, as its
 * event would have made it. Only the first scan says why it skips a file.
 */
static void
scan(int rescan)
{
	struct seen *still = NULL;
	struct jsegdir_ent *v;
	struct jerr e;
	size_t n;

	if (jsegdir_list_flags(w.dir, JSEGDIR_BAD_NAMES, &v, &n, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (rescan) {
		for (size_t i = 0; i < n; i++)
			if (!v[i].n.bad && seen_has(&w.seen, &v[i].n))
				seen_add(&still, &v[i].n);
		seen_free(w.seen);
		w.seen = still;
	}
	for (size_t i = 0; i < n; i++)
		consider(v[i].base, &v[i].n, !rescan);
	free(v);
}

/* Returns 0, or the exit code to leave with when the directory is gone. */
static int
events(int ifd)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	int rescan = 0, gone = 0;
	ssize_t len;

	/* One read per wake-up: poll is level-triggered and says when there is more. */
	if ((len = read(ifd, buf, sizeof buf)) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		jdie(EX_IOERR, "unable to read inotify events");
	}
	{
		for (char *p = buf; p < buf + len; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				rescan = 1;
			} else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT |
			                       IN_IGNORED)) {
				if (!gone)
					jwarnx("%s: directory %s", w.dir,
					       ev->mask & IN_MOVE_SELF ? "moved away" :
					       ev->mask & IN_UNMOUNT ? "unmounted" : "removed");
				gone = 1;
			} else if (ev->len > 0 && !gone && !(ev->mask & IN_ISDIR)) {
				if (ev->mask & (IN_MOVED_FROM | IN_DELETE))
					left(ev->name);
				else
					consider(ev->name, NULL, !(ev->mask & IN_CREATE));
			}
		}
	}
	if (gone)
		return EX_NOINPUT;
	if (rescan) {
		w.rescans++;
		scan(1);
	}
	return 0;
}

/* The directory as given, without trailing slashes; the --exec command as a script. */
static void
setup(const struct config *c)
{
	size_t dl;

	w.c = c;
	w.noatime = O_NOATIME;
	dl = strlen(c->dir);
	while (dl > 1 && c->dir[dl - 1] == '/')
		dl--;
	if (dl >= sizeof w.dir)
		jdiex(EX_USAGE, "%s: name too long", c->dir);
	memcpy(w.dir, c->dir, dl);
	w.dir[dl] = '\0';
	if (c->exec) {
		size_t el = strlen(c->exec);
		w.script = xrealloc(NULL, el + 8);
		memcpy(w.script, c->exec, el);
		memcpy(w.script + el, " \"$@\"", 6);
	}
}

/* The signals the loop handles arrive on a signalfd in its poll set: returns it. */
static int
signals_to_fd(void)
{
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		jdie(EX_SOFTWARE, "unable to set up signals");
	signal(SIGPIPE, SIG_IGN);       /* a closed stdout is an EPIPE we report */
	return sfd;
}

/* The inotify descriptor watching DIR (-1 with --once), after checking DIR opens. */
static int
watch(const struct config *c)
{
	int fd, ifd;

	/* No descriptor stays open on DIR: it would delay IN_DELETE_SELF until it was closed. */
	if ((fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		jdie(errno == ENOENT || errno == ENOTDIR ? EX_NOINPUT : EX_IOERR,
		     "unable to open directory %s", c->dir);
	close(fd);
	if (c->once)
		return -1;
	if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		jdie(EX_TEMPFAIL, "unable to start inotify");
	if (inotify_add_watch(ifd, c->dir, WATCH_MASK) < 0)
		jdie(errno == ENOSPC || errno == ENOMEM ? EX_TEMPFAIL :
		     errno == ENOENT || errno == ENOTDIR ? EX_NOINPUT : EX_IOERR,
		     "unable to watch %s", c->dir);
	return ifd;
}

/* How long poll may sleep: until the next --exec retry is due, or for ever. */
static int
poll_timeout(void)
{
	uint64_t now;

	if (!w.qhead || w.child != 0 || !w.failures)
		return -1;
	now = jclock_mono_ns();
	return w.retry_at <= now ? 0 : (int)((w.retry_at - now + 999999) / 1000000);
}

static void
read_signals(int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGCHLD)
			reap();
		else if (si.ssi_signo == SIGUSR1)
			dump();
		else
			w.stop = 1;
	}
}

/* Is the loop done: stopped, --once with nothing left to run, or DIR gone? */
static int
finished(const struct config *c)
{
	if (w.child != 0)
		return 0;
	return w.stop || (c->once && !w.qhead) || w.gone;
}

static int
run(const struct config *c)
{
	struct pollfd pf[3];
	struct stat st;
	int ifd, sfd, npf;

	setup(c);
	sfd = signals_to_fd();
	ifd = watch(c);
	scan(0);

	pf[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = ifd, .events = POLLIN };
	npf = c->once ? 1 : 2;
	/* A reader that went away shows as POLLERR on a pipe: leave then, not at the next
	 * arrival, so that a pipeline whose consumer failed ends and can be restarted. */
	if (!c->exec && !c->once && fstat(STDOUT_FILENO, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		pf[npf++] = (struct pollfd){ .fd = STDOUT_FILENO, .events = 0 };

	for (;;) {
		run_next();
		if (finished(c))
			break;
		if (poll(pf, (nfds_t)npf, poll_timeout()) < 0) {
			if (errno == EINTR)
				continue;
			jdie(EX_SOFTWARE, "poll");
		}
		if (pf[0].revents)
			read_signals(sfd);
		if (npf > 1 && pf[1].revents && !w.gone)
			w.gone = events(ifd);
		if (npf > 2 && pf[2].revents & (POLLERR | POLLHUP))
			jdiex(EX_IOERR, "standard output closed by its reader");
	}
	if (c->once && w.stop && c->exec && w.qhead)
		jwarnx("stopped with segments not yet handed to %s", c->exec);
	return w.gone;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "null",    no_argument,       NULL, '0' },
		{ "once",    no_argument,       NULL, 'o' },
		{ "exec",    required_argument, NULL, 'e' },
		{ "backoff", required_argument, NULL, 'b' },
		{ "trust",   required_argument, NULL, 't' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config c = { .backoff = 1000000000ull };
	struct jerr te;
	int ch, rc;

	jerr_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "0", opts, NULL)) != -1) {
		switch (ch) {
		case '0': c.nul = 1; break;
		case 'o': c.once = 1; break;
		case 'e': c.exec = optarg; break;
		case 'b':
			if (jparse_duration(optarg, &c.backoff) < 0 || c.backoff == 0)
				jdiex(EX_USAGE, "bad --backoff duration: %s", optarg);
			break;
		case 't':
			if (jsig_trust_load(&trust, optarg, &te) < 0)
				jdiex(te.code, "--trust: %s", te.msg);
			break;
		case 'h': jusage(SYNOPSIS, 0);
		case 'V': jversion();
		default: jusage(SYNOPSIS, EX_USAGE);
		}
	}
	if (argc - optind != 1)
		jusage(SYNOPSIS, EX_USAGE);
	if (c.exec && !*c.exec)
		jdiex(EX_USAGE, "--exec needs a command");
	{
		/* A bad limit would make every compressed file look incomplete, silently. */
		struct jerr e;
		uint64_t max;

		if (jzio_max_size(&max, &e) < 0)
			jdiex(EX_USAGE, "%s", e.msg);
	}
	c.dir = argv[optind];
	rc = run(&c);
	return rc == 0 && nrefused && c.once ? EX_DATAERR : rc;
}
