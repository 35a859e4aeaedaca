/*
 * jmlag: measure how long rows written by jmload take to become visible in a mirror database.
 *
 *   jmlag [-t TABLE] [-i FIRSTID] [-p POLL_US] [-w IDLE_S] [-o RAWFILE] DB COUNT
 *
 * Polls DB (read-only, so it never takes part in the mirror's writes; WAL lets it read while
 * the mirror applies) every POLL_US microseconds (default 1000) for max(id) of TABLE. When it
 * grows, the rows that just became visible are read and each one's lag is the time of that
 * poll minus its ts column (jmload's commit time): one cheap indexed query per poll, so the
 * measurement costs the mirror nothing and is precise to the poll interval. It stops when row
 * FIRSTID+COUNT-1 is visible, after IDLE_S seconds (default 30) without progress, or on
 * SIGTERM, and prints one line:
 *   visible=N count=COUNT p50_ms= p99_ms= max_ms= rate= first_p50_ms= first_p99_ms=
 *   last_p50_ms= last_p99_ms= growth= thru=
 * rate: rows per second made visible between the first and the last visible row; thru: rows
 * per second from the first row's commit to the last row's visibility; first and
 * last: the first and the last third of the rows (by id); growth: last_p50 / first_p50.
 * With -o, one "id lag_us" line per row is written to RAWFILE.
 * Exit 0 when all COUNT rows were seen, 1 otherwise.
 */
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static volatile sig_atomic_t stop;
static void on_stop(int s) { (void)s; stop = 1; }

static int64_t
now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* p-th percentile (0..1) of v[0..n), sorting a copy in tmp */
static double
pct_ms(const int64_t *v, size_t n, double p, int64_t *tmp)
{
	if (n == 0)
		return 0;
	memcpy(tmp, v, n * sizeof *v);
	qsort(tmp, n, sizeof *tmp, cmp64);
	size_t k = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)tmp[k] / 1e6;
}

