/*
 * jjbench: timing loops for tests/bench/append and tests/bench/rotate.
 *
 *   jjbench sync JOURNAL COUNT SIZE   COUNT appends of one SIZE-byte record with JJ_SYNC
 *   jjbench raw FILE COUNT SIZE       the baseline: COUNT write(2)+fdatasync(2) of the same
 *                                     framed size (SIZE + 28 bytes) to a plain file
 *   jjbench stall JOURNAL STOPFILE    append one record at a time until STOPFILE exists
 *   jjbench rotate JOURNAL ROUNDS JROTATE
 *                                     ROUNDS times: append ~3 KiB, time jjournal_rotate();
 *                                     append ~3 KiB, time a run of the JROTATE command
 *
 * sync and raw print "OPS_PER_SECOND"; stall prints "APPENDS MAX_US P999_US"; rotate prints
 * "API_MEDIAN_US API_MAX_US CMD_MEDIAN_US CMD_MAX_US".
 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "journal.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct jjournal *j;
	struct jerr e;
	char *buf;
	double t0;

	jerr_init(argv[0]);
	if (argc == 5 && (strcmp(argv[1], "sync") == 0 || strcmp(argv[1], "raw") == 0)) {
		long count = atol(argv[3]), size = atol(argv[4]);
		struct jjournal_payload r;

		if (!(buf = malloc((size_t)size + 28)))
			jdie(EX_OSERR, "malloc");
		memset(buf, 'x', (size_t)size + 28);
		if (argv[1][0] == 's') {
			if (jjournal_open(argv[2], JJ_SYNC, &j, &e) < 0)
				jdiex(e.code, "%s", e.msg);
			r.type = JFMT_TYPE_SQL;
			r.data = buf;
			r.len = (uint32_t)size;
			t0 = now();
			for (long i = 0; i < count; i++)
				if (jjournal_append(j, &r, 1, NULL, &e) < 0)
					jdiex(e.code, "%s", e.msg);
			printf("%.0f\n", (double)count / (now() - t0));
			jjournal_close(j, &e);
		} else {
			int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);

			if (fd < 0)
				jdie(EX_CANTCREAT, "%s", argv[2]);
			t0 = now();
			for (long i = 0; i < count; i++)
				if (write(fd, buf, (size_t)size + 28) != size + 28 || fdatasync(fd) < 0)
					jdie(EX_IOERR, "%s", argv[2]);
			printf("%.0f\n", (double)count / (now() - t0));
			close(fd);
		}
		free(buf);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "stall") == 0) {
		struct jjournal_payload r = { JFMT_TYPE_SQL, "INSERT INTO t VALUES(1, 'stall probe');", 39 };
		size_t n = 0, cap = 1 << 20;
		uint64_t *lat = malloc(cap * sizeof *lat), max = 0;

		if (!lat || jjournal_open(argv[2], 0, &j, &e) < 0)
			jdiex(EX_SOFTWARE, "open %s", argv[2]);
		while (access(argv[3], F_OK) < 0) {
			double a = now();

			if (jjournal_append(j, &r, 1, NULL, &e) < 0)
				jdiex(e.code, "%s", e.msg);
			if (n == cap && !(lat = realloc(lat, (cap *= 2) * sizeof *lat)))
				jdie(EX_OSERR, "realloc");
			lat[n] = (uint64_t)((now() - a) * 1e6);
			if (lat[n] > max)
				max = lat[n];
			n++;
			usleep(100);
		}
		qsort(lat, n, sizeof *lat, cmp_u64);
		printf("%zu %llu %llu\n", n, (unsigned long long)max,
		    (unsigned long long)(n ? lat[n * 999 / 1000] : 0));
		jjournal_close(j, &e);
		free(lat);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "rotate") == 0) {
		long rounds = atol(argv[3]);
		uint64_t *api = calloc((size_t)rounds, sizeof *api);
		uint64_t *cmd = calloc((size_t)rounds, sizeof *cmd);
		struct jjrotate o = { 0 };
		struct jjournal_payload r[30];
		char seg[4096], line[100];
		extern char **environ;

		memset(line, 'x', sizeof line);
		for (int i = 0; i < 30; i++) {
			r[i].type = JFMT_TYPE_SQL;
			r[i].data = line;
			r[i].len = sizeof line;
		}
		if (!api || !cmd || jjournal_open(argv[2], 0, &j, &e) < 0)
			jdiex(EX_SOFTWARE, "open %s", argv[2]);
		for (long i = 0; i < rounds; i++) {
			char *av[] = { argv[4], "-q", argv[2], NULL };
			pid_t pid;
			int st;

			if (jjournal_append(j, r, 30, NULL, &e) < 0)
				jdiex(e.code, "%s", e.msg);
			t0 = now();
			if (jjournal_rotate(argv[2], &o, seg, sizeof seg, &e) != 1)
				jdiex(EX_SOFTWARE, "rotate: %s", e.msg);
			api[i] = (uint64_t)((now() - t0) * 1e6);
			if (jjournal_append(j, r, 30, NULL, &e) < 0)
				jdiex(e.code, "%s", e.msg);
			t0 = now();
			if (posix_spawn(&pid, argv[4], NULL, NULL, av, environ) != 0 ||
			    waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				jdiex(EX_SOFTWARE, "%s failed", argv[4]);
			cmd[i] = (uint64_t)((now() - t0) * 1e6);
		}
		qsort(api, (size_t)rounds, sizeof *api, cmp_u64);
		qsort(cmd, (size_t)rounds, sizeof *cmd, cmp_u64);
		printf("%llu %llu %llu %llu\n", (unsigned long long)api[rounds / 2],
		    (unsigned long long)api[rounds - 1], (unsigned long long)cmd[rounds / 2],
		    (unsigned long long)cmd[rounds - 1]);
		jjournal_close(j, &e);
		free(api);
		free(cmd);
		return 0;
	}
	jusage("jjbench sync|raw PATH COUNT SIZE | jjbench stall JOURNAL STOPFILE", EX_USAGE);
}
