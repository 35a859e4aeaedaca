/*
 * shipq: per-destination acknowledgement state beside the segments, and the one definition
 * of the send queue.
 *
 * The state MUST only say that a destination has a segment after the destination has the
 * whole file: a caller adds a segment after its publication (or after finding it already
 * there), under the destination's lock, and the file is replaced atomically, so a crash
 * leaves the old or the new state, never a torn file. The worst case is a segment sent
 * again, which the destination accepts because it is identical. The state never claims a
 * segment that was not sent: there is no high-water mark, only the runs of sequences sent.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "digest.h"
#include "grow.h"
#include "io.h"
#include "lock.h"
#include "shipq.h"

/* Ranges are a few lines in practice; the file is bounded so that reading stays simple. */
#define STATE_MAX (1u << 20)

int
jshipq_path(char *buf, size_t size, const char *dir, const char *name, const char *url,
    const char *suffix)
{
	struct jdigest d;
	uint8_t h[JDIGEST_LEN];
	char hex[JDIGEST_HEX];

	if (jdigest_init(&d) < 0)
		return -1;
	jdigest_update(&d, url, strlen(url));
	jdigest_final(&d, h);
	jdigest_hex(h, 8, hex);
	return jio_pathf(buf, size, "%s/.%s.journal.ship-%s%s", dir, name, hex,
	    suffix ? suffix : "");
}

void
jshipq_free(struct jshipq_state *s)
{
	free(s->r);
	s->r = NULL;
	s->n = s->cap = 0;
}

