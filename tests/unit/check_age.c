/* age: the format's own test vectors (age-testkit/), primitives' RFC vectors, key files,
 * streaming round trips at chunk boundaries, and interop both ways with the age command. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "age.h"
#include "digest.h"
#include "unit.h"

static void
unhex(const char *hex, uint8_t *out, size_t n)
{
	ck_assert_int_eq(jdigest_unhex(hex, out, n), 0);
}

/* ---- primitives ---- */

START_TEST(x25519_rfc7748)
{
	uint8_t a[32], b[32], apub[32], bpub[32], s1[32], s2[32], want[32];

	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b, 32);
	ck_assert_int_eq(jcrypt_x25519_base(apub, a), 0);
	ck_assert_int_eq(jcrypt_x25519_base(bpub, b), 0);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want, 32);
	ck_assert_mem_eq(apub, want, 32);
	ck_assert_int_eq(jcrypt_x25519(s1, a, bpub), 0);
	ck_assert_int_eq(jcrypt_x25519(s2, b, apub), 0);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
	ck_assert_mem_eq(s1, want, 32);
	ck_assert_mem_eq(s2, want, 32);
	memset(bpub, 0, 32);            /* a low-order point: refused */
	ck_assert_int_eq(jcrypt_x25519(s1, a, bpub), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(hkdf_rfc5869)
{
	uint8_t ikm[22], salt[13], okm[42], want[42];

	memset(ikm, 0x0b, sizeof ikm);
	unhex("000102030405060708090a0b0c", salt, sizeof salt);
	/* RFC 5869 A.3 (no salt, no info), then A.1 */
	ck_assert_int_eq(jcrypt_hkdf(okm, 42, ikm, 22, NULL, 0, ""), 0);
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8", want, 42);
	ck_assert_mem_eq(okm, want, 42);
	ck_assert_int_eq(jcrypt_hkdf(okm, 42, ikm, 22, salt, 13, "\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9"), 0);
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865", want, 42);
	ck_assert_mem_eq(okm, want, 42);
}
END_TEST

START_TEST(aead_rfc8439)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
	    "only one tip for the future, sunscreen would be it.";
	uint8_t key[32], nonce[12], ct[sizeof pt - 1 + 16], back[sizeof pt];
	struct jcrypt_aead a;

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	unhex("000000000000000000000000", nonce, 12);
	ck_assert_int_eq(jcrypt_aead_init(&a, key), 0);
	ck_assert_int_eq(jcrypt_aead_seal(&a, nonce, pt, sizeof pt - 1, ct), 0);
	ck_assert_int_eq(jcrypt_aead_open(&a, nonce, ct, sizeof ct, back), 0);
	ck_assert_mem_eq(back, pt, sizeof pt - 1);
	ct[3] ^= 1;
	ck_assert_int_eq(jcrypt_aead_open(&a, nonce, ct, sizeof ct, back), -1);
	ck_assert_int_eq(errno, EBADMSG);
	jcrypt_aead_free(&a);
}
END_TEST

/* ---- keys ---- */

static const char *ID1 = "AGE-SECRET-KEY-1XMWWC06LY3EE5RYTXM9MFLAZ2U56JJJ36S0MYPDRWSVLUL66MV4QX3S7F6";

START_TEST(bech32_keys)
{
	uint8_t sec[32], pub[32], back[32];
	char r[JAGE_RECIPIENT];

	ck_assert_int_eq(jage_identity_parse(ID1, sec), 0);
	ck_assert_int_eq(jcrypt_x25519_base(pub, sec), 0);
	jage_recipient_format(pub, r);
	ck_assert_int_eq(strlen(r), 62);
	ck_assert_int_eq(jage_recipient_parse(r, back), 0);
	ck_assert_mem_eq(pub, back, 32);
	r[10] = r[10] == 'q' ? 'p' : 'q';                  /* checksum catches it */
	ck_assert_int_eq(jage_recipient_parse(r, back), -1);
	ck_assert_int_eq(jage_recipient_parse("age1", back), -1);
	ck_assert_int_eq(jage_identity_parse("AGE-SECRET-KEY-1xmwwc06ly3ee5rytxm9mflaz2u56jjj36s0mypdrwsvlul66mv4qx3s7f6", sec), -1);
	ck_assert_int_eq(jage_identity_parse(r, sec), -1);
}
END_TEST

