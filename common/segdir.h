/*
 * segdir: a directory of segments (a journal's, or an incoming one). The one lister of a
 * directory's segments, the one way to open a file found there, and the one way to set a
 * refused file aside.
 *
 *     struct jsegdir_ent *v; size_t n;
 *     if (jsegdir_list(dir, &v, &n, &e) < 0) ...     e.code EX_NOINPUT (no such directory)
 *     for (i = 0; i < n; i++)                        or EX_IOERR
 *             use v[i].base (the file's name in dir) and v[i].n (its parsed name)
 *     free(v);
 *
 * Only entries whose name parses as a sealed segment (plain or compressed, see name.h, whose
 * jname_parse applies the name rule) and that are regular files are listed: symbolic links
 * are never followed (d_type, or fstatat with AT_SYMLINK_NOFOLLOW where the file system does
 * not fill d_type), directories, FIFOs and devices are skipped. The order is the journal's
 * NAME, then timeline, sequence and compression (plain first): for one journal that is the
 * order in which segments must be applied. Whether a file is complete is not checked here
 * (jseg_probe does that). The array is malloc'd and the caller's to free; it holds one
 * entry per listed file, so memory is bounded by the directory, not by history.
 * jsegdir_list_flags with JSEGDIR_BAD_NAMES also lists the regular files shaped as segments
 * whose NAME breaks the name rule (v[i].n.kind JNAME_OTHER, v[i].n.bad set), after the
 * others, so that a caller can say that it skips them.
 *
 * jsegdir_open opens a file of such a directory for reading the way every reader must: never
 * through a symbolic link (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK), and only if
 * it is a regular file (fstat). It returns the descriptor, or -1 with e.code EX_NOINPUT (no
 * such file), EX_DATAERR ("not a regular file", "a symbolic link") or EX_IOERR; errno is
 * kept (EPERM for a refused O_NOATIME in flags, ELOOP for a symbolic link).
 *
 * jsegdir_set_aside moves a refused file DIR/BASE into DIR/.quarantine/ (created 0750 if
 * missing; a dot name, so that no tool takes it or what it holds for a segment), as BASE, or
 * BASE.1, BASE.2 ... when that name is taken: nothing there is ever replaced or deleted. The
 * move is a rename within the file system, made durable (both directories fsynced) before
 * it returns; .quarantine must be a real directory, never a symbolic link. The new path goes
 * into out. -1 with e filled (EX_IOERR, EX_CANTCREAT) if the file could not be moved.
 */
#ifndef JM_SEGDIR_H
#define JM_SEGDIR_H

#include <stddef.h>

#include "err.h"
#include "name.h"

#define JSEGDIR_QUARANTINE ".quarantine"
#define JSEGDIR_BAD_NAMES  1

struct jsegdir_ent {
	char         base[JNAME_MAX + 1];
	struct jname n;
};

int jsegdir_list(const char *dir, struct jsegdir_ent **ents, size_t *count, struct jerr *e);
int jsegdir_list_flags(const char *dir, int flags, struct jsegdir_ent **ents, size_t *count,
                    struct jerr *e);
/* The order jsegdir_list sorts in: NAME, then jname_cmp. */
int jsegdir_cmp(const struct jname *a, const struct jname *b);

int jsegdir_open(const char *path, int flags, struct jerr *e);
int jsegdir_set_aside(const char *path, char *out, size_t size, struct jerr *e);

#endif
