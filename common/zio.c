/*
 * zio: compressed single streams via libarchive's "raw" format and its filters, except xz,
 * which is decoded with liblzma directly (below).
 * A reader MUST report a stream that ends early as an error; libarchive does for zstd, gzip
 * and xz when the end-of-stream marker is missing, and so does the xz decoder here.
 * A reader MUST bound what one stream costs, whatever its header asks for, so that a small
 * crafted file cannot exhaust memory or stall the handling of the files after it:
 * - memory: the decoder's window or dictionary is at most JZIO_MEM_MAX (128 MiB). libzstd's
 *   default window limit is exactly that (libarchive 3.6.2 keeps it: a frame that needs more
 *   fails with "Frame requires too much memory"), gzip's window is 32 KiB, and xz's memory
 *   limit is set here. libarchive 3.6.2 gives its xz reader a fixed 1 GiB limit and no option
 *   to lower it, which is why xz goes to liblzma itself: zio stays the one module behind
 *   which compression libraries live, liblzma included. The writers never need more: xz -9
 *   uses a 64 MiB dictionary, zstd -22 a 128 MiB window.
 * - work: the decompressed stream is at most jzio_max_size() bytes (JMIRROR_MAX_SEGMENT,
 *   default 4 GiB); one byte more is damaged input (EX_DATAERR), found after decoding at
 *   most that much. No ratio is used: SQL text compresses very well. Measured here, a
 *   2 MB zstd segment of 4 GiB + 16 MiB of valid records is refused after about 4 s of
 *   decoding, checksumming and hashing (tests/e2e/0302): the most one file can hold up a
 *   reader such as jwatch, which then goes on with the others.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>

#include "name.h"
#include "parse.h"
#include "zio.h"

#define IN_SIZE (256 * 1024)

/* libarchive's message for a's last error, or dflt when it has none. */
static const char *
why(struct archive *a, const char *dflt)
{
	const char *s = archive_error_string(a);

	return s ? s : dflt;
}

struct jzio {
	struct archive *a;          /* zstd, gzip, none; NULL: xz through liblzma */
	lzma_stream     xz;
	int             fd, xz_end, in_eof;
	uint8_t         magic[6];   /* the first bytes, read to tell xz apart */
	size_t          nmagic, magic_pos;
	uint8_t        *in;
	uint64_t        out, max;   /* bytes decoded, and the limit */
	ssize_t       (*src)(void *, void *, size_t, struct jerr *);   /* instead of fd */
	void           *src_arg;
	struct jerr     src_err;    /* why src failed */
};

struct jzio_w {
	struct archive *a;
	int (*sink)(void *, const void *, size_t);
	void *arg;
	int sink_errno;
};

int
jzio_max_size(uint64_t *max, struct jerr *e)
{
	const char *v = getenv("JMIRROR_MAX_SEGMENT");

	*max = JZIO_MAX_DEFAULT;
	if (v && *v && (jparse_size(v, max) < 0 || *max == 0))
		return jerr_set(e, EX_USAGE, "JMIRROR_MAX_SEGMENT=%s: not a size", v);
	return 0;
}

/* Read up to len bytes of the compressed stream, from src or fd. */
static ssize_t
in_raw(struct jzio *z, void *buf, size_t len)
{
	ssize_t n;

	if (z->src) {
		if ((n = z->src(z->src_arg, buf, len, &z->src_err)) < 0)
			errno = EIO;
		return n;
	}
	while ((n = read(z->fd, buf, len)) < 0 && errno == EINTR)
		;
	return n;
}

/* Read up to len bytes, the sniffed first bytes first. */
static ssize_t
in_read(struct jzio *z, void *buf, size_t len)
{
	ssize_t n;

	if (z->magic_pos < z->nmagic) {
		n = (ssize_t)(z->nmagic - z->magic_pos);
		if ((size_t)n > len)
			n = (ssize_t)len;
		memcpy(buf, z->magic + z->magic_pos, (size_t)n);
		z->magic_pos += (size_t)n;
		return n;
	}
	return in_raw(z, buf, len);
}

static la_ssize_t
ar_read(struct archive *a, void *arg, const void **buf)
{
	struct jzio *z = arg;
	ssize_t n = in_read(z, z->in, IN_SIZE);

	if (n < 0)
		archive_set_error(a, errno, "%s", strerror(errno));
	*buf = z->in;
	return n;
}

