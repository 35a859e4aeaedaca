/* err: one-line diagnostics in the form "tool: what failed: why". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "io.h"

const char *jerr_prog = "jmirror";

void
jerr_init(const char *argv0)
{
	if (argv0 && *argv0)
		jerr_prog = jio_basename(argv0);
}

int
jerr_set(struct jerr *e, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (e) {
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	errno = saved;
	return -1;
}

int
jerr_sys(struct jerr *e, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	if (e) {
		e->code = code;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(saved));
	}
	errno = saved;
	return -1;
}

int
jerr_errno_code(int err, int dflt)
{
	switch (err) {
	case EACCES: case EPERM: return EX_NOPERM;
	case EROFS:              return EX_CANTCREAT;
	}
	return dflt;
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
