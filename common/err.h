/*
 * err: a failure as a value. common/ never prints and never exits: it fills a struct jerr (a
 * code from <sysexits.h> and a one-line message) or sets errno, and returns -1; the tool
 * reports it through cmd/util/report.h.
 */
#ifndef JM_ERR_H
#define JM_ERR_H

#include <stdarg.h>
#include <sysexits.h>

struct jerr {
	int  code;              /* a <sysexits.h> code saying what kind of failure this is */
	char msg[512];
};

/*
 * Fill e (if not NULL) with a code (EX_DATAERR for damaged input, EX_IOERR, EX_TEMPFAIL for
 * busy or retryable, ...) and a formatted message; keeps errno. Returns -1 for convenience:
 *     return jerr_set(e, EX_DATAERR, "offset %lld: bad record checksum", off);
 */
int  jerr_set(struct jerr *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like jerr_set, appending ": strerror(errno)". */
int  jerr_sys(struct jerr *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The exit code for a failure to open or create a file, from its errno: permission (EACCES,
 * EPERM) is EX_NOPERM, a read-only file system EX_CANTCREAT, anything else dflt. Every place
 * that turns such an errno into a code calls this, so that jmirror(7)'s table holds for all.
 */
int  jerr_errno_code(int err, int dflt);

#endif
