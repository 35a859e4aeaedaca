/*
 * fuzz_sig: libFuzzer target for what a signed segment brings from outside: the signature
 * block after the trailer (fmt.c's jfmt_sig_decode), a public key line (sig.c's
 * jsig_pub_parse), and the check of a block against a trusted key (sig.c's jsig_verify).
 * Besides the sanitizers' checks, the promises are asserted: a refused block is EX_DATAERR
 * with a message; an accepted one encodes back to the very same 160 bytes; an accepted key
 * line formats back to itself; a block made of fuzzed bytes never verifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "sig.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
block(const uint8_t *data)
{
	static const struct jsig_pub key = { .keyid = { 1, 2, 3, 4, 5, 6, 7, 8 }, .pk = { 0x3b,
	    0x6a, 0x27, 0xbc, 0xce, 0xb6, 0xa4, 0x2d, 0x62, 0xa3, 0xa8, 0xd0, 0x2a, 0x6f, 0x0d,
	    0x73, 0x65, 0x32, 0x15, 0x77, 0x1d, 0xe2, 0x43, 0xa6, 0x3a, 0xc0, 0x48, 0xa1, 0x8b,
	    0x59, 0xda, 0x29 } };
	struct jsig_trust tr = { .n = 1, .keys = { key } };
	struct jfmt_header h = { .version = 3, .timeline = 1, .seq = 1, .first_lsn = 1 };
	struct jfmt_trailer t = { .records = 0 };
	uint8_t out[JFMT_SIG_SIZE];
	struct jfmt_sig s;
	struct jerr e;

	memset(&e, 0, sizeof e);
	if (jfmt_sig_decode(data, &s, &e) < 0) {
		want(e.code == EX_DATAERR && e.msg[0] != '\0');
		return;
	}
	jfmt_sig_encode(&s, out);
	want(memcmp(out, data, JFMT_SIG_SIZE) == 0);
	memcpy(s.keyid, key.keyid, JFMT_KEYID_LEN);
	memset(&e, 0, sizeof e);
	want(jsig_verify(&tr, &h, &t, &s, &e) < 0 && e.code == EX_DATAERR);
}

static void
keyline(const uint8_t *data, size_t size)
{
	char line[128], back[JSIG_PUB_B64];
	struct jsig_pub k;

	if (size >= sizeof line)
		size = sizeof line - 1;
	memcpy(line, data, size);
	line[size] = '\0';
	if (jsig_pub_parse(line, &k) < 0)
		return;
	jsig_pub_format(&k, back);
	want(strcmp(back, line) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= JFMT_SIG_SIZE)
		block(data);
	keyline(data, size);
	return 0;
}
