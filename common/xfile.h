/*
 * xfile: the file:// transport, native (libcurl would write the target in place, with no
 * temporary and no fsync). Used through xfer; this header is for xfer.c and the tests.
 *
 *     struct jxfile f = { .u = &url, .host = host };     u and host stay the caller's
 *     rc = jxfile_put(&f, fd, size, name, &gate, &e);
 *         1 published, 0 already there with the same content, -1 failed: e->code
 *         EX_DATAERR (a different file has that name, or the gate said no), EX_NOPERM,
 *         EX_TEMPFAIL, EX_IOERR (the source), EX_USAGE; f.retryable says whether trying
 *         again may help.
 * The first put removes the stale temporaries of the directory (jpart_stale).
 *
 * Reading the directory (for hub_std.c), each with hub.h's contract:
 *     jxfile_list(u, fn, arg, e)        fn per regular file (no dot names, no links)
 *     jxfile_get(u, name, size, fd, e)  the file into fd, exactly size bytes
 *     jxfile_remove(u, name, e)         0 gone (or never there), the directory synced
 *     jxfile_mkdir(u, e)                create u's directory if missing, durably
 */
#ifndef JM_XFILE_H
#define JM_XFILE_H

#include <stdint.h>

#include "err.h"
#include "gate.h"
#include "hub.h"
#include "url.h"

struct jxfile {
	const struct jurl *u;
	const char *host;           /* this host, as temporaries name it (jpart_host) */
	int         swept;          /* stale temporaries looked for */
	int         retryable;      /* after a failed put */
	int         mkdir;          /* create the directory (and its parents) if missing */
	int         made;           /* looked for it once */
};

int jxfile_put(struct jxfile *f, int fd, uint64_t size, const char *name, struct jgate *g,
               struct jerr *e);

int jxfile_list(const struct jurl *u, jhub_list_fn fn, void *arg, struct jerr *e);
int jxfile_get(const struct jurl *u, const char *name, uint64_t size, int fd, struct jerr *e);
int jxfile_remove(const struct jurl *u, const char *name, struct jerr *e);
int jxfile_mkdir(const struct jurl *u, struct jerr *e);

#endif