static int
open_archive(struct jzio *z, struct jerr *e)
{
	struct archive_entry *ent;

	if (!(z->a = archive_read_new()))
		return jerr_sys(e, EX_OSERR, "unable to start decompression");
	/* Only the methods segments use: no external programs, less to trust. */
	archive_read_support_filter_gzip(z->a);
	archive_read_support_filter_zstd(z->a);
	archive_read_support_format_raw(z->a);
	if (archive_read_open(z->a, z, NULL, ar_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(z->a, &ent) != ARCHIVE_OK)
		return jerr_set(e, EX_DATAERR, "unable to decompress: %s",
		    why(z->a, "empty or unknown stream"));
	return 0;
}

static int
open_xz(struct jzio *z, struct jerr *e)
{
	lzma_stream init = LZMA_STREAM_INIT;

	z->xz = init;
	if (lzma_stream_decoder(&z->xz, JZIO_MEM_MAX, LZMA_CONCATENATED) != LZMA_OK)
		return jerr_set(e, EX_OSERR, "unable to start xz decompression");
	return 0;
}

/* A stream of at most max decompressed bytes (memory is always bounded). */
static int
open_stream(int fd, ssize_t (*src)(void *, void *, size_t, struct jerr *), void *arg,
    uint64_t max, struct jzio **zp, struct jerr *e)
{
	static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	struct jzio *z = calloc(1, sizeof *z);
	ssize_t n = 0;

	if (!z || !(z->in = malloc(IN_SIZE))) {
		free(z);
		return jerr_sys(e, EX_OSERR, "unable to start decompression");
	}
	z->fd = fd;
	z->src = src;
	z->src_arg = arg;
	z->xz_end = 1;
	z->max = max;
	/* in_raw: a short read here (a pipe, a decryptor) must not replay what was sniffed */
	while (z->nmagic < sizeof z->magic &&
	    (n = in_raw(z, z->magic + z->nmagic, sizeof z->magic - z->nmagic)) > 0)
		z->nmagic += (size_t)n;
	if (n < 0) {
		if (z->src)
			*e = z->src_err;
		else
			jerr_sys(e, EX_IOERR, "unable to read");
		goto bad;
	}
	if (z->nmagic == sizeof xz_magic && memcmp(z->magic, xz_magic, sizeof xz_magic) == 0) {
		z->xz_end = 0;
		if (open_xz(z, e) < 0)
			goto bad;
	} else if (open_archive(z, e) < 0)
		goto bad;
	*zp = z;
	return 0;
bad:
	jzio_close(z);
	return -1;
}

int
jzio_open_read(int fd, struct jzio **zp, struct jerr *e)
{
	uint64_t max;

	if (jzio_max_size(&max, e) < 0)
		return -1;
	return open_stream(fd, NULL, NULL, max, zp, e);
}

int
jzio_open_read_src(ssize_t (*src)(void *, void *, size_t, struct jerr *), void *arg,
    struct jzio **zp, struct jerr *e)
{
	uint64_t max;

	if (jzio_max_size(&max, e) < 0)
		return -1;
	return open_stream(-1, src, arg, max, zp, e);
}

static ssize_t
xz_read(struct jzio *z, void *buf, size_t len, struct jerr *e)
{
	lzma_ret r;

	z->xz.next_out = buf;
	z->xz.avail_out = len;
	while (z->xz.avail_out == len && !z->xz_end) {
		if (z->xz.avail_in == 0 && !z->in_eof) {
			ssize_t n = in_read(z, z->in, IN_SIZE);
			if (n < 0)
				return jerr_sys(e, EX_IOERR, "unable to read");
			z->in_eof = n == 0;
			z->xz.next_in = z->in;
			z->xz.avail_in = (size_t)n;
		}
		r = lzma_code(&z->xz, z->in_eof ? LZMA_FINISH : LZMA_RUN);
		if (r == LZMA_STREAM_END)
			z->xz_end = 1;
		else if (r == LZMA_MEMLIMIT_ERROR)
			return jerr_set(e, EX_DATAERR, "unable to decompress: the xz stream needs "
			    "%llu MiB of memory, more than the limit of %u MiB",
			    (unsigned long long)(lzma_memusage(&z->xz) >> 20), JZIO_MEM_MAX >> 20);
		else if (r == LZMA_BUF_ERROR)
			return jerr_set(e, EX_DATAERR, "unable to decompress: truncated xz stream");
		else if (r != LZMA_OK)
			return jerr_set(e, EX_DATAERR, "unable to decompress: damaged xz stream "
			    "(liblzma error %d)", (int)r);
	}
	return (ssize_t)(len - z->xz.avail_out);
}

ssize_t
jzio_read(struct jzio *z, void *buf, size_t len, struct jerr *e)
{
	ssize_t n;

	if (z->a) {
		n = archive_read_data(z->a, buf, len);
		if (n < 0 && z->src_err.code)
			return jerr_set(e, z->src_err.code, "%s", z->src_err.msg);
		if (n < 0)
			return jerr_set(e, EX_DATAERR, "unable to decompress: %s",
			    why(z->a, "damaged stream"));
	} else if ((n = xz_read(z, buf, len, e)) < 0) {
		if (z->src_err.code)
			*e = z->src_err;
		return -1;
	}
	z->out += (uint64_t)n;
	if (z->out > z->max)
		return jerr_set(e, EX_DATAERR, "unable to decompress: expands beyond %llu bytes, "
		    "the limit (JMIRROR_MAX_SEGMENT)", (unsigned long long)z->max);
	return n;
}

int
jzio_filter(const struct jzio *z)
{
	if (!z->a)
		return JCOMP_XZ;
	switch (archive_filter_code(z->a, 0)) {
	case ARCHIVE_FILTER_ZSTD: return JCOMP_ZSTD;
	case ARCHIVE_FILTER_GZIP: return JCOMP_GZIP;
	case ARCHIVE_FILTER_XZ:   return JCOMP_XZ;
	}
	return JCOMP_NONE;
}

void
jzio_close(struct jzio *z)
{
	int saved = errno;

	if (z) {
		if (z->a)
			archive_read_free(z->a);
		else
			lzma_end(&z->xz);
		free(z->in);
		free(z);
	}
	errno = saved;
}

static la_ssize_t
w_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct jzio_w *w = arg;

	(void)a;
	if (w->sink(w->arg, buf, n) < 0) {
		w->sink_errno = errno ? errno : EIO;
		archive_set_error(a, w->sink_errno, "%s", strerror(w->sink_errno));
		return -1;
	}
	return (la_ssize_t)n;
}

