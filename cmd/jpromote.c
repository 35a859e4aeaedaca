/*
 * jpromote: turn a mirror into the operational database. Under the integration lock (taken
 * without waiting), it checks where the mirror is, seals the records it applied from a copied
 * live journal into the old timeline's closing segment (so that they reach the downstream
 * mirrors too), starts the new live journal on timeline + 1 chained to the last segment,
 * installs capture for it when the old primary was captured (the mirror applied row records),
 * and marks the database operational. Every step can be repeated after a crash: a closing segment
 * or live journal already made by an interrupted run is recognised and kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "apply.h"
#include "capture.h"
#include "capture_pg.h"
#include "clock.h"
#include "chain.h"
#include "crash.h"
#include "digest.h"
#include "report.h"
#include "fmt.h"
#include "io.h"
#include "journal.h"
#include "lock.h"
#include "name.h"
#include "seg.h"
#include "sig.h"
#include "text.h"

static const char synopsis[] =
    "jpromote [-0] [--force] [--capture | --no-capture] [--live FILE | --incoming DIR]\n"
    "                [--sign KEY] --db MIRROR.db --journal DIR/NAME.journal";

struct config {
	const char *db, *journal, *live, *incoming;
	int         force;
	int         capture;      /* 1 --capture, -1 --no-capture, 0 as the mirror says */
	int         delim;
	const char *keyfile;      /* --sign */
	struct jsig_key key;
	const struct jsig_key *sign;
};

/* Mark h signed by c's key (--sign), or leave it unsigned. */
static void
sign_header(const struct config *c, struct jfmt_header *h)
{
	h->flags &= ~JFMT_HDR_SIGNED;
	memset(h->keyid, 0, sizeof h->keyid);
	if (c->sign) {
		h->flags |= JFMT_HDR_SIGNED;
		memcpy(h->keyid, c->sign->keyid, sizeof h->keyid);
	}
}

static char *
fmt_ns(uint64_t ns, char *buf, size_t size)
{
	if (ns == 0 || !jtext_time(ns, 3, buf, size))
		snprintf(buf, size, "unknown");
	return buf;
}

static void
say_where(const char *db, const struct japply_state *st, char *buf, size_t size)
{
	char t[64];

	snprintf(buf, size, "%s applied timeline %u, seq %llu%s, up to LSN %llu committed %s",
	    db, st->timeline, (unsigned long long)st->seq, st->sealed ? "" : " (in part, from "
	    "a live journal)", (unsigned long long)st->last_lsn,
	    fmt_ns(st->last_time, t, sizeof t));
}

/*
 * An existing closing segment at path from an earlier, interrupted run: valid, the same
 * header, sealed final at LSN last. 1 yes (t filled), 0 no.
 */
static int
closing_exists(const char *path, const struct jfmt_header *h, uint64_t last,
    struct jfmt_trailer *t)
{
	struct jfmt_header oh;
	struct jerr e;

	if (jseg_verify(path, JSEG_SEALED, &oh, t, &e) < 0)
		return 0;
	return jchain_same(&oh, h) && t->last_lsn == last && (t->flags & JFMT_FINAL);
}

/*
 * Open the copied live journal live and check that it is the one the mirror applied from
 * (st); h gets its header. 0 or an exit code (message printed).
 */
static int
open_live_copy(const char *live, const struct japply_state *st, struct jfmt_header *h,
    struct jseg **s)
{
	struct jchain_end end;
	struct jerr e;

	if (jseg_open(live, JSEG_LIVE, s, &e) < 0) {
		jwarnx("unable to read the live journal copy %s: %s", live, e.msg);
		return e.code == EX_NOINPUT ? EX_NOINPUT : EX_DATAERR;
	}
	*h = *jseg_header(*s);
	jchain_end_of(st, &end);
	if (jchain_resumes(&end, h, &e)) {
		jseg_close(*s);
		jwarnx("%s is not the live journal the mirror applied (timeline %u, seq %llu): %s",
		    live, st->timeline, (unsigned long long)st->seq, e.msg);
		return EX_DATAERR;
	}
	return 0;
}

/*
 * Copy the records of s (read from live) up to LSN last into the new file tmp, through the
 * journal module's segment writer, sealed final and durable. 0 or an exit code (message
 * printed; tmp removed).
 */
