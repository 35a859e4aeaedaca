/*
 * journal: appending to a live journal and sealing it into segments, safely under any number
 * of concurrent writers, one rotator at a time, and SIGKILL or power loss at any instruction.
 *
 * Invariants:
 * - Bytes MUST be appended to NAME.journal only under the writers' lock, one batch (at most
 *   JFMT_MAX_BATCH whole records) per pwrite, at the end of the last complete valid record,
 *   with LSNs that continue the ones before it; in a version 2 file each record's batch
 *   field MUST count the records after it in that write. Everything below that end is
 *   never rewritten.
 * - The live file MUST be read only through seg.c (jseg_open_pread), whose torn-tail rule
 *   is the only one: this module never decides itself what may be cut.
 * - A holder of the writers' lock MUST, before appending or sealing, cut off a torn tail
 *   (everything from where the reader stopped, when it says torn) and complete an
 *   interrupted rotation (the live file ends with a valid trailer); when the reader says
 *   damaged, it MUST change nothing and fail with EX_DATAERR.
 * - A trailer MUST be durable (fdatasync) before the segment name is linked to the file, the
 *   link MUST be durable (directory fsync) before the successor is renamed over the live
 *   name, and the successor MUST be durable before that rename. So every crash leaves one of:
 *   live file without trailer; live file with a torn trailer (cut as a torn tail); sealed
 *   live file without its segment link; sealed live file with its link (and maybe a stale
 *   .next); the successor in place. Each is repaired by the next lock holder.
 * - The segment name MUST be a hard link to the very inode that was sealed: an existing
 *   segment of that name with another inode is a broken invariant (two segments with one
 *   sequence number), reported, never overwritten.
 * - An encrypted segment is a second file, .NAME.journal.enc (encrypt_segment): it MUST be
 *   whole, signed when the journal is, and durable (file and directory) before the live
 *   file's trailer is written, so that the state "sealed live file without its segment
 *   link" is completed by linking it (link_encrypted), by any lock holder, with no
 *   recipient or key. It is linked only when its header and trailer match the sealed live
 *   file's; a plain seal removes one first (drop_encrypted). It MUST NOT be written into
 *   once it may be a segment's other name: a new one is created after unlinking it. The
 *   successor chains to the segment as published (the encrypted one's digest).
 * - A journal given recipients stays encrypted: they are kept (public) in
 *   .NAME.journal.recipients, atomically, before the rotation that uses them, and a
 *   rotation given none uses them; only an explicit plaintext rotation forgets them.
 * - A live file sealed FINAL stays under the live name: appends are refused, no successor.
 * - Every trailer MUST be made by seal_trailer, whether a rotation seals the live file or a
 *   segment is written whole (jjournal_segment_*, for jpromote's closing segment and the
 *   tests' generators): no other code in jmirror writes records or trailers into a file.
 *   A segment written whole MUST hold records in LSN order from its header's first LSN.
 * - A rotation is a sequence of steps, one function each (rotation_try calls them), and
 *   each crash state above is met by one function: cut_torn_tail, finish_interrupted,
 *   seal_live, link_segment, install_successor.
 * - Sealing reads the file without the writers' lock up to its last complete record and
 *   takes the lock only for the few bytes appended meanwhile and the renames.
 * - Files are created 0640 at most (the umask may only remove bits).
 *
 * - A live file whose header says signed MUST be sealed only with its signature block, in
 *   the same write as the trailer: its seal is trailer and block together, and a trailer
 *   without a valid block is a torn trailer (seg.c), cut like one. Completing a rotation
 *   after its seal is durable needs no key; sealing without the key is refused. The
 *   successor is signed by the rotation's key, else by the sealed file's signer.
 *
 * JM_TEST_CRASH=STEP (crash.h, test-only): raise SIGKILL at that step of a
 * rotation or recovery: pass1, torn, encrypted, trailer-half, sig-half, trailer, link,
 * next, rename, done.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "age.h"
#include "zio.h"
#include "clock.h"
#include "crash.h"
#include "digest.h"
#include "io.h"
#include "journal.h"
#include "lock.h"
#include "name.h"
#include "row.h"
#include "seg.h"
#include "sig.h"

#define JJ_PATH 4096
#define JJ_MODE 0640

struct jjournal {
	char     path[JJ_PATH];
	char     lock[JJ_PATH];
	int      flags;
	int      lockfd;
	int      fd;
	dev_t    dev;
	ino_t    ino;
	uint64_t end;               /* end of the last valid record */
	uint64_t lsn;               /* next LSN */
	uint16_t batch;             /* batch field of the record before end */
	int      group;             /* inside a group: the writers' lock is held */
	uint64_t gstart, glsn;      /* where the open group starts, and its first LSN */
	struct jfmt_header h;
	uint8_t *buf;
	size_t   cap;
};

/* ---- reading the live file: through seg.c, which alone decides what is torn ---- */

/* Put the file's name before the reader's message. */
static int
in_file(const char *path, struct jerr *e)
{
	char why[sizeof e->msg];

	snprintf(why, sizeof why, "%s", e->msg);
	return jerr_set(e, e->code, "%s: %s", path, why);
}

/* Where reading a live file stopped after its last good record. */
enum { LIVE_END, LIVE_TORN, LIVE_SEALED, LIVE_TORN_TRAILER,
       LIVE_REPLACED };       /* another file stands under the live name now */

/* The reader's verdict "offset N: what", said by a writer that refuses to cut. */
static int
damaged(const char *path, uint64_t off, struct jerr *e)
{
	char why[sizeof e->msg];
	const char *what = strstr(e->msg, ": ");

	snprintf(why, sizeof why, "%s", strncmp(e->msg, "offset ", 7) == 0 && what ?
	    what + 2 : e->msg);
	return jerr_set(e, EX_DATAERR, "%s: damaged record at offset %llu: %s; not a torn tail, "
	    "refusing to cut it (see jcat --verify)", path, (unsigned long long)off, why);
}

/*
 * Read on with s (a reader of fd) as far as the records go, and say where it stopped
 * (LIVE_*): jseg_end(s) is the offset after the last good record, where a torn tail or a
 * trailer starts. -1 with e filled: damage (EX_DATAERR: the reader found no torn tail there,
 * so nothing may be cut) or an I/O error.
 */
static int
live_read(struct jseg *s, int fd, const char *path, struct jerr *e)
{
	uint8_t mark[4];
	struct jseg_rec r;
	int rc;

	while ((rc = jseg_next(s, &r, e)) == 1)
		;
	if (rc < 0)
		return e->code == EX_DATAERR ? damaged(path, jseg_end(s), e) : in_file(path, e);
	if (jseg_trailer(s))
		return LIVE_SEALED;
	if (jseg_torn(s) == 0)
		return LIVE_END;
	if (jio_pread_full(fd, mark, sizeof mark, (off_t)jseg_end(s)) == (ssize_t)sizeof mark &&
	    jfmt_is_trailer(mark))
		return LIVE_TORN_TRAILER;
	return LIVE_TORN;
}

/* ---- shared steps ---- */

static int
read_header(int fd, const char *path, uint8_t raw[JFMT_HEADER_SIZE], struct jfmt_header *h,
    struct jerr *e)
{
	ssize_t n = jio_pread_full(fd, raw, JFMT_HEADER_SIZE, 0);

	if (n < 0)
		return jerr_sys(e, EX_IOERR, "unable to read %s", path);
	if (n < JFMT_HEADER_SIZE)
		return jerr_set(e, EX_DATAERR, "%s: short header", path);
	if (jfmt_header_decode(raw, h, e) < 0)
		return jerr_set(e, EX_DATAERR, "%s: %s", path, e->msg);
	return 0;
}

static int
seg_path(char *buf, size_t size, const char *path, const struct jfmt_header *h,
    struct jerr *e)
{
	char dir[JJ_PATH], base[JNAME_MAX + 1];
	struct jname n;
	int k;

	if (jname_parse(jio_basename(path), &n) != JNAME_LIVE)
		return jerr_set(e, EX_USAGE, "%s: not a live journal name (NAME.journal)", path);
	if (jname_segment(base, sizeof base, n.name, h->timeline, h->seq, JCOMP_NONE) < 0)
		return jerr_sys(e, EX_SOFTWARE, "%s: no segment name for timeline %u seq %llu",
		    path, h->timeline, (unsigned long long)h->seq);
	if (strchr(path, '/'))
		k = jio_pathf(buf, size, "%s/%s", jio_dirname(path, dir, sizeof dir), base);
	else
		k = jio_pathf(buf, size, "%s", base);
	if (k < 0)
		return jerr_sys(e, EX_USAGE, "%s", path);
	return 0;
}

