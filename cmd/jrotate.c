/*
 * jrotate: seal the live journal into the next numbered segment and start its successor,
 * once (for cron) or on a period (--every, for a streaming pipeline). The sequence of steps
 * and how every crash point is resumed are in common/journal.c.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "stop.h"
#include "age.h"
#include "clock.h"
#include "io.h"
#include "journal.h"
#include "name.h"
#include "parse.h"
#include "sig.h"
#include "zio.h"

static const char synopsis[] =
    "jrotate [-0q] [--sign KEY] [--encrypt-to RECIPIENT... [--compress METHOD[:LEVEL]] |\n"
    "               --no-encrypt] [--if-size SIZE] [--if-age DURATION] [--no-wait] JOURNAL\n"
    "       jrotate [-0q] [--sign KEY] [--encrypt-to ... | --no-encrypt] --every DURATION\n"
    "               [--if-size SIZE] [--if-age DURATION] JOURNAL\n"
    "       jrotate [-0q] [--sign KEY] [--encrypt-to ... | --no-encrypt] --final [--no-wait]\n"
    "               JOURNAL";

struct config {
	const char     *path;
	const char     *keyfile;  /* --sign */
	struct jsig_key key;
	struct jjrotate o;
	uint64_t        every;    /* ns, 0: once */
	int             quiet;
	int             delim;
};

/* One rotation: 0 done (or nothing to do), else the exit code. */
static int
rotate_once(const struct config *c)
{
	char seg[4096];
	struct jerr e;
	int rc = jjournal_rotate(c->path, &c->o, seg, sizeof seg, &e);

	if (rc < 0) {
		jwarnx("unable to rotate %s: %s", c->path, e.msg);
		return e.code;
	}
	if (rc == 1 && !c->quiet) {
		printf("%s%c", seg, c->delim);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			jwarn("unable to write standard output");
			return EX_IOERR;
		}
	}
	return 0;
}

/* The time from now until at (CLOCK_MONOTONIC), 0 when it has passed. */
static struct timespec
until(const struct timespec *at)
{
	struct timespec now, d = { 0, 0 };

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > at->tv_sec || (now.tv_sec == at->tv_sec && now.tv_nsec >= at->tv_nsec))
		return d;
	d.tv_sec = at->tv_sec - now.tv_sec;
	d.tv_nsec = at->tv_nsec - now.tv_nsec;
	if (d.tv_nsec < 0) {
		d.tv_sec--;
		d.tv_nsec += 1000000000L;
	}
	return d;
}

/*
 * Sleep until at, or until a signal, or until the reader of standard output goes away: a
 * pipe whose reader exited reports POLLERR to its writer at once, so that jrotate ends with
 * its pipeline instead of at its next record. Regular files, terminals and /dev/null never
 * report it. Returns -1 when the reader is gone.
 */
static int
wait_tick(const struct config *c, const struct timespec *at)
{
	struct pollfd p = { .fd = c->quiet ? -1 : STDOUT_FILENO, .events = 0 };
	struct timespec d;

	while (!jstop) {
		d = until(at);
		if (d.tv_sec == 0 && d.tv_nsec == 0)
			return 0;
		if (ppoll(&p, 1, &d, NULL) > 0) {
			/* A SIGTERM to the whole pipeline (systemctl stop) ends its reader too:
			 * then the signal, handled on the way out of ppoll, is what stopped us. */
			if (jstop)
				return 0;
			if (p.revents & (POLLERR | POLLHUP))
				return -1;
			p.fd = -1;          /* POLLNVAL: no standard output to watch */
		}
	}
	return 0;
}

static int
run_every(const struct config *c)
{
	struct timespec next;
	int rc;

	jstop_on_signals();
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!jstop) {
		rc = rotate_once(c);
		if (rc == EX_TEMPFAIL)
			rc = 0;             /* another rotator was at it: try at the next tick */
		if (rc != 0)
			return rc;
		jclock_tick(&next, c->every);   /* a tick missed (a long rotation) is not made up */
		if (wait_tick(c, &next) < 0) {
			jwarnx("standard output: its reader has gone away");
			return EX_IOERR;
		}
	}
	return 0;
}

