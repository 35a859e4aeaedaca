/*
 * fetch: one run of a pulling mirror.
 *
 * Invariants. A file MUST appear in DIR under a segment's name only complete and verified
 * (every CRC, the trailer and its digest, the name against the header) and durable: it is
 * written to a temporary of this process, fsynced, read through, renamed without replacing
 * anything, and DIR is fsynced, before its path is printed. A segment MUST NOT be taken as
 * had unless a file of its name is in DIR or the fetched state says so, and the state MUST
 * only say so after the file was durable in DIR: a crash at any instruction leaves at worst
 * a temporary (removed by the next run once its process is gone) or a segment published
 * but not yet recorded (found in DIR by the next run). The hub cursor MUST only be written
 * from the state, after it is durable, so that it never claims more than DIR had.
 *
 * A batch (FLUSH_FILES segments, or what FLUSH_NS brought) is downloaded and verified by up
 * to o->connections threads, each with its own connection (jhub_clone), into temporaries;
 * then, in order and in this thread, each temporary is synced and renamed, DIR is synced
 * once, the states are written once, and only then are the batch's paths handed on. The
 * next batch downloads meanwhile (its own threads, the same connections: a batch's threads
 * are joined before the next batch's start), so the network never waits for the disk. A
 * file's own fsync is never skipped; its writeback is started as soon as it is verified.
 *
 * The crash ladder (JM_TEST_CRASH steps): fetch-synced (temporary written and synced),
 * fetch-verified (read through), fetch-published (renamed into DIR, DIR not yet synced),
 * fetch-recorded (DIR synced, state written, paths not yet printed); then cursor-put
 * (cursor.c) for the cursor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "clock.h"
#include "crash.h"
#include "cursor.h"
#include "fetch.h"
#include "grow.h"
#include "io.h"
#include "lock.h"
#include "name.h"
#include "part.h"
#include "seg.h"
#include "segdir.h"
#include "shipq.h"

#define STATE_SUFFIX "fetched"
#define LOCK_NAME    ".jfetch.lock"
#define MAX_BOOKS    16
#define FLUSH_FILES  64
#define FLUSH_NS     200000000ull        /* 0.2 s */

/* What DIR had of one journal NAME: its fetched state. */
struct book {
	char   name[JNAME_MAX + 1];
	char   path[PATH_MAX];
	struct jshipq_state s;
	int    dirty;
};

struct want {
	char        *base;
	struct jname n;
	uint64_t     size;
};

/* A segment downloaded and verified into its temporary, not yet synced nor renamed. */
struct staged {
	int          fd;                /* -1: nothing staged (refused, or not reached) */
	char         tmp[PATH_MAX], final[PATH_MAX];
	struct jname n;
	int          placed;
	int          rc;                /* the staging's: 0 staged, 1 refused, -1 failed */
	struct jerr  e;
	int          synced;            /* 0, or -1 and sync_errno: the fsync failed */
	int          sync_errno;
};

/* One batch: up to FLUSH_FILES segments w[first..end), staged by up to JFETCH_CONNS
 * threads, each with its own connection, while the batch before it is being flushed. */
struct batch {
	struct staged *g;               /* FLUSH_FILES slots: w[first + i] in g[i] */
	size_t         n;               /* staged (slots in use), once the threads are joined */
	size_t         first, next, end;
	int            stopped;
	uint64_t       started;         /* jclock_mono_ns of the batch's start */
	struct worker {
		struct run   *u;
		struct batch *b;
		struct jhub  *h;
		pthread_t     t;
		int           running;  /* a thread runs it (else it ran in the caller) */
	}              k[JFETCH_CONNS];
	size_t         nk;
};

struct run {
	struct jhub                *h;
	const struct jfetch_opts   *o;
	struct jfetch_result       *r;
	char                        host[JPART_HOST_MAX + 1];
	struct jsegdir_ent         *have;
	size_t                      nhave;
	struct book                 books[MAX_BOOKS];
	size_t                      nbooks;
	struct want                *w;
	size_t                      nw, capw;
	struct batch                b[2];        /* one flushed while the other stages */
	pthread_mutex_t             mu;          /* a batch's next and stopped, refuse() */
};