static int
aux_path(char *buf, size_t size, const char *path, const char *suffix, struct jerr *e)
{
	if (jname_aux(buf, size, path, suffix) < 0)
		return jerr_sys(e, EX_USAGE, "%s", path);
	return 0;
}

/* Write a header into a fresh file at tmp (0640, fsynced). */
static int
write_header_file(const char *tmp, const struct jfmt_header *h, struct jerr *e)
{
	uint8_t raw[JFMT_HEADER_SIZE];

	jfmt_header_encode(h, raw);
	return jafile_create(tmp, raw, sizeof raw, JJ_MODE, e);
}

/*
 * Crash state "sealed live file without its segment link": link the segment name to the
 * sealed file (fd), and make the link durable. An existing name MUST be this very inode.
 */
static int
link_segment(const char *path, int fd, const struct jfmt_header *h, char *seg, size_t segsize,
    struct jerr *e)
{
	struct stat a, b;

	if (seg_path(seg, segsize, path, h, e) < 0)
		return -1;
	if (link(path, seg) < 0) {
		if (errno != EEXIST)
			return jerr_sys(e, EX_IOERR, "unable to link %s to %s", path, seg);
		if (fstat(fd, &a) < 0 || stat(seg, &b) < 0)
			return jerr_sys(e, EX_IOERR, "unable to stat %s", seg);
		if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			return jerr_set(e, EX_SOFTWARE, "%s exists and is not the journal just "
			    "sealed: two segments with one sequence number; refusing", seg);
	}
	jcrash_point("link");
	if (jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", path);
	return 0;
}

/* Mark a header signed by the key keyid, or unsigned (keyid NULL). */
static void
set_signer(struct jfmt_header *h, const uint8_t *keyid)
{
	h->flags &= ~JFMT_HDR_SIGNED;
	memset(h->keyid, 0, JFMT_KEYID_LEN);
	if (keyid) {
		h->flags |= JFMT_HDR_SIGNED;
		memcpy(h->keyid, keyid, JFMT_KEYID_LEN);
	}
}

/*
 * The key a successor is to be signed with: the rotation's own, else the one that signed
 * the sealed file (sig); NULL: unsigned. A rotation without a key never starts a signed
 * journal, and a journal once signed stays signed.
 */
static const uint8_t *
successor_key(const struct jsig_key *k, const struct jfmt_sig *sig)
{
	return k ? k->keyid : sig ? sig->keyid : NULL;
}

/* ---- the capture source position, carried over by rotation (man/jmirror.5) ---- */

/*
 * The source position a successor of the sealed file fd (header h) carries: the last
 * position of its last row record, or, when it holds none, the one its own header carries.
 * So a capture that restarts finds what it appended in the live journal alone, however many
 * segments were sealed, shipped and pruned since. Read from the durable sealed file, so
 * that a rotation resumed after a crash carries the same position.
 */
static int
carried_position(int fd, const char *path, const struct jfmt_header *h, uint64_t *pos,
    struct jerr *e)
{
	struct jseg *s;
	struct jseg_rec r;
	int rc;

	*pos = h->source_pos;
	if (jseg_open_pread(fd, NULL, &s, e) < 0)
		return in_file(path, e);
	while ((rc = jseg_next(s, &r, e)) == 1) {
		struct jrow_reader rd;

		if (r.type == JFMT_TYPE_ROW && jrow_open(&rd, r.data, r.len, e) == 0 &&
		    rd.last > *pos)
			*pos = rd.last;
	}
	jseg_close(s);
	return rc < 0 ? in_file(path, e) : 0;
}

/*
 * Crash state "sealed live file with its link (and maybe a stale .next)": make the successor
 * of the segment sealed with header h and trailer t durable under .next, then rename it over
 * the live name and make the rename durable.
 */
static int
install_successor(const char *path, const struct jfmt_header *h, const struct jfmt_trailer *t,
    const uint8_t *keyid, uint64_t pos, struct jerr *e)
{
	char next[JJ_PATH];
	struct jfmt_header nh;

	nh = *h;
	nh.source_pos = pos;
	nh.version = JFMT_VERSION;      /* an older journal continues in the current version */
	set_signer(&nh, keyid);
	nh.flags &= ~JFMT_HDR_ENCRYPTED;        /* live journals are plaintext */
	nh.region = 0;
	nh.seq = h->seq + 1;
	nh.first_lsn = t->last_lsn + 1;
	nh.created = jclock_now();
	memcpy(nh.prev_digest, t->digest, JDIGEST_LEN);
	if (aux_path(next, sizeof next, path, "next", e) < 0)
		return -1;
	if (write_header_file(next, &nh, e) < 0)
		return -1;
	jcrash_point("next");
	if (rename(next, path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to rename %s to %s", next, path);
	jcrash_point("rename");
	if (jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", path);
	return 0;
}

/*
 * The second half of a rotation, for a live file (fd) that carries a durable valid trailer:
 * link the segment name, then (unless final) put the successor in place. Idempotent.
 * Called with the writers' lock held.
 */
static int link_encrypted(const char *path, const struct jfmt_header *h,
    const struct jfmt_trailer *t, struct jfmt_trailer *et, char *seg, size_t segsize,
    struct jerr *e);
static void unlink_encrypted(const char *path);

static int
seal_complete(const char *path, int fd, const struct jfmt_header *h,
    const struct jfmt_trailer *t, const uint8_t *keyid, char *seg, size_t segsize,
    struct jerr *e)
{
	struct jfmt_trailer st;
	uint64_t pos;
	int enc = link_encrypted(path, h, t, &st, seg, segsize, e);

	if (enc < 0 || (enc == 0 && link_segment(path, fd, h, seg, segsize, e) < 0))
		return -1;
	if (t->flags & JFMT_FINAL) {
		if (enc)
			unlink_encrypted(path);
		return 0;
	}
	if (carried_position(fd, path, h, &pos, e) < 0)
		return -1;
	/* the successor chains to the segment as published: the encrypted one's digest */
	if (install_successor(path, h, enc ? &st : t, keyid, pos, e) < 0)
		return -1;
	if (enc)
		unlink_encrypted(path);
	return 0;
}

/*
 * The reader stopped at a trailer at off in the live file (fd, header h): a valid one (t),
 * or a torn one (t NULL; in a signed file also a trailer without its valid signature
 * block). Under the writers' lock: finish the rotation of a sealed file (1 if final, 0 if a
 * successor, signed by keyid or unsigned, now stands in its place); cut a torn trailer off
 * (2), unless the segment name is linked to the file already: then it is damage.
 */
static int
recover(const char *path, int fd, const struct jfmt_header *h, const struct jfmt_trailer *t,
    const uint8_t *keyid, uint64_t off, char *seg, size_t segsize, struct jerr *e)
{
	struct stat st, sb;

	if (t)
		return seal_complete(path, fd, h, t, keyid, seg, segsize, e) < 0 ? -1 :
		    (t->flags & JFMT_FINAL) ? 1 : 0;
	if (fstat(fd, &st) < 0)
		return jerr_sys(e, EX_IOERR, "unable to stat %s", path);
	if (seg_path(seg, segsize, path, h, e) < 0)
		return -1;
	if (stat(seg, &sb) == 0 && sb.st_dev == st.st_dev && sb.st_ino == st.st_ino)
		return jerr_set(e, EX_DATAERR, "%s: sealed segment %s has a damaged trailer",
		    path, seg);
	if (ftruncate(fd, (off_t)off) < 0)
		return jerr_sys(e, EX_IOERR, "unable to cut the torn trailer of %s", path);
	return 2;
}

static int
closed_error(const char *seg, struct jerr *e)
{
	jerr_set(e, JJ_ECLOSED, "journal closed by a final rotation: %s", jio_basename(seg));
	return -1;
}

/* Crash state "live file with a torn tail": cut it off at end, the reader's verdict. */
static int
cut_torn_tail(int fd, const char *path, uint64_t end, struct jerr *e)
{
	if (ftruncate(fd, (off_t)end) < 0)
		return jerr_sys(e, EX_IOERR, "unable to cut the torn tail of %s", path);
	return 0;
}

/* ---- sealing: the one place a trailer is made and written ---- */

/*
 * Make the trailer of a file whose first end bytes are hashed in d: t carries records,
 * last_lsn and flags; the time of sealing and the size are set here, and out gets the
 * encoded trailer whose digest is d finished with the trailer's own first 48 bytes.
 */
static void
seal_trailer(struct jdigest *d, uint64_t end, struct jfmt_trailer *t,
    uint8_t out[JFMT_TRAILER_SIZE])
{
	t->sealed = jclock_now();
	t->size = end + JFMT_TRAILER_SIZE;
	memset(t->digest, 0, sizeof t->digest);
	jfmt_trailer_encode(t, out);
	jdigest_update(d, out, JFMT_TRAILER_SIZE - JDIGEST_LEN);
	jdigest_final(d, t->digest);
	memcpy(out + JFMT_TRAILER_SIZE - JDIGEST_LEN, t->digest, JDIGEST_LEN);
}

/*
 * Write the seal tr (the trailer, and the signature block of a signed file: len bytes) at
 * end of the live file fd with one write, and make it durable: it MUST be before the
 * segment name is linked to the file. A failed write is cut off again (or left for the
 * next lock holder to cut as a torn trailer).
 */
static int
write_trailer(int fd, const char *path, const uint8_t *tr, size_t len, uint64_t end,
    struct jerr *e)
{
	if (jcrash_at("trailer-half") &&
	    jio_pwrite_all(fd, tr, JFMT_TRAILER_SIZE / 2, (off_t)end) == 0)
		raise(SIGKILL);
	if (len > JFMT_TRAILER_SIZE && jcrash_at("sig-half") &&
	    jio_pwrite_all(fd, tr, JFMT_TRAILER_SIZE + JFMT_SIG_SIZE / 2, (off_t)end) == 0)
		raise(SIGKILL);
	if (jio_pwrite_all(fd, tr, len, (off_t)end) < 0) {
		int saved = errno;

		if (ftruncate(fd, (off_t)end) < 0) {
			/* The next lock holder cuts it as a torn trailer. */
		}
		errno = saved;
		return jerr_sys(e, EX_IOERR, "unable to seal %s", path);
	}
	jcrash_point("trailer");
	if (fdatasync(fd) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", path);
	return 0;
}

/* How a call sets the records' continues flags: none (an append), all of them (a group's
 * add), all but the very last (a group's end). */
enum { FL_NONE, FL_CONTINUE, FL_CLOSE };

/* Records the writers take: a type, and a payload no longer than the format allows. */
static int
check_records(const struct jjournal_payload *recs, size_t n, size_t *need, struct jerr *e)
{
	*need = 0;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].len > JFMT_MAX_PAYLOAD)
			return jerr_set(e, EX_DATAERR, "record of %u bytes exceeds the limit of %u",
			    recs[i].len, JFMT_MAX_PAYLOAD);
		if (recs[i].type == 0)
			return jerr_set(e, EX_USAGE, "record type 0 is not allowed");
		*need += JFMT_REC_OVERHEAD + recs[i].len;
	}
	return 0;
}

static int
grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *nb;
	size_t c = *cap ? *cap : 65536;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if (!(nb = realloc(*buf, c)))
		return -1;
	*buf = nb;
	*cap = c;
	return 0;
}

/* ---- writer ---- */

/*
 * Encode n records (n <= JFMT_MAX_BATCH) with LSNs from lsn into j->buf as one batch, to be
 * written with one write: in version 2 each says how many follow it (the rule of torn
 * batches depends on it); version 1 files keep 0 there.
 */
static size_t
build_batch(struct jjournal *j, const struct jjournal_payload *recs, size_t n, uint64_t lsn,
    uint64_t now, int how, int last)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		struct jfmt_rec_head r = { .len = recs[i].len, .type = recs[i].type, .lsn = lsn + i,
		                      .time = now };

