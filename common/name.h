/*
 * name: what a file is follows from its name (man/jmirror.5, NAMES).
 *
 *   NAME.journal                          the live journal
 *   NAME.TTTT-SSSSSSSSSSSS.journal        sealed segment: timeline (4 digits), sequence (12)
 *   ... .zst | .gz | .xz                  a compressed copy of a sealed segment
 *   .anything                             lock, state and temporary files: never ours to list
 *
 * jname_parse takes a base name (no directory) and returns its kind, filling *n; any name it
 * does not recognise exactly is JNAME_OTHER. That includes names that only look like
 * segments (NAME.1-1.journal, a zero timeline or sequence): a NAME ending in ".DIGITS-DIGITS"
 * is never a live journal, so that a mistyped segment is not read as one. Names sort in (timeline, sequence) order as
 * strings; jname_cmp compares parsed names the same way.
 */
#ifndef JM_NAME_H
#define JM_NAME_H

#include <stddef.h>
#include <stdint.h>

#define JNAME_MAX         255
#define JNAME_MAX_TIMELINE 9999u
#define JNAME_MAX_SEQ     999999999999ull

enum { JCOMP_NONE, JCOMP_ZSTD, JCOMP_GZIP, JCOMP_XZ };
enum { JNAME_OTHER, JNAME_LIVE, JNAME_SEGMENT };

struct jname {
	int      kind;
	char     name[JNAME_MAX + 1];     /* the journal's NAME */
	uint32_t timeline;                /* segments only */
	uint64_t seq;
	int      comp;                    /* JCOMP_* */
};

int  jname_parse(const char *base, struct jname *n);
/* Is NAME usable as a journal name (non-empty, no '/', no leading '.', not segment-like)? */
int  jname_valid(const char *name);
/* Write NAME.TTTT-SSSSSSSSSSSS.journal[.ext] into buf; -1 (ENAMETOOLONG/ERANGE) if it can't. */
int  jname_segment(char *buf, size_t size, const char *name, uint32_t timeline, uint64_t seq,
                   int comp);
/* DIR/.BASE.SUFFIX for the journal at path (lock and state files); -1 if too long. */
int  jname_aux(char *buf, size_t size, const char *path, const char *suffix);
int  jname_cmp(const struct jname *a, const struct jname *b);
const char *jcomp_suffix(int comp);   /* "", ".zst", ".gz", ".xz" */
const char *jcomp_name(int comp);     /* "none", "zstd", "gzip", "xz" */

#endif
