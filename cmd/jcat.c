/*
 * jcat: show and verify journal segments and live journals.
 *
 *   jcat [--json] [-q] FILE...            show each file: header, records, trailer
 *   jcat --verify [--json] [-q] [--trust PUBKEY]... FILE...
 *                                         check every checksum (and, with --trust, every
 *                                         signature: sig.h), then the chain across FILEs
 *   jcat --export-signature [--trust PUBKEY]... SEGMENT...
 *                                         write SEGMENT.statement and its .minisig, for
 *                                         minisign -V
 *
 * A FILE of "-" is standard input, read as an uncompressed sealed segment.
 *
 * Every file is read with the streaming reader (seg.h), so memory is bounded by one record
 * and every byte shown has been checked. Problems are reported one per line on stderr as
 * "jcat: FILE: offset N: what"; the exit status is the most serious one seen (EX_OSERR,
 * EX_IOERR, EX_NOINPUT, then EX_DATAERR).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "checkrec.h"
#include "digest.h"
#include "report.h"
#include "fmt.h"
#include "io.h"
#include "name.h"
#include "row.h"
#include "seg.h"
#include "sig.h"
#include "text.h"

#define SYNOPSIS "jcat [--verify] [--json] [-q] [--trust PUBKEY]... FILE...\n" \
                 "       jcat --export-signature [--trust PUBKEY]... SEGMENT..."

struct config {
	int json, quiet;
	struct jsig_trust trust;
};

static struct config cfg;
static int status;
static unsigned long nproblems;

/* One file as read: what the chain check needs, not its records. */
struct ent {
	const char         *path;
	int                 argi;
	int                 have_header;   /* header decoded */
	int                 whole;         /* read to the end without error */
	int                 live;          /* no trailer */
	int                 dup;           /* same segment as an earlier entry: skip in the chain */
	int                 is_signed;     /* a signature block follows the trailer */
	uint8_t             signer[JFMT_KEYID_LEN];
	struct jfmt_header  h;
	struct jfmt_trailer t;
	uint64_t            records, last_lsn, torn;
};

static void
note(int code)
{
	static const int rank[] = { [EX_DATAERR] = 1, [EX_NOINPUT] = 2, [EX_IOERR] = 3 };
	int r = code >= 0 && code <= EX_IOERR ? rank[code] : 0;
	int cur = status >= 0 && status <= EX_IOERR ? rank[status] : 4;

	if (r == 0)
		r = 4;          /* EX_OSERR and the like: rarer, and more telling */
	if (status == 0 || r > cur)
		status = code;
}

/* Text: printable ASCII and well-formed printable UTF-8 as is; \\ \n \t \r; other bytes \xHH. */
static void
put_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		size_t u;

		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else if (c >= 0x80 && (u = jtext_utf8_len(p + i, n - i)) > 0 &&
		    !(u == 2 && c == 0xc2 && p[i + 1] < 0xa0)) {   /* C1 controls stay escaped */
			fwrite(p + i, 1, u, stdout);
			i += u - 1;
		} else
			printf("\\x%02x", c);
	}
}

static int
valid_utf8(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t u;
		if (p[i] < 0x80)
			continue;
		if ((u = jtext_utf8_len(p + i, n - i)) == 0)
			return 0;
		i += u - 1;
	}
	return 1;
}

static void
put_base64(const uint8_t *p, size_t n)
{
	static const char b[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	putchar('"');
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		putchar(b[v >> 18 & 63]);
		putchar(b[v >> 12 & 63]);
		putchar(i + 1 < n ? b[v >> 6 & 63] : '=');
		putchar(i + 2 < n ? b[v & 63] : '=');
	}
	putchar('"');
}

static const char *
iso(uint64_t ns, char *buf, size_t size)
{
	if (!jtext_time(ns, 6, buf, size))
		snprintf(buf, size, "@%llu", (unsigned long long)ns);
	return buf;
}

static const char *
type_name(uint8_t type, char *buf, size_t size)
{
	const char *s = jfmt_type_name(type);

	if (s)
		return s;
	snprintf(buf, size, "%u", type);
	return buf;
}

