/*
 * seg: read a journal file front to back, checking every byte as it goes.
 *
 * Invariants:
 * - Every byte consumed MUST be hashed in file order, except the trailer's last 32 bytes
 *   (the digest itself), so that the trailer check covers the whole file.
 * - A record MUST NOT be returned before its CRC and LSN are checked.
 * - The buffer MUST NOT grow beyond one maximal record plus the read-ahead, whatever the
 *   length fields say.
 * - In live mode, the first bad frame (offset X, expected LSN L; a trailer that does not
 *   verify is one too) starts a torn tail, and everything from X is then ignored, only
 *   by the rule of man/jmirror.5. A valid frame after X is one found at any offset after
 *   it (resynchronising byte by byte) with an LSN of at least L and a matching CRC. The
 *   tail is torn if no valid frame follows X (nothing but the bad record, the last, is
 *   there), or if they all (a) belong to the last batch: LSNs above L, each above the
 *   one before, all ending the same batch (LSN + batch field), which is also the batch
 *   of the record before X when that one says more records follow; and (b) the bytes
 *   from X to the first of them hold a run of at least JSEG_LOST_RUN zero bytes, which a
 *   lost write leaves and a flipped byte or a damaged length never does.
 *   Anything else is damage. When what comes before the torn tail (or the whole file)
 *   ends inside a group, the tail starts at that group's first record instead.
 *   This is the only copy of the rule: the writer (journal.c) reads through this module
 *   too, so that what a writer cuts is exactly what every reader ignores.
 * - A record of a group MUST NOT be returned from a live journal before the group's last
 *   record has been checked (a look ahead by a second reader, which bounds memory by one
 *   record too), and a sealed segment MUST NOT end inside a group.
 * - In an encrypted segment (header flag, man/jmirror.5 ENCRYPTION) the region's bytes are
 *   hashed as they are read, ciphertext, whether decrypted or not; records MUST NOT be
 *   returned from it without an identity (EX_NOPERM) unless the caller asked for opaque
 *   reading, and then none is returned. Decrypted, a record is returned only after its
 *   chunk's tag, its CRC and its LSN are checked; the plaintext MUST end exactly at a
 *   record's end, and the age file exactly at the region's end, where the trailer follows.
 *   Memory stays one record plus a chunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age.h"
#include "io.h"
#include "name.h"
#include "seg.h"
#include "zio.h"

#define READ_AHEAD (256 * 1024)
#define JSEG_LOST_RUN JFMT_REC_HEAD     /* zero bytes that tell a lost write from damage */

struct jseg {
	int         fd, own_fd, mode, eof;
	int         positional, hash;     /* read with pread at roff; hash what is consumed */
	uint64_t    roff;
	struct jzio *z;
	uint8_t    *buf;
	size_t      cap, pos, end;     /* buf[pos, end) is unread */
	uint64_t    off;               /* file offset of buf[pos] */
	struct jdigest dg;
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jfmt_sig sig;            /* signed segments: the block after the trailer */
	int         have_trailer, done;
	uint64_t    records, torn;
	uint64_t    good;              /* offset after the last record returned */
	uint16_t    batch;             /* batch field of the last record returned */
	int         in_group;          /* the last record returned has the continues flag */
	int         nolook;            /* a look-ahead reader: no look-ahead of its own */
	int         trailer_seen;      /* bytes of a trailer were consumed */
	struct jerr failed;            /* code != 0: a call failed; later calls repeat it */
	/* an encrypted segment's region (crypt_*): */
	const struct jage_keys *keys;  /* decrypt with these; NULL: no records without opaque */
	int         opaque;            /* read the region through without decrypting it */
	int         region;            /* 1 before the region, 2 inside, 0 after or none */
	struct jage_dec *dec;          /* inside, decrypting: buf holds plaintext */
	uint64_t    region_left;       /* ciphertext bytes of the region not yet read */
	struct jzio *dz;               /* inside, the plaintext is compressed: buf holds its output */
	uint8_t     peek[4];           /* the plaintext's first bytes, read to tell which */
	size_t      npeek, peek_pos;
	uint8_t    *stash;             /* ciphertext read ahead of the region's start */
	size_t      stash_pos, stash_end;
	int         raw_eof;
};

