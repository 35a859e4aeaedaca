/* parse: sizes and durations with units. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int
jparse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -1;
	if (*end != '\0') {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
}

/* A non-negative decimal with an optional fraction, then the rest (the unit) in *unit. */
static int
number(const char *s, long double *v, const char **unit)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	*v = strtold(s, &end);
	if (end == s || errno == ERANGE || !isfinite(*v) || *v < 0) {
		errno = errno == ERANGE ? ERANGE : EINVAL;
		return -1;
	}
	*unit = end;
	return 0;
}

static int
scaled(long double v, long double mul, uint64_t *out)
{
	long double r = v * mul;

	if (r >= 18446744073709551615.0L) {
		errno = ERANGE;
		return -1;
	}
	*out = (uint64_t)(r + 0.5L);
	return 0;
}

int
jparse_size(const char *s, uint64_t *out)
{
	static const struct { const char *u; long double m; } units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1024.0L }, { "KB", 1024.0L }, { "KiB", 1024.0L }, { "k", 1024.0L },
		{ "M", 1048576.0L }, { "MB", 1048576.0L }, { "MiB", 1048576.0L },
		{ "G", 1073741824.0L }, { "GB", 1073741824.0L }, { "GiB", 1073741824.0L },
		{ "T", 1099511627776.0L }, { "TB", 1099511627776.0L }, { "TiB", 1099511627776.0L },
	};
	const char *unit;
	long double v;

	if (number(s, &v, &unit) < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(unit, units[i].u) == 0)
			return scaled(v, units[i].m, out);
	errno = EINVAL;
	return -1;
}

int
jparse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *u; long double m; } units[] = {
		{ "", 1e9L }, { "s", 1e9L }, { "ns", 1 }, { "us", 1e3L }, { "ms", 1e6L },
		{ "m", 60e9L }, { "min", 60e9L }, { "h", 3600e9L }, { "d", 86400e9L },
	};
	const char *unit;
	long double v;

	if (number(s, &v, &unit) < 0)
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(unit, units[i].u) == 0)
			return scaled(v, units[i].m, ns);
	errno = EINVAL;
	return -1;
}

char *
jparse_fmt_duration(uint64_t ns, char *buf, size_t size)
{
	if (ns >= 86400000000000ull && ns % 3600000000000ull == 0)
		snprintf(buf, size, "%gh", (double)ns / 3600e9);
	else if (ns >= 1000000000ull)
		snprintf(buf, size, "%.3gs", (double)ns / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, size, "%.3gms", (double)ns / 1e6);
	else if (ns >= 1000ull)
		snprintf(buf, size, "%.3gus", (double)ns / 1e3);
	else
		snprintf(buf, size, "%lluns", (unsigned long long)ns);
	return buf;
}

char *
jparse_fmt_size(uint64_t b, char *buf, size_t size)
{
	static const char *u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%lluB", (unsigned long long)b);
	else
		snprintf(buf, size, "%.1f%s", v, u[i]);
	return buf;
}
