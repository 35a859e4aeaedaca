/*
 * cursor: the pulling mirrors' positions on a hub, and retention by them.
 *
 * Invariants (man/jmirror.5, HUB CURSORS): a cursor object MUST only be created, never
 * replaced; its content MUST follow from its name alone (so that writing the same cursor
 * twice finds an identical object); a mirror's older cursors MUST be removed only after
 * its new one exists, so that at every instant each registered mirror has at least one
 * cursor, and none that claims more than the mirror had when it was written. Retention
 * MUST NOT remove a segment that a registered mirror's cursor does not cover, nor any
 * while no mirror is registered.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash.h"
#include "cursor.h"
#include "grow.h"
#include "io.h"
#include "name.h"

#define SUFFIX ".cursor."

int
jcursor_valid(const char *m)
{
	size_t n = strlen(m);

	if (n == 0 || n > JCURSOR_MIRROR_MAX || m[0] == '.')
		return 0;
	return strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int
jcursor_name(char *buf, size_t size, const char *mirror, uint32_t tl, uint64_t seq)
{
	int n = snprintf(buf, size, "%s" SUFFIX "%04" PRIu32 "-%012" PRIu64, mirror, tl, seq);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
jcursor_parse(const char *obj, struct jcursor *c)
{
	const char *s = strstr(obj, SUFFIX), *p;
	size_t mlen;

	/* the last ".cursor." (a MIRROR may hold that string too) */
	while (s && (p = strstr(s + 1, SUFFIX)))
		s = p;
	if (!s || (mlen = (size_t)(s - obj)) == 0 || mlen > JCURSOR_MIRROR_MAX)
		return -1;
	p = s + strlen(SUFFIX);
	if (strlen(p) != 17 || p[4] != '-' || strspn(p, "0123456789") != 4 ||
	    strspn(p + 5, "0123456789") != 12)
		return -1;
	memset(c, 0, sizeof *c);
	memcpy(c->mirror, obj, mlen);
	if (!jcursor_valid(c->mirror))
		return -1;
	c->timeline = (uint32_t)strtoul(p, NULL, 10);
	c->seq = strtoull(p + 5, NULL, 10);
	return 0;
}

static int
cursor_cmp(const struct jcursor *a, const struct jcursor *b)
{
	int r = strcmp(a->mirror, b->mirror);

	if (r)
		return r;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->timeline < b->timeline ? -1 : a->timeline > b->timeline;
}

int
jcursor_covers(const struct jcursor *c, uint32_t tl, uint64_t seq)
{
	return seq < c->seq || (seq == c->seq && tl <= c->timeline);
}

struct all {
	struct jcursor *v;
	size_t n, cap;
};

