/*
 * xs3: the s3:// transport (S3 and compatible stores: AWS, Ceph RGW, MinIO, ...), over
 * xcurl's plain requests, signed with SigV4. Used through xfer; this header is for xfer.c.
 *
 *     jxs3_open(&u, &c, host, o, &x, e)   s3://BUCKET/PREFIX/: finds the keys (jcred_s3_find),
 *                                          the endpoint and region (o, then AWS_ENDPOINT_URL,
 *                                          AWS_REGION, AWS_DEFAULT_REGION, us-east-1); nothing
 *                                          is connected yet; u and c must outlive x
 *     rc = jxs3_put(x, fd, size, name, &gate, e)   as jxfer_put (xfer.h): 1 published, 0 an
 *                                          identical object was there, -1 (EX_DATAERR a
 *                                          different one is, EX_NOPERM the store refused the
 *                                          keys, EX_TEMPFAIL, EX_IOERR)
 *     jxs3_retryable(x)                    after a failure: may trying again help?
 *
 * Reading (for hub_s3.c, with hub.h's contract), in PREFIX/SUB (SUB "" or "NAME/"):
 *     jxs3_list(x, sub, after, fn, arg, e)  ListObjectsV2 (start-after SUB+after, pages of
 *                                          500, deeper keys left out): fn per object with
 *                                          its name under SUB, size and LastModified
 *     jxs3_get(x, name, size, fd, e)       the object into fd: exactly size bytes, or
 *                                          EX_TEMPFAIL; a missing object is EX_NOINPUT
 *     jxs3_remove(x, name, e)              0 gone (or never there)
 * name may then carry SUB ("d/NAME"); jxs3_put takes it too (create-only, as above).
 *     jxs3_close(x)                        wipes the keys
 *
 * Publishing (man/jship.1, S3): a file up to the part size goes in one PUT, a larger one
 * in a multipart upload completed only after every part is stored, its parts sent
 * JXS3_STREAMS at a time over connections of their own (one at a time with a rate limit;
 * the caller's gate then rides with the last part, the only one holding gated bytes). Every body carries its
 * SHA-256 (x-amz-content-sha256), which the store checks, and the PUT or the completion
 * carries If-None-Match: * (412: an object is there, compared size then bytes). Whether
 * the store honours the condition is probed once a process (PREFIX/.jship-probe); where it does not,
 * and before every multipart upload, the key is looked at first (HEAD) and compared. Unfinished uploads of the same key (a run killed mid-multipart) are aborted before
 * a new one starts, and an upload that fails is aborted.
 */
#ifndef JM_XS3_H
#define JM_XS3_H

#include <stdint.h>

#include "cred.h"
#include "err.h"
#include "gate.h"
#include "hub.h"
#include "url.h"
#include "xfer.h"

#define JXS3_PART_SIZE (64ull << 20)
#define JXS3_STREAMS   4              /* parts sent at once, one connection each */
#define JXS3_LANES     4              /* files sent at once (jxfer_lanes), one jxs3 each */

struct jxs3;

int  jxs3_open(const struct jurl *u, const struct jcred *c, const char *host,
               const struct jxfer_opts *o, struct jxs3 **x, struct jerr *e);
int  jxs3_put(struct jxs3 *x, int fd, uint64_t size, const char *name, struct jgate *g,
              struct jerr *e);
int  jxs3_lanes(const struct jxs3 *x);      /* JXS3_LANES, or 1 with a rate limit */
int  jxs3_retryable(const struct jxs3 *x);
int  jxs3_list(struct jxs3 *x, const char *sub, const char *after, jhub_list_fn fn, void *arg,
               struct jerr *e);
int  jxs3_get(struct jxs3 *x, const char *name, uint64_t size, int fd, struct jerr *e);
int  jxs3_remove(struct jxs3 *x, const char *name, struct jerr *e);
void jxs3_close(struct jxs3 *x);

#endif
