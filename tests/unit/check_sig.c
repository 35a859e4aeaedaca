/* sig: minisign keys, the statement, signing and the trusted check; the primitives under it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crc32c.h"
#include "digest.h"
#include "fmt.h"
#include "journal.h"
#include "seg.h"
#include "sig.h"
#include "unit.h"

static char *dir;
static void setup(void) { dir = unit_tmpdir(); }
static void teardown(void) { unit_rmrf(dir); free(dir); }

/* RFC 8032, 7.1, test 1 */
static const char seed_hex[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char pub_hex[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
static const char sig_hex[] = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                              "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static void
unhex(const char *h, uint8_t *b, size_t n)
{
	ck_assert_int_eq(jdigest_unhex(h, b, n), 0);
}

START_TEST(primitives)
{
	uint8_t seed[32], pub[32], sig[64], got[64];
	char hex[129];

	unhex(seed_hex, seed, 32);
	unhex(pub_hex, pub, 32);
	unhex(sig_hex, sig, 64);
	ck_assert_int_eq(jed25519_public(seed, got), 0);
	ck_assert(memcmp(got, pub, 32) == 0);
	ck_assert_int_eq(jed25519_sign(seed, "", 0, got), 0);
	ck_assert(memcmp(got, sig, 64) == 0);
	ck_assert_int_eq(jed25519_verify(pub, "", 0, sig), 1);
	ck_assert_int_eq(jed25519_verify(pub, "x", 1, sig), 0);
	ck_assert_int_eq(jblake2b512("abc", 3, got), 0);
	jdigest_hex(got, 64, hex);
	ck_assert_str_eq(hex, "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
	    "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}
END_TEST

static void
b64(const uint8_t *in, size_t len, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
		    (i + 2 < len ? in[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < len ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? a[v & 63] : '=';
	}
	out[o] = 0;
}

/* A minisign secret key file (as minisign -G -W writes it) for the RFC seed; kdf "\0\0"
 * unless given. Its path in p. */
static void
write_secret(char *p, size_t size, const char *name, const char *kdf, int mode)
{
	uint8_t raw[158] = { 'E', 'd', 0, 0, 'B', '2' };
	char text[400], line[256];

	memcpy(raw + 2, kdf, 2);
	memcpy(raw + 54, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	unhex(seed_hex, raw + 62, 32);
	unhex(pub_hex, raw + 94, 32);
	b64(raw, sizeof raw, line);
	snprintf(text, sizeof text, "untrusted comment: minisign encrypted secret key\n%s\n", line);
	snprintf(p, size, "%s/%s", dir, name);
	ck_assert_int_eq(unit_write_file(p, text, strlen(text)), 0);
	ck_assert_int_eq(chmod(p, (mode_t)mode), 0);
}

static void
sample(struct jfmt_header *h, struct jfmt_trailer *t)
{
	memset(h, 0, sizeof *h);
	memset(t, 0, sizeof *t);
	h->version = JFMT_VERSION;
	memset(h->lineage, 0x11, sizeof h->lineage);
	h->timeline = 2;
	h->seq = 7;
	h->first_lsn = 40;
	memset(h->prev_digest, 0xaa, sizeof h->prev_digest);
	t->records = 3;
	t->last_lsn = 42;
	t->flags = JFMT_FINAL;
	memset(t->digest, 0xbb, sizeof t->digest);
}

START_TEST(keys)
{
	char p[4096], q[4096], text[256], b[JSIG_PUB_B64], id[JSIG_KEYID_HEX];
	struct jsig_key k;
	struct jsig_pub pk, pk2;
	struct jerr e;

	write_secret(p, sizeof p, "k.key", "\0\0", 0600);
	ck_assert_int_eq(jsig_key_load(p, &k, &e), 0);
	ck_assert(memcmp(k.keyid, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0);
	jsig_keyid_hex(k.keyid, id);
	ck_assert_str_eq(id, "807060504030201");     /* as minisign shows it: no leading 0 */
	ck_assert_int_eq(jsig_keyid_parse("807060504030201", pk.keyid), 0);
	ck_assert(memcmp(pk.keyid, k.keyid, 8) == 0);
	ck_assert_int_eq(jsig_keyid_parse("0807060504030201", pk.keyid), 0);
	ck_assert(memcmp(pk.keyid, k.keyid, 8) == 0);
	ck_assert_int_eq(jsig_keyid_parse("10807060504030201", pk.keyid), -1);
	ck_assert_int_eq(jsig_keyid_parse("8x", pk.keyid), -1);
	/* the public key file of the pair, and its line given directly */
	memcpy(pk.keyid, k.keyid, 8);
	memcpy(pk.pk, k.pk, 32);
	jsig_pub_format(&pk, b);
	ck_assert_int_eq(strlen(b), 56);
	snprintf(q, sizeof q, "%s/k.pub", dir);
	snprintf(text, sizeof text, "untrusted comment: minisign public key 0807060504030201\n%s\n", b);
	ck_assert_int_eq(unit_write_file(q, text, strlen(text)), 0);
	ck_assert_int_eq(jsig_pub_load(q, &pk2, &e), 0);
	ck_assert(memcmp(&pk, &pk2, sizeof pk) == 0);
	ck_assert_int_eq(jsig_pub_load(b, &pk2, &e), 0);
	b[20] = '!';            /* not base64 */
	ck_assert_int_eq(jsig_pub_parse(b, &pk2), -1);
	ck_assert_int_eq(jsig_pub_parse("RWQ=", &pk2), -1);
	/* refusals, each with its code */
	ck_assert_int_eq(jsig_key_load(q, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert(strstr(e.msg, "a public key where the secret key belongs"));
	ck_assert_int_eq(jsig_pub_load(p, &pk2, &e), -1);
	ck_assert(strstr(e.msg, "a secret key where a public key belongs"));
	write_secret(p, sizeof p, "loose.key", "\0\0", 0640);
	ck_assert_int_eq(jsig_key_load(p, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	write_secret(p, sizeof p, "pass.key", "Sc", 0600);
	ck_assert_int_eq(jsig_key_load(p, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert(strstr(e.msg, "protected by a passphrase"));
	snprintf(p, sizeof p, "%s/none.key", dir);
	ck_assert_int_eq(jsig_key_load(p, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
}
END_TEST

START_TEST(damaged_key)
{
	char p[4096];
	struct jsig_key k;
	struct jerr e;
	char *text;
	size_t len;

	write_secret(p, sizeof p, "k.key", "\0\0", 0600);
	ck_assert_ptr_nonnull(text = unit_read_file(p, &len));
	/* the public half no longer matches the seed: base64 byte 94 is in the 126th char */
	text[strlen("untrusted comment: minisign encrypted secret key\n") + 130] ^= 1;
	ck_assert_int_eq(unit_write_file(p, text, len), 0);
	free(text);
	ck_assert_int_eq(jsig_key_load(p, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_DATAERR);
	ck_assert(strstr(e.msg, "damaged"));
}
END_TEST

START_TEST(statement)
{
	struct jfmt_header h;
	struct jfmt_trailer t;
	char buf[JSIG_STATEMENT];

	sample(&h, &t);
	jsig_statement(&h, &t, buf, sizeof buf);
	ck_assert_str_eq(buf, "jmirror signed segment 1\nlineage 11111111111111111111111111111111\n"
	    "timeline 2\nseq 7\nfirst_lsn 40\nlast_lsn 42\nprev_digest "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nfinal 1\ndigest "
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n");
	jsig_comment(&h, &t, buf, sizeof buf);
	ck_assert_str_eq(buf, "jmirror segment 11111111111111111111111111111111 timeline 2 seq 7 "
	    "digest bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
}
END_TEST

START_TEST(sign_verify)
{
	char p[4096];
	struct jfmt_header h, h2;
	struct jfmt_trailer t, t2;
	struct jsig_trust none = { 0 }, tr = { 0 }, other = { 0 };
	struct jsig_pub pk, ok;
	struct jfmt_sig s, s2;
	struct jsig_key k;
	struct jerr e;

	write_secret(p, sizeof p, "k.key", "\0\0", 0600);
	ck_assert_int_eq(jsig_key_load(p, &k, &e), 0);
	memcpy(pk.keyid, k.keyid, 8);
	memcpy(pk.pk, k.pk, 32);
	ck_assert_int_eq(jsig_trust_add(&tr, &pk, &e), 0);
	ck_assert_int_eq(jsig_trust_add(&tr, &pk, &e), 0);
	ck_assert_uint_eq(tr.n, 1);
	sample(&h, &t);
	ck_assert_int_eq(jsig_sign(&k, &h, &t, &s, &e), 0);
	ck_assert_int_eq(jsig_verify(&tr, &h, &t, &s, &e), 0);
	ck_assert_int_eq(jsig_verify(&none, &h, &t, NULL, &e), 0);
	/* each field of the statement is covered */
	for (int f = 0; f < 8; f++) {
		h2 = h;
		t2 = t;
		switch (f) {
		case 0: h2.lineage[3] ^= 1; break;
		case 1: h2.timeline++; break;
		case 2: h2.seq++; break;
		case 3: h2.first_lsn++; break;
		case 4: t2.last_lsn++; break;
		case 5: h2.prev_digest[31] ^= 1; break;
		case 6: t2.flags = 0; break;
		case 7: t2.digest[0] ^= 1; break;
		}
		ck_assert_int_eq(jsig_verify(&tr, &h2, &t2, &s, &e), -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		ck_assert(strstr(e.msg, "does not verify"));
	}
	s2 = s;
	s2.csig[10] ^= 1;       /* the comment signature is checked too */
	ck_assert_int_eq(jsig_verify(&tr, &h, &t, &s2, &e), -1);
	ck_assert_int_eq(jsig_verify(&tr, &h, &t, NULL, &e), -1);
	ck_assert(strstr(e.msg, "unsigned segment: refused"));
	ck_assert_int_eq(jsig_verify(&tr, &h, NULL, &s, &e), -1);
	ck_assert(strstr(e.msg, "live journal"));
	ok = pk;
	ok.keyid[0] ^= 1;
	ck_assert_int_eq(jsig_trust_add(&other, &ok, &e), 0);
	ck_assert_int_eq(jsig_verify(&other, &h, &t, &s, &e), -1);
	ck_assert_str_eq(e.msg, "signed by key 807060504030201, which is not trusted: refused");
	/* a second key, removed again */
	ck_assert_int_eq(jsig_trust_add(&tr, &ok, &e), 0);
	ck_assert_int_eq(jsig_verify(&tr, &h, &t, &s, &e), 0);
	ck_assert_int_eq(jsig_trust_remove(&tr, pk.keyid), 1);
	ck_assert_int_eq(jsig_trust_remove(&tr, pk.keyid), 0);
	ck_assert_int_eq(jsig_verify(&tr, &h, &t, &s, &e), -1);
	jsig_key_wipe(&k);
}
END_TEST

START_TEST(block)
{
	struct jfmt_sig s, g;
	uint8_t b[JFMT_SIG_SIZE], c[JFMT_SIG_SIZE];
	struct jerr e;

	memset(&s, 0x5a, sizeof s);
	jfmt_sig_encode(&s, b);
	ck_assert(memcmp(b, "JSIG\xa0\0\0\0ED", 10) == 0);
	ck_assert_int_eq(jfmt_sig_decode(b, &g, &e), 0);
	ck_assert(memcmp(&s, &g, sizeof s) == 0);
	for (int i = 0; i < JFMT_SIG_SIZE; i++) {
		memcpy(c, b, sizeof b);
		c[i] ^= 0x10;
		ck_assert_msg(jfmt_sig_decode(c, &g, &e) == -1, "flip at %d", i);
		ck_assert_int_eq(e.code, EX_DATAERR);
	}
	memcpy(c, b, sizeof b);
	memset(c + 10, 0, 8);
	jfmt_put32(c + 156, jcrc32c(0, c, 156));
	ck_assert_int_eq(jfmt_sig_decode(c, &g, &e), -1);
	ck_assert(strstr(e.msg, "zero key id"));
}
END_TEST

START_TEST(signed_header)
{
	struct jfmt_header h, g;
	uint8_t b[JFMT_HEADER_SIZE];
	struct jerr e;
	struct jfmt_trailer t;

	sample(&h, &t);
	h.flags = JFMT_HDR_SIGNED;
	memcpy(h.keyid, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	jfmt_header_encode(&h, b);
	ck_assert_uint_eq(jfmt_get32(b + 12), 1);
	ck_assert(memcmp(b + 104, h.keyid, 8) == 0);
	ck_assert_int_eq(jfmt_header_decode(b, &g, &e), 0);
	ck_assert_uint_eq(g.flags, JFMT_HDR_SIGNED);
	ck_assert(memcmp(g.keyid, h.keyid, 8) == 0);
	h.flags = 0;                    /* a key id without the flag */
	jfmt_header_encode(&h, b);
	ck_assert_int_eq(jfmt_header_decode(b, &g, &e), -1);
	ck_assert_str_eq(e.msg, "header names a key but is not signed");
	h.flags = JFMT_HDR_SIGNED;      /* the flag without a key id */
	memset(h.keyid, 0, 8);
	jfmt_header_encode(&h, b);
	ck_assert_int_eq(jfmt_header_decode(b, &g, &e), -1);
	ck_assert_str_eq(e.msg, "header is signed but names no key");
	h.version = 2;                  /* version 2 has no flags */
	memcpy(h.keyid, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	jfmt_header_encode(&h, b);
	ck_assert_int_eq(jfmt_header_decode(b, &g, &e), -1);
	ck_assert_str_eq(e.msg, "header has unknown flags or reserved bytes set");
}
END_TEST

/* The reader and the writer on signed files: the seal is trailer and block together. */
START_TEST(reader)
{
	char p[4096], j[4096], seg[4096], live[4096];
	struct jjrotate o = { 0 };
	struct jjournal_payload rec = { JFMT_TYPE_SQL, "SELECT 1;", 9 };
	struct jsig_trust tr = { 0 };
	struct jsig_pub pk;
	struct jjournal *jj;
	struct jfmt_header h;
	struct jfmt_trailer t;
	struct jseg *s;
	struct jseg_rec r;
	struct jsig_key k;
	struct jerr e;
	uint8_t *buf;
	size_t len;

	write_secret(p, sizeof p, "k.key", "\0\0", 0600);
	ck_assert_int_eq(jsig_key_load(p, &k, &e), 0);
	memcpy(pk.keyid, k.keyid, 8);
	memcpy(pk.pk, k.pk, 32);
	ck_assert_int_eq(jsig_trust_add(&tr, &pk, &e), 0);
	snprintf(j, sizeof j, "%s/db.journal", dir);
	ck_assert_int_eq(jjournal_create(j, &e), 0);
	o.sign = &k;
	ck_assert_int_eq(jjournal_rotate(j, &o, seg, sizeof seg, &e), 0);   /* made signed */
	ck_assert_int_eq(jjournal_open(j, 0, &jj, &e), 0);
	ck_assert_int_eq(jjournal_append(jj, &rec, 1, NULL, &e), 0);
	o.sign = NULL;
	ck_assert_int_eq(jjournal_rotate(j, &o, seg, sizeof seg, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	o.sign = &k;
	ck_assert_int_eq(jjournal_rotate(j, &o, seg, sizeof seg, &e), 1);
	ck_assert_int_eq(jsig_verify_file(seg, JSEG_SEALED, &tr, &h, &t, &e), 0);
	ck_assert_uint_eq(h.flags, JFMT_HDR_SIGNED);
	ck_assert_uint_eq(t.size, JFMT_HEADER_SIZE + JFMT_REC_OVERHEAD + 9 + JFMT_TRAILER_SIZE);
	ck_assert_ptr_nonnull(buf = unit_read_file(seg, &len));
	ck_assert_uint_eq(len, t.size + JFMT_SIG_SIZE);
	/* one byte short: the block is cut short; one byte more: data after it */
	snprintf(p, sizeof p, "%s/x.0001-000000000002.journal", dir);
	ck_assert_int_eq(unit_write_file(p, buf, len - 1), 0);
	ck_assert_int_eq(jseg_verify(p, JSEG_SEALED, NULL, NULL, &e), -1);
	ck_assert(strstr(e.msg, "truncated signature block"));
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	ck_assert_int_eq(unit_write_file(p, buf, len + 1), 0);
	ck_assert_int_eq(jseg_verify(p, JSEG_SEALED, NULL, NULL, &e), -1);
	ck_assert(strstr(e.msg, "data after the signature block"));
	/* a live file whose seal lost half its block: a torn trailer, not a sealed file */
	snprintf(live, sizeof live, "%s/y.journal", dir);
	ck_assert_int_eq(unit_write_file(live, buf, len - JFMT_SIG_SIZE / 2), 0);
	ck_assert_int_eq(jseg_open(live, JSEG_LIVE, &s, &e), 0);
	ck_assert_int_eq(jseg_next(s, &r, &e), 1);
	ck_assert_int_eq(jseg_next(s, &r, &e), 0);
	ck_assert_ptr_null(jseg_trailer(s));
	ck_assert_ptr_null(jseg_sig(s));
	ck_assert_uint_eq(jseg_torn(s), JFMT_TRAILER_SIZE + JFMT_SIG_SIZE / 2);
	jseg_close(s);
	free(buf);
	jjournal_close(jj, &e);
	jsig_key_wipe(&k);
}
END_TEST

Suite *
suite_sig(void)
{
	Suite *s = suite_create("sig");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, primitives);
	tcase_add_test(tc, keys);
	tcase_add_test(tc, damaged_key);
	tcase_add_test(tc, statement);
	tcase_add_test(tc, sign_verify);
	tcase_add_test(tc, block);
	tcase_add_test(tc, signed_header);
	tcase_add_test(tc, reader);
	suite_add_tcase(s, tc);
	return s;
}
