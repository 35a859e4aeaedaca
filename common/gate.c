/*
 * gate: a held upload. The bytes from hold on MUST NOT be handed to a transport before the
 * verdict said yes; a no MUST abort the upload, so that nothing is published.
 */
#include <stdio.h>

#include "gate.h"

void
jgate_arm(struct jgate *g, uint64_t size)
{
	g->hold = size > JGATE_TAIL ? size - JGATE_TAIL : 0;
	g->passed = 0;
	g->failed = 0;
}

int
jgate_check(struct jgate *g, uint64_t off, size_t *want)
{
	if (!g->fn || g->passed)
		return 0;
	if (off + *want <= g->hold)
		return 0;
	if (off < g->hold) {
		*want = (size_t)(g->hold - off);
		return 0;
	}
	g->err.code = 0;
	g->err.msg[0] = 0;
	if (g->fn(g->arg, &g->err) != 0) {
		g->failed = 1;
		return -1;
	}
	g->passed = 1;
	return 0;
}

int
jgate_error(const struct jgate *g, struct jerr *e)
{
	return jerr_set(e, g->err.code ? g->err.code : EX_DATAERR, "%s", g->err.msg);
}
