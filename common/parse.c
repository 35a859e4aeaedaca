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

/*
 * A non-negative decimal "DIGITS[.DIGITS]" (no sign, exponent or hex: strtold alone would
 * take "0x10" and "1e3"), then the rest (the unit) in *unit.
 */
static int
number(const char *s, long double *v, const char **unit)
{
	const char *p = s;
	int nd = 0;

	while (*p >= '0' && *p <= '9')
		p++, nd++;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			nd++;
	if (nd == 0) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	*v = strtold(s, NULL);
	if (errno == ERANGE || !isfinite(*v)) {
		errno = ERANGE;
		return -1;
	}
	*unit = p;
	return 0;
}

static int
scaled(long double v, long double mul, uint64_t *out)
{
	long double r = v * mul;
	uint64_t n;

	if (r >= 18446744073709551616.0L) {
		errno = ERANGE;
		return -1;
	}
	n = (uint64_t)r;
	if (r - (long double)n >= 0.5L && n < UINT64_MAX)
		n++;            /* round to nearest, without adding 0.5 near 2^64 */
	*out = n;
	return 0;
}

struct unit {
	const char *u;
	long double m;
};

/* A number followed by one of the n units (exactly), scaled to an integer. */
static int
with_unit(const char *s, const struct unit *units, size_t n, uint64_t *out)
{
	const char *unit;
	long double v;

	if (number(s, &v, &unit) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(unit, units[i].u) == 0)
			return scaled(v, units[i].m, out);
	errno = EINVAL;
	return -1;
}

int
jparse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 1024.0L }, { "KB", 1024.0L }, { "KiB", 1024.0L }, { "k", 1024.0L },
		{ "M", 1048576.0L }, { "MB", 1048576.0L }, { "MiB", 1048576.0L },
		{ "G", 1073741824.0L }, { "GB", 1073741824.0L }, { "GiB", 1073741824.0L },
		{ "T", 1099511627776.0L }, { "TB", 1099511627776.0L }, { "TiB", 1099511627776.0L },
	};

	return with_unit(s, units, sizeof units / sizeof units[0], out);
}

int
jparse_duration(const char *s, uint64_t *ns)
{
	static const struct unit units[] = {
		{ "", 1e9L }, { "s", 1e9L }, { "ns", 1 }, { "us", 1e3L }, { "ms", 1e6L },
		{ "m", 60e9L }, { "min", 60e9L }, { "h", 3600e9L }, { "d", 86400e9L },
	};

	return with_unit(s, units, sizeof units / sizeof units[0], ns);
}

/* "%.3f" without trailing zeros: 1.500 -> 1.5, 2.000 -> 2 */
static void
fixed3(char *buf, size_t size, double v, const char *unit)
{
	char num[64], *p;

	snprintf(num, sizeof num, "%.3f", v);
	p = num + strlen(num);
	while (p[-1] == '0')
		*--p = '\0';
	if (p[-1] == '.')
		*--p = '\0';
	snprintf(buf, size, "%s%s", num, unit);
}

char *
jparse_fmt_duration(uint64_t ns, char *buf, size_t size)
{
	static const struct { uint64_t ns; const char *u; } whole[] = {
		{ 86400000000000ull, "d" }, { 3600000000000ull, "h" }, { 60000000000ull, "m" },
	};

	for (size_t i = 0; ns && i < sizeof whole / sizeof whole[0]; i++)
		if (ns % whole[i].ns == 0) {
			snprintf(buf, size, "%llu%s", (unsigned long long)(ns / whole[i].ns), whole[i].u);
			return buf;
		}
	if (ns >= 1000000000ull)
		fixed3(buf, size, (double)ns / 1e9, "s");
	else if (ns >= 1000000ull)
		fixed3(buf, size, (double)ns / 1e6, "ms");
	else if (ns >= 1000ull)
		fixed3(buf, size, (double)ns / 1e3, "us");
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