static void
show_header(const char *path, const struct jfmt_header *h)
{
	char lin[JFMT_LINEAGE_LEN * 2 + 1], prev[JDIGEST_HEX], t[64];

	jdigest_hex(h->lineage, JFMT_LINEAGE_LEN, lin);
	jdigest_hex(h->prev_digest, JDIGEST_LEN, prev);
	iso(h->created, t, sizeof t);
	if (cfg.json) {
		fputs("{\"kind\":\"header\",\"file\":", stdout);
		jput_json(path, strlen(path));
		printf(",\"lineage\":\"%s\",\"timeline\":%u,\"seq\":%llu,\"first_lsn\":%llu,"
		    "\"created\":\"%s\",\"created_ns\":%llu,\"prev_digest\":\"%s\"}\n",
		    lin, h->timeline, (unsigned long long)h->seq,
		    (unsigned long long)h->first_lsn, t, (unsigned long long)h->created, prev);
		return;
	}
	fputs("# ", stdout);
	put_text((const uint8_t *)path, strlen(path));
	printf(": lineage %s, timeline %u, seq %llu, first LSN %llu, created %s, prev %s\n",
	    lin, h->timeline, (unsigned long long)h->seq, (unsigned long long)h->first_lsn, t,
	    prev);
}

static void problem(const char *path, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
put_out(void *arg, const char *s, size_t n)
{
	(void)arg;
	return fwrite(s, 1, n, stdout) == n ? 0 : -1;
}

/*
 * A row record (jmirror(5)): its positions, then one change per line, or in JSON a list of
 * change objects; as far as it decodes, and a payload that does not decode is a problem of
 * the file (an applier would refuse it). With show 0, only checked.
 */
static void
row_changes(const char *path, const struct jseg_rec *r, int show)
{
	struct jrow_reader rd;
	struct jrow_change c;
	struct jerr e;
	int rc, n = 0, opened;

	if ((opened = (rc = jrow_open(&rd, r->data, r->len, &e)) == 0)) {
		if (show && cfg.json)
			printf("\"first\":%llu,\"last\":%llu,\"changes\":[",
			    (unsigned long long)rd.first, (unsigned long long)rd.last);
		else if (show)
			printf(" positions %llu-%llu%s\n", (unsigned long long)rd.first,
			    (unsigned long long)rd.last, r->flags ? " (group continues)" : "");
		while ((rc = jrow_next(&rd, &c, &e)) == 1 && show) {
			fputs(cfg.json ? (n++ ? "," : "") : "  ", stdout);
			jrow_text(&c, cfg.json, put_out, NULL);
			if (!cfg.json)
				putchar('\n');
		}
	} else if (show && !cfg.json) {
		putchar('\n');
	}
	if (show && cfg.json)
		fputs(!opened ? "\"damaged\":true" : rc == 0 ? "]" : "],\"damaged\":true", stdout);
	if (rc < 0)
		problem(path, EX_DATAERR, "LSN %llu: %s", (unsigned long long)r->lsn, e.msg);
}

/* Names encoded as a check record holds them (len:u16, bytes): "a, b", or JSON strings. */
static void
check_names(const uint8_t *p, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		uint16_t len = jfmt_get16(p);
		fputs(i ? cfg.json ? "," : ", " : "", stdout);
		if (cfg.json)
			jput_json((const char *)p + 2, len);
		else
			put_text(p + 2, len);
		p += 2 + len;
	}
}

/*
 * A check record (jmirror(5)): one line per table (its key, chunks and rows), or in JSON a
 * list of table objects; a payload that does not decode is a problem of the file. With
 * show 0, only checked.
 */
