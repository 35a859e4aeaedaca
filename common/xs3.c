/*
 * xs3: publishing to S3, where there is no rename: an object appears only when a request
 * that carried all of it succeeds, so no temporary name is needed.
 *
 * Guarantees: an object key holds only a whole file: a single PUT is stored whole or not
 * at all, and a multipart upload MUST be completed only after every part was stored (a
 * failed or killed upload is aborted, by this run or by the next one sending that key, and
 * never completed). Parts go up several at a time, one connection each, and the completion
 * MUST wait until every one of them has answered; the held bytes of the caller's gate are
 * in the last part, so only the connection that sends it carries the gate. Every body carries its real SHA-256, so the store itself refuses a
 * body damaged in flight. An existing object is never replaced: the request that creates
 * it carries If-None-Match: *, which a store that honours it (probed once a process, with an object
 * of our own) refuses with 412; a store that does not, and every multipart upload, get a
 * look first (HEAD). An existing object is then compared, size then bytes: identical is
 * success, different EX_DATAERR. The secret key is never
 * in a message or a trace (xcurl scrubs Authorization and x-amz-security-token).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "io.h"
#include "s3.h"
#include "xcurl.h"
#include "xs3.h"

#define REPLY_MAX (1u << 20)            /* an XML reply or error read into memory */
#define PART_REPLY (64u << 10)          /* the reply to a part: an error, if anything */
#define HASH_BUF  (1u << 20)

/* One connection and the request being built on it. */
struct s3conn {
	struct jxcurl  *c;
	char            url[JS3_URL_MAX + 3 * JS3_KEY_MAX + 256];
	char            h_sha[96], h_token[4200];
	char           *reply;
	size_t          cap;
	int             retryable;              /* after its last failure */
};

struct jxs3 {
	const struct jurl *u;
	struct jcred_s3 k;
	struct jxcurl  *c;                      /* conn[0].c */
	struct s3conn   conn[JXS3_STREAMS];     /* [0] every request; the others, parts */
	char            base[JS3_URL_MAX];      /* an encoded key is appended */
	char            prefix[JS3_KEY_MAX];    /* "" or ends in '/' */
	char            sigv4[128];
	uint64_t        part_size;
	unsigned        streams;                /* parts sent at once */
	int             retryable;
	int             honours;                /* If-None-Match: -1 not probed, 0 ignored, 1 */
	char           *hbuf;                   /* HASH_BUF */
};

static int
open_where(struct jxs3 *x, const struct jxfer_opts *o, struct jerr *e)
{
	const char *ep = o && o->s3_endpoint ? o->s3_endpoint : getenv("AWS_ENDPOINT_URL");
	const char *region = o && o->s3_region ? o->s3_region : getenv("AWS_REGION");
	char bucket[256];
	unsigned port;

	if (!region || !*region)
		region = getenv("AWS_DEFAULT_REGION");
	if (!region || !*region)
		region = "us-east-1";
	if (strlen(region) > 64 || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    strlen(region))
		return jerr_set(e, EX_USAGE, "%s: not an S3 region: %s", x->u->redacted, region);
	if (jurl_host(x->u, bucket, sizeof bucket, &port) < 0 || !js3_bucket_ok(bucket))
		return jerr_set(e, EX_USAGE, "%s: not an S3 bucket name", x->u->redacted);
	if (js3_base(bucket, ep, region, x->base, sizeof x->base, e) < 0)
		return -1;
	snprintf(x->sigv4, sizeof x->sigv4, "aws:amz:%s:s3", region);
	if (snprintf(x->prefix, sizeof x->prefix, "%s", x->u->dirpath + 1) >= (int)sizeof x->prefix)
		return jerr_set(e, EX_USAGE, "%s: prefix too long", x->u->redacted);
	return 0;
}

int
jxs3_open(const struct jurl *u, const struct jcred *c, const char *host,
    const struct jxfer_opts *o, struct jxs3 **xp, struct jerr *e)
{
	struct jxs3 *x = calloc(1, sizeof *x);

	if (!x)
		return jerr_sys(e, EX_OSERR, "out of memory");
	x->u = u;
	x->honours = -1;
	x->part_size = o && o->s3_part_size ? o->s3_part_size : JXS3_PART_SIZE;
	/* --limit-rate is the destination's: its parts go one at a time, each at that rate */
	x->streams = o && o->limit_rate ? 1 : JXS3_STREAMS;
	if (x->part_size < JS3_PART_MIN) {
		free(x);
		return jerr_set(e, EX_USAGE, "S3 part size under 5 MiB (S3's smallest)");
	}
	if (open_where(x, o, e) < 0 || jcred_s3_find(u, &x->k, e) < 0)
		goto fail;
	if (!(x->hbuf = malloc(HASH_BUF)))
		goto oom;
	for (unsigned i = 0; i < x->streams; i++) {
		x->conn[i].cap = i ? PART_REPLY : REPLY_MAX;
		if (!(x->conn[i].reply = malloc(x->conn[i].cap)))
			goto oom;
		if (jxcurl_open(u, c, host, o, &x->conn[i].c, e) < 0)
			goto fail;
	}
	x->c = x->conn[0].c;
	*xp = x;
	return 0;
oom:
	jerr_sys(e, EX_OSERR, "out of memory");
fail:
	jxs3_close(x);
	return -1;
}

