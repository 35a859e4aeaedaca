/*
 * xcurl: the ftp, ftpes, ftps, sftp, scp, http and https transports, over libcurl. The only
 * module that includes curl/curl.h. Used through xfer; this header is for xfer.c.
 *
 *     jxcurl_global_init(e)                once, in main, before any thread
 *     jxcurl_open(&u, &c, host, o, &x, e)  nothing is connected yet; u, c, host and o's
 *                                          callbacks stay the caller's and must outlive x
 *     rc = jxcurl_put(x, fd, size, name, &gate, e)   as jxfer_put (xfer.h)
 *     jxcurl_retryable(x)                  after a failed put: may trying again help?
 *     jxcurl_close(x)
 *
 * Plain HTTP requests for transports that build their own (s3: xs3.c), on the same handle
 * and connection, the same trace, timeouts and failure classes:
 *     struct jxcurl_req r = { .method = "PUT", .url = u, .fd = fd, .off = 0, .len = n, ... };
 *     rc = jxcurl_request(x, &r, name, e)
 *         0: the server answered (r.status, any status: the caller judges it), -1: no answer
 *         (e as jxcurl_put's, jxcurl_retryable). The body comes from fd [off, off + len)
 *         (read with pread, held by the put's gate armed for total bytes: set with
 *         jxcurl_gate) or from data/dlen; the reply goes to the sink (discarded, into buf,
 *         compared with fd from offset 0, or written to out), an error status's reply
 *         always into buf. headers are "Name: value" lines; sigv4 ("aws:amz:REGION:s3")
 *         signs with user/secret (never traced).
 * One jxcurl keeps one connection (one easy handle) for all its puts, used by one thread at
 * a time. o->trace gets libcurl's trace scrubbed of credentials (jcred_scrub), o->progress
 * each upload's progress then its end, both from the thread doing the transfer.
 *
 * Reading the directory of the URL (for hub_std.c), each with hub.h's contract:
 *     jxcurl_list(x, fn, arg, e)        fn per plain file: ftp LIST, sftp's listing, WebDAV
 *                                       PROPFIND (Depth: 1); a missing directory is empty
 *     jxcurl_get(x, name, size, fd, e)  the file into fd, exactly size bytes
 *     jxcurl_remove(x, name, e)         0 gone (or never there)
 *     jxcurl_mkdir(x, e)                create the URL's directory if missing (MKD, mkdir,
 *                                       MKCOL); 0 also when it exists
 */
#ifndef JM_XCURL_H
#define JM_XCURL_H

#include <stdint.h>

#include "cred.h"
#include "err.h"
#include "gate.h"
#include "hub.h"
#include "url.h"
#include "xfer.h"

struct jxcurl;

enum { JXCURL_DISCARD, JXCURL_BUFFER, JXCURL_COMPARE, JXCURL_FD };

#define JXCURL_HDRS 8

struct jxcurl_req {
	const char *method;             /* GET HEAD PUT POST DELETE */
	const char *url;
	const char *headers[JXCURL_HDRS];   /* NULL-terminated when fewer */
	const char *sigv4, *user, *secret;
	int         fd;                 /* body from fd [off, off + len), if fd >= 0 */
	uint64_t    off, len;
	const char *data;               /* else a body in memory (POST), or none */
	size_t      dlen;
	int         sink;               /* JXCURL_*: the reply body of a 2xx status */
	int         out;                /* JXCURL_FD: written there; JXCURL_COMPARE: compared */
	char       *buf;                /* JXCURL_BUFFER and any error reply: NUL-terminated */
	size_t      cap;                /* cut at cap - 1 bytes */
	/* results */
	long        status;
	size_t      blen;
	int64_t     length;             /* Content-Length of the reply, -1 unknown */
	char        etag[128];          /* the ETag header, "" if none */
	uint64_t    got;                /* bytes into the sink */
	int         differs;            /* JXCURL_COMPARE: a byte differed or the reply was longer */
	int         sink_errno;         /* JXCURL_FD: a failed write */
};

int  jxcurl_global_init(struct jerr *e);
int  jxcurl_open(const struct jurl *u, const struct jcred *c, const char *host,
                 const struct jxfer_opts *o, struct jxcurl **x, struct jerr *e);
int  jxcurl_put(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jgate *g,
                struct jerr *e);
int  jxcurl_retryable(const struct jxcurl *x);
int  jxcurl_request(struct jxcurl *x, struct jxcurl_req *r, const char *name, struct jerr *e);
void jxcurl_gate(struct jxcurl *x, struct jgate *g, uint64_t total, const char *name);
void jxcurl_progress_end(struct jxcurl *x, uint64_t done);
void jxcurl_close(struct jxcurl *x);

int  jxcurl_list(struct jxcurl *x, jhub_list_fn fn, void *arg, struct jerr *e);
int  jxcurl_get(struct jxcurl *x, const char *name, uint64_t size, int fd, struct jerr *e);
int  jxcurl_remove(struct jxcurl *x, const char *name, struct jerr *e);
int  jxcurl_mkdir(struct jxcurl *x, struct jerr *e);

#endif