/* Index of the first range not wholly before (tl, seq). */
static size_t
lower(const struct jshipq_state *s, uint32_t tl, uint64_t seq)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct jshipq_range *r = &s->r[mid];
		if (r->timeline < tl || (r->timeline == tl && r->last < seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
jshipq_has(const struct jshipq_state *s, uint32_t tl, uint64_t seq)
{
	size_t i = lower(s, tl, seq);

	return i < s->n && s->r[i].timeline == tl && s->r[i].first <= seq;
}

/* Room for one more range: 0, or -1 with ENOMEM. */
static int
grow(struct jshipq_state *s)
{
	return jgrow(&s->r, &s->cap, s->n + 1, sizeof *s->r, 8);
}

int
jshipq_add(struct jshipq_state *s, uint32_t tl, uint64_t seq)
{
	size_t i = lower(s, tl, seq);

	if (jshipq_has(s, tl, seq))
		return 0;
	/* Extend the range before it, the one after it, or both into one. */
	if (i > 0 && s->r[i - 1].timeline == tl && s->r[i - 1].last + 1 == seq) {
		s->r[i - 1].last = seq;
		if (i < s->n && s->r[i].timeline == tl && s->r[i].first == seq + 1) {
			s->r[i - 1].last = s->r[i].last;
			memmove(&s->r[i], &s->r[i + 1], (s->n - i - 1) * sizeof *s->r);
			s->n--;
		}
		return 0;
	}
	if (i < s->n && s->r[i].timeline == tl && s->r[i].first == seq + 1) {
		s->r[i].first = seq;
		return 0;
	}
	if (grow(s) < 0)
		return -1;
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof *s->r);
	s->r[i] = (struct jshipq_range){ tl, seq, seq };
	s->n++;
	return 0;
}

int
jshipq_newest(const struct jshipq_state *s, uint32_t *tl, uint64_t *seq)
{
	if (s->n == 0)
		return 0;
	*tl = s->r[s->n - 1].timeline;
	*seq = s->r[s->n - 1].last;
	return 1;
}

static int
push(struct jshipq_state *s, uint32_t tl, uint64_t a, uint64_t b)
{
	if (grow(s) < 0)
		return -1;
	s->r[s->n++] = (struct jshipq_range){ tl, a, b };
	return 0;
}

static int
range_cmp(const void *x, const void *y)
{
	const struct jshipq_range *a = x, *b = y;

	if (a->timeline != b->timeline)
		return a->timeline < b->timeline ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* Sort and merge overlapping or adjacent ranges: the form every other function expects. */
static void
normalize(struct jshipq_state *s)
{
	size_t k = 0;

	if (s->n < 2)
		return;
	qsort(s->r, s->n, sizeof *s->r, range_cmp);
	for (size_t i = 1; i < s->n; i++) {
		struct jshipq_range *p = &s->r[k], *c = &s->r[i];
		if (c->timeline == p->timeline && (c->first <= p->last || c->first - p->last == 1)) {
			if (c->last > p->last)
				p->last = c->last;
		} else {
			s->r[++k] = *c;
		}
	}
	s->n = k + 1;
}

/* One "has" (or version 1 "acked") line: single spaces, decimal digits, no sign. */
static int
parse_line(const char *p, int version, struct jshipq_state *s)
{
	const char *kw = version == 1 ? "acked " : "has ";
	uint32_t tl;
	uint64_t a, b;
	int end = 0;

	if (strncmp(p, kw, strlen(kw)) != 0 || strspn(p + strlen(kw), "0123456789 ") !=
	    strlen(p + strlen(kw)) || strstr(p, "  "))
		return -1;
	if (version == 1) {
		if (sscanf(p, "acked %" SCNu32 " %" SCNu64 "%n", &tl, &a, &end) != 2 || p[end] ||
		    a > JNAME_MAX_SEQ)
			return -1;
		return tl == 0 || a == 0 ? 0 : push(s, tl, a, a);
	}
	if (sscanf(p, "has %" SCNu32 " %" SCNu64 " %" SCNu64 "%n", &tl, &a, &b, &end) != 3 ||
	    p[end] || tl == 0 || a == 0 || b < a || b > JNAME_MAX_SEQ)
		return -1;
	return push(s, tl, a, b);
}

int
jshipq_parse(const char *text, struct jshipq_state *s, struct jerr *e)
{
	const char *p, *nl;
	char line[4200];
	int version, have = 0;

	memset(s, 0, sizeof *s);
	if (strncmp(text, "jship-state 1\n", 14) == 0)
		version = 1;
	else if (strncmp(text, "jship-state 2\n", 14) == 0)
		version = 2;
	else
		return jerr_set(e, EX_DATAERR, "not a jship state file");
	for (p = text + 14; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')) || (size_t)(nl - p) >= sizeof line) {
			jshipq_free(s);
			return jerr_set(e, EX_DATAERR, "truncated or overlong line");
		}
		snprintf(line, sizeof line, "%.*s", (int)(nl - p), p);
		if (strncmp(line, "url ", 4) == 0) {
			snprintf(s->url, sizeof s->url, "%.4095s", line + 4);
		} else if (parse_line(line, version, s) < 0) {
			jshipq_free(s);
			return jerr_set(e, EX_DATAERR, "bad line: %.80s", line);
		} else {
			have = 1;
		}
	}
	if (version == 1 && !have) {
		jshipq_free(s);
		return jerr_set(e, EX_DATAERR, "no acked line");
	}
	normalize(s);
	return 0;
}

int
jshipq_read(const char *path, struct jshipq_state *s, struct jerr *e)
{
	char *buf;
	ssize_t n;

	memset(s, 0, sizeof *s);
	if (!(buf = malloc(STATE_MAX + 1)))
		return jerr_sys(e, EX_OSERR, "out of memory");
	n = jafile_read(path, buf, STATE_MAX, e);
	if (n < 0) {
		free(buf);
		return errno == ENOENT ? 0 : -1;
	}
	buf[n] = 0;
	if (jshipq_parse(buf, s, e) < 0) {
		char msg[sizeof e->msg];
		snprintf(msg, sizeof msg, "%s", e->msg);
		jerr_set(e, EX_DATAERR, "%s: %s", path, msg);
		free(buf);
		return -1;
	}
	free(buf);
	return 1;
}

int
jshipq_write(const char *path, const struct jshipq_state *s, struct jerr *e)
{
	size_t cap = 4200 + s->n * 48, len;
	char *buf = malloc(cap);
	int rc;

	if (!buf)
		return jerr_sys(e, EX_OSERR, "out of memory");
	len = (size_t)snprintf(buf, cap, "jship-state 2\nurl %.4095s\n", s->url);
	for (size_t i = 0; i < s->n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "has %" PRIu32 " %" PRIu64 " %" PRIu64
		    "\n", s->r[i].timeline, s->r[i].first, s->r[i].last);
	if (len >= STATE_MAX) {
		free(buf);
		return jerr_set(e, EX_SOFTWARE, "%s: state too long (%zu runs)", path, s->n);
	}
	rc = jafile_write(path, buf, len, 0640, e);
	free(buf);
	return rc;
}

void
jshipq_states_free(struct jshipq_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		jshipq_free(&v[i]);
	free(v);
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
				jshipq_states_free(v, n);
				closedir(d);
				return jerr_sys(e, EX_OSERR, "out of memory");
			}
			v = t;
		}
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (jshipq_read(path, &v[n], e) <= 0) {
			jshipq_states_free(v, n);
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

int
jshipq_pending(const struct jsegdir_ent *v, size_t n, size_t i, const char *name,
    const struct jshipq_state *s)
{
	const struct jname *g;

	if (i >= n || strcmp(v[i].n.name, name) != 0)
		return 0;
	g = &v[i].n;
	/* jsegdir_list sorts the plain form of a sequence before its compressed forms */
	if (i > 0 && strcmp(v[i - 1].n.name, name) == 0 && v[i - 1].n.timeline == g->timeline &&
	    v[i - 1].n.seq == g->seq)
		return 0;
	return !s || !jshipq_has(s, g->timeline, g->seq);
}

int
jshipq_all_have(const struct jshipq_state *v, size_t n, uint32_t tl, uint64_t seq)
{
	for (size_t k = 0; k < n; k++)
		if (!jshipq_has(&v[k], tl, seq))
			return 0;
	return 1;
}

/* Add every segment of had to s; 1 if s changed, 0 if not, -1 ENOMEM. */
static int
merge(struct jshipq_state *s, const struct jshipq_state *had)
{
	int changed = 0;

	for (size_t i = 0; i < had->n; i++)
		for (uint64_t q = had->r[i].first; q <= had->r[i].last; q++) {
			if (jshipq_has(s, had->r[i].timeline, q))
				continue;
			if (jshipq_add(s, had->r[i].timeline, q) < 0)
				return -1;
			changed = 1;
		}
	return changed;
}

int
jshipq_record(const char *dir, const char *name, const char *url,
    const struct jshipq_state *had, int locked, struct jerr *e)
{
	char path[4096 + JNAME_MAX], lpath[4096 + JNAME_MAX];
	struct jshipq_state s;
	int lfd = -1, rc, changed;

	if (jshipq_path(path, sizeof path, dir, name, url, NULL) < 0 ||
	    jshipq_path(lpath, sizeof lpath, dir, name, url, ".lock") < 0)
		return jerr_sys(e, EX_IOERR, "%s: state file name", dir);
	if (!locked && (lfd = jlock_acquire(lpath, JLOCK_NOWAIT, e)) < 0)
		return e->code == EX_TEMPFAIL ? 1 : -1;
	if ((rc = jshipq_read(path, &s, e)) >= 0) {
		snprintf(s.url, sizeof s.url, "%s", url);
		changed = merge(&s, had);
		if (changed < 0)
			rc = jerr_sys(e, EX_OSERR, "out of memory");
		else
			rc = changed || rc == 0 ? jshipq_write(path, &s, e) : 0;
		jshipq_free(&s);
	}
	if (lfd >= 0)
		jlock_close(lfd);
	return rc;
}

/* Report one failure to prune through p->failed; always -1. */
static int
prune_failed(const struct jshipq_prune *p, struct jerr *e)
{
	if (p->failed)
		p->failed(p->arg, e);
	return -1;
}

/* Is segs[i] a new sequence, walking from the newest back? */
static int
prune_distinct(const struct jsegdir_ent *segs, size_t n, size_t i, const char *name)
{
	const struct jsegdir_ent *g = &segs[i];

	return i + 1 >= n || strcmp(segs[i + 1].n.name, name) != 0 ||
	    segs[i + 1].n.timeline != g->n.timeline || segs[i + 1].n.seq != g->n.seq;
}

/* Remove path if it is an old enough regular file: 1 removed, 0 kept, -1 failed. */
static int
prune_one(const char *path, const struct jshipq_prune *p, time_t now, struct jerr *e)
{
	struct stat sb;

	if (lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode))
		return 0;
	if (p->keep_for_ns && (uint64_t)(now - sb.st_mtim.tv_sec) * 1000000000ull < p->keep_for_ns)
		return 0;
	if (unlink(path) < 0)
		return jerr_sys(e, EX_IOERR, "unable to remove %s", path);
	return 1;
}