		if (how == FL_CONTINUE || (how == FL_CLOSE && !(last && i == n - 1)))
			r.flags = JFMT_REC_CONTINUES;
		if (j->h.version >= 2)
			r.batch = (uint16_t)(n - 1 - i);
		len += jfmt_rec_build(&r, recs[i].data, j->buf + len);
	}
	return len;
}

/* Forget what is known of the live file's records: read them again from the header. */
static void
jj_reset(struct jjournal *j)
{
	j->end = JFMT_HEADER_SIZE;
	j->lsn = j->h.first_lsn;
	j->batch = 0;
}

/* Open the file now under the live name, and read its header. */
static int
jj_reopen(struct jjournal *j, struct jerr *e)
{
	uint8_t raw[JFMT_HEADER_SIZE];
	struct stat st;
	int fd = open(j->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT :
		    jerr_errno_code(errno, EX_IOERR), "unable to open %s", j->path);
	if (fstat(fd, &st) < 0) {
		jerr_sys(e, EX_IOERR, "unable to stat %s", j->path);
		close(fd);
		return -1;
	}
	if (read_header(fd, j->path, raw, &j->h, e) < 0) {
		close(fd);
		return -1;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->dev = st.st_dev;
	j->ino = st.st_ino;
	jj_reset(j);
	return 0;
}

/*
 * Under the writers' lock: make the cached fd, end and LSN describe the live file as it is,
 * cutting a torn tail and finishing an interrupted rotation on the way.
 */
static int
jj_catch_up(struct jjournal *j, struct jerr *e)
{
	char seg[JJ_PATH];
	int whole = 0;

	for (int round = 0; round < 100; round++) {
		struct jfmt_trailer t;
		struct jfmt_sig sig;
		const uint8_t *signer = NULL;
		struct jseg_at at = { .h = &j->h };
		struct jseg *s;
		struct stat st;
		int rc;

		if (stat(j->path, &st) < 0)
			return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR),
			    "unable to open %s", j->path);
		if (j->fd >= 0 && st.st_ino == j->ino && st.st_dev == j->dev) {
			if ((uint64_t)st.st_size == j->end)
				return 0;
			if ((uint64_t)st.st_size < j->end)
				jj_reset(j);    /* shrunk under us: trust nothing cached */
		} else if (jj_reopen(j, e) < 0) {
			return -1;
		}
		/* Records are checked by their CRCs; a trailer's digest needs a whole read. */
		if (whole)
			jj_reset(j);
		at.off = j->end;
		at.lsn = j->lsn;
		at.batch = j->batch;
		if (jseg_open_pread(j->fd, whole ? NULL : &at, &s, e) < 0)
			return in_file(j->path, e);
		rc = live_read(s, j->fd, j->path, e);
		j->end = jseg_end(s);
		j->lsn = jseg_last_lsn(s) + 1;
		j->batch = jseg_batch(s);
		if (rc == LIVE_SEALED) {
			t = *jseg_trailer(s);
			if (jseg_sig(s)) {
				sig = *jseg_sig(s);
				signer = successor_key(NULL, &sig);
			}
		}
		jseg_close(s);
		switch (rc) {
		case LIVE_END:
			return 0;
		case LIVE_TORN:
			return cut_torn_tail(j->fd, j->path, j->end, e);
		case LIVE_SEALED:
		case LIVE_TORN_TRAILER:
			if (!whole) {
				whole = 1;      /* read it all, so that the digest is checked */
				continue;
			}
			rc = recover(j->path, j->fd, &j->h, rc == LIVE_SEALED ? &t : NULL, signer,
			    j->end, seg, sizeof seg, e);
			if (rc < 0)
				return -1;
			if (rc == 1)
				return closed_error(seg, e);
			/* 0: a successor stands in place; 2: torn trailer cut. Look again. */
			whole = 0;
			continue;
		}
		return -1;
	}
	return jerr_set(e, EX_SOFTWARE, "%s keeps changing under the lock", j->path);
}

/*
 * Under the writers' lock: the live file at path is a journal of h's lineage closed by a
 * final rotation (its segment link is completed now), which a new live journal with header
 * h replaces (jpromote). Anything else there is EX_CANTCREAT.
 */
