/* digest: SHA-256 vectors (FIPS 180-2) and the hex helpers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "unit.h"

static void
sha(const void *buf, size_t len, char hex[JDIGEST_HEX])
{
	struct jdigest d;
	uint8_t out[JDIGEST_LEN];

	ck_assert_int_eq(jdigest_init(&d), 0);
	jdigest_update(&d, buf, len);
	jdigest_final(&d, out);
	jdigest_free(&d);       /* safe after final */
	jdigest_hex(out, sizeof out, hex);
}

START_TEST(vectors)
{
	char hex[JDIGEST_HEX];
	struct jdigest d;
	uint8_t out[JDIGEST_LEN];
	char *a = malloc(1000000);

	sha("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(a, 'a', 1000000);
	/* in pieces of odd sizes: streaming gives the one-shot result */
	ck_assert_int_eq(jdigest_init(&d), 0);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 9973 + 1)
		jdigest_update(&d, a + off, off + step > 1000000 ? 1000000 - off : step);
	jdigest_final(&d, out);
	jdigest_hex(out, sizeof out, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
	/* freed without final */
	ck_assert_int_eq(jdigest_init(&d), 0);
	jdigest_free(&d);
}
END_TEST

START_TEST(hex)
{
	uint8_t b[4] = { 0x00, 0x7f, 0xab, 0xff }, c[4];
	char h[9];

	jdigest_hex(b, 4, h);
	ck_assert_str_eq(h, "007fabff");
	ck_assert_int_eq(jdigest_unhex("007FABff", c, 4), 0);
	ck_assert(memcmp(b, c, 4) == 0);
	errno = 0;
	ck_assert_int_eq(jdigest_unhex("007fab", c, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(jdigest_unhex("007fabff00", c, 4), -1);
	ck_assert_int_eq(jdigest_unhex("007fabfg", c, 4), -1);
	ck_assert_int_eq(jdigest_unhex("", c, 0), 0);
}
END_TEST

Suite *
suite_digest(void)
{
	Suite *s = suite_create("digest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, vectors);
	tcase_add_test(tc, hex);
	suite_add_tcase(s, tc);
	return s;
}
