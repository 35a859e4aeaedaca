/* name: build and parse journal and segment file names; the one home of the name rule. */
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

#define NCOMP (int)(sizeof comps / sizeof comps[0])

const char *jcomp_suffix(int comp) { return comp >= 0 && comp < NCOMP ? comps[comp].suffix : ""; }
const char *jcomp_name(int comp) { return comp >= 0 && comp < NCOMP ? comps[comp].name : "?"; }

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

/*
 * Does s (length len) end with ".DIGITS-DIGITS"?  1 if it is exactly ".TTTT-SSSSSSSSSSSS"
 * with non-zero fields (filling timeline and seq), -1 if it only looks like one (wrong
 * widths, zero fields: never a live journal's NAME either), 0 if not at all.
 */
static int
seg_suffix(const char *s, size_t len, uint32_t *tl, uint64_t *seq)
{
	size_t i = len, dash, dot;
	uint64_t t;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == len || i == 0 || s[i - 1] != '-')
		return 0;
	dash = --i;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == dash || i == 0 || s[i - 1] != '.')
		return 0;
	dot = i - 1;
	if (dash - dot != 5 || len - dash != 13 || dot == 0)
		return -1;
	digits(s + dot + 1, 4, &t);
	digits(s + dash + 1, 12, seq);
	if (t == 0 || *seq == 0)
		return -1;
	*tl = (uint32_t)t;
	return 1;
}

/* A control character (or DEL) in s[0 .. len)? */
static int
has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
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
	switch (seg_suffix(base, len, &n->timeline, &n->seq)) {
	case 1:
		len -= 18;
		memcpy(n->name, base, len);
		n->comp = comp;
		n->kind = JNAME_SEGMENT;
		break;
	case 0:
		if (comp != JCOMP_NONE)
			break;
		memcpy(n->name, base, len);
		n->kind = JNAME_LIVE;
		break;
	default:
		n->timeline = 0;
		n->seq = 0;
		break;
	}
	if (n->kind != JNAME_OTHER && has_control(n->name, strlen(n->name))) {
		memset(n, 0, sizeof *n);
		n->kind = JNAME_OTHER;
		n->bad = 1;
	}
	return n->kind;
}

int
jname_valid(const char *name)
{
	uint32_t tl;
	uint64_t seq;
	size_t len = strlen(name);

	if (len == 0 || len > JNAME_MAX_NAME || name[0] == '.' || strchr(name, '/') ||
	    has_control(name, len))
		return 0;
	return seg_suffix(name, len, &tl, &seq) == 0;
}

int
jname_check(const struct jname *n, uint32_t timeline, uint64_t seq, struct jerr *e)
{
	if (n->kind != JNAME_SEGMENT || (n->timeline == timeline && n->seq == seq))
		return 0;
	return jerr_set(e, EX_DATAERR, "the name says timeline %lu seq %llu, the header "
	    "timeline %lu seq %llu: renamed or damaged", (unsigned long)n->timeline,
	    (unsigned long long)n->seq, (unsigned long)timeline, (unsigned long long)seq);
}

const char *
jname_quote(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return buf;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[5];
		size_t l;

		if (c == '\\' || c == '\n' || c == '\t')
			snprintf(esc, sizeof esc, "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
		else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof esc, "\\x%02x", c);
		else {
			esc[0] = (char)c;
			esc[1] = 0;
		}
		l = strlen(esc);
		if (o + l >= size)
			break;
		memcpy(buf + o, esc, l);
		o += l;
	}
	buf[o] = 0;
	return buf;
}

int
jname_segment(char *buf, size_t size, const char *name, uint32_t timeline, uint64_t seq,
    int comp)
{

	if (timeline == 0 || timeline > JNAME_MAX_TIMELINE || seq == 0 || seq > JNAME_MAX_SEQ) {
		errno = ERANGE;
		return -1;
	}
	return jio_pathf(buf, size, "%s.%04u-%012llu.journal%s", name, timeline,
	    (unsigned long long)seq, jcomp_suffix(comp));
}

int
jname_aux(char *buf, size_t size, const char *path, const char *suffix)
{
	char dir[4096];

	jio_dirname(path, dir, sizeof dir);
	return jio_pathf(buf, size, "%s/.%s.%s", dir, jio_basename(path), suffix);
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
