/*
 * jmrow: append row records (jmirror(5), type 128) to a live journal from a simple text
 * form on standard input, for tests of what jcapture will write.
 *
 *   jmrow [--sync] JOURNAL < script
 *
 * One command a line (blank lines and lines starting with # are ignored):
 *   insert [SCHEMA.]TABLE KEY... -> COL...   a change into the record being built
 *   update [SCHEMA.]TABLE KEY... -> COL...
 *   delete [SCHEMA.]TABLE KEY...
 *   sql STATEMENT...                         the rest of the line, as a statement change
 *   positions FIRST LAST                     the record's source positions (default 0 0)
 *   commit                                   append the record built so far (alone, or
 *                                            as the next record of an open group)
 *   group / end                              the records committed in between are one group
 *   bulk TABLE FROM N SIZE                   N inserts (id FROM.., v a SIZE-byte blob),
 *                                            committed as records of at most 16 MiB, as one
 *                                            group (what a 100 MB transaction becomes)
 *   raw HEX                                  append a row record of exactly these bytes
 *                                            (damaged payloads, for the readers' tests)
 *   signal FILE / wait FILE                  create FILE / wait until FILE exists: tests
 *                                            use them to act while a group is open
 *   fsync                                    make what is in the journal file durable now
 *                                            (a group's first records, for power cuts)
 * A column is NAME=VALUE, VALUE one of: i:INTEGER r:REAL (strtod: inf, nan, -0.0, 0x1p-3)
 * t:TEXT x:HEX (blob) n:NUMERIC ts:TIMESTAMP b:0|1 null unchanged, where TEXT, NUMERIC and
 * TIMESTAMP take %XX for any byte (%20 a space). Prints the LSN of each record appended
 * alone or inside a group, and "group FIRST" when a group ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "journal.h"
#include "report.h"
#include "row.h"

static struct jjournal *j;
static struct jrow_builder b;
static int in_group, pending;          /* a committed record waits for the group's next */
static uint8_t *held;                  /* that record's payload */
static size_t held_len;
static unsigned long lineno;
static const char *path;

static void
put(int last)
{
	struct jjournal_payload p = { JFMT_TYPE_ROW, held, (uint32_t)held_len };
	uint64_t lsn;
	struct jerr e;
	int rc;

	if (!in_group)
		rc = jjournal_append(j, &p, 1, &lsn, &e);
	else if (!last)
		rc = jjournal_group_add(j, &p, 1, &lsn, &e);
	else
		rc = jjournal_group_end(j, &p, 1, &lsn, &e);
	if (rc < 0)
		jdiex(e.code, "line %lu: %s", lineno, e.msg);
	printf(in_group && last ? "group %llu\n" : "%llu\n", (unsigned long long)lsn);
	pending = 0;
}

/* The record built so far goes out (in a group, once the next one shows it is not the last). */
static void
commit(void)
{
	if (pending)
		put(0);
	free(held);
	if (!(held = malloc(b.len)))
		jdie(EX_OSERR, "out of memory");
	memcpy(held, b.buf, b.len);
	held_len = b.len;
	pending = 1;
	if (!in_group)
		put(1);
	jrow_start(&b, 0, 0);
}

/* %XX decoding in place; returns the length. */
static size_t
unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (*p == '%' && p[1] && p[2]) {
			char hx[3] = { p[1], p[2], 0 };
			*o++ = (char)strtol(hx, NULL, 16);
			p += 2;
		} else
			*o++ = *p;
	}
	return (size_t)(o - s);
}

static size_t
unhex(char *s)
{
	size_t n = strlen(s) / 2;

	for (size_t i = 0; i < n; i++) {
		char hx[3] = { s[2 * i], s[2 * i + 1], 0 };
		s[i] = (char)strtol(hx, NULL, 16);
	}
	return n;
}

static void
column(char *tok)
{
	char *eq = strchr(tok, '='), *v;
	struct jrow_value val = { 0 };

	if (!eq)
		jdiex(EX_USAGE, "line %lu: %s: not NAME=VALUE", lineno, tok);
	*eq = 0;
	v = eq + 1;
	if (!strcmp(v, "null"))
		val.tag = JROW_NULL;
	else if (!strcmp(v, "unchanged"))
		val.tag = JROW_UNCHANGED;
	else if (!strncmp(v, "i:", 2))
		val.tag = JROW_INTEGER, val.i = strtoll(v + 2, NULL, 10);
	else if (!strncmp(v, "r:", 2))
		val.tag = JROW_REAL, val.r = strtod(v + 2, NULL);
	else if (!strncmp(v, "b:", 2))
		val.tag = JROW_BOOLEAN, val.i = atoi(v + 2);
	else if (!strncmp(v, "x:", 2))
		val.tag = JROW_BLOB, val.p = (uint8_t *)v + 2, val.len = (uint32_t)unhex(v + 2);
	else if (!strncmp(v, "t:", 2))
		val.tag = JROW_TEXT, val.p = (uint8_t *)v + 2, val.len = (uint32_t)unescape(v + 2);
	else if (!strncmp(v, "n:", 2))
		val.tag = JROW_NUMERIC, val.p = (uint8_t *)v + 2, val.len = (uint32_t)unescape(v + 2);
	else if (!strncmp(v, "ts:", 3))
		val.tag = JROW_TIMESTAMP, val.p = (uint8_t *)v + 3, val.len = (uint32_t)unescape(v + 3);
	else
		jdiex(EX_USAGE, "line %lu: %s: bad value", lineno, v);
	jrow_col(&b, tok, strlen(tok), &val);
}

