/* test_proto_aead.c - the transport CipherState (noise.c) against
 * libsodium's ChaCha20-Poly1305 IETF used directly with the spec's nonce
 * layout.  noise.c may run the transport on OpenSSL's implementation; these
 * tests pin that it is the same AEAD byte for byte, in both directions,
 * with and without AD, in place and out of place, across rekeys, and that
 * a failed open leaves no plaintext behind. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "testutil.h"

#include "fs_errno.h"
#include "noise.h"

#define MAXLEN (70 * 1024)

static void nonce_of(uint8_t out[12], uint64_t n) {
  memset(out, 0, 4);
  for (int i = 0; i < 8; i++)
    out[4 + i] = (uint8_t)(n >> (8 * i));
}

static fs_noise_cipher *cipher_with(const uint8_t key[32]) {
  fs_noise_cipher *c = NULL;
  assert_int_equal(fs__noise_cipher_new(&c), 0);
  assert_non_null(c);
  fs__noise_cipher_init_key(c, key);
  return c;
}

/* Lengths around ChaCha's 64-byte blocks, Poly1305's 16-byte blocks and
 * typical SIMD batch sizes, plus the bench's 64 KiB. */
static const size_t LENS[] = {0,   1,   15,   16,   17,   63,    64,   65,
                              255, 256, 257,  511,  1000, 4096,  4097, 65535,
                              65536, MAXLEN};

static void test_seal_matches_libsodium(void **state) {
  (void)state;
  uint8_t key[32], ad[64], nonce[12];
  uint8_t *pt = malloc(MAXLEN), *ct = malloc(MAXLEN + 16),
          *ref = malloc(MAXLEN + 16);
  fs_noise_cipher *c;
  assert_non_null(pt);
  assert_non_null(ct);
  assert_non_null(ref);
  randombytes_buf(key, sizeof(key));
  randombytes_buf(ad, sizeof(ad));
  randombytes_buf(pt, MAXLEN);
  c = cipher_with(key);
  for (size_t i = 0; i < sizeof(LENS) / sizeof(LENS[0]); i++) {
    for (int with_ad = 0; with_ad < 2; with_ad++) {
      uint64_t n = fs__noise_cipher_nonce(c);
      unsigned long long rlen = 0;
      size_t outlen = 0;
      size_t adlen = with_ad ? sizeof(ad) : 0;
      assert_int_equal(fs__noise_cipher_encrypt(c, with_ad ? ad : NULL, adlen,
                                                pt, LENS[i], ct, MAXLEN + 16,
                                                &outlen),
                       0);
      assert_int_equal(outlen, LENS[i] + 16);
      nonce_of(nonce, n);
      assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(
                           ref, &rlen, pt, LENS[i], with_ad ? ad : NULL,
                           adlen, NULL, nonce, key),
                       0);
      assert_int_equal(rlen, outlen);
      assert_memory_equal(ct, ref, outlen);
    }
  }
  fs__noise_cipher_free(c);
  free(pt);
  free(ct);
  free(ref);
}

static void test_open_libsodium_output_in_place(void **state) {
  (void)state;
  uint8_t key[32], nonce[12];
  uint8_t *pt = malloc(MAXLEN), *buf = malloc(MAXLEN + 16);
  fs_noise_cipher *c;
  assert_non_null(pt);
  assert_non_null(buf);
  randombytes_buf(key, sizeof(key));
  randombytes_buf(pt, MAXLEN);
  c = cipher_with(key);
  for (size_t i = 0; i < sizeof(LENS) / sizeof(LENS[0]); i++) {
    unsigned long long clen = 0;
    size_t mlen = 99;
    nonce_of(nonce, i);
    assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(
                         buf, &clen, pt, LENS[i], NULL, 0, NULL, nonce, key),
                     0);
    assert_int_equal(fs__noise_cipher_decrypt(c, NULL, 0, buf, (size_t)clen,
                                              buf, MAXLEN + 16, &mlen),
                     0);
    assert_int_equal(mlen, LENS[i]);
    assert_memory_equal(buf, pt, mlen);
    assert_int_equal(fs__noise_cipher_nonce(c), i + 1);
  }
  fs__noise_cipher_free(c);
  free(pt);
  free(buf);
}