static int
write_closing(const struct config *c, struct jseg *s, const char *live, const char *tmp,
    const struct jfmt_header *lh, uint64_t last, struct jfmt_trailer *t)
{
	struct jfmt_header hh = *lh, *h = &hh;
	struct jjsegment *w = NULL;
	struct jseg_rec r;
	struct jerr e, re;
	uint64_t have = h->first_lsn - 1;
	int fd, n, rc = 0;

	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0) {
		jwarn("unable to create %s", tmp);
		return EX_CANTCREAT;
	}
	fchmod(fd, 0640);
	sign_header(c, h);              /* signed by this host's key, or not at all */
	if (jjournal_segment_begin(fd, tmp, h, JJ_SYNC, &w, &e) < 0)
		rc = e.code;
	while (rc == 0 && have < last) {
		if ((n = jseg_next(s, &r, &re)) < 0) {
			rc = EX_DATAERR;
			jerr_set(&e, rc, "%s: %s", live, re.msg);
		} else if (n == 0) {
			rc = EX_DATAERR;
			jerr_set(&e, rc, "%s ends at LSN %llu, but the mirror applied up to LSN %llu "
			    "from its copy: give the copy that was applied", live,
			    (unsigned long long)have, (unsigned long long)last);
		} else if (jjournal_segment_add(w, &r, &e) < 0) {
			rc = e.code;
		} else {
			have = r.lsn;
		}
	}
	if (rc == 0 && jjournal_segment_seal_signed(w, JFMT_FINAL, c->sign, t, &e) < 0)
		rc = e.code;
	jjournal_segment_end(w);
	if (close(fd) < 0 && rc == 0) {
		rc = EX_IOERR;
		jerr_sys(&e, rc, "unable to write %s", tmp);
	}
	if (rc != 0) {
		jwarnx("%s", e.msg);
		unlink(tmp);
	}
	return rc;
}

/*
 * Seal the records of the copied live journal live, up to LSN st->last_lsn, as the old
 * timeline's closing segment DIR/NAME.TTTT-SSSS.journal (final). Fills h and t; writes
 * the segment's path into seg. Returns 0 or an exit code (message printed).
 */
static int
seal_closing(const struct config *c, const char *live, const struct japply_state *st,
    struct jfmt_header *h, struct jfmt_trailer *t, char *seg, size_t size)
{
	char dir[4096], base[JNAME_MAX + 1], tmp[4096];
	struct jseg *s;
	struct jerr e;
	int rc;

	if ((rc = open_live_copy(live, st, h, &s)) != 0)
		return rc;
	if (jname_segment(base, sizeof base, st->name, h->timeline, h->seq, JCOMP_NONE) < 0 ||
	    !jio_dirname(c->journal, dir, sizeof dir) ||
	    (size_t)snprintf(seg, size, "%s/%s", dir, base) >= size ||
	    jafile_tmpname(tmp, sizeof tmp, seg) < 0) {
		jseg_close(s);
		jwarnx("%s: name too long", c->journal);
		return EX_USAGE;
	}
	if (closing_exists(seg, h, st->last_lsn, t)) {
		jseg_close(s);
		return 0;
	}
	if ((h->flags & JFMT_HDR_SIGNED) && !c->sign) {
		jseg_close(s);
		jwarnx("%s is signed: its closing segment must be too; promote with --sign KEY "
		    "(this host's key, trusted downstream)", live);
		return EX_USAGE;
	}
	rc = write_closing(c, s, live, tmp, h, st->last_lsn, t);
	jseg_close(s);
	if (rc != 0)
		return rc;
	jcrash_point("promote-tmp");
	if (jafile_publish(tmp, seg, &e) < 0) {
		unlink(tmp);
		jwarnx("unable to publish %s: %s", seg, e.msg);
		return e.code;
	}
	return 0;
}

/* The new live journal, unless an interrupted run made it already. 0 or an exit code. */
static int
start_live(const char *path, const struct jfmt_header *h2)
{
	struct jseg *s;
	struct jerr e;

	if (jseg_open(path, JSEG_LIVE, &s, &e) == 0) {
		int same = jchain_same(jseg_header(s), h2);
		jseg_close(s);
		if (same)
			return 0;
	}
	if (jjournal_create_at(path, h2, &e) < 0) {
		jwarnx("unable to start the live journal %s: %s", path, e.msg);
		return e.code;
	}
	return 0;
}

