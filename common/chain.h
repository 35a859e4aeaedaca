/*
 * chain: does a segment continue what came before it? The one home of the chain rules
 * (man/jmirror.5, the header fields; man/jintegrate.1, the order of segments): lineage,
 * sequence, timeline, first LSN, previous digest, final segment, fork. Pure: no I/O, no
 * state of its own; jintegrate, jcat, jpromote and jstatus all decide through it.
 *
 * What came before is a struct jchain_end: the last segment a reader holds (jcat: the
 * previous file; a mirror: the last segment it applied, maybe in part, from jchain_end_of).
 *
 *   jchain_begins(h, &e)          h starts a lineage: seq 1, first LSN 1, no previous digest
 *   jchain_follows(end, h, &e)    h is the segment right after end
 *   jchain_resumes(end, h, &e)    h is end's own segment again (end not sealed: a live
 *                                 journal, or applied in part), with nothing missing before
 *                                 the records not yet read
 *   jchain_same(a, b)             two headers start the same segment
 *   jchain_next(end, tl, t, &h)   the header of the segment after end, on timeline tl: the
 *                                 one header jchain_follows(end, h) is built to accept
 * For a mirror, from its bookkeeping (apply_state.h):
 *   jchain_due(st)                the sequence it needs next
 *   jchain_place(st, h, &skip, &e)   what to do with the segment whose header is h
 *   jchain_before_fork(st, h, t, &e) a sealed segment of a timeline the mirror left ends
 *                                 where the newer timeline starts
 *
 * The checks return 0, or the rule broken (a JCHAIN_R_* value, > 0) with e filled
 * (EX_DATAERR); jchain_offset(rule) is the offset of the header field the rule reads, for
 * readers that report offsets (jcat). Messages name the earlier side by end->who ("the
 * mirror", "the chain").
 */
#ifndef JM_CHAIN_H
#define JM_CHAIN_H

#include <stdint.h>

#include "apply_state.h"
#include "digest.h"
#include "err.h"
#include "fmt.h"

enum {
	JCHAIN_R_LINEAGE = 1,   /* another lineage: a foreign segment */
	JCHAIN_R_SEQ,           /* not the next sequence */
	JCHAIN_R_TIMELINE,      /* an older timeline, or a fork the chain went past */
	JCHAIN_R_LIVE,          /* follows a live journal */
	JCHAIN_R_FINAL,         /* follows a final segment on the same timeline */
	JCHAIN_R_LSN,           /* its first LSN does not follow the last one */
	JCHAIN_R_DIGEST,        /* its previous digest is not the last segment's digest */
};

struct jchain_end {
	const char *who;                   /* how messages name it: "the mirror", "the chain" */
	uint8_t     lineage[JFMT_LINEAGE_LEN];
	uint32_t    timeline;
	uint64_t    since;                 /* the first sequence on that timeline */
	uint64_t    seq;
	int         known;                 /* its end was read: the fields below are known */
	int         sealed;                /* it ends with a trailer (else live, or in part) */
	int         final;                 /* sealed final (jrotate --final) */
	uint64_t    last_lsn;
	uint8_t     digest[JDIGEST_LEN];   /* sealed: its digest; else its previous digest */
};

int jchain_begins(const struct jfmt_header *h, struct jerr *e);
int jchain_follows(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e);
int jchain_resumes(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e);
int jchain_same(const struct jfmt_header *a, const struct jfmt_header *b);
int jchain_offset(int rule);
void jchain_next(const struct jchain_end *a, uint32_t timeline, uint64_t created,
                 struct jfmt_header *h);

/* The end of the chain a mirror applied (st->present), named "the mirror". */
void     jchain_end_of(const struct japply_state *st, struct jchain_end *a);
uint64_t jchain_due(const struct japply_state *st);

/*
 * What to do with a segment (or live journal) whose header is h, given the mirror's state:
 *   JCHAIN_APPLY   apply its records with LSN > *skip (*skip is st->last_lsn, or 0)
 *   JCHAIN_DONE    already applied: nothing to do (for a sealed segment of seq == st->seq,
 *                  the caller compares its trailer's digest with st->digest)
 *   JCHAIN_LATER   ahead of its turn: hold it until the segments before it are applied
 *   -1             refused: e says why (EX_DATAERR: foreign, out of timeline, not chained;
 *                  EX_UNAVAILABLE: the database is operational)
 */
enum { JCHAIN_APPLY = 1, JCHAIN_DONE = 2, JCHAIN_LATER = 3 };
int jchain_place(const struct japply_state *st, const struct jfmt_header *h, uint64_t *skip,
                 struct jerr *e);
int jchain_before_fork(const struct japply_state *st, const struct jfmt_header *h,
                       const struct jfmt_trailer *t, struct jerr *e);

#endif
