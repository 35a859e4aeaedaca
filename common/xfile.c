/*
 * xfile: publishing into a local directory, durably. The temporary (a jpart name, created
 * O_EXCL) MUST be written whole, fsynced and checked (size and last bytes against the source)
 * before it is renamed, and the rename MUST NOT replace an existing file (jafile_publish:
 * no-replace rename, then fsync of the directory), so that what the final name holds is
 * complete and survives a power cut once jxfile_put returned 1. An existing final name is
 * compared byte for byte: identical is success once it and its directory are synced (what a
 * file:// destination acknowledges MUST survive a power cut there), different is EX_DATAERR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "io.h"
#include "part.h"
#include "xfer.h"
#include "xfile.h"

static int
same_content(int fd, uint64_t size, const char *path, int *same, struct jerr *e)
{
	char a[65536], b[65536];
	struct stat st;
	uint64_t off = 0;
	int tfd = open(path, O_RDONLY | O_CLOEXEC);

	if (tfd < 0)
		return jerr_sys(e, EX_TEMPFAIL, "unable to open %s", path);
	if (fstat(tfd, &st) < 0 || (uint64_t)st.st_size != size) {
		close(tfd);
		*same = 0;
		return 0;
	}
	*same = 1;
	while (off < size) {
		size_t n = size - off < sizeof a ? (size_t)(size - off) : sizeof a;
		ssize_t r1 = jio_pread_full(fd, a, n, (off_t)off);
		ssize_t r2 = jio_pread_full(tfd, b, n, (off_t)off);
		if (r1 < 0 || r2 < 0) {
			jerr_sys(e, EX_IOERR, "unable to compare with %s", path);
			close(tfd);
			return -1;
		}
		if ((size_t)r1 != n || (size_t)r2 != n || memcmp(a, b, n) != 0) {
			*same = 0;
			break;
		}
		off += n;
	}
	close(tfd);
	return 0;
}

/* Remove the stale temporaries of the directory, once per destination and run. */
static void
file_sweep(struct jxfile *f)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);

	if (f->swept || !(d = opendir(f->u->dirpath)))
		return;
	f->swept = 1;
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (jpart_stale(de->d_name, f->host, st.st_mtime, now))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

/* Create the destination directory and its missing parents, each made durable in its
 * parent before anything is published in it. */
static int
file_mkdir(struct jxfile *f, struct jerr *e)
{
	char path[PATH_MAX];
	size_t i, n = strlen(f->u->dirpath);

	if (f->made || !f->mkdir)
		return 0;
	if (n >= sizeof path)
		return jerr_set(e, EX_USAGE, "%s: path too long", f->u->redacted);
	memcpy(path, f->u->dirpath, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		path[i] = 0;
		if (mkdir(path, 0755) == 0) {
			if (jio_fsync_dir(path) < 0)
				return jerr_sys(e, EX_IOERR, "unable to sync the directory of %s", path);
		} else if (errno != EEXIST) {
			return jerr_sys(e, errno == EACCES ? EX_NOPERM : EX_CANTCREAT,
			    "unable to create %s", path);
		}
		path[i] = i < n ? '/' : 0;
	}
	f->made = 1;
	return 0;
}

/* Is the written temporary what was sent: its size, and its last bytes (the trailer)? */
static int
file_check(int tfd, int fd, uint64_t size, const char *tmp, struct jerr *e)
{
	char a[JGATE_TAIL], b[JGATE_TAIL];
	uint64_t start = size > JGATE_TAIL ? size - JGATE_TAIL : 0;
	size_t n = (size_t)(size - start);
	struct stat st;

	if (fstat(tfd, &st) < 0)
		return jerr_sys(e, EX_TEMPFAIL, "unable to check %s", tmp);
	if ((uint64_t)st.st_size != size)
		return jerr_set(e, EX_TEMPFAIL, "%s has %llu bytes, not %llu", tmp,
		    (unsigned long long)st.st_size, (unsigned long long)size);
	if (jio_pread_full(tfd, a, n, (off_t)start) != (ssize_t)n ||
	    jio_pread_full(fd, b, n, (off_t)start) != (ssize_t)n || memcmp(a, b, n) != 0)
		return jerr_set(e, EX_TEMPFAIL, "the end of %s differs from the source", tmp);
	return 0;
}