/*
 * The primary was captured (jcapture): the mirror applied its row records (st->captured),
 * or --capture says so. So the new one is: capture installed for the new live journal, with
 * no snapshot (every mirror downstream has the rows already), unless --no-capture (SQLite:
 * outbox and triggers; PostgreSQL: publication and replication slot, which leave the
 * mirror's own schema jmirror out). Done
 * before the database is marked operational, so that a promotion run again after a crash
 * finds it installed for this journal and goes on.
 */
static int
wants_capture(const struct config *c, const struct japply_state *st)
{
	return c->capture > 0 || (c->capture == 0 && st->captured);
}

static int
install_capture(const struct config *c)
{
	struct jcapture_install o = { .no_snapshot = 1 };
	struct jerr e;
	int rc = japply_is_pg(c->db) ? jpgcap_install(c->db, c->journal, &o, &e) :
	    jcapture_install(c->db, c->journal, &o, &e);

	if (rc < 0 && e.code != JCAP_EINSTALLED) {
		jwarnx("unable to install capture in %s: %s (the mirror is not promoted yet: fix "
		    "that and run again, or promote with --no-capture)", c->db, e.msg);
		return e.code;
	}
	jcrash_point("promote-capture");
	return 0;
}

/* The mirror's applier, open from take_mirror to the end: it holds the integration lock. */
static struct japply *ap;

/* Write st (advanced to the closing segment when there is one) with the role operational. */
static int
mark_operational(const char *db, struct japply_state *st)
{
	struct jerr e;

	st->operational = 1;
	if (japply_begin(ap, NULL, 1, 0, &e) < 0 || japply_commit(ap, st, &e) < 0) {
		jwarnx("unable to mark %s operational: %s", db, e.msg);
		return e.code;
	}
	return 0;
}

/* Take the mirror at c->db under its lock (held by ap until the end), and check that it is
 * a mirror of the journal named by c->journal; st is its bookkeeping. */
