/*
 * afile: files that appear complete or not at all.
 *
 *   jafile_write(path, buf, len, mode, e)  replace path atomically: write DIR/.BASE.tmp.PID,
 *                                          fsync it, rename over path, fsync DIR. A crash leaves
 *                                          either the old or the new content, never a mix.
 *   jafile_create(path, buf, len, mode, e) write a new file (truncating one there) and fsync
 *                                          it, for a caller that renames it into place itself;
 *                                          on failure it is removed
 *   jafile_read(path, buf, size, e)        read a small file whole: length, or -1
 *   jafile_publish(tmp, path, e)           rename tmp to path only if path does not exist
 *                                          (renameat2 RENAME_NOREPLACE, or link+unlink where
 *                                          the file system lacks it), then fsync the directory.
 *                                          EEXIST (code EX_CANTCREAT) if path exists.
 *   jafile_tmpname(buf, size, path)        DIR/.BASE.tmp.PID for path: a name no tool lists
 *
 * Temporaries are dot-prefixed so that no glob or scan mistakes one for the real file; a
 * crash leaves one behind, which the next writer of the same path overwrites.
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
int     jafile_tmpname(char *buf, size_t size, const char *path);

#endif
