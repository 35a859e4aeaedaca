/*
 * jcapture: capture the row changes of an SQLite database, or of a PostgreSQL primary
 * (postgresql://...), and drain them into its journal, exactly once. The triggers, the
 * outbox and the drain are common/capture.c's, the slot and its stream common/capture_pg.c's;
 * this file is the command line and the loop of --every.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply.h"
#include "capture.h"
#include "capture_pg.h"
#include "clock.h"
#include "parse.h"
#include "pgcheck.h"
#include "report.h"
#include "stop.h"
#include "url.h"

static const char synopsis[] =
    "jcapture --install [--no-snapshot] DB JOURNAL\n"
    "       jcapture --uninstall [--force] DB\n"
    "       jcapture [-v] [--checksum] DB JOURNAL\n"
    "       jcapture [-v] --every DURATION [--checksum-every DURATION] DB JOURNAL\n"
    "       jcapture [-v] --ddl SQL DB JOURNAL\n"
    "       jcapture [-v] --ddl-done SQL DB JOURNAL";

enum mode { DRAIN, INSTALL, UNINSTALL, DDL, DDL_DONE };

struct config {
	enum mode   mode;
	const char *db, *journal;
	const char *sql;          /* --ddl, --ddl-done */
	uint64_t    every;        /* ns, 0: drain once */
	int         checksum;     /* the drain takes a check record */
	uint64_t    check_every;  /* ns, 0: never; with every */
	int         no_snapshot, force, verbose;
	int         pg;           /* DB is a postgresql:// URL */
};

/* The drain of either engine. */
struct source {
	struct jcapture *lite;
	struct jpgcap   *pg;
};

