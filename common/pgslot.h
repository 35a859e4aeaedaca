/*
 * pgslot: what the replication slot of a captured PostgreSQL primary holds back, for
 * jstatus. The slot (and its publication) is named from the journal's lineage and timeline,
 * the binding jcapture's PostgreSQL capture makes: jmirror_<lineage in hex>_<timeline>.
 *
 *     jpgslot_name(lineage_hex, tl, buf, size)    "jmirror_<lineage>_<tl>" into buf
 *     jpgslot_read(url, slot, &st, &e)        1 with st filled, 0 there is no such slot in
 *                                             that database, -1 with e (apply_pg.c's
 *                                             connection codes; EX_TEMPFAIL for a
 *                                             query the server could not answer)
 *
 * Figures (jstatus(1)): retained, the WAL the server keeps for the slot (current WAL
 * position - restart_lsn, bytes); lag, what the capture has not confirmed (current WAL
 * position - confirmed_flush_lsn, bytes); age, how long the oldest change the slot holds
 * has waited since its commit (0 when none waits), read by peeking at the slot's stream
 * when no capture streams from it; while one does (active), PostgreSQL's own flush_lag of
 * that stream (how long the WAL it last confirmed had waited; 0 when it is caught up).
 * age is -1 when it cannot be read (a slot of another output plugin, or no permission to
 * peek). Reading the age decodes the slot's oldest transaction: for a large one, that
 * takes the time PostgreSQL needs to decode it.
 */
#ifndef JM_PGSLOT_H
#define JM_PGSLOT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct jpgslot_status {
	uint64_t retained, lag;         /* bytes */
	int64_t  age;                   /* ns, -1 unknown */
	int      active;                /* a capture streams from the slot now */
};

void jpgslot_name(const char *lineage_hex, uint32_t timeline, char *buf, size_t size);
int  jpgslot_read(const char *url, const char *slot, struct jpgslot_status *st,
                  struct jerr *e);

#endif