static int
all_cb(void *arg, const struct jhub_entry *ent, struct jerr *e)
{
	struct all *a = arg;
	struct jcursor c;

	if (jcursor_parse(ent->name, &c) < 0)
		return 0;
	c.mtime = ent->mtime;
	if (jgrow(&a->v, &a->cap, a->n + 1, sizeof *a->v, 16) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	a->v[a->n++] = c;
	return 0;
}

static int
qcmp(const void *a, const void *b)
{
	return cursor_cmp(a, b);
}

/* Every cursor object on the hub, sorted by mirror, then position. */
static int
list_all(struct jhub *h, struct all *a, struct jerr *e)
{
	memset(a, 0, sizeof *a);
	if (jhub_list(h, JHUB_META, NULL, all_cb, a, e) < 0) {
		free(a->v);
		a->v = NULL;
		return -1;
	}
	if (a->n)
		qsort(a->v, a->n, sizeof *a->v, qcmp);
	return 0;
}

int
jcursor_list(struct jhub *h, struct jcursor **vp, size_t *np, struct jerr *e)
{
	struct all a;
	size_t k = 0;

	if (list_all(h, &a, e) < 0)
		return -1;
	/* keep the last (highest) of each mirror */
	for (size_t i = 0; i < a.n; i++)
		if (i + 1 == a.n || strcmp(a.v[i].mirror, a.v[i + 1].mirror) != 0)
			a.v[k++] = a.v[i];
	*vp = a.v;
	*np = k;
	return 0;
}

/* Create the cursor object name, its content following from the name. */
static int
put_cursor(struct jhub *h, const char *name, const char *mirror, uint32_t tl, uint64_t seq,
    struct jerr *e)
{
	char text[256];
	const char *dir = getenv("TMPDIR");
	int fd, rc, n;

	n = snprintf(text, sizeof text, "jmirror-cursor 1\nmirror %s\ntimeline %" PRIu32
	    "\nseq %" PRIu64 "\n", mirror, tl, seq);
	fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return jerr_sys(e, EX_IOERR, "unable to create a temporary file");
	if (jio_write_all(fd, text, (size_t)n) < 0) {
		jerr_sys(e, EX_IOERR, "unable to write a temporary file");
		close(fd);
		return -1;
	}
	rc = jhub_put(h, JHUB_META, name, fd, (uint64_t)n, e);
	close(fd);
	return rc;
}

int
jcursor_write(struct jhub *h, const char *mirror, uint32_t tl, uint64_t seq, struct jerr *e)
{
	char name[JCURSOR_MIRROR_MAX + 64], other[JCURSOR_MIRROR_MAX + 64];
	struct all a;
	int rc, had = 0;

	if (!jcursor_valid(mirror))
		return jerr_set(e, EX_USAGE, "%s: not a mirror name (1 to 64 of A-Z a-z 0-9 _ . -, "
		    "not starting with '.')", mirror);
	jcursor_name(name, sizeof name, mirror, tl, seq);
	if ((rc = put_cursor(h, name, mirror, tl, seq, e)) < 0)
		return -1;
	jcrash_point("cursor-put");
	if (list_all(h, &a, e) < 0)
		return -1;
	for (size_t i = 0; i < a.n; i++) {
		if (strcmp(a.v[i].mirror, mirror) != 0)
			continue;
		jcursor_name(other, sizeof other, mirror, a.v[i].timeline, a.v[i].seq);
		if (strcmp(other, name) == 0) {
			had = 1;
			continue;
		}
		if (jhub_remove(h, JHUB_META, other, e) < 0) {
			free(a.v);
			return -1;
		}
	}
	free(a.v);
	if (!had)
		return jerr_set(e, EX_TEMPFAIL, "%s%s/%s: written, but not listed", jhub_url(h),
		    JHUB_META_DIR, name);
	return rc;
}

struct expire {
	struct jhub *h;
	const struct jcursor_expire *x;
	struct jcursor *v;
	size_t n;
	int held_mirror, held_time;
	char *names;                /* removable names, NUL-separated */
	size_t len, cap;
};

static int
expire_cb(void *arg, const struct jhub_entry *ent, struct jerr *e)
{
	struct expire *q = arg;
	struct jname jn;
	size_t k = strlen(ent->name) + 1;

	if (jname_parse(ent->name, &jn) != JNAME_SEGMENT)
		return 0;
	if (ent->mtime == 0) {
		q->held_time++;
		return 0;
	}
	if (ent->mtime > q->x->now ||
	    (uint64_t)(q->x->now - ent->mtime) * 1000000000ull < q->x->older_ns)
		return 0;
	for (size_t i = 0; i < q->n; i++)
		if (!jcursor_covers(&q->v[i], jn.timeline, jn.seq)) {
			q->held_mirror = 1;
			return 0;
		}
	if (jgrow(&q->names, &q->cap, q->len + k, 1, 4096) < 0)
		return jerr_sys(e, EX_OSERR, "out of memory");
	memcpy(q->names + q->len, ent->name, k);
	q->len += k;
	return 0;
}

/* Say who holds retention back. */
static void
expire_held(struct expire *q)
{
	char why[512];
	size_t low = 0;

	if (!q->x->held)
		return;
	if (q->n == 0) {
		snprintf(why, sizeof why, "%s: no mirror is registered on the hub (jfetch --name): "
		    "nothing is removed", jhub_url(q->h));
		q->x->held(q->x->arg, why);
		return;
	}
	for (size_t i = 1; i < q->n; i++)
		if (q->v[i].seq < q->v[low].seq)
			low = i;
	if (q->held_mirror) {
		snprintf(why, sizeof why, "%s: mirror %s holds retention: it has fetched up to "
		    "%04" PRIu32 "-%012" PRIu64, jhub_url(q->h), q->v[low].mirror, q->v[low].timeline,
		    q->v[low].seq);
		q->x->held(q->x->arg, why);
	}
	if (q->held_time) {
		snprintf(why, sizeof why, "%s: %d segments kept: the hub does not say how old they "
		    "are", jhub_url(q->h), q->held_time);
		q->x->held(q->x->arg, why);
	}
}

int
jcursor_expire(struct jhub *h, const struct jcursor_expire *x, struct jerr *e)
{
	struct expire q = { h, x, NULL, 0, 0, 0, NULL, 0, 0 };
	int rc = 0;

	if (jcursor_list(h, &q.v, &q.n, e) < 0)
		return -1;
	if (q.n > 0 && jhub_list(h, JHUB_DATA, NULL, expire_cb, &q, e) < 0)
		rc = -1;
	for (size_t off = 0; rc == 0 && off < q.len; off += strlen(q.names + off) + 1) {
		if (jhub_remove(h, JHUB_DATA, q.names + off, e) < 0)
			rc = -1;
		else if (x->removed)
			x->removed(x->arg, q.names + off);
	}
	if (rc == 0)
		expire_held(&q);
	free(q.v);
	free(q.names);
	return rc;
}

static int
hub_cb(void *arg, const struct jhub_entry *ent, struct jerr *e)
{
	struct jcursor_hub *s = arg;
	struct jname jn;

	(void)e;
	if (jname_parse(ent->name, &jn) != JNAME_SEGMENT)
		return 0;
	s->segments++;
	if (jn.seq > s->newest_seq || (jn.seq == s->newest_seq && jn.timeline > s->newest_tl)) {
		s->newest_seq = jn.seq;
		s->newest_tl = jn.timeline;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct jcursor_mirror *m = &s->m[i];
		if (jcursor_covers(&m->c, jn.timeline, jn.seq))
			continue;
		m->behind++;
		if (ent->mtime && (m->oldest == 0 || ent->mtime < m->oldest))
			m->oldest = ent->mtime;
	}
	return 0;
}

int
jcursor_hub(struct jhub *h, struct jcursor_hub *s, struct jerr *e)
{
	struct jcursor *v;
	size_t n;

	memset(s, 0, sizeof *s);
	if (jcursor_list(h, &v, &n, e) < 0)
		return -1;
	if (n && !(s->m = calloc(n, sizeof *s->m))) {
		free(v);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		s->m[i].c = v[i];
	s->n = n;
	free(v);
	if (jhub_list(h, JHUB_DATA, NULL, hub_cb, s, e) < 0) {
		jcursor_hub_free(s);
		return -1;
	}
	return 0;
}

void
jcursor_hub_free(struct jcursor_hub *s)
{
	free(s->m);
	s->m = NULL;
	s->n = 0;
}
