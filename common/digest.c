/* digest: SHA-256 through OpenSSL's EVP interface (which uses the SHA extensions if present). */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"

int
jdigest_init(struct jdigest *d)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	d->ctx = c;
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		d->ctx = NULL;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
jdigest_update(struct jdigest *d, const void *buf, size_t len)
{
	if (len)
		EVP_DigestUpdate(d->ctx, buf, len);
}

void
jdigest_final(struct jdigest *d, uint8_t out[JDIGEST_LEN])
{
	unsigned int n = JDIGEST_LEN;

	EVP_DigestFinal_ex(d->ctx, out, &n);
	jdigest_free(d);
}

void
jdigest_free(struct jdigest *d)
{
	EVP_MD_CTX_free(d->ctx);
	d->ctx = NULL;
}

void
jdigest_hex(const uint8_t *bytes, size_t len, char *hex)
{
	static const char x[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = x[bytes[i] >> 4];
		hex[2 * i + 1] = x[bytes[i] & 15];
	}
	hex[2 * len] = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
jdigest_unhex(const char *hex, uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int h = nibble(hex[2 * i]), l = h < 0 ? -1 : nibble(hex[2 * i + 1]);
		if (h < 0 || l < 0) {
			errno = EINVAL;
			return -1;
		}
		bytes[i] = (uint8_t)(h << 4 | l);
	}
	if (hex[2 * len] != '\0') {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- Ed25519 and BLAKE2b-512, for signatures ---- */

int
jblake2b512(const void *buf, size_t len, uint8_t out[JBLAKE2B_LEN])
{
	unsigned int n = JBLAKE2B_LEN;

	if (EVP_Digest(buf, len, out, &n, EVP_blake2b512(), NULL) != 1 || n != JBLAKE2B_LEN) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
jed25519_public(const uint8_t seed[JED25519_SEED], uint8_t pub[JED25519_PUB])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, JED25519_SEED);
	size_t n = JED25519_PUB;
	int rc = -1;

	if (k && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == JED25519_PUB)
		rc = 0;
	EVP_PKEY_free(k);
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

int
jed25519_sign(const uint8_t seed[JED25519_SEED], const void *msg, size_t len,
    uint8_t sig[JED25519_SIG])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, JED25519_SEED);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t n = JED25519_SIG;
	int rc = -1;

	if (k && c && EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(c, sig, &n, msg, len) == 1 && n == JED25519_SIG)
		rc = 0;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

int
jed25519_verify(const uint8_t pub[JED25519_PUB], const void *msg, size_t len,
    const uint8_t sig[JED25519_SIG])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, JED25519_PUB);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int rc = -1;

	if (k && c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1)
		rc = EVP_DigestVerify(c, sig, JED25519_SIG, msg, len) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

/*
 * crypt: the primitives of the age format. X25519 through EVP_PKEY derive, HKDF and HMAC
 * through EVP_PKEY_HKDF and HMAC(), ChaCha20-Poly1305 through one EVP_CIPHER_CTX per key
 * whose nonce is reset for every chunk (no key schedule per chunk).
 */
#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

static int
crypt_fail(void)
{
	errno = EIO;
	return -1;
}

int
jcrypt_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : crypt_fail();
}

int
jcrypt_x25519(uint8_t out[JCRYPT_KEY], const uint8_t sec[JCRYPT_KEY],
    const uint8_t pub[JCRYPT_KEY])
{
	EVP_PKEY *me = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sec, JCRYPT_KEY);
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, JCRYPT_KEY);
	EVP_PKEY_CTX *c = me ? EVP_PKEY_CTX_new(me, NULL) : NULL;
	size_t n = JCRYPT_KEY;
	uint8_t acc = 0;
	int rc = -1;

	if (c && EVP_PKEY_derive_init(c) == 1 && peer && EVP_PKEY_derive_set_peer(c, peer) == 1 &&
	    EVP_PKEY_derive(c, out, &n) == 1 && n == JCRYPT_KEY)
		rc = 0;
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(me);
	if (rc < 0) {
		/* OpenSSL refuses a low-order peer itself: the same answer as ours below */
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < JCRYPT_KEY; i++)
		acc |= out[i];
	if (!acc) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
jcrypt_x25519_base(uint8_t pub[JCRYPT_KEY], const uint8_t sec[JCRYPT_KEY])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sec, JCRYPT_KEY);
	size_t n = JCRYPT_KEY;
	int ok = k && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == JCRYPT_KEY;

	EVP_PKEY_free(k);
	return ok ? 0 : crypt_fail();
}

int
jcrypt_hkdf(uint8_t *out, size_t n, const void *ikm, size_t ikmn, const void *salt,
    size_t saltn, const char *info)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	static const uint8_t none[1];
	int ok;

	ok = c && EVP_PKEY_derive_init(c) == 1 &&
	    EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_salt(c, saltn ? salt : none, (int)saltn) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(c, ikm, (int)ikmn) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)info, (int)strlen(info)) == 1 &&
	    EVP_PKEY_derive(c, out, &n) == 1;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : crypt_fail();
}

int
jcrypt_hmac(uint8_t out[JCRYPT_KEY], const void *key, size_t keyn, const void *data, size_t n)
{
	unsigned int len = JCRYPT_KEY;

	return HMAC(EVP_sha256(), key, (int)keyn, data, n, out, &len) && len == JCRYPT_KEY ?
	    0 : crypt_fail();
}

int
jcrypt_aead_init(struct jcrypt_aead *a, const uint8_t key[JCRYPT_KEY])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

	a->ctx = c;
	if (!c || EVP_CipherInit_ex(c, EVP_chacha20_poly1305(), NULL, key, NULL, 1) != 1) {
		jcrypt_aead_free(a);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int
jcrypt_aead_seal(struct jcrypt_aead *a, const uint8_t nonce[JCRYPT_NONCE], const void *in,
    size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c = a->ctx;
	int len = 0, fin = 0;

	if (n > INT_MAX || EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 1) != 1 ||
	    (n && EVP_CipherUpdate(c, out, &len, in, (int)n) != 1) ||
	    EVP_CipherFinal_ex(c, out + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, JCRYPT_TAG, out + n) != 1)
		return crypt_fail();
	return 0;
}

int
jcrypt_aead_open(struct jcrypt_aead *a, const uint8_t nonce[JCRYPT_NONCE], const void *in,
    size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *c = a->ctx;
	uint8_t tag[JCRYPT_TAG];
	int len = 0, fin = 0;

	if (n < JCRYPT_TAG || n - JCRYPT_TAG > INT_MAX) {
		errno = EBADMSG;
		return -1;
	}
	n -= JCRYPT_TAG;
	memcpy(tag, (const uint8_t *)in + n, JCRYPT_TAG);
	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, 0) != 1 ||
	    (n && EVP_CipherUpdate(c, out, &len, in, (int)n) != 1) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, JCRYPT_TAG, tag) != 1)
		return crypt_fail();
	if (EVP_CipherFinal_ex(c, out + len, &fin) != 1) {
		OPENSSL_cleanse(out, n);
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

void
jcrypt_aead_free(struct jcrypt_aead *a)
{
	EVP_CIPHER_CTX_free(a->ctx);
	a->ctx = NULL;
}

void
jcrypt_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

int
jcrypt_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
