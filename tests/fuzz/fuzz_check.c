/*
 * fuzz_check: libFuzzer target for check records (checkrec.c): jcheck_open on any bytes, and
 * for what it accepts, the iterators and jcheck_verify against a small database. Besides
 * the sanitizers' checks, the promises of checkrec.h are asserted: a refusal is EX_DATAERR
 * with a message; an accepted record's chunks are as many as its tables announce, lie inside
 * the payload, and its verification ends in a pass or a documented code, never beyond the
 * record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "checkrec.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *
db(void)
{
	static sqlite3 *h;

	if (!h) {
		want(sqlite3_open(":memory:", &h) == SQLITE_OK);
		want(sqlite3_exec(h, "CREATE TABLE t(a INTEGER PRIMARY KEY, b);"
		    "CREATE TABLE w(x, y, PRIMARY KEY (y, x)) WITHOUT ROWID;"
		    "INSERT INTO t VALUES(1, 'one'), (2, 2.5), (3, x'00'), (4, NULL);"
		    "INSERT INTO w VALUES(1, 'a'), (2, 'b')", NULL, NULL, NULL) == SQLITE_OK);
	}
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jcheck_reader rd;
	struct jcheck_table t;
	struct jcheck_chunk c;
	struct jerr e;
	uint8_t *copy = malloc(size ? size : 1);   /* exactly size bytes: overreads are caught */

	want(copy != NULL);
	memcpy(copy, data, size);
	memset(&e, 0, sizeof e);
	if (jcheck_open(&rd, copy, size, &e) < 0) {
		want(e.code == EX_DATAERR && e.msg[0] != '\0');
		free(copy);
		return 0;
	}
	while (jcheck_next_table(&rd, &t)) {
		uint32_t n = 0;
		want(t.tlen > 0 && t.nkey > 0 && t.ncol > 0);
		while (jcheck_next_chunk(&rd, &c)) {
			want(c.digest >= copy && c.digest + JDIGEST_LEN <= copy + size);
			n++;
		}
		want(n == t.nchunk);
	}
	memset(&e, 0, sizeof e);
	if (jcheck_verify(db(), copy, size, &e) < 0)
		want((e.code == JCHECK_EMISMATCH || e.code == EX_NOINPUT || e.code == EX_IOERR ||
		    e.code == EX_OSERR) && e.msg[0] != '\0');
	free(copy);
	return 0;
}
