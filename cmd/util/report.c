/* report: one-line diagnostics in the form "tool: what failed: why", usage and version. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "report.h"
#include "text.h"

const char *jerr_prog = "jmirror";

void
jerr_init(const char *argv0)
{
	if (argv0 && *argv0)
		jerr_prog = jio_basename(argv0);
}

static void __attribute__((format(printf, 2, 0)))
vwarn(int use_errno, const char *fmt, va_list ap)
{
	int saved = errno;

	fflush(stdout);
	fprintf(stderr, "%s: ", jerr_prog);
	vfprintf(stderr, fmt, ap);
	if (use_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void
jwarn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(1, fmt, ap);
	va_end(ap);
}

void
jwarnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
}

void
jdie(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(1, fmt, ap);
	va_end(ap);
	exit(code);
}

void
jdiex(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
	exit(code);
}

void
jusage(const char *synopsis, int code)
{
	FILE *f = code == 0 ? stdout : stderr;

	fprintf(f, "usage: %s\n", synopsis);
	if (code == 0 && jio_fshut(stdout) != 0)
		exit(EX_IOERR);
	exit(code);
}

void
jversion(void)
{
	printf("%s (jmirror) %s\n", jerr_prog, JM_VERSION);
	if (jio_fshut(stdout) != 0)
		exit(EX_IOERR);
	exit(0);
}

void
jput_json(const char *s, size_t n)
{
	char buf[4096];
	size_t used, k;

	putchar('"');
	for (; n > 0; s += used, n -= used) {
		k = jtext_json(s, n, &used, buf, sizeof buf);
		fwrite(buf, 1, k, stdout);
	}
	putchar('"');
}
