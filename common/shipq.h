/*
 * shipq: the send queue of a directory of segments, and what each destination acknowledged.
 *
 * For a journal NAME in DIR and a destination URL (redacted), the state file is
 * DIR/.NAME.journal.ship-HHHHHHHHHHHHHHHH (16 hex digits of the SHA-256 of the URL), a text
 * file replaced atomically (jafile_write):
 *     jship-state 1
 *     url URL
 *     acked TIMELINE SEQ          the newest segment the destination has; 0 0 for none
 * Segments are sent in (timeline, sequence) order and acknowledged only after the destination
 * has the whole file, so "acked" covers every segment up to it: the queue is every sealed
 * segment of NAME after it. A crash between a transfer and the state update makes the next
 * run send that segment again, which the destination accepts as identical.
 *
 *     jshipq_list(dir, &v, &n, e)     sealed segments (plain or compressed) of every journal
 *                                     in dir, sorted by (name, timeline, seq, plain first);
 *                                     free with free(v)
 *     jshipq_states(dir, name, ...)   every destination state of NAME in dir
 * The lock DIR/.NAME.journal.ship-HHHH.lock serialises senders of one destination.
 */
#ifndef JM_SHIPQ_H
#define JM_SHIPQ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "name.h"

struct jshipq_seg {
	struct jname n;
	char         base[JNAME_MAX + 1];
};

struct jshipq_state {
	char     url[4096];
	uint32_t timeline;
	uint64_t seq;
};

int  jshipq_path(char *buf, size_t size, const char *dir, const char *name, const char *url,
                 const char *suffix);
int  jshipq_read(const char *path, struct jshipq_state *s, struct jerr *e);   /* 1, 0 none, -1 */
int  jshipq_write(const char *path, const struct jshipq_state *s, struct jerr *e);
int  jshipq_list(const char *dir, struct jshipq_seg **v, size_t *n, struct jerr *e);
int  jshipq_states(const char *dir, const char *name, struct jshipq_state **v, size_t *n,
                   struct jerr *e);
/* Is segment (tl, seq) covered by state s? */
int  jshipq_acked(const struct jshipq_state *s, uint32_t tl, uint64_t seq);

#endif