/* --limit-rate is the destination's: with it, one lane as one stream */
int
jxs3_lanes(const struct jxs3 *x)
{
	return x->streams > 1 ? JXS3_LANES : 1;
}

int
jxs3_retryable(const struct jxs3 *x)
{
	return x->retryable;
}

void
jxs3_close(struct jxs3 *x)
{
	if (!x)
		return;
	for (int i = 0; i < JXS3_STREAMS; i++) {
		jxcurl_close(x->conn[i].c);
		explicit_bzero(x->conn[i].h_token, sizeof x->conn[i].h_token);
		free(x->conn[i].reply);
	}
	jcred_s3_clear(&x->k);
	free(x->hbuf);
	free(x);
}

/* ---- requests ---- */

/* A request on cn for PREFIX/name (name NULL: the bucket) with query (or NULL), a body
 * whose SHA-256 is sha (NULL: no body), signed. */
static int
req_on(struct jxs3 *x, struct s3conn *cn, struct jxcurl_req *r, const char *method,
    const char *name, const char *query, const char *sha, struct jerr *e)
{
	char key[JS3_KEY_MAX + 1], enc[3 * JS3_KEY_MAX + 1];
	int h = 0;

	memset(r, 0, sizeof *r);
	enc[0] = 0;
	if (name && ((size_t)snprintf(key, sizeof key, "%s%s", x->prefix, name) >= sizeof key ||
	    js3_encode(key, 1, enc, sizeof enc) < 0))
		return jerr_set(e, EX_USAGE, "%s%s: key too long", x->u->redacted, name);
	if ((size_t)snprintf(cn->url, sizeof cn->url, "%s%s%s%s", x->base, enc, query ? "?" : "",
	    query ? query : "") >= sizeof cn->url)
		return jerr_set(e, EX_USAGE, "%s: URL too long", x->u->redacted);
	snprintf(cn->h_sha, sizeof cn->h_sha, "x-amz-content-sha256: %s", sha ? sha : JS3_EMPTY_SHA);
	r->method = method;
	r->url = cn->url;
	r->headers[h++] = cn->h_sha;
	if (x->k.token[0]) {
		snprintf(cn->h_token, sizeof cn->h_token, "x-amz-security-token: %s", x->k.token);
		r->headers[h++] = cn->h_token;
	}
	r->sigv4 = x->sigv4;
	r->user = x->k.id;
	r->secret = x->k.secret;
	r->fd = -1;
	r->buf = cn->reply;
	r->cap = cn->cap;
	return 0;
}

/* A request on the first connection, which every request but a part's uses. */
static int
req_init(struct jxs3 *x, struct jxcurl_req *r, const char *method, const char *name,
    const char *query, const char *sha, struct jerr *e)
{
	return req_on(x, &x->conn[0], r, method, name, query, sha, e);
}

static void
req_header(struct jxcurl_req *r, const char *h)
{
	for (int i = 0; i < JXCURL_HDRS - 1; i++)
		if (!r->headers[i]) {
			r->headers[i] = h;
			return;
		}
}

/* A status that is not the one hoped for, as a failure with a class (*retryable). */
static int
status_judge(struct jxs3 *x, int *retryable, const struct jxcurl_req *r, const char *what,
    const char *name, struct jerr *e)
{
	char code[128] = "", msg[256] = "", why[420];

	if (!js3_xml_error(r->buf, r->blen, code, sizeof code, msg, sizeof msg))
		code[0] = msg[0] = 0;
	snprintf(why, sizeof why, "HTTP %ld%s%s%s%s", r->status, code[0] ? " " : "", code,
	    msg[0] ? ": " : "", msg);
	*retryable = 0;
	if (r->status == 401 || r->status == 403)
		return jerr_set(e, EX_NOPERM, "unable to %s %s at %s: access denied (%s): check "
		    "the keys from %s", what, name, x->u->redacted, why, x->k.source);
	*retryable = r->status == 408 || r->status == 429 || r->status >= 500 ||
	    strcmp(code, "XAmzContentSHA256Mismatch") == 0 || strcmp(code, "BadDigest") == 0 ||
	    strcmp(code, "RequestTimeout") == 0 || strcmp(code, "IncompleteBody") == 0;
	return jerr_set(e, EX_TEMPFAIL, "unable to %s %s at %s: %s", what, name, x->u->redacted,
	    why);
}

