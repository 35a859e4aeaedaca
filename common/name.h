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
 * is never a live journal, so that a mistyped segment is not read as one. Names sort in
 * (timeline, sequence) order as strings; jname_cmp compares parsed names the same way.
 *
 * THE NAME RULE (one home: jname_valid, and jname_parse through it): a NAME MUST NOT be
 * empty, start with a dot, contain a slash or a control character (bytes 0x01-0x1f and
 * 0x7f: a newline would split a path printed one per line), end in ".DIGITS-DIGITS", or be
 * longer than JNAME_MAX_NAME bytes (jappend --create refuses such a NAME). A base name that
 * would be a segment or a live journal but whose NAME holds a control character is
 * JNAME_OTHER with n->bad set, so that every reader skips it and one that wants to can say
 * why.
 */
#ifndef JM_NAME_H
#define JM_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JNAME_MAX         255
#define JNAME_MAX_NAME    (JNAME_MAX - 40)   /* room for the suffixes and temporaries */
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
	int      bad;                     /* JNAME_OTHER only: shaped as ours, NAME breaks the rule */
};

int  jname_parse(const char *base, struct jname *n);
/* Does NAME follow the name rule above? */
int  jname_valid(const char *name);
/*
 * Does the segment name base (as parsed in n) agree with the header's timeline and
 * sequence? 0, or -1 with e (EX_DATAERR) saying both: the one message for a renamed copy.
 */
int  jname_check(const struct jname *n, uint32_t timeline, uint64_t seq, struct jerr *e);
/* s with control characters and backslashes shown as \n, \t, \\ or \xHH, for messages:
 * one line whatever the name; truncated to fit buf (always terminated). Returns buf. */
const char *jname_quote(const char *s, char *buf, size_t size);
/* Write NAME.TTTT-SSSSSSSSSSSS.journal[.ext] into buf; -1 (ENAMETOOLONG/ERANGE) if it can't. */
int  jname_segment(char *buf, size_t size, const char *name, uint32_t timeline, uint64_t seq,
                   int comp);
/* DIR/.BASE.SUFFIX for the journal at path (lock and state files); -1 if too long. */
int  jname_aux(char *buf, size_t size, const char *path, const char *suffix);
int  jname_cmp(const struct jname *a, const struct jname *b);
const char *jcomp_suffix(int comp);   /* "", ".zst", ".gz", ".xz" */
const char *jcomp_name(int comp);     /* "none", "zstd", "gzip", "xz" */

#endif
