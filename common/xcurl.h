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

int  jxcurl_global_init(struct jerr *e);
int  jxcurl_open(const struct jurl *u, const struct jcred *c, const char *host,
                 const struct jxfer_opts *o, struct jxcurl **x, struct jerr *e);
int  jxcurl_put(struct jxcurl *x, int fd, uint64_t size, const char *name, struct jgate *g,
                struct jerr *e);
int  jxcurl_retryable(const struct jxcurl *x);
void jxcurl_close(struct jxcurl *x);

int  jxcurl_list(struct jxcurl *x, jhub_list_fn fn, void *arg, struct jerr *e);
int  jxcurl_get(struct jxcurl *x, const char *name, uint64_t size, int fd, struct jerr *e);
int  jxcurl_remove(struct jxcurl *x, const char *name, struct jerr *e);
int  jxcurl_mkdir(struct jxcurl *x, struct jerr *e);

#endif