static int
status_fail(struct jxs3 *x, const struct jxcurl_req *r, const char *what, const char *name,
    struct jerr *e)
{
	return status_judge(x, &x->retryable, r, what, name, e);
}

static int
send_on(struct s3conn *cn, struct jxcurl_req *r, const char *name, struct jerr *e)
{
	cn->retryable = 0;
	if (jxcurl_request(cn->c, r, name, e) < 0) {
		cn->retryable = jxcurl_retryable(cn->c);
		return -1;
	}
	return 0;
}

static int
send_req(struct jxs3 *x, struct jxcurl_req *r, const char *name, struct jerr *e)
{
	int rc = send_on(&x->conn[0], r, name, e);

	x->retryable = x->conn[0].retryable;
	return rc;
}

/* The SHA-256 of fd [off, off + len) in hex. */
static int
hash_range(struct jxs3 *x, int fd, uint64_t off, uint64_t len, char *hex, const char *name,
    struct jerr *e)
{
	struct jdigest d;
	uint8_t md[JDIGEST_LEN];

	if (jdigest_init(&d) < 0)
		return jerr_sys(e, EX_OSERR, "unable to hash %s", name);
	while (len > 0) {
		size_t want = len < HASH_BUF ? (size_t)len : HASH_BUF;
		ssize_t n = jio_pread_full(fd, x->hbuf, want, (off_t)off);
		if (n != (ssize_t)want) {
			jdigest_free(&d);
			if (n >= 0)
				errno = EIO;
			return jerr_sys(e, EX_IOERR, "unable to read the source of %s", name);
		}
		jdigest_update(&d, x->hbuf, want);
		off += want;
		len -= want;
	}
	jdigest_final(&d, md);
	jdigest_hex(md, JDIGEST_LEN, hex);
	return 0;
}

/* ---- looking and comparing ---- */

/* 1 and *size if PREFIX/name exists, 0 if not, -1. */
static int
head(struct jxs3 *x, const char *name, uint64_t *size, struct jerr *e)
{
	struct jxcurl_req r;

	if (req_init(x, &r, "HEAD", name, NULL, NULL, e) < 0 || send_req(x, &r, name, e) < 0)
		return -1;
	if (r.status == 404)
		return 0;
	if (r.status != 200)
		return status_fail(x, &r, "check", name, e);
	if (r.length < 0)
		return jerr_set(e, EX_TEMPFAIL, "unable to check %s at %s: no size", name,
		    x->u->redacted);
	*size = (uint64_t)r.length;
	return 1;
}

/* PREFIX/name exists with have bytes: 0 if it holds exactly fd's size bytes, else -1. */
static int
compare(struct jxs3 *x, int fd, uint64_t size, uint64_t have, const char *name,
    struct jerr *e)
{
	struct jxcurl_req r;

	if (have != size)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different size (%llu, not %llu): "
		    "not replaced", x->u->redacted, name, (unsigned long long)have,
		    (unsigned long long)size);
	if (req_init(x, &r, "GET", name, NULL, NULL, e) < 0)
		return -1;
	r.sink = JXCURL_COMPARE;
	r.out = fd;
	r.len = size;
	if (send_req(x, &r, name, e) < 0)
		return -1;
	if (r.status == 404) {
		x->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to compare %s at %s: it went away",
		    name, x->u->redacted);
	}
	if (r.status != 200)
		return status_fail(x, &r, "compare", name, e);
	if (r.differs)
		return jerr_set(e, EX_DATAERR, "%s%s exists with a different content: not replaced",
		    x->u->redacted, name);
	return 0;
}

/* An object appeared under name (412 or HEAD): 0 identical, -1 different or unknown. */
static int
compare_existing(struct jxs3 *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	uint64_t have = 0;
	int r = head(x, name, &have, e);

	if (r < 0)
		return -1;
	if (r == 0) {
		x->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to send %s to %s: refused as existing, "
		    "but not there", name, x->u->redacted);
	}
	return compare(x, fd, size, have, name, e);
}

/* ---- single PUT ---- */

static int
put_single(struct jxs3 *x, int fd, uint64_t size, const char *name, struct jerr *e)
{
	struct jxcurl_req r;
	char sha[JDIGEST_HEX];

	if (hash_range(x, fd, 0, size, sha, name, e) < 0 ||
	    req_init(x, &r, "PUT", name, NULL, sha, e) < 0)
		return -1;
	req_header(&r, "If-None-Match: *");
	r.fd = fd;
	r.off = 0;
	r.len = size;
	if (send_req(x, &r, name, e) < 0)
		return -1;
	jxcurl_progress_end(x->c, r.status == 200 ? size : 0);
	if (r.status == 200)
		return 1;
	if (r.status == 412)
		return compare_existing(x, fd, size, name, e) < 0 ? -1 : 0;
	return status_fail(x, &r, "upload", name, e);
}