static void
take_mirror(const struct config *c, struct japply_state *st)
{
	struct japply_opts ao = { .db = c->db, .sync = 1 };
	struct jname jn;
	struct jerr e;

	if (jname_parse(jio_basename(c->journal), &jn) != JNAME_LIVE)
		jdiex(EX_USAGE, "%s: not a journal name (DIR/NAME.journal)", c->journal);
	/* read first: a mirror that is not there is an error, never created by opening it */
	if (japply_state_read(c->db, 0, st, &e) < 0 || japply_open(&ao, &ap, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (japply_take(ap, JLOCK_NOWAIT, &e) < 0) {
		if (e.code == EX_TEMPFAIL)
			jdiex(EX_TEMPFAIL, "%s: integration is running (or a backup): stop it "
			    "first", c->db);
		jdiex(e.code, "%s: %s", c->db, e.msg);
	}
	if (japply_load(ap, st, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if (!st->present)
		jdiex(EX_DATAERR, "%s: nothing applied: not a mirror of any journal", c->db);
	if (st->operational)
		jdiex(EX_UNAVAILABLE, "%s is operational already", c->db);
	if (strcmp(jn.name, st->name) != 0)
		jdiex(EX_USAGE, "%s: the mirror follows the journal %s, not %s", c->journal,
		    st->name, jn.name);
}

/* A planned switch-over ends on a final segment; anything else needs --force. */
static void
check_planned(const struct config *c, const struct japply_state *st)
{
	char where[1024];

	say_where(c->db, st, where, sizeof where);
	if (!(st->final && st->sealed) && !c->force)
		jdiex(EX_TEMPFAIL, "not a planned switch-over: %s, not a final segment; wait for "
		    "the final segment, or promote with --force (forced service: whatever the "
		    "old primary wrote after LSN %llu is lost)", where,
		    (unsigned long long)st->last_lsn);
	if (st->timeline >= JNAME_MAX_TIMELINE)
		jdiex(EX_SOFTWARE, "timeline %u is the last one names allow", st->timeline);
}

/*
 * The mirror applied records of seq st->seq from a copied live journal: seal them as the
 * old timeline's closing segment (its path into seg) and advance st to it. 0 or an exit
 * code (said).
 */
static int
close_old_timeline(const struct config *c, struct japply_state *st, char *seg, size_t size)
{
	char lbuf[4096];
	const char *live = c->live;
	struct jfmt_header h;
	struct jfmt_trailer t;
	int rc;

	if (!live && c->incoming) {
		if ((size_t)snprintf(lbuf, sizeof lbuf, "%s/%s", c->incoming, st->segment) >=
		    sizeof lbuf)
			jdiex(EX_USAGE, "%s: name too long", c->incoming);
		live = lbuf;
	}
	if (!live || access(live, F_OK) < 0)
		jdiex(EX_NOINPUT, "%s: the records of seq %llu up to LSN %llu came from the "
		    "live journal copy %s, which is needed to seal them into the closing "
		    "segment for the downstream mirrors: give it with --live FILE or "
		    "--incoming DIR", c->db, (unsigned long long)st->seq,
		    (unsigned long long)st->last_lsn, live ? live : st->segment);
	if ((rc = seal_closing(c, live, st, &h, &t, seg, size)) != 0)
		return rc;
	japply_advance(st, &h, jio_basename(seg), st->last_lsn, 0, &t);
	jcrash_point("promote-closing");
	return 0;
}

/* What the promotion says on standard output (the closing segment) and standard error. */
static void
report(const struct config *c, const struct japply_state *st, const struct jfmt_header *h2,
    const char *seg, int planned)
{
	char t1[64];

	if (seg[0])
		printf("%s%c", seg, c->delim);
	if (jio_fshut(stdout) < 0)
		jdie(EX_IOERR, "unable to write to standard output");
	if (seg[0])
		jwarnx("sealed records up to LSN %llu of the copied live journal as the closing "
		    "segment %s", (unsigned long long)st->last_lsn, seg);
	if (!planned || seg[0])
		jwarnx("forced service: the last LSN that made it is %llu, committed %s",
		    (unsigned long long)st->last_lsn, fmt_ns(st->last_time, t1, sizeof t1));
	jwarnx("%s is operational: timeline %u starts at seq %llu, LSN %llu in %s%s", c->db,
	    h2->timeline, (unsigned long long)h2->seq, (unsigned long long)h2->first_lsn,
	    c->journal, wants_capture(c, st) ? ", captured: start its drain (jcapture --every)" :
	    "");
}

static int
promote(const struct config *c)
{
	char seg[4096] = "";
	struct japply_state st;
	struct jchain_end end;
	struct jfmt_header h2;
	int rc, planned;

	take_mirror(c, &st);
	check_planned(c, &st);
	if (st.trust.n && !c->sign)
		jdiex(EX_USAGE, "%s trusts signed segments only, and so will its downstream "
		    "mirrors: promote with --sign KEY (this host's key, trusted downstream)", c->db);
	planned = st.final && st.sealed;
	if (!st.sealed && (rc = close_old_timeline(c, &st, seg, sizeof seg)) != 0)
		return rc;
	jchain_end_of(&st, &end);
	jchain_next(&end, st.timeline + 1, jclock_now(), &h2);
	sign_header(c, &h2);
	if ((rc = start_live(c->journal, &h2)) != 0)
		return rc;
	jcrash_point("promote-live");
	if (wants_capture(c, &st) && (rc = install_capture(c)) != 0)
		return rc;
	if ((rc = mark_operational(c->db, &st)) != 0)
		return rc;
	japply_close(ap);
	report(c, &st, &h2, seg, planned);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "journal", required_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ "capture", no_argument, NULL, 'c' },
		{ "no-capture", no_argument, NULL, 'n' },
		{ "live", required_argument, NULL, 'l' },
		{ "incoming", required_argument, NULL, 'i' },
		{ "sign", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config c = { .delim = '\n' };
	struct jerr e;
	int ch, rc;

	jerr_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "0", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': c.db = optarg; break;
		case 'j': c.journal = optarg; break;
		case 'f': c.force = 1; break;
		case 'c': c.capture = c.capture < 0 ? 2 : 1; break;
		case 'n': c.capture = c.capture > 0 ? 2 : -1; break;
		case 'l': c.live = optarg; break;
		case 'i': c.incoming = optarg; break;
		case 'k': c.keyfile = optarg; break;
		case '0': c.delim = '\0'; break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	if (optind != argc || !c.db || !c.journal)
		jusage(synopsis, EX_USAGE);
	if (c.live && c.incoming)
		jdiex(EX_USAGE, "--live and --incoming exclude each other");
	if (c.capture == 2)
		jdiex(EX_USAGE, "--capture and --no-capture exclude each other");
	if (c.keyfile) {
		if (jsig_key_load(c.keyfile, &c.key, &e) < 0)
			jdiex(e.code, "--sign: %s", e.msg);
		c.sign = &c.key;
	}
	rc = promote(&c);
	jsig_key_wipe(&c.key);
	return rc;
}
