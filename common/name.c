/* name: build and parse journal and segment file names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "io.h"
#include "name.h"

static const struct {
	const char *suffix, *name;
} comps[] = {
	[JCOMP_NONE] = { "", "none" },
	[JCOMP_ZSTD] = { ".zst", "zstd" },
	[JCOMP_GZIP] = { ".gz", "gzip" },
	[JCOMP_XZ]   = { ".xz", "xz" },
};

const char *jcomp_suffix(int comp) { return comps[comp].suffix; }
const char *jcomp_name(int comp) { return comps[comp].name; }

static int
digits(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* Does s (length len) end with ".TTTT-SSSSSSSSSSSS"?  Fills timeline and seq. */
static int
seg_suffix(const char *s, size_t len, uint32_t *tl, uint64_t *seq)
{
	const size_t w = 1 + 4 + 1 + 12;
	const char *p;
	uint64_t t;

	if (len < w + 1)
		return 0;
	p = s + len - w;
	if (p[0] != '.' || p[5] != '-')
		return 0;
	if (digits(p + 1, 4, &t) < 0 || digits(p + 6, 12, seq) < 0)
		return 0;
	if (t == 0 || *seq == 0)
		return 0;
	*tl = (uint32_t)t;
	return 1;
}

int
jname_parse(const char *base, struct jname *n)
{
	size_t len = strlen(base), cl = 0;
	int comp = JCOMP_NONE;

	memset(n, 0, sizeof *n);
	n->kind = JNAME_OTHER;
	if (len == 0 || base[0] == '.' || strchr(base, '/') || len > JNAME_MAX)
		return n->kind;
	for (int c = JCOMP_ZSTD; c <= JCOMP_XZ; c++) {
		size_t sl = strlen(comps[c].suffix);
		if (len > sl && strcmp(base + len - sl, comps[c].suffix) == 0) {
			comp = c;
			cl = sl;
			break;
		}
	}
	len -= cl;
	if (len <= 8 || memcmp(base + len - 8, ".journal", 8) != 0)
		return n->kind;
	len -= 8;
	if (seg_suffix(base, len, &n->timeline, &n->seq)) {
		len -= 18;
		memcpy(n->name, base, len);
		n->comp = comp;
		n->kind = JNAME_SEGMENT;
	} else if (comp == JCOMP_NONE) {
		memcpy(n->name, base, len);
		n->kind = JNAME_LIVE;
	}
	return n->kind;
}

int
jname_valid(const char *name)
{
	uint32_t tl;
	uint64_t seq;
	size_t len = strlen(name);

	if (len == 0 || len > JNAME_MAX - 40 || name[0] == '.' || strchr(name, '/'))
		return 0;
	return !seg_suffix(name, len, &tl, &seq);
}

int
jname_segment(char *buf, size_t size, const char *name, uint32_t timeline, uint64_t seq,
    int comp)
{
	int n;

	if (timeline == 0 || timeline > JNAME_MAX_TIMELINE || seq == 0 || seq > JNAME_MAX_SEQ) {
		errno = ERANGE;
		return -1;
	}
	n = snprintf(buf, size, "%s.%04u-%012llu.journal%s", name, timeline,
	    (unsigned long long)seq, jcomp_suffix(comp));
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
jname_aux(char *buf, size_t size, const char *path, const char *suffix)
{
	char dir[4096];
	int n;

	jio_dirname(path, dir, sizeof dir);
	n = snprintf(buf, size, "%s/.%s.%s", dir, jio_basename(path), suffix);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
jname_cmp(const struct jname *a, const struct jname *b)
{
	if (a->timeline != b->timeline)
		return a->timeline < b->timeline ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->comp - b->comp;
}