/* ---- multipart ---- */

/*
 * The parts' SHA-256 are computed one part ahead by a thread of their own, so that hashing
 * part n + 1 overlaps sending part n: only the first part's hash delays the upload.
 */
struct hasher {
	pthread_t       th;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             fd;
	uint64_t        size, part;
	unsigned        nparts, ready;  /* hex[0 .. ready) are done */
	int             err, stop;      /* a failed read's errno; the uploader gave up */
	char          (*hex)[JDIGEST_HEX];
	char           *buf;            /* HASH_BUF */
};

static void *
hash_parts(void *arg)
{
	struct hasher *h = arg;

	for (unsigned n = 0; n < h->nparts; n++) {
		uint64_t off = (uint64_t)n * h->part, len = h->size - off < h->part ?
		    h->size - off : h->part;
		struct jdigest d;
		uint8_t md[JDIGEST_LEN];
		int err = 0;

		if (jdigest_init(&d) < 0)
			err = ENOMEM;
		while (!err && len > 0) {
			size_t want = len < HASH_BUF ? (size_t)len : HASH_BUF;
			ssize_t r = jio_pread_full(h->fd, h->buf, want, (off_t)off);
			if (r != (ssize_t)want)
				err = r < 0 ? errno : EIO;
			else
				jdigest_update(&d, h->buf, want);
			off += want;
			len -= want;
		}
		if (!err)
			jdigest_final(&d, md);
		else
			jdigest_free(&d);
		pthread_mutex_lock(&h->mu);
		if (err) {
			h->err = err;
		} else {
			jdigest_hex(md, JDIGEST_LEN, h->hex[n]);
			h->ready = n + 1;
		}
		pthread_cond_broadcast(&h->cv);
		err = err || h->stop;
		pthread_mutex_unlock(&h->mu);
		if (err)
			break;
	}
	return NULL;
}

static int
hasher_start(struct hasher *h, int fd, uint64_t size, uint64_t part, unsigned nparts,
    struct jerr *e)
{
	memset(h, 0, sizeof *h);
	h->fd = fd;
	h->size = size;
	h->part = part;
	h->nparts = nparts;
	if (!(h->hex = calloc(nparts, sizeof *h->hex)) || !(h->buf = malloc(HASH_BUF))) {
		free(h->hex);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if ((errno = pthread_create(&h->th, NULL, hash_parts, h)) != 0) {
		free(h->hex);
		free(h->buf);
		return jerr_sys(e, EX_OSERR, "unable to start a thread");
	}
	return 0;
}

/* Wait for part n's hash (1-based) into hex: 0, or -1 if it could not be read. */
static int
hasher_wait(struct hasher *h, unsigned n, char *hex, const char *name, struct jerr *e)
{
	int err;

	pthread_mutex_lock(&h->mu);
	while (h->ready < n && !h->err)
		pthread_cond_wait(&h->cv, &h->mu);
	err = h->ready < n ? h->err : 0;
	if (!err)
		memcpy(hex, h->hex[n - 1], JDIGEST_HEX);
	pthread_mutex_unlock(&h->mu);
	if (err) {
		errno = err;
		return jerr_sys(e, EX_IOERR, "unable to read the source of %s", name);
	}
	return 0;
}

static void
hasher_end(struct hasher *h)
{
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->hex);
	free(h->buf);
}

struct upload {
	const char *key;
	char        id[1024];
	uint64_t    size, part;
	unsigned    nparts;
	char      (*etag)[JS3_ETAG_MAX];
	struct hasher hash;
};

/* Abort the upload id of name, best effort (what is missed is aborted by the next run). */
static void
abort_upload(struct jxs3 *x, const char *name, const char *id)
{
	struct jxcurl_req r;
	struct jerr ignore;
	char q[1200];
	const char *kv[] = { "uploadId", id };

	if (js3_query(kv, 1, q, sizeof q) == 0 && req_init(x, &r, "DELETE", name, q, NULL,
	    &ignore) == 0)
		(void)jxcurl_request(x->c, &r, name, &ignore);
}

struct stale {
	struct jxs3 *x;
	const char  *name, *key;
	char         ids[16][1024];
	int          n;
};

static int
stale_one(void *arg, const char *key, const char *id)
{
	struct stale *s = arg;

	if (strcmp(key, s->key) == 0 && s->n < 16)
		snprintf(s->ids[s->n++], sizeof s->ids[0], "%s", id);
	return 0;
}

