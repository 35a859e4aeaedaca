/*
 * fuzz_s3xml: libFuzzer target for the S3 reply parsers of s3.c (ListObjectsV2,
 * ListMultipartUploads, an <Error>, one tag), which read what a store (or anyone between)
 * sends. Besides the sanitizers' checks, the promises of s3.h are asserted: nothing is
 * read outside the reply (the input is copied to a buffer of exactly its size, no NUL), a
 * value is a NUL-terminated string inside its buffer, a key handed out fits JS3_KEY_MAX,
 * and a truncated listing always comes with its continuation token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_key(void *arg, const char *key, uint64_t size, time_t mtime)
{
	(void)arg; (void)size; (void)mtime;
	want(strlen(key) <= JS3_KEY_MAX);
	return 0;
}

static int
on_upload(void *arg, const char *key, const char *id)
{
	(void)arg;
	want(strlen(key) <= JS3_KEY_MAX);
	want(strlen(id) < 1024);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *xml = malloc(size ? size : 1), tok[64], code[32], msg[32], val[16];
	size_t pos = 0;
	int more = -1;

	if (!xml)
		abort();
	memcpy(xml, data, size);
	if (js3_list_parse(xml, size, on_key, NULL, &more, tok, sizeof tok) == 0) {
		want(more == 0 || more == 1);
		want(memchr(tok, '\0', sizeof tok) != NULL);
		want(!more || tok[0] != '\0');
	}
	(void)js3_uploads_parse(xml, size, on_upload, NULL);
	if (js3_xml_error(xml, size, code, sizeof code, msg, sizeof msg) == 1) {
		want(memchr(code, '\0', sizeof code) != NULL);
		want(memchr(msg, '\0', sizeof msg) != NULL);
	}
	while (js3_xml_next(xml, size, "Key", &pos, val, sizeof val) == 1) {
		want(memchr(val, '\0', sizeof val) != NULL);
		want(pos <= size);
	}
	free(xml);
	return 0;
}
