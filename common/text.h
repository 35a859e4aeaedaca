/*
 * text: the text forms the tools show values in, written once so that every tool shows a
 * time or a string the same way. Pure functions over caller buffers: nothing here prints.
 *
 *     jtext_time(ns, digits, buf, size)   UTC "2026-11-30T10:38:20.123Z" with 0..9 digits
 *                                         after the second (none and no dot for 0); buf, or
 *                                         NULL when the time cannot be shown or buf is too
 *                                         small (JTEXT_TIME_MAX is always enough)
 *     jtext_utf8_len(p, n)                length of the well-formed UTF-8 character at p
 *                                         (2..4 bytes, within n), 0 if p[0] does not start
 *                                         one (ASCII included); no surrogates, no overlongs
 *     jtext_json(s, n, &used, out, size)  the inside of a JSON string (RFC 8259) for the n
 *                                         bytes at s, as much as fits in out: returns the
 *                                         bytes written, *used the input consumed; never
 *                                         splits a character or an escape, so a caller
 *                                         loops until *used covers n (size >= JTEXT_JSON_MIN
 *                                         always makes progress)
 *     jtext_statement(p, out, size)       the start of the statement at p on one line, for a
 *                                         message: leading blanks skipped, newlines and tabs
 *                                         as spaces, at most 60 bytes and "..." when there is
 *                                         more (size >= 64 for that; a smaller out gets fewer
 *                                         bytes, no dots); out is always NUL-terminated
 * JSON form: '"' and '\\' escaped, \n \t \r, other controls and DEL as \u00XX, well-formed
 * UTF-8 as is, and every other byte b as \u00XX (U+00XX: a byte that is not UTF-8 is shown
 * as the Latin-1 character of that value, never passed on raw into invalid JSON).
 */
#ifndef JM_TEXT_H
#define JM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define JTEXT_TIME_MAX 40
#define JTEXT_JSON_MIN 6                /* the longest escape, \u00XX */

char  *jtext_time(uint64_t ns, int digits, char *buf, size_t size);
size_t jtext_utf8_len(const uint8_t *p, size_t n);
size_t jtext_json(const void *s, size_t n, size_t *used, char *out, size_t size);
void   jtext_statement(const char *p, char *out, size_t size);

#endif
