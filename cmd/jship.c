/*
 * jship: send sealed segments to one or more destinations, each published atomically, and
 * remember per destination what it acknowledged (man/jship.1).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "err.h"
#include "io.h"
#include "lock.h"
#include "name.h"
#include "parse.h"
#include "scan.h"
#include "seg.h"
#include "shipq.h"
#include "xfer.h"
#include "zio.h"

static const char synopsis[] =
    "jship [-0qv] [--compress METHOD[:LEVEL]] [--retries N] [--retry-max-time DURATION]\n"
    "             [--connect-timeout DURATION] [--stall-time DURATION] [--netrc-file FILE]\n"
    "             [--key FILE] [--known-hosts FILE] [--cacert FILE] [--limit-rate SIZE]\n"
    "             --to URL [--to URL]... [FILE...]\n"
    "       jship [options] --from DIR [--prune] [--keep N] [--keep-for DURATION] --to URL...";

#define MAXDEST 32

struct dest {
	struct jxfer *x;
	const char   *url;            /* as given (may carry a user name, never a password) */
	int           dead;           /* failed this run: later segments wait for the next run */
	int           code;           /* worst exit code for this destination */
	/* --from mode */
	const char   *dir;
	const char   *name;
	struct jscan_ent *segs;
	size_t        nsegs;
	signed char  *checked;        /* shared by all destinations: 1 valid, -1 not, 0 unknown */
	char         *sent;           /* per segment: sent (or found) by this destination */
	/* FILE mode: the job of one round */
	const char   *path;
	const struct jname *jn;
	int           rc;
	/* acknowledgements not yet written to the state file of ack_dir's ack_jn.name */
	char          ack_dir[PATH_MAX];
	struct jname  ack_jn;
	struct jshipq_state ack;      /* only the ranges are used */
	int           ack_dirty, ack_warned;
	double        ack_time;
};

struct conf {
	struct dest dests[MAXDEST];
	int    ndests;
	int    comp, level;
	long   retries;
	uint64_t retry_max_ns;
	int    nul, quiet, verbose;
	const char *from;
	int    prune;
	uint64_t keep;
	uint64_t keep_for_ns;
	int    keep_for;             /* given: the operator chose when to trust a receipt */
	int    code;                 /* worst so far */
};

static struct conf C;
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;

static int
worse(int a, int b)
{
	/* 65 bad input > 77 refused > 73/74 local I/O > 75 retry later > 0 */
	static const int rank[] = { EX_DATAERR, EX_NOPERM, EX_CANTCREAT, EX_IOERR, EX_TEMPFAIL };
	for (size_t i = 0; i < sizeof rank / sizeof rank[0]; i++)
		if (a == rank[i] || b == rank[i])
			return rank[i];
	return a ? a : b;
}