/* Abort the unfinished uploads of this key: a run killed mid-multipart left them. */
static int
abort_stale(struct jxs3 *x, const char *name, const char *key, struct jerr *e)
{
	struct stale s;                     /* 16 upload ids: a key rarely has more than one */
	struct jxcurl_req r;
	char q[3 * JS3_KEY_MAX + 64];
	const char *kv[] = { "prefix", key, "uploads", "" };

	if (js3_query(kv, 2, q, sizeof q) < 0 || req_init(x, &r, "GET", NULL, q, NULL, e) < 0)
		return jerr_set(e, EX_USAGE, "%s%s: key too long", x->u->redacted, name);
	r.sink = JXCURL_BUFFER;
	if (send_req(x, &r, name, e) < 0)
		return -1;
	if (r.status != 200)
		return status_fail(x, &r, "list the unfinished uploads of", name, e);
	s.x = x;
	s.name = name;
	s.key = key;
	s.n = 0;
	if (r.blen + 1 >= r.cap || js3_uploads_parse(r.buf, r.blen, stale_one, &s) < 0)
		return jerr_set(e, EX_TEMPFAIL, "unable to list the unfinished uploads of %s at %s: "
		    "unreadable reply", name, x->u->redacted);
	for (int i = 0; i < s.n; i++)
		abort_upload(x, name, s.ids[i]);
	return 0;
}

static int
initiate(struct jxs3 *x, struct upload *up, const char *name, struct jerr *e)
{
	struct jxcurl_req r;
	size_t pos = 0;

	if (req_init(x, &r, "POST", name, "uploads=", NULL, e) < 0)
		return -1;
	r.data = "";
	r.dlen = 0;
	r.sink = JXCURL_BUFFER;
	if (send_req(x, &r, name, e) < 0)
		return -1;
	if (r.status != 200)
		return status_fail(x, &r, "start the upload of", name, e);
	if (js3_xml_next(r.buf, r.blen, "UploadId", &pos, up->id, sizeof up->id) <= 0 ||
	    !up->id[0]) {
		x->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to start the upload of %s to %s: no "
		    "UploadId in the reply", name, x->u->redacted);
	}
	return 0;
}

/* Part n (1-based) on the connection cn. */
static int
put_part(struct jxs3 *x, struct s3conn *cn, struct upload *up, int fd, unsigned n,
    const char *name, struct jerr *e)
{
	struct jxcurl_req r;
	char sha[JDIGEST_HEX], num[16], q[1200];
	uint64_t off = (uint64_t)(n - 1) * up->part;
	uint64_t len = up->size - off < up->part ? up->size - off : up->part;
	const char *kv[] = { "partNumber", num, "uploadId", up->id };

	snprintf(num, sizeof num, "%u", n);
	if (js3_query(kv, 2, q, sizeof q) < 0)
		return jerr_set(e, EX_TEMPFAIL, "%s: upload id too long", name);
	if (hasher_wait(&up->hash, n, sha, name, e) < 0 ||
	    req_on(x, cn, &r, "PUT", name, q, sha, e) < 0)
		return -1;
	r.fd = fd;
	r.off = off;
	r.len = len;
	if (send_on(cn, &r, name, e) < 0)
		return -1;
	if (r.status != 200)
		return status_judge(x, &cn->retryable, &r, "upload", name, e);
	if (!r.etag[0]) {
		cn->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to upload %s to %s: part %u has no ETag",
		    name, x->u->redacted, n);
	}
	snprintf(up->etag[n - 1], JS3_ETAG_MAX, "%s", r.etag);
	return 0;
}

/*
 * The parts go up JXS3_STREAMS at a time, each connection taking the next part not yet
 * taken, so that the store works on several while this side sends. Only the connection
 * that takes the last part carries the gate (the held bytes are in it); after a failure no
 * new part is taken, and the first failure is the upload's.
 */
struct parts {
	struct jxs3      *x;
	struct upload    *up;
	int               fd;
	const char       *name;
	struct jgate     *g;
	pthread_mutex_t   mu;
	unsigned          next;         /* the next part to take */
	int               failed, retryable;
	struct jerr       e;            /* the first failure */
};

struct part_worker {
	struct parts  *ps;
	struct s3conn *cn;
	pthread_t      th;
};

/* The next part to send, or 0: none left, or the upload failed. */
static unsigned
parts_take(struct parts *ps)
{
	unsigned n = 0;

	pthread_mutex_lock(&ps->mu);
	if (!ps->failed && ps->next <= ps->up->nparts)
		n = ps->next++;
	pthread_mutex_unlock(&ps->mu);
	return n;
}

