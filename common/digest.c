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
