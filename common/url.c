/*
 * url: destination URLs, parsed and redacted. Pure: no I/O, no allocation.
 *
 * A redacted URL MUST never carry a password: it is what every message prints. A URL
 * carrying one is refused outright, so that a password never reaches the command line's
 * neighbours (ps, shell history) as an accepted way to configure jship.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "url.h"

static const struct {
	const char *name;
	int         scheme, tls;
	const char *real;               /* the scheme libcurl is given */
} schemes[] = {
	{ "file", JURL_FILE, 0, "file" }, { "ftp", JURL_FTP, 0, "ftp" },
	{ "ftpes", JURL_FTP, 1, "ftp" }, { "ftps", JURL_FTP, 0, "ftps" },
	{ "sftp", JURL_SFTP, 0, "sftp" }, { "scp", JURL_SCP, 0, "scp" },
	{ "http", JURL_HTTP, 0, "http" }, { "https", JURL_HTTP, 0, "https" },
	{ "s3", JURL_S3, 0, "s3" },
};

char *
jurl_redact(const char *url, char *buf, size_t size)
{
	const char *p = strstr(url, "://"), *host, *at, *slash;

	if (!p) {
		snprintf(buf, size, "%s", url);
		return buf;
	}
	host = p + 3;
	slash = strchr(host, '/');
	at = memchr(host, '@', slash ? (size_t)(slash - host) : strlen(host));
	if (at) {
		/* Keep the user name (it says where we log in), never what follows a ':'. */
		const char *colon = memchr(host, ':', (size_t)(at - host));
		const char *end = colon ? colon : at;
		snprintf(buf, size, "%.*s%.*s%s", (int)(host - url), url, (int)(end - host), host, at);
	} else {
		snprintf(buf, size, "%s", url);
	}
	return buf;
}

static int
pct_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			unsigned v;
			if (i + 2 >= n || sscanf(s + i + 1, "%2x", &v) != 1)
				return -1;
			c = (int)v;
			i += 2;
		}
		if (c == 0 || j + 1 >= size)
			return -1;
		out[j++] = (char)c;
	}
	out[j] = 0;
	return 0;
}

static int
find_scheme(const char *url, size_t len)
{
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strlen(schemes[i].name) == len && strncasecmp(url, schemes[i].name, len) == 0)
			return (int)i;
	return -1;
}

/* What can be refused from the URL as given: its shape, before any part is copied. */
static int
check_shape(const char *url, const char *red, int *found, const char **rest, struct jerr *e)
{
	const char *p = strstr(url, "://"), *host, *slash, *at;

	if (!p)
		return jerr_set(e, EX_USAGE, "%s: not a URL (scheme://host/path/)", red);
	if ((*found = find_scheme(url, (size_t)(p - url))) < 0)
		return jerr_set(e, EX_USAGE, "%s: unsupported scheme (file, ftp, ftpes, ftps, sftp, "
		    "scp, http, https, s3)", red);
	host = p + 3;
	if (!(slash = strchr(host, '/')))
		return jerr_set(e, EX_USAGE, "%s: no path (add a '/' for the top directory)", red);
	at = memchr(host, '@', (size_t)(slash - host));
	if (at && memchr(host, ':', (size_t)(at - host)))
		return jerr_set(e, EX_USAGE, "%s: a password in a URL is refused: put it in "
		    "~/.netrc (or --netrc-file)", red);
	if (schemes[*found].scheme == JURL_S3 && (at || memchr(host, ':', (size_t)(slash - host))))
		return jerr_set(e, EX_USAGE, "%s: an s3:// URL is s3://BUCKET/PREFIX/ (keys come "
		    "from the AWS variables or ~/.aws/credentials)", red);
	if (schemes[*found].scheme == JURL_FILE && slash != host)
		return jerr_set(e, EX_USAGE, "%s: file:// URLs name a local path (file:///dir/)", red);
	if (strlen(url) >= JURL_MAX - 8)
		return jerr_set(e, EX_USAGE, "%s: URL too long", red);
	if (strpbrk(slash, "?#"))
		return jerr_set(e, EX_USAGE, "%s: query or fragment in a URL is not supported", red);
	*rest = p;
	return 0;
}

int
jurl_parse(const char *url, struct jurl *u, struct jerr *e)
{
	const char *rest = NULL, *slash, *last;
	int found = -1;

	memset(u, 0, sizeof *u);
	jurl_redact(url, u->redacted, sizeof u->redacted);
	if (check_shape(url, u->redacted, &found, &rest, e) < 0)
		return -1;
	u->scheme = schemes[found].scheme;
	u->tls = schemes[found].tls;
	/* The URL libcurl sees: ftpes:// becomes ftp:// (TLS is then required separately). */
	snprintf(u->url, sizeof u->url, "%s%s", schemes[found].real, rest);
	slash = strchr(u->url + strlen(schemes[found].real) + 3, '/');
	last = strrchr(slash, '/');
	snprintf(u->base, sizeof u->base, "%.*s", (int)(slash - u->url), u->url);
	snprintf(u->dirurl, sizeof u->dirurl, "%.*s", (int)(last + 1 - u->url), u->url);
	if (pct_decode(slash, (size_t)(last + 1 - slash), u->dirpath, sizeof u->dirpath) < 0 ||
	    pct_decode(last + 1, strlen(last + 1), u->fname, sizeof u->fname) < 0)
		return jerr_set(e, EX_USAGE, "%s: bad percent-encoding in the path", u->redacted);
	if (u->fname[0] == '.' || strchr(u->fname, '/'))
		return jerr_set(e, EX_USAGE, "%s: the target name must not start with '.'",
		    u->redacted);
	return 0;
}

int
jurl_host(const struct jurl *u, char *host, size_t hsize, unsigned *port)
{
	const char *p = strstr(u->base, "://"), *at, *end, *colon;
	size_t n;

	p = p ? p + 3 : u->base;
	if ((at = strrchr(p, '@')))
		p = at + 1;
	*port = 0;
	if (*p == '[') {
		end = strchr(++p, ']');
		n = end ? (size_t)(end - p) : strlen(p);
		colon = end && end[1] == ':' ? end + 1 : NULL;
	} else {
		n = strcspn(p, ":");
		colon = p[n] == ':' ? p + n : NULL;
	}
	if (colon)
		*port = (unsigned)strtoul(colon + 1, NULL, 10);
	if (n >= hsize)
		return -1;
	snprintf(host, hsize, "%.*s", (int)n, p);
	return 0;
}
