/* crypto.c - SHA-256, HMAC-SHA256, kernel random bytes and constant-time
 * comparison.
 *
 * The hashes are OpenSSL's libcrypto (field-made, and its SHA-256 uses the
 * CPU's SHA extensions where there are any: the finish digest hashes every
 * finish on the service thread). Random bytes come straight from the
 * kernel. Tests: tests/unit/base/test_crypto.c (FIPS and RFC 4231
 * vectors). */
#include "crypto.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* OpenSSL 3 looks a digest up in its providers on every one-shot call
 * (SHA256() costs a third more than the hashing itself); fetched once, the
 * implementation is shared by every thread. */
static EVP_MD *crypto_md;
static pthread_once_t crypto_md_once = PTHREAD_ONCE_INIT;

static void crypto_md_fetch(void)
{
	crypto_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void crypto_sha256(const void *data, size_t len, uint8_t out[32])
{
	pthread_once(&crypto_md_once, crypto_md_fetch);
	/* Fails only without memory or without the default provider; the
	 * one-shot SHA256() then says the same, or hashes. */
	if (!crypto_md || !EVP_Digest(data, len, out, NULL, crypto_md, NULL))
		SHA256(data, len, out);
}

static void hex_encode(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void crypto_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t digest[32];

	crypto_sha256(data, len, digest);
	hex_encode(out, digest, sizeof(digest));
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
			uint8_t out[32])
{
	unsigned int n = 32;
	/* HMAC() takes a non-NULL key even when it is empty. */
	static const uint8_t none[1];

	HMAC(EVP_sha256(), keylen ? key : none, (int)keylen, data, len, out, &n);
}

int crypto_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	/* getrandom() may return fewer bytes than asked (large requests, signals). */
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int crypto_random_hex(char *out, size_t nbytes)
{
	uint8_t chunk[32];

	out[0] = '\0';
	for (size_t done = 0; done < nbytes;) {
		size_t n = nbytes - done < sizeof(chunk) ? nbytes - done : sizeof(chunk);

		if (crypto_random(chunk, n) < 0) {
			out[0] = '\0';
			explicit_bzero(chunk, sizeof(chunk));
			return -1;
		}
		hex_encode(out + 2 * done, chunk, n);
		done += n;
	}
	explicit_bzero(chunk, sizeof(chunk));
	return 0;
}
