/*
 * jfetch: pull from a hub the complete segments a directory lacks, once (for cron) or on
 * a period (--every), and print the paths fetched (man/jfetch.1). The run itself, its
 * verification and its crash ladder are common/fetch.c's.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cursor.h"
#include "fetch.h"
#include "hub.h"
#include "io.h"
#include "parse.h"
#include "opt.h"
#include "report.h"
#include "stop.h"

static const char synopsis[] =
    "jfetch [-0qv] [--every DURATION] [--name MIRROR] [--connections N]\n"
    "              [--connect-timeout DURATION] [--stall-time DURATION] [--netrc-file FILE]\n"
    "              [--key FILE] [--known-hosts FILE] [--cacert FILE] [--s3-endpoint URL]\n"
    "              [--s3-region REGION] [--trust PUBKEY]... URL DIR";

struct config {
	const char       *url, *dir;
	struct jfetch_opts o;
	struct jsig_trust  trust;     /* --trust */
	struct jxfer_opts  xfer;
	uint64_t          every;      /* ns, 0: once */
	int               delim, quiet, verbose;
};

static char last_msg[sizeof ((struct jerr *)0)->msg];   /* --every: said already */
static int out_failed;

static void
print_path(void *arg, const char *path)
{
	const struct config *c = arg;

	if (c->quiet || out_failed)
		return;
	printf("%s%c", path, c->delim);
	if (fflush(stdout) != 0 || ferror(stdout))
		out_failed = 1;
}

/* Say a failure once: a poll loop that meets the same one again stays quiet. */
static void
say(const struct config *c, const struct jerr *e)
{
	if (c->every && strcmp(e->msg, last_msg) == 0)
		return;
	jwarnx("%s", e->msg);
	if (c->every)
		snprintf(last_msg, sizeof last_msg, "%s", e->msg);
}

static void
refused(void *arg, const struct jerr *e)
{
	say(arg, e);
}

static void
trace_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%s: %s\n", jerr_prog, line);
}

/* One run: 0, or the exit code it earned. */
static int
fetch_once(const struct config *c, struct jhub *h, struct jfetch_result *r)
{
	struct jerr e = { 0, "" };

	if (jfetch_run(h, &c->o, r, &e) < 0) {
		say(c, &e);
		return e.code;
	}
	if (out_failed) {
		jwarn("unable to write standard output");
		return EX_IOERR;
	}
	if (r->code == 0 && r->fetched > 0)
		last_msg[0] = 0;
	return r->code;
}

/* Sleep for ns, or until SIGTERM. */
static void
pause_for(uint64_t ns)
{
	uint64_t end = jclock_mono_ns() + ns, now;

	while (!jstop && (now = jclock_mono_ns()) < end) {
		struct timespec d = { (time_t)((end - now) / 1000000000u),
		    (long)((end - now) % 1000000000u) };
		(void)ppoll(NULL, 0, &d, NULL);
	}
}

/* --every: poll until SIGTERM; what is worth retrying is retried at the next poll. */
static int
fetch_every(const struct config *c, struct jhub *h)
{
	struct jfetch_result r;
	int rc;

	memset(&r, 0, sizeof r);
	while (!jstop) {
		uint64_t start = jclock_mono_ns(), took;
		rc = fetch_once(c, h, &r);
		if (rc != 0 && rc != EX_TEMPFAIL && rc != EX_DATAERR) {
			jfetch_done(&r);
			return rc;
		}
		took = jclock_mono_ns() - start;
		if (took < c->every)
			pause_for(c->every - took);
	}
	jfetch_done(&r);
	return 0;
}

#define LIKE "2s, 500ms"                /* the durations the messages give as examples */

static void
parse_options(int argc, char **argv, struct config *c)
{
	static const struct option opts[] = {
		{ "every", required_argument, NULL, 'E' },
		{ "name", required_argument, NULL, 'n' },
		{ "connections", required_argument, NULL, 'C' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "stall-time", required_argument, NULL, 'S' },
		{ "netrc-file", required_argument, NULL, 'N' },
		{ "key", required_argument, NULL, 'K' },
		{ "known-hosts", required_argument, NULL, 'H' },
		{ "cacert", required_argument, NULL, 'A' },
		{ "s3-endpoint", required_argument, NULL, 'e' },
		{ "s3-region", required_argument, NULL, 'g' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trust", required_argument, NULL, 'U' },
		{ "null", no_argument, NULL, '0' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	struct jerr e;
	int ch;

	c->o.connections = 4;
	while ((ch = getopt_long(argc, argv, "0qv", opts, NULL)) != -1) {
		switch (ch) {
		case 'E':
			if ((c->every = jopt_duration(optarg, "--every", LIKE)) == 0)
				jdiex(EX_USAGE, "--every: a duration above zero: %s", optarg);
			break;
		case 'n':
			if (!jcursor_valid(optarg))
				jdiex(EX_USAGE, "--name: 1 to 64 of A-Z a-z 0-9 _ . -, not starting "
				    "with '.': %s", optarg);
			c->o.mirror = optarg;
			break;
		case 'C':
			if (jparse_u64(optarg, &n) < 0 || n < 1 || n > JFETCH_CONNS)
				jdiex(EX_USAGE, "--connections: a number from 1 to %d: %s", JFETCH_CONNS,
				    optarg);
			c->o.connections = (int)n;
			break;
		case 'T': c->xfer.connect_timeout = jopt_seconds(optarg, "--connect-timeout", LIKE);
		          break;
		case 'S': c->xfer.stall_time = jopt_seconds(optarg, "--stall-time", LIKE); break;
		case 'N': c->xfer.netrc = optarg; break;
		case 'K': c->xfer.key = optarg; break;
		case 'H': c->xfer.known_hosts = optarg; break;
		case 'A': c->xfer.cacert = optarg; break;
		case 'e': c->xfer.s3_endpoint = optarg; break;
		case 'g': c->xfer.s3_region = optarg; break;
		case 'q': c->quiet = 1; break;
		case 'v': c->xfer.trace = trace_line; break;
		case 'U':
			if (jsig_trust_load(&c->trust, optarg, &e) < 0)
				jdiex(e.code, "--trust: %s", e.msg);
			c->o.trust = &c->trust;
			break;
		case '0': c->delim = '\0'; break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	if (argc - optind != 2)
		jusage(synopsis, EX_USAGE);
	c->url = argv[optind];
	c->dir = c->o.dir = argv[optind + 1];
}

static int
run(struct config *c)
{
	struct jerr e = { 0, "" };
	struct jfetch_result r;
	struct jhub *h;
	int rc;

	jstop_on_signals();
	signal(SIGPIPE, SIG_IGN);
	c->o.fetched = print_path;
	c->o.refused = refused;
	c->o.arg = c;
	c->o.stop = &jstop;
	if (jxfer_global_init(&e) < 0 || jhub_open(c->url, &c->xfer, &h, &e) < 0)
		jdiex(e.code, "%s", e.msg);
	memset(&r, 0, sizeof r);
	if (c->every) {
		rc = fetch_every(c, h);
	} else {
		rc = fetch_once(c, h, &r);
		jfetch_done(&r);
	}
	jhub_close(h);
	return rc;
}

int
main(int argc, char **argv)
{
	struct config c;
	int rc;

	jerr_init(argv[0]);
	memset(&c, 0, sizeof c);
	c.delim = '\n';
	parse_options(argc, argv, &c);
	rc = run(&c);
	if (jio_fshut(stdout) < 0 && rc == 0) {
		jwarn("unable to write standard output");
		rc = EX_IOERR;
	}
	return rc;
}
