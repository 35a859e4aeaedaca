/*
 * chain: the chain rules (chain.h), in one place.
 *
 * Invariants:
 * - A segment MUST NOT be taken as following another unless it has the same lineage, the
 *   next sequence, a timeline no older, a first LSN right after the last one, and as its
 *   previous digest the digest of the segment before it; nothing follows a live journal,
 *   and after a final segment only a newer timeline goes on.
 * - A segment MUST NOT be taken as resuming one applied in part unless it is that same
 *   segment: same lineage, sequence, timeline and previous digest, and no record missing
 *   between what was applied and what it holds.
 * - A mirror MUST take a segment of a sequence it applied as done only on the timeline it
 *   followed at that sequence (its timeline rows); any other timeline there is a fork it
 *   went past, or the old primary writing after the fork.
 * - The first rule broken is the one reported, in the order of the list above, so that the
 *   same files always give the same message.
 */
#include <string.h>

#include "chain.h"

static const uint8_t no_digest[JDIGEST_LEN];   /* a lineage's first segment names none */

static int
lineage_err(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e)
{
	char x[JDIGEST_HEX], y[JDIGEST_HEX];

	jdigest_hex(h->lineage, JFMT_LINEAGE_LEN, x);
	jdigest_hex(a->lineage, JFMT_LINEAGE_LEN, y);
	jerr_set(e, EX_DATAERR, "foreign segment: lineage %s, %s follows lineage %s", x, a->who, y);
	return JCHAIN_R_LINEAGE;
}

/* h is on a timeline older than the one the chain follows since a->since. */
static int
old_timeline(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e)
{
	jerr_set(e, EX_DATAERR, "segment %llu is on timeline %lu, %s follows timeline %lu since "
	    "seq %llu: written by the old primary after the fork?", (unsigned long long)h->seq,
	    (unsigned long)h->timeline, a->who, (unsigned long)a->timeline,
	    (unsigned long long)a->since);
	return JCHAIN_R_TIMELINE;
}

/* h is on a newer timeline that forked before seq, where the chain followed timeline tl. */
static int
past_fork(const char *who, const struct jfmt_header *h, uint32_t tl, uint64_t seq,
    struct jerr *e)
{
	jerr_set(e, EX_DATAERR, "segment %llu is on timeline %lu, which forked before it, but %s "
	    "applied timeline %lu up to seq %llu: %s went past the fork; rebuild it from a backup "
	    "of the new primary", (unsigned long long)h->seq, (unsigned long)h->timeline, who,
	    (unsigned long)tl, (unsigned long long)seq, who);
	return JCHAIN_R_TIMELINE;
}

static int
digest_err(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e)
{
	char x[JDIGEST_HEX], y[JDIGEST_HEX];

	jdigest_hex(h->prev_digest, 8, x);
	jdigest_hex(a->digest, 8, y);
	jerr_set(e, EX_DATAERR, "segment %llu does not chain: its previous digest is %s..., %s's "
	    "last segment (seq %llu) has %s...", (unsigned long long)h->seq, x, a->who,
	    (unsigned long long)(a->sealed ? a->seq : a->seq - 1), y);
	return JCHAIN_R_DIGEST;
}

static int
lsn_err(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e)
{
	jerr_set(e, EX_DATAERR, "segment %llu starts at LSN %llu, %s is at LSN %llu: LSNs out of "
	    "sequence", (unsigned long long)h->seq, (unsigned long long)h->first_lsn, a->who,
	    (unsigned long long)a->last_lsn);
	return JCHAIN_R_LSN;
}

int
jchain_begins(const struct jfmt_header *h, struct jerr *e)
{
	int rule = h->seq != 1 ? JCHAIN_R_SEQ : h->first_lsn != 1 ? JCHAIN_R_LSN :
	    memcmp(h->prev_digest, no_digest, JDIGEST_LEN) != 0 ? JCHAIN_R_DIGEST : 0;

	if (rule)
		jerr_set(e, EX_DATAERR, "not the beginning of a lineage (seq %llu, first LSN %llu%s): "
		    "a lineage starts at seq 1, LSN 1, with no previous digest",
		    (unsigned long long)h->seq, (unsigned long long)h->first_lsn,
		    rule == JCHAIN_R_DIGEST ? ", a previous digest" : "");
	return rule;
}

