/* keys.c - X25519 key pairs, key files and base64url helpers. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "fs_errno.h"
#include "log.h"

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING
/* A key file holds 43 chars and a newline; anything longer is malformed. */
#define KEYFILE_MAX 64

size_t fs__base64_encoded_len(size_t len) {
  return (len / 3) * 4 + ((len % 3) ? (len % 3) + 1 : 0);
}

int fs__base64_encode(const uint8_t *bin, size_t len, char *out, size_t cap) {
  if ((!bin && len) || !out)
    return FS_EINVAL;
  if (cap < sodium_base64_ENCODED_LEN(len, B64_VARIANT))
    return FS_EINVAL;
  sodium_bin2base64(out, cap, bin, len, B64_VARIANT);
  return 0;
}

int fs__base64_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
                      size_t *outlen) {
  const char *end = NULL;
  size_t n = 0;
  if ((!s && slen) || !outlen || (!out && cap))
    return FS_EINVAL;
  *outlen = 0;
  if (slen == 0)
    return 0;
  /* The decoded size of slen chars; refuse before decoding if it can't fit
   * so "too small" is distinguishable from "malformed". */
  if ((slen * 3) / 4 > cap)
    return FS_ETOOBIG;
  /* Check the alphabet ourselves: the libsodium decoder accepted some
   * bytes >= 0x80 as if they were '_' (found by fuzz_proto_token). */
  for (size_t i = 0; i < slen; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return FS_EPROTO;
  }
  if (sodium_base642bin(out, cap, s, slen, NULL, &n, &end, B64_VARIANT) != 0)
    return FS_EPROTO;
  /* Strict: every char consumed, and canonical (re-encoding gives the same
   * length, which rules out dangling bits of a 1-char remainder). */
  if (end != s + slen || fs__base64_encoded_len(n) != slen)
    return FS_EPROTO;
  *outlen = n;
  return 0;
}

int fs__key_to_text(const uint8_t key[FS_KEY_LEN],
                    char out[FS_KEY_B64_LEN + 1]) {
  return fs__base64_encode(key, FS_KEY_LEN, out, FS_KEY_B64_LEN + 1);
}

int fs__key_from_text(const char *s, size_t slen, uint8_t key[FS_KEY_LEN]) {
  size_t n = 0;
  int rc;
  if (!s || !key)
    return FS_EINVAL;
  if (slen != FS_KEY_B64_LEN)
    return FS_EPROTO;
  rc = fs__base64_decode(s, slen, key, FS_KEY_LEN, &n);
  if (rc == 0 && n != FS_KEY_LEN)
    rc = FS_EPROTO;
  return rc == FS_ETOOBIG ? FS_EPROTO : rc;
}

static int keypair_alloc(fs_keypair **out) {
  fs_keypair *kp;
  if (sodium_init() < 0)
    return FS_ECRYPTO;
  kp = calloc(1, sizeof(*kp));
  if (!kp)
    return FS_ENOMEM;
  kp->priv = sodium_malloc(FS_KEY_LEN);
  if (!kp->priv) {
    free(kp);
    return FS_ENOMEM;
  }
  *out = kp;
  return 0;
}

void fs__keypair_free(fs_keypair *kp) {
  if (!kp)
    return;
  if (kp->priv)
    sodium_free(kp->priv);
  free(kp);
}

int fs__keypair_from_private(fs_keypair **out, const uint8_t priv[FS_KEY_LEN]) {
  fs_keypair *kp = NULL;
  int rc;
  if (!out || !priv)
    return FS_EINVAL;
  *out = NULL;
  rc = keypair_alloc(&kp);
  if (rc)
    goto out;
  memcpy(kp->priv, priv, FS_KEY_LEN);
  if (crypto_scalarmult_base(kp->pub, kp->priv) != 0) {
    rc = FS_ECRYPTO;
    goto out;
  }
  *out = kp;
  kp = NULL;
out:
  fs__keypair_free(kp);
  return rc;
}

int fs__keypair_generate(fs_keypair **out) {
  fs_keypair *kp = NULL;
  int rc;
  if (!out)
    return FS_EINVAL;
  *out = NULL;
  rc = keypair_alloc(&kp);
  if (rc)
    goto out;
  /* crypto_box_keypair is X25519: random scalar, public = scalar * base. */
  if (crypto_box_keypair(kp->pub, kp->priv) != 0) {
    rc = FS_ECRYPTO;
    goto out;
  }
  *out = kp;
  kp = NULL;
out:
  fs__keypair_free(kp);
  return rc;
}