/* Copy the source into the new temporary tfd, held by the gate, fsync it and check it. */
static int
file_write(struct jxfile *f, int tfd, int fd, uint64_t size, const char *name, const char *tmp,
    struct jgate *g, struct jerr *e)
{
	char buf[1 << 16];
	uint64_t off = 0;

	jgate_arm(g, size);
	while (off < size) {
		size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
		ssize_t r;
		if (jgate_check(g, off, &n) < 0)
			return jgate_error(g, e);
		r = jio_pread_full(fd, buf, n, (off_t)off);
		if (r < 0 || (size_t)r != n) {
			if (r >= 0)
				errno = EIO;
			return jerr_sys(e, EX_IOERR, "unable to read the source of %s", name);
		}
		if (jio_write_all(tfd, buf, n) < 0) {
			f->retryable = 1;
			return jerr_sys(e, EX_TEMPFAIL, "unable to write %s", tmp);
		}
		off += n;
	}
	if (fsync(tfd) < 0) {
		f->retryable = 1;
		return jerr_sys(e, EX_TEMPFAIL, "unable to sync %s", tmp);
	}
	if (file_check(tfd, fd, size, tmp, e) < 0) {
		f->retryable = 1;
		return -1;
	}
	return 0;
}

/* Rename the checked temporary to final: 1 published, 0 final exists (tmp removed), -1. */
static int
file_publish(struct jxfile *f, const char *tmp, const char *final, uint64_t size,
    struct jerr *e)
{
	struct stat st;

	if (jafile_publish(tmp, final, e) == 0) {
		if (stat(final, &st) < 0 || (uint64_t)st.st_size != size) {
			f->retryable = 1;
			return jerr_set(e, EX_TEMPFAIL, "%s does not have the %llu bytes just "
			    "published", final, (unsigned long long)size);
		}
		return 1;
	}
	unlink(tmp);
	if (e->code != EX_CANTCREAT) {
		f->retryable = 1;
		e->code = EX_TEMPFAIL;
		return -1;
	}
	return 0;
}

/* final exists: identical is success (0) once it is durable, different is EX_DATAERR. */
static int
file_compare(struct jxfile *f, int fd, uint64_t size, const char *final, const char *name,
    struct jerr *e)
{
	int same = 0;

	if (same_content(fd, size, final, &same, e) < 0)
		return -1;
	if (!same)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different content: not replaced",
		    f->u->redacted, name);
	/* Found there is acknowledged like sent: durable first (a copy, a sender cut off). */
	if (jio_fsync_path(final) < 0 || jio_fsync_dir(final) < 0) {
		f->retryable = 1;
		return jerr_sys(e, EX_TEMPFAIL, "unable to sync %s", final);
	}
	return 0;
}

int
jxfile_put(struct jxfile *f, int fd, uint64_t size, const char *name, struct jgate *g,
    struct jerr *e)
{
	char final[PATH_MAX], tmp[PATH_MAX], leaf[NAME_MAX + 1];
	int tfd, rc;

