/* crypto.h - the few primitives the daemon needs: SHA-256, HMAC-SHA256,
 * random bytes from the kernel, and constant-time comparison. */
#ifndef VV_CRYPTO_H
#define VV_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

void crypto_sha256(const void *data, size_t len, uint8_t out[32]);
/* out gets 64 lowercase hex digits and a NUL. */
void crypto_sha256_hex(const void *data, size_t len, char out[65]);
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
			uint8_t out[32]);
/* Fill buf from getrandom(); 0 or -1. */
int crypto_random(void *buf, size_t len);
/* 1 if the two buffers are equal; time depends only on len. */
int crypto_equal(const void *a, const void *b, size_t len);
/* A random id of nbytes random bytes as lowercase hex into out (2*nbytes+1). */
int crypto_random_hex(char *out, size_t nbytes);

#endif
