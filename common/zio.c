/*
 * zio: compressed single streams via libarchive's "raw" format and its filters.
 * A reader MUST report a stream that ends early as an error; libarchive does for zstd, gzip
 * and xz when the end-of-stream marker is missing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "name.h"
#include "parse.h"
#include "zio.h"

struct jzio {
	struct archive *a;
};

struct jzio_w {
	struct archive *a;
	int (*sink)(void *, const void *, size_t);
	void *arg;
	int sink_errno;
};

int
jzio_open_read(int fd, struct jzio **zp, struct jerr *e)
{
	struct jzio *z = calloc(1, sizeof *z);
	struct archive_entry *ent;

	if (!z || !(z->a = archive_read_new())) {
		free(z);
		return jerr_sys(e, EX_OSERR, "unable to start decompression");
	}
	/* Only the three methods segments use: no external programs, less to trust. */
	archive_read_support_filter_gzip(z->a);
	archive_read_support_filter_xz(z->a);
	archive_read_support_filter_zstd(z->a);
	archive_read_support_format_raw(z->a);
	if (archive_read_open_fd(z->a, fd, 256 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(z->a, &ent) != ARCHIVE_OK) {
		jerr_set(e, EX_DATAERR, "unable to decompress: %s",
		    archive_error_string(z->a) ? archive_error_string(z->a) : "empty or unknown stream");
		jzio_close(z);
		return -1;
	}
	*zp = z;
	return 0;
}

ssize_t
jzio_read(struct jzio *z, void *buf, size_t len, struct jerr *e)
{
	la_ssize_t n = archive_read_data(z->a, buf, len);

	if (n < 0)
		return jerr_set(e, EX_DATAERR, "unable to decompress: %s",
		    archive_error_string(z->a) ? archive_error_string(z->a) : "damaged stream");
	return n;
}

int
jzio_filter(const struct jzio *z)
{
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
	    archive_error_string(w->a) ? archive_error_string(w->a) : "compression failed");
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
