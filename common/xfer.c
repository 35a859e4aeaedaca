/*
 * xfer: a destination, whatever its scheme. The URL is parsed (url) and its credentials
 * found (cred) before anything is connected; each put then goes to the one transport of the
 * scheme (xfile, xs3 or xcurl), held by the caller's gate. A target name MUST be a plain name
 * (no '/', not starting with '.'): a temporary or a path never becomes a published name.
 */
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "gate.h"
#include "part.h"
#include "url.h"
#include "xcurl.h"
#include "xfer.h"
#include "xfile.h"
#include "xs3.h"

struct jxfer {
	struct jurl    u;
	struct jcred   c;
	char           host[JPART_HOST_MAX + 1];   /* this host, as temporaries name it */
	struct jgate   gate;
	struct jxfile  file;            /* file:// */
	struct jxcurl *curl;            /* every other scheme but s3 */
	struct jxs3   *s3;              /* s3:// */
	int            retryable;       /* after the last failed put */
};

int
jxfer_global_init(struct jerr *e)
{
	return jxcurl_global_init(e);
}

int
jxfer_open(const char *url, const struct jxfer_opts *o, struct jxfer **xp, struct jerr *e)
{
	struct jxfer *x = calloc(1, sizeof *x);

	if (!x)
		return jerr_sys(e, EX_OSERR, "out of memory");
	if (jurl_parse(url, &x->u, e) < 0 ||
	    jcred_find(&x->u, o ? o->netrc : NULL, o ? o->key : NULL, o ? o->known_hosts : NULL,
	    o ? o->cacert : NULL, &x->c, e) < 0)
		goto fail;
	jpart_host(x->host, sizeof x->host);
	x->file.u = &x->u;
	x->file.host = x->host;
	x->file.mkdir = o ? o->mkdir : 0;
	if (x->u.scheme == JURL_S3) {
		if (jxs3_open(&x->u, &x->c, x->host, o, &x->s3, e) < 0)
			goto fail;
	} else if (x->u.scheme != JURL_FILE &&
	    jxcurl_open(&x->u, &x->c, x->host, o, &x->curl, e) < 0) {
		goto fail;
	}
	*xp = x;
	return 0;
fail:
	free(x);
	return -1;
}

int
jxfer_is_dir(const struct jxfer *x)
{
	return x->u.fname[0] == 0;
}

const char *
jxfer_target(const struct jxfer *x, const char *name)
{
	return x->u.fname[0] ? x->u.fname : name;
}

const char *
jxfer_url(const struct jxfer *x)
{
	return x->u.redacted;
}

int
jxfer_lanes(const struct jxfer *x)
{
	return x->s3 ? jxs3_lanes(x->s3) : 1;
}

int
jxfer_plain_password(const struct jxfer *x)
{
	return jcred_plain_password(&x->u, &x->c);
}

void
jxfer_set_gate(struct jxfer *x, int (*gate)(void *arg, struct jerr *e), void *arg)
{
	x->gate.fn = gate;
	x->gate.arg = arg;
}

int
jxfer_put(struct jxfer *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	int rc;

	x->retryable = 0;
	name = jxfer_target(x, name);
	if (!*name || *name == '.' || strchr(name, '/'))
		return jerr_set(e, EX_USAGE, "%s: bad target name", name);
	if (x->u.scheme == JURL_FILE) {
		rc = jxfile_put(&x->file, fd, size, name, &x->gate, e);
		x->retryable = x->file.retryable;
	} else if (x->u.scheme == JURL_S3) {
		rc = jxs3_put(x->s3, fd, size, name, &x->gate, e);
		x->retryable = jxs3_retryable(x->s3);
	} else {
		rc = jxcurl_put(x->curl, fd, size, name, &x->gate, e);
		x->retryable = jxcurl_retryable(x->curl);
	}
	return rc;
}

int
jxfer_retryable(const struct jxfer *x)
{
	return x->retryable;
}

int
jxfer_no_dir(const char *name, const char *url, struct jerr *e)
{
	return jerr_set(e, EX_CANTCREAT, "unable to upload %s to %s: no such directory (create "
	    "it, or give --mkdir)", name, url);
}

void
jxfer_close(struct jxfer *x)
{
	if (!x)
		return;
	jxcurl_close(x->curl);
	jxs3_close(x->s3);
	free(x);
}