static int
w_fail(struct jzio_w *w, struct jerr *e, const char *what)
{
	if (w->sink_errno) {
		errno = w->sink_errno;
		return jerr_sys(e, EX_IOERR, "%s", what);
	}
	return jerr_set(e, EX_SOFTWARE, "%s: %s", what,
	    why(w->a, "compression failed"));
}

int
jzio_open_write(int comp, int level, int (*sink)(void *, const void *, size_t), void *arg,
    struct jzio_w **wp, struct jerr *e)
{
	struct jzio_w *w = calloc(1, sizeof *w);
	struct archive_entry *ent = NULL;
	char opt[64];
	int r;

	if (!w || !(w->a = archive_write_new())) {
		free(w);
		return jerr_sys(e, EX_OSERR, "unable to start compression");
	}
	w->sink = sink;
	w->arg = arg;
	switch (comp) {
	case JCOMP_ZSTD: r = archive_write_add_filter_zstd(w->a); break;
	case JCOMP_GZIP: r = archive_write_add_filter_gzip(w->a); break;
	case JCOMP_XZ:   r = archive_write_add_filter_xz(w->a); break;
	default:         r = ARCHIVE_FATAL; break;
	}
	if (r != ARCHIVE_OK)
		goto fail;
	if (level > 0) {
		snprintf(opt, sizeof opt, "compression-level=%d", level);
		if (archive_write_set_filter_option(w->a, NULL, "compression-level", opt + 18) !=
		    ARCHIVE_OK)
			goto fail;
	}
	if (archive_write_set_format_raw(w->a) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(w->a, 64 * 1024) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open(w->a, w, NULL, w_write, NULL) != ARCHIVE_OK)
		goto fail;
	if (!(ent = archive_entry_new()))
		goto fail;
	archive_entry_set_pathname(ent, "data");
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0600);
	if (archive_write_header(w->a, ent) != ARCHIVE_OK)
		goto fail;
	archive_entry_free(ent);
	*wp = w;
	return 0;
fail:
	w_fail(w, e, "unable to start compression");
	archive_entry_free(ent);
	jzio_abort(w);
	return -1;
}

