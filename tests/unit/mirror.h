/*
 * mirror: headers, trailers and mirror states made up for the chain and applier suites.
 * Every header has lineage 0x11...; a segment seq holds LSN (seq - 1) * 10 + 1 to seq * 10
 * and its digest is 32 bytes of seq.
 */
#ifndef JM_UNIT_MIRROR_H
#define JM_UNIT_MIRROR_H

#include <string.h>

#include "apply_state.h"

static inline struct jfmt_header
hdr(uint32_t tl, uint64_t seq, uint64_t first, uint8_t prev)
{
	struct jfmt_header h = { .version = 1, .timeline = tl, .seq = seq, .first_lsn = first };

	memset(h.lineage, 0x11, sizeof h.lineage);
	memset(h.prev_digest, prev, sizeof h.prev_digest);
	return h;
}

static inline struct jfmt_trailer
trl(uint64_t last, uint8_t digest, int final)
{
	struct jfmt_trailer t = { .last_lsn = last, .flags = final ? JFMT_FINAL : 0 };

	memset(t.digest, digest, sizeof t.digest);
	return t;
}

/* A mirror at seq 3 (LSN 30, digest 3s) on timeline 1. */
static inline struct japply_state
at3(void)
{
	struct japply_state st = { 0 };
	struct jfmt_header h;
	struct jfmt_trailer t;

	for (uint64_t s = 1; s <= 3; s++) {
		h = hdr(1, s, (s - 1) * 10 + 1, s == 1 ? 0 : (uint8_t)(s - 1));
		t = trl(s * 10, (uint8_t)s, 0);
		japply_advance(&st, &h, "db.0001-000000000001.journal", s * 10, 42, &t);
	}
	return st;
}

#endif
