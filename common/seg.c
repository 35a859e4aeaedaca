/*
 * seg: read a journal file front to back, checking every byte as it goes.
 *
 * Invariants:
 * - Every byte consumed MUST be hashed in file order, except the trailer's last 32 bytes
 *   (the digest itself), so that the trailer check covers the whole file.
 * - A record MUST NOT be returned before its CRC and LSN are checked.
 * - The buffer MUST NOT grow beyond one maximal record plus the read-ahead, whatever the
 *   length fields say.
 * - In live mode a bad frame is a torn tail only if nothing follows it: an incomplete frame
 *   at end of file (unless a valid record with the next LSN starts inside it: then its
 *   length is damaged), a complete frame with a bad CRC that ends exactly at end of file,
 *   or a tail of zero bytes of any length (what a power loss leaves). Anything else is
 *   damage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "name.h"
#include "seg.h"
#include "zio.h"

#define READ_AHEAD (256 * 1024)

struct jseg {
	int         fd, own_fd, mode, eof;
	struct jzio *z;
	uint8_t    *buf;
	size_t      cap, pos, end;     /* buf[pos, end) is unread */
	uint64_t    off;               /* file offset of buf[pos] */
	struct jdigest dg;
	struct jfmt_header h;
	struct jfmt_trailer t;
	int         have_trailer, done;
	uint64_t    records, torn;
	struct jerr failed;            /* code != 0: a call failed; later calls repeat it */
};

static int
fail(struct jerr *e, uint64_t off, const char *what)
{
	return jerr_set(e, EX_DATAERR, "offset %llu: %s", (unsigned long long)off, what);
}

/* Make at least need bytes available at buf[pos]; returns what is available (< need at EOF). */
static ssize_t
fill(struct jseg *s, size_t need, struct jerr *e)
{
	if (s->end - s->pos >= need || s->eof)
		return (ssize_t)(s->end - s->pos);
	if (s->pos > 0) {
		memmove(s->buf, s->buf + s->pos, s->end - s->pos);
		s->end -= s->pos;
		s->pos = 0;
	}
	if (need > s->cap) {
		size_t cap = need + READ_AHEAD;
		uint8_t *nb = realloc(s->buf, cap);
		if (!nb)
			return jerr_sys(e, EX_OSERR, "offset %llu: out of memory",
			    (unsigned long long)s->off);
		s->buf = nb;
		s->cap = cap;
	}
	while (s->end < need && !s->eof) {
		ssize_t n;
		if (s->z)
			n = jzio_read(s->z, s->buf + s->end, s->cap - s->end, e);
		else {
			n = read(s->fd, s->buf + s->end, s->cap - s->end);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				jerr_sys(e, EX_IOERR, "offset %llu: read error",
				    (unsigned long long)(s->off + s->end));
		}
		if (n < 0)
			return -1;
		if (n == 0)
			s->eof = 1;
		s->end += (size_t)n;
	}
	return (ssize_t)(s->end - s->pos);
}

static void
consume(struct jseg *s, size_t n, int hash)
{
	if (hash)
		jdigest_update(&s->dg, s->buf + s->pos, n);
	s->pos += n;
	s->off += n;
}

static int
resolve_mode(const char *name, int mode)
{
	struct jname n;

	if (mode != JSEG_AUTO)
		return mode;
	return jname_parse(jio_basename(name), &n) == JNAME_LIVE ? JSEG_LIVE : JSEG_SEALED;
}

