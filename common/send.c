/*
 * send: one segment's way to one destination. A compressed form MUST be complete (the
 * stream finished) before any byte of it is sent; a retry MUST send the same bytes again
 * (the same fd, read from offset 0); a segment verified in flight MUST NOT be complete at
 * any destination before its check passed (the gate holds its last bytes back).
 */
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

#include "backoff.h"
#include "clock.h"
#include "io.h"
#include "name.h"
#include "send.h"
#include "zio.h"

static int
sink_fd(void *arg, const void *buf, size_t n)
{
	return jio_write_all(*(int *)arg, buf, n);
}

/* Compress fd into the new temporary tfd; 0 or -1 (e). */
static int
compress_into(int fd, int tfd, int comp, int level, const char *path, struct jerr *e)
{
	char buf[1 << 16];
	struct jzio_w *w;
	ssize_t r;

	if (jzio_open_write(comp, level, sink_fd, &tfd, &w, e) < 0)
		return -1;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		if (jzio_write(w, buf, (size_t)r, e) < 0) {
			jzio_abort(w);
			return -1;
		}
	if (r < 0) {
		jerr_sys(e, EX_IOERR, "unable to read %s", path);
		jzio_abort(w);
		return -1;
	}
	return jzio_finish(w, e);
}

static int
compressed(int fd, const char *path, int comp, int level, int *fdp, uint64_t *size,
    struct jerr *e)
{
	const char *tmpdir = getenv("TMPDIR");
	struct stat st;
	int tfd;

	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	tfd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tfd < 0)
		return jerr_sys(e, EX_IOERR, "unable to create a temporary file in %s", tmpdir);
	if (compress_into(fd, tfd, comp, level, path, e) < 0) {
		if (e->code == 0)
			e->code = EX_IOERR;
		close(tfd);
		return -1;
	}
	if (fstat(tfd, &st) < 0) {
		close(tfd);
		return jerr_sys(e, EX_IOERR, "unable to stat a temporary file");
	}
	*fdp = tfd;
	*size = (uint64_t)st.st_size;
	return 0;
}

int
jsend_source(const char *path, int comp, int level, int *fdp, uint64_t *size, char *tname,
    size_t tsize, struct jerr *e)
{
	struct jname jn;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "unable to open %s", path);
	snprintf(tname, tsize, "%s", jio_basename(path));
	if (comp == JCOMP_NONE || jname_parse(tname, &jn) != JNAME_SEGMENT ||
	    jn.comp != JCOMP_NONE) {
		if (fstat(fd, &st) < 0) {
			jerr_sys(e, EX_IOERR, "unable to stat %s", path);
			close(fd);
			return -1;
		}
		*fdp = fd;
		*size = (uint64_t)st.st_size;
		return 0;
	}
	rc = compressed(fd, path, comp, level, fdp, size, e);
	close(fd);
	if (rc == 0)
		snprintf(tname + strlen(tname), tsize - strlen(tname), "%s", jcomp_suffix(comp));
	return rc;
}

int
jsend_put(struct jxfer *x, int fd, uint64_t size, const char *tname,
    const struct jsend_retry *r, struct jerr *e)
{
	double start = jclock_mono();
	unsigned attempt = 0;
	int rc;

	for (;;) {
		rc = jxfer_put(x, fd, size, tname, e);
		if (rc >= 0 || !jxfer_retryable(x) || attempt >= (unsigned long)r->retries)
			return rc;
		uint64_t ns = jbackoff_jitter(jbackoff_delay(JSEND_RETRY_FIRST, attempt,
		    JSEND_RETRY_CAP), (double)random() / RAND_MAX);
		double wait = (double)ns / 1e9;
		if ((jclock_mono() - start + wait) * 1e9 > (double)r->max_ns)
			return rc;
		if (r->notify)
			r->notify(r->arg, e->msg, wait);
		struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
		nanosleep(&ts, NULL);
		attempt++;
	}
}

struct jsend_verify {
	pthread_t       th;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             done, rc;
	struct jerr     e;
	int           (*check)(const char *, struct jerr *);
	char            path[PATH_MAX];
};

static void *
verify_main(void *arg)
{
	struct jsend_verify *v = arg;
	struct jerr e = { 0, "" };
	int rc = v->check(v->path, &e);

	pthread_mutex_lock(&v->mu);
	v->rc = rc;
	v->e = e;
	v->done = 1;
	pthread_cond_broadcast(&v->cv);
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

int
jsend_verify_start(const char *path, int (*check)(const char *path, struct jerr *e),
    struct jsend_verify **vp, struct jerr *e)
{
	struct jsend_verify *v;

	if (strlen(path) >= sizeof v->path)
		return jerr_set(e, EX_USAGE, "%s: path too long", path);
	if (!(v = calloc(1, sizeof *v)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	snprintf(v->path, sizeof v->path, "%s", path);
	v->check = check;
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->cv, NULL);
	if ((errno = pthread_create(&v->th, NULL, verify_main, v)) != 0) {
		jerr_sys(e, EX_OSERR, "unable to start a thread");
		pthread_mutex_destroy(&v->mu);
		pthread_cond_destroy(&v->cv);
		free(v);
		return -1;
	}
	*vp = v;
	return 0;
}

int
jsend_verify_gate(void *arg, struct jerr *e)
{
	struct jsend_verify *v = arg;
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

int
jsend_verify_end(struct jsend_verify *v, struct jerr *e)
{
	int rc;

	pthread_join(v->th, NULL);
	rc = v->rc;
	if (rc < 0)
		*e = v->e;
	pthread_mutex_destroy(&v->mu);
	pthread_cond_destroy(&v->cv);
	free(v);
	return rc;
}