static int
continue_final(const char *path, const char *tmp, const struct jfmt_header *h, struct jerr *e)
{
	char seg[JJ_PATH];
	struct jfmt_header oh;
	struct jfmt_trailer t;
	struct jseg *s;
	int fd = open(path, O_RDWR | O_CLOEXEC), v = -1, rc;

	if (fd < 0)
		return jerr_sys(e, EX_CANTCREAT, "unable to open %s", path);
	if (jseg_open_pread(fd, NULL, &s, e) == 0) {
		if ((v = live_read(s, fd, path, e)) == LIVE_SEALED) {
			oh = *jseg_header(s);
			t = *jseg_trailer(s);
		}
		jseg_close(s);
	}
	if (v != LIVE_SEALED || !(t.flags & JFMT_FINAL) ||
	    memcmp(oh.lineage, h->lineage, JFMT_LINEAGE_LEN)) {
		close(fd);
		return jerr_set(e, EX_CANTCREAT, "%s exists and is not a journal of the same "
		    "lineage closed by a final rotation", path);
	}
	rc = recover(path, fd, &oh, &t, NULL, 0, seg, sizeof seg, e);
	close(fd);
	if (rc != 1)
		return rc < 0 ? -1 : jerr_set(e, EX_CANTCREAT, "%s: not a sealed final journal",
		    path);
	if (write_header_file(tmp, h, e) < 0)
		return -1;
	if (rename(tmp, path) < 0 || jio_fsync_dir(path) < 0) {
		jerr_sys(e, EX_IOERR, "unable to replace %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Under the writers' lock: a new live journal with header h where none is. */
static int
create_new(const char *path, const char *tmp, const struct jfmt_header *h, struct jerr *e)
{
	if (write_header_file(tmp, h, e) < 0)
		return -1;
	if (jafile_publish(tmp, path, e) < 0) {
		if (e->code == EX_CANTCREAT)
			jerr_set(e, EX_CANTCREAT, "%s exists already", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
jjournal_create_at(const char *path, const struct jfmt_header *h, struct jerr *e)
{
	char tmp[JJ_PATH], lock[JJ_PATH];
	struct jname n;
	struct stat st;
	int lfd, rc;

	if (jname_parse(jio_basename(path), &n) != JNAME_LIVE || !jname_valid(n.name))
		return jerr_set(e, EX_USAGE, "%s: not a journal name (NAME.journal)", path);
	if (aux_path(lock, sizeof lock, path, "lock", e) < 0 ||
	    jafile_tmpname(tmp, sizeof tmp, path) < 0)
		return jerr_sys(e, EX_USAGE, "%s", path);
	if ((lfd = jlock_acquire(lock, JLOCK_WAIT, e)) < 0)
		return -1;
	if (stat(path, &st) == 0)
		rc = continue_final(path, tmp, h, e);
	else if (errno == ENOENT)
		rc = create_new(path, tmp, h, e);
	else
		rc = jerr_sys(e, EX_CANTCREAT, "unable to stat %s", path);
	jlock_close(lfd);
	return rc;
}

int
jjournal_create(const char *path, struct jerr *e)
{
	char dir[JJ_PATH];
	struct jfmt_header h;
	struct jname n, sn;
	struct dirent *de;
	DIR *d;

	if (jname_parse(jio_basename(path), &n) != JNAME_LIVE || !jname_valid(n.name))
		return jerr_set(e, EX_USAGE, "%s: not a journal name (NAME.journal)", path);
	if (access(path, F_OK) == 0)
		return jerr_set(e, EX_CANTCREAT, "%s exists already", path);
	jio_dirname(path, dir, sizeof dir);
	if (!(d = opendir(dir)))
		return jerr_sys(e, errno == ENOENT ? EX_CANTCREAT : EX_IOERR,
		    "unable to read directory %s", dir);
	while ((de = readdir(d))) {
		if (jname_parse(de->d_name, &sn) == JNAME_SEGMENT && strcmp(sn.name, n.name) == 0) {
			jerr_set(e, EX_CANTCREAT, "%s: segments of journal %s exist in %s (%s); "
			    "refusing to start a new lineage beside them", path, n.name, dir,
			    de->d_name);
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	memset(&h, 0, sizeof h);
	h.version = JFMT_VERSION;
	if (getrandom(h.lineage, sizeof h.lineage, 0) != (ssize_t)sizeof h.lineage)
		return jerr_sys(e, EX_IOERR, "unable to get random bytes for the lineage");
	h.timeline = 1;
	h.seq = 1;
	h.first_lsn = 1;
	h.created = jclock_now();
	return jjournal_create_at(path, &h, e);
}

int
jjournal_open(const char *path, int flags, struct jjournal **jp, struct jerr *e)
{
	struct jjournal *j;
	struct jname n;
	int rc;

	*jp = NULL;
	if (jname_parse(jio_basename(path), &n) != JNAME_LIVE)
		return jerr_set(e, EX_USAGE, "%s: not a live journal name (NAME.journal)", path);
	if (strlen(path) >= JJ_PATH)
		return jerr_set(e, EX_USAGE, "%s: path too long", path);
	if (!(j = calloc(1, sizeof *j)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	strcpy(j->path, path);
	j->flags = flags;
	j->fd = -1;
	j->lockfd = -1;
	if (access(path, F_OK) < 0) {
		jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR), "unable to open %s", path);
		goto fail;
	}
	if (aux_path(j->lock, sizeof j->lock, path, "lock", e) < 0 ||
	    (j->lockfd = jlock_open(j->lock, e)) < 0 || jlock_take(j->lockfd, JLOCK_WAIT, e) < 0)
		goto fail;
	rc = jj_catch_up(j, e);
	jlock_drop(j->lockfd);
	if (rc < 0)
		goto fail;
	*jp = j;
	return 0;
fail:
	jjournal_close(j, NULL);
	return -1;
}

/*
 * Under the lock, caught up: write n records (how sets their flags) in batches at the end,
 * *first_lsn their first LSN. A failed write cuts the file back to cut (this call's start,
 * or its group's) and leaves j to be read again.
 */
static int
write_records(struct jjournal *j, const struct jjournal_payload *recs, size_t n, int how,
    uint64_t cut, uint64_t *first_lsn, struct jerr *e)
{
	uint64_t now = jclock_now();

	for (size_t i = 0; i < n; i += JFMT_MAX_BATCH) {
		size_t k = n - i < JFMT_MAX_BATCH ? n - i : JFMT_MAX_BATCH;
		size_t len = build_batch(j, recs + i, k, j->lsn + i, now, how, i + k == n);

		if (jio_pwrite_all(j->fd, j->buf, len, (off_t)j->end) < 0) {
			int saved = errno;

			if (ftruncate(j->fd, (off_t)cut) < 0) {
				/* Left for the next writer to cut as a torn tail. */
			}
			errno = saved;
			jj_reset(j);
			return jerr_sys(e, EX_IOERR, "unable to append to %s", j->path);
		}
		j->end += len;
	}
	if (first_lsn)
		*first_lsn = j->lsn;
	j->lsn += n;
	j->batch = 0;
	return 0;
}

/* Take the writers' lock and bring j up to date with the live file; -1 without the lock. */
static int
jj_lock(struct jjournal *j, struct jerr *e)
{
	if (jlock_take(j->lockfd, JLOCK_WAIT, e) < 0)
		return -1;
	if (jj_catch_up(j, e) < 0) {
		jlock_drop(j->lockfd);
		return -1;
	}
	return 0;
}

/* Drop the writers' lock; with JJ_SYNC, make what was written durable, outside the lock,
 * so that syncing writers do not wait for each other's syncs. */
static int
jj_unlock(struct jjournal *j, struct jerr *e)
{
	int fd = j->fd;

	jlock_drop(j->lockfd);
	if ((j->flags & JJ_SYNC) && fdatasync(fd) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", j->path);
	return 0;
}

int
jjournal_append(struct jjournal *j, const struct jjournal_payload *recs, size_t n, uint64_t *first_lsn,
    struct jerr *e)
{
	size_t need;

	jjournal_group_abort(j);
	if (check_records(recs, n, &need, e) < 0)
		return -1;
	if (grow(&j->buf, &j->cap, need) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (jj_lock(j, e) < 0)
		return -1;
	if (write_records(j, recs, n, FL_NONE, j->end, first_lsn, e) < 0) {
		jlock_drop(j->lockfd);
		return -1;
	}
	return jj_unlock(j, e);
}

int
jjournal_group_begin(struct jjournal *j, struct jerr *e)
{
	if (j->group)
		return jerr_set(e, EX_SOFTWARE, "%s: a group begun inside a group", j->path);
	if (jj_lock(j, e) < 0)
		return -1;
	if (j->h.version < 3) {
		jlock_drop(j->lockfd);
		return jerr_set(e, EX_DATAERR, "%s is format version %u, which holds no groups: "
		    "rotate it first", j->path, j->h.version);
	}
	j->group = 1;
	j->gstart = j->end;
	j->glsn = j->lsn;
	return 0;
}

/* A group's add (FL_CONTINUE) or end (FL_CLOSE); a failure aborts the group. */
static int
group_write(struct jjournal *j, const struct jjournal_payload *recs, size_t n, int how,
    uint64_t *first_lsn, struct jerr *e)
{
	size_t need;
	int rc;

	if (!j->group)
		return jerr_set(e, EX_SOFTWARE, "%s: no group begun", j->path);
	if (how == FL_CLOSE && n == 0)
		rc = jerr_set(e, EX_USAGE, "%s: a group ends with a record", j->path);
	else if ((rc = check_records(recs, n, &need, e)) == 0) {
		if (grow(&j->buf, &j->cap, need) < 0)
			rc = jerr_sys(e, EX_OSERR, "out of memory");
		else
			rc = write_records(j, recs, n, how, j->gstart, first_lsn, e);
	}
	if (rc < 0)
		jjournal_group_abort(j);
	return rc;
}

int
jjournal_group_add(struct jjournal *j, const struct jjournal_payload *recs, size_t n,
    uint64_t *first_lsn, struct jerr *e)
{
	return group_write(j, recs, n, FL_CONTINUE, first_lsn, e);
}

int
jjournal_group_end(struct jjournal *j, const struct jjournal_payload *recs, size_t n,
    uint64_t *first_lsn, struct jerr *e)
{
	if (group_write(j, recs, n, FL_CLOSE, NULL, e) < 0)
		return -1;
	if (first_lsn)
		*first_lsn = j->glsn;
	j->group = 0;
	return jj_unlock(j, e);
}

void
jjournal_group_abort(struct jjournal *j)
{
	int saved = errno;

	if (!j->group)
		return;
	if (ftruncate(j->fd, (off_t)j->gstart) < 0) {
		/* An incomplete group: the next writer cuts it as a torn tail. */
	}
	jj_reset(j);
	j->group = 0;
	jlock_drop(j->lockfd);
	errno = saved;
}

/* The file the last append went to: if a rotation sealed it since, the seal made it durable
 * already, and syncing it again costs nothing. */
int
jjournal_sync(struct jjournal *j, struct jerr *e)
{
	if (j->fd >= 0 && fdatasync(j->fd) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", j->path);
	return 0;
}

int
jjournal_close(struct jjournal *j, struct jerr *e)
{
	int rc = 0;

	if (!j)
		return 0;
	jjournal_group_abort(j);
	if (j->fd >= 0 && close(j->fd) < 0)
		rc = jerr_sys(e, EX_IOERR, "unable to close %s", j->path);
	if (j->lockfd >= 0)
		close(j->lockfd);
	free(j->buf);
	free(j);
	return rc;
}

/* ---- a segment written whole, from records read elsewhere ---- */

struct jjsegment {
	int                fd;
	int                flags;
	char               name[JJ_PATH];   /* for messages */
	struct jdigest     d;               /* SHA-256 of every byte written */
	struct jfmt_header h;
	uint64_t           end;             /* bytes written */
	uint64_t           records;
	uint8_t           *buf;
	size_t             cap;
	int                sealed;          /* d is finished: nothing more goes in */
	int                in_group;        /* the last record added continues its group */
};

static int
segment_put(struct jjsegment *w, const void *p, size_t n, struct jerr *e)
{
	if (jio_write_all(w->fd, p, n) < 0)
		return jerr_sys(e, EX_IOERR, "unable to write %s", w->name);
	jdigest_update(&w->d, p, n);
	w->end += n;
	return 0;
}

int
jjournal_segment_begin(int fd, const char *name, const struct jfmt_header *h, int flags,
    struct jjsegment **wp, struct jerr *e)
{
	uint8_t raw[JFMT_HEADER_SIZE];
	struct jjsegment *w;

	*wp = NULL;
	if (!(w = calloc(1, sizeof *w)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (jdigest_init(&w->d) < 0) {
		free(w);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	w->fd = fd;
	w->flags = flags;
	w->h = *h;
	snprintf(w->name, sizeof w->name, "%s", name);
	jfmt_header_encode(h, raw);
	if (segment_put(w, raw, sizeof raw, e) < 0) {
		jjournal_segment_end(w);
		return -1;
	}
	*wp = w;
	return 0;
}

int
jjournal_segment_add(struct jjsegment *w, const struct jseg_rec *r, struct jerr *e)
{
	struct jfmt_rec_head fr = { .len = r->len, .type = r->type, .lsn = r->lsn, .time = r->time,
	                            .flags = r->flags };
	struct jjournal_payload p = { .type = r->type, .len = r->len };
	uint16_t version = w->h.version ? w->h.version : JFMT_VERSION;
	uint64_t want = w->h.first_lsn + w->records;
	size_t need;

	if (w->sealed)
		return jerr_set(e, EX_SOFTWARE, "%s: sealed already", w->name);
	if (r->lsn != want)
		return jerr_set(e, EX_SOFTWARE, "%s: record with LSN %llu where %llu comes next",
		    w->name, (unsigned long long)r->lsn, (unsigned long long)want);
	if (check_records(&p, 1, &need, e) < 0)
		return -1;
	if ((r->flags & ~JFMT_REC_CONTINUES) || (r->flags && version < 3))
		return jerr_set(e, EX_DATAERR, "%s: a group in a version %u segment", w->name,
		    version);
	if (grow(&w->buf, &w->cap, need) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (segment_put(w, w->buf, jfmt_rec_build(&fr, r->data, w->buf), e) < 0)
		return -1;
	w->records++;
	w->in_group = (r->flags & JFMT_REC_CONTINUES) != 0;
	return 0;
}

int
jjournal_segment_seal(struct jjsegment *w, uint32_t flags, struct jfmt_trailer *t,
    struct jerr *e)
{
	return jjournal_segment_seal_signed(w, flags, NULL, t, e);
}

int
jjournal_segment_seal_signed(struct jjsegment *w, uint32_t flags, const struct jsig_key *k,
    struct jfmt_trailer *t, struct jerr *e)
{
	uint8_t tr[JFMT_TRAILER_SIZE + JFMT_SIG_SIZE];
	size_t len = JFMT_TRAILER_SIZE;
	struct jfmt_sig sig;

	if (w->sealed)
		return jerr_set(e, EX_SOFTWARE, "%s: sealed already", w->name);
	if (!k != !(w->h.flags & JFMT_HDR_SIGNED))
		return jerr_set(e, EX_SOFTWARE, "%s: a key exactly when the header says signed",
		    w->name);
	if (w->in_group)
		return jerr_set(e, EX_DATAERR, "%s: a segment cannot end inside a group", w->name);
	w->sealed = 1;
	memset(t, 0, sizeof *t);
	t->records = w->records;
	t->last_lsn = w->h.first_lsn + w->records - 1;
	t->flags = flags;
	seal_trailer(&w->d, w->end, t, tr);          /* finishes w->d */
	if (k) {
		if (jsig_sign(k, &w->h, t, &sig, e) < 0)
			return -1;
		jfmt_sig_encode(&sig, tr + JFMT_TRAILER_SIZE);
		len += JFMT_SIG_SIZE;
	}
	if (jio_write_all(w->fd, tr, len) < 0)
		return jerr_sys(e, EX_IOERR, "unable to seal %s", w->name);
	if ((w->flags & JJ_SYNC) && fdatasync(w->fd) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", w->name);
	return 0;
}

void
jjournal_segment_end(struct jjsegment *w)
{
	if (!w)
		return;
	jdigest_free(&w->d);
	free(w->buf);
	free(w);
}

/* ---- encrypted segments: a second file, made whole before the live file is sealed ---- */

/*
 * An encrypted segment is not the live file's inode: its records region is an age file made
 * from the live file's records. It is written whole under .NAME.journal.enc and made durable
 * BEFORE the live file's trailer, so that a rotation interrupted after the seal is completed
 * by linking that file, by any writer, without recipients or keys; a plain seal removes a
 * stale one first, so that what is linked is always what the sealing rotation chose.
 */
#define ENC_COPY (1u << 20)

struct enc_out {
	int      fd;
	uint64_t off;
};

static int
enc_sink(void *arg, const void *buf, size_t n)
{
	struct enc_out *o = arg;

	if (jio_pwrite_all(o->fd, buf, n, (off_t)o->off) < 0)
		return -1;
	o->off += n;
	return 0;
}

/* The compressor's sink: the age encryptor (compression comes before encryption). */
struct enc_chain {
	struct jage_enc *w;
	struct jerr      err;
};

static int
enc_zsink(void *arg, const void *buf, size_t n)
{
	struct enc_chain *c = arg;

	if (jage_enc_write(c->w, buf, n, &c->err) < 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Copy the live file's records [HEADER, end) into the age encryptor, through a compressor
 * when comp is not JCOMP_NONE. */
static int
encrypt_records(int live, uint64_t end, struct enc_chain *c, int comp, int level,
    struct jerr *e)
{
	uint8_t *buf = malloc(ENC_COPY);
	struct jzio_w *z = NULL;
	uint64_t at = JFMT_HEADER_SIZE;
	int rc = -1;

	if (!buf)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (comp != JCOMP_NONE && jzio_open_write(comp, level, enc_zsink, c, &z, e) < 0)
		goto out;
	while (at < end) {
		size_t n = end - at < ENC_COPY ? (size_t)(end - at) : ENC_COPY;
		if (jio_pread_full(live, buf, n, (off_t)at) != (ssize_t)n) {
			jerr_sys(e, EX_IOERR, "unable to read the records to encrypt");
			goto out;
		}
		if (z ? jzio_write(z, buf, n, e) < 0 : jage_enc_write(c->w, buf, n, e) < 0)
			goto out;
		at += n;
	}
	rc = z ? jzio_finish(z, e) : 0;
	z = NULL;
out:
	jzio_abort(z);
	if (rc < 0 && c->err.code)
		*e = c->err;
	free(buf);
	return rc;
}

/* The live file's records [HEADER, end) through an age encryptor to out at offset HEADER. */
static int
encrypt_region(int live, uint64_t end, const struct jjrotate *o, struct enc_out *out,
    struct jerr *e)
{
	struct enc_chain c = { 0 };

	out->off = JFMT_HEADER_SIZE;
	if (jage_enc_open(o->encrypt, enc_sink, out, &c.w, e) < 0)
		return -1;
	if (encrypt_records(live, end, &c, o->comp, o->level, e) < 0) {
		jage_enc_abort(c.w);
		return -1;
	}
	return jage_enc_finish(c.w, e);
}

/* Hash the header and the region just written (read back), then write the trailer. */
static int
encrypted_trailer(int fd, const uint8_t raw[JFMT_HEADER_SIZE], uint64_t end,
    struct jfmt_trailer *t, struct jerr *e)
{
	uint8_t *buf = malloc(ENC_COPY), tr[JFMT_TRAILER_SIZE];
	struct jdigest d;
	int rc = -1;

	if (!buf || jdigest_init(&d) < 0) {
		free(buf);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	jdigest_update(&d, raw, JFMT_HEADER_SIZE);
	for (uint64_t at = JFMT_HEADER_SIZE; at < end;) {
		size_t n = end - at < ENC_COPY ? (size_t)(end - at) : ENC_COPY;
		if (jio_pread_full(fd, buf, n, (off_t)at) != (ssize_t)n) {
			jerr_sys(e, EX_IOERR, "unable to read the encrypted segment back");
			goto out;
		}
		jdigest_update(&d, buf, n);
		at += n;
	}
	seal_trailer(&d, end, t, tr);
	if (jio_pwrite_all(fd, tr, sizeof tr, (off_t)end) < 0)
		jerr_sys(e, EX_IOERR, "unable to write the encrypted segment");
	else
		rc = 0;
out:
	jdigest_free(&d);
	free(buf);
	return rc;
}

/* A signed journal's encrypted segment is signed too, over its own statement (its digest is
 * the ciphertext's), with its block after the trailer at end. */
static int
sign_encrypted(int fd, const struct jfmt_header *eh, const struct jfmt_trailer *et,
    const struct jsig_key *k, uint64_t end, struct jerr *e)
{
	uint8_t block[JFMT_SIG_SIZE];
	struct jfmt_sig sig;

	if (!(eh->flags & JFMT_HDR_SIGNED))
		return 0;
	if (!k || jsig_sign(k, eh, et, &sig, e) < 0)
		return k ? -1 : jerr_set(e, EX_SOFTWARE, "a signed journal encrypted without its key");
	jfmt_sig_encode(&sig, block);
	if (jio_pwrite_all(fd, block, sizeof block, (off_t)end) < 0)
		return jerr_sys(e, EX_IOERR, "unable to write the encrypted segment's signature");
	return 0;
}

/*
 * Write .NAME.journal.enc: the segment of the live file (fd, header h, records up to end,
 * records and last LSN and flags as in t) with its records (compressed first when o says
 * so) encrypted to o's recipients, and signed with o's key when the journal is signed,
 * durable (file and directory) when this returns 0.
 */
static int
encrypt_segment(const char *path, int live, const struct jfmt_header *h, uint64_t end,
    const struct jfmt_trailer *t, const struct jjrotate *o, struct jerr *e)
{
	char enc[JJ_PATH];
	struct jfmt_header eh = *h;
	struct jfmt_trailer et = *t;
	uint8_t raw[JFMT_HEADER_SIZE];
	struct enc_out out;
	int rc = -1;

	if (aux_path(enc, sizeof enc, path, "enc", e) < 0)
		return -1;
	/* one left by an earlier rotation may be a published segment's inode: never written
	 * into, only unlinked (its segment name keeps it) */
	if (unlink(enc) < 0 && errno != ENOENT)
		return jerr_sys(e, EX_IOERR, "unable to remove %s", enc);
	if ((out.fd = open(enc, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, JJ_MODE)) < 0)
		return jerr_sys(e, jerr_errno_code(errno, EX_CANTCREAT), "unable to create %s", enc);
	if (encrypt_region(live, end, o, &out, e) < 0)
		goto out;
	eh.version = 3;
	eh.flags |= JFMT_HDR_ENCRYPTED;
	eh.region = out.off - JFMT_HEADER_SIZE;
	jfmt_header_encode(&eh, raw);
	if (jio_pwrite_all(out.fd, raw, sizeof raw, 0) < 0) {
		jerr_sys(e, EX_IOERR, "unable to write %s", enc);
		goto out;
	}
	if (encrypted_trailer(out.fd, raw, out.off, &et, e) < 0 ||
	    sign_encrypted(out.fd, &eh, &et, o->sign, out.off + JFMT_TRAILER_SIZE, e) < 0)
		goto out;
	if (fdatasync(out.fd) < 0 || jio_fsync_dir(enc) < 0) {
		jerr_sys(e, EX_IOERR, "unable to sync %s", enc);
		goto out;
	}
	rc = 0;
out:
	close(out.fd);
	if (rc < 0)
		unlink(enc);
	else
		jcrash_point("encrypted");
	return rc;
}

/* Before a plain seal: no encrypted file of an earlier attempt may stand for this one. */
static int
drop_encrypted(const char *path, struct jerr *e)
{
	char enc[JJ_PATH];

	if (aux_path(enc, sizeof enc, path, "enc", e) < 0)
		return -1;
	if (unlink(enc) < 0)
		return errno == ENOENT ? 0 : jerr_sys(e, EX_IOERR, "unable to remove %s", enc);
	if (jio_fsync_dir(enc) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", enc);
	return 0;
}

/* Is the file at path the encrypted form of the live file sealed with h and t? Its trailer
 * in et when it is. */
static int
encrypted_twin(const char *path, const struct jfmt_header *h, const struct jfmt_trailer *t,
    struct jfmt_trailer *et)
{
	struct jfmt_header eh;
	struct jerr pe;

	return jseg_probe(path, &eh, et, &pe) == 1 && (eh.flags & JFMT_HDR_ENCRYPTED) &&
	    !memcmp(eh.lineage, h->lineage, JFMT_LINEAGE_LEN) && eh.timeline == h->timeline &&
	    eh.seq == h->seq && eh.first_lsn == h->first_lsn && et->records == t->records &&
	    et->last_lsn == t->last_lsn && et->flags == t->flags;
}

/*
 * Crash state "sealed live file without its segment link", for an encrypted segment: link the
 * segment name to .NAME.journal.enc when it is the encrypted form of the live file sealed
 * with header h and trailer t, and make the link durable; or find the segment name holding
 * that form already (the .enc gone: a final journal sealed again). 1 linked (et: its
 * trailer), 0 neither (a plain segment), -1 error. An existing name MUST be that very file.
 */
static int
link_encrypted(const char *path, const struct jfmt_header *h, const struct jfmt_trailer *t,
    struct jfmt_trailer *et, char *seg, size_t segsize, struct jerr *e)
{
	char enc[JJ_PATH];
	struct stat a, b;

	if (aux_path(enc, sizeof enc, path, "enc", e) < 0 || seg_path(seg, segsize, path, h, e) < 0)
		return -1;
	if (!encrypted_twin(enc, h, t, et))
		return encrypted_twin(seg, h, t, et) ? 1 : 0;
	if (link(enc, seg) < 0) {
		if (errno != EEXIST)
			return jerr_sys(e, EX_IOERR, "unable to link %s to %s", enc, seg);
		if (stat(enc, &a) < 0 || stat(seg, &b) < 0)
			return jerr_sys(e, EX_IOERR, "unable to stat %s", seg);
		if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
			return jerr_set(e, EX_SOFTWARE, "%s exists and is not the segment just "
			    "encrypted: two segments with one sequence number; refusing", seg);
	}
	jcrash_point("link");
	if (jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", path);
	return 1;
}

/* After the successor is in place: the encrypted file lives on under its segment name. */
static void
unlink_encrypted(const char *path)
{
	char enc[JJ_PATH];

	if (jname_aux(enc, sizeof enc, path, "enc") == 0)
		unlink(enc);            /* a crash leaves a stale one: never linked again */
}

/* ---- remembered recipients: a journal once encrypted stays encrypted ---- */

/*
 * .NAME.journal.recipients holds the recipients of the last rotation given any (age1...
 * lines, public): a rotation given none encrypts to them, so that a cron line that forgot
 * --encrypt-to never seals a plaintext segment of an encrypted journal. Only a rotation told
 * to (plaintext) forgets them.
 */
static int
remember_recipients(const char *path, const struct jage_keys *k, struct jerr *e)
{
	char file[JJ_PATH], buf[JAGE_MAX_KEYS * JAGE_RECIPIENT + 1], old[sizeof buf];
	size_t n = 0;
	ssize_t got;
	struct jerr ignore;

	if (aux_path(file, sizeof file, path, "recipients", e) < 0)
		return -1;
	for (size_t i = 0; i < k->nrcpt; i++) {
		jage_recipient_format(k->rcpt[i], buf + n);
		n += strlen(buf + n);
		buf[n++] = '\n';
	}
	got = jafile_read(file, old, sizeof old, &ignore);
	if (got == (ssize_t)n && memcmp(old, buf, n) == 0)
		return 0;
	return jafile_write(file, buf, n, JJ_MODE, e);
}

/* The remembered recipients into k: 1, or 0 when there are none. */
static int
remembered_recipients(const char *path, struct jage_keys *k, struct jerr *e)
{
	char file[JJ_PATH];

	if (aux_path(file, sizeof file, path, "recipients", e) < 0)
		return -1;
	if (access(file, F_OK) < 0)
		return errno == ENOENT ? 0 : jerr_sys(e, EX_IOERR, "unable to read %s", file);
	if (jage_recipient_add(k, file, e) < 0)
		return jerr_set(e, e->code == EX_USAGE ? EX_DATAERR : e->code, "%s", e->msg);
	return 1;
}

static int
forget_recipients(const char *path, struct jerr *e)
{
	char file[JJ_PATH];

	if (aux_path(file, sizeof file, path, "recipients", e) < 0)
		return -1;
	if (unlink(file) < 0 && errno != ENOENT)
		return jerr_sys(e, EX_IOERR, "unable to remove %s", file);
	return jio_fsync_dir(file) < 0 ? jerr_sys(e, EX_IOERR, "unable to sync the directory "
	    "of %s", file) : 0;
}

/* The rotation's options with the recipients it is to use, as remembered or given. */
static int
choose_recipients(const char *path, const struct jjrotate *o, struct jjrotate *use,
    struct jage_keys *k, struct jerr *e)
{
	int rc;

	*use = *o;
	if (o->plaintext && o->comp != JCOMP_NONE)
		return jerr_set(e, EX_USAGE, "%s: --compress is for encrypted segments", path);
	if (o->plaintext)
		return forget_recipients(path, e);
	if (o->encrypt)
		return remember_recipients(path, o->encrypt, e);
	if ((rc = remembered_recipients(path, k, e)) < 0)
		return -1;
	if (rc)
		use->encrypt = k;
	if (use->comp != JCOMP_NONE && !use->encrypt)
		return jerr_set(e, EX_USAGE, "%s: --compress is for encrypted segments (plain "
		    "ones are compressed by jship --compress)", path);
	return 0;
}

/* ---- rotation ---- */

/* Cheap --if-size/--if-age checks: 1 rotate, 0 not yet, -1 error. */
static int
conditions_met(int fd, const struct jfmt_header *h, const struct jjrotate *o,
    const struct stat *st, struct jerr *e)
{
	uint8_t head[JFMT_REC_HEAD];
	struct jfmt_rec_head r;
	uint64_t now;
	ssize_t n;

	off_t seal = JFMT_TRAILER_SIZE + ((h->flags & JFMT_HDR_SIGNED) ? JFMT_SIG_SIZE : 0);

	if (st->st_size >= JFMT_HEADER_SIZE + seal) {
		uint8_t mark[4];

		/* An interrupted rotation is completed whatever the conditions say. */
		if (jio_pread_full(fd, mark, 4, st->st_size - seal) == 4 && jfmt_is_trailer(mark))
			return 1;
	}
	if (o->if_size && (uint64_t)st->st_size < o->if_size)
		return 0;
	if (o->if_age) {
		n = jio_pread_full(fd, head, sizeof head, JFMT_HEADER_SIZE);
		if (n < 0)
			return jerr_sys(e, EX_IOERR, "unable to read");
		if (n < JFMT_REC_HEAD || jfmt_is_trailer(head) || jfmt_rec_decode(head, h->version, &r, e) < 0)
			return 0;
		/* A record stamped in the future has no age to wait for: seal it now rather
		 * than never (the writer's clock is ahead, or this one was set back). */
		now = jclock_now();
		if (now >= r.time && now - r.time < o->if_age)
			return 0;
	}
	return 1;
}

/*
 * One attempt at a rotation, and the live file as it found it. Each step below is one
 * function; each crash state of the essay is met by one of them (cut_torn_tail,
 * finish_interrupted, seal_live, and through seal_complete link_segment and
 * install_successor).
 */
struct rotation {
	const char             *path;
	const struct jjrotate  *o;
	int                     wlock;      /* the writers' lock file */
	int                     locked;     /* wlock taken */
	int                     fd;         /* the live file, opened by this attempt */
	struct stat             st;
	struct jfmt_header      h;
	struct jseg            *s;          /* the reader of fd */
	char                   *seg;        /* out: the sealed segment's path */
	size_t                  segsize;
};

enum { ROT_AGAIN = 2 };                 /* the live file changed under the attempt */

static void
rotation_end(struct rotation *r)
{
	if (r->locked)
		jlock_drop(r->wlock);
	r->locked = 0;
	jseg_close(r->s);
	r->s = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* Open the live file: 1 go on, 0 nothing to do (no record, or not yet), -1 error. */
static int
rotation_open(struct rotation *r, struct jerr *e)
{
	uint8_t raw[JFMT_HEADER_SIZE];

	if ((r->fd = open(r->path, O_RDWR | O_CLOEXEC)) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR),
		    "unable to open %s", r->path);
	if (fstat(r->fd, &r->st) < 0)
		return jerr_sys(e, EX_IOERR, "unable to stat %s", r->path);
	if (read_header(r->fd, r->path, raw, &r->h, e) < 0)
		return -1;
	if (r->o->final)
		return 1;
	if (r->st.st_size == JFMT_HEADER_SIZE) {
		/* not a record since the last rotation: a cheap no-op, unless the journal
		 * starts signing now (seal_live) */
		return r->o->sign && !(r->h.flags & JFMT_HDR_SIGNED);
	}
	if (r->o->if_size || r->o->if_age)
		return conditions_met(r->fd, &r->h, r->o, &r->st, e);
	return 1;
}

/*
 * Pass 1, without the writers' lock: everything complete so far (the digest too). Damage
 * found here is judged again under the lock. The bulk is flushed before the lock is taken,
 * so that the sync under it is short; for a small journal one sync under the lock is
 * cheaper than two.
 */
static int
read_unlocked(struct rotation *r, struct jerr *e)
{
	struct jerr pass1;

	posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (jseg_open_pread(r->fd, NULL, &r->s, e) < 0)
		return in_file(r->path, e);
	if (live_read(r->s, r->fd, r->path, &pass1) < 0 && pass1.code != EX_DATAERR) {
		*e = pass1;
		return -1;
	}
	if (r->st.st_size > (1 << 20) && fdatasync(r->fd) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync %s", r->path);
	jcrash_point("pass1");
	return 0;
}

/*
 * Pass 2, under the writers' lock: what was appended meanwhile. Says where the live file
 * stands (LIVE_*), or LIVE_REPLACED when a writer finished an interrupted rotation meanwhile.
 */
static int
read_locked(struct rotation *r, struct jerr *e)
{
	struct stat now;

	if (jlock_take(r->wlock, JLOCK_WAIT, e) < 0)
		return -1;
	r->locked = 1;
	if (stat(r->path, &now) < 0 || now.st_ino != r->st.st_ino || now.st_dev != r->st.st_dev)
		return LIVE_REPLACED;
	/* Pass 1 may have stopped at a frame a writer was still writing: read on from its
	 * start. After a trailer, read it all again (the digest went past it). */
	if (jseg_resume(r->s) < 0) {
		jseg_close(r->s);
		r->s = NULL;
		if (jseg_open_pread(r->fd, NULL, &r->s, e) < 0)
			return in_file(r->path, e);
	}
	return live_read(r->s, r->fd, r->path, e);
}

/*
 * Crash states "live file with a torn trailer" and "sealed live file, with or without its
 * link": cut the torn trailer (ROT_AGAIN: read again), or complete the interrupted rotation,
 * which is then the one done now (1).
 */
static int
finish_interrupted(struct rotation *r, struct jerr *e)
{
	int rc = recover(r->path, r->fd, &r->h, jseg_trailer(r->s),
	    successor_key(r->o->sign, jseg_sig(r->s)), jseg_end(r->s), r->seg, r->segsize, e);

	if (rc == 2)
		return ROT_AGAIN;
	if (rc == 1 && !r->o->final)
		return closed_error(r->seg, e);
	return rc < 0 ? -1 : 1;
}

/*
 * A journal that starts signing before its first record: the empty unsigned live file is
 * replaced (under the writers' lock, atomically) by one whose header names the rotation's
 * key, so that even its first segment is signed. Nothing is sealed (0).
 */
static int
adopt_signer(struct rotation *r, struct jerr *e)
{
	char next[JJ_PATH];
	struct jfmt_header nh = r->h;

	nh.version = JFMT_VERSION;
	set_signer(&nh, r->o->sign->keyid);
	if (aux_path(next, sizeof next, r->path, "next", e) < 0 ||
	    write_header_file(next, &nh, e) < 0)
		return -1;
	if (rename(next, r->path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to rename %s to %s", next, r->path);
	if (jio_fsync_dir(r->path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", r->path);
	return 0;
}

/* The signature block of a signed live file about to be sealed with trailer t, after
 * the trailer in tr: the length of the seal. */
static ssize_t
sign_seal(struct rotation *r, const struct jfmt_trailer *t, uint8_t *tr, struct jerr *e)
{
	struct jfmt_sig sig;

	if (!(r->h.flags & JFMT_HDR_SIGNED))
		return JFMT_TRAILER_SIZE;
	if (jsig_sign(r->o->sign, &r->h, t, &sig, e) < 0)
		return -1;
	jfmt_sig_encode(&sig, tr + JFMT_TRAILER_SIZE);
	return JFMT_TRAILER_SIZE + JFMT_SIG_SIZE;
}

/* A signed live file and no key: refused before anything changes. */
static int
needs_key(struct rotation *r, struct jerr *e)
{
	char id[JSIG_KEYID_HEX];

	jsig_keyid_hex(r->h.keyid, id);
	return jerr_set(e, EX_USAGE, "%s is signed by key %s: only a rotation with --sign can "
	    "seal it (nothing changed)", r->path, id);
}

/*
 * Crash state "live file without trailer": seal its records (1), or do nothing when it has
 * none and the rotation is not final (0; a rotation with a key then makes an unsigned
 * journal a signed one). A signed file is sealed with its signature in the same write.
 */
static int
seal_live(struct rotation *r, struct jerr *e)
{
	struct jfmt_trailer t = { 0 };
	uint8_t tr[JFMT_TRAILER_SIZE + JFMT_SIG_SIZE];
	struct jdigest *d;
	ssize_t len;

	if (jseg_records(r->s) == 0 && !r->o->final)
		return r->o->sign && !(r->h.flags & JFMT_HDR_SIGNED) ? adopt_signer(r, e) : 0;
	if ((r->h.flags & JFMT_HDR_SIGNED) && !r->o->sign)
		return needs_key(r, e);
	if (!(d = jseg_hash(r->s)))
		return jerr_sys(e, EX_SOFTWARE, "%s: digest", r->path);
	t.records = jseg_records(r->s);
	t.last_lsn = jseg_last_lsn(r->s);
	t.flags = r->o->final ? JFMT_FINAL : 0;
	if (r->o->encrypt ? encrypt_segment(r->path, r->fd, &r->h, jseg_end(r->s), &t, r->o,
	    e) < 0 : drop_encrypted(r->path, e) < 0)
		return -1;
	seal_trailer(d, jseg_end(r->s), &t, tr);
	if ((len = sign_seal(r, &t, tr, e)) < 0 ||
	    write_trailer(r->fd, r->path, tr, (size_t)len, jseg_end(r->s), e) < 0)
		return -1;
	return seal_complete(r->path, r->fd, &r->h, &t, successor_key(r->o->sign, NULL), r->seg,
	    r->segsize, e) < 0 ? -1 : 1;
}

/* 1 sealed, 0 nothing to do, ROT_AGAIN, -1 error. */
static int
rotation_try(struct rotation *r, struct jerr *e)
{
	int rc;

	if ((rc = rotation_open(r, e)) <= 0 || (rc = read_unlocked(r, e)) < 0)
		return rc;
	switch (read_locked(r, e)) {
	case LIVE_REPLACED:
		return ROT_AGAIN;
	case LIVE_SEALED:
	case LIVE_TORN_TRAILER:
		rc = finish_interrupted(r, e);
		break;
	case LIVE_TORN:
		if (cut_torn_tail(r->fd, r->path, jseg_end(r->s), e) < 0)
			return -1;
		jcrash_point("torn");
		/* FALLTHROUGH */
	case LIVE_END:
		rc = seal_live(r, e);
		break;
	default:
		return -1;
	}
	if (rc == 0 || rc == 1)
		jcrash_point("done");
	return rc;
}

static int
rotate_locked(const char *path, int wlock, const struct jjrotate *o, char *seg, size_t segsize,
    struct jerr *e)
{
	struct rotation r = { .path = path, .o = o, .wlock = wlock, .fd = -1, .seg = seg,
	                      .segsize = segsize };

	for (int round = 0; round < 100; round++) {
		int rc = rotation_try(&r, e);

		rotation_end(&r);
		if (rc != ROT_AGAIN)
			return rc;
	}
	return jerr_set(e, EX_SOFTWARE, "%s keeps changing during rotation", path);
}

int
jjournal_rotate(const char *path, const struct jjrotate *o, char *seg, size_t size,
    struct jerr *e)
{
	char rlock[JJ_PATH], wlock[JJ_PATH];
	struct jage_keys keys = { 0 };
	struct jjrotate use;
	struct jname n;
	int rfd, wfd, rc;

	if (jname_parse(jio_basename(path), &n) != JNAME_LIVE)
		return jerr_set(e, EX_USAGE, "%s: not a live journal name (NAME.journal)", path);
	if (access(path, F_OK) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno, EX_IOERR), "unable to open %s",
		    path);
	if (aux_path(rlock, sizeof rlock, path, "rotate", e) < 0 ||
	    aux_path(wlock, sizeof wlock, path, "lock", e) < 0)
		return -1;
	if ((rfd = jlock_acquire(rlock, o->nowait ? JLOCK_NOWAIT : JLOCK_WAIT, e)) < 0) {
		if (e->code == EX_TEMPFAIL)
			jerr_set(e, EX_TEMPFAIL, "%s: another rotation is running", path);
		return -1;
	}
	if ((wfd = jlock_open(wlock, e)) < 0) {
		jlock_close(rfd);
		return -1;
	}
	if (choose_recipients(path, o, &use, &keys, e) == 0)
		rc = rotate_locked(path, wfd, &use, seg, size, e);
	else
		rc = -1;
	jage_keys_wipe(&keys);
	jlock_close(wfd);
	jlock_close(rfd);
	return rc;
}
