/*
 * err: how tools report. A tool calls jerr_init(argv[0]) once; then
 *     jwarn("unable to open %s", path)   prints "tool: unable to open PATH: <strerror(errno)>"
 *     jwarnx("...")                        prints "tool: ..." (no errno)
 *     jdie(EX_IOERR, ...), jdiex(EX_DATAERR, ...) do the same and exit with that code.
 * Only cmd/ calls these: common/ never prints and never exits; it fills a struct jerr
 * (a one-line message) or sets errno and returns -1.
 */
#ifndef JM_ERR_H
#define JM_ERR_H

#include <stdarg.h>
#include <sysexits.h>

struct jerr {
	int  code;              /* a <sysexits.h> code saying what kind of failure this is */
	char msg[512];
};

extern const char *jerr_prog;

void jerr_init(const char *argv0);
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

void jwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void jwarnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void jdie(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void jdiex(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Print "usage: ..." lines to stderr and exit EX_USAGE; with code 0 print to stdout. */
void jusage(const char *synopsis, int code) __attribute__((noreturn));
void jversion(void) __attribute__((noreturn));

#endif