int
jchain_follows(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e)
{
	if (memcmp(h->lineage, a->lineage, JFMT_LINEAGE_LEN) != 0)
		return lineage_err(a, h, e);
	if (h->seq != a->seq + 1) {
		if (h->seq > a->seq + 1)
			jerr_set(e, EX_DATAERR, "segment %llu does not follow seq %llu: missing seq "
			    "%llu", (unsigned long long)h->seq, (unsigned long long)a->seq,
			    (unsigned long long)a->seq + 1);
		else
			jerr_set(e, EX_DATAERR, "segment %llu does not follow seq %llu",
			    (unsigned long long)h->seq, (unsigned long long)a->seq);
		return JCHAIN_R_SEQ;
	}
	if (h->timeline < a->timeline)
		return old_timeline(a, h, e);
	if (!a->known)
		return 0;
	if (!a->sealed) {
		jerr_set(e, EX_DATAERR, "segment %llu follows a live journal of seq %llu: a live "
		    "journal ends its chain", (unsigned long long)h->seq,
		    (unsigned long long)a->seq);
		return JCHAIN_R_LIVE;
	}
	if (a->final && h->timeline == a->timeline) {
		jerr_set(e, EX_DATAERR, "segment %llu follows the final segment (seq %llu) on the "
		    "same timeline %lu: only a new timeline goes on after it",
		    (unsigned long long)h->seq, (unsigned long long)a->seq,
		    (unsigned long)a->timeline);
		return JCHAIN_R_FINAL;
	}
	if (memcmp(h->prev_digest, a->digest, JDIGEST_LEN) != 0)
		return digest_err(a, h, e);
	if (h->first_lsn != a->last_lsn + 1)
		return lsn_err(a, h, e);
	return 0;
}

int
jchain_resumes(const struct jchain_end *a, const struct jfmt_header *h, struct jerr *e)
{
	if (memcmp(h->lineage, a->lineage, JFMT_LINEAGE_LEN) != 0)
		return lineage_err(a, h, e);
	if (h->seq != a->seq) {
		jerr_set(e, EX_DATAERR, "segment %llu is not seq %llu, which %s holds in part",
		    (unsigned long long)h->seq, (unsigned long long)a->seq, a->who);
		return JCHAIN_R_SEQ;
	}
	if (h->timeline < a->timeline)
		return old_timeline(a, h, e);
	if (h->timeline > a->timeline)
		return past_fork(a->who, h, a->timeline, a->seq, e);
	if (memcmp(h->prev_digest, a->digest, JDIGEST_LEN) != 0)
		return digest_err(a, h, e);
	if (h->first_lsn > a->last_lsn + 1)
		return lsn_err(a, h, e);
	return 0;
}

int
jchain_same(const struct jfmt_header *a, const struct jfmt_header *b)
{
	return !memcmp(a->lineage, b->lineage, JFMT_LINEAGE_LEN) && a->timeline == b->timeline &&
	    a->seq == b->seq && a->first_lsn == b->first_lsn &&
	    !memcmp(a->prev_digest, b->prev_digest, JDIGEST_LEN);
}

void
jchain_next(const struct jchain_end *a, uint32_t timeline, uint64_t created,
    struct jfmt_header *h)
{
	memset(h, 0, sizeof *h);
	h->version = JFMT_VERSION;
	memcpy(h->lineage, a->lineage, JFMT_LINEAGE_LEN);
	h->timeline = timeline;
	h->seq = a->seq + 1;
	h->first_lsn = a->last_lsn + 1;
	h->created = created;
	memcpy(h->prev_digest, a->digest, JDIGEST_LEN);
}