static void *
parts_send(void *arg)
{
	struct part_worker *w = arg;
	struct parts *ps = w->ps;
	struct jerr e = { 0, "" };
	unsigned n;

	jxcurl_gate(w->cn->c, NULL, ps->up->size, ps->name);
	while ((n = parts_take(ps)) != 0) {
		if (n == ps->up->nparts)
			jxcurl_gate(w->cn->c, ps->g, ps->up->size, ps->name);
		if (put_part(ps->x, w->cn, ps->up, ps->fd, n, ps->name, &e) == 0)
			continue;
		pthread_mutex_lock(&ps->mu);
		if (!ps->failed) {
			ps->failed = 1;
			ps->e = e;
			ps->retryable = w->cn->retryable;
		}
		pthread_mutex_unlock(&ps->mu);
		break;
	}
	jxcurl_gate(w->cn->c, NULL, 0, NULL);
	return NULL;
}

/* Send every part: 0, or -1 with the first failure. */
static int
put_parts(struct jxs3 *x, struct upload *up, int fd, const char *name, struct jgate *g,
    struct jerr *e)
{
	struct parts ps = { x, up, fd, name, g, PTHREAD_MUTEX_INITIALIZER, 1, 0, 0, { 0, "" } };
	struct part_worker w[JXS3_STREAMS];
	int started[JXS3_STREAMS] = { 0 };
	unsigned k = up->nparts < x->streams ? up->nparts : x->streams;

	for (unsigned i = 0; i < k; i++) {
		w[i].ps = &ps;
		w[i].cn = &x->conn[i];
	}
	for (unsigned i = 1; i < k; i++)
		started[i] = pthread_create(&w[i].th, NULL, parts_send, &w[i]) == 0;
	parts_send(&w[0]);              /* fewer threads than asked: the others take more */
	for (unsigned i = 1; i < k; i++)
		if (started[i])
			pthread_join(w[i].th, NULL);
	pthread_mutex_destroy(&ps.mu);
	jxcurl_gate(x->c, NULL, up->size, name);
	if (!ps.failed)
		return 0;
	*e = ps.e;
	x->retryable = ps.retryable;
	return -1;
}

/* Complete the upload: 1 published, 0 an identical object was there, -1. */
static int
complete(struct jxs3 *x, struct upload *up, int fd, const char *name, struct jerr *e)
{
	struct jxcurl_req r;
	char sha[JDIGEST_HEX], q[1200], code[128], msg[256];
	const char *kv[] = { "uploadId", up->id };
	size_t cap = 64 + (size_t)up->nparts * (96 + 6 * JS3_ETAG_MAX), n = 0;
	char *body = malloc(cap);
	uint8_t md[JDIGEST_LEN];
	struct jdigest d;
	int rc;

	if (!body)
		return jerr_sys(e, EX_OSERR, "out of memory");
	rc = js3_complete_begin(body, cap, &n);
	for (unsigned i = 0; i < up->nparts && rc == 0; i++)
		rc = js3_complete_part(body, cap, &n, i + 1, up->etag[i]);
	if (rc < 0 || js3_complete_end(body, cap, &n) < 0 || js3_query(kv, 1, q, sizeof q) < 0 ||
	    jdigest_init(&d) < 0) {
		free(body);
		return jerr_set(e, EX_SOFTWARE, "%s: unable to build the completion", name);
	}
	jdigest_update(&d, body, n);
	jdigest_final(&d, md);
	jdigest_hex(md, JDIGEST_LEN, sha);
	rc = req_init(x, &r, "POST", name, q, sha, e);
	if (rc == 0) {
		req_header(&r, "If-None-Match: *");
		req_header(&r, "Content-Type: application/xml");
		r.data = body;
		r.dlen = n;
		r.sink = JXCURL_BUFFER;
		rc = send_req(x, &r, name, e);
	}
	free(body);
	if (rc < 0)
		return -1;
	if (r.status == 412)
		return compare_existing(x, fd, up->size, name, e) < 0 ? -1 : 0;
	/* S3 may answer 200 and report a failure in the body */
	if (r.status != 200 || js3_xml_error(r.buf, r.blen, code, sizeof code, msg, sizeof msg))
		return status_fail(x, &r, "complete the upload of", name, e);
	return 1;
}

/* The object is there after a completion: check its size. */
static int
check_published(struct jxs3 *x, uint64_t size, const char *name, struct jerr *e)
{
	uint64_t have = 0;
	int r = head(x, name, &have, e);

	if (r < 0)
		return -1;
	if (r == 0 || have != size) {
		x->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to publish %s at %s: after completion it "
		    "is %s", name, x->u->redacted, r ? "of another size" : "not there");
	}
	return 1;
}

