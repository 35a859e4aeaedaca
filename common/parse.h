/*
 * parse: numbers with units, as operators write them on command lines and in cron lines.
 *
 *   jparse_size("64M", &n)       bytes; units K (or k) M G T, powers of 1024, each also
 *                                with "B" or "iB" after it ("KB", "KiB"), and "B"; no unit
 *                                means bytes
 *   jparse_duration("90s", &ns)  nanoseconds; units ns us ms s m min h d; no unit means
 *                                seconds
 *   jparse_u64("42", &n)         a plain decimal number: digits only
 *
 * Sizes and durations take a number "DIGITS", "DIGITS.", "DIGITS.DIGITS" or ".DIGITS" ("1.5G",
 * "100ms"), scaled and rounded to the nearest integer, followed directly by the unit: no sign,
 * exponent, hex or blanks. Each returns 0, or -1 with errno EINVAL (not a number, unknown unit)
 * or ERANGE (does not fit in 64 bits); *out is set only on success.
 *
 *   jparse_fmt_duration(ns, buf, size)   ns in the largest unit that divides it ("2h", "5m",
 *                                "3d"), else in s, ms or us with up to 3 decimals ("1.5s",
 *                                "250ms"), rounded, else "NNNns"; jparse_duration reads
 *                                each back (to that rounding)
 *   jparse_fmt_size(bytes, buf, size)    "NNNB" below 1 KiB, else one decimal and the
 *                                largest binary unit up to TiB ("1.5MiB")
 * Both write into buf (truncated to size, as snprintf) and return buf.
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
