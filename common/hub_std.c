/*
 * hub_std: a hub that is a directory reached through jship's own transports: file://
 * (xfile, native) and ftp, ftpes, ftps, sftp, http, https (xcurl). JHUB_DATA is the URL's
 * directory, JHUB_META its subdirectory .jmirror/, each with its own transport (one
 * connection each, the second opened on first use). Publishing is jship's (xfer: a
 * temporary, checked, renamed without replacing), so a hub cursor appears only whole; a put
 * that finds the name taken compares the object byte for byte, since the transports compare
 * only sizes where the server cannot do better.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cred.h"
#include "hub_ops.h"
#include "io.h"
#include "part.h"
#include "xcurl.h"
#include "xfile.h"

struct area {
	struct jurl    u;
	struct jxfile  file;
	struct jxcurl *curl;
	struct jgate   gate;            /* none: hub objects are published as they are */
	int            made;            /* the directory was created (META) */
};

struct hub_std {
	struct jhub   base;
	struct jcred  c;
	struct jxfer_opts o;
	char          host[JPART_HOST_MAX + 1];
	struct area   a[2];
};

static int
area_open(struct hub_std *h, int i, const char *url, struct jerr *e)
{
	struct area *a = &h->a[i];

	if (jurl_parse(url, &a->u, e) < 0)
		return -1;
	a->file.u = &a->u;
	a->file.host = h->host;
	if (a->u.scheme != JURL_FILE && jxcurl_open(&a->u, &h->c, h->host, &h->o, &a->curl, e) < 0)
		return -1;
	return 0;
}

static void
std_close(struct jhub *hub)
{
	struct hub_std *h = (struct hub_std *)hub;

	jxcurl_close(h->a[0].curl);
	jxcurl_close(h->a[1].curl);
	free(h);
}

static int
std_open(const char *url, const struct jxfer_opts *o, struct jhub **hp, struct jerr *e)
{
	struct hub_std *h = calloc(1, sizeof *h);
	char meta[JURL_MAX + 16];

	if (!h)
		return jerr_sys(e, EX_OSERR, "out of memory");
	h->base.ops = &jhub_std_ops;
	if (o)
		h->o = *o;
	jpart_host(h->host, sizeof h->host);
	if (area_open(h, JHUB_DATA, url, e) < 0)
		goto fail;
	snprintf(h->base.url, sizeof h->base.url, "%s", h->a[0].u.redacted);
	if (h->a[0].u.scheme == JURL_SCP) {
		jerr_set(e, EX_USAGE, "%s: scp:// cannot list a directory: use sftp://", h->base.url);
		goto fail;
	}
	if (h->a[0].u.fname[0]) {
		jerr_set(e, EX_USAGE, "%s: a hub URL names a directory (end it with '/')",
		    h->base.url);
		goto fail;
	}
	if (jcred_find(&h->a[0].u, o ? o->netrc : NULL, o ? o->key : NULL,
	    o ? o->known_hosts : NULL, o ? o->cacert : NULL, &h->c, e) < 0)
		goto fail;
	snprintf(meta, sizeof meta, "%s%s/", url, JHUB_META_DIR);
	if (area_open(h, JHUB_META, meta, e) < 0)
		goto fail;
	*hp = &h->base;
	return 0;
fail:
	std_close(&h->base);
	return -1;
}

static int
std_list(struct jhub *hub, int area, const char *after, jhub_list_fn fn, void *arg,
    struct jerr *e)
{
	struct area *a = &((struct hub_std *)hub)->a[area];
	int rc;

	(void)after;
	if (!a->curl)
		return jxfile_list(&a->u, fn, arg, e);
	rc = jxcurl_list(a->curl, fn, arg, e);
	hub->retryable = rc < 0 && jxcurl_retryable(a->curl);
	return rc;
}

static int
std_get(struct jhub *hub, int area, const char *name, uint64_t size, int fd, struct jerr *e)
{
	struct area *a = &((struct hub_std *)hub)->a[area];
	int rc;

	if (!a->curl) {
		return jxfile_get(&a->u, name, size, fd, e);
	}
	rc = jxcurl_get(a->curl, name, size, fd, e);
	hub->retryable = rc < 0 && jxcurl_retryable(a->curl);
	return rc;
}

/* The object name exists: is it fd's size bytes exactly? 0 identical, -1 EX_DATAERR or
 * the failure to read it. */
static int
std_same(struct jhub *hub, int area, const char *name, int fd, uint64_t size, struct jerr *e)
{
	char a[4096], b[4096];
	int tfd = -1, rc = -1;
	uint64_t off = 0;
	const char *dir = getenv("TMPDIR");

	tfd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tfd < 0)
		return jerr_sys(e, EX_IOERR, "unable to create a temporary file");
	if (std_get(hub, area, name, size, tfd, e) < 0) {
		if (e->code == EX_TEMPFAIL && !hub->retryable)
			goto differs;           /* a different size */
		goto out;
	}
	while (off < size) {
		size_t n = size - off < sizeof a ? (size_t)(size - off) : sizeof a;
		if (jio_pread_full(fd, a, n, (off_t)off) != (ssize_t)n ||
		    jio_pread_full(tfd, b, n, (off_t)off) != (ssize_t)n) {
			jerr_sys(e, EX_IOERR, "unable to compare %s", name);
			goto out;
		}
		if (memcmp(a, b, n) != 0)
			goto differs;
		off += n;
	}
	rc = 0;
	goto out;
differs:
	rc = jerr_set(e, EX_DATAERR, "%s%s%s: a different object has that name: not replaced",
	    hub->url, area == JHUB_META ? JHUB_META_DIR "/" : "", name);
out:
	close(tfd);
	return rc;
}

static int
std_put(struct jhub *hub, int area, const char *name, int fd, uint64_t size, struct jerr *e)
{
	struct hub_std *h = (struct hub_std *)hub;
	struct area *a = &h->a[area];
	int rc;

	if (area == JHUB_META && !a->made) {
		rc = a->curl ? jxcurl_mkdir(a->curl, e) : jxfile_mkdir(&a->u, e);
		if (rc < 0) {
			hub->retryable = a->curl ? jxcurl_retryable(a->curl) : 0;
			return -1;
		}
		a->made = 1;
	}
	if (a->curl) {
		rc = jxcurl_put(a->curl, fd, size, name, &a->gate, e);
		hub->retryable = rc < 0 && jxcurl_retryable(a->curl);
	} else {
		rc = jxfile_put(&a->file, fd, size, name, &a->gate, e);
		hub->retryable = rc < 0 && a->file.retryable;
	}
	if (rc == 0 && a->curl && std_same(hub, area, name, fd, size, e) < 0)
		return -1;
	return rc;
}

static int
std_remove(struct jhub *hub, int area, const char *name, struct jerr *e)
{
	struct area *a = &((struct hub_std *)hub)->a[area];
	int rc;

	if (!a->curl)
		return jxfile_remove(&a->u, name, e);
	rc = jxcurl_remove(a->curl, name, e);
	hub->retryable = rc < 0 && jxcurl_retryable(a->curl);
	return rc;
}

const struct jhub_ops jhub_std_ops = {
	"std", std_open, std_list, std_get, std_put, std_remove, std_close,
};