static int
put_multipart(struct jxs3 *x, int fd, uint64_t size, const char *name, struct jgate *g,
    struct jerr *e)
{
	struct upload up = { .size = size, .part = x->part_size };
	char key[JS3_KEY_MAX + 1];
	int rc = 0;

	while ((size + up.part - 1) / up.part > JS3_PARTS_MAX)
		up.part *= 2;
	up.nparts = (unsigned)((size + up.part - 1) / up.part);
	snprintf(key, sizeof key, "%s%s", x->prefix, name);
	up.key = key;
	if (abort_stale(x, name, key, e) < 0 || initiate(x, &up, name, e) < 0)
		return -1;
	if (!(up.etag = calloc(up.nparts, sizeof *up.etag))) {
		abort_upload(x, name, up.id);
		return jerr_sys(e, EX_OSERR, "out of memory");
	}
	if ((rc = hasher_start(&up.hash, fd, size, up.part, up.nparts, e)) == 0) {
		rc = put_parts(x, &up, fd, name, g, e);
		hasher_end(&up.hash);
	}
	if (rc == 0)
		rc = complete(x, &up, fd, name, e);
	free(up.etag);
	if (rc < 0) {
		int retry = x->retryable;
		abort_upload(x, name, up.id);
		x->retryable = retry;
		return -1;
	}
	jxcurl_progress_end(x->c, size);
	return rc == 1 ? check_published(x, size, name, e) : 0;
}

/*
 * Does the store honour If-None-Match: * on a PUT? Asked once per destination with a probe
 * object of our own, PREFIX/.jship-probe (a dot name: no listing shows it): written, then
 * written again under the condition, which must be refused (412), then removed. A store
 * that does not say so (or a probe that fails) gets a HEAD before every PUT.
 */
#define PROBE ".jship-probe"

static int
probe_put(struct jxs3 *x, int conditional)
{
	static const char body[] = "jship: does this store honour If-None-Match?\n";
	struct jxcurl_req r;
	struct jerr ignore;
	char hex[JDIGEST_HEX];
	uint8_t md[JDIGEST_LEN];
	struct jdigest d;

	if (jdigest_init(&d) < 0)
		return -1;
	jdigest_update(&d, body, sizeof body - 1);
	jdigest_final(&d, md);
	jdigest_hex(md, JDIGEST_LEN, hex);
	if (req_init(x, &r, "PUT", PROBE, NULL, hex, &ignore) < 0)
		return -1;
	if (conditional)
		req_header(&r, "If-None-Match: *");
	r.data = body;
	r.dlen = sizeof body - 1;
	if (jxcurl_request(x->c, &r, PROBE, &ignore) < 0)
		return -1;
	return (int)r.status;
}

/* What each destination of this process said, so that its lanes (several jxs3 on one
 * destination, in threads of their own) ask once and do not race on one probe object. */
struct probed {
	struct probed *next;
	int            honours;
	char           where[];             /* base and prefix */
};
static struct probed *probed;
static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;

static void
probe(struct jxs3 *x)
{
	struct jerr ignore;
	struct probed *p;
	size_t nb = strlen(x->base), np = strlen(x->prefix);

	pthread_mutex_lock(&probe_mu);
	for (p = probed; p; p = p->next)
		if (strncmp(p->where, x->base, nb) == 0 && strcmp(p->where + nb, x->prefix) == 0)
			break;
	if (p) {
		x->honours = p->honours;
	} else {
		x->honours = 0;
		if (probe_put(x, 0) == 200 && probe_put(x, 1) == 412)
			x->honours = 1;
		(void)jxs3_remove(x, PROBE, &ignore);
		if ((p = malloc(sizeof *p + nb + np + 1))) {
			memcpy(p->where, x->base, nb);
			memcpy(p->where + nb, x->prefix, np + 1);
			p->honours = x->honours;
			p->next = probed;
			probed = p;
		}
	}
	pthread_mutex_unlock(&probe_mu);
}

int
jxs3_put(struct jxs3 *x, int fd, uint64_t size, const char *name, struct jgate *g,
    struct jerr *e)
{
	uint64_t have = 0;
	int rc, multi = size > x->part_size;

	x->retryable = 0;
	if (x->honours < 0)
		probe(x);
	/* A multipart completion's condition is not checked by every store that checks a
	 * PUT's: a large file is always looked for first (one HEAD against its many parts). */
	if ((multi || !x->honours) && (rc = head(x, name, &have, e)) != 0)
		return rc < 0 ? -1 : compare(x, fd, size, have, name, e) < 0 ? -1 : 0;
	jxcurl_gate(x->c, multi ? NULL : g, size, name);
	rc = multi ? put_multipart(x, fd, size, name, g, e) : put_single(x, fd, size, name, e);
	jxcurl_gate(x->c, NULL, 0, NULL);
	return rc;
}

