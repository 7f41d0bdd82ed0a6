/* test_proto_keys.c - key pairs, key files, base64url helpers. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include <sodium.h>

#include "fs_errno.h"
#include "keys.h"
#include "token.h"

static void write_text(const char *path, const char *text, mode_t mode) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

static void test_generate_save_load(void **state) {
  (void)state;
  char *dir = fs_test_tmpdir();
  char *path = fs_test_path(dir, "device.key");
  char *pub = fs_test_path(dir, "device.key.pub");
  fs_keypair *kp = NULL, *back = NULL, *kp2 = NULL;
  uint8_t pk[FS_KEY_LEN], derived[FS_KEY_LEN];
  struct stat st;

  assert_int_equal(fs__keypair_generate(&kp), 0);
  assert_int_equal(crypto_scalarmult_base(derived, kp->priv), 0);
  assert_memory_equal(derived, kp->pub, FS_KEY_LEN);
  assert_int_equal(fs__keypair_save(kp, path), 0);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(st.st_size, FS_KEY_B64_LEN + 1);
  assert_int_equal(fs__keypair_load(&back, path), 0);
  assert_memory_equal(back->priv, kp->priv, FS_KEY_LEN);
  assert_memory_equal(back->pub, kp->pub, FS_KEY_LEN);
  assert_int_equal(fs__pubkey_load(pub, pk), 0);
  assert_memory_equal(pk, kp->pub, FS_KEY_LEN);
  /* never overwrites */
  assert_int_equal(fs__keypair_generate(&kp2), 0);
  assert_int_equal(fs__keypair_save(kp2, path), FS_EEXIST);
  fs__keypair_free(kp);
  fs__keypair_free(back);
  fs__keypair_free(kp2);
  fs__keypair_free(NULL);
  free(path);
  free(pub);
  fs_test_rmdir(dir);
}

static void test_load_refuses_loose_mode(void **state) {
  (void)state;
  char *dir = fs_test_tmpdir();
  char *path = fs_test_path(dir, "k");
  fs_keypair *kp = NULL, *back = NULL;
  assert_int_equal(fs__keypair_generate(&kp), 0);
  assert_int_equal(fs__keypair_save(kp, path), 0);
  assert_int_equal(chmod(path, 0640), 0);
  assert_int_equal(fs__keypair_load(&back, path), FS_EKEYPERM);
  assert_null(back);
  assert_int_equal(chmod(path, 0604), 0);
  assert_int_equal(fs__keypair_load(&back, path), FS_EKEYPERM);
  assert_int_equal(chmod(path, 0400), 0);
  assert_int_equal(fs__keypair_load(&back, path), 0);
  fs__keypair_free(back);
  fs__keypair_free(kp);
  free(path);
  fs_test_rmdir(dir);
}

