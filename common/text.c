/*
 * text: text forms of times and strings for the tools' output.
 *
 * - A time MUST be shown in UTC, ISO 8601, with the Z suffix: a stamp written on one machine
 *   and read on another means one instant.
 * - A JSON string MUST be valid JSON whatever the input bytes: a byte that is not part of
 *   well-formed UTF-8 is escaped, never copied.
 * - Output MUST NOT be cut inside a character or an escape: what jtext_json writes is
 *   always a whole prefix of the escaped form.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "text.h"

char *
jtext_time(uint64_t ns, int digits, char *buf, size_t size)
{
	time_t s = (time_t)(ns / 1000000000u);
	uint32_t frac = (uint32_t)(ns % 1000000000u);
	char f[12] = "";
	struct tm tm;
	int n;

	if (digits < 0 || digits > 9 || !gmtime_r(&s, &tm))
		return NULL;
	for (int i = digits; i < 9; i++)
		frac /= 10;
	if (digits > 0)
		snprintf(f, sizeof f, ".%0*u", digits, (unsigned)frac);
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, f);
	return n < 0 || (size_t)n >= size ? NULL : buf;
}

size_t
jtext_utf8_len(const uint8_t *p, size_t n)
{
	uint32_t cp;
	size_t len;

	if (n == 0 || p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The JSON form of the character at p into e (JTEXT_JSON_MIN bytes); its length in *in. */
static size_t
json_char(const uint8_t *p, size_t n, char *e, size_t *in)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t c = p[0];
	size_t u;

	*in = 1;
	if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r') {
		e[0] = '\\';
		e[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : (char)c;
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		e[0] = (char)c;
		return 1;
	}
	if (c >= 0x80 && (u = jtext_utf8_len(p, n)) > 0) {
		for (size_t i = 0; i < u; i++)
			e[i] = (char)p[i];
		*in = u;
		return u;
	}
	e[0] = '\\';
	e[1] = 'u';
	e[2] = '0';
	e[3] = '0';
	e[4] = hex[c >> 4];
	e[5] = hex[c & 15];
	return 6;
}

size_t
jtext_json(const void *s, size_t n, size_t *used, char *out, size_t size)
{
	const uint8_t *p = s;
	size_t i = 0, o = 0;

	while (i < n) {
		char e[JTEXT_JSON_MIN];
		size_t in, len = json_char(p + i, n - i, e, &in);

		if (o + len > size)
			break;
		for (size_t k = 0; k < len; k++)
			out[o + k] = e[k];
		o += len;
		i += in;
	}
	*used = i;
	return o;
}

/* ---- statements ---- */

void
jtext_statement(const char *p, char *out, size_t size)
{
	size_t i = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	for (; *p && i + 4 < size && i < 60; p++)
		out[i++] = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : *p;
	if (*p && i + 4 < size) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = 0;
}