int
jshipq_prune(const char *dir, const char *name, const struct jsegdir_ent *segs, size_t n,
    const struct jshipq_prune *p)
{
	struct jerr e = { 0, "" };
	struct jshipq_state *st = NULL;
	size_t ns = 0, distinct = 0;
	char path[PATH_MAX + JNAME_MAX];
	struct timespec now;
	int removed = 0, rc = 0, r;

	if (jshipq_states(dir, name, &st, &ns, &e) < 0) {
		char why[sizeof e.msg];
		snprintf(why, sizeof why, "%s", e.msg);
		jerr_set(&e, EX_IOERR, "not pruning %s: %.400s", dir, why);
		return prune_failed(p, &e);
	}
	for (size_t i = 0; i < ns && !p->keep_for; i++)
		if (strncmp(st[i].url, "file://", 7) != 0) {
			snprintf(e.msg, sizeof e.msg, "not pruning %s: %.300s acknowledges receipt, "
			    "not durability (give --keep-for DURATION)", dir, st[i].url);
			jshipq_states_free(st, ns);
			if (p->held)
				p->held(p->arg, e.msg);
			return 1;
		}
	clock_gettime(CLOCK_REALTIME, &now);
	/* Walk from the newest back, so that keep counts the newest sequences. */
	for (size_t i = n; ns > 0 && i-- > 0;) {
		const struct jsegdir_ent *g = &segs[i];
		if (strcmp(g->n.name, name) != 0)
			continue;
		distinct += prune_distinct(segs, n, i, name);
		if (!jshipq_all_have(st, ns, g->n.timeline, g->n.seq) || distinct <= p->keep)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, g->base);
		if ((r = prune_one(path, p, now.tv_sec, &e)) < 0)
			rc = prune_failed(p, &e);
		else if (r > 0 && ++removed && p->removed)
			p->removed(p->arg, path);
	}
	jshipq_states_free(st, ns);
	if (removed && jio_fsync_dir(path) < 0) {
		jerr_sys(&e, EX_IOERR, "unable to sync %s", dir);
		rc = prune_failed(p, &e);
	}
	return rc;
}
