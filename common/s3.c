/*
 * s3: what an S3 request is made of and what its reply says, as pure functions.
 *
 * A request MUST be signed over exactly the bytes that are sent: libcurl 7.88 signs the
 * path and the query as given, so every key is percent-encoded here once, the SigV4 way
 * (js3_encode), and every query is sorted and encoded here (js3_query). A reply MUST be
 * read without trusting it: the XML scanner never reads outside [xml, xml + len), never
 * writes past its output buffer, and refuses (-1) rather than truncates a value, so that a
 * cut key or ETag is never taken for a real one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

int
js3_bucket_ok(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') ||
		    b[i] == '.' || b[i] == '-' || b[i] == '_'))
			return 0;
	return strstr(b, "..") == NULL;
}

int
js3_base(const char *bucket, const char *endpoint, const char *region, char *buf, size_t size,
    struct jerr *e)
{
	size_t n;
	int w;

	if (!endpoint || !*endpoint) {
		if (strchr(bucket, '.'))    /* the certificate's *.s3... does not cover a.b */
			w = snprintf(buf, size, "https://s3.%s.amazonaws.com/%s/", region, bucket);
		else
			w = snprintf(buf, size, "https://%s.s3.%s.amazonaws.com/", bucket, region);
	} else {
		if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0)
			return jerr_set(e, EX_USAGE, "S3 endpoint %s: not an http:// or https:// URL",
			    endpoint);
		n = strlen(endpoint);
		while (n > 0 && endpoint[n - 1] == '/')
			n--;
		if (strchr(strstr(endpoint, "://") + 3, '?') || strchr(endpoint, '@'))
			return jerr_set(e, EX_USAGE, "S3 endpoint %s: a query or user name is not "
			    "supported", endpoint);
		w = snprintf(buf, size, "%.*s/%s/", (int)n, endpoint, bucket);
	}
	if (w < 0 || (size_t)w >= size)
		return jerr_set(e, EX_USAGE, "S3 endpoint too long");
	return 0;
}

static int
unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