static void
note_code(int code)
{
	pthread_mutex_lock(&state_lock);
	C.code = worse(C.code, code);
	pthread_mutex_unlock(&state_lock);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Check a file before any byte of it goes out: a sealed segment (or a compressed one),
 * complete, every checksum right, named as its header says. */
static int
check_segment(const char *path, struct jname *jn, struct jerr *e)
{
	struct jfmt_header h;
	struct jfmt_trailer t;
	int kind = jname_parse(jio_basename(path), jn);

	if (kind == JNAME_LIVE)
		return jerr_set(e, EX_DATAERR, "%s: a live journal is never shipped (jrotate seals "
		    "it into segments)", path);
	if (kind != JNAME_SEGMENT)
		return jerr_set(e, EX_DATAERR, "%s: not named as a sealed segment "
		    "(NAME.TTTT-SSSSSSSSSSSS.journal[.zst|.gz|.xz])", path);
	if (jseg_verify(path, JSEG_SEALED, &h, &t, e) < 0) {
		if (!strstr(e->msg, path)) {
			char msg[sizeof e->msg];
			snprintf(msg, sizeof msg, "%s", e->msg);
			snprintf(e->msg, sizeof e->msg, "%s: %.400s", path, msg);
		}
		if (e->code != EX_IOERR)
			e->code = EX_DATAERR;
		if (errno == ENOENT)
			e->code = EX_NOINPUT;
		return -1;
	}
	if (jname_check(jn, h.timeline, h.seq, e) < 0) {
		char msg[sizeof e->msg];
		snprintf(msg, sizeof msg, "%s", e->msg);
		return jerr_set(e, EX_DATAERR, "%s: %.400s", path, msg);
	}
	return 0;
}

static int
sink_fd(void *arg, const void *buf, size_t n)
{
	return jio_write_all(*(int *)arg, buf, n);
}

/* The bytes to send: the file itself, or its compressed form in an unlinked temporary. */
static int
open_source(const char *path, const struct jname *jn, int *fdp, uint64_t *size, char *tname,
    size_t tsize, struct jerr *e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), tfd;
	const char *tmpdir = getenv("TMPDIR");
	char buf[1 << 16];
	struct jzio_w *w;
	ssize_t r;

	if (fd < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "unable to open %s", path);
	snprintf(tname, tsize, "%s", jio_basename(path));
	if (C.comp == JCOMP_NONE || jn->comp != JCOMP_NONE) {
		if (fstat(fd, &st) < 0) {
			jerr_sys(e, EX_IOERR, "unable to stat %s", path);
			close(fd);
			return -1;
		}
		*fdp = fd;
		*size = (uint64_t)st.st_size;
		return 0;
	}
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	tfd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tfd < 0) {
		jerr_sys(e, EX_IOERR, "unable to create a temporary file in %s", tmpdir);
		close(fd);
		return -1;
	}
	if (jzio_open_write(C.comp, C.level, sink_fd, &tfd, &w, e) < 0)
		goto fail;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		if (jzio_write(w, buf, (size_t)r, e) < 0) {
			jzio_abort(w);
			goto fail;
		}
	if (r < 0) {
		jerr_sys(e, EX_IOERR, "unable to read %s", path);
		jzio_abort(w);
		goto fail;
	}
	if (jzio_finish(w, e) < 0)
		goto fail;
	close(fd);
	if (fstat(tfd, &st) < 0) {
		close(tfd);
		return jerr_sys(e, EX_IOERR, "unable to stat a temporary file");
	}
	snprintf(tname + strlen(tname), tsize - strlen(tname), "%s", jcomp_suffix(C.comp));
	*fdp = tfd;
	*size = (uint64_t)st.st_size;
	return 0;
fail:
	if (e->code == 0)
		e->code = EX_IOERR;
	close(fd);
	close(tfd);
	return -1;
}

/* Put one file at one destination, retrying what is transient with exponential backoff
 * and jitter. 1 sent, 0 already there, -1 failed (reported). */
static int
put_retry(struct dest *d, int fd, uint64_t size, const char *tname, struct jerr *e)
{
	double start = now_s(), delay = 0.5;
	long attempt = 0;
	int rc;

	for (;;) {
		rc = jxfer_put(d->x, fd, size, tname, e);
		if (rc >= 0 || !jxfer_retryable(d->x) || attempt >= C.retries)
			return rc;
		double wait = delay * (0.5 + 0.5 * ((double)random() / RAND_MAX));
		if ((now_s() - start + wait) * 1e9 > (double)C.retry_max_ns)
			return rc;
		if (C.verbose)
			jwarnx("%s; retrying in %.1fs", e->msg, wait);
		struct timespec ts = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) };
		nanosleep(&ts, NULL);
		attempt++;
		delay = delay * 2 > 60 ? 60 : delay * 2;
	}
}

static int
ack_write(struct dest *d, const char *dir, const char *name, const struct jshipq_state *pending,
    int locked, struct jerr *e)
{
	/* Never wait for a queue run holding the destination: it records as much itself. */
	return jshipq_record(dir, name, jxfer_url(d->x), pending, locked, e);
}

/* Acknowledgements are written at most once a second per destination, and whenever the
 * input goes idle: each costs two fsyncs, and losing one to a crash only means that the
 * segment is sent again and accepted as identical. */
/*
 * In a queue run (locked) a state that cannot be written is an error (74): the queue
 * depends on it. For FILE and standard input, recording is a service to later queue runs:
 * a busy lock keeps the acknowledgement pending (dropped at exit: the segment is then sent
 * again later and accepted as identical), and a directory that cannot be written (a
 * read-only source) is warned about once.
 */
