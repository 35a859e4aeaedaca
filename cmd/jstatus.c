/*
 * jstatus: where a journal or a mirror is, for people (default), programs (--json),
 * Prometheus' node_exporter textfile collector (--prometheus) and Nagios-style checks
 * (--warn/--crit). It only reads: no lock is taken, nothing is changed.
 *
 * The one figure both sides share is the lag: how long the oldest record that has not yet
 * reached the next step (shipped to every known destination on the operational side,
 * applied on a mirror) has waited since its commit. man/jstatus.1 defines every figure.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "capture.h"
#include "chain.h"
#include "clock.h"
#include "cursor.h"
#include "digest.h"
#include "report.h"
#include "url.h"
#include "fmt.h"
#include "hub.h"
#include "io.h"
#include "name.h"
#include "parse.h"
#include "pgslot.h"
#include "segdir.h"
#include "seg.h"
#include "shipq.h"
#include "text.h"

static const char synopsis[] =
    "jstatus [--json | --prometheus] [--warn LIST] [--crit LIST] [--capture DB] JOURNAL\n"
    "       jstatus [--json | --prometheus] [--warn LIST] [--crit LIST] --db MIRROR.db "
    "[--incoming DIR]\n"
    "       jstatus [--json] [--netrc-file FILE] [--key FILE] [--known-hosts FILE] "
    "[--cacert FILE]\n"
    "               [--s3-endpoint URL] [--s3-region REGION] --hub URL";

enum { OUT_TEXT, OUT_JSON, OUT_PROM };
enum { M_LAG, M_QUEUE, M_BYTES, M_AGE, M_CAPTURE, M_WAL, M_N };  /* what thresholds name */
static const char *const mname[M_N] = { "lag", "queue", "bytes", "age", "capture", "wal" };

struct limits {
	int      set[M_N];
	uint64_t v[M_N];                  /* ns for lag and age, a count, bytes */
};

/* What the command line asks for. */
struct config {
	const char   *journal, *db, *incoming, *hub;
	const char   *capture;            /* --capture: the captured database of JOURNAL */
	struct jxfer_opts xfer;           /* --hub: the credentials, as jship's */
	int           out;                /* OUT_* */
	int           check;              /* --warn or --crit given: one check line */
	struct limits warn, crit;
};

struct dest {
	struct jshipq_state q;    /* url, and the segments the destination has */
	uint32_t newest_tl;       /* the newest of them, 0 0 for none */
	uint64_t newest_seq;
	uint64_t segs, bytes, oldest;     /* oldest: commit time of its first unsent record, ns */
};

struct status {
	int         mirror;
	const char *path;
	uint64_t    now;
	uint64_t    ahead;                /* the most a commit time seen is after now, ns */
	/* the metrics, -1 when not measured */
	int64_t     m[M_N];
	/* operational */
	struct jfmt_header lh;
	int         closed;               /* closed by a final rotation */
	uint64_t    records, lbytes, lfirst, llast;   /* lfirst: commit time of the oldest */
	uint64_t    nsealed;
	struct dest *d;
	size_t      nd;
	/* mirror */
	struct japply_state st;
	const char *incoming;
	uint64_t    qsegs, qbytes, qfirst;
	/* capture (jcapture): the outbox of the database given, or of the mirror */
	const char *capdb;
	int         captured;             /* 1 capture installed, 0 not, -1 unreadable */
	struct jcapture_depth cap;
	/* a PostgreSQL primary: its slot */
	int         pg;
	char        slotname[64];
	struct jpgslot_status slot;
};

static char *secs(int64_t ns, char *buf, size_t size);
static int64_t capture_age(const struct status *s);

/* The replication slot of a captured PostgreSQL primary, named from the journal's lineage
 * and timeline:
 * the WAL it holds back, and for how long. */
static void
status_slot(struct status *s, const char *url)
{
	static char shown[4096];
	char lin[JDIGEST_HEX];
	struct jerr e;

	s->pg = 1;
	s->capdb = jurl_redact(url, shown, sizeof shown);
	jdigest_hex(s->lh.lineage, JFMT_LINEAGE_LEN, lin);
	jpgslot_name(lin, s->lh.timeline, s->slotname, sizeof s->slotname);
	if ((s->captured = jpgslot_read(url, s->slotname, &s->slot, &e)) < 0)
		jwarnx("unable to read the replication slot of %s: %s", s->capdb, e.msg);
}

/* The outbox of a captured database: how many changes wait, since when. */
static void
status_capture(struct status *s, const char *db)
{
	struct jerr e;

	if (japply_is_pg(db)) {
		status_slot(s, db);
	} else {
		s->capdb = db;
		if ((s->captured = jcapture_depth(db, &s->cap, &e)) < 0)
			jwarnx("unable to read the capture of %s: %s", db, e.msg);
	}
	s->m[M_CAPTURE] = s->captured == 1 ? capture_age(s) : -1;
	s->m[M_WAL] = s->captured == 1 && s->pg ? (int64_t)s->slot.retained : -1;
}

