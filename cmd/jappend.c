/*
 * jappend: create a journal, or append records to it from arguments or standard input.
 *
 * Standard input is a live feed: every complete line found by one read(2) is appended as
 * one batch at once, so a record is written as soon as its line is complete, and batches
 * grow only when input comes faster than it can be written. Memory is bounded by one
 * record: the buffer grows only to hold one line of up to JFMT_MAX_PAYLOAD bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "fmt.h"
#include "io.h"
#include "journal.h"

static const char synopsis[] =
    "jappend --create DIR/NAME.journal\n"
    "       jappend [-0] [--sync] [-t TYPE] JOURNAL [PAYLOAD ...]";

#define READ_MIN (256u << 10)

static void
append_or_die(struct jjournal *j, const struct jjournal_payload *r, size_t n, const char *path)
{
	struct jerr e;

	if (n && jjournal_append(j, r, n, NULL, &e) < 0)
		jdiex(e.code, "unable to append to %s: %s", path, e.msg);
}

static void
from_args(struct jjournal *j, const char *path, int type, char **args, int n)
{
	struct jjournal_payload *r = calloc((size_t)n, sizeof *r);

	if (!r)
		jdie(EX_OSERR, "out of memory");
	for (int i = 0; i < n; i++) {
		size_t len = strlen(args[i]);

		if (len > JFMT_MAX_PAYLOAD)
			jdiex(EX_DATAERR, "payload %d: %zu bytes exceed the record limit of %u",
			    i + 1, len, JFMT_MAX_PAYLOAD);
		r[i].type = (uint8_t)type;
		r[i].data = args[i];
		r[i].len = (uint32_t)len;
	}
	append_or_die(j, r, (size_t)n, path);
	free(r);
}

static void
from_stdin(struct jjournal *j, const char *path, int type, int delim)
{
	size_t cap = READ_MIN, have = 0, rcap = 1024, nr;
	size_t maxcap = JFMT_MAX_PAYLOAD + 1;
	char *buf = malloc(cap);
	struct jjournal_payload *r = malloc(rcap * sizeof *r);
	uint64_t line = 0;
	int eof = 0;

	if (!buf || !r)
		jdie(EX_OSERR, "out of memory");
	while (!eof) {
		size_t scanned = 0, start = 0;
		ssize_t n;

		if (have == cap) {
			if (cap >= maxcap)
				jdiex(EX_DATAERR, "line %llu: longer than the record limit of %u "
				    "bytes; lines before it were appended, nothing after it",
				    (unsigned long long)line + 1, JFMT_MAX_PAYLOAD);
			cap = cap * 2 > maxcap ? maxcap : cap * 2;
			if (!(buf = realloc(buf, cap)))
				jdie(EX_OSERR, "out of memory");
		}
		n = read(STDIN_FILENO, buf + have, cap - have);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			jdie(EX_IOERR, "unable to read standard input");
		}
		if (n == 0)
			eof = 1;
		scanned = have;
		have += (size_t)n;
		nr = 0;
		for (;;) {
			char *p = memchr(buf + scanned, delim, have - scanned);
			size_t end;

			if (!p) {
				if (!eof || start == have)
					break;
				end = have;       /* a last line without its delimiter */
			} else {
				end = (size_t)(p - buf);
			}
			line++;
			if (end - start > JFMT_MAX_PAYLOAD)
				jdiex(EX_DATAERR, "line %llu: longer than the record limit of %u "
				    "bytes; lines before it were appended, nothing after it",
				    (unsigned long long)line, JFMT_MAX_PAYLOAD);
			if (nr == rcap) {
				rcap *= 2;
				if (!(r = realloc(r, rcap * sizeof *r)))
					jdie(EX_OSERR, "out of memory");
			}
			r[nr].type = (uint8_t)type;
			r[nr].data = buf + start;
			r[nr].len = (uint32_t)(end - start);
			nr++;
			start = scanned = p ? end + 1 : have;
		}
		append_or_die(j, r, nr, path);
		if (start > 0) {
			memmove(buf, buf + start, have - start);
			have -= start;
		}
		if (have < READ_MIN && cap > READ_MIN && have * 4 < cap) {
			/* A long line went through: give the memory back. */
			char *nb = realloc(buf, READ_MIN);

			if (nb) {
				buf = nb;
				cap = READ_MIN;
			}
		}
	}
	free(r);
	free(buf);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "create", no_argument, NULL, 'c' },
		{ "sync", no_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ "null", no_argument, NULL, '0' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct jjournal *j;
	struct jerr e;
	int c, create = 0, flags = 0, type = JFMT_TYPE_SQL, delim = '\n';
	const char *path;

	jerr_init(argv[0]);
	while ((c = getopt_long(argc, argv, "0st:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': create = 1; break;
		case 's': flags |= JJ_SYNC; break;
		case '0': delim = '\0'; break;
		case 't':
			if ((type = jfmt_type_parse(optarg)) < 0)
				jdiex(EX_USAGE, "unknown record type: %s (sql, raw or 1..127)", optarg);
			if (type > JFMT_TYPE_APPLIER_MAX)
				jdiex(EX_USAGE, "record type %s is reserved for jmirror's own records "
				    "(128..255: row changes come from jcapture); use sql, raw or "
				    "1..127", optarg);
			break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (create && argc != 1))
		jusage(synopsis, EX_USAGE);
	path = argv[0];
	if (create) {
		if (jjournal_create(path, &e) < 0)
			jdiex(e.code, "unable to create %s: %s", path, e.msg);
		return 0;
	}
	if (jjournal_open(path, flags, &j, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (argc > 1)
		from_args(j, path, type, argv + 1, argc - 1);
	else
		from_stdin(j, path, type, delim);
	if (jjournal_close(j, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	return 0;
}