int
js3_encode(const char *s, int keep_slash, char *buf, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (unreserved(c) || (keep_slash && c == '/')) {
			if (o + 1 >= size)
				return -1;
			buf[o++] = (char)c;
		} else {
			if (o + 3 >= size)
				return -1;
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (o >= size)
		return -1;
	buf[o] = 0;
	return 0;
}

int
js3_query(const char *const *kv, size_t n, char *buf, size_t size)
{
	char k[JS3_URL_MAX], v[JS3_URL_MAX];
	size_t o = 0, order[16];

	if (n > 16 || size == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {            /* insertion sort by key, bytewise */
		size_t j = i;
		while (j > 0 && strcmp(kv[2 * order[j - 1]], kv[2 * i]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *val = kv[2 * order[i] + 1];
		int w;
		if (js3_encode(kv[2 * order[i]], 0, k, sizeof k) < 0 ||
		    js3_encode(val ? val : "", 0, v, sizeof v) < 0)
			return -1;
		w = snprintf(buf + o, size - o, "%s%s=%s", i ? "&" : "", k, v);
		if (w < 0 || (size_t)w >= size - o)
			return -1;
		o += (size_t)w;
	}
	return 0;
}

/* Decode XML text [s, s + n) into out: -1 on a bad entity or if it does not fit. */
static int
xml_text(const char *s, size_t n, char *out, size_t osize)
{
	static const struct { const char *name; char c; } ent[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' },
	};
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		char c = s[i++];
		if (c == '&') {
			size_t k, m = 0;
			for (k = 0; k < sizeof ent / sizeof ent[0]; k++) {
				m = strlen(ent[k].name);
				if (n - i >= m && memcmp(s + i, ent[k].name, m) == 0)
					break;
			}
			if (k < sizeof ent / sizeof ent[0]) {
				c = ent[k].c;
				i += m;
			} else if (i < n && s[i] == '#') {
				unsigned long v = 0;
				int hexa = i + 1 < n && s[i + 1] == 'x', digits = 0;
				for (i += 1 + (size_t)hexa; i < n && s[i] != ';' && digits < 8; i++, digits++) {
					int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
					    hexa && s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 :
					    hexa && s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10 : -1;
					if (d < 0)
						return -1;
					v = v * (hexa ? 16 : 10) + (unsigned long)d;
				}
				if (i >= n || digits == 0 || v == 0 || v > 127)
					return -1;      /* only ASCII by number: S3 keys here are ASCII */
				i++;
				c = (char)v;
			} else {
				return -1;
			}
		}
		if (o + 1 >= osize)
			return -1;
		out[o++] = c;
	}
	if (osize == 0)
		return -1;
	out[o] = 0;
	return 0;
}

/* The next "<tag>" or "<tag ...>" in [xml + from, xml + len): offset just past it. */
static int
find_open(const char *xml, size_t len, const char *tag, size_t from, size_t *after, int *empty)
{
	size_t tl = strlen(tag);

	for (size_t i = from; i + tl + 2 <= len; i++) {
		const char *p = memchr(xml + i, '<', len - i);
		size_t j;
		if (!p)
			return 0;
		i = (size_t)(p - xml);
		if (i + tl + 2 > len)
			return 0;
		if (memcmp(p + 1, tag, tl) != 0 || (p[tl + 1] != '>' && p[tl + 1] != ' ' &&
		    p[tl + 1] != '/'))
			continue;
		for (j = i + tl + 1; j < len && xml[j] != '>'; j++)
			;
		if (j >= len)
			return -1;
		*empty = xml[j - 1] == '/';
		*after = j + 1;
		return 1;
	}
	return 0;
}

/* The "</tag>" at or after from: its offset. */
static int
find_close(const char *xml, size_t len, const char *tag, size_t from, size_t *at)
{
	size_t tl = strlen(tag);

	for (size_t i = from; i + tl + 3 <= len; i++) {
		const char *p = memchr(xml + i, '<', len - i);
		if (!p)
			return 0;
		i = (size_t)(p - xml);
		if (i + tl + 3 <= len && p[1] == '/' && memcmp(p + 2, tag, tl) == 0 &&
		    p[tl + 2] == '>') {
			*at = i;
			return 1;
		}
	}
	return 0;
}

int
js3_xml_next(const char *xml, size_t len, const char *tag, size_t *pos, char *out,
    size_t osize)
{
	size_t start, end;
	int empty = 0, r;

	if (*pos > len)
		return 0;
	if ((r = find_open(xml, len, tag, *pos, &start, &empty)) <= 0)
		return r;
	if (empty) {
		if (osize == 0)
			return -1;
		out[0] = 0;
		*pos = start;
		return 1;
	}
	if ((r = find_close(xml, len, tag, start, &end)) <= 0)
		return -1;
	if (memchr(xml + start, '<', end - start))
		return -1;                      /* not a leaf: never taken for a value */
	if (xml_text(xml + start, end - start, out, osize) < 0)
		return -1;
	*pos = end + strlen(tag) + 3;
	return 1;
}

int
js3_xml_error(const char *xml, size_t len, char *code, size_t csize, char *msg, size_t msize)
{
	size_t pos = 0, after;
	int empty;

	if (find_open(xml, len, "Error", 0, &after, &empty) <= 0)
		return 0;
	pos = after;
	if (js3_xml_next(xml, len, "Code", &pos, code, csize) <= 0)
		return 0;
	pos = after;
	if (js3_xml_next(xml, len, "Message", &pos, msg, msize) <= 0 && msize)
		msg[0] = 0;
	return 1;
}

/* "2026-11-30T12:53:41.000Z", as UTC; 0 if not that. */
static time_t
iso_time(const char *s)
{
	struct tm tm = { 0 };
	int n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19 || tm.tm_year < 1970 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* One <Contents> block: its Key, Size and LastModified. */
static int
list_entry(const char *xml, size_t len, int (*cb)(void *, const char *, uint64_t, time_t),
    void *arg)
{
	char key[JS3_KEY_MAX + 1], num[32], when[64], *end;
	size_t pos = 0;
	unsigned long long size;
	time_t mtime = 0;

	if (js3_xml_next(xml, len, "Key", &pos, key, sizeof key) <= 0)
		return -1;
	pos = 0;
	if (js3_xml_next(xml, len, "Size", &pos, num, sizeof num) <= 0)
		return -1;
	size = strtoull(num, &end, 10);
	if (end == num || *end || num[0] == '-')
		return -1;
	pos = 0;
	if (js3_xml_next(xml, len, "LastModified", &pos, when, sizeof when) > 0)
		mtime = iso_time(when);
	return cb(arg, key, (uint64_t)size, mtime);
}

int
js3_list_parse(const char *xml, size_t len, int (*cb)(void *arg, const char *key,
    uint64_t size, time_t mtime), void *arg, int *truncated, char *token, size_t tsize)
{
	char flag[16];
	size_t pos = 0, start, end;
	int empty, r;

	*truncated = 0;
	if (tsize)
		token[0] = 0;
	while ((r = find_open(xml, len, "Contents", pos, &start, &empty)) > 0) {
		if (empty || find_close(xml, len, "Contents", start, &end) <= 0)
			return -1;
		if (list_entry(xml + start, end - start, cb, arg) < 0)
			return -1;
		pos = end;
	}
	if (r < 0)
		return -1;
	pos = 0;
	if ((r = js3_xml_next(xml, len, "IsTruncated", &pos, flag, sizeof flag)) < 0)
		return -1;
	*truncated = r > 0 && strcmp(flag, "true") == 0;
	pos = 0;
	if (*truncated && (js3_xml_next(xml, len, "NextContinuationToken", &pos, token,
	    tsize) <= 0 || !token[0]))
		return -1;                      /* a page with no way to the next one */
	return 0;
}

int
js3_uploads_parse(const char *xml, size_t len, int (*cb)(void *arg, const char *key,
    const char *upload_id), void *arg)
{
	char key[JS3_KEY_MAX + 1], id[1024];
	size_t pos = 0, start, end;
	int empty, r;

	while ((r = find_open(xml, len, "Upload", pos, &start, &empty)) > 0) {
		size_t p = 0;
		if (empty || find_close(xml, len, "Upload", start, &end) <= 0)
			return -1;
		if (js3_xml_next(xml + start, end - start, "Key", &p, key, sizeof key) <= 0)
			return -1;
		p = 0;
		if (js3_xml_next(xml + start, end - start, "UploadId", &p, id, sizeof id) <= 0)
			return -1;
		if (cb(arg, key, id) < 0)
			return -1;
		pos = end;
	}
	return r;
}

static int
advance(int w, size_t size, size_t *n)
{
	if (w < 0 || (size_t)w >= size - *n)
		return -1;
	*n += (size_t)w;
	return 0;
}

int
js3_complete_begin(char *buf, size_t size, size_t *n)
{
	*n = 0;
	return size ? advance(snprintf(buf, size, "<CompleteMultipartUpload>"), size, n) : -1;
}

int
js3_complete_part(char *buf, size_t size, size_t *n, unsigned part, const char *etag)
{
	char esc[JS3_ETAG_MAX * 6 + 1];
	size_t o = 0;

	for (const char *p = etag; *p; p++) {       /* ETags are quoted: escape the quotes */
		const char *rep = *p == '"' ? "&quot;" : *p == '&' ? "&amp;" : *p == '<' ? "&lt;" :
		    *p == '>' ? "&gt;" : NULL;
		size_t k = rep ? strlen(rep) : 1;
		if (o + k >= sizeof esc)
			return -1;
		memcpy(esc + o, rep ? rep : p, k);
		o += k;
	}
	esc[o] = 0;
	return advance(snprintf(buf + *n, size - *n, "<Part><PartNumber>%u</PartNumber><ETag>%s"
	    "</ETag></Part>", part, esc), size, n);
}

int
js3_complete_end(char *buf, size_t size, size_t *n)
{
	return advance(snprintf(buf + *n, size - *n, "</CompleteMultipartUpload>"), size, n);
}
