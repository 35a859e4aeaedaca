/*
 * fuzz_row: libFuzzer target for the row record codec (row.c). Each input is read as a row
 * payload. Besides the sanitizers' checks (no byte read outside the input), the codec's
 * promises are asserted: what the reader accepts, the builder writes again byte for byte
 * (the encoding is canonical, and the builder accepts everything the reader does), and both
 * text forms can be made of every accepted change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "row.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sink(void *arg, const char *s, size_t n)
{
	size_t *total = arg;

	want(n == 0 || s != NULL);
	*total += n;
	return 0;
}

static void
copy_cols(struct jrow_builder *b, struct jrow_cols *it)
{
	struct jrow_col c;

	while (jrow_cols_next(it, &c))
		jrow_col(b, c.name, c.nlen, &c.v);
}

static void
copy_change(struct jrow_builder *b, const struct jrow_change *c)
{
	struct jrow_cols it;
	struct jerr e;

	if (c->op == JROW_SQL) {
		jrow_sql(b, c->sql, c->sqllen);
	} else {
		jrow_change(b, c->op, c->schema, c->slen, c->table, c->tlen);
		jrow_key(c, &it);
		copy_cols(b, &it);
		if (c->op != JROW_DELETE) {
			jrow_row(b);
			jrow_cols(c, &it);
			copy_cols(b, &it);
		}
	}
	want(jrow_end(b, &e) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jrow_builder b;
	struct jrow_reader rd;
	struct jrow_change c;
	struct jerr e;
	size_t total = 0;
	int rc;

	if (jrow_open(&rd, data, size, &e) < 0)
		return 0;
	jrow_builder_init(&b, 0);
	want(jrow_start(&b, rd.first, rd.last) == 0);
	while ((rc = jrow_next(&rd, &c, &e)) == 1) {
		want(jrow_text(&c, 0, sink, &total) == 0);
		want(jrow_text(&c, 1, sink, &total) == 0);
		copy_change(&b, &c);
	}
	if (rc == 0)
		want(b.len == size && memcmp(b.buf, data, size) == 0);
	jrow_builder_free(&b);
	return 0;
}