/* Every option, in one table: a mode, or a setting of the drain. */
static const struct option opts[] = {
	{ "install", no_argument, NULL, 'I' },
	{ "uninstall", no_argument, NULL, 'U' },
	{ "ddl", required_argument, NULL, 'D' },
	{ "ddl-done", required_argument, NULL, 'd' },
	{ "no-snapshot", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "every", required_argument, NULL, 'E' },
	{ "checksum", no_argument, NULL, 'C' },
	{ "checksum-every", required_argument, NULL, 'K' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
set_mode(struct config *c, enum mode m)
{
	if (c->mode != DRAIN)
		jdiex(EX_USAGE, "--install, --uninstall, --ddl and --ddl-done exclude each other");
	c->mode = m;
}

static void
parse(int argc, char **argv, struct config *c)
{
	int ch, nargs;

	while ((ch = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (ch) {
		case 'I': set_mode(c, INSTALL); break;
		case 'U': set_mode(c, UNINSTALL); break;
		case 'D': set_mode(c, DDL); c->sql = optarg; break;
		case 'd': set_mode(c, DDL_DONE); c->sql = optarg; break;
		case 'n': c->no_snapshot = 1; break;
		case 'f': c->force = 1; break;
		case 'v': c->verbose = 1; break;
		case 'E':
			if (jparse_duration(optarg, &c->every) < 0 || c->every == 0)
				jdiex(EX_USAGE, "bad duration for --every: %s", optarg);
			break;
		case 'C': c->checksum = 1; break;
		case 'K':
			if (jparse_duration(optarg, &c->check_every) < 0 || c->check_every == 0)
				jdiex(EX_USAGE, "bad duration for --checksum-every: %s", optarg);
			break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	nargs = c->mode == UNINSTALL ? 1 : 2;
	if (argc - optind != nargs)
		jusage(synopsis, EX_USAGE);
	c->db = argv[optind];
	c->journal = nargs == 2 ? argv[optind + 1] : NULL;
	if (c->no_snapshot && c->mode != INSTALL)
		jdiex(EX_USAGE, "--no-snapshot goes with --install");
	if (c->force && c->mode != UNINSTALL)
		jdiex(EX_USAGE, "--force goes with --uninstall");
	if (c->every && c->mode != DRAIN)
		jdiex(EX_USAGE, "--every goes with a drain, not with --install, --uninstall or --ddl");
	if ((c->checksum || c->check_every) && c->mode != DRAIN)
		jdiex(EX_USAGE, "--checksum goes with a drain, not with --install, --uninstall or "
		    "--ddl");
	if (c->checksum && c->every)
		jdiex(EX_USAGE, "--checksum is for one drain: with --every, say --checksum-every");
	if (c->check_every && !c->every)
		jdiex(EX_USAGE, "--checksum-every goes with --every");
	c->pg = japply_is_pg(c->db);
	if (c->pg && c->force)
		jdiex(EX_USAGE, "--force is for an SQLite database");
}

/* One drain, with a check record when check; 0, or the exit code (reported). */
static int
drain_once(const struct source *src, const struct config *c, int check)
{
	struct jcapture_stats st;
	struct jerr e;
	int rc;

	if (src->pg) {
		rc = jpgcap_drain(src->pg, &st, &e);
	} else {
		jcapture_checksum(src->lite, check);
		rc = jcapture_drain(src->lite, &st, &e);
	}
	if (rc < 0) {
		jwarnx("unable to drain %s into %s: %s", c->db, c->journal, e.msg);
		return e.code;
	}
	if (c->verbose && st.records)
		jwarnx("%llu changes drained into %s as %llu record%s from LSN %llu (position %llu)",
		    (unsigned long long)st.changes, c->journal, (unsigned long long)st.records,
		    st.records == 1 ? "" : "s", (unsigned long long)st.first_lsn,
		    (unsigned long long)st.pos);
	if (c->verbose && st.check_lsn)
		jwarnx("check record of %s appended to %s at LSN %llu", c->db, c->journal,
		    (unsigned long long)st.check_lsn);
	/* After a drain: the place where periodic work that follows one belongs. */
	return 0;
}

/*
 * A check of a PostgreSQL primary (pgcheck.h): into the WAL, as a message of its own
 * transaction, which the drain that follows (this one, or the running jcapture --every's)
 * finds at its place in the stream and appends as check records. 0, or the exit code
 * (reported).
 */
static int
check_pg(const struct config *c)
{
	struct jpgcheck_stats st;
	struct jerr e;
	char shown[4096];

	jurl_redact(c->db, shown, sizeof shown);
	if (jpgcheck_take(c->db, NULL, &st, &e) < 0) {
		jwarnx("unable to take a check of %s: %s", shown, e.msg);
		return e.code;
	}
	if (c->verbose)
		jwarnx("check of %llu tables, %llu rows (%llu without a primary key left out) "
		    "written into the WAL of %s", (unsigned long long)st.tables,
		    (unsigned long long)st.rows, (unsigned long long)st.skipped, shown);
	return 0;
}

/* Sleep until the next tick or a signal; a tick missed by a long drain is not made up. */
static void
wait_tick(struct timespec *next, uint64_t every)
{
	jclock_tick(next, every);
	while (!jstop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, next, NULL) != 0)
		;
}

/* With --checksum-every: is a check record due with this drain? The first drain takes one,
 * and the first after each period since the last one that was appended (a busy database
 * puts it off to the next tick, not to the next period). */
static int
check_due(const struct config *c, uint64_t last)
{
	return c->check_every && (!last || jclock_mono_ns() - last >= c->check_every);
}

/* Drain once, or every c->every until SIGTERM or SIGINT, which let a drain finish. */
static int
run_drain(const struct config *c, const struct source *cap)
{
	struct timespec next;
	int rc;
	uint64_t checked = 0;           /* when the last check record was appended */

	if (!c->every)
		return drain_once(cap, c, c->checksum);
	jstop_on_signals();
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!jstop) {
		int due = check_due(c, checked);
		if (due && japply_is_pg(c->db) && (rc = check_pg(c)) != 0) {
			if (rc != EX_TEMPFAIL)
				return rc;
			due = 0;            /* tables busy: the check waits a tick, the drain not */
		}
		rc = drain_once(cap, c, due);
		if (rc == 0 && due)
			checked = jclock_mono_ns();
		if (rc != 0 && rc != EX_TEMPFAIL)
			return rc;          /* busy database: try at the next tick */
		wait_tick(&next, c->every);
	}
	return 0;
}

/* Drain a PostgreSQL primary once, or every c->every. */
static int
run_pg(const struct config *c)
{
	struct source src = { NULL, NULL };
	struct jerr e;
	int rc;

	if (jpgcap_open(c->db, c->journal, &src.pg, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	if ((c->mode == DDL && jpgcap_ddl(src.pg, c->sql, &e) < 0) ||
	    (c->mode == DDL_DONE && jpgcap_ddl_done(src.pg, c->sql, &e) < 0)) {
		jpgcap_close(src.pg);
		jdiex(e.code, "unable to change the schema of %s: %s", c->db, e.msg);
	}
	rc = run_drain(c, &src);
	jpgcap_close(src.pg);
	return rc;
}

static int
run(const struct config *c)
{
	struct jcapture *cap;
	struct source src = { NULL, NULL };
	struct jerr e;
	int rc;

	if (c->pg)
		return run_pg(c);
	if (jcapture_open(c->db, c->journal, &cap, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	src.lite = cap;
	if (c->mode == DDL || c->mode == DDL_DONE) {
		rc = c->mode == DDL ? jcapture_ddl(cap, c->sql, &e) :
		    jcapture_ddl_done(cap, c->sql, &e);
		if (rc < 0) {
			jcapture_close(cap);
			jdiex(e.code, "unable to change the schema of %s: %s", c->db, e.msg);
		}
	}
	rc = run_drain(c, &src);
	jcapture_close(cap);
	return rc;
}

int
main(int argc, char **argv)
{
	struct config c;
	struct jcapture_install io;
	struct jerr e;
	int rc;

	memset(&c, 0, sizeof c);
	jerr_init(argv[0]);
	parse(argc, argv, &c);
	switch (c.mode) {
	case INSTALL:
		io.no_snapshot = c.no_snapshot;
		if ((c.pg ? jpgcap_install(c.db, c.journal, &io, &e) :
		    jcapture_install(c.db, c.journal, &io, &e)) < 0)
			jdiex(e.code, "unable to install capture in %s: %s", c.db, e.msg);
		return run(&c);     /* the snapshot goes into the journal at once */
	case UNINSTALL:
		if ((c.pg ? jpgcap_uninstall(c.db, &e) : jcapture_uninstall(c.db, c.force, &e)) < 0)
			jdiex(e.code, "unable to uninstall capture from %s: %s", c.db, e.msg);
		return 0;
	default:
		if (c.checksum && japply_is_pg(c.db) && (rc = check_pg(&c)) != 0)
			return rc;
		return run(&c);
	}
}
