/*
 * zio: single-stream compression (zstd, gzip, xz) through libarchive, the only place that
 * includes archive.h for streams. Segments are compressed whole: NAME....journal.zst is the
 * zstd stream of the sealed segment's bytes, nothing else (no tar wrapper).
 *
 * Reading:
 *     struct jzio *z;
 *     if (jzio_open_read(fd, &z, e) < 0) ...     fd stays the caller's; filter auto-detected
 *     n = jzio_read(z, buf, len, e);             bytes, 0 at the end of the stream, -1 error
 *     jzio_close(z);
 * A truncated or damaged stream is an error (EX_DATAERR), never a silent short read, and so
 * is a stream whose decoder would need more than JZIO_MEM_MAX bytes of memory or that
 * expands beyond jzio_max_size() bytes: one stream costs bounded memory and work.
 * jzio_max_size(&max, e) is JMIRROR_MAX_SEGMENT from the environment (a size: 8G, ...) or
 * JZIO_MAX_DEFAULT; -1 (EX_USAGE) when the variable is not a size.
 * Data in none of the three formats opens as itself: jzio_filter says which method the
 * stream uses (JCOMP_NONE for none), so that a caller can check it against the name.
 *
 * Writing:
 *     jzio_open_write(comp, level, sink, arg, &w, e);   sink(arg, buf, n): 0 or -1 (errno)
 *     jzio_write(w, buf, n, e) ...; jzio_finish(w, e);    finish flushes, then frees w
 *     jzio_abort(w);                                      frees w without flushing
 * level 0 means the library's default for comp.
 *
 * jzio_parse("zstd:19", &comp, &level): -1 (EINVAL) unless NAME[:LEVEL] names a method.
 */
#ifndef JM_ZIO_H
#define JM_ZIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct jzio;
struct jzio_w;

#define JZIO_MEM_MAX      (128u << 20)             /* decoder window/dictionary, bytes */
#define JZIO_MAX_DEFAULT  ((uint64_t)4 << 30)      /* decompressed bytes of one stream */

int     jzio_max_size(uint64_t *max, struct jerr *e);

int     jzio_open_read(int fd, struct jzio **z, struct jerr *e);
/* The same, reading the compressed bytes from src (as age.h's sources: bytes, 0 at the end,
 * -1 with e, which jzio_read then passes on as it is). */
int     jzio_open_read_src(ssize_t (*src)(void *arg, void *buf, size_t n, struct jerr *e),
                           void *arg, struct jzio **z, struct jerr *e);
ssize_t jzio_read(struct jzio *z, void *buf, size_t len, struct jerr *e);
int     jzio_filter(const struct jzio *z);          /* JCOMP_* detected */
void    jzio_close(struct jzio *z);

int  jzio_open_write(int comp, int level, int (*sink)(void *arg, const void *buf, size_t n),
                     void *arg, struct jzio_w **w, struct jerr *e);
int  jzio_write(struct jzio_w *w, const void *buf, size_t n, struct jerr *e);
int  jzio_finish(struct jzio_w *w, struct jerr *e);
void jzio_abort(struct jzio_w *w);

int  jzio_parse(const char *spec, int *comp, int *level);

/*
 * Tar archives (jbackup's backups): ustar/pax members through one of the filters above
 * (JCOMP_NONE: plain tar). Writing:
 *     jzio_tar_open_write(fd, comp, level, &t, e)      fd stays the caller's
 *     jzio_tar_add(t, name, fd, size, mtime, e)        a regular file of size bytes read from
 *                                                      fd (a shorter file is an error)
 *     jzio_tar_add_buf(t, name, buf, len, mtime, e)    a regular file from memory
 *     jzio_tar_finish(t, e)                            flushes, then frees t
 * Reading:
 *     jzio_tar_open_read(fd, &t, e)
 *     while ((rc = jzio_tar_next(t, name, size, &len, e)) == 1)   regular files only
 *             jzio_tar_read(t, buf, n, e) ...                     0 at the member's end
 *     jzio_tar_close(t)                                           (also aborts a writer)
 * A damaged or truncated archive is EX_DATAERR.
 */
struct jzio_tar;

int     jzio_tar_open_write(int fd, int comp, int level, struct jzio_tar **t, struct jerr *e);
int     jzio_tar_add(struct jzio_tar *t, const char *name, int fd, uint64_t size,
                     uint64_t mtime, struct jerr *e);
int     jzio_tar_add_buf(struct jzio_tar *t, const char *name, const void *buf, size_t len,
                         uint64_t mtime, struct jerr *e);
int     jzio_tar_finish(struct jzio_tar *t, struct jerr *e);
int     jzio_tar_open_read(int fd, struct jzio_tar **t, struct jerr *e);
int     jzio_tar_next(struct jzio_tar *t, char *name, size_t size, uint64_t *len,
                      struct jerr *e);
ssize_t jzio_tar_read(struct jzio_tar *t, void *buf, size_t len, struct jerr *e);
void    jzio_tar_close(struct jzio_tar *t);

#endif