int
jseg_open_fd(int fd, const char *name, int mode, struct jseg **sp, struct jerr *e)
{
	struct jseg *s = calloc(1, sizeof *s);
	struct jname n;
	ssize_t got;

	if (!s)
		return jerr_sys(e, EX_OSERR, "out of memory");
	s->fd = fd;
	s->own_fd = -1;
	s->mode = resolve_mode(name, mode);
	s->cap = READ_AHEAD;
	if (!(s->buf = malloc(s->cap)) || jdigest_init(&s->dg) < 0) {
		jerr_sys(e, EX_OSERR, "out of memory");
		goto bad;
	}
	jname_parse(jio_basename(name), &n);
	if (n.kind == JNAME_SEGMENT && n.comp != JCOMP_NONE) {
		if (jzio_open_read(fd, &s->z, e) < 0)
			goto bad;
		if (jzio_filter(s->z) != n.comp) {
			int is = jzio_filter(s->z);
			jerr_set(e, EX_DATAERR, "offset 0: the name says %s, but the file is %s",
			    jcomp_name(n.comp), is == JCOMP_NONE ? "not compressed" : jcomp_name(is));
			goto bad;
		}
	}
	if ((got = fill(s, JFMT_HEADER_SIZE, e)) < 0)
		goto bad;
	if (got < JFMT_HEADER_SIZE) {
		/* Say what is wrong with the magic if the bytes there differ from it. */
		memset(s->buf + got, 0, JFMT_HEADER_SIZE - (size_t)got);
		if (memcmp(s->buf, JFMT_MAGIC, got < JFMT_MAGIC_LEN ? (size_t)got : JFMT_MAGIC_LEN)) {
			char why[sizeof e->msg];
			jfmt_header_decode(s->buf, &s->h, e);
			if (e) {
				snprintf(why, sizeof why, "%s", e->msg);
				fail(e, 0, why);
			}
		} else
			jerr_set(e, EX_DATAERR, "offset 0: truncated: %zd bytes, shorter than a header",
			    got);
		goto bad;
	}
	if (jfmt_header_decode(s->buf, &s->h, e) < 0) {
		char why[sizeof e->msg];
		if (e) {
			snprintf(why, sizeof why, "%s", e->msg);
			fail(e, 0, why);
		}
		goto bad;
	}
	consume(s, JFMT_HEADER_SIZE, 1);
	*sp = s;
	return 0;
bad:
	s->fd = -1;
	jseg_close(s);
	return -1;
}

int
jseg_open(const char *path, int mode, struct jseg **sp, struct jerr *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR), "unable to open");
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (jseg_open_fd(fd, path, mode, sp, e) < 0) {
		close(fd);
		return -1;
	}
	(*sp)->own_fd = fd;
	return 0;
}

