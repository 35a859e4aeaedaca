/*
 * afile: atomic replacement (write temporary, fsync, rename, fsync directory) and
 * no-replace publication. A rename MUST come after the fsync of the data it names, and the
 * directory MUST be fsynced before success is reported, so that success means durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "io.h"

/*
 * A base name too long for ".BASE.tmp.PID" to fit in 255 bytes keeps its first bytes and
 * gets a hash of the whole base instead of the rest, so that two long names still get
 * different temporaries (a state file per destination differs only at its end).
 */
int
jafile_tmpname(char *buf, size_t size, const char *path)
{
	char dir[4096], pid[32];
	const char *base = jio_basename(path);
	size_t blen = strlen(base), room;
	uint64_t h = 14695981039346656037ull;         /* FNV-1a */

	jio_dirname(path, dir, sizeof dir);
	snprintf(pid, sizeof pid, ".tmp.%ld", (long)getpid());
	room = NAME_MAX - 1 - strlen(pid);
	if (blen <= room)
		return jio_pathf(buf, size, "%s/.%s%s", dir, base, pid);
	for (size_t i = 0; i < blen; i++)
		h = (h ^ (unsigned char)base[i]) * 1099511628211ull;
	return jio_pathf(buf, size, "%s/.%.*s~%016llx%s", dir, (int)(room - 17), base,
	    (unsigned long long)h, pid);
}

int
jafile_create(const char *path, const void *buf, size_t len, mode_t mode, struct jerr *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return jerr_sys(e, jerr_errno_code(errno, EX_CANTCREAT),
		    "unable to create %s", path);
	if (jio_write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		jerr_sys(e, EX_IOERR, "unable to write %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) < 0) {
		jerr_sys(e, EX_IOERR, "unable to write %s", path);
		unlink(path);
		return -1;
	}
	return 0;
}

int
jafile_write(const char *path, const void *buf, size_t len, mode_t mode, struct jerr *e)
{
	char tmp[4096];

	if (jafile_tmpname(tmp, sizeof tmp, path) < 0)
		return jerr_sys(e, EX_CANTCREAT, "%s", path);
	if (jafile_create(tmp, buf, len, mode, e) < 0)
		return -1;
	if (rename(tmp, path) < 0) {
		jerr_sys(e, EX_IOERR, "unable to rename %s to %s", tmp, path);
		unlink(tmp);
		return -1;
	}
	if (jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", path);
	return 0;
}

ssize_t
jafile_read(const char *path, void *buf, size_t size, struct jerr *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "unable to open %s", path);
	n = jio_read_full(fd, buf, size);
	if (n < 0)
		jerr_sys(e, EX_IOERR, "unable to read %s", path);
	close(fd);
	return n;
}

int
jafile_publish(const char *tmp, const char *path, struct jerr *e)
{
	if (jafile_place(tmp, path, e) < 0)
		return -1;
	if (jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", path);
	return 0;
}

int
jafile_place(const char *tmp, const char *path, struct jerr *e)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST)
			return jerr_sys(e, EX_CANTCREAT, "%s", path);
		if (errno != EINVAL && errno != ENOSYS)
			return jerr_sys(e, EX_IOERR, "unable to rename %s to %s", tmp, path);
		/* No RENAME_NOREPLACE here: link() refuses an existing target just the same. */
		if (link(tmp, path) < 0)
			return jerr_sys(e, errno == EEXIST ? EX_CANTCREAT : EX_IOERR,
			    "unable to link %s to %s", tmp, path);
		if (unlink(tmp) < 0)
			return jerr_sys(e, EX_IOERR, "unable to remove %s", tmp);
	}
	return 0;
}