/* --encrypt-to: a recipient that is given but unusable stops here, before any seal. */
static void
encrypt_to(struct config *c, const char *arg)
{
	static struct jage_keys keys;
	struct jerr e;

	if (jage_recipient_add(&keys, arg, &e) < 0)
		jdiex(e.code, "--encrypt-to: %s", e.msg);
	c->o.encrypt = &keys;
}

/* --compress: zstd or xz (gzip's magic could be a record's length: jmirror(5)). */
static void
compress(struct config *c, const char *arg)
{
	if (jzio_parse(arg, &c->o.comp, &c->o.level) < 0 || c->o.comp == JCOMP_GZIP)
		jdiex(EX_USAGE, "--compress: zstd or xz, with an optional :LEVEL: %s", arg);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "if-size", required_argument, NULL, 'S' },
		{ "if-age", required_argument, NULL, 'A' },
		{ "final", no_argument, NULL, 'F' },
		{ "every", required_argument, NULL, 'E' },
		{ "sign", required_argument, NULL, 'k' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "encrypt-to", required_argument, NULL, 'R' },
		{ "no-encrypt", no_argument, NULL, 'P' },
		{ "compress", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "null", no_argument, NULL, '0' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct config c;
	struct jerr e;
	int ch, rc;

	jerr_init(argv[0]);
	memset(&c, 0, sizeof c);
	c.delim = '\n';
	while ((ch = getopt_long(argc, argv, "0q", opts, NULL)) != -1) {
		switch (ch) {
		case 'S':
			if (jparse_size(optarg, &c.o.if_size) < 0 || c.o.if_size == 0)
				jdiex(EX_USAGE, "bad size for --if-size: %s", optarg);
			break;
		case 'A':
			if (jparse_duration(optarg, &c.o.if_age) < 0 || c.o.if_age == 0)
				jdiex(EX_USAGE, "bad duration for --if-age: %s", optarg);
			break;
		case 'E':
			if (jparse_duration(optarg, &c.every) < 0 || c.every == 0)
				jdiex(EX_USAGE, "bad duration for --every: %s", optarg);
			break;
		case 'R': encrypt_to(&c, optarg); break;
		case 'P': c.o.plaintext = 1; break;
		case 'C': compress(&c, optarg); break;
		case 'F': c.o.final = 1; break;
		case 'k': c.keyfile = optarg; break;
		case 'n': c.o.nowait = 1; break;
		case 'q': c.quiet = 1; break;
		case '0': c.delim = '\0'; break;
		case 'h': jusage(synopsis, 0);
		case 'V': jversion();
		default: jusage(synopsis, EX_USAGE);
		}
	}
	if (argc - optind != 1)
		jusage(synopsis, EX_USAGE);
	if (c.o.plaintext && c.o.encrypt)
		jdiex(EX_USAGE, "--encrypt-to and --no-encrypt exclude each other");
	if (c.o.final && (c.every || c.o.if_size || c.o.if_age))
		jdiex(EX_USAGE, "--final seals unconditionally, once: it takes no --every, "
		    "--if-size or --if-age");
	c.path = argv[optind];
	if (c.keyfile) {
		if (jsig_key_load(c.keyfile, &c.key, &e) < 0)
			jdiex(e.code, "--sign: %s", e.msg);
		c.o.sign = &c.key;
	}
	rc = c.every ? run_every(&c) : rotate_once(&c);
	jsig_key_wipe(&c.key);
	if (jio_fshut(stdout) < 0 && rc == 0) {
		jwarn("unable to write standard output");
		rc = EX_IOERR;
	}
	return rc;
}
