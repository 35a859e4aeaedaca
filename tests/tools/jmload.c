/*
 * jmload: a steady write load for the demo and the lag benchmark. Writes SQL INSERT lines
 * at a fixed rate, each carrying the time it was written, so that a reader of the mirror can
 * tell how old a row was when it became visible there (see jmlag).
 *
 *   jmload [-cW] [-r RATE] [-n COUNT] [-B BURST] [-i FIRSTID] [-b PADBYTES] [-t TABLE] [-o FILE]
 *
 * Line i (ids FIRSTID, FIRSTID+1, ...):
 *     INSERT INTO TABLE(id, ts, v) VALUES(ID, NS, 'xxx...');
 * where NS is CLOCK_REALTIME in nanoseconds when the line was written. -c first writes
 * "CREATE TABLE IF NOT EXISTS TABLE(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, v TEXT);".
 * RATE lines per second (0: as fast as possible), written every millisecond in the batch that
 * is due, so that a reader sees each line within a millisecond of its time; COUNT lines (0:
 * until killed), then BURST more lines as fast as it can (a backlog for the mirror to catch
 * up with); with -W, only once it gets SIGUSR1 (after the paced lines were measured).
 * Default: standard output. With -o FILE, lines are appended to FILE, and
 * SIGHUP makes jmload finish its current batch and reopen FILE (creating it anew): the way
 * an operator's script rotates a plain log (mv FILE FILE.1; kill -HUP; wait for FILE).
 * Exits 0 after COUNT lines, or on SIGTERM/SIGINT after the batch in progress.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "io.h"

static volatile sig_atomic_t hup, stop, go;

static void on_hup(int s) { (void)s; hup = 1; }
static void on_stop(int s) { (void)s; stop = 1; }
static void on_go(int s) { (void)s; go = 1; }

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
open_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		jdie(EX_CANTCREAT, "unable to open %s", path);
	return fd;
}

int
main(int argc, char **argv)
{
	const char *out = NULL, *table = "t";
	uint64_t rate = 1000, count = 0, burst = 0, id = 1, pad = 16, done = 0;
	int create = 0, gate = 0, fd = 1, c;
	char *padstr, *buf;
	size_t cap = 1 << 20, len = 0;
	struct sigaction sa;

	jerr_init(argv[0]);
	while ((c = getopt(argc, argv, "cWr:n:B:i:b:t:o:")) != -1) {
		switch (c) {
		case 'c': create = 1; break;
		case 'W': gate = 1; break;
		case 'r': rate = strtoull(optarg, NULL, 10); break;
		case 'n': count = strtoull(optarg, NULL, 10); break;
		case 'B': burst = strtoull(optarg, NULL, 10); break;
		case 'i': id = strtoull(optarg, NULL, 10); break;
		case 'b': pad = strtoull(optarg, NULL, 10); break;
		case 't': table = optarg; break;
		case 'o': out = optarg; break;
		default: jusage("jmload [-cW] [-r RATE] [-n COUNT] [-B BURST] [-i FIRSTID] "
		             "[-b PADBYTES] [-t TABLE] [-o FILE]", EX_USAGE);
		}
	}
	if (optind != argc || pad > 4096 || (burst && !count))
		jusage("jmload [-cW] [-r RATE] [-n COUNT] [-B BURST] [-i FIRSTID] [-b PADBYTES] "
		    "[-t TABLE] [-o FILE]", EX_USAGE);
	if (!(padstr = malloc(pad + 1)) || !(buf = malloc(cap)))
		jdie(EX_OSERR, "out of memory");
	memset(padstr, 'x', pad);
	padstr[pad] = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_go;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (out)
		fd = open_out(out);
	if (create) {
		len = (size_t)snprintf(buf, cap, "CREATE TABLE IF NOT EXISTS %s(id INTEGER PRIMARY "
		    "KEY, ts INTEGER NOT NULL, v TEXT);\n", table);
		if (jio_write_all(fd, buf, len) < 0)
			jdie(EX_IOERR, "write");
		len = 0;
	}

	uint64_t start = now_ns(CLOCK_MONOTONIC), total = count ? count + burst : 0;
	while (!stop && (total == 0 || done < total)) {
		uint64_t due = total ? total : UINT64_MAX;
		int paced = rate && (count == 0 || done < count);
		if (gate && burst && done == count && !go) {
			struct timespec ms = { 0, 1000000 };
			if (hup && out) {
				hup = 0;
				close(fd);
				fd = open_out(out);
			}
			nanosleep(&ms, NULL);
			continue;
		}
		if (paced) {
			uint64_t el = now_ns(CLOCK_MONOTONIC) - start;
			uint64_t d = (uint64_t)((double)el * (double)rate / 1e9) + 1;
			if (d < due)
				due = d;
			if (count && due > count)
				due = count;
		}
		uint64_t ts = now_ns(CLOCK_REALTIME);
		while (done < due && len + pad + 128 + strlen(table) < cap) {
			len += (size_t)snprintf(buf + len, cap - len,
			    "INSERT INTO %s(id, ts, v) VALUES(%llu, %llu, '%s');\n", table,
			    (unsigned long long)(id + done), (unsigned long long)ts, padstr);
			done++;
		}
		if (len && jio_write_all(fd, buf, len) < 0) {
			if (errno == EPIPE)
				break;
			jdie(EX_IOERR, "write");
		}
		len = 0;
		if (hup && out) {
			hup = 0;
			close(fd);
			fd = open_out(out);
		}
		if (paced && (count == 0 || done < count)) {
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
	}
	if (out && close(fd) < 0)
		jdie(EX_IOERR, "close %s", out);
	free(buf);
	free(padstr);
	return 0;
}
