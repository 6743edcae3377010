/* test_crypto.c - SHA-256 against FIPS 180-4 examples, HMAC-SHA256 against
 * RFC 4231, and the random and comparison helpers. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"

static void hex_of(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void assert_sha256(const void *data, size_t len, const char *want)
{
	uint8_t d[32];
	char got[65];

	crypto_sha256(data, len, d);
	hex_of(d, sizeof(d), got);
	if (strcmp(got, want) != 0)
		print_error("SHA-256 of %zu bytes: got %s, want %s\n", len, got, want);
	assert_string_equal(got, want);
	crypto_sha256_hex(data, len, got);
	assert_string_equal(got, want);
}

static void test_sha256_fips_vectors(void **state)
{
	(void)state;
	assert_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 448-bit message: the padding needs a second block. */
	assert_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_sha256("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		      "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		      112, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_million_a(void **state)
{
	size_t n = 1000000;
	char *a = malloc(n);

	(void)state;
	assert_non_null(a);
	memset(a, 'a', n);
	assert_sha256(a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

/* Lengths around the 55/56/64-byte padding edges (digests from coreutils sha256sum). */
static void test_sha256_padding_edges(void **state)
{
	static const struct {
		size_t len;
		const char *hex;
	} cases[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
	};
	char a[128];

	(void)state;
	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_sha256(a, cases[i].len, cases[i].hex);
}

static void assert_hmac(const void *key, size_t keylen, const void *data, size_t len,
			const char *want, const char *name)
{
	uint8_t mac[32];
	char got[65];

	crypto_hmac_sha256(key, keylen, data, len, mac);
	hex_of(mac, sizeof(mac), got);
	if (strcmp(got, want) != 0)
		print_error("HMAC %s: got %s, want %s\n", name, got, want);
	assert_string_equal(got, want);
}

static void test_hmac_rfc4231(void **state)
{
	uint8_t key[131], data[50];

	(void)state;
	memset(key, 0x0b, 20);
	assert_hmac(key, 20, "Hi There", 8,
		    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "case 1");

	assert_hmac("Jefe", 4, "what do ya want for nothing?", 28,
		    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "case 2");

	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	assert_hmac(key, 20, data, 50,
		    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", "case 3");

	for (int i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	assert_hmac(key, 25, data, 50,
		    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", "case 4");

	/* Cases 6 and 7: a 131-byte key, longer than a block, is hashed first. */
	memset(key, 0xaa, 131);
	assert_hmac(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
		    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "case 6");
	{
		const char *msg = "This is a test using a larger than block-size key and a larger "
				  "than block-size data. The key needs to be hashed before being "
				  "used by the HMAC algorithm.";
		assert_hmac(key, 131, msg, strlen(msg),
			    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
			    "case 7");
	}
}

static void test_equal(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	for (int i = 0; i < 64; i++)
		a[i] = b[i] = (uint8_t)(i * 7);
	assert_int_equal(crypto_equal(a, b, sizeof(a)), 1);
	assert_int_equal(crypto_equal(a, b, 0), 1);
	/* A difference anywhere, including the first and last byte, and in any bit. */
	for (int pos = 0; pos < 64; pos++) {
		for (int bit = 0; bit < 8; bit++) {
			b[pos] ^= (uint8_t)(1u << bit);
			assert_int_equal(crypto_equal(a, b, sizeof(a)), 0);
			b[pos] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(crypto_equal("abc", "abd", 2), 1);
	assert_int_equal(crypto_equal("\xff", "\x00", 1), 0);
}

static void test_random(void **state)
{
	uint8_t big[100000], zero[sizeof(big)] = { 0 };

	(void)state;
	/* A large request exercises the short-read loop path. */
	assert_int_equal(crypto_random(big, sizeof(big)), 0);
	assert_int_equal(crypto_equal(big, zero, sizeof(big)), 0);
	assert_int_equal(crypto_random(big, 0), 0);
}

static void test_random_hex(void **state)
{
	char a[2 * 100 + 1], b[sizeof(a)];
	size_t sizes[] = { 0, 1, 16, 31, 32, 33, 100 };

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];

		memset(a, 'X', sizeof(a));
		assert_int_equal(crypto_random_hex(a, n), 0);
		assert_int_equal(strlen(a), 2 * n);
		for (size_t i = 0; i < 2 * n; i++)
			assert_non_null(strchr("0123456789abcdef", a[i]));
	}
	assert_int_equal(crypto_random_hex(a, 16), 0);
	assert_int_equal(crypto_random_hex(b, 16), 0);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_fips_vectors),
		cmocka_unit_test(test_sha256_million_a),
		cmocka_unit_test(test_sha256_padding_edges),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_random_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