/* Writes all of buf to fd. */
static int write_all(int fd, const char *buf, size_t len) {
  while (len) {
    ssize_t w = write(fd, buf, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return FS_EIO;
    buf += w;
    len -= (size_t)w;
  }
  return 0;
}

static int write_new_file(const char *path, mode_t mode, const char *text,
                          size_t len) {
  int fd, rc;
  fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    return errno == EEXIST ? FS_EEXIST : FS_EIO;
  rc = write_all(fd, text, len);
  if (rc == 0 && fsync(fd) != 0)
    rc = FS_EIO;
  if (close(fd) != 0 && rc == 0)
    rc = FS_EIO;
  if (rc)
    unlink(path);
  return rc;
}

static char *pub_path_of(const char *priv_path) {
  size_t n = strlen(priv_path);
  char *p = malloc(n + 5);
  if (p) {
    memcpy(p, priv_path, n);
    memcpy(p + n, ".pub", 5);
  }
  return p;
}

int fs__keypair_save(const fs_keypair *kp, const char *priv_path) {
  char *text = NULL, *pub_path = NULL;
  char pubtext[FS_KEY_B64_LEN + 2];
  int rc, wrote_priv = 0;

  if (!kp || !kp->priv || !priv_path)
    return FS_EINVAL;
  pub_path = pub_path_of(priv_path);
  text = sodium_malloc(FS_KEY_B64_LEN + 2);
  if (!pub_path || !text) {
    rc = FS_ENOMEM;
    goto out;
  }
  /* Refuse early if either file exists, so nothing is half-written. */
  if (access(pub_path, F_OK) == 0) {
    rc = FS_EEXIST;
    goto out;
  }
  rc = fs__key_to_text(kp->priv, text);
  if (rc)
    goto out;
  text[FS_KEY_B64_LEN] = '\n';
  rc = write_new_file(priv_path, 0600, text, FS_KEY_B64_LEN + 1);
  if (rc)
    goto out;
  wrote_priv = 1;
  rc = fs__key_to_text(kp->pub, pubtext);
  if (rc)
    goto out;
  pubtext[FS_KEY_B64_LEN] = '\n';
  /* Public, but the data directory's files are all 0600 (privdir.h): one
   * rule, checked by a simple stat of every file. */
  rc = write_new_file(pub_path, 0600, pubtext, FS_KEY_B64_LEN + 1);
out:
  if (rc && wrote_priv)
    unlink(priv_path);
  if (text)
    sodium_free(text);
  free(pub_path);
  return rc;
}

/* Reads a small key file into buf (cap bytes), trims one trailing newline. */
static int read_key_text(int fd, char *buf, size_t cap, size_t *len) {
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return FS_EIO;
    if (r == 0)
      break;
    n += (size_t)r;
    if (n == cap)
      return FS_ECRYPTO; /* far longer than any key file */
  }
  if (n && buf[n - 1] == '\n')
    n--;
  *len = n;
  return 0;
}

int fs__keypair_load(fs_keypair **out, const char *priv_path) {
  struct stat st;
  char *text = NULL;
  uint8_t *priv = NULL;
  size_t len = 0;
  int fd = -1, rc;

  if (!out || !priv_path)
    return FS_EINVAL;
  *out = NULL;
  if (sodium_init() < 0)
    return FS_ECRYPTO;
  fd = open(priv_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    rc = errno == ENOENT ? FS_ENOTFOUND : FS_EIO;
    goto out;
  }
  /* fstat on the opened fd: no race between check and read. */
  if (fstat(fd, &st) != 0) {
    rc = FS_EIO;
    goto out;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    FS_ERROR("private key file %s has mode %03o: group/others may read it; "
             "run chmod 600 %s",
             priv_path, (unsigned)(st.st_mode & 0777), priv_path);
    rc = FS_EKEYPERM;
    goto out;
  }
  text = sodium_malloc(KEYFILE_MAX);
  priv = sodium_malloc(FS_KEY_LEN);
  if (!text || !priv) {
    rc = FS_ENOMEM;
    goto out;
  }
  rc = read_key_text(fd, text, KEYFILE_MAX, &len);
  if (rc)
    goto out;
  rc = fs__key_from_text(text, len, priv);
  if (rc) {
    FS_ERROR("private key file %s is malformed", priv_path);
    rc = FS_ECRYPTO;
    goto out;
  }
  rc = fs__keypair_from_private(out, priv);
out:
  if (fd >= 0)
    close(fd);
  if (text)
    sodium_free(text);
  if (priv)
    sodium_free(priv);
  return rc;
}

int fs__pubkey_load(const char *path, uint8_t pub[FS_KEY_LEN]) {
  char text[KEYFILE_MAX];
  size_t len = 0;
  int fd, rc;
  if (!path || !pub)
    return FS_EINVAL;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? FS_ENOTFOUND : FS_EIO;
  rc = read_key_text(fd, text, sizeof(text), &len);
  close(fd);
  if (rc)
    return rc;
  rc = fs__key_from_text(text, len, pub);
  return rc ? FS_ECRYPTO : 0;
}