/* ---- reading: list, get, remove (the hub) ---- */

struct lister {
	struct jxs3  *x;
	size_t        skip;             /* strlen(PREFIX/SUB) */
	jhub_list_fn  fn;
	void         *arg;
	struct jerr  *e;
	int           stopped;          /* fn said stop */
	char          last[JS3_KEY_MAX + 1];
};

static int
list_one(void *arg, const char *key, uint64_t size, time_t mtime)
{
	struct lister *l = arg;
	struct jhub_entry ent;

	snprintf(l->last, sizeof l->last, "%s", key);
	if (strlen(key) <= l->skip || strchr(key + l->skip, '/'))
		return 0;
	ent.name = key + l->skip;
	ent.size = size;
	ent.mtime = mtime;
	if (l->fn(l->arg, &ent, l->e) < 0) {
		l->stopped = 1;
		return -1;
	}
	return 0;
}

/* One page of the listing after the key (or continuation token) given. */
static int
list_page(struct jxs3 *x, struct lister *l, const char *pfx, const char *start,
    char *token, size_t tsize, int *more, struct jerr *e)
{
	struct jxcurl_req r;
	static const size_t qsize = 6 * JS3_KEY_MAX + 2048;
	char *q = malloc(qsize);
	const char *kv[] = { "list-type", "2", "prefix", pfx, "delimiter", "/", "max-keys", "500",
		token[0] ? "continuation-token" : "start-after", token[0] ? token : start };
	int rc;

	if (!q)
		return jerr_sys(e, EX_OSERR, "out of memory");
	rc = js3_query(kv, token[0] || (start && *start) ? 5 : 4, q, qsize);
	if (rc < 0 || req_init(x, &r, "GET", NULL, q, NULL, e) < 0) {
		free(q);
		return rc < 0 ? jerr_set(e, EX_USAGE, "%s: listing query too long", x->u->redacted) : -1;
	}
	r.sink = JXCURL_BUFFER;
	rc = send_req(x, &r, "the listing", e);
	free(q);
	if (rc < 0)
		return -1;
	if (r.status != 200)
		return status_fail(x, &r, "list", "the objects", e);
	if (r.blen + 1 >= r.cap ||
	    js3_list_parse(r.buf, r.blen, list_one, l, more, token, tsize) < 0) {
		if (l->stopped)
			return -1;
		x->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to list %s: unreadable reply", x->u->redacted);
	}
	return 0;
}

int
jxs3_list(struct jxs3 *x, const char *sub, const char *after, jhub_list_fn fn, void *arg,
    struct jerr *e)
{
	struct lister l = { x, 0, fn, arg, e, 0, "" };
	char pfx[JS3_KEY_MAX + 1], start[JS3_KEY_MAX + 1] = "", token[2048] = "";
	int more = 1;

	x->retryable = 0;
	if ((size_t)snprintf(pfx, sizeof pfx, "%s%s", x->prefix, sub) >= sizeof pfx ||
	    (after && *after && (size_t)snprintf(start, sizeof start, "%s%s", pfx, after) >=
	    sizeof start))
		return jerr_set(e, EX_USAGE, "%s: key too long", x->u->redacted);
	l.skip = strlen(pfx);
	while (more)
		if (list_page(x, &l, pfx, start, token, sizeof token, &more, e) < 0)
			return -1;
	return 0;
}

int
jxs3_get(struct jxs3 *x, const char *name, uint64_t size, int fd, struct jerr *e)
{
	struct jxcurl_req r;

	x->retryable = 0;
	if (req_init(x, &r, "GET", name, NULL, NULL, e) < 0)
		return -1;
	r.sink = JXCURL_FD;
	r.out = fd;
	if (send_req(x, &r, name, e) < 0)
		return -1;
	if (r.status == 404)
		return jerr_set(e, EX_NOINPUT, "%s%s: no such object", x->u->redacted, name);
	if (r.status != 200)
		return status_fail(x, &r, "fetch", name, e);
	if (r.got != size) {
		x->retryable = 1;
		return jerr_set(e, EX_TEMPFAIL, "unable to fetch %s from %s: %llu bytes, not %llu",
		    name, x->u->redacted, (unsigned long long)r.got, (unsigned long long)size);
	}
	return 0;
}

int
jxs3_remove(struct jxs3 *x, const char *name, struct jerr *e)
{
	struct jxcurl_req r;

	x->retryable = 0;
	if (req_init(x, &r, "DELETE", name, NULL, NULL, e) < 0 || send_req(x, &r, name, e) < 0)
		return -1;
	if (r.status == 204 || r.status == 200 || r.status == 404)
		return 0;
	return status_fail(x, &r, "remove", name, e);
}
