/*
 * scan: lists a directory's segments in sequence order. It reads the directory once, keeps
 * only names that jname_parse calls segments and entries that are regular files (d_type,
 * or fstatat without following symlinks where the file system does not fill d_type), and
 * sorts them. It never prints, never exits, and leaves errno meaningful on failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scan.h"

int
jscan_cmp(const struct jname *a, const struct jname *b)
{
	int c = strcmp(a->name, b->name);

	return c ? c : jname_cmp(a, b);
}

static int
ent_cmp(const void *a, const void *b)
{
	return jscan_cmp(&((const struct jscan_ent *)a)->n, &((const struct jscan_ent *)b)->n);
}

int
jscan_dir(const char *dir, struct jscan_ent **ents, size_t *count, struct jerr *e)
{
	struct jscan_ent *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *d;
	struct stat st;
	struct jname jn;
	DIR *dp;
	int saved;

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
		if (jname_parse(d->d_name, &jn) != JNAME_SEGMENT)
			continue;
		if (d->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno == ENOENT)
					continue;       /* gone since readdir */
				jerr_sys(e, EX_IOERR, "unable to stat %s/%s", dir, d->d_name);
				goto fail;
			}
			if (!S_ISREG(st.st_mode))
				continue;
		} else if (d->d_type != DT_REG) {
			continue;
		}
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
