/*
 * shipq: the send queue of a directory of segments, and exactly which segments each
 * destination has.
 *
 * For a journal NAME in DIR and a destination URL (redacted), the state file is
 * DIR/.NAME.journal.ship-HHHHHHHHHHHHHHHH (16 hex digits of the SHA-256 of the URL), a text
 * file replaced atomically (jafile_write):
 *     jship-state 2
 *     url URL
 *     has TIMELINE FIRST LAST      one line per run of sequences the destination has,
 *                                  sorted, disjoint and not adjacent; none: it has nothing
 * Version 1 files ("acked TIMELINE SEQ", a high-water mark) are still read: the mark was
 * written for a segment that had just been sent, so that one segment is taken as had; the
 * claim about the segments below it is not trusted (it was wrong whenever a segment never
 * passed through a streaming jship), so they are in the queue again and a destination that
 * has them answers "already there". The next write is version 2.
 *
 * The send queue of NAME for a destination is every sealed segment of NAME in DIR, plain or
 * compressed, whose (timeline, sequence) the destination does not have; one entry per
 * sequence (the plain file when both forms are there), in (timeline, sequence) order.
 * jship sends it and jstatus counts it, both through jshipq_pending.
 *
 *     struct jshipq_state s;
 *     jshipq_read(path, &s, e)        1 read, 0 no file (s empty), -1 error (s empty); then
 *     jshipq_has(&s, tl, seq)         does the destination have it?
 *     jshipq_add(&s, tl, seq)         record that it has (0, or -1 ENOMEM)
 *     jshipq_write(path, &s, e)
 *     jshipq_free(&s)                 frees s's ranges and leaves s empty
 *     jshipq_states(dir, name, &v, &n, e)   every destination state of NAME in dir;
 *                                     release with jshipq_states_free(v, n)
 * Ownership: a state owns its ranges (s.r, malloc'd). jshipq_read and jshipq_parse fill s
 * from scratch without freeing what it held: give them a state that is empty (zeroed, or
 * freed); on -1 they leave it empty, so freeing it after any read is safe. A zeroed state is
 * an empty one, ready for jshipq_add. jshipq_states gives the caller v and every state in
 * it, on success only (on -1 nothing is left to free). jshipq_record reads had and leaves it
 * the caller's.
 * The lock DIR/.NAME.journal.ship-HHHH.lock serialises senders of one destination; a
 * caller holds it from read to write.
 */
#ifndef JM_SHIPQ_H
#define JM_SHIPQ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "name.h"
#include "segdir.h"

struct jshipq_range {
	uint32_t timeline;
	uint64_t first, last;
};

struct jshipq_state {
	char     url[4096];
	struct jshipq_range *r;         /* sorted by (timeline, first), disjoint, not adjacent */
	size_t   n, cap;
};

int  jshipq_path(char *buf, size_t size, const char *dir, const char *name, const char *url,
                 const char *suffix);
int  jshipq_read(const char *path, struct jshipq_state *s, struct jerr *e);
int  jshipq_parse(const char *text, struct jshipq_state *s, struct jerr *e);
int  jshipq_write(const char *path, const struct jshipq_state *s, struct jerr *e);
void jshipq_free(struct jshipq_state *s);
int  jshipq_has(const struct jshipq_state *s, uint32_t tl, uint64_t seq);
int  jshipq_add(struct jshipq_state *s, uint32_t tl, uint64_t seq);
/* The newest segment s has: 1 and *tl, *seq, or 0 if it has none. */
int  jshipq_newest(const struct jshipq_state *s, uint32_t *tl, uint64_t *seq);
int  jshipq_states(const char *dir, const char *name, struct jshipq_state **v, size_t *n,
                   struct jerr *e);
void jshipq_states_free(struct jshipq_state *v, size_t n);

/*
 * Record that the destination url has every segment of had (runs of sequences of NAME),
 * under its lock, in its state in dir: read, add, replace atomically. locked: the caller
 * holds the lock already; otherwise it is taken without waiting, and 1 is returned at once
 * when another process holds it (nothing recorded). 0 recorded, -1 error.
 */
int  jshipq_record(const char *dir, const char *name, const char *url,
                   const struct jshipq_state *had, int locked, struct jerr *e);
/* Does every state of v[0..n) have (tl, seq)? Only such a segment may be pruned. */
int  jshipq_all_have(const struct jshipq_state *v, size_t n, uint32_t tl, uint64_t seq);

/*
 * Over a jsegdir_list listing v[0..n): is v[i] in NAME's send queue for s (NAME's, the one
 * file kept for its sequence, and not had by s)? With s NULL: is it the one file kept for
 * its sequence (what is counted as a sealed segment).
 */
int  jshipq_pending(const struct jsegdir_ent *v, size_t n, size_t i, const char *name,
                    const struct jshipq_state *s);

/*
 * Remove the segments of NAME in dir (segs[0..n), a jsegdir_list listing) that every
 * destination has, but the keep newest sequences and any file modified less than keep_for_ns
 * ago. A segment no destination state mentions is never removed, and nothing is removed
 * when dir has no destination state at all. A destination other than file:// acknowledges
 * receipt, not durability (its server does not sync): while one is known and keep_for was
 * not given, nothing is removed and held() says why (1 is returned). Each removed path goes
 * to removed(), each failure (a state that cannot be read, a file that cannot be removed,
 * the directory that cannot be synced) to failed(), and pruning goes on. 0, 1 held, or -1
 * if anything failed.
 */
struct jshipq_prune {
	uint64_t keep;
	uint64_t keep_for_ns;
	int      keep_for;          /* given: the operator chose when to trust a receipt */
	void   (*held)(void *arg, const char *why);
	void   (*removed)(void *arg, const char *path);
	void   (*failed)(void *arg, const struct jerr *e);
	void    *arg;
};

int  jshipq_prune(const char *dir, const char *name, const struct jsegdir_ent *segs, size_t n,
                  const struct jshipq_prune *p);

#endif
