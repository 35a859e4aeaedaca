/*
 * fuzz_parse: libFuzzer target for the number parsers (parse.c). Each input, cut at its
 * first NUL, is read by jparse_u64, jparse_size and jparse_duration. Besides the sanitizers'
 * checks, the parsers' promises are asserted: a failure sets errno to EINVAL or ERANGE and
 * leaves the result alone; a plain number means the same to jparse_u64 and jparse_size;
 * what jparse_u64 accepts prints back as the same number; what the formatters print is read
 * back by the parsers, to the precision they print.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t untouched = 0x5a5a5a5a5a5a5a5aull;

/* Call f on s; on failure, check errno and that *out was left alone. */
static int
parse(int (*f)(const char *, uint64_t *), const char *s, uint64_t *out)
{
	*out = untouched;
	errno = 0;
	if (f(s, out) == 0)
		return 0;
	want(errno == EINVAL || errno == ERANGE);
	want(*out == untouched);
	return -1;
}

static int
all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static uint64_t
distance(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/*
 * The formatters round to three decimals (durations) or one (sizes) of the unit they pick.
 * Values within that rounding of 2^64 print as a number that no longer fits (for example
 * 18446744073.71s), so the read-back is asserted below 2^63 only.
 */
static void
read_back(uint64_t n)
{
	char buf[64];
	uint64_t back;

	if (n >= (UINT64_MAX >> 1))
		return;
	jparse_fmt_duration(n, buf, sizeof buf);
	want(parse(jparse_duration, buf, &back) == 0);
	want(distance(back, n) <= n / 1000 + 1);
	jparse_fmt_size(n, buf, sizeof buf);
	want(parse(jparse_size, buf, &back) == 0);
	want(distance(back, n) <= n / 20 + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t u, sz, ns;
	int ru, rs;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	ru = parse(jparse_u64, s, &u);
	rs = parse(jparse_size, s, &sz);
	if (parse(jparse_duration, s, &ns) == 0)
		read_back(ns);
	if (ru == 0) {
		char buf[32];
		uint64_t again;

		want(all_digits(s));
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
		want(parse(jparse_u64, buf, &again) == 0 && again == u);
		want(rs == 0 && sz == u);
	}
	if (rs == 0)
		read_back(sz);
	free(s);
	return 0;
}
