/*
 * fuzz_state: libFuzzer target for the mirror's bookkeeping in its text form (apply_state.c's
 * japply_state_parse), which the exec applier keeps in a state file. Besides the sanitizers'
 * checks, the promises of apply_state.h are asserted: a refusal is EX_DATAERR with a
 * message; an accepted text formats (japply_state_format) into a text that parses again to
 * the same state, so that a state written and read back is the state that was written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply_state.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[16384], b[16384];
	struct japply_state st, st2;
	struct jerr e;
	int n, m;

	memset(&e, 0, sizeof e);
	if (japply_state_parse((const char *)data, size, &st, &e) < 0) {
		want(e.code == EX_DATAERR && e.msg[0] != '\0');
		return 0;
	}
	n = japply_state_format(&st, a, sizeof a);
	want(n >= 0 && (size_t)n < sizeof a);
	memset(&e, 0, sizeof e);
	want(japply_state_parse(a, (size_t)n, &st2, &e) == 0);
	m = japply_state_format(&st2, b, sizeof b);
	want(m == n && memcmp(a, b, (size_t)n) == 0);
	return 0;
}
