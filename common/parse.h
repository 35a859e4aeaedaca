/*
 * parse: numbers with units, as operators write them on command lines and in cron lines.
 *
 *   jparse_size("64M", &n)       bytes; suffixes K M G T (powers of 1024), optional "B"/"iB"
 *   jparse_duration("90s", &ns)  nanoseconds; suffixes ns us ms s m min h d, fractions
 *                                allowed ("1.5s", "100ms"); a bare number means seconds
 *   jparse_u64("42", &n)         a plain decimal number
 *
 * Numbers are DIGITS[.DIGITS]: no sign, exponent, hex or blanks. Each returns 0, or -1 with
 * errno EINVAL (not a number, unknown unit) or ERANGE (does not fit in 64 bits).
 * jparse_fmt_duration prints ns back in the largest unit that reads naturally ("2h", "90s",
 * "1.5s", "250ms"), in a form jparse_duration reads back.
 */
#ifndef JM_PARSE_H
#define JM_PARSE_H

#include <stddef.h>
#include <stdint.h>

int   jparse_size(const char *s, uint64_t *out);
int   jparse_duration(const char *s, uint64_t *ns);
int   jparse_u64(const char *s, uint64_t *out);
char *jparse_fmt_duration(uint64_t ns, char *buf, size_t size);
char *jparse_fmt_size(uint64_t bytes, char *buf, size_t size);

#endif
