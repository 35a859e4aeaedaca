/*
 * fuzz_shipq: libFuzzer target for the ship state text (shipq.c's jshipq_parse), the file
 * that says exactly which segments a destination has. Besides the sanitizers' checks, the
 * promises of shipq.h are asserted on every state it accepts: a refusal is EX_DATAERR with
 * a message; the ranges are sorted, disjoint and not adjacent; jshipq_has answers yes at
 * both ends of every range and no just outside them; adding a sequence it has changes
 * nothing, and adding one it lacks makes it had without losing any other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shipq.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
before(const struct jshipq_range *a, const struct jshipq_range *b)
{
	/* a ends, and a gap of at least one sequence follows, before b starts */
	return a->timeline < b->timeline || (a->timeline == b->timeline && a->last < b->first &&
	    b->first - a->last >= 2);
}

static void
ranges_hold(const struct jshipq_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct jshipq_range *r = &s->r[i];
		want(r->first <= r->last);
		want(jshipq_has(s, r->timeline, r->first));
		want(jshipq_has(s, r->timeline, r->last));
		if (r->first > 0)
			want(!jshipq_has(s, r->timeline, r->first - 1));
		if (r->last < UINT64_MAX)
			want(!jshipq_has(s, r->timeline, r->last + 1));
		if (i > 0)
			want(before(&s->r[i - 1], r));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct jshipq_state s;
	struct jerr e;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&e, 0, sizeof e);
	if (jshipq_parse(text, &s, &e) < 0) {
		want(e.code == EX_DATAERR && e.msg[0] != '\0');
		free(text);
		return 0;
	}
	ranges_hold(&s);
	if (s.n > 0) {
		/* a sequence it has, then the one after the first range (which it lacks) */
		struct jshipq_range r0 = s.r[0];
		size_t n = s.n;
		want(jshipq_add(&s, r0.timeline, r0.first) == 0 && s.n == n);
		if (r0.last < UINT64_MAX) {
			want(jshipq_add(&s, r0.timeline, r0.last + 1) == 0);
			want(jshipq_has(&s, r0.timeline, r0.last + 1));
			want(jshipq_has(&s, r0.timeline, r0.first));
			ranges_hold(&s);
		}
	}
	jshipq_free(&s);
	free(text);
	return 0;
}