static void
ack_flush(struct dest *d, int locked)
{
	struct jerr e = { 0, "" };
	int rc;

	if (!d->ack_dirty)
		return;
	d->ack_time = now_s();
	rc = ack_write(d, d->ack_dir, d->ack_jn.name, &d->ack, locked, &e);
	if (rc == 1)
		return;
	d->ack_dirty = 0;
	jshipq_free(&d->ack);
	if (rc == 0)
		return;
	if (locked) {
		jwarnx("unable to record what %s has: %s", jxfer_url(d->x), e.msg);
		d->code = worse(d->code, EX_IOERR);
		note_code(EX_IOERR);
	} else if (!d->ack_warned) {
		d->ack_warned = 1;
		jwarnx("warning: unable to record what %s has: %s", jxfer_url(d->x), e.msg);
	}
}

static void
ack_note(struct dest *d, const char *dir, const struct jname *jn, int locked)
{
	if (d->ack_dirty && (strcmp(d->ack_dir, dir) != 0 || strcmp(d->ack_jn.name, jn->name) != 0))
		ack_flush(d, locked);
	if (!d->ack_dirty || strcmp(d->ack_dir, dir) != 0 ||
	    strcmp(d->ack_jn.name, jn->name) != 0)
		jshipq_free(&d->ack);     /* a busy lock's leftovers are given up with their dir */
	snprintf(d->ack_dir, sizeof d->ack_dir, "%s", dir);
	d->ack_jn = *jn;
	d->ack_dirty = 1;
	if (jshipq_add(&d->ack, jn->timeline, jn->seq) < 0)
		jdie(EX_OSERR, "out of memory");
	if (now_s() - d->ack_time >= 1.0)
		ack_flush(d, locked);
}

/*
 * A large plain segment is verified while it is sent: its name, header and trailer are
 * checked first (jseg_probe), then a thread reads it through (every CRC and the SHA-256)
 * while the destinations upload it, and each upload holds back its last bytes until that
 * pass has succeeded. A damaged file is then never complete anywhere and never published.
 */
#define VERIFY_INFLIGHT (16u << 20)

struct verify {
	pthread_t       th;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             done, rc;
	struct jerr     e;
	char            path[PATH_MAX];
};