void
jseg_close(struct jseg *s)
{
	int saved = errno;

	if (!s)
		return;
	jzio_close(s->z);
	jdigest_free(&s->dg);
	if (s->own_fd >= 0)
		close(s->own_fd);
	free(s->buf);
	free(s);
	errno = saved;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/*
 * In live mode, is everything from buf[pos] to end of file a torn tail, given that the frame
 * starting there (frame bytes long, or its head) is bad?  1 yes (and s is done), 0 no, -1 error.
 * A tail of zeros may be longer than the buffer: it is scanned in buffer-sized steps.
 */
/*
 * Does a valid record with the LSN after the bad one start within buf[pos+1, pos+avail)?
 * Then the bad frame is damage (a length field that points past the end), not a torn write:
 * writes are sequential, so nothing valid can follow a record that was being written.
 */
static int
record_follows(const struct jseg *s, size_t avail, uint64_t *where)
{
	const uint8_t *b = s->buf + s->pos;
	uint64_t lsn = s->h.first_lsn + s->records + 1;

	for (size_t i = 1; i + JFMT_REC_OVERHEAD <= avail; i++) {
		struct jfmt_rec r;
		if (jfmt_get64(b + i + 8) != lsn || jfmt_rec_decode(b + i, &r, NULL) < 0 ||
		    r.len > avail - i - JFMT_REC_OVERHEAD)
			continue;
		if (jfmt_get32(b + i + JFMT_REC_HEAD + r.len) ==
		    jfmt_rec_crc(b + i, b + i + JFMT_REC_HEAD, r.len)) {
			*where = s->off + i;
			return 1;
		}
	}
	return 0;
}

static int
torn_tail(struct jseg *s, size_t frame, struct jerr *e)
{
	uint64_t at = s->off, torn = 0, where;
	ssize_t avail;

	if (s->mode != JSEG_LIVE)
		return 0;
	if ((avail = fill(s, frame + 1, e)) < 0)
		return -1;
	if ((size_t)avail <= frame && record_follows(s, (size_t)avail, &where))
		return jerr_set(e, EX_DATAERR, "offset %llu: damaged record (a valid record "
		    "follows at offset %llu)", (unsigned long long)at, (unsigned long long)where);
	if ((size_t)avail > frame) {
		/* more follows the bad frame: damage, unless it is all zeros up to the end */
		for (;;) {
			if (!all_zero(s->buf + s->pos, (size_t)avail)) {
				s->off = at;    /* for the caller's message; s is failed anyway */
				return 0;
			}
			if (s->eof)
				break;
			torn += (uint64_t)avail;
			consume(s, (size_t)avail, 0);
			if ((avail = fill(s, s->cap, e)) < 0)
				return -1;
		}
	}
	s->torn = torn + (uint64_t)avail;
	s->done = 1;
	return 1;
}

static int
read_trailer(struct jseg *s, struct jerr *e)
{
	uint8_t dg[JDIGEST_LEN];
	uint64_t at = s->off;
	ssize_t avail = fill(s, JFMT_TRAILER_SIZE + 1, e);
	const uint8_t *p;

	if (avail < 0)
		return -1;
	if (avail < JFMT_TRAILER_SIZE) {
		if (s->mode == JSEG_LIVE) {     /* a rotation died writing it: not sealed yet */
			s->torn = (uint64_t)avail;
			return 0;
		}
		return fail(e, at, "truncated trailer (cut short in transit? re-ship it)");
	}
	p = s->buf + s->pos;
	if (jfmt_trailer_decode(p, &s->t, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e ? e->msg : "");
		return fail(e, at, why);
	}
	consume(s, JFMT_TRAILER_SIZE - JDIGEST_LEN, 1);
	jdigest_final(&s->dg, dg);
	consume(s, JDIGEST_LEN, 0);
	if (s->t.records != s->records)
		return fail(e, at, "trailer record count does not match the records");
	if (s->t.last_lsn != s->h.first_lsn + s->records - 1)
		return fail(e, at, "trailer last LSN does not match the records");
	if (s->t.size != s->off)
		return fail(e, at, "trailer size does not match the file");
	if (memcmp(dg, s->t.digest, JDIGEST_LEN) != 0)
		return fail(e, at, "SHA-256 mismatch: the segment is damaged");
	if ((avail = fill(s, 1, e)) < 0)
		return -1;
	if (avail > 0)
		return fail(e, s->off, "data after the trailer");
	s->have_trailer = 1;
	return 0;
}

static int next(struct jseg *s, struct jrec *r, struct jerr *e);

int
jseg_next(struct jseg *s, struct jrec *r, struct jerr *e)
{
	struct jerr mine;
	int rc;

	if (s->failed.code) {
		if (e)
			*e = s->failed;
		return -1;
	}
	rc = next(s, r, e ? e : &mine);
	if (rc < 0)
		s->failed = e ? *e : mine;
	return rc;
}

static int
next(struct jseg *s, struct jrec *r, struct jerr *e)
{
	struct jfmt_rec fr;
	uint8_t *p;
	ssize_t avail;
	size_t frame;
	int torn;

	if (s->done)
		return 0;
	if ((avail = fill(s, JFMT_REC_HEAD, e)) < 0)
		return -1;
	if (avail == 0) {
		if (s->mode == JSEG_SEALED)
			return fail(e, s->off, "truncated: no trailer (cut short in transit? re-ship it)");
		s->done = 1;
		return 0;
	}
	p = s->buf + s->pos;
	if (avail >= 4 && jfmt_is_trailer(p)) {
		if (read_trailer(s, e) < 0)
			return -1;
		s->done = 1;
		return 0;
	}
	if (avail < JFMT_REC_HEAD) {
		if ((torn = torn_tail(s, JFMT_REC_HEAD, e)) != 0)
			return torn > 0 ? 0 : -1;
		return fail(e, s->off, "truncated record (cut short in transit? re-ship it)");
	}
	if (jfmt_rec_decode(p, &fr, e) < 0) {
		char why[sizeof e->msg];
		snprintf(why, sizeof why, "%s", e ? e->msg : "");
		if ((torn = torn_tail(s, JFMT_REC_HEAD, e)) != 0)
			return torn > 0 ? 0 : -1;
		return fail(e, s->off, why);
	}
	frame = JFMT_REC_OVERHEAD + (size_t)fr.len;
	if ((avail = fill(s, frame, e)) < 0)
		return -1;
	p = s->buf + s->pos;
	if ((size_t)avail < frame) {
		if ((torn = torn_tail(s, frame, e)) != 0)
			return torn > 0 ? 0 : -1;
		return jerr_set(e, EX_DATAERR, "offset %llu: truncated record: its length %u runs "
		    "past the end (cut short in transit? re-ship it)", (unsigned long long)s->off,
		    fr.len);
	}
	if (jfmt_get32(p + JFMT_REC_HEAD + fr.len) != jfmt_rec_crc(p, p + JFMT_REC_HEAD, fr.len)) {
		if ((torn = torn_tail(s, frame, e)) != 0)
			return torn > 0 ? 0 : -1;
		return fail(e, s->off, "record checksum mismatch");
	}
	if (fr.lsn != s->h.first_lsn + s->records)
		return fail(e, s->off, "LSN out of sequence");
	r->lsn = fr.lsn;
	r->time = fr.time;
	r->type = fr.type;
	r->len = fr.len;
	r->data = p + JFMT_REC_HEAD;
	r->off = s->off;
	consume(s, frame, 1);
	s->records++;
	return 1;
}

const struct jfmt_header *jseg_header(const struct jseg *s) { return &s->h; }
const struct jfmt_trailer *jseg_trailer(const struct jseg *s) { return s->have_trailer ? &s->t : NULL; }
uint64_t jseg_records(const struct jseg *s) { return s->records; }
uint64_t jseg_last_lsn(const struct jseg *s) { return s->h.first_lsn + s->records - 1; }
uint64_t jseg_offset(const struct jseg *s) { return s->off; }
uint64_t jseg_torn(const struct jseg *s) { return s->torn; }
int jseg_mode(const struct jseg *s) { return s->mode; }

int
jseg_verify(const char *path, int mode, struct jfmt_header *h, struct jfmt_trailer *t,
    struct jerr *e)
{
	struct jseg *s;
	struct jrec r;
	int rc;

	if (jseg_open(path, mode, &s, e) < 0)
		return -1;
	while ((rc = jseg_next(s, &r, e)) == 1)
		;
	if (rc == 0) {
		if (h)
			*h = s->h;
		if (t) {
			if (s->have_trailer)
				*t = s->t;
			else
				memset(t, 0, sizeof *t);
		}
	}
	jseg_close(s);
	return rc;
}

#define PROBE_WHOLE 8192

int
jseg_probe(const char *path, struct jfmt_header *h, struct jfmt_trailer *t, struct jerr *e)
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR), "unable to open");
	rc = jseg_probe_fd(fd, path, h, t, e);
	close(fd);
	return rc;
}

