/*
 * afile: files that appear complete or not at all.
 *
 *   jafile_write(path, buf, len, mode, e)  replace path atomically: write a temporary
 *                                          (jafile_tmpname), fsync it, rename it over path,
 *                                          fsync DIR. A crash leaves either the old or the
 *                                          new content, never a mix.
 *   jafile_create(path, buf, len, mode, e) write a new file (truncating one there) and fsync
 *                                          it, for a caller that renames it into place itself;
 *                                          on failure it is removed
 *   jafile_read(path, buf, size, e)        read at most size bytes of path: the length read
 *                                          (a longer file is cut at size), or -1
 *   jafile_publish(tmp, path, e)           rename tmp to path only if path does not exist
 *                                          (renameat2 RENAME_NOREPLACE, or link+unlink where
 *                                          the file system lacks it), then fsync the directory.
 *                                          EEXIST (code EX_CANTCREAT) if path exists.
 *   jafile_place(tmp, path, e)             the same without the directory's fsync, for a
 *                                          caller that places several files and then syncs
 *                                          their directory once (jio_fsync_dir) before it
 *                                          counts any of them as durable
 *   jafile_tmpname(buf, size, path)        DIR/.BASE.tmp.PID for path (a long BASE is cut
 *                                          and given a hash of the whole): a name no tool
 *                                          lists; -1 (ENAMETOOLONG) if buf is too small
 *
 * mode is given to open(2), so the umask may remove bits from it. The functions taking e
 * return 0 (or a length) or -1 with e filled and errno kept: EX_CANTCREAT, EX_NOINPUT (read:
 * no such file), EX_IOERR. Temporaries are dot-prefixed so that no glob or scan mistakes one
 * for the real file. A crash leaves one behind, named with the dead writer's PID: no tool
 * reads it, and a later writer (another PID) does not reuse it; it may be removed once that
 * process is gone.
 */
#ifndef JM_AFILE_H
#define JM_AFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

int     jafile_create(const char *path, const void *buf, size_t len, mode_t mode,
                      struct jerr *e);
int     jafile_write(const char *path, const void *buf, size_t len, mode_t mode, struct jerr *e);
ssize_t jafile_read(const char *path, void *buf, size_t size, struct jerr *e);
int     jafile_publish(const char *tmp, const char *path, struct jerr *e);
int     jafile_place(const char *tmp, const char *path, struct jerr *e);
int     jafile_tmpname(char *buf, size_t size, const char *path);

#endif