static void
change(int op, char *rest)
{
	char *save = NULL, *tab = strtok_r(rest, " ", &save), *dot, *tok;
	struct jerr e;

	if (!tab)
		jdiex(EX_USAGE, "line %lu: no table", lineno);
	dot = strchr(tab, '.');
	if (dot)
		jrow_change(&b, (uint8_t)op, tab, (size_t)(dot - tab), dot + 1, strlen(dot + 1));
	else
		jrow_change(&b, (uint8_t)op, "", 0, tab, strlen(tab));
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (!strcmp(tok, "->"))
			jrow_row(&b);
		else
			column(tok);
	}
	if (jrow_end(&b, &e) != 0)
		jdiex(EX_DATAERR, "line %lu: %s", lineno, e.msg);
}

/* N inserts of a SIZE-byte blob as one group of records as full as the format allows. */
static void
bulk(char *rest)
{
	char tab[256];
	unsigned long long from, n, size;
	struct jrow_value id = { .tag = JROW_INTEGER }, v = { .tag = JROW_BLOB };
	struct jerr e;
	uint8_t *blob;
	int rc;

	if (sscanf(rest, "%255s %llu %llu %llu", tab, &from, &n, &size) != 4)
		jdiex(EX_USAGE, "line %lu: bulk TABLE FROM N SIZE", lineno);
	if (!(blob = malloc(size ? size : 1)))
		jdie(EX_OSERR, "out of memory");
	if (!in_group && jjournal_group_begin(j, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	in_group++;
	for (unsigned long long i = 0; i < n; i++) {
		memset(blob, (int)('a' + i % 26), size);
		id.i = (int64_t)(from + i);
		v.p = blob;
		v.len = (uint32_t)size;
		do {
			jrow_change(&b, JROW_INSERT, "", 0, tab, strlen(tab));
			jrow_col(&b, "id", 2, &id);
			jrow_row(&b);
			jrow_col(&b, "id", 2, &id);
			jrow_col(&b, "v", 1, &v);
			if ((rc = jrow_end(&b, &e)) < 0)
				jdiex(EX_DATAERR, "line %lu: %s", lineno, e.msg);
			if (rc == 1)
				commit();
		} while (rc == 1);
	}
	commit();
	if (in_group == 1)
		put(1);
	in_group--;
	free(blob);
}

static void
wait_file(const char *f)
{
	struct timespec ts = { 0, 5000000 };

	while (access(f, F_OK) < 0)
		nanosleep(&ts, NULL);
}

static void
command(char *line)
{
	char *rest = strchr(line, ' ');
	struct jerr e;
	FILE *f;

	if (rest)
		*rest++ = 0;
	else
		rest = line + strlen(line);
	if (!strcmp(line, "insert") || !strcmp(line, "update") || !strcmp(line, "delete"))
		change(jrow_op_parse(line), rest);
	else if (!strcmp(line, "sql")) {
		jrow_sql(&b, rest, strlen(rest));
		if (jrow_end(&b, &e) != 0)
			jdiex(EX_DATAERR, "line %lu: %s", lineno, e.msg);
	} else if (!strcmp(line, "positions")) {
		unsigned long long f1 = 0, l1 = 0;
		sscanf(rest, "%llu %llu", &f1, &l1);
		jrow_position(&b, f1, l1);
	} else if (!strcmp(line, "commit"))
		commit();
	else if (!strcmp(line, "group")) {
		if (jjournal_group_begin(j, &e) < 0)
			jdiex(e.code, "%s", e.msg);
		in_group = 1;
	} else if (!strcmp(line, "end")) {
		if (!pending)
			jdiex(EX_USAGE, "line %lu: a group ends with a committed record", lineno);
		put(1);
		in_group = 0;
	} else if (!strcmp(line, "bulk")) {
		bulk(rest);
	} else if (!strcmp(line, "raw")) {
		struct jjournal_payload p = { JFMT_TYPE_ROW, rest, (uint32_t)unhex(rest) };
		uint64_t lsn;
		if (jjournal_append(j, &p, 1, &lsn, &e) < 0)
			jdiex(e.code, "%s", e.msg);
		printf("%llu\n", (unsigned long long)lsn);
	} else if (!strcmp(line, "signal")) {
		fflush(stdout);
		if (!(f = fopen(rest, "w")) || fclose(f) != 0)
			jdie(EX_CANTCREAT, "%s", rest);
	} else if (!strcmp(line, "wait")) {
		wait_file(rest);
	} else if (!strcmp(line, "fsync")) {
		int fd = open(path, O_RDONLY);
		if (fd < 0 || fsync(fd) < 0)
			jdie(EX_IOERR, "unable to sync %s", path);
		close(fd);
	}
	else
		jdiex(EX_USAGE, "line %lu: unknown command %s", lineno, line);
}

int
main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	struct jerr e;
	int sync = argc > 1 && !strcmp(argv[1], "--sync");

	jerr_init(argv[0]);
	if (argc != 2 + sync)
		jusage("jmrow [--sync] JOURNAL < script", EX_USAGE);
	path = argv[1 + sync];
	if (jjournal_open(path, sync ? JJ_SYNC : 0, &j, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	jrow_builder_init(&b, 0);
	jrow_start(&b, 0, 0);
	while ((len = getline(&line, &cap, stdin)) > 0) {
		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (len == 0 || line[0] == '#')
			continue;
		command(line);
	}
	if (in_group)
		jdiex(EX_USAGE, "the input ends inside a group");
	if (jjournal_close(j, &e) < 0 || fflush(stdout) != 0)
		jdiex(EX_IOERR, "%s", e.msg);
	free(line);
	free(held);
	jrow_builder_free(&b);
	return 0;
}
