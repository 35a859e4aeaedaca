/* err: a failure as a value (code and one-line message) that common/ hands back to the tool. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static void __attribute__((format(printf, 4, 0)))
vset(struct jerr *e, int code, int err, const char *fmt, va_list ap)
{
	size_t n;

	e->code = code;
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	n = strlen(e->msg);
	if (err)
		snprintf(e->msg + n, sizeof e->msg - n, ": %s", strerror(err));
}

int
jerr_set(struct jerr *e, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vset(e, code, 0, fmt, ap);
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

	if (e) {
		va_start(ap, fmt);
		vset(e, code, saved, fmt, ap);
		va_end(ap);
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