	f->retryable = 0;
	if (file_mkdir(f, e) < 0)
		return -1;
	file_sweep(f);
	jpart_new(leaf, sizeof leaf, name, f->host);
	if ((size_t)snprintf(final, sizeof final, "%s%s", f->u->dirpath, name) >= sizeof final ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s%s", f->u->dirpath, leaf) >= sizeof tmp)
		return jerr_set(e, EX_USAGE, "%s%s: path too long", f->u->redacted, name);
	if (access(final, F_OK) == 0)
		return file_compare(f, fd, size, final, name, e);
	tfd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (tfd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return jxfer_no_dir(name, f->u->redacted, e);
	if (tfd < 0) {
		f->retryable = errno != EACCES;
		return jerr_sys(e, errno == EACCES ? EX_NOPERM : EX_TEMPFAIL, "unable to create %s",
		    tmp);
	}
	if (file_write(f, tfd, fd, size, name, tmp, g, e) < 0) {
		close(tfd);
		unlink(tmp);
		return -1;
	}
	close(tfd);
	if ((rc = file_publish(f, tmp, final, size, e)) != 0)
		return rc;
	return file_compare(f, fd, size, final, name, e);
}

/*
 * ---- Reading a local directory (the hub, hub_std.c) ----
 * A listing reports regular files only, never following a symbolic link; a download
 * copies exactly the size asked for or fails; a removal is durable (the directory is
 * synced) before it returns.
 */

int
jxfile_list(const struct jurl *u, jhub_list_fn fn, void *arg, struct jerr *e)
{
	DIR *d = opendir(u->dirpath);
	struct dirent *de;
	struct stat st;
	int rc = 0;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return jerr_sys(e, jerr_errno_code(errno, EX_TEMPFAIL), "unable to list %s",
		    u->dirpath);
	}
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		struct jhub_entry ent;
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		ent.name = de->d_name;
		ent.size = (uint64_t)st.st_size;
		ent.mtime = st.st_mtime;
		rc = fn(arg, &ent, e);
	}
	if (rc == 0 && errno)
		rc = jerr_sys(e, EX_TEMPFAIL, "unable to list %s", u->dirpath);
	closedir(d);
	return rc;
}

int
jxfile_get(const struct jurl *u, const char *name, uint64_t size, int fd, struct jerr *e)
{
	char path[PATH_MAX], buf[1 << 16];
	uint64_t got = 0;
	ssize_t r;
	int sfd;

	if (jio_pathf(path, sizeof path, "%s%s", u->dirpath, name) < 0)
		return jerr_set(e, EX_USAGE, "%s%s: path too long", u->redacted, name);
	if ((sfd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : jerr_errno_code(errno,
		    EX_TEMPFAIL), "unable to open %s", path);
	while (got <= size && (r = read(sfd, buf, sizeof buf)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			jerr_sys(e, EX_TEMPFAIL, "unable to read %s", path);
			close(sfd);
			return -1;
		}
		if (got + (uint64_t)r <= size && jio_write_all(fd, buf, (size_t)r) < 0) {
			jerr_sys(e, EX_IOERR, "unable to write the copy of %s", path);
			close(sfd);
			return -1;
		}
		got += (uint64_t)r;
	}
	close(sfd);
	if (got != size)
		return jerr_set(e, EX_TEMPFAIL, "%s: %s bytes than the %llu listed (being written "
		    "or changed?)", path, got > size ? "more" : "fewer", (unsigned long long)size);
	return 0;
}

int
jxfile_remove(const struct jurl *u, const char *name, struct jerr *e)
{
	char path[PATH_MAX];

	if (jio_pathf(path, sizeof path, "%s%s", u->dirpath, name) < 0)
		return jerr_set(e, EX_USAGE, "%s%s: path too long", u->redacted, name);
	if (unlink(path) < 0 && errno != ENOENT)
		return jerr_sys(e, jerr_errno_code(errno, EX_TEMPFAIL), "unable to remove %s", path);
	if (jio_fsync_dir(path) < 0)
		return jerr_sys(e, EX_TEMPFAIL, "unable to sync the directory of %s", path);
	return 0;
}

int
jxfile_mkdir(const struct jurl *u, struct jerr *e)
{
	char dir[PATH_MAX];
	size_t n = strlen(u->dirpath);

	if (n < 2 || n >= sizeof dir)
		return 0;
	snprintf(dir, sizeof dir, "%.*s", (int)(n - 1), u->dirpath);
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return jerr_sys(e, jerr_errno_code(errno, EX_TEMPFAIL), "unable to create %s", dir);
	if (jio_fsync_dir(dir) < 0)
		return jerr_sys(e, EX_TEMPFAIL, "unable to sync the parent of %s", dir);
	return 0;
}
