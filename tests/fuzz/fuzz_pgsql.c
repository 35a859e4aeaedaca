/*
 * fuzz_pgsql: libFuzzer target for pgsql.c, the lexer that splits a PostgreSQL sql record
 * into statements. Besides the sanitizers' checks, its promises are asserted: statements come
 * in order, inside the text, never empty, never starting or ending with white space, and the
 * walk ends; kind and schema search read only inside a statement.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgsql.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	size_t off = 0, start, n, prev = 0, rounds = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	while ((n = jpgsql_next(text, size, &off, &start)) > 0) {
		want(start >= prev && start + n <= size && off <= size && off >= start + n);
		want(!isspace((unsigned char)text[start]));
		want(!isspace((unsigned char)text[start + n - 1]));
		int k = jpgsql_kind(text + start, n);
		want(k >= JPGSQL_OTHER && k <= JPGSQL_TXN_ABORT);
		(void)jpgsql_names_schema(text + start, n, "jmirror");
		prev = start + n;
		want(++rounds <= size);
	}
	want(off == size);
	free(text);
	return 0;
}