START_TEST(key_files)
{
	char *dir = unit_tmpdir(), p[512], body[256];
	struct jage_keys k = {0};
	struct jerr e;
	uint8_t pub[32];
	char r[JAGE_RECIPIENT];

	snprintf(body, sizeof body, "# created: 2026-01-01\n# public key: x\n%s\n", ID1);
	snprintf(p, sizeof p, "%s/id", dir);
	ck_assert_int_eq(unit_write_file(p, body, strlen(body)), 0);
	ck_assert_int_eq(jage_identity_load(&k, p, &e), 0);
	ck_assert_int_eq(k.nid, 1);
	chmod(p, 0640);                                         /* group may read: refused */
	ck_assert_int_eq(jage_identity_load(&k, p, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	ck_assert_ptr_null(strstr(e.msg, "AGE-SECRET"));
	ck_assert_int_eq(jage_recipient_add(&k, p, &e), -1);    /* a secret as a recipient */
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "line 3"));
	ck_assert_ptr_null(strstr(e.msg, "AGE-SECRET"));
	jage_recipient_format(k.idpub[0], r);
	snprintf(body, sizeof body, "%s\n", r);
	snprintf(p, sizeof p, "%s/pub", dir);
	ck_assert_int_eq(unit_write_file(p, body, strlen(body)), 0);
	chmod(p, 0644);                                         /* public: fine */
	ck_assert_int_eq(jage_recipient_add(&k, p, &e), 0);
	ck_assert_int_eq(jage_recipient_add(&k, r, &e), 0);
	ck_assert_int_eq(k.nrcpt, 2);
	chmod(p, 0600);
	ck_assert_int_eq(jage_identity_load(&k, p, &e), -1);    /* a recipient as identity */
	ck_assert_int_eq(e.code, EX_USAGE);
	snprintf(p, sizeof p, "%s/ssh", dir);
	ck_assert_int_eq(unit_write_file(p, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36), 0);
	ck_assert_int_eq(jage_identity_load(&k, p, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "not an age identity"));
	snprintf(p, sizeof p, "%s/none", dir);
	ck_assert_int_eq(jage_identity_load(&k, p, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_eq(jage_recipient_add(&k, p, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_eq(jage_recipient_add(&k, "age1qqqq", &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	(void)pub;
	jage_keys_wipe(&k);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

/* ---- streams in memory ---- */

struct mem {
	uint8_t *buf;
	size_t   len, cap, pos, step;
};

static int
mem_sink(void *arg, const void *p, size_t n)
{
	struct mem *m = arg;

	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2;
		m->buf = realloc(m->buf, m->cap);
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	return 0;
}

static ssize_t
mem_src(void *arg, void *p, size_t n, struct jerr *e)
{
	struct mem *m = arg;

	if (m->step && n > m->step)
		n = m->step;            /* short reads, as pipes give */
	if (n > m->len - m->pos)
		n = m->len - m->pos;
	memcpy(p, m->buf + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/* Decrypt m with k into *out (malloc'd); 0, or -1 with e. */
static int
decrypt_mem(const struct jage_keys *k, struct mem *m, uint8_t **out, size_t *outlen,
    struct jerr *e)
{
	struct jage_dec *d;
	size_t cap = 1 << 16, len = 0;
	uint8_t *o = malloc(cap);
	ssize_t n;

	m->pos = 0;
	*out = NULL;
	if (jage_dec_open(k, mem_src, m, &d, e) < 0) {
		free(o);
		return -1;
	}
	for (int i = 0;; i++) {
		/* small reads (copied out of a chunk) and large ones (a chunk straight in) */
		size_t want = i % 3 == 2 ? 70000 : 5000;
		while (len + want > cap)
			o = realloc(o, cap *= 2);
		if ((n = jage_dec_read(d, o + len, want, e)) <= 0)
			break;
		len += (size_t)n;
	}
	jage_dec_close(d);
	*out = o;
	*outlen = len;
	return n < 0 ? -1 : 0;
}

static void
keys_for_test(struct jage_keys *k)
{
	char r[JAGE_RECIPIENT];
	struct jerr e;

	memset(k, 0, sizeof *k);
	ck_assert_int_eq(jage_identity_parse(ID1, k->id[0]), 0);
	ck_assert_int_eq(jcrypt_x25519_base(k->idpub[0], k->id[0]), 0);
	k->nid = 1;
	jage_recipient_format(k->idpub[0], r);
	ck_assert_int_eq(jage_recipient_add(k, r, &e), 0);
}

START_TEST(round_trip_sizes)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072, 200000 };
	size_t n = sizes[_i];
	uint8_t *pt = malloc(n + 1), *back;
	struct mem m = {0};
	struct jage_keys k;
	struct jage_enc *w;
	struct jerr e;
	size_t blen;

	for (size_t i = 0; i < n; i++)
		pt[i] = (uint8_t)(i * 7 + (i >> 9));
	keys_for_test(&k);
	ck_assert_int_eq(jage_enc_open(&k, mem_sink, &m, &w, &e), 0);
	for (size_t off = 0, step = 1; off < n; off += step, step = step * 5 % 70001 + 1)
		ck_assert_int_eq(jage_enc_write(w, pt + off, off + step > n ? n - off : step, &e), 0);
	ck_assert_int_eq(jage_enc_finish(w, &e), 0);
	m.step = 777;
	ck_assert_int_eq(decrypt_mem(&k, &m, &back, &blen, &e), 0);
	ck_assert_uint_eq(blen, n);
	ck_assert(n == 0 || memcmp(back, pt, n) == 0);
	free(back);
	/* cut short anywhere in the payload: refused, never a silent short plaintext */
	if (m.len > 200) {
		size_t full = m.len;
		m.len = full - 1;
		ck_assert_int_eq(decrypt_mem(&k, &m, &back, &blen, &e), -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		free(back);
		m.len = full;
		m.buf[full - 20] ^= 0x40;
		ck_assert_int_eq(decrypt_mem(&k, &m, &back, &blen, &e), -1);
		ck_assert_int_eq(e.code, EX_DATAERR);
		free(back);
	}
	free(m.buf);
	free(pt);
}
END_TEST

START_TEST(wrong_identity)
{
	struct mem m = {0};
	struct jage_keys k, other = {0};
	struct jage_enc *w;
	struct jerr e;
	uint8_t *back;
	size_t blen;

	keys_for_test(&k);
	ck_assert_int_eq(jage_enc_open(&k, mem_sink, &m, &w, &e), 0);
	ck_assert_int_eq(jage_enc_write(w, "x", 1, &e), 0);
	ck_assert_int_eq(jage_enc_finish(w, &e), 0);
	jcrypt_random(other.id[0], 32);
	jcrypt_x25519_base(other.idpub[0], other.id[0]);
	other.nid = 1;
	ck_assert_int_eq(decrypt_mem(&other, &m, &back, &blen, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	other.nid = 0;
	ck_assert_int_eq(decrypt_mem(&other, &m, &back, &blen, &e), -1);
	ck_assert_int_eq(e.code, EX_NOPERM);
	free(m.buf);
}
END_TEST

/* ---- the testkit ---- */

static const char *testkit[] = {
	"header_crlf", "hmac_bad", "hmac_extra_space", "hmac_garbage", "hmac_missing",
	"hmac_no_space", "hmac_not_canonical", "hmac_trailing_space", "hmac_truncated",
	"stanza_bad_start", "stanza_base64_padding", "stanza_empty_argument", "stanza_empty_body",
	"stanza_empty_last_line", "stanza_invalid_character", "stanza_long_line",
	"stanza_missing_body", "stanza_missing_final_line", "stanza_multiple_short_lines",
	"stanza_no_arguments", "stanza_not_canonical", "stanza_spurious_cr",
	"stanza_valid_characters", "stream_bad_tag", "stream_bad_tag_second_chunk",
	"stream_empty_payload", "stream_last_chunk_empty", "stream_last_chunk_full",
	"stream_missing_tag", "stream_no_chunks", "stream_no_final", "stream_no_final_full",
	"stream_no_final_two_chunks", "stream_no_nonce", "stream_short_chunk",
	"stream_short_nonce", "stream_short_second_chunk", "stream_trailing_garbage_long",
	"stream_trailing_garbage_short", "stream_two_final_chunks", "version_unsupported",
	"x25519", "x25519_bad_tag", "x25519_extra_argument", "x25519_grease", "x25519_identity",
	"x25519_long_file_key", "x25519_long_share", "x25519_low_order", "x25519_lowercase",
	"x25519_multiple_recipients", "x25519_no_match", "x25519_not_canonical_body",
	"x25519_not_canonical_share", "x25519_short_share",
};

START_TEST(testkit_vectors)
{
	char path[256], expect[256] = "", payload[256] = "", line[256];
	struct jage_keys k = {0};
	struct mem m = {0};
	size_t len, at = 0, blen;
	uint8_t *file, *back, dg[32];
	struct jdigest d;
	struct jerr e;
	int rc;

	snprintf(path, sizeof path, "age-testkit/%s", testkit[_i]);
	file = unit_read_file(path, &len);
	ck_assert_msg(file != NULL, "%s", path);
	for (;;) {                                      /* "name: value" lines, a blank line */
		size_t l = (size_t)((uint8_t *)memchr(file + at, '\n', len - at) - (file + at));
		snprintf(line, sizeof line, "%.*s", (int)l, (char *)file + at);
		at += l + 1;
		if (!line[0])
			break;
		if (!strncmp(line, "expect: ", 8))
			snprintf(expect, sizeof expect, "%s", line + 8);
		else if (!strncmp(line, "payload: ", 9))
			snprintf(payload, sizeof payload, "%s", line + 9);
		else if (!strncmp(line, "identity: ", 10)) {
			ck_assert_int_eq(jage_identity_parse(line + 10, k.id[k.nid]), 0);
			jcrypt_x25519_base(k.idpub[k.nid], k.id[k.nid]);
			k.nid++;
		}
	}
	m.buf = file + at;
	m.len = len - at;
	rc = decrypt_mem(&k, &m, &back, &blen, &e);
	if (!strcmp(expect, "success")) {
		char hex[65];
		ck_assert_msg(rc == 0, "%s: %s", testkit[_i], e.msg);
		jdigest_init(&d);
		jdigest_update(&d, back, blen);
		jdigest_final(&d, dg);
		jdigest_hex(dg, 32, hex);
		ck_assert_str_eq(hex, payload);
	} else if (!strcmp(expect, "no match")) {
		ck_assert_msg(rc == -1 && e.code == EX_NOPERM, "%s", testkit[_i]);
		ck_assert_ptr_null(back);
	} else if (!strcmp(expect, "payload failure")) {
		ck_assert_msg(rc == -1 && e.code == EX_DATAERR && back, "%s: %d %s", testkit[_i],
		    rc, rc ? e.msg : "");
	} else {                                        /* header or HMAC failure */
		ck_assert_msg(rc == -1 && e.code == EX_DATAERR && !back, "%s: %d %s", testkit[_i],
		    rc, rc ? e.msg : "");
	}
	free(back);
	free(file);
}
END_TEST

/* ---- interop with the age command ---- */

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

START_TEST(interop_age_cli)
{
	char *dir = unit_tmpdir(), cmd[2048], p[512];
	struct jage_keys k = {0};
	struct mem m = {0}, f = {0};
	struct jage_enc *w;
	struct jerr e;
	size_t n = 300000, blen, rlen;
	uint8_t *pt = malloc(n), *back;
	char *rcpt;
	int fd;

	for (size_t i = 0; i < n; i++)
		pt[i] = (uint8_t)(i % 251);
	snprintf(cmd, sizeof cmd, "cd %s && age-keygen -o key 2>/dev/null && age-keygen -y key > key.pub", dir);
	ck_assert_msg(run(cmd) == 0, "age-keygen (tests/deps.sh installs age)");
	snprintf(p, sizeof p, "%s/key", dir);
	ck_assert_int_eq(jage_identity_load(&k, p, &e), 0);
	snprintf(p, sizeof p, "%s/key.pub", dir);
	ck_assert_int_eq(jage_recipient_add(&k, p, &e), 0);
	/* ours -> age -d */
	ck_assert_int_eq(jage_enc_open(&k, mem_sink, &m, &w, &e), 0);
	ck_assert_int_eq(jage_enc_write(w, pt, n, &e), 0);
	ck_assert_int_eq(jage_enc_finish(w, &e), 0);
	snprintf(p, sizeof p, "%s/ours.age", dir);
	ck_assert_int_eq(unit_write_file(p, m.buf, m.len), 0);
	snprintf(cmd, sizeof cmd, "cd %s && age -d -i key -o ours.out ours.age", dir);
	ck_assert_int_eq(run(cmd), 0);
	snprintf(p, sizeof p, "%s/ours.out", dir);
	back = unit_read_file(p, &blen);
	ck_assert_uint_eq(blen, n);
	ck_assert_mem_eq(back, pt, n);
	free(back);
	/* age -r -> ours */
	snprintf(p, sizeof p, "%s/pt", dir);
	ck_assert_int_eq(unit_write_file(p, pt, n), 0);
	rcpt = unit_read_file(strcat(strcpy(cmd, dir), "/key.pub"), &rlen);
	rcpt[strcspn(rcpt, "\n")] = 0;
	snprintf(cmd, sizeof cmd, "cd %s && age -r %s -o theirs.age pt", dir, rcpt);
	ck_assert_int_eq(run(cmd), 0);
	snprintf(p, sizeof p, "%s/theirs.age", dir);
	ck_assert((fd = open(p, O_RDONLY)) >= 0);
	close(fd);
	f.buf = unit_read_file(p, &f.len);
	ck_assert_int_eq(decrypt_mem(&k, &f, &back, &blen, &e), 0);
	ck_assert_uint_eq(blen, n);
	ck_assert_mem_eq(back, pt, n);
	free(back);
	free(f.buf);
	free(rcpt);
	free(m.buf);
	free(pt);
	jage_keys_wipe(&k);
	unit_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(header_parse)
{
	static const char good[] = "age-encryption.org/v1\n-> X25519 abc\n\n--- "
	    "x538z9xJq9XEK1aTTTv80aWDVvVdROvaXn2tpqXPC8g\n";
	struct jerr e;

	ck_assert_int_eq(jage_header_parse((const uint8_t *)good, sizeof good - 1, &e), 0);
	ck_assert_int_eq(jage_header_parse((const uint8_t *)good, sizeof good - 2, &e), -1);
	ck_assert_int_eq(jage_header_parse((const uint8_t *)"age", 3, &e), -1);
}
END_TEST

Suite *
suite_age(void)
{
	Suite *s = suite_create("age");
	TCase *t = tcase_create("age");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, x25519_rfc7748);
	tcase_add_test(t, hkdf_rfc5869);
	tcase_add_test(t, aead_rfc8439);
	tcase_add_test(t, bech32_keys);
	tcase_add_test(t, key_files);
	tcase_add_loop_test(t, round_trip_sizes, 0, 7);
	tcase_add_test(t, wrong_identity);
	tcase_add_loop_test(t, testkit_vectors, 0, (int)(sizeof testkit / sizeof *testkit));
	tcase_add_test(t, interop_age_cli);
	tcase_add_test(t, header_parse);
	suite_add_tcase(s, t);
	return s;
}
