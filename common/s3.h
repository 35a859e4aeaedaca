/*
 * s3: the S3 protocol's names, canonical forms and replies. Pure: no I/O, no allocation;
 * xs3 (the s3:// transport) sends what this builds and reads what this parses.
 *
 *     js3_bucket_ok("my-bucket")                 1 if a valid bucket name, else 0
 *     js3_base(bucket, endpoint, region, buf, size, e)
 *         the URL an object key is appended to: ENDPOINT/BUCKET/ (path-style) for a custom
 *         endpoint or a bucket name with a '.', else https://BUCKET.s3.REGION.amazonaws.com/
 *         (virtual-hosted, as AWS wants); -1 EX_USAGE (not http(s)://, too long)
 *     js3_encode(s, keep_slash, buf, size)       RFC 3986 percent-encoding as SigV4 wants
 *         it: A-Z a-z 0-9 - . _ ~ kept, '/' kept if keep_slash, the rest %XX (uppercase);
 *         -1 if it does not fit
 *     js3_query(kv, n, buf, size)                "k1=v1&k2=v2" from n pairs kv[2i], kv[2i+1],
 *         sorted by key and encoded (libcurl 7.88 signs the query as given); a NULL or ""
 *         value gives "k=" (as S3 signs a valueless parameter); -1 if it does not fit
 *
 * Replies (XML, parsed by tag name; &amp; &lt; &gt; &quot; &apos; &#N; &#xN; decoded):
 *     js3_xml_next(xml, len, tag, &pos, out, osize)   the text of the next <tag>...</tag>
 *         at or after pos (which then points past it): 1, 0 none, -1 malformed or too long
 *     js3_xml_error(xml, len, code, csize, msg, msize)  an <Error>'s Code and Message: 1, 0
 *     js3_list_parse(xml, len, cb, arg, &truncated, token, tsize)  ListObjectsV2: cb(arg,
 *         key, size, mtime) for each <Contents>, in order (mtime from LastModified, 0 if
 *         absent or unreadable); *truncated and the continuation token; -1 malformed (or
 *         cb returned -1)
 *     js3_uploads_parse(xml, len, cb, arg)   ListMultipartUploads: cb(arg, key, upload_id)
 *         for each <Upload>; -1 malformed (or cb returned -1)
 *     js3_complete_begin/part/end   build a CompleteMultipartUpload body into buf
 */
#ifndef JM_S3_H
#define JM_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define JS3_KEY_MAX   1024          /* S3's limit on a key, in bytes */
#define JS3_URL_MAX   4096
#define JS3_ETAG_MAX  128
#define JS3_PARTS_MAX 10000         /* S3's limit on parts in one upload */
#define JS3_PART_MIN  (5u << 20)    /* S3's smallest part (but the last) */
#define JS3_EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

int  js3_bucket_ok(const char *bucket);
int  js3_base(const char *bucket, const char *endpoint, const char *region, char *buf,
              size_t size, struct jerr *e);
int  js3_encode(const char *s, int keep_slash, char *buf, size_t size);
int  js3_query(const char *const *kv, size_t n, char *buf, size_t size);

int  js3_xml_next(const char *xml, size_t len, const char *tag, size_t *pos, char *out,
                  size_t osize);
int  js3_xml_error(const char *xml, size_t len, char *code, size_t csize, char *msg,
                   size_t msize);
int  js3_list_parse(const char *xml, size_t len, int (*cb)(void *arg, const char *key,
                    uint64_t size, time_t mtime), void *arg, int *truncated, char *token,
                    size_t tsize);

int  js3_uploads_parse(const char *xml, size_t len, int (*cb)(void *arg, const char *key,
                      const char *upload_id), void *arg);

/* CompleteMultipartUpload: begin, then one part() per part in order, then end(); each
 * returns -1 if buf is too small (size it 64 + 96 per part + the ETags). */
int  js3_complete_begin(char *buf, size_t size, size_t *n);
int  js3_complete_part(char *buf, size_t size, size_t *n, unsigned part, const char *etag);
int  js3_complete_end(char *buf, size_t size, size_t *n);

#endif
