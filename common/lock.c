/*
 * lock: flock(2) on a lock file that is never removed (removing it would let two processes
 * hold "the" lock on two different inodes).
 * - Every holder MUST take the lock on the same path, which MUST NOT be renamed or unlinked.
 * - A lock MUST be held by exactly one open file description at a time; jlock_take on a
 *   description that already holds it is a no-op, as flock(2) makes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"

int
jlock_open(const char *path, struct jerr *e)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		return jerr_sys(e, jerr_errno_code(errno, EX_CANTCREAT),
		    "unable to open lock %s", path);
	return fd;
}

int
jlock_take(int fd, int how, struct jerr *e)
{
	int op = LOCK_EX | (how == JLOCK_NOWAIT ? LOCK_NB : 0);

	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return jerr_set(e, EX_TEMPFAIL, "busy: locked by another process");
		return jerr_sys(e, EX_IOERR, "unable to lock");
	}
	return 0;
}

void
jlock_drop(int fd)
{
	int saved = errno;

	flock(fd, LOCK_UN);
	errno = saved;
}

int
jlock_acquire(const char *path, int how, struct jerr *e)
{
	int fd = jlock_open(path, e);

	if (fd < 0)
		return -1;
	if (jlock_take(fd, how, e) < 0) {
		jlock_close(fd);
		return -1;
	}
	return fd;
}

void
jlock_close(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}
