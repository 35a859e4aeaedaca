/* err: a failure as a value (code and one-line message) that common/ hands back to the tool. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

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

