/*
 * scan: the segments in a directory, in sequence order.
 *
 *     struct jscan_ent *v; size_t n;
 *     if (jscan_dir(dir, &v, &n, &e) < 0) ...        e.code EX_NOINPUT (no such directory)
 *     for (i = 0; i < n; i++)                        or EX_IOERR
 *             use v[i].base (the file's name in dir) and v[i].n (its parsed name)
 *     free(v);
 *
 * Only entries whose name parses as a sealed segment (plain or compressed, see name.h) and
 * that are regular files (not symlinks, directories or devices) are listed. The order is
 * the journal's NAME, then timeline, sequence and compression (plain first): for one journal
 * that is the order in which segments must be applied. Whether a file is complete is not
 * checked here (jseg_probe does that). The array is malloc'd and the caller's to free; it
 * holds one entry per listed file, so memory is bounded by the directory, not by history.
 */
#ifndef JM_SCAN_H
#define JM_SCAN_H

#include <stddef.h>

#include "err.h"
#include "name.h"

struct jscan_ent {
	char         base[JNAME_MAX + 1];
	struct jname n;
};

int jscan_dir(const char *dir, struct jscan_ent **ents, size_t *count, struct jerr *e);
/* The order jscan_dir sorts in: NAME, then jname_cmp. */
int jscan_cmp(const struct jname *a, const struct jname *b);

#endif