static int64_t
capture_age(const struct status *s)
{
	if (s->pg)
		return s->slot.age;
	return s->cap.changes ? (int64_t)jclock_age(s->now, s->cap.oldest) : 0;
}

static void
print_capture_text(const struct status *s)
{
	char a[64], b[64], c[64];

	if (s->captured == 1 && s->pg)
		printf("  capture       %s: slot %s%s, retains %s of WAL, %s unconfirmed, oldest "
		    "%ss\n", s->capdb, s->slotname, s->slot.active ? " (streaming)" : "",
		    jparse_fmt_size(s->slot.retained, a, sizeof a), jparse_fmt_size(s->slot.lag,
		    b, sizeof b), secs(capture_age(s), c, sizeof c));
	else if (s->captured == 0 && s->pg)
		printf("  capture       %s: no slot %s (capture not installed for this journal)\n",
		    s->capdb, s->slotname);
	else if (s->captured == 1)
		printf("  capture       %s: outbox %llu changes, oldest %ss\n", s->capdb,
		    (unsigned long long)s->cap.changes, secs(capture_age(s), a, sizeof a));
	else if (s->capdb && !s->mirror)
		printf("  capture       %s: %s\n", s->capdb, s->captured == 0 ? "not installed" :
		    "unreadable");
}

static void
print_capture_json(const struct status *s)
{
	char a[64];

	if (!s->capdb || (s->mirror && s->captured != 1))
		return;             /* a mirror without capture: no key at all */
	printf(",\"capture\":");
	if (s->captured != 1) {
		printf("null");
		return;
	}
	printf("{\"db\":");
	jput_json(s->capdb, strlen(s->capdb));
	if (s->pg) {
		printf(",\"slot\":\"%s\",\"active\":%s,\"retained_wal\":%llu,"
		    "\"unconfirmed_wal\":%llu,\"oldest_age\":%s}", s->slotname, s->slot.active ?
		    "true" : "false", (unsigned long long)s->slot.retained,
		    (unsigned long long)s->slot.lag, capture_age(s) < 0 ? "null" :
		    secs(capture_age(s), a, sizeof a));
		return;
	}
	printf(",\"outbox\":%llu,\"oldest_age\":%s,\"position\":%llu}",
	    (unsigned long long)s->cap.changes, secs(capture_age(s), a, sizeof a),
	    (unsigned long long)s->cap.pos);
}

