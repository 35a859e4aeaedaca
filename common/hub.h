/*
 * hub: a directory of segments somewhere else, named by a URL, that mirrors pull from.
 *
 *     struct jhub *h;
 *     if (jhub_open("sftp://hub/j/", &o, &h, &e) < 0) ...   o: jship's jxfer_opts (netrc,
 *                                         key, known_hosts, cacert, timeouts, trace);
 *                                         nothing is connected yet
 *     jhub_list(h, JHUB_DATA, after, fn, arg, &e)   fn(arg, &ent, &e) once per object
 *     jhub_get(h, JHUB_DATA, name, size, fd, &e)    the object into fd
 *     jhub_put(h, JHUB_META, name, fd, size, &e)    create-only
 *     jhub_remove(h, JHUB_DATA, name, &e)
 *     jhub_clone(h, &h2, &e)        another jhub for the same URL and options (its own
 *                                   connection: for another thread)
 *     jhub_close(h);
 *
 * Contract. A hub has two areas: JHUB_DATA, the URL's directory (PREFIX/: the segments),
 * and JHUB_META, PREFIX/.jmirror/ (the mirrors' cursors, created by the first put there).
 * Names are plain (no '/', not starting with '.'). list calls fn for every object of the
 * area whose name sorts after `after` (strcmp; NULL or "": every one), in no particular
 * order, with its size and, when the server says, its modification time (0: unknown); it
 * hides names starting with '.' (temporaries), directories and anything not a plain
 * object; pagination is its own business. fn returns 0 to go on or -1 (with e) to stop the
 * listing, which then returns -1 with fn's e. get writes the object at fd's offset and
 * checks that exactly size bytes came (a different size: EX_TEMPFAIL, the object is being
 * written or changed); a missing object is EX_NOINPUT. put publishes fd's size bytes
 * (read with pread from 0) under name only whole and never over an existing object: 1
 * created, 0 an identical object was there already, -1 with EX_DATAERR if a different one
 * is (as jxfer_put). remove returns 0 when the object is gone (also if it never was).
 * Failures: -1 with e->code EX_TEMPFAIL (network, server: jhub_retryable says whether a
 * retry may help), EX_NOPERM (login, host key, certificate), EX_USAGE (URL), EX_IOERR (the
 * local fd); messages name the redacted URL (jhub_url), never a credential. One jhub keeps
 * its connections for all calls and is used by one thread at a time (jxfer_global_init
 * first, in main). Schemes: file://, ftp://, ftpes://, ftps://, sftp://, http(s):// (WebDAV:
 * PROPFIND, PUT, MOVE, DELETE, MKCOL), s3://; scp:// cannot list and is refused (EX_USAGE).
 * Each scheme is one struct jhub_ops (hub_ops.h).
 */
#ifndef JM_HUB_H
#define JM_HUB_H

#include <stdint.h>
#include <time.h>

#include "err.h"
#include "xfer.h"

enum { JHUB_DATA, JHUB_META };

#define JHUB_META_DIR ".jmirror"

struct jhub;

struct jhub_entry {
	const char *name;           /* valid during the callback only */
	uint64_t    size;
	time_t      mtime;          /* 0: the server did not say */
};

typedef int (*jhub_list_fn)(void *arg, const struct jhub_entry *ent, struct jerr *e);

int  jhub_open(const char *url, const struct jxfer_opts *o, struct jhub **h, struct jerr *e);
int  jhub_clone(const struct jhub *h, struct jhub **out, struct jerr *e);
const char *jhub_url(const struct jhub *h);     /* redacted: no credentials */
int  jhub_list(struct jhub *h, int area, const char *after, jhub_list_fn fn, void *arg,
               struct jerr *e);
int  jhub_get(struct jhub *h, int area, const char *name, uint64_t size, int fd,
              struct jerr *e);
int  jhub_put(struct jhub *h, int area, const char *name, int fd, uint64_t size,
              struct jerr *e);
int  jhub_remove(struct jhub *h, int area, const char *name, struct jerr *e);
int  jhub_retryable(const struct jhub *h);      /* after a failed call */
void jhub_close(struct jhub *h);

#endif