static struct book *
book_get(struct run *u, const char *name, struct jerr *e)
{
	char jpath[PATH_MAX];
	struct book *b;

	for (size_t i = 0; i < u->nbooks; i++)
		if (strcmp(u->books[i].name, name) == 0)
			return &u->books[i];
	if (u->nbooks == MAX_BOOKS) {
		jerr_set(e, EX_SOFTWARE, "%s: segments of more than %d journals", u->o->dir,
		    MAX_BOOKS);
		return NULL;
	}
	b = &u->books[u->nbooks];
	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "%s", name);
	if (jio_pathf(jpath, sizeof jpath, "%s/%s.journal", u->o->dir, name) < 0 ||
	    jname_aux(b->path, sizeof b->path, jpath, STATE_SUFFIX) < 0) {
		jerr_set(e, EX_USAGE, "%s/%s: path too long", u->o->dir, name);
		return NULL;
	}
	if (jshipq_read(b->path, &b->s, e) < 0)
		return NULL;
	snprintf(b->s.url, sizeof b->s.url, "%s", jhub_url(u->h));
	u->nbooks++;
	return b;
}

static int
book_add(struct book *b, uint32_t tl, uint64_t seq, struct jerr *e)
{
	if (jshipq_has(&b->s, tl, seq))
		return 0;
	if (jshipq_add(&b->s, tl, seq) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	b->dirty = 1;
	return 0;
}

static int
book_save(struct book *b, struct jerr *e)
{
	if (!b->dirty)
		return 0;
	if (jshipq_write(b->path, &b->s, e) < 0)
		return -1;
	b->dirty = 0;
	return 0;
}

/* The end of the first unbroken run of sequences b has: 1 and *tl, *seq, or 0: none. */
static int
book_front(const struct book *b, uint32_t *tl, uint64_t *seq)
{
	size_t i = 0;

	if (b->s.n == 0)
		return 0;
	while (i + 1 < b->s.n && b->s.r[i + 1].first == b->s.r[i].last + 1)
		i++;
	*tl = b->s.r[i].timeline;
	*seq = b->s.r[i].last;
	return 1;
}

/* Remove this host's temporaries whose process is gone, and any older than a day; load
 * the states found (a journal whose every segment was applied and removed has one). */
static int
dir_scan(struct run *u, struct jerr *e)
{
	DIR *d = opendir(u->o->dir);
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	size_t sl = strlen(".journal." STATE_SUFFIX);

	if (!d)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR),
		    "unable to open %s", u->o->dir);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] != '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n > sl + 1 && strcmp(de->d_name + n - sl, ".journal." STATE_SUFFIX) == 0) {
			char name[JNAME_MAX + 1];
			snprintf(name, sizeof name, "%.*s", (int)(n - sl - 1), de->d_name + 1);
			if (jname_valid(name) && !book_get(u, name, e)) {
				closedir(d);
				return -1;
			}
		} else if (jpart_stale(de->d_name, u->host, st.st_mtime, now)) {
			(void)unlinkat(dirfd(d), de->d_name, 0);
		}
	}
	closedir(d);
	return 0;
}

static int
same_seg(const struct jname *a, const struct jname *b)
{
	return a->timeline == b->timeline && a->seq == b->seq && strcmp(a->name, b->name) == 0;
}

static int
in_dir(const struct run *u, const struct jname *n)
{
	size_t lo = 0, hi = u->nhave;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = jsegdir_cmp(&u->have[mid].n, n);
		if (same_seg(&u->have[mid].n, n))
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a compressed form sorts after the plain one: look beside */
	for (size_t i = lo > 2 ? lo - 2 : 0; i < lo + 2 && i < u->nhave; i++)
		if (same_seg(&u->have[i].n, n))
			return 1;
	return 0;
}