int
jzio_write(struct jzio_w *w, const void *buf, size_t n, struct jerr *e)
{
	const char *p = buf;

	while (n > 0) {
		la_ssize_t r = archive_write_data(w->a, p, n);
		if (r < 0)
			return w_fail(w, e, "unable to compress");
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int
jzio_finish(struct jzio_w *w, struct jerr *e)
{
	int rc = 0;

	if (archive_write_close(w->a) != ARCHIVE_OK)
		rc = w_fail(w, e, "unable to finish compression");
	archive_write_free(w->a);
	free(w);
	return rc;
}

void
jzio_abort(struct jzio_w *w)
{
	int saved = errno;

	if (w) {
		if (w->a)
			archive_write_free(w->a);
		free(w);
	}
	errno = saved;
}

int
jzio_parse(const char *spec, int *comp, int *level)
{
	static const char *names[] = { [JCOMP_ZSTD] = "zstd", [JCOMP_GZIP] = "gzip",
	                               [JCOMP_XZ] = "xz" };
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	uint64_t lv = 0;

	*comp = JCOMP_NONE;
	for (int c = JCOMP_ZSTD; c <= JCOMP_XZ; c++)
		if (strlen(names[c]) == len && strncmp(spec, names[c], len) == 0)
			*comp = c;
	if (*comp == JCOMP_NONE || (colon && (jparse_u64(colon + 1, &lv) < 0 || lv < 1 ||
	    lv > (*comp == JCOMP_ZSTD ? 22u : 9u)))) {
		errno = EINVAL;
		return -1;
	}
	*level = (int)lv;
	return 0;
}

/* ---- tar archives (jbackup): ustar through a compression filter ---- */

/*
 * A tar archive is read through a zio stream, so that its decoder's memory is bounded like
 * a segment's; its size is not (a backup is as large as its database).
 */
struct jzio_tar {
	struct archive *a;
	int             write;
	struct jzio    *z;          /* reading: the decompressed archive */
	struct jerr     zerr;       /* code != 0: why z failed */
	uint8_t        *buf;
};

int
jzio_tar_open_write(int fd, int comp, int level, struct jzio_tar **tp, struct jerr *e)
{
	struct jzio_tar *t = calloc(1, sizeof *t);
	int r;

	if (!t || !(t->a = archive_write_new())) {
		free(t);
		return jerr_sys(e, EX_OSERR, "unable to start an archive");
	}
	t->write = 1;
	switch (comp) {
	case JCOMP_ZSTD: r = archive_write_add_filter_zstd(t->a); break;
	case JCOMP_GZIP: r = archive_write_add_filter_gzip(t->a); break;
	case JCOMP_XZ:   r = archive_write_add_filter_xz(t->a); break;
	case JCOMP_NONE: r = ARCHIVE_OK; break;
	default:         r = ARCHIVE_FATAL; break;
	}
	if (r == ARCHIVE_OK && level > 0) {
		char opt[16];
		snprintf(opt, sizeof opt, "%d", level);
		r = archive_write_set_filter_option(t->a, NULL, "compression-level", opt);
	}
	if (r != ARCHIVE_OK || archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
	    archive_write_open_fd(t->a, fd) != ARCHIVE_OK) {
		jerr_set(e, EX_SOFTWARE, "unable to start an archive: %s",
		    why(t->a, "unknown"));
		jzio_tar_close(t);
		return -1;
	}
	*tp = t;
	return 0;
}

int
jzio_tar_add(struct jzio_tar *t, const char *name, int fd, uint64_t size, uint64_t mtime,
    struct jerr *e)
{
	struct archive_entry *ent = archive_entry_new();
	char buf[64 * 1024];
	uint64_t left = size;

	if (!ent)
		return jerr_sys(e, EX_OSERR, "out of memory");
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0640);
	archive_entry_set_size(ent, (la_int64_t)size);
	archive_entry_set_mtime(ent, (time_t)mtime, 0);
	if (archive_write_header(t->a, ent) != ARCHIVE_OK) {
		archive_entry_free(ent);
		return jerr_set(e, EX_IOERR, "unable to write the archive: %s",
		    archive_error_string(t->a));
	}
	archive_entry_free(ent);
	while (left > 0) {
		ssize_t n = read(fd, buf, left < sizeof buf ? (size_t)left : sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return jerr_sys(e, EX_IOERR, "unable to read %s", name);
		if (n == 0)
			return jerr_set(e, EX_IOERR, "%s: shorter than %llu bytes", name,
			    (unsigned long long)size);
		if (archive_write_data(t->a, buf, (size_t)n) != n)
			return jerr_set(e, EX_IOERR, "unable to write the archive: %s",
			    archive_error_string(t->a));
		left -= (uint64_t)n;
	}
	return 0;
}

int
jzio_tar_add_buf(struct jzio_tar *t, const char *name, const void *buf, size_t len,
    uint64_t mtime, struct jerr *e)
{
	struct archive_entry *ent = archive_entry_new();

	if (!ent)
		return jerr_sys(e, EX_OSERR, "out of memory");
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0640);
	archive_entry_set_size(ent, (la_int64_t)len);
	archive_entry_set_mtime(ent, (time_t)mtime, 0);
	if (archive_write_header(t->a, ent) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(t->a, buf, len) != (la_ssize_t)len)) {
		archive_entry_free(ent);
		return jerr_set(e, EX_IOERR, "unable to write the archive: %s",
		    archive_error_string(t->a));
	}
	archive_entry_free(ent);
	return 0;
}

