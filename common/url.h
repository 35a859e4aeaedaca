/*
 * url: a destination URL taken apart once, so that no transport parses one again.
 *
 *     struct jurl u;
 *     if (jurl_parse("ftpes://u@h:2121/in/", &u, &e) < 0) ...   e->code EX_USAGE
 *     u.scheme, u.tls       JURL_FTP, 1 (ftpes:// is ftp:// with explicit TLS required)
 *     u.url                 what a transport requests: ftp://u@h:2121/in/
 *     u.redacted            the URL as given without any password, fit for messages
 *     u.base, u.dirurl      scheme://[user@]host[:port] and that plus the directory,
 *                           both as encoded in the URL
 *     u.dirpath, u.fname    the directory decoded (ends in '/'), and the decoded last part
 *                           when the URL names a file ("" when it ends in '/')
 *     jurl_host(&u, host, hsize, &port)   the host (no user, no brackets) and the port (0:
 *                           none given)
 *     jurl_redact(url, buf, size)         any URL without its password (user:password@
 *                           becomes user@); returns buf
 *
 * s3://BUCKET/PREFIX/ is taken apart the same way (the host is the bucket, dirpath "/PREFIX/");
 * u.url stays s3://... (the transport builds the HTTP URLs: s3.h); user info or a port is
 * refused there (S3 keys come from the AWS variables or ~/.aws/credentials).
 *
 * Refused (EX_USAGE): no scheme://, an unknown scheme (file, ftp, ftpes, ftps, sftp, scp,
 * http, https, s3), no path, a password in the URL (credentials come from netrc), a file:// URL
 * with a host, a query or fragment, bad percent-encoding, a target name starting with '.'.
 * A jurl holds no pointers: copy it freely.
 */
#ifndef JM_URL_H
#define JM_URL_H

#include <stddef.h>

#include "err.h"

enum { JURL_FILE, JURL_FTP, JURL_SFTP, JURL_SCP, JURL_HTTP, JURL_S3 };

#define JURL_MAX 4096

struct jurl {
	int  scheme;
	int  tls;                       /* ftpes: explicit TLS required */
	char url[JURL_MAX];
	char redacted[JURL_MAX];
	char base[JURL_MAX];
	char dirurl[JURL_MAX];
	char dirpath[JURL_MAX];
	char fname[1024];
};

int   jurl_parse(const char *url, struct jurl *u, struct jerr *e);
int   jurl_host(const struct jurl *u, char *host, size_t hsize, unsigned *port);
char *jurl_redact(const char *url, char *buf, size_t size);

#endif