static void *
verify_main(void *arg)
{
	struct verify *v = arg;
	struct jname jn;
	struct jerr e = { 0, "" };
	int rc = check_segment(v->path, &jn, &e);

	pthread_mutex_lock(&v->mu);
	v->rc = rc;
	v->e = e;
	v->done = 1;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

static int
verify_gate(void *arg, struct jerr *e)
{
	struct verify *v = arg;
	int rc;

	pthread_mutex_lock(&v->mu);
	while (!v->done)
		pthread_cond_wait(&v->cv, &v->mu);
	rc = v->rc;
	if (rc < 0)
		*e = v->e;
	pthread_mutex_unlock(&v->mu);
	return rc;
}

/* 0 sent (or there already), -1 failed (reported; the destination should stop), -2 the
 * file was refused by the in-flight verification (reported once, by its owner). */
static int
send_one(struct dest *d, const char *path, const struct jname *jn, int verify, int locked,
    struct verify *v)
{
	struct jerr e = { 0, "" };
	struct jname n2;
	char tname[JNAME_MAX + 8], dir[PATH_MAX];
	uint64_t size;
	int fd, rc;

	if (verify && check_segment(path, &n2, &e) < 0)
		goto bad;
	if (open_source(path, jn, &fd, &size, tname, sizeof tname, &e) < 0)
		goto bad;
	jxfer_set_gate(d->x, v ? verify_gate : NULL, v);
	rc = put_retry(d, fd, size, tname, &e);
	jxfer_set_gate(d->x, NULL, NULL);
	close(fd);
	if (v && verify_gate(v, &e) < 0)
		return -2;
	if (rc < 0)
		goto bad;
	if (C.verbose)
		jwarnx("%s %s to %s", rc ? "sent" : "already there:", tname, jxfer_url(d->x));
	if (jxfer_is_dir(d->x))
		ack_note(d, jio_dirname(path, dir, sizeof dir), jn, locked);
	return 0;
bad:
	jwarnx("%s", e.msg);
	if (e.code == EX_USAGE || e.code == EX_NOINPUT || e.code == EX_OSERR ||
	    e.code == EX_SOFTWARE || e.code == EX_CANTCREAT)
		e.code = e.code == EX_NOINPUT ? EX_DATAERR : EX_TEMPFAIL;
	d->code = worse(d->code, e.code);
	note_code(e.code);
	return -1;
}

/* ---- FILE and standard input mode ----
 * The main thread verifies each file and puts it in a ring; one thread per destination
 * sends the ring's files in order at its own pace (no destination waits for another
 * between files); the main thread prints each path, in input order, once every
 * destination is done with it. The ring bounds how far the fastest destination runs ahead. */

#define RING 64

struct job {
	char         path[PATH_MAX];
	struct jname jn;
	int          pending;         /* destinations not done with it */
	int          ok;
	struct verify *v;             /* verified in flight, or NULL: verified before */
};

static struct job ring[RING];
static uint64_t ring_head, ring_tail;   /* jobs [head, tail) are in the ring */
static int ring_closed;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ring_cond = PTHREAD_COND_INITIALIZER;
static pthread_t workers[MAXDEST];
static int nworkers;

static void *
dest_worker(void *arg)
{
	struct dest *d = arg;
	uint64_t next = 0;

	for (;;) {
		struct job *j;
		pthread_mutex_lock(&ring_lock);
		if (next >= ring_tail && !ring_closed && d->ack_dirty) {
			/* Caught up: make the acknowledgements durable while idle. */
			pthread_mutex_unlock(&ring_lock);
			ack_flush(d, 0);
			pthread_mutex_lock(&ring_lock);
		}
		while (next >= ring_tail && !ring_closed)
			pthread_cond_wait(&ring_cond, &ring_lock);
		if (next >= ring_tail) {
			pthread_mutex_unlock(&ring_lock);
			break;
		}
		j = &ring[next % RING];
		pthread_mutex_unlock(&ring_lock);

		int rc = d->dead ? -1 : send_one(d, j->path, &j->jn, 0, 0, j->v);
		if (rc == -1)
			d->dead = 1;    /* later files wait for the next run: order is kept */

		pthread_mutex_lock(&ring_lock);
		if (rc < 0)
			j->ok = 0;
		j->pending--;
		pthread_cond_broadcast(&ring_cond);
		pthread_mutex_unlock(&ring_lock);
		next++;
	}
	ack_flush(d, 0);
	return NULL;
}

static void
start_workers(void)
{
	for (int i = 0; i < C.ndests; i++) {
		if (pthread_create(&workers[i], NULL, dest_worker, &C.dests[i]) != 0)
			jdie(EX_OSERR, "unable to start a thread");
		nworkers++;
	}
}

/* Print the finished jobs at the head, in order; with wait, until the ring has room
 * (or, at the end, until it is empty). */
static void
drain(int until_empty)
{
	pthread_mutex_lock(&ring_lock);
	for (;;) {
		while (ring_head < ring_tail && ring[ring_head % RING].pending == 0) {
			struct job *j = &ring[ring_head % RING];
			if (j->v) {
				pthread_join(j->v->th, NULL);
				if (j->v->rc < 0) {
					jwarnx("%s", j->v->e.msg);
					note_code(EX_DATAERR);
					j->ok = 0;
				}
				pthread_mutex_destroy(&j->v->mu);
				pthread_cond_destroy(&j->v->cv);
				free(j->v);
				j->v = NULL;
			}
			if (j->ok) {
				printf("%s%c", j->path, C.nul ? 0 : '\n');
				if (fflush(stdout) != 0)
					jdie(EX_IOERR, "unable to write to standard output");
			}
			ring_head++;
		}
		if (until_empty ? ring_head == ring_tail : ring_tail - ring_head < RING)
			break;
		pthread_cond_wait(&ring_cond, &ring_lock);
	}
	pthread_mutex_unlock(&ring_lock);
}

static int
ship_path(const char *path)
{
	struct jerr e = { 0, "" };
	struct jname jn;
	struct job *j;
	struct verify *v = NULL;
	struct stat st;

	if (strlen(path) >= sizeof ring[0].path) {
		jwarnx("%s: path too long", path);
		note_code(EX_DATAERR);
		return -1;
	}
	if (C.comp == JCOMP_NONE && stat(path, &st) == 0 && st.st_size >= VERIFY_INFLIGHT &&
	    jname_parse(jio_basename(path), &jn) == JNAME_SEGMENT && jn.comp == JCOMP_NONE) {
		struct jfmt_header h;
		struct jfmt_trailer t;
		int pr = jseg_probe(path, &h, &t, &e);
		if (pr == 0)
			jerr_set(&e, EX_DATAERR, "%s: incomplete: no trailer", path);
		else if (pr == 1)
			jname_check(&jn, h.timeline, h.seq, &e);
		if (pr != 1 || e.code) {
			if (!strstr(e.msg, path)) {
				char msg[sizeof e.msg];
				snprintf(msg, sizeof msg, "%s", e.msg);
				snprintf(e.msg, sizeof e.msg, "%s: %.400s", path, msg);
			}
			jwarnx("%s", e.msg);
			note_code(e.code == EX_IOERR ? EX_IOERR : EX_DATAERR);
			return -1;
		}
		if (!(v = calloc(1, sizeof *v)))
			jdie(EX_OSERR, "out of memory");
		snprintf(v->path, sizeof v->path, "%s", path);
		pthread_mutex_init(&v->mu, NULL);
		pthread_cond_init(&v->cv, NULL);
		if (pthread_create(&v->th, NULL, verify_main, v) != 0)
			jdie(EX_OSERR, "unable to start a thread");
	} else if (check_segment(path, &jn, &e) < 0) {
		jwarnx("%s", e.msg);
		note_code(e.code == EX_NOINPUT || e.code == EX_DATAERR ? EX_DATAERR : e.code);
		return -1;
	}
	drain(0);
	pthread_mutex_lock(&ring_lock);
	j = &ring[ring_tail % RING];
	strcpy(j->path, path);
	j->jn = jn;
	j->v = v;
	j->pending = C.ndests;
	j->ok = 1;
	ring_tail++;
	pthread_cond_broadcast(&ring_cond);
	pthread_mutex_unlock(&ring_lock);
	drain(0);
	return 0;
}

static void
finish_workers(void)
{
	drain(1);
	pthread_mutex_lock(&ring_lock);
	ring_closed = 1;
	pthread_cond_broadcast(&ring_cond);
	pthread_mutex_unlock(&ring_lock);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	for (int i = 0; i < C.ndests; i++)
		C.code = worse(C.code, C.dests[i].code);
}

static void
ship_stdin(void)
{
	char buf[PATH_MAX + 2];
	size_t len = 0;
	int sep = C.nul ? 0 : '\n';
	ssize_t r;

	/* read(2), not stdio: each path is shipped as soon as its line is complete. */
	for (;;) {
		char *p;
		r = read(0, buf + len, sizeof buf - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			jdie(EX_IOERR, "unable to read standard input");
		if (r == 0)
			break;
		len += (size_t)r;
		while ((p = memchr(buf, sep, len))) {
			*p = 0;
			if (p > buf)
				ship_path(buf);
			len -= (size_t)(p + 1 - buf);
			memmove(buf, p + 1, len);
		}
		if (len == sizeof buf - 1)
			jdiex(EX_DATAERR, "a line of standard input is longer than a path can be");
	}
	if (len) {
		buf[len] = 0;
		ship_path(buf);
	}
}

/* ---- --from DIR mode ---- */

static void *
queue_worker(void *arg)
{
	struct dest *d = arg;
	struct jerr e = { 0, "" };
	char path[PATH_MAX + 64], lpath[PATH_MAX + 64], seg[PATH_MAX + JNAME_MAX];
	struct jshipq_state s;
	int lfd, r;

	if (jshipq_path(path, sizeof path, d->dir, d->name, jxfer_url(d->x), NULL) < 0 ||
	    jshipq_path(lpath, sizeof lpath, d->dir, d->name, jxfer_url(d->x), ".lock") < 0) {
		jwarn("%s: state file name", d->dir);
		d->code = worse(d->code, EX_IOERR);
		return NULL;
	}
	if ((lfd = jlock_acquire(lpath, JLOCK_NOWAIT, &e)) < 0) {
		if (e.code == EX_TEMPFAIL)
			jwarnx("%s: another jship is sending %s to %s: %s", d->dir, d->name,
			    jxfer_url(d->x), e.msg);
		else
			jwarnx("%s: unable to take the lock of %s for %s: %s", d->dir, d->name,
			    jxfer_url(d->x), e.msg);
		d->code = worse(d->code, e.code ? e.code : EX_IOERR);
		return NULL;
	}
	if ((r = jshipq_read(path, &s, &e)) < 0) {
		jwarnx("%s", e.msg);
		d->code = worse(d->code, e.code == EX_DATAERR ? EX_DATAERR : EX_IOERR);
		goto out;
	}
	if (r == 0) {
		/* Known to DIR from now on, so that pruning waits for it. */
		snprintf(s.url, sizeof s.url, "%s", jxfer_url(d->x));
		if (jshipq_write(path, &s, &e) < 0) {
			jwarnx("%s", e.msg);
			d->code = worse(d->code, e.code);
			goto out;
		}
	}
	for (size_t i = 0; i < d->nsegs; i++) {
		const struct jscan_ent *g = &d->segs[i];
		if (!jshipq_pending(d->segs, d->nsegs, i, d->name, &s))
			continue;
		snprintf(seg, sizeof seg, "%s/%s", d->dir, g->base);
		/* Each segment is read through once, by the first destination to need it. */
		pthread_mutex_lock(&state_lock);
		int ck = d->checked[i];
		pthread_mutex_unlock(&state_lock);
		if (ck == 0) {
			struct jname n2;
			struct jerr ce = { 0, "" };
			ck = check_segment(seg, &n2, &ce) == 0 ? 1 : -1;
			pthread_mutex_lock(&state_lock);
			if (d->checked[i] == 0) {
				d->checked[i] = (signed char)ck;
				if (ck < 0)
					jwarnx("%s", ce.msg);
			}
			pthread_mutex_unlock(&state_lock);
			if (ck < 0)
				note_code(ce.code == EX_IOERR ? EX_IOERR : EX_DATAERR);
		}
		if (ck < 0) {
			d->code = worse(d->code, EX_DATAERR);
			break;          /* a damaged segment: later ones wait, order is kept */
		}
		if (send_one(d, seg, &g->n, 0, 1, NULL) < 0)
			break;          /* later segments wait: order is kept */
		d->sent[i] = 1;
	}
out:
	jshipq_free(&s);
	ack_flush(d, 1);
	jlock_close(lfd);
	return NULL;
}

static void
prune(const char *dir, const char *name, struct jscan_ent *segs, size_t n)
{
	struct jerr e = { 0, "" };
	struct jshipq_state *st = NULL;
	size_t ns = 0, distinct = 0, kept = 0;
	char path[PATH_MAX + JNAME_MAX];
	struct timespec now;
	int removed = 0;

	if (jshipq_states(dir, name, &st, &ns, &e) < 0) {
		jwarnx("not pruning %s: %s", dir, e.msg);
		note_code(EX_IOERR);
		return;
	}
	if (ns == 0) {
		free(st);
		return;
	}
	for (size_t i = 0; i < ns && !C.keep_for; i++)
		if (strncmp(st[i].url, "file://", 7) != 0) {
			jwarnx("not pruning %s: %s acknowledges receipt, not durability (give "
			    "--keep-for DURATION)", dir, st[i].url);
			jshipq_states_free(st, ns);
			return;
		}
	clock_gettime(CLOCK_REALTIME, &now);
	/* Walk from the newest back, so that --keep counts the newest sequences. */
	for (size_t i = n; i-- > 0;) {
		const struct jscan_ent *g = &segs[i];
		struct stat sb;
		if (strcmp(g->n.name, name) != 0)
			continue;
		if (i + 1 >= n || strcmp(segs[i + 1].n.name, name) != 0 ||
		    segs[i + 1].n.timeline != g->n.timeline || segs[i + 1].n.seq != g->n.seq)
			distinct++;
		if (!jshipq_all_have(st, ns, g->n.timeline, g->n.seq))
			continue;
		if (distinct <= C.keep) {
			kept++;
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", dir, g->base);
		if (lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		if (C.keep_for_ns && (uint64_t)(now.tv_sec - sb.st_mtim.tv_sec) * 1000000000ull <
		    C.keep_for_ns)
			continue;
		if (unlink(path) < 0) {
			jwarn("unable to remove %s", path);
			note_code(EX_IOERR);
			continue;
		}
		removed++;
		if (C.verbose)
			jwarnx("removed %s (every destination has it)", path);
	}
	jshipq_states_free(st, ns);
	if (removed && jio_fsync_dir(path) < 0) {
		jwarn("unable to sync %s", dir);
		note_code(EX_IOERR);
	}
}

static void
ship_dir(const char *dir)
{
	struct jerr e = { 0, "" };
	struct jscan_ent *segs;
	size_t n;
	pthread_t th[MAXDEST];
	char *sent[MAXDEST];
	signed char *checked;

	if (jscan_dir(dir, &segs, &n, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (!(checked = calloc(n ? n : 1, 1)))
		jdie(EX_OSERR, "out of memory");
	for (size_t i = 0; i < n;) {
		const char *name = segs[i].n.name;
		size_t j = i;
		while (j < n && strcmp(segs[j].n.name, name) == 0)
			j++;
		for (int k = 0; k < C.ndests; k++) {
			struct dest *d = &C.dests[k];
			d->dir = dir;
			d->name = name;
			d->segs = segs;
			d->nsegs = n;
			d->checked = checked;
			if (!(sent[k] = d->sent = calloc(n ? n : 1, 1)))
				jdie(EX_OSERR, "out of memory");
		}
		int started[MAXDEST] = { 0 };
		for (int k = 0; k < C.ndests; k++) {
			if (C.ndests > 1 && pthread_create(&th[k], NULL, queue_worker, &C.dests[k]) == 0)
				started[k] = 1;
			else
				queue_worker(&C.dests[k]);
		}
		for (int k = 0; k < C.ndests; k++)
			if (started[k])
				pthread_join(th[k], NULL);
		for (size_t g = i; g < j; g++) {
			int any = 0;
			for (int k = 0; k < C.ndests; k++)
				any |= sent[k][g];
			if (any)
				printf("%s/%s%c", dir, segs[g].base, C.nul ? 0 : '\n');
		}
		if (fflush(stdout) != 0)
			jdie(EX_IOERR, "unable to write to standard output");
		for (int k = 0; k < C.ndests; k++)
			free(sent[k]);
		if (C.prune)
			prune(dir, name, segs, n);
		i = j;
	}
	for (int k = 0; k < C.ndests; k++)
		C.code = worse(C.code, C.dests[k].code);
	free(checked);
	free(segs);
}

/* libcurl's trace (-v -v), scrubbed of credentials by the transfer module. */
static void
trace_line(void *arg, const char *line)
{
	(void)arg;
	pthread_mutex_lock(&state_lock);
	fprintf(stderr, "%s: %s\n", jerr_prog, line);
	pthread_mutex_unlock(&state_lock);
}

static uint64_t
duration_opt(const char *s, const char *opt)
{
	uint64_t ns;
	if (jparse_duration(s, &ns) < 0)
		jdiex(EX_USAGE, "%s: not a duration (like 30s, 5m): %s", opt, s);
	return ns;
}

int
main(int argc, char **argv)
{
	enum { O_COMPRESS = 256, O_RETRIES, O_RETRYMAX, O_CONNTO, O_STALL, O_NETRC, O_KEY,
	       O_KNOWN, O_CACERT, O_FROM, O_LIMIT, O_PRUNE, O_KEEP, O_KEEPFOR, O_HELP, O_VERSION };
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, O_FROM },
		{ "compress", required_argument, NULL, O_COMPRESS },
		{ "retries", required_argument, NULL, O_RETRIES },
		{ "retry-max-time", required_argument, NULL, O_RETRYMAX },
		{ "connect-timeout", required_argument, NULL, O_CONNTO },
		{ "stall-time", required_argument, NULL, O_STALL },
		{ "netrc-file", required_argument, NULL, O_NETRC },
		{ "key", required_argument, NULL, O_KEY },
		{ "known-hosts", required_argument, NULL, O_KNOWN },
		{ "cacert", required_argument, NULL, O_CACERT },
		{ "limit-rate", required_argument, NULL, O_LIMIT },
		{ "prune", no_argument, NULL, O_PRUNE },
		{ "keep", required_argument, NULL, O_KEEP },
		{ "keep-for", required_argument, NULL, O_KEEPFOR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "null", no_argument, NULL, '0' },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct jxfer_opts o = { 0 };
	const char *urls[MAXDEST];
	struct jerr e = { 0, "" };
	uint64_t u;
	int c, nurls = 0, curl_verbose = 0;

	jerr_init(argv[0]);
	C.retries = 3;
	C.retry_max_ns = 300ull * 1000000000ull;
	while ((c = getopt_long(argc, argv, "0qvt:", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (nurls == MAXDEST)
				jdiex(EX_USAGE, "at most %d destinations", MAXDEST);
			urls[nurls++] = optarg;
			break;
		case O_FROM: C.from = optarg; break;
		case O_COMPRESS:
			if (jzio_parse(optarg, &C.comp, &C.level) < 0)
				jdiex(EX_USAGE, "--compress: zstd, gzip or xz, with an optional :LEVEL: %s",
				    optarg);
			break;
		case O_RETRIES:
			if (jparse_u64(optarg, &u) < 0 || u > 100)
				jdiex(EX_USAGE, "--retries: a number from 0 to 100: %s", optarg);
			C.retries = (long)u;
			break;
		case O_RETRYMAX: C.retry_max_ns = duration_opt(optarg, "--retry-max-time"); break;
		case O_CONNTO:
			o.connect_timeout = (long)((duration_opt(optarg, "--connect-timeout") +
			    999999999) / 1000000000);
			break;
		case O_STALL:
			o.stall_time = (long)((duration_opt(optarg, "--stall-time") + 999999999) /
			    1000000000);
			break;
		case O_NETRC: o.netrc = optarg; break;
		case O_KEY: o.key = optarg; break;
		case O_KNOWN: o.known_hosts = optarg; break;
		case O_CACERT: o.cacert = optarg; break;
		case O_LIMIT:
			if (jparse_size(optarg, &o.limit_rate) < 0)
				jdiex(EX_USAGE, "--limit-rate: bytes per second (like 10M): %s", optarg);
			break;
		case O_PRUNE: C.prune = 1; break;
		case O_KEEP:
			if (jparse_u64(optarg, &C.keep) < 0)
				jdiex(EX_USAGE, "--keep: a number of segments: %s", optarg);
			C.prune = 1;
			break;
		case O_KEEPFOR:
			C.keep_for_ns = duration_opt(optarg, "--keep-for");
			C.keep_for = C.prune = 1;
			break;
		case 'q': C.quiet = 1; break;
		case 'v': curl_verbose = C.verbose; C.verbose = 1; break;
		case '0': C.nul = 1; break;
		case O_HELP: jusage(synopsis, 0);
		case O_VERSION: jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (nurls == 0)
		jdiex(EX_USAGE, "no destination: give --to URL");
	if (C.from && argc > 0)
		jdiex(EX_USAGE, "--from DIR takes no FILE arguments");
	if (C.prune && !C.from)
		jdiex(EX_USAGE, "--prune, --keep and --keep-for need --from DIR");
	o.progress = !C.quiet && isatty(2);
	if (curl_verbose)
		o.trace = trace_line;
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)(time(NULL) ^ getpid()));
	if (jxfer_global_init(&e) < 0)
		jdiex(e.code, "%s", e.msg);
	for (int i = 0; i < nurls; i++) {
		struct dest *d = &C.dests[i];
		if (jxfer_open(urls[i], &o, &d->x, &e) < 0)
			jdiex(e.code == EX_USAGE ? EX_USAGE : e.code, "%s", e.msg);
		if (!jxfer_is_dir(d->x) && (C.from || argc != 1))
			jdiex(EX_USAGE, "%s names a file: end it with '/' to send more than one FILE",
			    jxfer_url(d->x));
		d->url = urls[i];
		C.ndests++;
		if (jxfer_plain_password(d->x))
			jwarnx("warning: the password for %s goes over the network in clear: "
			    "prefer %s", jxfer_url(d->x), strncasecmp(urls[i], "ftp", 3) == 0 ?
			    "ftpes://" : "https://");
	}

	if (C.from) {
		ship_dir(C.from);
	} else {
		start_workers();
		if (argc == 0)
			ship_stdin();
		else
			for (int i = 0; i < argc; i++)
				ship_path(argv[i]);
		finish_workers();
	}

	for (int i = 0; i < C.ndests; i++)
		jxfer_close(C.dests[i].x);
	if (jio_fshut(stdout) != 0)
		jdie(EX_IOERR, "unable to write to standard output");
	return C.code;
}
