/*
 * segdir: a directory of segments (a journal's, or an incoming one). It lists the segments
 * in sequence order, reading the directory once and keeping only names that jname_parse
 * calls segments and entries that are regular files; it opens such a file without following a symbolic link or
 * blocking on a FIFO; and it sets a refused file aside. It never prints, never exits, and
 * leaves errno meaningful on failure.
 *
 * - A symbolic link MUST never be followed: not when listing (d_type, or fstatat with
 *   AT_SYMLINK_NOFOLLOW), not when opening (O_NOFOLLOW), not into the quarantine directory
 *   (opened with O_NOFOLLOW, renamed into by descriptor).
 * - Setting aside MUST never replace or delete a file: RENAME_NOREPLACE (or link, which
 *   refuses an existing target), with a new suffix for each collision.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "segdir.h"

#define MAX_SUFFIX 9999

int
jsegdir_cmp(const struct jname *a, const struct jname *b)
{
	int c = strcmp(a->name, b->name);

	return c ? c : jname_cmp(a, b);
}

/* Segments in jsegdir_cmp order, then names that break the rule, by bytes. */
static int
ent_cmp(const void *a, const void *b)
{
	const struct jsegdir_ent *x = a, *y = b;

	if (x->n.bad != y->n.bad)
		return x->n.bad - y->n.bad;
	return x->n.bad ? strcmp(x->base, y->base) : jsegdir_cmp(&x->n, &y->n);
}

/* Is the entry d of dp a regular file, symbolic links not followed? 1, 0, or -1 (errno). */
static int
regular(DIR *dp, const struct dirent *d)
{
	struct stat st;

	if (d->d_type == DT_REG)
		return 1;
	if (d->d_type != DT_UNKNOWN && d->d_type != DT_LNK)
		return 0;
	if (fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;        /* ENOENT: gone since readdir */
	return S_ISREG(st.st_mode) ? 1 : 0;
}

int
jsegdir_list(const char *dir, struct jsegdir_ent **ents, size_t *count, struct jerr *e)
{
	return jsegdir_list_flags(dir, 0, ents, count, e);
}

int
jsegdir_list_flags(const char *dir, int flags, struct jsegdir_ent **ents, size_t *count,
    struct jerr *e)
{
	struct jsegdir_ent *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *d;
	struct jname jn;
	DIR *dp;
	int saved, r;

	*ents = NULL;
	*count = 0;
	if (!(dp = opendir(dir)))
		return jerr_sys(e, errno == ENOENT || errno == ENOTDIR ? EX_NOINPUT : EX_IOERR,
		                "unable to open directory %s", dir);
	for (;;) {
		errno = 0;
		if (!(d = readdir(dp))) {
			if (errno) {
				jerr_sys(e, EX_IOERR, "unable to read directory %s", dir);
				goto fail;
			}
			break;
		}
		if (jname_parse(d->d_name, &jn) != JNAME_SEGMENT &&
		    !(jn.bad && (flags & JSEGDIR_BAD_NAMES)))
			continue;
		if ((r = regular(dp, d)) < 0) {
			char q[JNAME_MAX * 4 + 1];
			jerr_sys(e, EX_IOERR, "unable to stat %s/%s", dir,
			    jname_quote(d->d_name, q, sizeof q));
			goto fail;
		}
		if (r == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if (!(nv = realloc(v, cap * sizeof *v))) {
				jerr_sys(e, EX_SOFTWARE, "out of memory listing %s", dir);
				goto fail;
			}
			v = nv;
		}
		memcpy(v[n].base, d->d_name, strlen(d->d_name) + 1);
		v[n].n = jn;
		n++;
	}
	closedir(dp);
	if (n > 1)
		qsort(v, n, sizeof *v, ent_cmp);
	*ents = v;
	*count = n;
	return 0;
fail:
	saved = errno;
	closedir(dp);
	free(v);
	errno = saved;
	return -1;
}

int
jsegdir_open(const char *path, int flags, struct jerr *e)
{
	struct stat st;
	int fd, saved;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | flags);
	if (fd < 0) {
		if (errno == ELOOP)
			return jerr_set(e, EX_DATAERR, "a symbolic link (never followed)");
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "unable to open");
	}
	if (fstat(fd, &st) < 0) {
		jerr_sys(e, EX_IOERR, "unable to stat");
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		jerr_set(e, EX_DATAERR, "not a regular file");
		errno = EINVAL;
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* Move base from the directory sfd into qfd under base or base.N; the name used into name. */
static int
move_into(int sfd, const char *base, int qfd, char *name, size_t size)
{
	for (int i = 0; i <= MAX_SUFFIX; i++) {
		if ((i ? jio_pathf(name, size, "%s.%d", base, i) :
		    jio_pathf(name, size, "%s", base)) < 0)
			return -1;
		if (renameat2(sfd, base, qfd, name, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno == EINVAL || errno == ENOSYS) {
			/* No RENAME_NOREPLACE here: link refuses an existing target just the same. */
			if (linkat(sfd, base, qfd, name, 0) == 0)
				return unlinkat(sfd, base, 0);
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

int
jsegdir_set_aside(const char *path, char *out, size_t size, struct jerr *e)
{
	char dir[4096], name[JNAME_MAX + 1], q[JNAME_MAX * 4 + 1];
	const char *base = jio_basename(path);
	int sfd = -1, qfd = -1, saved;

	jio_dirname(path, dir, sizeof dir);
	if ((sfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		jerr_sys(e, EX_IOERR, "unable to open directory %s", dir);
		goto fail;
	}
	if (mkdirat(sfd, JSEGDIR_QUARANTINE, 0750) < 0 && errno != EEXIST) {
		jerr_sys(e, EX_CANTCREAT, "unable to create %s/%s", dir, JSEGDIR_QUARANTINE);
		goto fail;
	}
	if ((qfd = openat(sfd, JSEGDIR_QUARANTINE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		jerr_sys(e, EX_CANTCREAT, "unable to open %s/%s (it must be a directory)", dir,
		    JSEGDIR_QUARANTINE);
		goto fail;
	}
	if (move_into(sfd, base, qfd, name, sizeof name) < 0) {
		jerr_sys(e, EX_IOERR, "unable to move %s into %s/%s", jname_quote(path, q, sizeof q),
		    dir, JSEGDIR_QUARANTINE);
		goto fail;
	}
	if (fsync(qfd) < 0 || fsync(sfd) < 0) {
		jerr_sys(e, EX_IOERR, "unable to sync %s", dir);
		goto fail;
	}
	close(qfd);
	close(sfd);
	if ((size_t)snprintf(out, size, "%s/%s/%s", dir, JSEGDIR_QUARANTINE, name) >= size &&
	    size > 0)
		out[size - 1] = 0;
	return 0;
fail:
	saved = errno;
	if (qfd >= 0)
		close(qfd);
	if (sfd >= 0)
		close(sfd);
	errno = saved;
	return -1;
}