static int
list_cb(void *arg, const struct jhub_entry *ent, struct jerr *e)
{
	struct run *u = arg;
	struct jname n;
	struct book *b;

	if (jname_parse(ent->name, &n) != JNAME_SEGMENT || in_dir(u, &n))
		return 0;
	if (!(b = book_get(u, n.name, e)))
		return -1;
	if (jshipq_has(&b->s, n.timeline, n.seq))
		return 0;
	if (jgrow(&u->w, &u->capw, u->nw + 1, sizeof *u->w, 64) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (!(u->w[u->nw].base = strdup(ent->name)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	u->w[u->nw].n = n;
	u->w[u->nw].size = ent->size;
	u->nw++;
	return 0;
}

static int
want_cmp(const void *a, const void *b)
{
	return jsegdir_cmp(&((const struct want *)a)->n, &((const struct want *)b)->n);
}

static int in_dir_path(char *buf, size_t size, const char *dir, const char *leaf);

static int
sync_found(struct run *u, const char *base, struct jerr *e)
{
	char path[PATH_MAX];

	if (in_dir_path(path, sizeof path, u->o->dir, base) < 0)
		return jerr_set(e, EX_USAGE, "%s/%s: path too long", u->o->dir, base);
	if (jio_fsync_path(path) < 0 && errno != ENOENT)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", path);
	return 0;
}

/* What DIR has goes into the states; then the hub's listing, after the first unbroken run
 * when DIR holds one journal whose run starts at sequence 1 (the listing's hint only). */
static int
collect(struct run *u, struct jerr *e)
{
	char after[JNAME_MAX + 1] = "";
	uint32_t tl;
	uint64_t seq;
	size_t k = 0;

	int found = 0;

	for (size_t i = 0; i < u->nhave; i++) {
		struct book *b = book_get(u, u->have[i].n.name, e);
		if (!b)
			return -1;
		if (jshipq_has(&b->s, u->have[i].n.timeline, u->have[i].n.seq))
			continue;
		/* found, not recorded: placed by a run cut short, or by someone else; it is
		 * recorded only once it (and its name in DIR) is durable */
		if (sync_found(u, u->have[i].base, e) < 0 ||
		    book_add(b, u->have[i].n.timeline, u->have[i].n.seq, e) < 0)
			return -1;
		found = 1;
	}
	if (found && jio_fsync_path(u->o->dir) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", u->o->dir);
	if (u->nbooks == 1 && u->books[0].s.n > 0 && u->books[0].s.r[0].first == 1 &&
	    book_front(&u->books[0], &tl, &seq))
		(void)jname_segment(after, sizeof after, u->books[0].name, tl, seq, JCOMP_NONE);
	if (jhub_list(u->h, JHUB_DATA, after, list_cb, u, e) < 0)
		return -1;
	if (u->nw)
		qsort(u->w, u->nw, sizeof *u->w, want_cmp);
	/* one file per segment: the plain one when the hub has both */
	for (size_t i = 0; i < u->nw; i++) {
		if (k > 0 && same_seg(&u->w[k - 1].n, &u->w[i].n)) {
			free(u->w[i].base);
			continue;
		}
		u->w[k++] = u->w[i];
	}
	u->nw = k;
	return 0;
}

/* Read the temporary through as the segment its name says (an encrypted one without a key,
 * as relays do) and check its signature against the trusted keys: 0, or -1 with e. */
static int
verify(int fd, const struct want *w, const struct jsig_trust *trust, struct jerr *e)
{
	struct jseg *s;
	struct jseg_rec rec;
	int rc;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return jerr_sys(e, EX_IOERR, "unable to read back %s", w->base);
	if (jseg_open_fd(fd, w->base, JSEG_SEALED, &s, e) < 0)
		return -1;
	jseg_opaque(s);
	while ((rc = jseg_next(s, &rec, e)) == 1)
		;
	if (rc == 0)
		rc = jname_check(&w->n, jseg_header(s)->timeline, jseg_header(s)->seq, e);
	if (rc == 0 && trust)
		rc = jsig_check_reader(s, trust, e);
	jseg_close(s);
	return rc;
}

static int
refuse(struct run *u, struct jerr *e, const struct want *w)
{
	char msg[sizeof e->msg];

	snprintf(msg, sizeof msg, "%s", e->msg);
	/* gone since the listing (retention): a later listing will not show it; try again */
	jerr_set(e, e->code == EX_NOINPUT ? EX_TEMPFAIL : e->code, "%s%s: not fetched: %s",
	    jhub_url(u->h), w->base, msg);
	if (u->r->code == 0 || e->code == EX_DATAERR)
		u->r->code = e->code;
	if (u->o->refused)
		u->o->refused(u->o->arg, e);
	return 0;
}

/* Download w into the temporary tmp (fd) through h and read it through: 0, 1 refused (the
 * run goes on; said under u->mu), -1 the run stops. Not synced: flush() syncs a batch. */
static int
download(struct run *u, struct jhub *h, int fd, const struct want *w, struct jerr *e)
{
	int rc = 0;

	if (jhub_get(h, JHUB_DATA, w->base, w->size, fd, e) < 0) {
		if (e->code != EX_NOINPUT && (e->code != EX_TEMPFAIL || jhub_retryable(h)))
			return -1;
		rc = 1;
	} else if (verify(fd, w, u->o->trust, e) < 0) {
		if (e->code != EX_DATAERR)
			return -1;
		rc = 1;
	}
	if (rc) {
		pthread_mutex_lock(&u->mu);
		refuse(u, e, w);
		pthread_mutex_unlock(&u->mu);
		return 1;
	}
	jcrash_point("fetch-verified");
	/* Start writing it back now, so that the batch's fsyncs find it written: without this
	 * each fsync of a batch waits for its own writeback, journal commit and disk flush. */
	(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	return 0;
}

/* Sync one staged temporary and rename it to its name: 1 placed, 0 the name was taken
 * meanwhile (another sender: had, not fetched), -1. */
static int
place(struct run *u, struct staged *g, struct jerr *e)
{
	struct book *b;
	int rc = g->synced;

	close(g->fd);
	g->fd = -1;
	if (rc < 0) {
		errno = g->sync_errno;
		jerr_sys(e, EX_IOERR, "unable to sync %s", g->tmp);
		unlink(g->tmp);
		return -1;
	}
	jcrash_point("fetch-synced");
	if (jafile_place(g->tmp, g->final, e) < 0) {
		unlink(g->tmp);
		if (e->code != EX_CANTCREAT || errno != EEXIST)
			return -1;
		rc = 0;
	} else {
		jcrash_point("fetch-published");
		rc = 1;
	}
	if (!(b = book_get(u, g->n.name, e)) || book_add(b, g->n.timeline, g->n.seq, e) < 0)
		return -1;
	return rc;
}

/* Drop what is staged and not placed (a failed run): close and remove the temporaries. */
static void
unstage(struct batch *b, size_t from)
{
	for (size_t i = from; i < b->n; i++)
		if (b->g[i].fd >= 0) {
			close(b->g[i].fd);
			unlink(b->g[i].tmp);
		}
	b->n = 0;
}

/*
 * Make a batch durable: each temporary synced (written back already: see download) and
 * renamed, in order, DIR synced, the states written, and only then the paths handed on: a
 * path printed is a segment that survives a power cut.
 */
struct syncer {
	struct batch *b;
	size_t        from, step;
	pthread_t     t;
};

static void *
sync_some(void *arg)
{
	struct syncer *k = arg;

	for (size_t i = k->from; i < k->b->n; i += k->step) {
		struct staged *g = &k->b->g[i];
		if (g->fd >= 0 && fsync(g->fd) < 0) {
			g->synced = -1;
			g->sync_errno = errno;
		}
	}
	return NULL;
}

/* fsync every staged temporary, from several threads at once: the file system commits
 * concurrent fsyncs together, where one after the other each waits for its own commit. */
static void
sync_staged(struct run *u, struct batch *b)
{
	struct syncer k[JFETCH_CONNS];
	size_t n = u->o->connections > 1 ? (size_t)u->o->connections : 1, i;

	if (n > JFETCH_CONNS)
		n = JFETCH_CONNS;
	if (n > b->n)
		n = b->n;
	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		k[i] = (struct syncer){ .b = b, .from = i, .step = n };
	for (i = 1; i < n; i++)
		if (pthread_create(&k[i].t, NULL, sync_some, &k[i]) != 0)
			break;
	for (size_t j = i; j < n; j++)  /* threads that did not start: their share here */
		sync_some(&k[j]);
	sync_some(&k[0]);
	while (--i > 0)
		pthread_join(k[i].t, NULL);
}

static int
flush(struct run *u, struct batch *b, struct jerr *e)
{
	size_t i;
	int rc = 0, any = 0;

	sync_staged(u, b);

	for (i = 0; i < b->n && rc >= 0; i++)
		if (b->g[i].fd >= 0 && (rc = place(u, &b->g[i], e)) > 0)
			b->g[i].placed = any = 1;
	if (rc < 0) {
		unstage(b, i);
		return -1;
	}
	if (any && jio_fsync_path(u->o->dir) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", u->o->dir);
	for (i = 0; i < u->nbooks && rc >= 0; i++)
		rc = book_save(&u->books[i], e);
	if (rc < 0)
		return -1;
	jcrash_point("fetch-recorded");
	for (i = 0; i < b->n; i++) {
		if (!b->g[i].placed)
			continue;
		u->r->fetched++;
		if (u->o->fetched)
			u->o->fetched(u->o->arg, b->g[i].final);
	}
	b->n = 0;
	return 0;
}

/* DIR/leaf, with one slash whether DIR ends in one or not (a path printed is a path typed). */
static int
in_dir_path(char *buf, size_t size, const char *dir, const char *leaf)
{
	size_t n = strlen(dir);

	return jio_pathf(buf, size, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", leaf);
}

/* Download w into a temporary of DIR, into g: g->rc 0 staged, 1 refused, -1 failed. */
static void
stage_one(struct run *u, struct jhub *h, const struct want *w, struct staged *g)
{
	char leaf[NAME_MAX + 1];

	g->fd = -1;
	g->n = w->n;
	g->placed = g->synced = 0;
	jpart_new(leaf, sizeof leaf, w->base, u->host);
	if (in_dir_path(g->tmp, sizeof g->tmp, u->o->dir, leaf) < 0 ||
	    in_dir_path(g->final, sizeof g->final, u->o->dir, w->base) < 0) {
		g->rc = jerr_set(&g->e, EX_USAGE, "%s/%s: path too long", u->o->dir, w->base);
		return;
	}
	if ((g->fd = open(g->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0) {
		g->rc = jerr_sys(&g->e, jerr_errno_code(errno, EX_CANTCREAT), "unable to create %s",
		    g->tmp);
		return;
	}
	if ((g->rc = download(u, h, g->fd, w, &g->e)) != 0) {
		close(g->fd);
		unlink(g->tmp);
		g->fd = -1;
	}
}

/* The next segment of batch b to stage, or 0: none (the batch is full, took its time, was
 * stopped, or failed). */
static int
take(struct run *u, struct batch *b, size_t *i)
{
	int rc = 0;

	pthread_mutex_lock(&u->mu);
	if (!b->stopped && b->next < b->end && !(u->o->stop && *u->o->stop) &&
	    (b->next == b->first || jclock_mono_ns() - b->started < FLUSH_NS)) {
		*i = b->next++;
		rc = 1;
	}
	pthread_mutex_unlock(&u->mu);
	return rc;
}

static void
halt(struct run *u, struct batch *b)
{
	pthread_mutex_lock(&u->mu);
	b->stopped = 1;
	pthread_mutex_unlock(&u->mu);
}

static void *
work(void *arg)
{
	struct worker *k = arg;
	struct batch *b = k->b;
	size_t i;

	while (take(k->u, b, &i)) {
		struct staged *g = &b->g[i - b->first];
		stage_one(k->u, k->h, &k->u->w[i], g);
		if (g->rc < 0)
			halt(k->u, b);
	}
	return NULL;
}

/* The extra connections of a batch of n segments, opened once and kept in r. */
static size_t
connections(struct run *u, size_t n)
{
	size_t want = u->o->connections > 1 ? (size_t)u->o->connections : 1;
	struct jerr ignore;

	if (want > JFETCH_CONNS)
		want = JFETCH_CONNS;
	if (want > n)
		want = n;
	while (u->r->nconn + 1 < want &&
	    jhub_clone(u->h, &u->r->conn[u->r->nconn], &ignore) == 0)
		u->r->nconn++;              /* one that will not open: fewer threads */
	return want < u->r->nconn + 1 ? want : u->r->nconn + 1;
}

/* Start staging w[first..) (at most FLUSH_FILES, or what FLUSH_NS allows) into b, in
 * threads of their own, each with its own connection; stage_wait(b) joins them. */
static void
stage_start(struct run *u, struct batch *b, size_t first)
{
	b->first = b->next = first;
	b->end = first + FLUSH_FILES < u->nw ? first + FLUSH_FILES : u->nw;
	b->stopped = 0;
	b->started = jclock_mono_ns();
	b->nk = connections(u, b->end - first);
	for (size_t i = 0; i < b->nk; i++) {
		struct worker *k = &b->k[i];
		*k = (struct worker){ .u = u, .b = b, .h = i == 0 ? u->h : u->r->conn[i - 1] };
		k->running = pthread_create(&k->t, NULL, work, k) == 0;
	}
	for (size_t i = 0; i < b->nk; i++)
		if (!b->k[i].running)
			work(&b->k[i]);     /* no thread: its share here, now */
}

/* Wait for b's threads: 0 (b->n set, refused ones with fd -1), or -1 with the first
 * failure in order. */
static int
stage_wait(struct batch *b, struct jerr *e)
{
	for (size_t i = 0; i < b->nk; i++)
		if (b->k[i].running)
			pthread_join(b->k[i].t, NULL);
	b->nk = 0;
	b->n = b->next - b->first;
	for (size_t i = 0; i < b->n; i++)
		if (b->g[i].rc < 0) {
			*e = b->g[i].e;
			return -1;
		}
	return 0;
}

/* The mirror's cursor: the end of the first unbroken run of the journal DIR holds. */
static int
cursor(struct run *u, struct jerr *e)
{
	uint32_t tl = 0;
	uint64_t seq = 0;

	if (!u->o->mirror)
		return 0;
	if (u->nbooks > 0)
		(void)book_front(&u->books[0], &tl, &seq);
	if (u->r->cursor_known && u->r->cursor_tl == tl && u->r->cursor_seq == seq)
		return 0;
	if (jcursor_write(u->h, u->o->mirror, tl, seq, e) < 0)
		return -1;
	u->r->cursor_known = 1;
	u->r->cursor_tl = tl;
	u->r->cursor_seq = seq;
	return 0;
}

static int
stopping(const struct run *u)
{
	return u->o->stop && *u->o->stop;
}

/* Every segment wanted, batch after batch, each flushed while the next one downloads. */
static int
fetch_all(struct run *u, struct jerr *e)
{
	struct batch *cur = &u->b[0], *nxt;
	struct jerr ignore;
	int rc;

	if (u->nw == 0 || stopping(u))
		return 0;
	stage_start(u, cur, 0);
	for (;;) {
		rc = stage_wait(cur, e);
		nxt = cur == &u->b[0] ? &u->b[1] : &u->b[0];
		if (rc == 0 && cur->next < u->nw && !stopping(u))
			stage_start(u, nxt, cur->next);
		else
			nxt = NULL;
		if (rc < 0) {
			(void)flush(u, cur, &ignore);   /* what is staged is still good */
			return -1;
		}
		if (flush(u, cur, e) < 0) {
			if (nxt) {
				halt(u, nxt);
				(void)stage_wait(nxt, &ignore);
				unstage(nxt, 0);
			}
			return -1;
		}
		if (!nxt)
			return 0;
		cur = nxt;
	}
}

static int
run_locked(struct run *u, struct jerr *e)
{
	if (dir_scan(u, e) < 0 || jsegdir_list(u->o->dir, &u->have, &u->nhave, e) < 0 ||
	    collect(u, e) < 0)
		return -1;
	for (size_t i = 0; i < u->nbooks; i++)
		if (book_save(&u->books[i], e) < 0)
			return -1;
	if (fetch_all(u, e) < 0)
		return -1;
	if (flush(u, &u->b[0], e) < 0)          /* the states of what was found in DIR */
		return -1;
	return cursor(u, e);
}

int
jfetch_run(struct jhub *h, const struct jfetch_opts *o, struct jfetch_result *r,
    struct jerr *e)
{
	struct run u;
	char lock[PATH_MAX];
	struct stat st;
	int fd, rc;

	if (stat(o->dir, &st) < 0 || (!S_ISDIR(st.st_mode) && (errno = ENOTDIR)))
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "unable to use %s "
		    "as the directory to fetch into", o->dir);
	memset(&u, 0, sizeof u);
	pthread_mutex_init(&u.mu, NULL);
	u.h = h;
	u.o = o;
	u.r = r;
	r->fetched = 0;
	r->code = 0;
	jpart_host(u.host, sizeof u.host);
	if (jio_pathf(lock, sizeof lock, "%s/%s", o->dir, LOCK_NAME) < 0)
		return jerr_set(e, EX_USAGE, "%s: path too long", o->dir);
	if ((fd = jlock_acquire(lock, JLOCK_NOWAIT, e)) < 0) {
		if (e->code == EX_TEMPFAIL)
			jerr_set(e, EX_TEMPFAIL, "%s: another jfetch is fetching into it", o->dir);
		return -1;
	}
	if (!(u.b[0].g = calloc(FLUSH_FILES, sizeof *u.b[0].g)) ||
	    !(u.b[1].g = calloc(FLUSH_FILES, sizeof *u.b[1].g)))
		rc = jerr_sys(e, EX_OSERR, "out of memory");
	else
		rc = run_locked(&u, e);
	jlock_close(fd);
	for (int i = 0; i < 2; i++) {
		unstage(&u.b[i], 0);
		free(u.b[i].g);
	}
	for (size_t i = 0; i < u.nw; i++)
		free(u.w[i].base);
	free(u.w);
	free(u.have);
	for (size_t i = 0; i < u.nbooks; i++)
		jshipq_free(&u.books[i].s);
	pthread_mutex_destroy(&u.mu);
	return rc;
}

void
jfetch_done(struct jfetch_result *r)
{
	for (size_t i = 0; i < r->nconn; i++)
		jhub_close(r->conn[i]);
	r->nconn = 0;
}
