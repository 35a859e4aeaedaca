/*
 * report: how a tool speaks, the one place outside common/ that prints diagnostics. common/
 * never prints and never exits: it hands a struct jerr (err.h) or errno back, and the tool
 * reports it here, in the form "tool: what failed: why". A tool calls jerr_init(argv[0]) once;
 * then
 *     jwarn("unable to open %s", path)   prints "tool: unable to open PATH: <strerror(errno)>"
 *     jwarnx("...")                        prints "tool: ..." (no errno)
 *     jdie(EX_IOERR, ...), jdiex(EX_DATAERR, ...) do the same and exit with that code.
 * Tools and test tools link it (libjmtool.a); the library built from common/ does not.
 */
#ifndef JM_REPORT_H
#define JM_REPORT_H

#include <stddef.h>

#include "err.h"

extern const char *jerr_prog;

void jerr_init(const char *argv0);

void jwarn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void jwarnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void jdie(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void jdiex(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Write s[0..n) to stdout as one JSON string, quotes included (text.h's escaping: bytes that
 * are not UTF-8 are escaped, never copied raw). */
void jput_json(const char *s, size_t n);

/* Print "usage: ..." lines to stderr and exit EX_USAGE; with code 0 print to stdout. */
void jusage(const char *synopsis, int code) __attribute__((noreturn));
void jversion(void) __attribute__((noreturn));

#endif