static void __attribute__((format(printf, 3, 4)))
die3(int check, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (check) {
		printf("JMIRROR UNKNOWN - ");
		vprintf(fmt, ap);
		printf("\n");
		jio_fshut(stdout);
		exit(3);
	}
	fprintf(stderr, "%s: ", jerr_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	exit(code);
}

static void
parse_limits(const char *spec, struct limits *l)
{
	char buf[1024], *p, *tok, *save = NULL;

	if (strlen(spec) >= sizeof buf)
		jdiex(EX_USAGE, "threshold list too long");
	strcpy(buf, spec);
	for (p = buf; (tok = strtok_r(p, ",", &save)); p = NULL) {
		char *eq = strchr(tok, '=');
		int k, r = -1;
		if (eq)
			*eq++ = '\0';
		for (k = 0; k < M_N; k++)
			if (!strcmp(tok, mname[k]))
				break;
		if (!eq || k == M_N)
			jdiex(EX_USAGE, "threshold %s: expected lag=DURATION, age=DURATION, "
			    "capture=DURATION, queue=COUNT, bytes=SIZE or wal=SIZE", tok);
		switch (k) {
		case M_LAG: case M_AGE: case M_CAPTURE: r = jparse_duration(eq, &l->v[k]); break;
		case M_QUEUE: r = jparse_u64(eq, &l->v[k]); break;
		case M_BYTES: case M_WAL: r = jparse_size(eq, &l->v[k]); break;
		}
		if (r < 0)
			jdiex(EX_USAGE, "threshold %s=%s: not a %s", tok, eq, k == M_QUEUE ?
			    "count" : k == M_BYTES || k == M_WAL ? "size" : "duration");
		l->set[k] = 1;
	}
}

/* Note a commit time: a time ahead of this clock (beyond the skew) is reported. */
static void
saw(struct status *s, uint64_t t)
{
	uint64_t a = jclock_ahead(s->now, t);

	if (a > s->ahead)
		s->ahead = a;
}

/* Whether a commit time was ahead of this clock: then lag and age read 0 but are not. */
static int
future(const struct status *s)
{
	return s->ahead > JCLOCK_SKEW;
}

/* Commit time of the first record after LSN skip in a segment; 0 if it has none. An
 * encrypted segment's records cannot be read here: its creation time stands for them, which
 * is no later than any of its records' (the lag shown is then at most that much more). */
static uint64_t
first_time(const char *path, uint64_t skip)
{
	struct jseg *s;
	struct jseg_rec r;
	struct jerr e;
	uint64_t t = 0;

	if (jseg_open(path, JSEG_AUTO, &s, &e) < 0)
		return 0;
	if (jseg_encrypted(s)) {
		t = jseg_header(s)->created;
		jseg_close(s);
		return t;
	}
	while (jseg_next(s, &r, &e) == 1)
		if (r.lsn > skip) {
			t = r.time;
			break;
		}
	jseg_close(s);
	return t;
}

static uint64_t
file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

/* The destinations jship --from DIR knows, with what each acknowledged (common/shipq.h). */
static int
read_dests(const char *dir, const char *name, struct status *s, struct jerr *e)
{
	struct jshipq_state *v;
	size_t n;

	if (jshipq_states(dir, name, &v, &n, e) < 0)
		return -1;
	if (n && !(s->d = calloc(n, sizeof *s->d))) {
		free(v);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		s->d[i].q = v[i];         /* takes the ranges over */
		(void)jshipq_newest(&v[i], &s->d[i].newest_tl, &s->d[i].newest_seq);
	}
	s->nd = n;
	free(v);
	return 0;
}

static void
status_journal(struct status *s, int check)
{
	char dir[4096], path[8192];
	struct jname jn;
	struct jseg *sg;
	struct jseg_rec r;
	struct jerr e;
	struct jsegdir_ent *v;
	size_t n;
	int rc;

	if (jname_parse(jio_basename(s->path), &jn) != JNAME_LIVE)
		jdiex(EX_USAGE, "%s: not a journal name (DIR/NAME.journal)", s->path);
	if (jseg_open(s->path, JSEG_LIVE, &sg, &e) < 0)
		die3(check, e.code == EX_NOINPUT || errno == ENOENT ? EX_NOINPUT : EX_DATAERR,
		    "%s: %s", s->path, e.msg);
	s->lh = *jseg_header(sg);
	while ((rc = jseg_next(sg, &r, &e)) == 1) {
		if (s->records++ == 0)
			s->lfirst = r.time;
		s->llast = r.time;
	}
	if (rc < 0)
		die3(check, EX_DATAERR, "%s: %s", s->path, e.msg);
	s->closed = jseg_trailer(sg) && (jseg_trailer(sg)->flags & JFMT_FINAL);
	s->lbytes = jseg_offset(sg);
	if (s->closed)          /* its records are the final segment's, listed below */
		s->records = s->lbytes = s->lfirst = s->llast = 0;
	jseg_close(sg);

	jio_dirname(s->path, dir, sizeof dir);
	if (jsegdir_list(dir, &v, &n, &e) < 0)
		die3(check, e.code, "%s: %s", dir, e.msg);
	if (read_dests(dir, jn.name, s, &e) < 0)
		die3(check, e.code, "%s%s", "", e.msg);
	s->m[M_QUEUE] = s->m[M_BYTES] = 0;
	for (size_t i = 0; i < n; i++) {
		if (!jshipq_pending(v, n, i, jn.name, NULL))
			continue;
		s->nsealed++;
		snprintf(path, sizeof path, "%s/%s", dir, v[i].base);
		for (size_t k = 0; k < s->nd; k++) {
			struct dest *d = &s->d[k];
			if (!jshipq_pending(v, n, i, jn.name, &d->q))
				continue;
			if (d->segs++ == 0)
				d->oldest = first_time(path, 0);
			d->bytes += file_size(path);
		}
	}
	free(v);
	/* the lag: the oldest record some destination lacks (live records count as unsent) */
	uint64_t oldest = s->lfirst;
	for (size_t k = 0; k < s->nd; k++) {
		struct dest *d = &s->d[k];
		if ((int64_t)d->segs > s->m[M_QUEUE])
			s->m[M_QUEUE] = (int64_t)d->segs;
		if ((int64_t)d->bytes > s->m[M_BYTES])
			s->m[M_BYTES] = (int64_t)d->bytes;
		if (d->segs && d->oldest && (!oldest || d->oldest < oldest))
			oldest = d->oldest;
	}
	saw(s, s->lfirst);
	saw(s, s->llast);
	for (size_t k = 0; k < s->nd; k++)
		saw(s, s->d[k].oldest);
	s->m[M_LAG] = (int64_t)jclock_age(s->now, oldest);
	s->m[M_AGE] = (int64_t)jclock_age(s->now, s->lfirst);
}

static void
status_mirror(struct status *s, const char *db, int check)
{
	struct jerr e;
	struct jsegdir_ent *v;
	char path[8192];
	size_t n;

	if (japply_state_read(db, 0, &s->st, &e) < 0)
		die3(check, e.code, "%s%s", "", e.msg);
	s->m[M_AGE] = s->st.present ? (int64_t)jclock_age(s->now, s->st.last_time) : -1;
	saw(s, s->st.last_time);
	s->m[M_LAG] = s->m[M_QUEUE] = s->m[M_BYTES] = -1;
	if (!s->incoming)
		return;
	if (jsegdir_list(s->incoming, &v, &n, &e) < 0)
		die3(check, e.code, "%s: %s", s->incoming, e.msg);
	for (size_t i = 0; i < n; i++) {
		const struct jname *jn = &v[i].n;
		uint64_t skip = 0;
		if (s->st.present) {
			if (strcmp(jn->name, s->st.name) != 0)
				continue;
			if (jn->seq < jchain_due(&s->st))
				continue;
			skip = s->st.last_lsn;
		}
		/* one file per sequence: a compressed copy beside the plain one is not work */
		if (i > 0 && !strcmp(v[i - 1].n.name, jn->name) && v[i - 1].n.seq == jn->seq &&
		    v[i - 1].n.timeline == jn->timeline)
			continue;
		snprintf(path, sizeof path, "%s/%s", s->incoming, v[i].base);
		if (s->qsegs++ == 0)
			s->qfirst = first_time(path, skip);
		s->qbytes += file_size(path);
	}
	free(v);
	s->m[M_QUEUE] = (int64_t)s->qsegs;
	s->m[M_BYTES] = (int64_t)s->qbytes;
	s->m[M_LAG] = (int64_t)jclock_age(s->now, s->qfirst);
	saw(s, s->qfirst);
}

static char *
secs(int64_t ns, char *buf, size_t size)
{
	if (ns < 0)
		snprintf(buf, size, "unknown");
	else
		snprintf(buf, size, "%.3f", (double)ns / 1e9);
	return buf;
}

static char *
when(uint64_t ns, char *buf, size_t size)
{
	if (!ns || !jtext_time(ns, 3, buf, size))
		snprintf(buf, size, "never");
	return buf;
}

static void
print_clock(const struct status *s)
{
	char a[64];

	if (future(s))
		printf("  clock         a commit time is %ss ahead of this clock: lag and ages "
		    "read 0\n", secs((int64_t)s->ahead, a, sizeof a));
}

static void
print_text(const struct status *s)
{
	char a[64], b[64], c[64], lin[JDIGEST_HEX];

	if (s->mirror) {
		const struct japply_state *st = &s->st;
		if (!st->present) {
			printf("mirror %s: empty, nothing applied yet\n", s->path);
		} else {
			jdigest_hex(st->lineage, JFMT_LINEAGE_LEN, lin);
			printf("%s %s: journal %s, lineage %s\n", st->operational ? "operational" :
			    "mirror", s->path, st->name, lin);
			printf("  last applied  timeline %u, seq %llu%s%s, LSN %llu\n", st->timeline,
			    (unsigned long long)st->seq, st->sealed ? "" : " (in part)",
			    st->final ? " (final)" : "", (unsigned long long)st->last_lsn);
			printf("  committed     %s (%ss ago), applied %s\n",
			    when(st->last_time, a, sizeof a), secs(s->m[M_AGE], b, sizeof b),
			    when(st->applied_at, c, sizeof c));
			if (st->verified_lsn)
				printf("  verified      LSN %llu: equal to the primary as of %s\n",
				    (unsigned long long)st->verified_lsn,
				    when(st->verified_time, a, sizeof a));
			else
				printf("  verified      never (no check record applied)\n");
			if (!st->operational)
				printf("  captured      %s\n", st->captured ? "yes: row records "
				    "applied, jpromote installs capture" : "no row record applied");
		}
		if (s->incoming) {
			printf("  redo queue    %llu segments, %s in %s\n",
			    (unsigned long long)s->qsegs, jparse_fmt_size(s->qbytes, a, sizeof a),
			    s->incoming);
			printf("  lag           %ss\n", secs(s->m[M_LAG], a, sizeof a));
		} else {
			printf("  redo queue    unknown (no --incoming)\n");
		}
		print_capture_text(s);
		print_clock(s);
		return;
	}
	jdigest_hex(s->lh.lineage, JFMT_LINEAGE_LEN, lin);
	printf("journal %s: lineage %s, timeline %u, seq %llu%s\n", s->path, lin,
	    s->lh.timeline, (unsigned long long)s->lh.seq,
	    s->closed ? ", closed by a final rotation" : "");
	printf("  live journal  %llu records, %s, oldest %ss\n", (unsigned long long)s->records,
	    jparse_fmt_size(s->lbytes, a, sizeof a), secs(s->m[M_AGE], b, sizeof b));
	printf("  sealed        %llu segments\n", (unsigned long long)s->nsealed);
	if (s->nd == 0)
		printf("  send queue    no known destination\n");
	for (size_t k = 0; k < s->nd; k++) {
		const struct dest *d = &s->d[k];
		printf("  send queue    %s: %llu segments, %s, oldest %ss (has up to timeline %u, "
		    "seq %llu)\n", d->q.url, (unsigned long long)d->segs,
		    jparse_fmt_size(d->bytes, a, sizeof a),
		    secs(d->segs ? (int64_t)jclock_age(s->now, d->oldest) : 0, b, sizeof b),
		    d->newest_tl, (unsigned long long)d->newest_seq);
	}
	printf("  lag           %ss\n", secs(s->m[M_LAG], a, sizeof a));
	print_capture_text(s);
	print_clock(s);
}

static void
print_json(const struct status *s)
{
	char a[64], lin[JDIGEST_HEX];

	printf("{\"kind\":\"%s\",\"path\":", s->mirror ? "mirror" : "journal");
	jput_json(s->path, strlen(s->path));
	printf(",\"now\":%llu", (unsigned long long)s->now);
	if (s->mirror) {
		const struct japply_state *st = &s->st;
		printf(",\"present\":%s", st->present ? "true" : "false");
		if (st->present) {
			jdigest_hex(st->lineage, JFMT_LINEAGE_LEN, lin);
			printf(",\"role\":\"%s\",\"name\":", st->operational ? "operational" :
			    "mirror");
			jput_json(st->name, strlen(st->name));
			printf(",\"lineage\":\"%s\",\"timeline\":%u,\"seq\":%llu,\"last_lsn\":%llu,"
			    "\"sealed\":%s,\"final\":%s,\"last_time\":%llu,\"applied_at\":%llu",
			    lin, st->timeline, (unsigned long long)st->seq,
			    (unsigned long long)st->last_lsn, st->sealed ? "true" : "false",
			    st->final ? "true" : "false", (unsigned long long)st->last_time,
			    (unsigned long long)st->applied_at);
			printf(",\"verified_lsn\":%llu,\"verified_time\":%llu,\"captured\":%s",
			    (unsigned long long)st->verified_lsn,
			    (unsigned long long)st->verified_time, st->captured ? "true" : "false");
		}
		if (s->incoming)
			printf(",\"redo_queue\":{\"segments\":%llu,\"bytes\":%llu}",
			    (unsigned long long)s->qsegs, (unsigned long long)s->qbytes);
	} else {
		jdigest_hex(s->lh.lineage, JFMT_LINEAGE_LEN, lin);
		printf(",\"lineage\":\"%s\",\"timeline\":%u,\"seq\":%llu,\"closed\":%s,"
		    "\"live\":{\"records\":%llu,\"bytes\":%llu,\"oldest_age\":%s},\"sealed\":%llu,"
		    "\"destinations\":[", lin, s->lh.timeline, (unsigned long long)s->lh.seq,
		    s->closed ? "true" : "false", (unsigned long long)s->records,
		    (unsigned long long)s->lbytes, secs(s->m[M_AGE], a, sizeof a),
		    (unsigned long long)s->nsealed);
		for (size_t k = 0; k < s->nd; k++) {
			const struct dest *d = &s->d[k];
			printf("%s{\"url\":", k ? "," : "");
			jput_json(d->q.url, strlen(d->q.url));
			printf(",\"acked_timeline\":%u,\"acked_seq\":%llu,\"segments\":%llu,"
			    "\"bytes\":%llu,\"oldest_age\":%s}", d->newest_tl,
			    (unsigned long long)d->newest_seq, (unsigned long long)d->segs,
			    (unsigned long long)d->bytes, secs(d->segs ? (int64_t)jclock_age(s->now,
			    d->oldest) : 0, a, sizeof a));
		}
		printf("]");
	}
	print_capture_json(s);
	printf(",\"clock_ahead\":%s", secs((int64_t)s->ahead, a, sizeof a));
	printf(",\"lag\":");
	if (s->m[M_LAG] < 0)
		printf("null");
	else
		printf("%s", secs(s->m[M_LAG], a, sizeof a));
	printf("}\n");
}

/* Prometheus label values: escape backslash, quote and newline. */
static void
plabel(const char *p)
{
	for (; *p; p++) {
		if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else
			putchar(*p);
	}
}

static void
pmetric(const char *name, const char *help, const char *lab, const char *dest, double v)
{
	static char last[64];

	if (strcmp(last, name) != 0) {
		printf("# HELP jmirror_%s %s\n# TYPE jmirror_%s gauge\n", name, help, name);
		snprintf(last, sizeof last, "%s", name);
	}
	printf("jmirror_%s{%s", name, lab);
	if (dest) {
		printf(",destination=\"");
		plabel(dest);
		printf("\"");
	}
	printf(v == (double)(uint64_t)v ? "} %.0f\n" : "} %.3f\n", v);
}

static void
print_prom(const struct status *s)
{
	char lab[8192];
	const char *name = s->mirror ? s->st.name : "";
	struct jname jn;
	int n;

	if (!s->mirror && jname_parse(jio_basename(s->path), &jn) == JNAME_LIVE)
		name = jn.name;
	n = snprintf(lab, sizeof lab, "role=\"%s\",path=\"", s->mirror ?
	    (s->st.operational ? "operational" : "mirror") : "journal");
	for (const char *p = s->path; *p && n < (int)sizeof lab - 8; p++) {
		if (*p == '\\' || *p == '"')
			lab[n++] = '\\';
		lab[n++] = *p == '\n' ? ' ' : *p;
	}
	snprintf(lab + n, sizeof lab - (size_t)n, "\",name=\"%s\"", name);
	if (s->mirror) {
		const struct japply_state *st = &s->st;
		pmetric("up", "1 if the status could be read", lab, NULL, 1);
		pmetric("timeline", "timeline of the segment applied last", lab, NULL,
		    st->timeline);
		pmetric("applied_seq", "sequence of the segment applied last", lab, NULL,
		    (double)st->seq);
		pmetric("applied_lsn", "every record up to this LSN is applied", lab, NULL,
		    (double)st->last_lsn);
		pmetric("verified_lsn", "LSN of the last check record the mirror passed, 0 if none",
		    lab, NULL, (double)st->verified_lsn);
		pmetric("applied_commit_timestamp_seconds", "commit time of the last applied "
		    "record", lab, NULL, (double)st->last_time / 1e9);
		if (s->m[M_AGE] >= 0)
			pmetric("applied_age_seconds", "time since the commit of the last applied "
			    "record", lab, NULL, (double)s->m[M_AGE] / 1e9);
		pmetric("clock_ahead_seconds", "how far the latest commit time seen is ahead "
		    "of this clock", lab, NULL, (double)s->ahead / 1e9);
		if (s->incoming) {
			pmetric("redo_queue_segments", "segments arrived and not applied", lab,
			    NULL, (double)s->qsegs);
			pmetric("redo_queue_bytes", "bytes of the segments arrived and not applied",
			    lab, NULL, (double)s->qbytes);
			pmetric("lag_seconds", "age of the oldest record arrived and not applied",
			    lab, NULL, (double)s->m[M_LAG] / 1e9);
		}
		return;
	}
	pmetric("up", "1 if the status could be read", lab, NULL, 1);
	pmetric("timeline", "timeline of the live journal", lab, NULL, s->lh.timeline);
	pmetric("live_records", "records in the live journal", lab, NULL, (double)s->records);
	pmetric("live_bytes", "bytes in the live journal", lab, NULL, (double)s->lbytes);
	pmetric("live_oldest_age_seconds", "age of the oldest record in the live journal", lab,
	    NULL, (double)s->m[M_AGE] / 1e9);
	pmetric("closed", "1 if the journal was closed by a final rotation", lab, NULL,
	    s->closed);
	for (size_t k = 0; k < s->nd; k++)
		pmetric("send_queue_segments", "sealed segments a destination lacks", lab,
		    s->d[k].q.url, (double)s->d[k].segs);
	for (size_t k = 0; k < s->nd; k++)
		pmetric("send_queue_bytes", "bytes of the segments a destination lacks", lab,
		    s->d[k].q.url, (double)s->d[k].bytes);
	for (size_t k = 0; k < s->nd; k++)
		pmetric("send_queue_oldest_age_seconds", "age of the oldest record a destination "
		    "lacks", lab, s->d[k].q.url, s->d[k].segs ? (double)jclock_age(s->now,
		    s->d[k].oldest) / 1e9 : 0);
	pmetric("lag_seconds", "age of the oldest record not yet at every destination", lab,
	    NULL, (double)s->m[M_LAG] / 1e9);
	pmetric("clock_ahead_seconds", "how far the latest commit time seen is ahead of this "
	    "clock", lab, NULL, (double)s->ahead / 1e9);
	if (s->captured == 1 && s->pg) {
		pmetric("capture_slot_retained_bytes", "WAL the capture's replication slot "
		    "retains", lab, NULL, (double)s->slot.retained);
		pmetric("capture_slot_unconfirmed_bytes", "WAL the capture has not confirmed",
		    lab, NULL, (double)s->slot.lag);
		if (capture_age(s) >= 0)
			pmetric("capture_oldest_seconds", "age of the oldest change the capture "
			    "has not taken", lab, NULL, (double)capture_age(s) / 1e9);
	} else if (s->captured == 1) {
		pmetric("capture_outbox_changes", "captured changes waiting in the outbox", lab,
		    NULL, (double)s->cap.changes);
		pmetric("capture_oldest_seconds", "age of the oldest change in the outbox", lab,
		    NULL, (double)capture_age(s) / 1e9);
	}
}

/* The Nagios line and exit code. */
static int
print_check(const struct status *s, const struct limits *w, const struct limits *c)
{
	static const char *const word[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	char perf[2048] = "", why[1024] = "", v[64], tw[64], tc[64];
	int state = 0;
	size_t pl = 0, wl = 0;

	for (int k = 0; k < M_N; k++) {
		int64_t x = s->m[k];
		int st = 0;
		int dur = k == M_LAG || k == M_AGE || k == M_CAPTURE;
		if (x < 0) {
			if (w->set[k] || c->set[k]) {
				state = 3;
				wl += (size_t)snprintf(why + wl, sizeof why - wl, "%s%s unknown%s",
				    wl ? ", " : "", mname[k], s->mirror && !s->incoming ?
				    " (no --incoming)" : "");
			}
			continue;
		}
		if (c->set[k] && (uint64_t)x > c->v[k])
			st = 2;
		else if (w->set[k] && (uint64_t)x > w->v[k])
			st = 1;
		if (dur)
			snprintf(v, sizeof v, "%.1fs", (double)x / 1e9);
		else if (k == M_BYTES || k == M_WAL)
			snprintf(v, sizeof v, "%lldB", (long long)x);
		else
			snprintf(v, sizeof v, "%lld", (long long)x);
		tw[0] = tc[0] = '\0';
		if (w->set[k])
			snprintf(tw, sizeof tw, dur ? "%g" : "%.0f", dur ? (double)w->v[k] / 1e9 :
			    (double)w->v[k]);
		if (c->set[k])
			snprintf(tc, sizeof tc, dur ? "%g" : "%.0f", dur ? (double)c->v[k] / 1e9 :
			    (double)c->v[k]);
		pl += (size_t)snprintf(perf + pl, sizeof perf - pl, " %s=%s;%s;%s", mname[k], v,
		    tw, tc);
		if (st && state != 3 && st > state)
			state = st;
		if (k == M_LAG || k == M_QUEUE || st)
			wl += (size_t)snprintf(why + wl, sizeof why - wl, "%s%s %s%s",
			    wl ? ", " : "", mname[k], v, st == 2 ? " (critical)" :
			    st == 1 ? " (warning)" : "");
		if (pl >= sizeof perf || wl >= sizeof why)
			break;
	}
	if (future(s)) {
		if (pl < sizeof perf)
			pl += (size_t)snprintf(perf + pl, sizeof perf - pl, " ahead=%.1fs",
			    (double)s->ahead / 1e9);
		if (wl < sizeof why)
			wl += (size_t)snprintf(why + wl, sizeof why - wl, "%sa commit time %.1fs "
			    "in the future (warning: check the clocks)", wl ? ", " : "",
			    (double)s->ahead / 1e9);
		if (state == 0)
			state = 1;
	}
	if (s->mirror && s->st.operational && state < 3)
		wl += (size_t)snprintf(why + wl, sizeof why - wl, "%soperational",
		    wl ? ", " : "");
	printf("JMIRROR %s - %s |%s\n", word[state], wl ? why : "no figure", perf);
	return state;
}

/* --hub: a cursor's position, and an age from a hub time (-1: unknown). */
static void
hub_pos(uint32_t tl, uint64_t seq, char *buf, size_t size)
{
	snprintf(buf, size, "%04u-%012llu", (unsigned)tl, (unsigned long long)seq);
}

static int64_t
hub_age(time_t t, uint64_t now)
{
	if (t == 0)
		return -1;
	return (uint64_t)t * 1000000000ull > now ? 0 : (int64_t)(now - (uint64_t)t * 1000000000ull);
}

static void
hub_text(const char *url, const struct jcursor_hub *s, uint64_t now)
{
	char pos[64], a[64], b[64];

	hub_pos(s->newest_tl, s->newest_seq, pos, sizeof pos);
	printf("hub %s\n  segments      %llu%s%s%s\n", url, (unsigned long long)s->segments,
	    s->segments ? " (newest " : "", s->segments ? pos : "", s->segments ? ")" : "");
	if (s->n == 0)
		printf("  mirrors       none registered (jfetch --name): retention removes nothing\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct jcursor_mirror *m = &s->m[i];
		hub_pos(m->c.timeline, m->c.seq, pos, sizeof pos);
		printf("  mirror %-12s at %s, cursor written %ss ago, behind %llu%s%s%s\n",
		    m->c.mirror, pos, secs(hub_age(m->c.mtime, now), a, sizeof a),
		    (unsigned long long)m->behind, m->behind ? " (holds retention; oldest " : "",
		    m->behind ? secs(hub_age(m->oldest, now), b, sizeof b) : "",
		    m->behind ? "s old)" : "");
	}
}

static void
hub_json(const char *url, const struct jcursor_hub *s, uint64_t now)
{
	char a[64], b[64];

	printf("{\"hub\":");
	jput_json(url, strlen(url));
	printf(",\"segments\":%llu,\"newest_timeline\":%u,\"newest_seq\":%llu,\"mirrors\":[",
	    (unsigned long long)s->segments, (unsigned)s->newest_tl,
	    (unsigned long long)s->newest_seq);
	for (size_t i = 0; i < s->n; i++) {
		const struct jcursor_mirror *m = &s->m[i];
		int64_t age = hub_age(m->c.mtime, now), old = hub_age(m->oldest, now);
		printf("%s{\"name\":", i ? "," : "");
		jput_json(m->c.mirror, strlen(m->c.mirror));
		printf(",\"timeline\":%u,\"seq\":%llu,\"cursor_age_seconds\":%s,\"behind\":%llu,"
		    "\"holds_retention\":%s,\"oldest_unfetched_age_seconds\":%s}",
		    (unsigned)m->c.timeline, (unsigned long long)m->c.seq,
		    age < 0 ? "null" : secs(age, a, sizeof a), (unsigned long long)m->behind,
		    m->behind ? "true" : "false",
		    m->behind && old >= 0 ? secs(old, b, sizeof b) : "null");
	}
	printf("]}\n");
}

/* --hub URL: the mirrors registered on a hub, where each is, and what each holds back. */
static int
status_hub(const struct config *c)
{
	struct jerr e = { 0, "" };
	struct jcursor_hub s;
	struct jhub *h;

	if (jxfer_global_init(&e) < 0 || jhub_open(c->hub, &c->xfer, &h, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (jcursor_hub(h, &s, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (c->out == OUT_JSON)
		hub_json(jhub_url(h), &s, jclock_now());
	else
		hub_text(jhub_url(h), &s, jclock_now());
	jcursor_hub_free(&s);
	jhub_close(h);
	if (jio_fshut(stdout) < 0)
		jdie(EX_IOERR, "unable to write to standard output");
	return 0;
}

/* One report (or check) of the journal or mirror the options name; the exit status. */
static int
run(const struct config *c)
{
	struct status s;
	static char shown[4096];
	int rc = 0;

	memset(&s, 0, sizeof s);
	s.incoming = c->incoming;
	s.now = jclock_now();
	s.mirror = c->db != NULL;
	s.path = c->db ? jurl_redact(c->db, shown, sizeof shown) : c->journal;
	if (c->db)
		status_mirror(&s, c->db, c->check);
	else
		status_journal(&s, c->check);
	s.m[M_CAPTURE] = s.m[M_WAL] = -1;        /* no capture given: not measured */
	if (c->capture || (c->db && access(c->db, F_OK) == 0))
		status_capture(&s, c->capture ? c->capture : c->db);
	if (future(&s) && !c->check) {
		char a[64];
		jwarnx("warning: a commit time is %s ahead of this clock: the clocks disagree, "
		    "and lag and ages read 0", jparse_fmt_duration(s.ahead, a, sizeof a));
	}
	if (c->check)
		rc = print_check(&s, &c->warn, &c->crit);
	else if (c->out == OUT_JSON)
		print_json(&s);
	else if (c->out == OUT_PROM)
		print_prom(&s);
	else
		print_text(&s);
	if (jio_fshut(stdout) < 0)
		jdie(c->check ? 3 : EX_IOERR, "unable to write to standard output");
	for (size_t k = 0; k < s.nd; k++)
		jshipq_free(&s.d[k].q);
	free(s.d);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "incoming", required_argument, NULL, 'i' },
		{ "capture", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "warn", required_argument, NULL, 'w' },
		{ "crit", required_argument, NULL, 'c' },
		{ "hub", required_argument, NULL, 'H' },
		{ "netrc-file", required_argument, NULL, 'N' },
		{ "key", required_argument, NULL, 'K' },
		{ "known-hosts", required_argument, NULL, 'k' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "s3-endpoint", required_argument, NULL, 'e' },
		{ "s3-region", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config c = { .out = OUT_TEXT };
	int ch;

	jerr_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db = optarg; break;
		case 'i': c.incoming = optarg; break;
		case 'C': c.capture = optarg; break;
		case 'j': c.out = OUT_JSON; break;
		case 'p': c.out = OUT_PROM; break;
		case 'w': parse_limits(optarg, &c.warn); c.check = 1; break;
		case 'c': parse_limits(optarg, &c.crit); c.check = 1; break;
		case 'H': c.hub = optarg; break;
		case 'N': c.xfer.netrc = optarg; break;
		case 'K': c.xfer.key = optarg; break;
		case 'k': c.xfer.known_hosts = optarg; break;
		case 'A': c.xfer.cacert = optarg; break;
		case 'e': c.xfer.s3_endpoint = optarg; break;
		case 'g': c.xfer.s3_region = optarg; break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (c.hub) {
		if (argc != 0 || c.db || c.incoming || c.capture || c.check || c.out == OUT_PROM)
			jdiex(EX_USAGE, "--hub URL stands alone (with --json and the credential "
			    "options)");
		return status_hub(&c);
	}
	if (c.db ? argc != 0 : argc != 1)
		jusage(synopsis, EX_USAGE);
	if (c.incoming && !c.db)
		jdiex(EX_USAGE, "--incoming is for a mirror (--db)");
	if (c.capture && c.db)
		jdiex(EX_USAGE, "--capture names the captured database of a JOURNAL: with --db, "
		    "the database's own capture is shown");
	if (c.check && c.out != OUT_TEXT)
		jdiex(EX_USAGE, "--warn and --crit give a check's one line: not with --json or "
		    "--prometheus");
	c.journal = c.db ? NULL : argv[0];
	return run(&c);
}
