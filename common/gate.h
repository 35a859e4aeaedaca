/*
 * gate: hold back the last bytes of an upload until someone says they may go.
 *
 *     struct jgate g = { .fn = verdict, .arg = v };   fn NULL: no gate, everything goes
 *     jgate_arm(&g, size)                 before each upload of size bytes
 *     jgate_check(&g, off, &want)         before sending [off, off + want): 0 go on (want may
 *                                         have been cut to stop short of the held bytes),
 *                                         -1 the verdict was no: abort the upload
 *     jgate_error(&g, e)                  after a -1: the verdict's code (EX_DATAERR if it
 *                                         gave none) and message into e; returns -1
 * The verdict fn(arg, e) runs once per upload, in the uploading thread, when the first held
 * byte is about to go; it may block. JGATE_TAIL bytes are held: a segment's trailer with
 * its digest, so that a file refused by the verdict is never complete anywhere. The same
 * number is what the transports read back from a temporary to check it (its last bytes).
 */
#ifndef JM_GATE_H
#define JM_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define JGATE_TAIL 80

struct jgate {
	int       (*fn)(void *arg, struct jerr *e);
	void       *arg;
	uint64_t    hold;           /* bytes that may go before the verdict */
	int         passed, failed;
	struct jerr err;
};

void jgate_arm(struct jgate *g, uint64_t size);
int  jgate_check(struct jgate *g, uint64_t off, size_t *want);
int  jgate_error(const struct jgate *g, struct jerr *e);

#endif