int
jzio_tar_finish(struct jzio_tar *t, struct jerr *e)
{
	int rc = 0;

	if (archive_write_close(t->a) != ARCHIVE_OK)
		rc = jerr_set(e, EX_IOERR, "unable to finish the archive: %s",
		    archive_error_string(t->a));
	jzio_tar_close(t);
	return rc;
}

static la_ssize_t
tar_in(struct archive *a, void *arg, const void **buf)
{
	struct jzio_tar *t = arg;
	ssize_t n = jzio_read(t->z, t->buf, IN_SIZE, &t->zerr);

	if (n < 0)
		archive_set_error(a, EIO, "%s", t->zerr.msg);
	*buf = t->buf;
	return n;
}

/* The failure of a tar read: the stream's own when it failed, else libarchive's. */
static int
tar_fail(struct jzio_tar *t, struct jerr *e, const char *what)
{
	if (t->zerr.code) {
		if (e)
			*e = t->zerr;
		return -1;
	}
	return jerr_set(e, EX_DATAERR, "%s: %s", what, why(t->a, "unknown"));
}

int
jzio_tar_open_read(int fd, struct jzio_tar **tp, struct jerr *e)
{
	struct jzio_tar *t = calloc(1, sizeof *t);

	if (!t || !(t->buf = malloc(IN_SIZE)) || !(t->a = archive_read_new())) {
		if (t)
			free(t->buf);
		free(t);
		return jerr_sys(e, EX_OSERR, "unable to read an archive");
	}
	if (open_stream(fd, NULL, NULL, UINT64_MAX, &t->z, e) < 0) {
		if (e && e->code == EX_DATAERR) {
			char why2[sizeof e->msg];
			snprintf(why2, sizeof why2, "%s", e->msg);
			jerr_set(e, EX_DATAERR, "not a readable archive: %.400s", why2);
		}
		jzio_tar_close(t);
		return -1;
	}
	archive_read_support_format_tar(t->a);
	if (archive_read_open(t->a, t, NULL, tar_in, NULL) != ARCHIVE_OK) {
		tar_fail(t, e, "not a readable archive");
		jzio_tar_close(t);
		return -1;
	}
	*tp = t;
	return 0;
}

int
jzio_tar_next(struct jzio_tar *t, char *name, size_t size, uint64_t *len, struct jerr *e)
{
	struct archive_entry *ent;
	int r = archive_read_next_header(t->a, &ent);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK)
		return tar_fail(t, e, "damaged archive");
	if (archive_entry_filetype(ent) != AE_IFREG)
		return jerr_set(e, EX_DATAERR, "damaged archive: %s is not a regular file",
		    archive_entry_pathname(ent));
	snprintf(name, size, "%s", archive_entry_pathname(ent));
	*len = (uint64_t)archive_entry_size(ent);
	return 1;
}

ssize_t
jzio_tar_read(struct jzio_tar *t, void *buf, size_t len, struct jerr *e)
{
	la_ssize_t n = archive_read_data(t->a, buf, len);

	if (n < 0)
		return tar_fail(t, e, "damaged archive");
	return n;
}

void
jzio_tar_close(struct jzio_tar *t)
{
	int saved = errno;

	if (t) {
		if (t->a) {
			if (t->write)
				archive_write_free(t->a);
			else
				archive_read_free(t->a);
		}
		jzio_close(t->z);
		free(t->buf);
		free(t);
	}
	errno = saved;
}