static void
check_tables(const char *path, const struct jseg_rec *r, int show)
{
	struct jcheck_reader rd;
	struct jcheck_table t;
	struct jcheck_chunk c;
	struct jerr e;
	int n = 0;

	if (jcheck_open(&rd, r->data, r->len, &e) < 0) {
		if (show)
			fputs(cfg.json ? "\"damaged\":true" : "\n", stdout);
		problem(path, EX_DATAERR, "LSN %llu: %s", (unsigned long long)r->lsn, e.msg);
		return;
	}
	if (show && cfg.json)
		fputs("\"tables\":[", stdout);
	else if (show)
		putchar('\n');
	while (show && jcheck_next_table(&rd, &t)) {
		uint64_t rows = 0;
		while (jcheck_next_chunk(&rd, &c))
			rows += c.rows;
		if (cfg.json) {
			printf("%s{\"table\":", n++ ? "," : "");
			jput_json(t.table, t.tlen);
			fputs(",\"key\":[", stdout);
			check_names(t.keys, t.nkey);
			printf("],\"chunks\":%lu,\"rows\":%llu}", (unsigned long)t.nchunk,
			    (unsigned long long)rows);
		} else {
			fputs("  ", stdout);
			put_text((const uint8_t *)t.table, t.tlen);
			fputs(" key (", stdout);
			check_names(t.keys, t.nkey);
			printf("): %lu chunks, %llu rows\n", (unsigned long)t.nchunk,
			    (unsigned long long)rows);
		}
	}
	if (show && cfg.json)
		putchar(']');
}

static void
show_record(const char *path, const struct jseg_rec *r)
{
	char t[64], tb[8];
	const char *ty = type_name(r->type, tb, sizeof tb);

	iso(r->time, t, sizeof t);
	if (cfg.json) {
		printf("{\"kind\":\"record\",\"lsn\":%llu,\"time\":\"%s\",\"time_ns\":%llu,"
		    "\"type\":\"%s\",\"offset\":%llu,\"len\":%u,%s",
		    (unsigned long long)r->lsn, t, (unsigned long long)r->time, ty,
		    (unsigned long long)r->off, r->len, r->flags ? "\"continues\":true," : "");
		if (r->type == JFMT_TYPE_ROW) {
			row_changes(path, r, 1);
		} else if (r->type == JFMT_TYPE_CHECK) {
			check_tables(path, r, 1);
		} else if (valid_utf8(r->data, r->len)) {
			fputs("\"payload\":", stdout);
			jput_json((const char *)r->data, r->len);
		} else {
			fputs("\"payload_base64\":", stdout);
			put_base64(r->data, r->len);
		}
		fputs("}\n", stdout);
		return;
	}
	printf("%llu %s %s", (unsigned long long)r->lsn, t, ty);
	if (r->type == JFMT_TYPE_ROW) {
		row_changes(path, r, 1);
		return;
	}
	if (r->type == JFMT_TYPE_CHECK) {
		check_tables(path, r, 1);
		return;
	}
	putchar(' ');
	put_text(r->data, r->len);
	putchar('\n');
}

/* Who signed a signed segment: in JSON a "signed_by" member, in text words after a comma. */
static void
show_signer(const struct ent *en, int verified)
{
	char id[JSIG_KEYID_HEX];

	if (!en->is_signed)
		return;
	jsig_keyid_hex(en->signer, id);
	if (cfg.json)
		printf(",\"signed_by\":\"%s\"", id);
	else if (!verified)
		printf(", signed by key %s", id);
	else if (cfg.trust.n)
		printf(", signed by trusted key %s", id);
	else
		printf(", signed by key %s (not checked: no --trust)", id);
}

static void
show_end(const char *path, const struct ent *en)
{
	char dg[JDIGEST_HEX], t[64];

	if (en->live) {
		if (cfg.json) {
			fputs("{\"kind\":\"live\",\"file\":", stdout);
			jput_json(path, strlen(path));
			printf(",\"records\":%llu,\"last_lsn\":%llu,\"torn_bytes\":%llu}\n",
			    (unsigned long long)en->records, (unsigned long long)en->last_lsn,
			    (unsigned long long)en->torn);
		} else if (en->torn)
			printf("# live: %llu records, last LSN %llu, torn tail of %llu bytes ignored\n",
			    (unsigned long long)en->records, (unsigned long long)en->last_lsn,
			    (unsigned long long)en->torn);
		else
			printf("# live: %llu records, last LSN %llu\n",
			    (unsigned long long)en->records, (unsigned long long)en->last_lsn);
		return;
	}
	jdigest_hex(en->t.digest, JDIGEST_LEN, dg);
	iso(en->t.sealed, t, sizeof t);
	if (cfg.json) {
		fputs("{\"kind\":\"trailer\",\"file\":", stdout);
		jput_json(path, strlen(path));
		printf(",\"records\":%llu,\"last_lsn\":%llu,\"sealed\":\"%s\",\"sealed_ns\":%llu,"
		    "\"final\":%s,\"size\":%llu,\"digest\":\"%s\"",
		    (unsigned long long)en->t.records, (unsigned long long)en->t.last_lsn, t,
		    (unsigned long long)en->t.sealed, en->t.flags & JFMT_FINAL ? "true" : "false",
		    (unsigned long long)en->t.size, dg);
		show_signer(en, 0);
		fputs("}\n", stdout);
		return;
	}
	printf("# sealed: %llu records, last LSN %llu, sealed %s, final %s, digest %s",
	    (unsigned long long)en->t.records, (unsigned long long)en->t.last_lsn, t,
	    en->t.flags & JFMT_FINAL ? "yes" : "no", dg);
	show_signer(en, 0);
	putchar('\n');
}

