/*
 * fuzz_age: libFuzzer target for the age reader (age.c): the header parser alone, then the
 * whole decryptor with the identity of the format's test vectors, reading the input in
 * short pieces. Besides the sanitizers' checks, the promises of age.h are asserted: a
 * refusal is EX_DATAERR (damaged) or EX_NOPERM (no identity matches) with a message, and
 * the plaintext returned never exceeds the ciphertext.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "age.h"

#define want(c) do { if (!(c)) { fprintf(stderr, "broken promise: %s\n", #c); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
	const uint8_t *p;
	size_t n, pos;
};

static ssize_t
src(void *arg, void *buf, size_t n, struct jerr *e)
{
	struct in *in = arg;

	if (n > 1000)
		n = 1000;
	if (n > in->n - in->pos)
		n = in->n - in->pos;
	memcpy(buf, in->p + in->pos, n);
	in->pos += n;
	return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char id[] =
	    "AGE-SECRET-KEY-1XMWWC06LY3EE5RYTXM9MFLAZ2U56JJJ36S0MYPDRWSVLUL66MV4QX3S7F6";
	static uint8_t buf[70000];
	struct jage_keys k = {0};
	struct in in = { data, size, 0 };
	struct jage_dec *d;
	struct jerr e = {0};
	size_t total = 0;
	ssize_t n;

	if (jage_header_parse(data, size, &e) < 0)
		want(e.code == EX_DATAERR && e.msg[0]);
	if (jage_identity_parse(id, k.id[0]) < 0 || jcrypt_x25519_base(k.idpub[0], k.id[0]) < 0)
		abort();
	k.nid = 1;
	if (jage_dec_open(&k, src, &in, &d, &e) < 0) {
		want((e.code == EX_DATAERR || e.code == EX_NOPERM) && e.msg[0]);
		return 0;
	}
	while ((n = jage_dec_read(d, buf, sizeof buf, &e)) > 0)
		total += (size_t)n;
	want(n == 0 || (e.code == EX_DATAERR && e.msg[0]));
	want(total <= size);
	jage_dec_close(d);
	return 0;
}
