/*
 * jship: send sealed segments to one or more destinations, each published atomically, and
 * remember per destination what it acknowledged (man/jship.1).
 */
#include <errno.h>
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

#include "clock.h"
#include "cursor.h"
#include "hub.h"
#include "opt.h"
#include "report.h"
#include "fan.h"
#include "io.h"
#include "lock.h"
#include "name.h"
#include "parse.h"
#include "segdir.h"
#include "seg.h"
#include "send.h"
#include "shipq.h"
#include "sig.h"
#include "xfer.h"
#include "zio.h"

static const char synopsis[] =
    "jship [-0qv] [--compress METHOD[:LEVEL]] [--retries N] [--retry-max-time DURATION]\n"
    "             [--connect-timeout DURATION] [--stall-time DURATION] [--netrc-file FILE]\n"
    "             [--key FILE] [--known-hosts FILE] [--cacert FILE] [--limit-rate SIZE]\n"
    "             [--s3-endpoint URL] [--s3-region REGION] [--s3-part-size SIZE]\n"
    "             [--mkdir] [--trust PUBKEY]... --to URL [--to URL]... [FILE...]\n"
    "       jship [options] --from DIR [--prune] [--keep N] [--keep-for DURATION]\n"
    "             [--expire-after DURATION] --to URL...";

#define MAXDEST 32            /* destinations */
#define MAXLANE 4             /* connections (and sending threads) of one destination */

/*
 * A destination sends over its lanes (jxfer_lanes: several only for S3), each a jxfer with
 * its own connection in a thread of its own, taking the next segment when it is free. mu
 * guards what the lanes share: dead, code, next, and the acknowledgements (ack_note and
 * ack_flush are called with it held, or with no other lane running).
 */
struct dest {
	struct jxfer *lane[MAXLANE];  /* [0] also names the destination (jxfer_url) */
	int           nlanes;
	pthread_mutex_t mu;
	int           dead;           /* failed this run: later segments wait for the next run */
	int           code;           /* worst exit code for this destination */
	/* --from mode */
	const char   *dir;
	const char   *name;
	struct jsegdir_ent *segs;
	size_t        nsegs;
	size_t        next;           /* the next segment a free lane looks at */
	const struct jshipq_state *has;
	signed char  *checked;        /* shared by all destinations: 1 valid, -1 not, 0 unknown */
	char         *sent;           /* per segment: sent (or found) by this destination */
	/* acknowledgements not yet written to the state file of ack_dir's ack_jn.name */
	char          ack_dir[PATH_MAX];
	struct jname  ack_jn;
	struct jshipq_state ack;      /* only the ranges are used */
	int           ack_dirty, ack_warned;
	double        ack_time;
	int           bar_shown;      /* a progress bar of this destination is on the terminal */
};

/* What the command line asks for. */
struct config {
	const char *urls[MAXDEST];
	int         nurls;
	struct jxfer_opts xfer;
	int         curl_verbose;
	int         comp, level;
	struct jsend_retry retry;
	int         nul, quiet, verbose;
	const char *from;
	char      **files;            /* FILE arguments; none: paths from standard input */
	int         nfiles;
	struct jshipq_prune prune;
	int         pruning;
	struct jsig_trust trust;      /* --trust: only segments signed by these keys go out */
	uint64_t    expire_ns;        /* --expire-after */
	int         expiring;
};

static const struct config *cfg;
static struct dest dests[MAXDEST];
static int ndests;

static int exit_code;                /* worst so far */
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
	exit_code = worse(exit_code, code);
	pthread_mutex_unlock(&state_lock);
}

struct lane {
	struct dest  *d;
	struct jxfer *x;
};

static int
dest_dead(struct dest *d)
{
	int dead;

	pthread_mutex_lock(&d->mu);
	dead = d->dead;
	pthread_mutex_unlock(&d->mu);
	return dead;
}

/* The destination failed with code: later segments wait for the next run. 1 if it had
 * failed with that code already (another lane's failure: said once). */