int
main(int argc, char **argv)
{
	const char *table = "t", *raw = NULL, *path;
	int64_t first = 1, poll_us = 1000, idle_s = 30;
	uint64_t count;
	int c;
	sqlite3 *db = NULL;
	sqlite3_stmt *qmax = NULL, *qrows = NULL;
	char sql[512];

	jerr_init(argv[0]);
	while ((c = getopt(argc, argv, "t:i:p:w:o:")) != -1) {
		switch (c) {
		case 't': table = optarg; break;
		case 'i': first = strtoll(optarg, NULL, 10); break;
		case 'p': poll_us = strtoll(optarg, NULL, 10); break;
		case 'w': idle_s = strtoll(optarg, NULL, 10); break;
		case 'o': raw = optarg; break;
		default: jusage("jmlag [-t TABLE] [-i FIRSTID] [-p POLL_US] [-w IDLE_S] [-o RAW] DB COUNT",
		             EX_USAGE);
		}
	}
	if (argc - optind != 2)
		jusage("jmlag [-t TABLE] [-i FIRSTID] [-p POLL_US] [-w IDLE_S] [-o RAW] DB COUNT", EX_USAGE);
	path = argv[optind];
	count = strtoull(argv[optind + 1], NULL, 10);
	if (count == 0)
		jdiex(EX_USAGE, "COUNT must be positive");

	int64_t *lag = calloc(count, sizeof *lag), *tmp = calloc(count, sizeof *tmp);
	unsigned char *seen = calloc(count, 1);
	if (!lag || !tmp || !seen)
		jdie(EX_OSERR, "out of memory");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	int64_t last = first - 1, end = first + (int64_t)count - 1;
	int64_t progress = now_ns(CLOCK_MONOTONIC), tfirst = 0, tlast = 0, tmin = 0;
	uint64_t nvis = 0;
	struct timespec pause = { poll_us / 1000000, (poll_us % 1000000) * 1000 };

	while (!stop && last < end) {
		if (now_ns(CLOCK_MONOTONIC) - progress > idle_s * 1000000000)
			break;
		if (!db) {
			if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
				sqlite3_close(db);
				db = NULL;
				nanosleep(&pause, NULL);
				continue;
			}
			sqlite3_busy_timeout(db, 100);
		}
		if (!qmax) {
			snprintf(sql, sizeof sql, "SELECT max(id) FROM %s", table);
			if (sqlite3_prepare_v2(db, sql, -1, &qmax, NULL) != SQLITE_OK) {
				sqlite3_finalize(qmax);
				qmax = NULL;
				sqlite3_close(db);   /* the schema may not be there yet: reopen */
				db = NULL;
				nanosleep(&pause, NULL);
				continue;
			}
			snprintf(sql, sizeof sql, "SELECT id, ts FROM %s WHERE id > ? AND id <= ?", table);
			if (sqlite3_prepare_v2(db, sql, -1, &qrows, NULL) != SQLITE_OK)
				jdiex(EX_SOFTWARE, "%s: %s", path, sqlite3_errmsg(db));
		}
		int64_t m = last;
		if (sqlite3_step(qmax) == SQLITE_ROW && sqlite3_column_type(qmax, 0) != SQLITE_NULL)
			m = sqlite3_column_int64(qmax, 0);
		sqlite3_reset(qmax);
		if (m > last) {
			int64_t v = now_ns(CLOCK_REALTIME);
			sqlite3_bind_int64(qrows, 1, last);
			sqlite3_bind_int64(qrows, 2, m);
			while (sqlite3_step(qrows) == SQLITE_ROW) {
				int64_t id = sqlite3_column_int64(qrows, 0);
				if (id < first || id > end || seen[id - first])
					continue;
				int64_t ts = sqlite3_column_int64(qrows, 1);
				seen[id - first] = 1;
				lag[id - first] = v - ts;
				if (!tmin || ts < tmin)
					tmin = ts;
				nvis++;
			}
			sqlite3_reset(qrows);
			if (!tfirst)
				tfirst = v;
			tlast = v;
			last = m;
			progress = now_ns(CLOCK_MONOTONIC);
			continue;
		}
		nanosleep(&pause, NULL);
	}
	sqlite3_finalize(qmax);
	sqlite3_finalize(qrows);
	sqlite3_close(db);

	/* compact the rows seen, in id order */
	int64_t *v = malloc(count * sizeof *v);
	if (!v)
		jdie(EX_OSERR, "out of memory");
	size_t n = 0;
	FILE *rf = raw ? fopen(raw, "w") : NULL;
	if (raw && !rf)
		jdie(EX_CANTCREAT, "%s", raw);
	for (uint64_t i = 0; i < count; i++) {
		if (!seen[i])
			continue;
		v[n++] = lag[i];
		if (rf)
			fprintf(rf, "%lld %lld\n", (long long)(first + (int64_t)i), (long long)(lag[i] / 1000));
	}
	if (rf && fclose(rf) != 0)
		jdie(EX_IOERR, "%s", raw);
	size_t third = n / 3;
	double f50 = pct_ms(v, third, 0.5, tmp), l50 = pct_ms(v + n - third, third, 0.5, tmp);
	double rate = tlast > tfirst ? (double)(n - 1) * 1e9 / (double)(tlast - tfirst) : 0;
	double thru = tlast > tmin && tmin ? (double)n * 1e9 / (double)(tlast - tmin) : 0;
	printf("visible=%zu count=%llu p50_ms=%.1f p99_ms=%.1f max_ms=%.1f rate=%.0f "
	    "first_p50_ms=%.1f first_p99_ms=%.1f last_p50_ms=%.1f last_p99_ms=%.1f growth=%.2f "
	    "thru=%.0f\n",
	    n, (unsigned long long)count, pct_ms(v, n, 0.5, tmp), pct_ms(v, n, 0.99, tmp),
	    pct_ms(v, n, 1.0, tmp), rate, f50, pct_ms(v, third, 0.99, tmp), l50,
	    pct_ms(v + n - third, third, 0.99, tmp), f50 > 0 ? l50 / f50 : 0, thru);
	if (fflush(stdout) != 0 || ferror(stdout))
		jdie(EX_IOERR, "stdout");
	free(v);
	free(lag);
	free(tmp);
	free(seen);
	return n == count ? 0 : 1;
}