static void
problem(const char *path, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
problem(const char *path, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	jwarnx("%s: %s", path, msg);
	note(code);
	nproblems++;
}

/* Read one file through, showing it unless verifying; fills en. */
static void
read_file(struct ent *en, int show)
{
	struct jseg *s;
	struct jerr e;
	struct jseg_rec r;
	int rc;

	if (strcmp(en->path, "-") == 0 ? jseg_open_fd(0, "-", JSEG_SEALED, &s, &e) < 0 :
	    jseg_open(en->path, JSEG_AUTO, &s, &e) < 0) {
		problem(en->path, e.code, "%s", e.msg);
		return;
	}
	en->have_header = 1;
	en->h = *jseg_header(s);
	if (show && !cfg.quiet)
		show_header(en->path, &en->h);
	while ((rc = jseg_next(s, &r, &e)) == 1)
		if (show && !cfg.quiet)
			show_record(en->path, &r);
		else if (r.type == JFMT_TYPE_ROW)
			row_changes(en->path, &r, 0);
		else if (r.type == JFMT_TYPE_CHECK)
			check_tables(en->path, &r, 0);
	en->records = jseg_records(s);
	en->last_lsn = jseg_last_lsn(s);
	if (rc == 0)
		rc = jsig_check_reader(s, &cfg.trust, &e);
	if (rc < 0) {
		problem(en->path, e.code, "%s", e.msg);
		jseg_close(s);
		return;
	}
	en->whole = 1;
	en->torn = jseg_torn(s);
	if (jseg_trailer(s))
		en->t = *jseg_trailer(s);
	else
		en->live = 1;
	if (jseg_sig(s)) {
		en->is_signed = 1;
		memcpy(en->signer, jseg_sig(s)->keyid, JFMT_KEYID_LEN);
	}
	if (show && !cfg.quiet)
		show_end(en->path, en);
	jseg_close(s);
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->have_header != y->have_header)
		return x->have_header ? 1 : -1;
	if (x->have_header) {
		if (x->h.seq != y->h.seq)
			return x->h.seq < y->h.seq ? -1 : 1;
		if (x->h.timeline != y->h.timeline)
			return x->h.timeline < y->h.timeline ? -1 : 1;
		if (x->live != y->live)
			return x->live - y->live;
	}
	return x->argi - y->argi;
}

static int
same_header(const struct ent *a, const struct ent *b)
{
	return jchain_same(&a->h, &b->h) && a->h.created == b->h.created;
}

/* A file's name, when it is a segment name, must agree with its header. */
static void
check_name(const struct ent *en)
{
	struct jname n;
	struct jerr e;

	if (jname_parse(jio_basename(en->path), &n) == JNAME_SEGMENT &&
	    jname_check(&n, en->h.timeline, en->h.seq, &e) < 0)
		problem(en->path, e.code, "offset %d: %s", n.timeline != en->h.timeline ? 32 : 40,
		    e.msg);
}

