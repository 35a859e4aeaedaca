/*
 * io: loops around read(2) and write(2) that finish the job.
 *
 * Each returns 0 (or a byte count) on success and -1 with errno set on failure; a short
 * read at end of file is not an error for jio_read_full, which returns what it got.
 * jio_fshut flushes and checks a stdio stream, so that a tool's last write is not lost
 * silently (a full disk or a closed pipe shows up as an error, not as success).
 */
#ifndef JM_IO_H
#define JM_IO_H

#include <stdio.h>
#include <sys/types.h>

int     jio_write_all(int fd, const void *buf, size_t len);
int     jio_pwrite_all(int fd, const void *buf, size_t len, off_t off);
ssize_t jio_read_full(int fd, void *buf, size_t len);            /* < len only at EOF */
ssize_t jio_pread_full(int fd, void *buf, size_t len, off_t off);
int     jio_fsync_dir(const char *path);       /* fsync the directory that holds path */
int     jio_fsync_path(const char *path);      /* fsync path itself (a file or directory) */
int     jio_fshut(FILE *f);                    /* fflush + ferror: 0 or -1 */
char   *jio_dirname(const char *path, char *buf, size_t size);   /* "." for none */
const char *jio_basename(const char *path);
/* snprintf for a path: 0, or -1 with ENAMETOOLONG when it does not fit in size bytes. */
int     jio_pathf(char *buf, size_t size, const char *fmt, ...)
            __attribute__((format(printf, 3, 4)));

#endif