static void test_load_malformed_and_missing(void **state) {
  (void)state;
  char *dir = fs_test_tmpdir();
  char *path = fs_test_path(dir, "bad");
  char *none = fs_test_path(dir, "none");
  fs_keypair *kp = NULL;
  uint8_t pk[FS_KEY_LEN];
  assert_int_equal(fs__keypair_load(&kp, none), FS_ENOTFOUND);
  assert_int_equal(fs__pubkey_load(none, pk), FS_ENOTFOUND);
  write_text(path, "not a key\n", 0600);
  assert_int_equal(fs__keypair_load(&kp, path), FS_ECRYPTO);
  assert_null(kp);
  assert_int_equal(fs__pubkey_load(path, pk), FS_ECRYPTO);
  /* 44 chars: one too many */
  assert_int_equal(unlink(path), 0);
  write_text(path, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", 0600);
  assert_int_equal(fs__keypair_load(&kp, path), FS_ECRYPTO);
  assert_int_equal(fs__keypair_load(NULL, path), FS_EINVAL);
  free(path);
  free(none);
  fs_test_rmdir(dir);
}

static void test_base64(void **state) {
  (void)state;
  const uint8_t bin[] = {0xfb, 0xff, 0x00, 0x10, 0x83};
  char out[16];
  uint8_t back[8];
  size_t n = 0;
  assert_int_equal(fs__base64_encode(bin, sizeof(bin), out, sizeof(out)), 0);
  assert_string_equal(out, "-_8AEIM"); /* url-safe alphabet, no padding */
  assert_int_equal(fs__base64_encoded_len(sizeof(bin)), strlen(out));
  assert_int_equal(fs__base64_decode(out, strlen(out), back, sizeof(back), &n), 0);
  assert_int_equal(n, sizeof(bin));
  assert_memory_equal(back, bin, sizeof(bin));
  /* padding, standard alphabet, whitespace and dangling bits refused */
  assert_int_equal(fs__base64_decode("-_8AEIM=", 8, back, sizeof(back), &n), FS_EPROTO);
  assert_int_equal(fs__base64_decode("+/8AEIM", 7, back, sizeof(back), &n), FS_EPROTO);
  assert_int_equal(fs__base64_decode("-_8A EIM", 8, back, sizeof(back), &n), FS_EPROTO);
  assert_int_equal(fs__base64_decode("-_8AEIN", 7, back, sizeof(back), &n), FS_EPROTO);
  assert_int_equal(fs__base64_decode("A", 1, back, sizeof(back), &n), FS_EPROTO);
  /* bytes >= 0x80 are not base64url (libsodium took some of them for '_') */
  assert_int_equal(fs__base64_decode("-\xb7" "8AEIM", 7, back, sizeof(back), &n),
                   FS_EPROTO);
  assert_int_equal(fs__base64_decode("-\xdf" "8AEIM", 7, back, sizeof(back), &n),
                   FS_EPROTO);
  /* buffer too small */
  assert_int_equal(fs__base64_decode(out, strlen(out), back, 2, &n), FS_ETOOBIG);
  assert_int_equal(fs__base64_encode(bin, sizeof(bin), out, 5), FS_EINVAL);

  uint8_t key[FS_KEY_LEN], key2[FS_KEY_LEN];
  char text[FS_KEY_B64_LEN + 1];
  randombytes_buf(key, sizeof(key));
  assert_int_equal(fs__key_to_text(key, text), 0);
  assert_int_equal(strlen(text), FS_KEY_B64_LEN);
  assert_int_equal(fs__key_from_text(text, FS_KEY_B64_LEN, key2), 0);
  assert_memory_equal(key, key2, FS_KEY_LEN);
  assert_int_equal(fs__key_from_text(text, FS_KEY_B64_LEN - 1, key2), FS_EPROTO);
}

/* ---- enrollment tokens (token.h) ---------------------------------------- */

static void test_token_roundtrip(void **state) {
  (void)state;
  fs_token t, back;
  uint8_t pub[32], h1[32], h2[32];
  char text[FS_TOKEN_TEXT_MAX + 1];
  randombytes_buf(pub, sizeof(pub));
  assert_int_equal(fs__token_make(&t, "sync.example.com:7443", "A01", pub,
                                  1767225600u), 0);
  assert_int_equal(fs__token_encode(&t, text, sizeof(text)), 0);
  assert_memory_equal(text, "fs1.", 4);
  assert_int_equal(fs__token_parse(text, strlen(text), &back), 0);
  assert_int_equal(back.version, 1);
  assert_string_equal(back.addr, "sync.example.com:7443");
  assert_string_equal(back.staff_code, "A01");
  assert_memory_equal(back.daemon_pub, pub, 32);
  assert_memory_equal(back.secret, t.secret, 32);
  assert_int_equal(back.expires_at, 1767225600u);
  /* the stored hash is deterministic and differs from the secret */
  assert_int_equal(fs__token_secret_hash(t.secret, h1), 0);
  assert_int_equal(fs__token_secret_hash(back.secret, h2), 0);
  assert_memory_equal(h1, h2, 32);
  assert_memory_not_equal(h1, t.secret, 32);
  back.secret[0] ^= 1;
  assert_int_equal(fs__token_secret_hash(back.secret, h2), 0);
  assert_memory_not_equal(h1, h2, 32);
  /* a maximal token fits FS_TOKEN_TEXT_MAX exactly */
  char addr[256];
  memset(addr, 'h', 249);
  memcpy(addr + 249, ":65535", 7);
  assert_int_equal(fs__token_make(&t, addr, "Z123456789ABCDEF", pub, UINT64_MAX), 0);
  assert_int_equal(fs__token_encode(&t, text, sizeof(text)), 0);
  assert_int_equal(strlen(text), FS_TOKEN_TEXT_MAX);
  assert_int_equal(fs__token_parse(text, strlen(text), &back), 0);
  assert_int_equal(back.expires_at, UINT64_MAX);
  assert_int_equal(fs__token_encode(&t, text, FS_TOKEN_TEXT_MAX), FS_EINVAL);
  fs__token_wipe(&t);
  fs__token_wipe(&back);
  fs__token_wipe(NULL);
}

/* Encodes raw bytes as a token text (bypassing the encoder's checks). */
static void raw_token(const uint8_t *bin, size_t n, char *out, size_t cap) {
  memcpy(out, "fs1.", 4);
  assert_int_equal(fs__base64_encode(bin, n, out + 4, cap - 4), 0);
}

static void test_token_strict_parse(void **state) {
  (void)state;
  fs_token t;
  uint8_t bin[400];
  char text[700];
  size_t n = 0;
  /* a valid minimal layout */
  bin[n++] = 1;
  bin[n++] = 3;
  memcpy(bin + n, "h:1", 3);
  n += 3;
  memset(bin + n, 7, 32);
  n += 32;
  bin[n++] = 2;
  memcpy(bin + n, "B2", 2);
  n += 2;
  memset(bin + n, 9, 32);
  n += 32;
  memset(bin + n, 0, 8);
  bin[n + 7] = 42;
  n += 8;
  raw_token(bin, n, text, sizeof(text));
  assert_int_equal(fs__token_parse(text, strlen(text), &t), 0);
  assert_int_equal(t.expires_at, 42);
  assert_string_equal(t.addr, "h:1");
  /* trailing byte */
  bin[n] = 0;
  raw_token(bin, n + 1, text, sizeof(text));
  assert_int_equal(fs__token_parse(text, strlen(text), &t), FS_ETOKEN);
  /* every truncation */
  for (size_t cut = 0; cut < n; cut++) {
    raw_token(bin, cut, text, sizeof(text));
    assert_int_equal(fs__token_parse(text, strlen(text), &t) < 0, 1);
  }
  /* wrong version */
  bin[0] = 2;
  raw_token(bin, n, text, sizeof(text));
  assert_int_equal(fs__token_parse(text, strlen(text), &t), FS_EVERSION);
  bin[0] = 1;
  /* address without port, bad staff code, overlong address length */
  bin[3] = 'x'; /* "hx1" */
  raw_token(bin, n, text, sizeof(text));
  assert_int_equal(fs__token_parse(text, strlen(text), &t), FS_ETOKEN);
  bin[3] = ':';
  bin[38] = 'b'; /* staff "b2": lowercase */
  raw_token(bin, n, text, sizeof(text));
  assert_int_equal(fs__token_parse(text, strlen(text), &t), FS_ETOKEN);
  bin[38] = 'B';
  bin[1] = 200;
  raw_token(bin, n, text, sizeof(text));
  assert_int_equal(fs__token_parse(text, strlen(text), &t), FS_ETOKEN);
  bin[1] = 3;
  /* prefix, alphabet, length */
  raw_token(bin, n, text, sizeof(text));
  text[0] = 'F';
  assert_int_equal(fs__token_parse(text, strlen(text), &t), FS_ETOKEN);
  text[0] = 'f';
  text[10] = '+';
  assert_int_equal(fs__token_parse(text, strlen(text), &t), FS_ETOKEN);
  memset(text, 'A', 600);
  memcpy(text, "fs1.", 4);
  assert_int_equal(fs__token_parse(text, 600, &t), FS_ETOKEN);
  assert_int_equal(fs__token_parse("fs1.", 4, &t), FS_ETOKEN);
  assert_int_equal(fs__token_parse(NULL, 0, &t), FS_ETOKEN);
  assert_int_equal(fs__token_parse("x", 1, NULL), FS_EINVAL);
}

static void test_token_make_validates(void **state) {
  (void)state;
  fs_token t;
  uint8_t pub[32] = {0};
  assert_int_equal(fs__token_make(&t, "host", "A01", pub, 1), FS_EVALIDATE);
  assert_int_equal(fs__token_make(&t, "host:0", "A01", pub, 1), FS_EVALIDATE);
  assert_int_equal(fs__token_make(&t, "host:65536", "A01", pub, 1), FS_EVALIDATE);
  assert_int_equal(fs__token_make(&t, "ho st:1", "A01", pub, 1), FS_EVALIDATE);
  assert_int_equal(fs__token_make(&t, "h:1", "A", pub, 1), FS_EVALIDATE);
  assert_int_equal(fs__token_make(&t, "h:1", "1AB", pub, 1), FS_EVALIDATE);
  assert_int_equal(fs__token_make(&t, "h:1", "A0123456789ABCDEF", pub, 1), FS_EVALIDATE);
  assert_int_equal(fs__token_make(&t, "[::1]:7443", "A0", pub, 1), 0);
  assert_int_equal(fs__token_make(NULL, "h:1", "A0", pub, 1), FS_EINVAL);
  fs__token_wipe(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_generate_save_load),
      cmocka_unit_test(test_load_refuses_loose_mode),
      cmocka_unit_test(test_load_malformed_and_missing),
      cmocka_unit_test(test_base64),
      cmocka_unit_test(test_token_roundtrip),
      cmocka_unit_test(test_token_strict_parse),
      cmocka_unit_test(test_token_make_validates),
  };
  if (sodium_init() < 0)
    return 1;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
