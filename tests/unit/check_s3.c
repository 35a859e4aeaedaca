#include <stdio.h>
#include <string.h>

#include "s3.h"
#include "unit.h"

START_TEST(bucket_names)
{
	ck_assert(js3_bucket_ok("jmirror"));
	ck_assert(js3_bucket_ok("my.bucket-1"));
	ck_assert(!js3_bucket_ok("jm"));                /* too short */
	ck_assert(!js3_bucket_ok("Upper"));
	ck_assert(!js3_bucket_ok("-dash"));
	ck_assert(!js3_bucket_ok("a..b"));
	ck_assert(!js3_bucket_ok("sp ace"));
}
END_TEST

START_TEST(base_urls)
{
	char b[512];
	struct jerr e = { 0, "" };

	ck_assert_int_eq(js3_base("jm1", NULL, "eu-west-1", b, sizeof b, &e), 0);
	ck_assert_str_eq(b, "https://jm1.s3.eu-west-1.amazonaws.com/");
	ck_assert_int_eq(js3_base("a.b.c", NULL, "us-east-1", b, sizeof b, &e), 0);
	ck_assert_str_eq(b, "https://s3.us-east-1.amazonaws.com/a.b.c/");
	ck_assert_int_eq(js3_base("jm1", "http://127.0.0.1:9000/", "us-east-1", b, sizeof b, &e), 0);
	ck_assert_str_eq(b, "http://127.0.0.1:9000/jm1/");
	ck_assert_int_eq(js3_base("jm1", "https://s3.example/base", "x", b, sizeof b, &e), 0);
	ck_assert_str_eq(b, "https://s3.example/base/jm1/");
	ck_assert_int_eq(js3_base("jm1", "ftp://h/", "x", b, sizeof b, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_int_eq(js3_base("jm1", "http://u@h/", "x", b, sizeof b, &e), -1);
	ck_assert_int_eq(js3_base("jm1", "http://h/?q", "x", b, sizeof b, &e), -1);
}
END_TEST

START_TEST(key_encoding)
{
	char b[64];

	ck_assert_int_eq(js3_encode("a/b.c-d_e~f", 1, b, sizeof b), 0);
	ck_assert_str_eq(b, "a/b.c-d_e~f");
	ck_assert_int_eq(js3_encode("a/b", 0, b, sizeof b), 0);
	ck_assert_str_eq(b, "a%2Fb");
	ck_assert_int_eq(js3_encode("x y+z=&\xc3\xa9*", 1, b, sizeof b), 0);
	ck_assert_str_eq(b, "x%20y%2Bz%3D%26%C3%A9%2A");
	ck_assert_int_eq(js3_encode("abc", 1, b, 4), 0);
	ck_assert_int_eq(js3_encode("abcd", 1, b, 4), -1);   /* does not fit: refused, not cut */
	ck_assert_int_eq(js3_encode(" ", 1, b, 3), -1);
}
END_TEST

START_TEST(canonical_query)
{
	char b[256];
	const char *kv[] = { "uploadId", "a/b=", "partNumber", "3" };
	const char *list[] = { "start-after", "p/db 1", "prefix", "p/", "list-type", "2",
		"delimiter", "/", "max-keys", "500" };
	const char *bare[] = { "uploads", NULL };

	ck_assert_int_eq(js3_query(kv, 2, b, sizeof b), 0);
	ck_assert_str_eq(b, "partNumber=3&uploadId=a%2Fb%3D");
	ck_assert_int_eq(js3_query(list, 5, b, sizeof b), 0);
	ck_assert_str_eq(b, "delimiter=%2F&list-type=2&max-keys=500&prefix=p%2F&"
	    "start-after=p%2Fdb%201");
	ck_assert_int_eq(js3_query(bare, 1, b, sizeof b), 0);
	ck_assert_str_eq(b, "uploads=");
	ck_assert_int_eq(js3_query(kv, 2, b, 10), -1);
}
END_TEST

static char keys[8][64];
static uint64_t sizes[8];
static time_t mtimes[8];
static int nkeys;

static int
collect(void *arg, const char *key, uint64_t size, time_t mtime)
{
	(void)arg;
	snprintf(keys[nkeys], sizeof keys[0], "%s", key);
	sizes[nkeys] = size;
	mtimes[nkeys++] = mtime;
	return 0;
}

START_TEST(list_reply)
{
	const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"x\">"
	    "<Name>jm</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>500</MaxKeys>"
	    "<IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken>"
	    "<Contents><Key>p/a&amp;b</Key><LastModified>2026-11-30T12:53:41.000Z</LastModified>"
	    "<ETag>&quot;x&quot;</ETag><Size>909</Size></Contents>"
	    "<Contents><Key>p/c</Key><Size>0</Size><LastModified>bad</LastModified></Contents>"
	    "<CommonPrefixes><Prefix>p/.jmirror/</Prefix></CommonPrefixes></ListBucketResult>";
	char tok[64];
	int more;

	nkeys = 0;
	ck_assert_int_eq(js3_list_parse(xml, strlen(xml), collect, NULL, &more, tok, sizeof tok), 0);
	ck_assert_int_eq(nkeys, 2);
	ck_assert_str_eq(keys[0], "p/a&b");
	ck_assert_uint_eq(sizes[0], 909);
	ck_assert_int_eq((long long)mtimes[0], 1796043221LL);
	ck_assert_str_eq(keys[1], "p/c");
	ck_assert_uint_eq(sizes[1], 0);
	ck_assert_int_eq((long long)mtimes[1], 0);
	ck_assert_int_eq(more, 1);
	ck_assert_str_eq(tok, "t&1");
}
END_TEST

START_TEST(list_refused)
{
	static const char *const bad[] = {
		"<Contents><Key>k</Key></Contents>",                        /* no size */
		"<Contents><Key>k</Key><Size>-1</Size></Contents>",
		"<Contents><Key>k</Key><Size>12x</Size></Contents>",
		"<Contents><Key>k&bogus;</Key><Size>1</Size></Contents>",
		"<Contents><Key>k</Key><Size>1</Size>",                     /* not closed */
		"<Contents><Key><b>k</b></Key><Size>1</Size></Contents>",   /* not a leaf */
		"<IsTruncated>true</IsTruncated>",                           /* no token */
		"<IsTruncated>true</IsTruncated><NextContinuationToken/>",    /* an empty one */
		"<Contents><Key>k&#0;</Key><Size>1</Size></Contents>",
	};
	char tok[64];
	int more;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		nkeys = 0;
		ck_assert_msg(js3_list_parse(bad[i], strlen(bad[i]), collect, NULL, &more, tok,
		    sizeof tok) == -1, "accepted: %s", bad[i]);
	}
	/* a value longer than its buffer is refused, never cut */
	ck_assert_int_eq(js3_list_parse("<IsTruncated>true</IsTruncated><NextContinuationToken>"
	    "0123456789</NextContinuationToken>", 84, collect, NULL, &more, tok, 5), -1);
}
END_TEST

START_TEST(errors_and_ids)
{
	const char *err = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>"
	    "<Message>The request signature &lt;...&gt;</Message><RequestId>r</RequestId></Error>";
	const char *init = "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
	    "<UploadId>2~abc</UploadId></InitiateMultipartUploadResult>";
	char code[64], msg[64], id[64];
	size_t pos = 0;

	ck_assert_int_eq(js3_xml_error(err, strlen(err), code, sizeof code, msg, sizeof msg), 1);
	ck_assert_str_eq(code, "SignatureDoesNotMatch");
	ck_assert_str_eq(msg, "The request signature <...>");
	ck_assert_int_eq(js3_xml_error(init, strlen(init), code, sizeof code, msg, sizeof msg), 0);
	ck_assert_int_eq(js3_xml_next(init, strlen(init), "UploadId", &pos, id, sizeof id), 1);
	ck_assert_str_eq(id, "2~abc");
	ck_assert_int_eq(js3_xml_next(init, strlen(init), "UploadId", &pos, id, sizeof id), 0);
	pos = 0;    /* <UploadIdMarker> is not <UploadId> */
	ck_assert_int_eq(js3_xml_next("<UploadIdMarker>x</UploadIdMarker>", 34, "UploadId", &pos,
	    id, sizeof id), 0);
	/* a reply cut short is never read past its end */
	ck_assert_int_eq(js3_xml_next(init, 60, "UploadId", &pos, id, sizeof id), 0);
}
END_TEST

static char ukeys[4][64], uids[4][64];
static int nups;

static int
collect_upload(void *arg, const char *key, const char *id)
{
	(void)arg;
	snprintf(ukeys[nups], sizeof ukeys[0], "%s", key);
	snprintf(uids[nups++], sizeof uids[0], "%s", id);
	return 0;
}

START_TEST(uploads_reply)
{
	const char *xml = "<ListMultipartUploadsResult><Bucket>b</Bucket><KeyMarker></KeyMarker>"
	    "<UploadIdMarker/><Upload><Key>p/a</Key><UploadId>u1</UploadId><Initiator><ID>x</ID>"
	    "</Initiator></Upload><Upload><Key>p/b</Key><UploadId>u2</UploadId></Upload>"
	    "</ListMultipartUploadsResult>";

	nups = 0;
	ck_assert_int_eq(js3_uploads_parse(xml, strlen(xml), collect_upload, NULL), 0);
	ck_assert_int_eq(nups, 2);
	ck_assert_str_eq(ukeys[0], "p/a");
	ck_assert_str_eq(uids[0], "u1");
	ck_assert_str_eq(ukeys[1], "p/b");
	ck_assert_str_eq(uids[1], "u2");
	ck_assert_int_eq(js3_uploads_parse("<Upload><Key>k</Key></Upload>", 29, collect_upload,
	    NULL), -1);
}
END_TEST

START_TEST(complete_body)
{
	char b[256];
	size_t n;

	ck_assert_int_eq(js3_complete_begin(b, sizeof b, &n), 0);
	ck_assert_int_eq(js3_complete_part(b, sizeof b, &n, 1, "\"e1\""), 0);
	ck_assert_int_eq(js3_complete_part(b, sizeof b, &n, 2, "\"e<2\""), 0);
	ck_assert_int_eq(js3_complete_end(b, sizeof b, &n), 0);
	ck_assert_str_eq(b, "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"
	    "&quot;e1&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;e&lt;2&quot;"
	    "</ETag></Part></CompleteMultipartUpload>");
	ck_assert_uint_eq(n, strlen(b));
	ck_assert_int_eq(js3_complete_begin(b, 30, &n), 0);
	ck_assert_int_eq(js3_complete_part(b, 30, &n, 1, "\"e1\""), -1);
}
END_TEST

Suite *
suite_s3(void)
{
	Suite *s = suite_create("s3");
	TCase *tc = tcase_create("s3");

	tcase_add_test(tc, bucket_names);
	tcase_add_test(tc, base_urls);
	tcase_add_test(tc, key_encoding);
	tcase_add_test(tc, canonical_query);
	tcase_add_test(tc, list_reply);
	tcase_add_test(tc, list_refused);
	tcase_add_test(tc, errors_and_ids);
	tcase_add_test(tc, uploads_reply);
	tcase_add_test(tc, complete_body);
	suite_add_tcase(s, tc);
	return s;
}
