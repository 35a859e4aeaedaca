/*
 * io: complete reads and writes. Signals interrupt nothing here: EINTR is retried, short
 * writes are continued, and errno is left as the failing call set it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

/* One read or write at off (at the file position when off < 0), EINTR retried. */
static ssize_t
once(int fd, void *p, size_t len, off_t off, int wr)
{
	ssize_t n;

	do {
		if (wr)
			n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);
		else
			n = off < 0 ? read(fd, p, len) : pread(fd, p, len, off);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* len bytes, or fewer only at end of file (reads); -1 with errno on an error. */
static ssize_t
full(int fd, void *buf, size_t len, off_t off, int wr)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = once(fd, p + done, len - done, off < 0 ? -1 : off + (off_t)done, wr);
		if (n < 0)
			return -1;
		if (n == 0) {
			if (wr) {       /* a write that moves nothing would loop for ever */
				errno = EIO;
				return -1;
			}
			break;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int
jio_write_all(int fd, const void *buf, size_t len)
{
	return full(fd, (void *)buf, len, -1, 1) < 0 ? -1 : 0;
}

int
jio_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	return full(fd, (void *)buf, len, off, 1) < 0 ? -1 : 0;
}

ssize_t
jio_read_full(int fd, void *buf, size_t len)
{
	return full(fd, buf, len, -1, 0);
}

ssize_t
jio_pread_full(int fd, void *buf, size_t len, off_t off)
{
	return full(fd, buf, len, off, 0);
}

const char *
jio_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *
jio_dirname(const char *path, char *buf, size_t size)
{
	const char *s = strrchr(path, '/');
	size_t n;

	if (!s) {
		snprintf(buf, size, ".");
		return buf;
	}
	n = (size_t)(s - path);
	if (n == 0)
		n = 1;          /* "/name" */
	if (n >= size)
		n = size - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return buf;
}

int
jio_fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, e;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int
jio_fsync_dir(const char *path)
{
	char dir[4096];

	jio_dirname(path, dir, sizeof dir);
	return jio_fsync_path(dir);
}

int
jio_fshut(FILE *f)
{
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
jio_pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