static void
show_verified(const struct ent *en)
{
	if (cfg.quiet || !en->whole)
		return;
	if (cfg.json) {
		fputs("{\"kind\":\"verified\",\"file\":", stdout);
		jput_json(en->path, strlen(en->path));
		printf(",\"timeline\":%u,\"seq\":%llu,\"records\":%llu,\"first_lsn\":%llu,"
		    "\"last_lsn\":%llu,\"state\":\"%s\",\"final\":%s", en->h.timeline,
		    (unsigned long long)en->h.seq, (unsigned long long)en->records,
		    (unsigned long long)en->h.first_lsn, (unsigned long long)en->last_lsn,
		    en->live ? "live" : "sealed",
		    !en->live && en->t.flags & JFMT_FINAL ? "true" : "false");
		show_signer(en, 1);
		fputs("}\n", stdout);
		return;
	}
	put_text((const uint8_t *)en->path, strlen(en->path));
	printf(": ok, %s, timeline %u, seq %llu, ", en->live ? "live" : "sealed", en->h.timeline,
	    (unsigned long long)en->h.seq);
	if (en->records)
		printf("LSN %llu-%llu", (unsigned long long)en->h.first_lsn,
		    (unsigned long long)en->last_lsn);
	else
		printf("no records");
	if (!en->live && en->t.flags & JFMT_FINAL)
		printf(", final");
	if (en->live && en->torn)
		printf(", torn tail of %llu bytes ignored", (unsigned long long)en->torn);
	show_signer(en, 1);
	putchar('\n');
}

static void
show_switch(uint32_t from, uint32_t to, uint64_t seq, uint64_t lsn)
{
	if (cfg.quiet)
		return;
	if (cfg.json)
		printf("{\"kind\":\"timeline\",\"from\":%u,\"to\":%u,\"seq\":%llu,\"lsn\":%llu}\n",
		    from, to, (unsigned long long)seq, (unsigned long long)lsn);
	else
		printf("timeline %u -> %u at seq %llu (LSN %llu)\n", from, to,
		    (unsigned long long)seq, (unsigned long long)lsn);
}

/* Within one sequence number: identical copies, an earlier live state, or a conflict. */
static void
check_group(struct ent *v, size_t a, size_t b)
{
	size_t top = a;

	for (size_t i = a; i < b; i++)
		if (v[i].h.timeline > v[top].h.timeline ||
		    (v[i].h.timeline == v[top].h.timeline && !v[i].live && v[top].live))
			top = i;
	for (size_t i = a; i < b; i++) {
		struct ent *x = &v[i], *k = &v[top];
		if (i == top)
			continue;
		x->dup = 1;
		if (x->h.timeline < k->h.timeline)
			problem(x->path, EX_DATAERR, "offset 32: timeline %u at seq %llu is superseded "
			    "by timeline %u (%s): out of timeline", x->h.timeline,
			    (unsigned long long)x->h.seq, k->h.timeline, k->path);
		else if (!same_header(x, k))
			problem(x->path, EX_DATAERR, "offset 0: seq %llu given twice, with different "
			    "headers (also %s)", (unsigned long long)x->h.seq, k->path);
		else if (x->whole && k->whole && !x->live && !k->live &&
		    memcmp(x->t.digest, k->t.digest, JDIGEST_LEN) != 0)
			problem(x->path, EX_DATAERR, "offset %llu: seq %llu given twice, with "
			    "different contents (also %s)", (unsigned long long)(x->t.size - 32),
			    (unsigned long long)x->h.seq, k->path);
		else if (x->whole && k->whole && x->live && x->last_lsn > k->last_lsn)
			problem(x->path, EX_DATAERR, "offset 0: live journal of seq %llu holds more "
			    "records than %s", (unsigned long long)x->h.seq, k->path);
	}
}

/* The chain as far as x, x read (or not) to its end: what the next file must follow. */
static void
end_at(const struct ent *x, uint64_t since, struct jchain_end *a)
{
	memset(a, 0, sizeof *a);
	a->who = "the chain";
	memcpy(a->lineage, x->h.lineage, JFMT_LINEAGE_LEN);
	a->timeline = x->h.timeline;
	a->since = since;
	a->seq = x->h.seq;
	a->known = x->whole;
	a->sealed = !x->live;
	a->final = !x->live && (x->t.flags & JFMT_FINAL);
	a->last_lsn = x->last_lsn;
	memcpy(a->digest, x->live ? x->h.prev_digest : x->t.digest, JDIGEST_LEN);
}

