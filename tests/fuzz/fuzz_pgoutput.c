/*
 * fuzz_pgoutput: libFuzzer target for pgoutput.c, the decoder of the logical replication
 * stream. Besides the sanitizers' checks, its promises are asserted: a message it accepts
 * can be walked to the end (columns and tuples) without a failure, every datum lies inside
 * the message, and every 't' datum converts or is refused for any type, never read beyond.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgoutput.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t types[] = {
	JPGO_BOOL, JPGO_BYTEA, JPGO_INT8, JPGO_INT2, JPGO_INT4, JPGO_FLOAT4, JPGO_FLOAT8,
	JPGO_DATE, JPGO_TIMESTAMP, JPGO_TIMESTAMPTZ, JPGO_NUMERIC, 25
};

static void
walk(struct jpgo_tuple t, const uint8_t *buf, size_t size)
{
	struct jpgo_datum d;
	struct jrow_value v;
	int rc, n = 0;

	while ((rc = jpgo_datum_next(&t, &d)) == 1) {
		want(d.kind == 'n' || d.kind == 'u' || d.kind == 't');
		want(d.p >= buf && d.p + d.len <= buf + size);
		if (d.kind == 't')
			(void)jpgo_value(types[n++ % (sizeof types / sizeof *types)], d.p, d.len, &v);
	}
	want(rc == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);
	struct jpgo_msg m;
	struct jpgo_col c;
	struct jerr e;
	int rc;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (jpgo_parse(buf, size, &m, &e) == 0) {
		while ((rc = jpgo_col_next(&m.cols, &c)) == 1)
			want(c.name >= (const char *)buf && c.name < (const char *)buf + size);
		want(rc == 0);
		walk(m.oldt, buf, size);
		walk(m.newt, buf, size);
		for (uint32_t i = 0; i < m.nrel; i++)
			(void)jpgo_truncated(&m, i);
	} else {
		want(e.code == EX_DATAERR);
	}
	free(buf);
	return 0;
}