int
jseg_probe_fd(int fd, const char *name, struct jfmt_header *h, struct jfmt_trailer *t,
    struct jerr *e)
{
	uint8_t hb[JFMT_HEADER_SIZE], tb[JFMT_TRAILER_SIZE];
	struct jfmt_header hh;
	struct jfmt_trailer tt;
	struct jname n;
	struct stat st;

	if (!h)
		h = &hh;
	if (!t)
		t = &tt;
	if (fstat(fd, &st) < 0)
		return jerr_sys(e, EX_IOERR, "unable to stat");
	if (!S_ISREG(st.st_mode))
		return jerr_set(e, EX_DATAERR, "not a regular file");
	if (jname_parse(jio_basename(name), &n) == JNAME_SEGMENT && n.comp != JCOMP_NONE) {
		struct jerr e2;
		struct jseg *s;
		struct jrec r;
		int rc;

		if (jseg_open_fd(fd, name, JSEG_SEALED, &s, &e2) == 0) {
			while ((rc = jseg_next(s, &r, &e2)) == 1)
				;
			if (rc == 0) {
				*h = s->h;
				*t = s->t;
			}
			jseg_close(s);
			if (rc == 0)
				return 1;
		}
		if (e2.code == EX_IOERR || e2.code == EX_NOINPUT) {
			if (e)
				*e = e2;
			return -1;
		}
		return 0;       /* incomplete or damaged stream: wait for it to be completed */
	}
	if (st.st_size < JFMT_HEADER_SIZE + JFMT_TRAILER_SIZE) {
		if (st.st_size >= JFMT_MAGIC_LEN &&
		    jio_pread_full(fd, hb, JFMT_MAGIC_LEN, 0) == JFMT_MAGIC_LEN &&
		    memcmp(hb, JFMT_MAGIC, JFMT_MAGIC_LEN) != 0)
			return jerr_set(e, EX_DATAERR, "not a jmirror segment (bad magic)");
		return 0;
	}
	if (st.st_size <= PROBE_WHOLE) {
		/* Small segments (frequent rotation) are common: one read instead of two. */
		uint8_t all[PROBE_WHOLE];
		if (jio_pread_full(fd, all, (size_t)st.st_size, 0) != st.st_size)
			return jerr_sys(e, EX_IOERR, "unable to read");
		memcpy(hb, all, sizeof hb);
		memcpy(tb, all + st.st_size - JFMT_TRAILER_SIZE, sizeof tb);
	} else if (jio_pread_full(fd, hb, sizeof hb, 0) != sizeof hb ||
	    jio_pread_full(fd, tb, sizeof tb, st.st_size - JFMT_TRAILER_SIZE) != sizeof tb) {
		return jerr_sys(e, EX_IOERR, "unable to read");
	}
	if (jfmt_header_decode(hb, h, e) < 0)
		return -1;
	if (jfmt_trailer_decode(tb, t, NULL) < 0 || t->size != (uint64_t)st.st_size ||
	    t->last_lsn + 1 != h->first_lsn + t->records)
		return 0;
	return 1;
}