static int
fail(struct jerr *e, uint64_t off, const char *what)
{
	return jerr_set(e, EX_DATAERR, "offset %llu: %s", (unsigned long long)off, what);
}

/* One read of the file's (uncompressed) bytes: what was read, 0 at its end, -1. */
static ssize_t
raw_read(struct jseg *s, uint8_t *p, size_t n, struct jerr *e)
{
	ssize_t got;

	do {
		if (s->z)
			return jzio_read(s->z, p, n, e);
		got = s->positional ? pread(s->fd, p, n, (off_t)s->roff) : read(s->fd, p, n);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return jerr_sys(e, EX_IOERR, "offset %llu: read error",
		    (unsigned long long)s->roff);
	s->roff += (uint64_t)got;
	return got;
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
		ssize_t n = s->dz ? jzio_read(s->dz, s->buf + s->end, s->cap - s->end, e) :
		    s->dec ? jage_dec_read(s->dec, s->buf + s->end, s->cap - s->end, e) :
		    raw_read(s, s->buf + s->end, s->cap - s->end, e);
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
	if (hash && s->hash && !s->dec)         /* a region's ciphertext is hashed as read */
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

/* Free a reader that failed to open, leaving the caller's descriptor open; -1. */
static int
seg_discard(struct jseg *s)
{
	s->fd = -1;
	jseg_close(s);
	return -1;
}

static struct jseg *
seg_new(int fd, int mode, struct jerr *e)
{
	struct jseg *s = calloc(1, sizeof *s);

	if (!s) {
		jerr_sys(e, EX_OSERR, "out of memory");
		return NULL;
	}
	s->fd = fd;
	s->own_fd = -1;
	s->mode = mode;
	s->hash = 1;
	s->cap = READ_AHEAD;
	if (!(s->buf = malloc(s->cap)) || jdigest_init(&s->dg) < 0) {
		jerr_sys(e, EX_OSERR, "out of memory");
		seg_discard(s);
		return NULL;
	}
	return s;
}

/* Read and check the header of a new reader; frees s on failure. */
static int
read_header(struct jseg *s, struct jerr *e)
{
	ssize_t got;

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
	s->good = s->off;
	s->region = (s->h.flags & JFMT_HDR_ENCRYPTED) ? 1 : 0;
	return 0;
bad:
	return seg_discard(s);
}

int
jseg_open_fd(int fd, const char *name, int mode, struct jseg **sp, struct jerr *e)
{
	struct jseg *s = seg_new(fd, resolve_mode(name, mode), e);
	struct jname n;

	if (!s)
		return -1;
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
	if (read_header(s, e) < 0)
		return -1;
	*sp = s;
	return 0;
bad:
	return seg_discard(s);
}

int
jseg_open_pread(int fd, const struct jseg_at *at, struct jseg **sp, struct jerr *e)
{
	struct jseg *s = seg_new(fd, JSEG_LIVE, e);

	if (!s)
		return -1;
	s->positional = 1;
	if (!at) {
		if (read_header(s, e) < 0)
			return -1;
		*sp = s;
		return 0;
	}
	s->h = *at->h;
	s->hash = 0;
	s->off = s->roff = s->good = at->off;
	s->records = at->lsn - at->h->first_lsn;
	s->batch = at->batch;
	*sp = s;
	return 0;
}

int
jseg_resume(struct jseg *s)
{
	if (s->trailer_seen || !s->positional) {
		errno = EINVAL;
		return -1;
	}
	s->pos = s->end = 0;
	s->off = s->roff = s->good;
	s->eof = s->done = 0;
	s->torn = 0;
	memset(&s->failed, 0, sizeof s->failed);
	return 0;
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
	jzio_close(s->dz);
	jage_dec_close(s->dec);
	free(s->stash);
	jdigest_free(&s->dg);
	if (s->own_fd >= 0)
		close(s->own_fd);
	free(s->buf);
	free(s);
	errno = saved;
}

/* The LSN the next record must carry. */
static uint64_t
next_lsn(const struct jseg *s)
{
	return s->h.first_lsn + s->records;
}

/*
 * Is there a valid frame at buf[pos + i], all of it within buf[pos, pos + avail), with an
 * LSN of at least min? Its size, or 0.
 */
static size_t
frame_at(const struct jseg *s, size_t i, size_t avail, uint64_t min, struct jfmt_rec_head *r)
{
	const uint8_t *b = s->buf + s->pos + i;

	if (i + JFMT_REC_OVERHEAD > avail || jfmt_get64(b + 8) < min ||
	    jfmt_rec_decode(b, s->h.version, r, NULL) < 0 ||
	    r->len > avail - i - JFMT_REC_OVERHEAD ||
	    jfmt_get32(b + JFMT_REC_HEAD + r->len) != jfmt_rec_crc(b, b + JFMT_REC_HEAD, r->len))
		return 0;
	return JFMT_REC_OVERHEAD + (size_t)r->len;
}

/* A valid frame at buf[pos] with an LSN of at least min, read in as far as it reaches: its
 * size, 0 if there is none, -1 on a read error. */
static ssize_t
frame_here(struct jseg *s, uint64_t min, struct jfmt_rec_head *r, struct jerr *e)
{
	ssize_t avail = fill(s, JFMT_REC_HEAD, e);
	const uint8_t *p = s->buf + s->pos;

	if (avail < JFMT_REC_HEAD)
		return avail < 0 ? -1 : 0;
	if (jfmt_get64(p + 8) < min || jfmt_rec_decode(p, s->h.version, r, NULL) < 0)
		return 0;
	if ((avail = fill(s, JFMT_REC_OVERHEAD + (size_t)r->len, e)) < 0)
		return -1;
	return (ssize_t)frame_at(s, 0, (size_t)avail, min, r);
}

/*
 * The rule at the top, for a bad frame at s->off: read on to the end of the file without
 * hashing, looking at every offset for a valid frame and at every byte for zeros. The
 * buffer holds at most one frame at a time. 1: everything from the bad frame is torn (s
 * is done); 0: damage, *where is the first valid frame after it; -1: read error.
 */
static int
torn_tail(struct jseg *s, uint64_t *where, struct jerr *e)
{
	uint64_t lsn = next_lsn(s), last = lsn, end = 0, i = 0, run = 0, maxrun = 0;
	int found = 0;

	if (s->batch)           /* the record before the bad one said its write goes on */
		end = lsn - 1 + s->batch;
	for (;;) {
		struct jfmt_rec_head r;
		ssize_t fl = 0, avail;
		uint8_t b;

		if (i > 0 && (fl = frame_here(s, lsn, &r, e)) < 0)
			return -1;
		if (fl > 0) {
			if (!found)
				*where = s->off;
			/* (b) before the first one; (a) for each: the same batch, in order */
			if ((!found && maxrun < JSEG_LOST_RUN) || r.lsn <= last ||
			    (end && r.lsn + r.batch != end))
				return 0;
			end = r.lsn + r.batch;
			last = r.lsn;
			found = 1;
			consume(s, (size_t)fl, 0);
			i += (uint64_t)fl;
			continue;
		}
		if ((avail = fill(s, 1, e)) < 0)
			return -1;
		if (avail == 0)
			break;
		b = s->buf[s->pos];
		run = b ? 0 : run + 1;
		if (!found && run > maxrun)
			maxrun = run;
		consume(s, 1, 0);
		i++;
	}
	s->torn = i;
	s->done = 1;
	return 1;
}

/*
 * The frame at buf[pos] is bad, as why says. In a sealed segment that is an error; in a
 * live journal it is a torn tail when the rule at the top says so: 0 (s is done), or -1
 * with e saying why not (or what failed).
 */
static int
bad_frame(struct jseg *s, const char *why, struct jerr *e)
{
	uint64_t at = s->off, where = 0;
	int rc;

	if (s->mode != JSEG_LIVE)
		return fail(e, at, why);
	if ((rc = torn_tail(s, &where, e)) != 0)
		return rc > 0 ? 0 : -1;
	s->off = at;            /* s is failed anyway */
	return jerr_set(e, EX_DATAERR, "offset %llu: %s (a valid record follows at offset %llu)",
	    (unsigned long long)at, why, (unsigned long long)where);
}

/* Check the trailer at buf[pos], consuming it: NULL if valid, else why not. */
static const char *
check_trailer(struct jseg *s, char *why, size_t size)
{
	uint8_t dg[JDIGEST_LEN];
	struct jerr e;

	if (jfmt_trailer_decode(s->buf + s->pos, &s->t, &e) < 0) {
		snprintf(why, size, "%s", e.msg);
		return why;
	}
	consume(s, JFMT_TRAILER_SIZE - JDIGEST_LEN, 1);
	jdigest_final(&s->dg, dg);
	consume(s, JDIGEST_LEN, 0);
	if (s->opaque && (s->h.flags & JFMT_HDR_ENCRYPTED))
		s->records = s->t.records;      /* counted by the writer, inside the ciphertext */
	if (s->t.records != s->records)
		return "trailer record count does not match the records";
	if (s->t.last_lsn != s->h.first_lsn + s->records - 1)
		return "trailer last LSN does not match the records";
	if (s->t.size != s->off)
		return "trailer size does not match the file";
	if (memcmp(dg, s->t.digest, JDIGEST_LEN) != 0)
		return "SHA-256 mismatch: the segment is damaged";
	return NULL;
}

/* A signed segment's signature block at buf[pos] (avail bytes there), consumed: NULL if its
 * form is valid, else why not. */
static const char *
check_sig(struct jseg *s, ssize_t avail, char *why, size_t size)
{
	struct jerr e;

	if (avail < JFMT_SIG_SIZE)
		return "truncated signature block (cut short in transit? re-ship it)";
	if (jfmt_sig_decode(s->buf + s->pos, &s->sig, &e) < 0) {
		snprintf(why, size, "%s", e.msg);
		return why;
	}
	consume(s, JFMT_SIG_SIZE, 0);
	return NULL;
}

static int
read_trailer(struct jseg *s, struct jerr *e)
{
	uint64_t at = s->off;
	size_t tail = (s->h.flags & JFMT_HDR_SIGNED) ? JFMT_SIG_SIZE : 0;
	ssize_t avail = fill(s, JFMT_TRAILER_SIZE + tail + 1, e);
	char buf[sizeof e->msg];
	const char *why;

	if (avail < 0)
		return -1;
	s->trailer_seen = 1;
	if (avail < JFMT_TRAILER_SIZE)
		why = "truncated trailer (cut short in transit? re-ship it)";
	else if (!(why = check_trailer(s, buf, sizeof buf)) &&
	    !(why = tail ? check_sig(s, avail - JFMT_TRAILER_SIZE, buf, sizeof buf) : NULL)) {
		/* Everything up to here is in the buffer already: avail says what follows. */
		if ((size_t)avail > JFMT_TRAILER_SIZE + tail)
			return fail(e, s->off, tail ? "data after the signature block" :
			    "data after the trailer");
		s->have_trailer = 1;
		return 0;
	}
	/* In a live journal, perhaps a sealing that did not complete: read it again as a
	 * bad frame (nothing was read in since it was consumed). */
	s->pos -= (size_t)(s->off - at);
	s->off = at;
	return bad_frame(s, why, e);
}

/* ---- an encrypted segment's region: one age file, hashed as it is read ---- */

/* The decryptor's source: the region's ciphertext, read ahead bytes first, hashed. */
static ssize_t
region_src(void *arg, void *p, size_t n, struct jerr *e)
{
	struct jseg *s = arg;
	ssize_t got;

	if (s->region_left == 0)
		return 0;
	if (n > s->region_left)
		n = (size_t)s->region_left;
	if (s->stash_pos < s->stash_end) {
		got = (ssize_t)(s->stash_end - s->stash_pos < n ? s->stash_end - s->stash_pos : n);
		memcpy(p, s->stash + s->stash_pos, (size_t)got);
		s->stash_pos += (size_t)got;
	} else if ((got = raw_read(s, p, n, e)) < 0)
		return -1;
	if (got == 0)
		return jerr_set(e, EX_DATAERR, "offset %llu: truncated: the encrypted region ends "
		    "early (cut short in transit? re-ship it)",
		    (unsigned long long)(JFMT_HEADER_SIZE + s->h.region - s->region_left));
	if (s->hash)
		jdigest_update(&s->dg, p, (size_t)got);
	s->region_left -= (uint64_t)got;
	return got;
}

/* Without keys: read the region through, hashing it, and go on after it. */
static int
region_skip(struct jseg *s, struct jerr *e)
{
	while (s->region_left > 0) {
		ssize_t avail = fill(s, 1, e);
		size_t n;
		if (avail < 0)
			return -1;
		if (avail == 0)
			return fail(e, s->off, "truncated: the encrypted region ends early (cut "
			    "short in transit? re-ship it)");
		n = (uint64_t)avail < s->region_left ? (size_t)avail : (size_t)s->region_left;
		consume(s, n, 1);
		s->region_left -= n;
	}
	s->region = 0;
	return 0;
}

/* The decompressor's source: the plaintext's first bytes, then the rest of it. */
static ssize_t
plain_src(void *arg, void *p, size_t n, struct jerr *e)
{
	struct jseg *s = arg;

	if (s->peek_pos < s->npeek) {
		size_t k = s->npeek - s->peek_pos < n ? s->npeek - s->peek_pos : n;
		memcpy(p, s->peek + s->peek_pos, k);
		s->peek_pos += k;
		return (ssize_t)k;
	}
	return jage_dec_read(s->dec, p, n, e);
}

/*
 * The plaintext is the records, or one zstd or xz stream of them (man/jmirror.5), told
 * apart by its first four bytes, which as a record's length would exceed the limit.
 */
static int
region_plain(struct jseg *s, struct jerr *e)
{
	static const uint8_t zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd }, xz[4] = { 0xfd, '7', 'z', 'X' };
	ssize_t got = 1;

	while (s->npeek < sizeof s->peek && got > 0) {
		if ((got = jage_dec_read(s->dec, s->peek + s->npeek, sizeof s->peek - s->npeek, e)) < 0)
			return -1;
		s->npeek += (size_t)got;
	}
	if (s->npeek == 4 && (!memcmp(s->peek, zstd, 4) || !memcmp(s->peek, xz, 4)))
		return jzio_open_read_src(plain_src, s, &s->dz, e);
	memcpy(s->buf, s->peek, s->npeek);      /* records: what was read is theirs */
	s->end = s->npeek;
	s->peek_pos = s->npeek;
	return 0;
}

/* At the region's start: decrypt it (buf holds plaintext from here), or skip it. */
static int
region_enter(struct jseg *s, struct jerr *e)
{
	char why[sizeof e->msg];

	s->region_left = s->h.region;
	if (s->mode == JSEG_LIVE)
		return fail(e, 0, "an encrypted file is never a live journal");
	if (s->opaque)
		return region_skip(s, e);
	if (!s->keys)
		return jerr_set(e, EX_NOPERM, "the records are encrypted: an identity is needed "
		    "to read them");
	s->stash_end = s->end - s->pos;
	if (!(s->stash = malloc(s->stash_end ? s->stash_end : 1)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	memcpy(s->stash, s->buf + s->pos, s->stash_end);
	s->pos = s->end = 0;
	s->raw_eof = s->eof;
	s->eof = 0;
	if (jage_dec_open(s->keys, region_src, s, &s->dec, e) < 0) {
		snprintf(why, sizeof why, "%s", e->msg);
		return e->code == EX_DATAERR ? fail(e, s->off, why) :
		    jerr_set(e, e->code, "encrypted records: %s", why);
	}
	s->region = 2;
	return region_plain(s, e);
}

/* The plaintext ended: the file goes on after the region, with what was read ahead. */
static int
region_leave(struct jseg *s, struct jerr *e)
{
	size_t left = s->stash_end - s->stash_pos;
	uint8_t more;

	if (s->dz) {            /* the compressed stream ended: so must the plaintext */
		ssize_t n = plain_src(s, &more, 1, e);
		if (n != 0)
			return n < 0 ? -1 : fail(e, s->off, "data after the compressed records");
		jzio_close(s->dz);
		s->dz = NULL;
	}
	jage_dec_close(s->dec);
	s->dec = NULL;
	s->region = 0;
	s->off = JFMT_HEADER_SIZE + s->h.region;
	memcpy(s->buf, s->stash + s->stash_pos, left);
	s->pos = 0;
	s->end = left;
	s->eof = s->raw_eof;
	free(s->stash);
	s->stash = NULL;
	return 0;
}

void jseg_decrypt(struct jseg *s, const struct jage_keys *k) { s->keys = k; }
void jseg_opaque(struct jseg *s) { s->opaque = 1; }
int  jseg_encrypted(const struct jseg *s) { return (s->h.flags & JFMT_HDR_ENCRYPTED) != 0; }

static int next(struct jseg *s, struct jseg_rec *r, struct jerr *e);

/*
 * In a live journal, the record at s->off starts a group: is its last record there? 1
 * yes; 0 no, and everything from the group's first record is a torn tail (s is done); -1
 * damage after it (as the rule says) or a read error. A second reader reads the group with
 * pread, one record at a time, leaving s as it is.
 */
static int
group_complete(struct jseg *s, struct jerr *e)
{
	struct jseg_at at = { .h = &s->h, .off = s->off, .lsn = next_lsn(s), .batch = s->batch };
	struct jseg *g;
	struct jseg_rec r;
	int rc;

	if (jseg_open_pread(s->fd, &at, &g, e) < 0)
		return -1;
	g->nolook = 1;
	while ((rc = jseg_next(g, &r, e)) == 1 && (r.flags & JFMT_REC_CONTINUES))
		;
	if (rc == 0) {
		s->torn = g->off - s->off;
		s->done = 1;
	}
	jseg_close(g);
	return rc;
}

/* The records end here (s is done): not inside a group, which the look ahead saw whole. */
static int
ended(struct jseg *s, struct jerr *e)
{
	if (s->in_group && !s->nolook)
		return fail(e, s->good, "the records end inside a group that was complete when "
		    "read ahead (the file changed under the reader)");
	return 0;
}

int
jseg_next(struct jseg *s, struct jseg_rec *r, struct jerr *e)
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
next(struct jseg *s, struct jseg_rec *r, struct jerr *e)
{
	char why[sizeof e->msg];
	struct jfmt_rec_head fr;
	uint8_t *p;
	ssize_t avail;
	size_t frame;

	if (s->done)
		return 0;
	if (s->region == 1 && region_enter(s, e) < 0)
		return -1;
	if ((avail = fill(s, JFMT_REC_HEAD, e)) < 0)
		return -1;
	if (avail == 0 && s->region == 2) {
		if (region_leave(s, e) < 0)
			return -1;
		if ((avail = fill(s, JFMT_REC_HEAD, e)) < 0)
			return -1;
	}
	if (avail == 0) {
		if (s->mode == JSEG_SEALED)
			return fail(e, s->off, "truncated: no trailer (cut short in transit? re-ship it)");
		s->done = 1;
		return ended(s, e);
	}
	p = s->buf + s->pos;
	if (avail >= 4 && jfmt_is_trailer(p) && s->region == 2)
		return fail(e, s->off, "a trailer inside the encrypted records");
	if (avail >= 4 && jfmt_is_trailer(p)) {
		if (read_trailer(s, e) < 0)
			return -1;
		s->done = 1;
		if (s->have_trailer && s->in_group)
			return fail(e, s->good, "the segment ends inside a group (its last record "
			    "says the group continues)");
		return ended(s, e);
	}
	if ((s->h.flags & JFMT_HDR_ENCRYPTED) && s->region == 0)
		return fail(e, s->off, "data after the encrypted region (its trailer must follow "
		    "it)");
	if (avail < JFMT_REC_HEAD)
		return bad_frame(s, "truncated record (cut short in transit? re-ship it)", e) < 0 ?
		    -1 : ended(s, e);
	if (jfmt_rec_decode(p, s->h.version, &fr, e) < 0) {
		snprintf(why, sizeof why, "%s", e->msg);
		return bad_frame(s, why, e) < 0 ? -1 : ended(s, e);
	}
	frame = JFMT_REC_OVERHEAD + (size_t)fr.len;
	if ((avail = fill(s, frame, e)) < 0)
		return -1;
	p = s->buf + s->pos;
	if ((size_t)avail < frame) {
		snprintf(why, sizeof why, s->mode == JSEG_LIVE ? "record length %u runs past the "
		    "end" : "truncated record: its length %u runs past the end (cut short in "
		    "transit? re-ship it)", fr.len);
		return bad_frame(s, why, e) < 0 ? -1 : ended(s, e);
	}
	if (jfmt_get32(p + JFMT_REC_HEAD + fr.len) != jfmt_rec_crc(p, p + JFMT_REC_HEAD, fr.len))
		return bad_frame(s, "record checksum mismatch", e) < 0 ? -1 : ended(s, e);
	if (fr.lsn != s->h.first_lsn + s->records)
		return fail(e, s->off, "LSN out of sequence");
	if ((fr.flags & JFMT_REC_CONTINUES) && !s->in_group && s->mode == JSEG_LIVE &&
	    !s->nolook && !s->z) {
		int rc = group_complete(s, e);
		if (rc <= 0)
			return rc;
	}
	r->lsn = fr.lsn;
	r->time = fr.time;
	r->type = fr.type;
	r->flags = fr.flags;
	r->len = fr.len;
	r->data = p + JFMT_REC_HEAD;
	r->off = s->off;
	consume(s, frame, 1);
	s->records++;
	s->good = s->off;
	s->batch = fr.batch;
	s->in_group = (fr.flags & JFMT_REC_CONTINUES) != 0;
	return 1;
}

const struct jfmt_header *jseg_header(const struct jseg *s) { return &s->h; }
const struct jfmt_trailer *jseg_trailer(const struct jseg *s) { return s->have_trailer ? &s->t : NULL; }

const struct jfmt_sig *
jseg_sig(const struct jseg *s)
{
	return s->have_trailer && (s->h.flags & JFMT_HDR_SIGNED) ? &s->sig : NULL;
}
uint64_t jseg_records(const struct jseg *s) { return s->records; }
uint64_t jseg_last_lsn(const struct jseg *s) { return s->h.first_lsn + s->records - 1; }
uint64_t jseg_offset(const struct jseg *s) { return s->off; }
uint64_t jseg_torn(const struct jseg *s) { return s->torn; }
int jseg_mode(const struct jseg *s) { return s->mode; }
uint64_t jseg_end(const struct jseg *s) { return s->good; }
uint16_t jseg_batch(const struct jseg *s) { return s->batch; }

struct jdigest *
jseg_hash(struct jseg *s)
{
	if (s->trailer_seen || !s->hash) {
		errno = EINVAL;
		return NULL;
	}
	s->hash = 0;
	s->trailer_seen = 1;
	return &s->dg;
}

int
jseg_verify(const char *path, int mode, struct jfmt_header *h, struct jfmt_trailer *t,
    struct jerr *e)
{
	struct jseg *s;
	struct jseg_rec r;
	int rc;

	if (jseg_open(path, mode, &s, e) < 0)
		return -1;
	jseg_opaque(s);
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

/*
 * The end of a plain segment of size bytes (all of them in all, when not NULL) with header
 * h: is a trailer (and the signature
 * block a signed one needs) there, and does it agree with the size? 1 or 0; -1 read error.
 */
#define PROBE_WHOLE 8192

static int
probe_tail(int fd, off_t size, const uint8_t *all, const struct jfmt_header *h,
    struct jfmt_trailer *t, struct jfmt_sig *sig, struct jerr *e)
{
	uint8_t tb[JFMT_TRAILER_SIZE + JFMT_SIG_SIZE];
	size_t tail = (h->flags & JFMT_HDR_SIGNED) ? JFMT_SIG_SIZE : 0;
	off_t at = size - JFMT_TRAILER_SIZE - (off_t)tail;

	if (at < JFMT_HEADER_SIZE)
		return 0;
	if (all)
		memcpy(tb, all + at, JFMT_TRAILER_SIZE + tail);
	else if (jio_pread_full(fd, tb, JFMT_TRAILER_SIZE + tail, at) !=
	    (ssize_t)(JFMT_TRAILER_SIZE + tail))
		return jerr_sys(e, EX_IOERR, "unable to read");
	if (jfmt_trailer_decode(tb, t, NULL) < 0 || t->size != (uint64_t)at + JFMT_TRAILER_SIZE ||
	    t->last_lsn + 1 != h->first_lsn + t->records ||
	    (tail && jfmt_sig_decode(tb + JFMT_TRAILER_SIZE, sig, NULL) < 0))
		return 0;
	return 1;
}

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
	return jseg_probe_sig(fd, name, h, t, NULL, e);
}

int
jseg_probe_sig(int fd, const char *name, struct jfmt_header *h, struct jfmt_trailer *t,
    struct jfmt_sig *sig, struct jerr *e)
{
	uint8_t hb[JFMT_HEADER_SIZE];
	struct jfmt_header hh;
	struct jfmt_trailer tt;
	struct jfmt_sig ss;
	struct jname n;
	struct stat st;

	if (!h)
		h = &hh;
	if (!t)
		t = &tt;
	if (!sig)
		sig = &ss;
	if (fstat(fd, &st) < 0)
		return jerr_sys(e, EX_IOERR, "unable to stat");
	if (!S_ISREG(st.st_mode))
		return jerr_set(e, EX_DATAERR, "not a regular file");
	if (jname_parse(jio_basename(name), &n) == JNAME_SEGMENT && n.comp != JCOMP_NONE) {
		struct jerr e2;
		struct jseg *s;
		struct jseg_rec r;
		int rc;

		if (jseg_open_fd(fd, name, JSEG_SEALED, &s, &e2) == 0) {
			jseg_opaque(s);
			while ((rc = jseg_next(s, &r, &e2)) == 1)
				;
			if (rc == 0) {
				*h = s->h;
				*t = s->t;
				*sig = s->sig;
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
		if (jfmt_header_decode(all, h, e) < 0)
			return -1;
		return probe_tail(fd, st.st_size, all, h, t, sig, e);
	}
	if (jio_pread_full(fd, hb, sizeof hb, 0) != sizeof hb)
		return jerr_sys(e, EX_IOERR, "unable to read");
	if (jfmt_header_decode(hb, h, e) < 0)
		return -1;
	return probe_tail(fd, st.st_size, NULL, h, t, sig, e);
}