static void test_tamper_wipes_and_keeps_nonce(void **state) {
  (void)state;
  uint8_t key[32], ad[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t pt[300], ct[316], out[300];
  fs_noise_cipher *tx, *rx;
  size_t n = 0, m = 0;
  randombytes_buf(key, sizeof(key));
  memset(pt, 0xA5, sizeof(pt));
  tx = cipher_with(key);
  rx = cipher_with(key);
  assert_int_equal(
      fs__noise_cipher_encrypt(tx, ad, sizeof(ad), pt, sizeof(pt), ct,
                               sizeof(ct), &n),
      0);
  /* every position: body, tag; and a wrong AD */
  for (size_t pos = 0; pos < n; pos += 37) {
    ct[pos] ^= 0x01;
    memset(out, 0xA5, sizeof(out));
    assert_int_equal(fs__noise_cipher_decrypt(rx, ad, sizeof(ad), ct, n, out,
                                              sizeof(out), &m),
                     FS_ECRYPTO);
    for (size_t k = 0; k < sizeof(out); k++)
      assert_true(out[k] == 0x00 || out[k] == 0xA5);
    assert_int_equal(fs__noise_cipher_nonce(rx), 0);
    ct[pos] ^= 0x01;
  }
  ad[0] ^= 0x80;
  assert_int_equal(fs__noise_cipher_decrypt(rx, ad, sizeof(ad), ct, n, out,
                                            sizeof(out), &m),
                   FS_ECRYPTO);
  ad[0] ^= 0x80;
  /* intact: opens, then the same frame again (replay) fails */
  assert_int_equal(fs__noise_cipher_decrypt(rx, ad, sizeof(ad), ct, n, out,
                                            sizeof(out), &m),
                   0);
  assert_int_equal(m, sizeof(pt));
  assert_memory_equal(out, pt, m);
  assert_int_equal(fs__noise_cipher_decrypt(rx, ad, sizeof(ad), ct, n, out,
                                            sizeof(out), &m),
                   FS_ECRYPTO);
  fs__noise_cipher_free(tx);
  fs__noise_cipher_free(rx);
}

static void test_rekey_matches_spec(void **state) {
  (void)state;
  uint8_t key[32], zeros[32] = {0}, tmp[48], nonce[12], next[32];
  uint8_t pt[40], ct[56], ref[56];
  unsigned long long clen = 0;
  fs_noise_cipher *c;
  size_t n = 0;
  randombytes_buf(key, sizeof(key));
  randombytes_buf(pt, sizeof(pt));
  c = cipher_with(key);
  fs__noise_cipher_set_nonce(c, 7);
  assert_int_equal(fs__noise_cipher_rekey(c), 0);
  /* REKEY(k) = first 32 bytes of ENCRYPT(k, 2^64-1, empty, zeros) */
  nonce_of(nonce, UINT64_MAX);
  assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(
                       tmp, &clen, zeros, sizeof(zeros), NULL, 0, NULL, nonce,
                       key),
                   0);
  memcpy(next, tmp, sizeof(next));
  assert_int_equal(fs__noise_cipher_nonce(c), 7);
  assert_int_equal(
      fs__noise_cipher_encrypt(c, NULL, 0, pt, sizeof(pt), ct, sizeof(ct), &n),
      0);
  nonce_of(nonce, 7);
  assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(
                       ref, &clen, pt, sizeof(pt), NULL, 0, NULL, nonce, next),
                   0);
  assert_int_equal(n, (size_t)clen);
  assert_memory_equal(ct, ref, n);
  fs__noise_cipher_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seal_matches_libsodium),
      cmocka_unit_test(test_open_libsodium_output_in_place),
      cmocka_unit_test(test_tamper_wipes_and_keeps_nonce),
      cmocka_unit_test(test_rekey_matches_spec),
  };
  if (sodium_init() < 0)
    return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