static int
dest_fail(struct dest *d, int code)
{
	int again;

	pthread_mutex_lock(&d->mu);
	again = d->dead && d->code == code;
	d->dead = 1;
	d->code = worse(d->code, code);
	pthread_mutex_unlock(&d->mu);
	return again;
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
	if (jsig_verify_file(path, JSEG_SEALED, &cfg->trust, &h, &t, e) < 0) {
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
	if ((h.flags & JFMT_HDR_ENCRYPTED) && cfg->comp != JCOMP_NONE)
		jwarnx("%s: encrypted: ciphertext does not compress (compress before encrypting: "
		    "jrotate --compress); shipped compressed anyway", path);
	return 0;
}

static int
ack_write(struct dest *d, const char *dir, const char *name, const struct jshipq_state *pending,
    int locked, struct jerr *e)
{
	/* Never wait for a queue run holding the destination: it records as much itself. */
	return jshipq_record(dir, name, jxfer_url(d->lane[0]), pending, locked, e);
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
	d->ack_time = jclock_mono();
	rc = ack_write(d, d->ack_dir, d->ack_jn.name, &d->ack, locked, &e);
	if (rc == 1)
		return;
	d->ack_dirty = 0;
	jshipq_free(&d->ack);
	if (rc == 0)
		return;
	if (locked) {
		jwarnx("unable to record what %s has: %s", jxfer_url(d->lane[0]), e.msg);
		d->code = worse(d->code, EX_IOERR);
		note_code(EX_IOERR);
	} else if (!d->ack_warned) {
		d->ack_warned = 1;
		jwarnx("warning: unable to record what %s has: %s", jxfer_url(d->lane[0]), e.msg);
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
	if (jclock_mono() - d->ack_time >= 1.0)
		ack_flush(d, locked);
}

/*
 * A large plain segment is verified while it is sent: its name, header and trailer are
 * checked first (jseg_probe), then a thread reads it through (every CRC and the SHA-256)
 * while the destinations upload it, and each upload holds back its last bytes until that
 * pass has succeeded (jsend_verify_*). A damaged file is then never complete anywhere.
 */
#define VERIFY_INFLIGHT (16u << 20)

static int
check_whole(const char *path, struct jerr *e)
{
	struct jname jn;

	return check_segment(path, &jn, e);
}

static void
retry_notify(void *arg, const char *msg, double wait)
{
	(void)arg;
	jwarnx("%s; retrying in %.1fs", msg, wait);
}

/* 0 sent (or there already), -1 failed (reported; the destination should stop), -2 the
 * file was refused by the in-flight verification (reported once, by its owner). */
static int
send_one(struct dest *d, struct jxfer *x, const char *path, const struct jname *jn, int locked,
    struct jsend_verify *v)
{
	struct jerr e = { 0, "" };
	char tname[JNAME_MAX + 8], dir[PATH_MAX];
	uint64_t size;
	int fd, rc;

	if (jsend_source(path, cfg->comp, cfg->level, &fd, &size, tname, sizeof tname, &e) < 0)
		goto bad;
	jxfer_set_gate(x, v ? jsend_verify_gate : NULL, v);
	rc = jsend_put(x, fd, size, tname, &cfg->retry, &e);
	jxfer_set_gate(x, NULL, NULL);
	close(fd);
	if (v && jsend_verify_gate(v, &e) < 0)
		return -2;
	if (rc < 0)
		goto bad;
	if (cfg->verbose)
		jwarnx("%s %s to %s", rc ? "sent" : "already there:", tname, jxfer_url(x));
	if (jxfer_is_dir(x)) {
		pthread_mutex_lock(&d->mu);
		ack_note(d, jio_dirname(path, dir, sizeof dir), jn, locked);
		pthread_mutex_unlock(&d->mu);
	}
	return 0;
bad:
	/* EX_CANTCREAT stays: the destination directory does not exist (--mkdir) */
	if (e.code == EX_USAGE || e.code == EX_NOINPUT || e.code == EX_OSERR ||
	    e.code == EX_SOFTWARE)
		e.code = e.code == EX_NOINPUT ? EX_DATAERR : EX_TEMPFAIL;
	/* after another lane's failure (a store refusing the keys, say), one that was in
	 * flight is said only if it says more: another code, or another file refused */
	if (!dest_fail(d, e.code) || e.code == EX_DATAERR)
		jwarnx("%s", e.msg);
	note_code(e.code);
	return -1;
}

/* ---- FILE and standard input mode ----
 * The main thread verifies each file and hands it to a fan (common/fan.c): one thread per
 * lane of each destination sends the files in order at its own pace (no destination waits
 * for another between files; a destination with several lanes starts its files in order
 * and may finish them in any order); the main thread prints each path, in input order,
 * once every destination is done with it. The fan bounds how far the fastest destination
 * runs ahead. */

struct job {
	char         path[PATH_MAX];
	struct jname jn;
	struct jsend_verify *v;       /* verified in flight, or NULL: verified before */
};

static struct jfan *fan;

/* After a failure later files wait for the next run: order is kept, but for what other
 * lanes of the destination had already begun. */
static int
job_send(void *worker, void *arg)
{
	struct lane *l = worker;
	struct job *j = arg;

	if (dest_dead(l->d))
		return -1;
	return send_one(l->d, l->x, j->path, &j->jn, 0, j->v) < 0 ? -1 : 0;
}

/* Caught up: make the acknowledgements durable while idle. */
static void
dest_idle(void *worker)
{
	struct dest *d = ((struct lane *)worker)->d;

	pthread_mutex_lock(&d->mu);
	ack_flush(d, 0);
	pthread_mutex_unlock(&d->mu);
}

/* Every destination is done with j: print it if it went everywhere and passed its check. */
static void
job_done(void *arg, void *job, int ok)
{
	struct job *j = job;
	struct jerr e = { 0, "" };

	(void)arg;
	if (j->v && jsend_verify_end(j->v, &e) < 0) {
		jwarnx("%s", e.msg);
		note_code(EX_DATAERR);
		ok = 0;
	}
	if (ok) {
		printf("%s%c", j->path, cfg->nul ? 0 : '\n');
		if (fflush(stdout) != 0)
			jdie(EX_IOERR, "unable to write to standard output");
	}
	free(j);
}

static void
start_workers(void)
{
	static const struct jfan_ops ops = { job_send, dest_idle, job_done, NULL };
	static struct lane lanes[MAXDEST * MAXLANE];
	struct jerr e = { 0, "" };
	void *workers[MAXDEST * MAXLANE];
	int group[MAXDEST * MAXLANE], n = 0;

	for (int i = 0; i < ndests; i++)
		for (int k = 0; k < dests[i].nlanes; k++, n++) {
			lanes[n].d = &dests[i];
			lanes[n].x = dests[i].lane[k];
			workers[n] = &lanes[n];
			group[n] = i;
		}
	if (jfan_start(&fan, workers, group, n, &ops, &e) < 0)
		jdiex(e.code, "%s", e.msg);
}

/* A large plain segment: name, header and trailer now, the rest while it is sent. */
static int
verify_inflight(const char *path, const struct jname *jn, struct jsend_verify **v)
{
	struct jerr e = { 0, "" };
	struct jfmt_header h;
	struct jfmt_trailer t;
	int pr = jseg_probe(path, &h, &t, &e);

	if (pr == 0)
		jerr_set(&e, EX_DATAERR, "%s: incomplete: no trailer", path);
	else if (pr == 1)
		jname_check(jn, h.timeline, h.seq, &e);
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
	if (jsend_verify_start(path, check_whole, v, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	return 0;
}

static int
ship_path(const char *path)
{
	struct jerr e = { 0, "" };
	struct jname jn;
	struct job *j;
	struct jsend_verify *v = NULL;
	struct stat st;

	if (strlen(path) >= sizeof j->path) {
		jwarnx("%s: path too long", path);
		note_code(EX_DATAERR);
		return -1;
	}
	if (cfg->comp == JCOMP_NONE && stat(path, &st) == 0 && st.st_size >= VERIFY_INFLIGHT &&
	    jname_parse(jio_basename(path), &jn) == JNAME_SEGMENT && jn.comp == JCOMP_NONE) {
		if (verify_inflight(path, &jn, &v) < 0)
			return -1;
	} else if (check_segment(path, &jn, &e) < 0) {
		jwarnx("%s", e.msg);
		note_code(e.code == EX_NOINPUT || e.code == EX_DATAERR ? EX_DATAERR : e.code);
		return -1;
	}
	if (!(j = calloc(1, sizeof *j)))
		jdie(EX_OSERR, "out of memory");
	strcpy(j->path, path);
	j->jn = jn;
	j->v = v;
	jfan_add(fan, j);
	return 0;
}

static void
finish_workers(void)
{
	jfan_finish(fan);
	for (int i = 0; i < ndests; i++)
		exit_code = worse(exit_code, dests[i].code);
}

static void
ship_stdin(void)
{
	char buf[PATH_MAX + 2];
	size_t len = 0;
	int sep = cfg->nul ? 0 : '\n';
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

/* Take the destination's lock of NAME in DIR: the lock's fd, or -1 (reported). */
static int
queue_lock(struct dest *d, char *path, size_t size)
{
	struct jerr e = { 0, "" };
	char lpath[PATH_MAX + 64];
	int lfd;

	if (jshipq_path(path, size, d->dir, d->name, jxfer_url(d->lane[0]), NULL) < 0 ||
	    jshipq_path(lpath, sizeof lpath, d->dir, d->name, jxfer_url(d->lane[0]), ".lock") < 0) {
		jwarn("%s: state file name", d->dir);
		d->code = worse(d->code, EX_IOERR);
		return -1;
	}
	if ((lfd = jlock_acquire(lpath, JLOCK_NOWAIT, &e)) < 0) {
		if (e.code == EX_TEMPFAIL)
			jwarnx("%s: another jship is sending %s to %s: %s", d->dir, d->name,
			    jxfer_url(d->lane[0]), e.msg);
		else
			jwarnx("%s: unable to take the lock of %s for %s: %s", d->dir, d->name,
			    jxfer_url(d->lane[0]), e.msg);
		d->code = worse(d->code, e.code ? e.code : EX_IOERR);
	}
	return lfd;
}

/* Read what the destination has (a new one is recorded at once, so that pruning waits for
 * it): 0, or -1 (reported). */
static int
queue_state(struct dest *d, const char *path, struct jshipq_state *s)
{
	struct jerr e = { 0, "" };
	int r;

	if ((r = jshipq_read(path, s, &e)) < 0) {
		jwarnx("%s", e.msg);
		d->code = worse(d->code, e.code == EX_DATAERR ? EX_DATAERR : EX_IOERR);
		return -1;
	}
	if (r == 0) {
		snprintf(s->url, sizeof s->url, "%s", jxfer_url(d->lane[0]));
		if (jshipq_write(path, s, &e) < 0) {
			jwarnx("%s", e.msg);
			d->code = worse(d->code, e.code);
			return -1;
		}
	}
	return 0;
}

/* Is segment i whole and right? Read through once, by the first destination to need it;
 * a damaged one is reported once. 1 yes, -1 no. */
static int
checked_once(struct dest *d, size_t i, const char *seg)
{
	struct jname jn;
	struct jerr e = { 0, "" };
	int ck;

	pthread_mutex_lock(&state_lock);
	ck = d->checked[i];
	pthread_mutex_unlock(&state_lock);
	if (ck != 0)
		return ck;
	ck = check_segment(seg, &jn, &e) == 0 ? 1 : -1;
	pthread_mutex_lock(&state_lock);
	if (d->checked[i] == 0) {
		d->checked[i] = (signed char)ck;
		if (ck < 0)
			jwarnx("%s", e.msg);
	}
	pthread_mutex_unlock(&state_lock);
	if (ck < 0)
		note_code(e.code == EX_IOERR ? EX_IOERR : EX_DATAERR);
	return ck;
}

/* The next segment of NAME that the destination lacks, taken, or -1 (none, or it failed). */
static ssize_t
queue_next(struct dest *d)
{
	ssize_t i = -1;

	pthread_mutex_lock(&d->mu);
	while (!d->dead && d->next < d->nsegs &&
	    !jshipq_pending(d->segs, d->nsegs, d->next, d->name, d->has))
		d->next++;
	if (!d->dead && d->next < d->nsegs)
		i = (ssize_t)d->next++;
	pthread_mutex_unlock(&d->mu);
	return i;
}

/* One lane sends what the destination lacks of NAME's segments, in order, up to the first
 * failure of any lane (a damaged segment too: later ones wait, order is kept, but for what
 * other lanes had already begun). */
static void *
queue_lane(void *arg)
{
	struct lane *l = arg;
	struct dest *d = l->d;
	char seg[PATH_MAX + JNAME_MAX];
	ssize_t i;

	while ((i = queue_next(d)) >= 0) {
		snprintf(seg, sizeof seg, "%s/%s", d->dir, d->segs[i].base);
		if (checked_once(d, (size_t)i, seg) < 0) {
			dest_fail(d, EX_DATAERR);
			break;
		}
		if (send_one(d, l->x, seg, &d->segs[i].n, 1, NULL) < 0)
			break;
		d->sent[i] = 1;
	}
	return NULL;
}

/* Send what s lacks of NAME's segments over every lane of the destination. */
static void
queue_send(struct dest *d, const struct jshipq_state *s)
{
	struct lane l[MAXLANE];
	pthread_t th[MAXLANE];
	int started[MAXLANE] = { 0 };

	d->has = s;
	d->next = 0;
	for (int k = 0; k < d->nlanes; k++) {
		l[k].d = d;
		l[k].x = d->lane[k];
		if (k > 0 && pthread_create(&th[k], NULL, queue_lane, &l[k]) == 0)
			started[k] = 1;
	}
	queue_lane(&l[0]);
	for (int k = 1; k < d->nlanes; k++)
		if (started[k])
			pthread_join(th[k], NULL);
	d->has = NULL;
}

/* One destination's queue of NAME in DIR, under its lock. */
static void *
queue_worker(void *arg)
{
	struct dest *d = arg;
	char path[PATH_MAX + 64];
	struct jshipq_state s = { .n = 0 };
	int lfd;

	if ((lfd = queue_lock(d, path, sizeof path)) < 0)
		return NULL;
	if (queue_state(d, path, &s) == 0)
		queue_send(d, &s);
	jshipq_free(&s);
	ack_flush(d, 1);
	jlock_close(lfd);
	return NULL;
}

static void
prune_removed(void *arg, const char *path)
{
	(void)arg;
	if (cfg->verbose)
		jwarnx("removed %s (every destination has it)", path);
}

static void
prune_held(void *arg, const char *why)
{
	(void)arg;
	jwarnx("%s", why);
}

static void
prune_failed(void *arg, const struct jerr *e)
{
	(void)arg;
	jwarnx("%s", e->msg);
	note_code(EX_IOERR);
}

/* Send NAME's queue (segs[i..j)) to every destination at once, print what went, prune. */
static void
ship_name(const char *dir, struct jsegdir_ent *segs, size_t n, size_t i, size_t j,
    signed char *checked)
{
	pthread_t th[MAXDEST];
	int started[MAXDEST] = { 0 };

	for (int k = 0; k < ndests; k++) {
		struct dest *d = &dests[k];
		d->dir = dir;
		d->name = segs[i].n.name;
		d->segs = segs;
		d->nsegs = n;
		d->checked = checked;
		d->dead = 0;
		if (!(d->sent = calloc(n ? n : 1, 1)))
			jdie(EX_OSERR, "out of memory");
	}
	for (int k = 0; k < ndests; k++) {
		if (ndests > 1 && pthread_create(&th[k], NULL, queue_worker, &dests[k]) == 0)
			started[k] = 1;
		else
			queue_worker(&dests[k]);
	}
	for (int k = 0; k < ndests; k++)
		if (started[k])
			pthread_join(th[k], NULL);
	for (size_t g = i; g < j; g++) {
		int any = 0;
		for (int k = 0; k < ndests; k++)
			any |= dests[k].sent[g];
		if (any)
			printf("%s/%s%c", dir, segs[g].base, cfg->nul ? 0 : '\n');
	}
	if (fflush(stdout) != 0)
		jdie(EX_IOERR, "unable to write to standard output");
	for (int k = 0; k < ndests; k++) {
		free(dests[k].sent);
		dests[k].sent = NULL;
	}
	if (cfg->pruning)
		(void)jshipq_prune(dir, segs[i].n.name, segs, n, &cfg->prune);
}

/* --from DIR: each journal's send queue in turn. */
static void
ship_dir(const char *dir)
{
	struct jerr e = { 0, "" };
	struct jsegdir_ent *segs;
	signed char *checked;
	size_t n;

	if (jsegdir_list(dir, &segs, &n, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (!(checked = calloc(n ? n : 1, 1)))
		jdie(EX_OSERR, "out of memory");
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && strcmp(segs[j].n.name, segs[i].n.name) == 0; j++)
			;
		ship_name(dir, segs, n, i, j, checked);
	}
	for (int k = 0; k < ndests; k++)
		exit_code = worse(exit_code, dests[k].code);
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

/* A progress bar on a terminal, for files of 16 MiB or more, once one has taken 0.5 s. */
#define PROGRESS_MIN (16u << 20)

static void
progress_draw(void *arg, const struct jxfer_progress *p)
{
	struct dest *d = arg;

	if (p->end ? !d->bar_shown : p->total < PROGRESS_MIN || p->elapsed < 0.5)
		return;
	pthread_mutex_lock(&state_lock);
	if (p->end)
		fputs("\r\033[K", stderr);
	else
		fprintf(stderr, "\r%.40s -> %.40s %5.1f%% %7.1f MB/s", p->name, p->url,
		    100.0 * (double)p->done / (double)p->total, (double)p->done / p->elapsed / 1e6);
	d->bar_shown = !p->end;
	pthread_mutex_unlock(&state_lock);
}

#define LIKE "30s, 5m"                  /* the durations the messages give as examples */

static const struct option longopts[] = {
	{ "to", required_argument, NULL, 't' },
	{ "from", required_argument, NULL, 'F' },
	{ "compress", required_argument, NULL, 'C' },
	{ "retries", required_argument, NULL, 'R' },
	{ "retry-max-time", required_argument, NULL, 'M' },
	{ "connect-timeout", required_argument, NULL, 'T' },
	{ "stall-time", required_argument, NULL, 'S' },
	{ "netrc-file", required_argument, NULL, 'N' },
	{ "key", required_argument, NULL, 'K' },
	{ "known-hosts", required_argument, NULL, 'H' },
	{ "cacert", required_argument, NULL, 'A' },
	{ "limit-rate", required_argument, NULL, 'L' },
	{ "s3-endpoint", required_argument, NULL, 'E' },
	{ "s3-region", required_argument, NULL, 'G' },
	{ "s3-part-size", required_argument, NULL, 'Z' },
	{ "mkdir", no_argument, NULL, 'D' },
	{ "prune", no_argument, NULL, 'P' },
	{ "keep", required_argument, NULL, 'k' },
	{ "keep-for", required_argument, NULL, 'f' },
	{ "expire-after", required_argument, NULL, 'X' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "null", no_argument, NULL, '0' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "trust", required_argument, NULL, 'U' },
	{ NULL, 0, NULL, 0 },
};

/* The options that shape sending: where, how, how hard to retry. 0, or -1: not one of them. */
static int
send_option(int c, const char *arg, struct config *conf)
{
	uint64_t u;

	switch (c) {
	case 't':
		if (conf->nurls == MAXDEST)
			jdiex(EX_USAGE, "at most %d destinations", MAXDEST);
		conf->urls[conf->nurls++] = arg;
		break;
	case 'C':
		if (jzio_parse(arg, &conf->comp, &conf->level) < 0)
			jdiex(EX_USAGE, "--compress: zstd, gzip or xz, with an optional :LEVEL: %s", arg);
		break;
	case 'R':
		if (jparse_u64(arg, &u) < 0 || u > 100)
			jdiex(EX_USAGE, "--retries: a number from 0 to 100: %s", arg);
		conf->retry.retries = (long)u;
		break;
	case 'M': conf->retry.max_ns = jopt_duration(arg, "--retry-max-time", LIKE); break;
	case 'T': conf->xfer.connect_timeout = jopt_seconds(arg, "--connect-timeout", LIKE); break;
	case 'S': conf->xfer.stall_time = jopt_seconds(arg, "--stall-time", LIKE); break;
	case 'N': conf->xfer.netrc = arg; break;
	case 'K': conf->xfer.key = arg; break;
	case 'H': conf->xfer.known_hosts = arg; break;
	case 'A': conf->xfer.cacert = arg; break;
	case 'D': conf->xfer.mkdir = 1; break;
	case 'L':
		if (jparse_size(arg, &conf->xfer.limit_rate) < 0)
			jdiex(EX_USAGE, "--limit-rate: bytes per second (like 10M): %s", arg);
		break;
	case 'E': conf->xfer.s3_endpoint = arg; break;
	case 'G': conf->xfer.s3_region = arg; break;
	case 'Z':
		if (jparse_size(arg, &conf->xfer.s3_part_size) < 0 ||
		    conf->xfer.s3_part_size < (5u << 20) || conf->xfer.s3_part_size > (5ull << 30))
			jdiex(EX_USAGE, "--s3-part-size: from 5M to 5G: %s", arg);
		break;
	default:
		return -1;
	}
	return 0;
}

static void
parse_options(int argc, char **argv, struct config *conf)
{
	struct jerr e;
	int c;

	conf->retry.retries = 3;
	conf->retry.max_ns = 300ull * 1000000000ull;
	while ((c = getopt_long(argc, argv, "0qvt:", longopts, NULL)) != -1) {
		if (send_option(c, optarg, conf) == 0)
			continue;
		switch (c) {
		case 'F': conf->from = optarg; break;
		case 'P': conf->pruning = 1; break;
		case 'k':
			if (jparse_u64(optarg, &conf->prune.keep) < 0)
				jdiex(EX_USAGE, "--keep: a number of segments: %s", optarg);
			conf->pruning = 1;
			break;
		case 'f':
			conf->prune.keep_for_ns = jopt_duration(optarg, "--keep-for", LIKE);
			conf->prune.keep_for = conf->pruning = 1;
			break;
		case 'U':
			if (jsig_trust_load(&conf->trust, optarg, &e) < 0)
				jdiex(e.code, "--trust: %s", e.msg);
			break;
		case 'X':
			conf->expire_ns = jopt_duration(optarg, "--expire-after", LIKE);
			conf->expiring = 1;
			break;
		case 'q': conf->quiet = 1; break;
		case 'v': conf->curl_verbose = conf->verbose; conf->verbose = 1; break;
		case '0': conf->nul = 1; break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	conf->files = argv + optind;
	conf->nfiles = argc - optind;
}

static void
check_options(struct config *conf)
{
	if (conf->nurls == 0)
		jdiex(EX_USAGE, "no destination: give --to URL");
	if (conf->from && conf->nfiles > 0)
		jdiex(EX_USAGE, "--from DIR takes no FILE arguments");
	if (conf->pruning && !conf->from)
		jdiex(EX_USAGE, "--prune, --keep and --keep-for need --from DIR");
	if (conf->expiring && !conf->from)
		jdiex(EX_USAGE, "--expire-after needs --from DIR");
	if (!conf->quiet && isatty(2))
		conf->xfer.progress = progress_draw;
	if (conf->curl_verbose)
		conf->xfer.trace = trace_line;
	if (conf->verbose)
		conf->retry.notify = retry_notify;
	conf->prune.held = prune_held;
	conf->prune.removed = prune_removed;
	conf->prune.failed = prune_failed;
}

static void
open_destinations(const struct config *conf)
{
	struct jxfer_opts o = conf->xfer;
	struct jerr e = { 0, "" };

	if (jxfer_global_init(&e) < 0)
		jdiex(e.code, "%s", e.msg);
	for (int i = 0; i < conf->nurls; i++) {
		struct dest *d = &dests[i];
		o.progress_arg = d;
		pthread_mutex_init(&d->mu, NULL);
		if (jxfer_open(conf->urls[i], &o, &d->lane[0], &e) < 0)
			jdiex(e.code, "%s", e.msg);
		if (!jxfer_is_dir(d->lane[0]) && (conf->from || conf->nfiles != 1))
			jdiex(EX_USAGE, "%s names a file: end it with '/' to send more than one FILE",
			    jxfer_url(d->lane[0]));
		ndests++;
		d->nlanes = conf->nfiles == 1 ? 1 : jxfer_lanes(d->lane[0]);
		if (d->nlanes > MAXLANE)
			d->nlanes = MAXLANE;
		for (int k = 1; k < d->nlanes; k++)
			if (jxfer_open(conf->urls[i], &o, &d->lane[k], &e) < 0)
				jdiex(e.code, "%s", e.msg);
		if (jxfer_plain_password(d->lane[0]))
			jwarnx("warning: the password for %s goes over the network in clear: "
			    "prefer %s", jxfer_url(d->lane[0]), strncasecmp(conf->urls[i], "ftp", 3) == 0 ?
			    "ftpes://" : "https://");
	}
}

static void
expire_removed(void *arg, const char *name)
{
	if (cfg->verbose)
		jwarnx("removed %s%s (every registered mirror has it)", (const char *)arg, name);
}

/* --expire-after: each destination is also a hub whose registered mirrors hold retention. */
static void
expire_hubs(const struct config *conf)
{
	struct jcursor_expire x = { conf->expire_ns, time(NULL), expire_removed, prune_held,
	    NULL };
	struct jerr e = { 0, "" };
	struct jhub *h;

	for (int i = 0; i < conf->nurls; i++) {
		if (jhub_open(conf->urls[i], &conf->xfer, &h, &e) < 0) {
			jwarnx("%s", e.msg);
			note_code(e.code);
			continue;
		}
		x.arg = (void *)jhub_url(h);
		if (jcursor_expire(h, &x, &e) < 0) {
			jwarnx("unable to expire segments at %s: %s", jhub_url(h), e.msg);
			note_code(e.code);
		}
		jhub_close(h);
	}
}

static int
run(const struct config *conf)
{
	cfg = conf;
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)(time(NULL) ^ getpid()));
	open_destinations(conf);
	if (conf->from) {
		ship_dir(conf->from);
		if (conf->expiring)
			expire_hubs(conf);
	} else {
		start_workers();
		if (conf->nfiles == 0)
			ship_stdin();
		for (int i = 0; i < conf->nfiles; i++)
			ship_path(conf->files[i]);
		finish_workers();
	}
	for (int i = 0; i < ndests; i++)
		for (int k = 0; k < dests[i].nlanes; k++)
			jxfer_close(dests[i].lane[k]);
	if (jio_fshut(stdout) != 0)
		jdie(EX_IOERR, "unable to write to standard output");
	return exit_code;
}

int
main(int argc, char **argv)
{
	struct config c = { 0 };

	jerr_init(argv[0]);
	parse_options(argc, argv, &c);
	check_options(&c);
	return run(&c);
}