int
jchain_offset(int rule)
{
	switch (rule) {
	case JCHAIN_R_LINEAGE:  return 16;
	case JCHAIN_R_TIMELINE: case JCHAIN_R_FINAL: return 32;
	case JCHAIN_R_SEQ:      return 40;
	case JCHAIN_R_LSN:      return 48;
	case JCHAIN_R_DIGEST:   return 64;
	}
	return 0;
}

/* ---- a mirror ---- */

/* The timeline the mirror followed at sequence seq (already applied). */
static uint32_t
tl_at(const struct japply_state *st, uint64_t seq)
{
	uint32_t tl = 0;

	for (int i = 0; i < st->ntl; i++)
		if (st->tl[i].seq <= seq && st->tl[i].timeline > tl)
			tl = st->tl[i].timeline;
	return tl ? tl : st->timeline;
}

static uint64_t
tl_since(const struct japply_state *st)
{
	for (int i = 0; i < st->ntl; i++)
		if (st->tl[i].timeline == st->timeline)
			return st->tl[i].seq;
	return 1;
}

void
jchain_end_of(const struct japply_state *st, struct jchain_end *a)
{
	memset(a, 0, sizeof *a);
	a->who = "the mirror";
	memcpy(a->lineage, st->lineage, JFMT_LINEAGE_LEN);
	a->timeline = st->timeline;
	a->since = tl_since(st);
	a->seq = st->seq;
	a->known = 1;
	a->sealed = st->sealed;
	a->final = st->final;
	a->last_lsn = st->last_lsn;
	memcpy(a->digest, st->digest, JDIGEST_LEN);
}

uint64_t
jchain_due(const struct japply_state *st)
{
	return !st->present ? 1 : st->sealed ? st->seq + 1 : st->seq;
}

int
jchain_place(const struct japply_state *st, const struct jfmt_header *h, uint64_t *skip,
    struct jerr *e)
{
	struct jchain_end a;
	uint32_t ta;

	*skip = 0;
	if (!st->present) {
		if (h->seq > 1)
			return JCHAIN_LATER;
		return jchain_begins(h, e) ? -1 : JCHAIN_APPLY;
	}
	jchain_end_of(st, &a);
	if (memcmp(h->lineage, st->lineage, JFMT_LINEAGE_LEN) != 0) {
		lineage_err(&a, h, e);
		return -1;
	}
	if (st->operational)
		return jerr_set(e, EX_UNAVAILABLE, "the database is operational (promoted): it "
		    "integrates no more segments");
	if (h->seq == st->seq && !st->sealed) {
		if (jchain_resumes(&a, h, e))
			return -1;
	} else if (h->seq <= st->seq) {
		if (h->timeline == (ta = tl_at(st, h->seq)))
			return JCHAIN_DONE;
		if (h->timeline < ta)
			old_timeline(&a, h, e);
		else
			past_fork(a.who, h, ta, st->seq, e);
		return -1;
	} else if (h->seq > jchain_due(st)) {
		if (h->timeline >= st->timeline)
			return JCHAIN_LATER;
		old_timeline(&a, h, e);
		return -1;
	} else if (jchain_follows(&a, h, e))
		return -1;
	*skip = st->last_lsn;
	return JCHAIN_APPLY;
}

int
jchain_before_fork(const struct japply_state *st, const struct jfmt_header *h,
    const struct jfmt_trailer *t, struct jerr *e)
{
	for (int i = 0; i < st->ntl; i++) {
		if (st->tl[i].timeline <= h->timeline || st->tl[i].seq != h->seq + 1 ||
		    t->last_lsn + 1 == st->tl[i].lsn)
			continue;
		jerr_set(e, EX_DATAERR, "segment %llu on timeline %lu ends at LSN %llu, but the "
		    "mirror follows timeline %lu from LSN %llu: written by the old primary after "
		    "the fork?", (unsigned long long)h->seq, (unsigned long)h->timeline,
		    (unsigned long long)t->last_lsn, (unsigned long)st->tl[i].timeline,
		    (unsigned long long)st->tl[i].lsn);
		return JCHAIN_R_TIMELINE;
	}
	return 0;
}
