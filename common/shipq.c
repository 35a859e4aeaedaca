/*
 * shipq: per-destination acknowledgement state beside the segments. The state only moves
 * forward for a destination (a caller writes it after each acknowledged segment, under the
 * destination's lock), and is replaced atomically, so a crash leaves the old or the new
 * acknowledgement, never a torn file; the worst case is one segment sent twice, which the
 * destination accepts because it is identical.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "digest.h"
#include "shipq.h"

int
jshipq_path(char *buf, size_t size, const char *dir, const char *name, const char *url,
    const char *suffix)
{
	struct jdigest d;
	uint8_t h[JDIGEST_LEN];
	char hex[JDIGEST_HEX];
	int n;

	if (jdigest_init(&d) < 0)
		return -1;
	jdigest_update(&d, url, strlen(url));
	jdigest_final(&d, h);
	jdigest_hex(h, 8, hex);
	n = snprintf(buf, size, "%s/.%s.journal.ship-%s%s", dir, name, hex, suffix ? suffix : "");
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
jshipq_read(const char *path, struct jshipq_state *s, struct jerr *e)
{
	char buf[8192], *p, *nl;
	ssize_t n;
	int have = 0;

	memset(s, 0, sizeof *s);
	n = jafile_read(path, buf, sizeof buf - 1, e);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		return -1;
	}
	buf[n] = 0;
	if (strncmp(buf, "jship-state 1\n", 14) != 0)
		return jerr_set(e, EX_DATAERR, "%s: not a jship state file", path);
	for (p = buf + 14; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			return jerr_set(e, EX_DATAERR, "%s: truncated", path);
		*nl = 0;
		if (strncmp(p, "url ", 4) == 0) {
			snprintf(s->url, sizeof s->url, "%s", p + 4);
		} else if (sscanf(p, "acked %" SCNu32 " %" SCNu64, &s->timeline, &s->seq) == 2) {
			have = 1;
		}
	}
	if (!have)
		return jerr_set(e, EX_DATAERR, "%s: no acked line", path);
	return 1;
}

int
jshipq_write(const char *path, const struct jshipq_state *s, struct jerr *e)
{
	char buf[8192];
	int n = snprintf(buf, sizeof buf, "jship-state 1\nurl %s\nacked %" PRIu32 " %" PRIu64 "\n",
	    s->url, s->timeline, s->seq);

	if (n < 0 || (size_t)n >= sizeof buf)
		return jerr_set(e, EX_SOFTWARE, "state too long");
	return jafile_write(path, buf, (size_t)n, 0640, e);
}

int
jshipq_acked(const struct jshipq_state *s, uint32_t tl, uint64_t seq)
{
	return tl < s->timeline || (tl == s->timeline && seq <= s->seq);
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct jshipq_seg *x = a, *y = b;
	int c = strcmp(x->n.name, y->n.name);

	if (c)
		return c;
	if (x->n.timeline != y->n.timeline)
		return x->n.timeline < y->n.timeline ? -1 : 1;
	if (x->n.seq != y->n.seq)
		return x->n.seq < y->n.seq ? -1 : 1;
	return x->n.comp - y->n.comp;
}

int
jshipq_list(const char *dir, struct jshipq_seg **vp, size_t *np, struct jerr *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct jshipq_seg *v = NULL, *t;
	size_t n = 0, cap = 0;

	if (!d)
		return jerr_sys(e, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "unable to open %s", dir);
	while ((errno = 0, de = readdir(d))) {
		struct jname jn;
		if (jname_parse(de->d_name, &jn) != JNAME_SEGMENT)
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(t = realloc(v, cap * sizeof *v))) {
				free(v);
				closedir(d);
				return jerr_sys(e, EX_OSERR, "out of memory");
			}
			v = t;
		}
		v[n].n = jn;
		snprintf(v[n].base, sizeof v[n].base, "%s", de->d_name);
		n++;
	}
	if (errno) {
		jerr_sys(e, EX_IOERR, "unable to read %s", dir);
		free(v);
		closedir(d);
		return -1;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof *v, seg_cmp);
	*vp = v;
	*np = n;
	return 0;
}

int
jshipq_states(const char *dir, const char *name, struct jshipq_state **vp, size_t *np,
    struct jerr *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct jshipq_state *v = NULL, *t;
	size_t n = 0, cap = 0, plen;
	char prefix[JNAME_MAX + 32], path[4096 + JNAME_MAX];

	if (!d)
		return jerr_sys(e, EX_IOERR, "unable to open %s", dir);
	plen = (size_t)snprintf(prefix, sizeof prefix, ".%s.journal.ship-", name);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, plen) != 0 || l != plen + 16)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			if (!(t = realloc(v, cap * sizeof *v))) {
				free(v);
				closedir(d);
				return jerr_sys(e, EX_OSERR, "out of memory");
			}
			v = t;
		}
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (jshipq_read(path, &v[n], e) <= 0) {
			free(v);
			closedir(d);
			return -1;
		}
		n++;
	}
	closedir(d);
	*vp = v;
	*np = n;
	return 0;
}
