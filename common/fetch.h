/*
 * fetch: pull from a hub the complete segments a directory lacks (jfetch's one run).
 *
 *     struct jfetch_opts o = { .dir = "in/", .mirror = "m1", .fetched = print, ... };
 *     struct jfetch_result r;
 *     rc = jfetch_run(h, &o, &r, &e);
 *
 * One run: take DIR's lock (DIR/.jfetch.lock, without waiting: EX_TEMPFAIL when another
 * jfetch holds it), list the hub, and for every sealed segment on it that DIR does not have,
 * in (NAME, timeline, sequence) order: download it into a temporary of DIR (jpart), fsync
 * it, read it through (every CRC, the trailer and its digest: seg.c; the name against the
 * header: name.c), publish it under its name without replacing anything and fsync DIR
 * (afile.c), record it in DIR/.NAME.journal.fetched, and hand its path to o->fetched (from
 * this thread; downloads run in up to o->connections threads, o->refused is called from
 * them, one at a time, possibly while o->fetched runs: the next batch of segments
 * downloads while the last one is made durable and printed).
 *
 * DIR has a segment (timeline, sequence of NAME) when a file of that name, plain or
 * compressed, is in DIR, or when DIR/.NAME.journal.fetched says it was fetched (or found)
 * before: jintegrate may since have applied and removed it. That state is shipq's (runs of
 * sequences, never a high-water mark), so a gap is never hidden: whatever the hub holds and
 * DIR lacks is fetched, below or above what it fetched before. o->mirror (jfetch --name)
 * then writes the mirror's cursor on the hub (cursor.h): the end of the first unbroken run
 * of sequences DIR has.
 *
 * A segment that fails verification is never published: its temporary is removed, the
 * failure goes to o->refused (EX_DATAERR: damaged or not what its name says; EX_TEMPFAIL:
 * its size changed, still being written) and the run goes on with the next one; r->code is
 * the worst such code. A failure of the hub or of DIR stops the run: -1 with e. o->stop,
 * once set (SIGTERM), ends the run after the file being fetched. r->fetched counts the
 * files published.
 */
#ifndef JM_FETCH_H
#define JM_FETCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sig.h"
#include "hub.h"

struct jfetch_opts {
	const char *dir;
	const char *mirror;                     /* NULL: no cursor on the hub */
	void      (*fetched)(void *arg, const char *path);
	void      (*refused)(void *arg, const struct jerr *e);
	void       *arg;
	volatile sig_atomic_t *stop;            /* NULL: never */
	int         connections;                /* downloads at once (0, 1: one), at most
	                                           JFETCH_CONNS; the others are jhub_clone's */
	const struct jsig_trust *trust;         /* NULL or no key: any valid segment; else
	                                           only those signed by one (sig.h) */
};

#define JFETCH_CONNS 8

/* Zero it before the first run and hand the same one to every later run of a poll loop:
 * it remembers the cursor written, so that an unchanged position costs no hub request, and
 * keeps the extra connections open; jfetch_done(r) closes them at the end. */
struct jfetch_result {
	size_t   fetched;
	int      code;                          /* worst code of a refused segment, 0: none */
	int      cursor_known;
	uint32_t cursor_tl;
	uint64_t cursor_seq;
	struct jhub *conn[JFETCH_CONNS - 1];
	size_t   nconn;
};

int  jfetch_run(struct jhub *h, const struct jfetch_opts *o, struct jfetch_result *r,
                struct jerr *e);
void jfetch_done(struct jfetch_result *r);

#endif