/* Does x continue the chain a (NULL: x comes first)? Said as a problem of x if not. */
static void
check_link(const struct jchain_end *a, const struct ent *x)
{
	struct jerr e;
	int rule;

	if (a)
		rule = jchain_follows(a, &x->h, &e);
	else
		rule = x->h.seq == 1 ? jchain_begins(&x->h, &e) : 0;
	if (rule)
		problem(x->path, e.code, "offset %d: %s", jchain_offset(rule), e.msg);
	else if (a && x->h.timeline > a->timeline)
		show_switch(a->timeline, x->h.timeline, x->h.seq, x->h.first_lsn);
}

static void
verify_chain(struct ent *v, size_t n)
{
	struct jchain_end end;
	const struct ent *prev = NULL;
	uint64_t since = 0;
	size_t i = 0;

	qsort(v, n, sizeof *v, ent_cmp);
	while (i < n && !v[i].have_header)
		i++;
	for (size_t j = i; j < n; ) {
		size_t k = j + 1;
		while (k < n && v[k].h.seq == v[j].h.seq)
			k++;
		check_group(v, j, k);
		j = k;
	}
	for (; i < n; i++) {
		struct ent *x = &v[i];
		unsigned long before = nproblems;

		if (x->dup)
			continue;
		check_name(x);
		check_link(prev ? &end : NULL, x);
		if (nproblems == before)
			show_verified(x);
		if (!prev || x->h.timeline != prev->h.timeline)
			since = x->h.seq;
		end_at(x, since, &end);
		prev = x;
	}
}

/* --export-signature: SEG.statement and SEG.statement.minisig for each SEG; 0 or a code. */
static int
export_signatures(char **paths, int n)
{
	char out[4096];
	struct jerr e;

	for (int i = 0; i < n; i++) {
		if (jio_pathf(out, sizeof out, "%s.statement", paths[i]) < 0)
			problem(paths[i], EX_USAGE, "path too long");
		else if (jsig_export(paths[i], out, &cfg.trust, &e) < 0)
			problem(paths[i], e.code, "%s", e.msg);
		else if (!cfg.quiet)
			printf("%s\n%s.minisig\n", out, out);
	}
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verify",  no_argument, NULL, 'V' },
		{ "json",    no_argument, NULL, 'j' },
		{ "quiet",   no_argument, NULL, 'q' },
		{ "trust",   required_argument, NULL, 't' },
		{ "export-signature", no_argument, NULL, 'x' },
		{ "help",    no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct ent *v;
	int verify = 0, export = 0, c, n, i;
	struct jerr e;

	jerr_init(argv[0]);
	while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		switch (c) {
		case 'V': verify = 1; break;
		case 'j': cfg.json = 1; break;
		case 'q': cfg.quiet = 1; break;
		case 't':
			if (jsig_trust_load(&cfg.trust, optarg, &e) < 0)
				jdiex(e.code, "--trust: %s", e.msg);
			break;
		case 'x': export = 1; break;
		case 'h': jusage(SYNOPSIS, 0);
		case 'v': jversion();
		default:  jusage(SYNOPSIS, EX_USAGE);
		}
	}
	if ((n = argc - optind) < 1)
		jusage(SYNOPSIS, EX_USAGE);
	if (export && (verify || cfg.json))
		jdiex(EX_USAGE, "--export-signature takes no --verify or --json");
	if (cfg.trust.n && !verify && !export)
		jdiex(EX_USAGE, "--trust goes with --verify or --export-signature");
	if (export) {
		status = export_signatures(argv + optind, n);
		return jio_fshut(stdout) != 0 ? EX_IOERR : status;
	}
	if (!(v = calloc((size_t)n, sizeof *v)))
		jdie(EX_OSERR, "out of memory");
	for (i = 0; i < n && !ferror(stdout); i++) {
		v[i].path = argv[optind + i];
		v[i].argi = i;
		read_file(&v[i], !verify);
	}
	if (verify)
		verify_chain(v, (size_t)i);
	free(v);
	if (jio_fshut(stdout) != 0) {
		jwarn("unable to write to standard output");
		return EX_IOERR;
	}
	return status;
}
