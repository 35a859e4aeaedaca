/*
 * apply_state: the mirror's bookkeeping as a value: where the mirror is in the chain, how
 * that moves when records are applied, and its text form. Pure: no I/O. The appliers store
 * it (apply.h: in the mirror database, or the exec applier's state file, in the text form
 * below); jstatus, jpromote and jbackup read it; chain.h decides from it what is due.
 *
 * The text form is one "key value" line per column of jmirror_state (apply.h) and one
 * "timeline_row T SEQ LSN" line per row of jmirror_timeline, one "trust PUBKEY" line (the
 * base64 line of a minisign public key) per trusted key, and "verified_lsn N" and
 * "verified_time T" for the row of jmirror_check, "captured 1" for the row of
 * jmirror_captured; unknown keys are ignored (a missing one is
 * 0), a version other than 1 is refused.
 *
 * japply_state_format returns the length written, or -1 when buf is too small;
 * japply_state_parse returns 0, or -1 with e (EX_DATAERR) for a damaged text.
 */
#ifndef JM_APPLY_STATE_H
#define JM_APPLY_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "err.h"
#include "fmt.h"
#include "sig.h"

#define JAPPLY_STATE_VERSION 1
#define JAPPLY_MAX_TL        16          /* timelines remembered in struct japply_state */

struct japply_tl {                       /* a timeline the mirror followed, from where */
	uint32_t timeline;
	uint64_t seq, lsn;                   /* its first sequence applied, and that one's first LSN */
};

struct japply_state {
	int      present;                   /* 0: empty mirror, nothing applied yet */
	int      operational;               /* role: 0 'mirror', 1 'operational' */
	char     name[256];
	uint8_t  lineage[JFMT_LINEAGE_LEN];
	uint32_t timeline;
	uint64_t seq, last_lsn;
	int      sealed, final;
	uint8_t  digest[JDIGEST_LEN];
	uint64_t last_time, applied_at;     /* ns since the epoch */
	char     segment[256];
	uint64_t verified_lsn;              /* the last check record that passed, 0: none */
	uint64_t verified_time;             /* its commit time: when the primary took it, ns */
	int      captured;                  /* row records were applied (jmirror_captured): the
	                                       primary was captured, and so is this database
	                                       once promoted (jpromote) */
	int      ntl;                       /* rows of jmirror_timeline, by timeline */
	struct japply_tl tl[JAPPLY_MAX_TL]; /* (the newest JAPPLY_MAX_TL) */
	struct jsig_trust trust;            /* keys the mirror trusts: once one is, it takes only
	                                       segments signed by one of them (sig.h) */
};

/*
 * The state after applying records of segment h up to LSN last (time: that record's commit
 * time, 0 to keep the old one), wholly (t: its verified trailer, NULL if in part only).
 */
void japply_advance(struct japply_state *st, const struct jfmt_header *h, const char *base,
                    uint64_t last, uint64_t time, const struct jfmt_trailer *t);
/* Remember that the mirror follows timeline tl from sequence seq, LSN lsn (once per
 * timeline; the oldest row goes when JAPPLY_MAX_TL are held). */
void japply_state_add_tl(struct japply_state *st, uint32_t tl, uint64_t seq, uint64_t lsn);

int  japply_state_format(const struct japply_state *st, char *buf, size_t size);
int  japply_state_parse(const char *buf, size_t len, struct japply_state *st, struct jerr *e);

#endif
