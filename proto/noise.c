/* noise.c - Noise rev 34 (25519, ChaChaPoly, BLAKE2b) on libsodium.
 *
 * Layout follows the spec's objects: CipherState, SymmetricState (embedded
 * in the HandshakeState), HandshakeState driven by a small token table.
 * Every object holding secrets is allocated whole with sodium_malloc, so
 * keys sit in guarded, mlock'ed pages and sodium_free wipes them.
 */
#include "noise.h"

#include <stdio.h>
#include <string.h>

#include <limits.h>

#include <sodium.h>
#ifdef FS_HAVE_OPENSSL
#include <openssl/evp.h>
#endif

#include "fs_errno.h"

#define BLOCKLEN 128
#define MAX_NONCE UINT64_MAX

/* ---- CipherState ------------------------------------------------------ */

/* Two implementations of the same AEAD (RFC 8439 ChaCha20-Poly1305, the
 * spec's ChaChaPoly): libsodium, always available, and OpenSSL's libcrypto
 * when the build found it (FS_HAVE_OPENSSL).  libsodium 1.0.18 has no
 * AVX-512 code and runs at about a third of OpenSSL's speed on 64 KiB
 * messages, which capped the transport at ~1.3 GB/s per core.  The outputs
 * are identical byte for byte (tests/unit/test_proto_aead.c checks both
 * ways), so either side of a connection may use either.
 *
 * Only the stand-alone transport states (fs__noise_cipher_new) get an
 * OpenSSL context, created once and reused for every message; the
 * handshake's embedded state (a handful of small messages) and any build
 * or runtime where OpenSSL's cipher is unavailable use libsodium.
 * OpenSSL keeps its copy of the key in its own context (ordinary heap,
 * cleansed by EVP_CIPHER_CTX_free); our copy stays in sodium memory. */
struct fs_noise_cipher {
  uint8_t k[FS_NOISE_KEYLEN];
  uint64_t n;
  int has_key;
  void *evp; /* EVP_CIPHER_CTX *, or NULL = libsodium */
};

static int sodium_ready(void) {
  /* sodium_init is idempotent and thread-safe; 1 means already done. */
  return sodium_init() < 0 ? FS_ECRYPTO : 0;
}

int fs__noise_cipher_new(fs_noise_cipher **out) {
  fs_noise_cipher *c;
  if (!out)
    return FS_EINVAL;
  *out = NULL;
  if (sodium_ready())
    return FS_ECRYPTO;
  c = sodium_malloc(sizeof(*c));
  if (!c)
    return FS_ENOMEM;
  sodium_memzero(c, sizeof(*c));
#ifdef FS_HAVE_OPENSSL
  {
    /* Binds the cipher once; each message then only sets key and nonce.
     * Any failure here just leaves the libsodium path in place. */
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    if (x && EVP_CipherInit_ex(x, EVP_chacha20_poly1305(), NULL, NULL, NULL,
                               1) == 1 &&
        EVP_CIPHER_CTX_get_iv_length(x) == 12) {
      c->evp = x;
      x = NULL;
    }
    EVP_CIPHER_CTX_free(x);
  }
#endif
  *out = c;
  return 0;
}

void fs__noise_cipher_free(fs_noise_cipher *c) {
  if (!c)
    return;
#ifdef FS_HAVE_OPENSSL
  EVP_CIPHER_CTX_free(c->evp); /* cleanses its key copy */
#endif
  sodium_free(c); /* zeroes before unmapping */
}

void fs__noise_cipher_init_key(fs_noise_cipher *c,
                               const uint8_t k[FS_NOISE_KEYLEN]) {
  memcpy(c->k, k, FS_NOISE_KEYLEN);
  c->n = 0;
  c->has_key = 1;
}

int fs__noise_cipher_has_key(const fs_noise_cipher *c) {
  return c && c->has_key;
}

void fs__noise_cipher_set_nonce(fs_noise_cipher *c, uint64_t n) { c->n = n; }

uint64_t fs__noise_cipher_nonce(const fs_noise_cipher *c) { return c->n; }

/* ChaChaPoly nonce: 32 bits of zeros, then the counter little-endian. */
static void nonce_bytes(uint8_t out[12], uint64_t n) {
  memset(out, 0, 4);
  for (int i = 0; i < 8; i++)
    out[4 + i] = (uint8_t)(n >> (8 * i));
}

#ifdef FS_HAVE_OPENSSL
/* OpenSSL's lengths are ints: larger inputs take the libsodium path. */
static int evp_fits(size_t adlen, size_t len) {
  return adlen <= INT_MAX && len <= INT_MAX;
}

/* Seals ptlen bytes into out (ciphertext then tag); out may equal pt. */
static int evp_seal(EVP_CIPHER_CTX *x, const uint8_t *k, const uint8_t *nonce,
                    const uint8_t *ad, size_t adlen, const uint8_t *pt,
                    size_t ptlen, uint8_t *out) {
  int ol = 0;
  if (EVP_EncryptInit_ex(x, NULL, NULL, k, nonce) != 1 ||
      (adlen && EVP_EncryptUpdate(x, NULL, &ol, ad, (int)adlen) != 1) ||
      (ptlen && EVP_EncryptUpdate(x, out, &ol, pt, (int)ptlen) != 1) ||
      EVP_EncryptFinal_ex(x, out + ptlen, &ol) != 1 ||
      EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, FS_NOISE_TAGLEN,
                          out + ptlen) != 1)
    return FS_ECRYPTO;
  return 0;
}

/* Opens ctlen >= TAGLEN bytes into out (out may equal ct).  OpenSSL checks
 * the tag after decrypting: on failure the unauthenticated plaintext is
 * wiped before returning, so nothing of it is ever visible. */
static int evp_open(EVP_CIPHER_CTX *x, const uint8_t *k, const uint8_t *nonce,
                    const uint8_t *ad, size_t adlen, const uint8_t *ct,
                    size_t ctlen, uint8_t *out) {
  size_t mlen = ctlen - FS_NOISE_TAGLEN;
  uint8_t tag[FS_NOISE_TAGLEN];
  int ol = 0;
  memcpy(tag, ct + mlen, FS_NOISE_TAGLEN);
  if (EVP_DecryptInit_ex(x, NULL, NULL, k, nonce) != 1 ||
      EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, FS_NOISE_TAGLEN, tag) !=
          1 ||
      (adlen && EVP_DecryptUpdate(x, NULL, &ol, ad, (int)adlen) != 1) ||
      (mlen && EVP_DecryptUpdate(x, out, &ol, ct, (int)mlen) != 1) ||
      EVP_DecryptFinal_ex(x, out + mlen, &ol) != 1) {
    if (mlen)
      sodium_memzero(out, mlen);
    return FS_ECRYPTO;
  }
  return 0;
}
#endif

/* Seals with nonce n: ptlen + TAGLEN bytes to out (out may equal pt). */
static int raw_encrypt(const fs_noise_cipher *c, uint64_t n, const uint8_t *ad,
                       size_t adlen, const uint8_t *pt, size_t ptlen,
                       uint8_t *out) {
  uint8_t nonce[12];
  unsigned long long tlen = 0;
  nonce_bytes(nonce, n);
#ifdef FS_HAVE_OPENSSL
  if (c->evp && evp_fits(adlen, ptlen))
    return evp_seal(c->evp, c->k, nonce, ad, adlen, pt, ptlen, out);
#endif
  /* Detached: the tag goes right after the ciphertext, as combined mode
   * would put it, without libsodium's extra length bookkeeping. */
  if (crypto_aead_chacha20poly1305_ietf_encrypt_detached(
          out, out + ptlen, &tlen, pt, ptlen, ad, adlen, NULL, nonce, c->k) !=
      0)
    return FS_ECRYPTO;
  return 0;
}

/* Opens with nonce n: ctlen >= TAGLEN; out gets ctlen - TAGLEN bytes and
 * may equal ct.  FS_ECRYPTO on authentication failure. */
static int raw_decrypt(const fs_noise_cipher *c, uint64_t n, const uint8_t *ad,
                       size_t adlen, const uint8_t *ct, size_t ctlen,
                       uint8_t *out) {
  uint8_t nonce[12];
  size_t mlen = ctlen - FS_NOISE_TAGLEN;
  nonce_bytes(nonce, n);
#ifdef FS_HAVE_OPENSSL
  if (c->evp && evp_fits(adlen, ctlen))
    return evp_open(c->evp, c->k, nonce, ad, adlen, ct, ctlen, out);
#endif
  /* libsodium verifies the tag before writing any plaintext. */
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          out, NULL, ct, mlen, ct + mlen, ad, adlen, nonce, c->k) != 0)
    return FS_ECRYPTO;
  return 0;
}

int fs__noise_cipher_encrypt(fs_noise_cipher *c, const uint8_t *ad,
                             size_t adlen, const uint8_t *pt, size_t ptlen,
                             uint8_t *out, size_t outcap, size_t *outlen) {
  int rc;
  if (!c || !out || !outlen || (!pt && ptlen) || (!ad && adlen))
    return FS_EINVAL;
  if (!c->has_key) {
    if (outcap < ptlen)
      return FS_EINVAL;
    if (ptlen && out != pt)
      memmove(out, pt, ptlen);
    *outlen = ptlen;
    return 0;
  }
  if (ptlen > SIZE_MAX - FS_NOISE_TAGLEN || outcap < ptlen + FS_NOISE_TAGLEN)
    return FS_EINVAL;
  /* 2^64-1 is reserved for REKEY; reaching it ends the session. */
  if (c->n == MAX_NONCE)
    return FS_EOVERFLOW;
  rc = raw_encrypt(c, c->n, ad, adlen, pt, ptlen, out);
  if (rc)
    return rc;
  c->n++;
  *outlen = ptlen + FS_NOISE_TAGLEN;
  return 0;
}

int fs__noise_cipher_decrypt(fs_noise_cipher *c, const uint8_t *ad,
                             size_t adlen, const uint8_t *ct, size_t ctlen,
                             uint8_t *out, size_t outcap, size_t *outlen) {
  size_t mlen = 0;
  if (!c || !outlen || (!ct && ctlen) || (!ad && adlen))
    return FS_EINVAL;
  if (!c->has_key) {
    if (outcap < ctlen || (!out && ctlen))
      return FS_EINVAL;
    if (ctlen && out != ct)
      memmove(out, ct, ctlen);
    *outlen = ctlen;
    return 0;
  }
  if (ctlen < FS_NOISE_TAGLEN)
    return FS_ECRYPTO;
  if (outcap < ctlen - FS_NOISE_TAGLEN || (!out && ctlen > FS_NOISE_TAGLEN))
    return FS_EINVAL;
  if (c->n == MAX_NONCE)
    return FS_EOVERFLOW;
  {
    /* libsodium needs a non-NULL m even for empty plaintexts. */
    uint8_t dummy;
    mlen = ctlen - FS_NOISE_TAGLEN;
    if (raw_decrypt(c, c->n, ad, adlen, ct, ctlen, out ? out : &dummy))
      return FS_ECRYPTO; /* n unchanged, as the spec requires */
  }
  c->n++;
  *outlen = mlen;
  return 0;
}

int fs__noise_cipher_rekey(fs_noise_cipher *c) {
  uint8_t zeros[FS_NOISE_KEYLEN] = {0};
  uint8_t tmp[FS_NOISE_KEYLEN + FS_NOISE_TAGLEN];
  int rc;
  if (!c)
    return FS_EINVAL;
  if (!c->has_key)
    return FS_ESTATE;
  rc = raw_encrypt(c, MAX_NONCE, NULL, 0, zeros, sizeof(zeros), tmp);
  if (rc == 0)
    memcpy(c->k, tmp, FS_NOISE_KEYLEN);
  sodium_memzero(tmp, sizeof(tmp));
  return rc;
}

/* ---- hash, HMAC, HKDF ------------------------------------------------- */

int fs__noise_hmac(const uint8_t *key, size_t keylen, const uint8_t *data,
                   size_t datalen, uint8_t out[FS_NOISE_HASHLEN]) {
  uint8_t k[BLOCKLEN], pad[BLOCKLEN], inner[FS_NOISE_HASHLEN];
  crypto_generichash_state st;
  int rc = FS_ECRYPTO;

  memset(k, 0, sizeof(k));
  if (keylen > BLOCKLEN) {
    if (crypto_generichash(k, FS_NOISE_HASHLEN, key, keylen, NULL, 0))
      goto out;
  } else if (keylen) {
    memcpy(k, key, keylen);
  }
  for (int i = 0; i < BLOCKLEN; i++)
    pad[i] = k[i] ^ 0x36;
  if (crypto_generichash_init(&st, NULL, 0, FS_NOISE_HASHLEN) ||
      crypto_generichash_update(&st, pad, BLOCKLEN) ||
      (datalen && crypto_generichash_update(&st, data, datalen)) ||
      crypto_generichash_final(&st, inner, FS_NOISE_HASHLEN))
    goto out;
  for (int i = 0; i < BLOCKLEN; i++)
    pad[i] = k[i] ^ 0x5c;
  if (crypto_generichash_init(&st, NULL, 0, FS_NOISE_HASHLEN) ||
      crypto_generichash_update(&st, pad, BLOCKLEN) ||
      crypto_generichash_update(&st, inner, FS_NOISE_HASHLEN) ||
      crypto_generichash_final(&st, out, FS_NOISE_HASHLEN))
    goto out;
  rc = 0;
out:
  sodium_memzero(k, sizeof(k));
  sodium_memzero(pad, sizeof(pad));
  sodium_memzero(inner, sizeof(inner));
  sodium_memzero(&st, sizeof(st));
  return rc;
}

int fs__noise_hkdf(const uint8_t ck[FS_NOISE_HASHLEN], const uint8_t *ikm,
                   size_t ikmlen, uint8_t o1[FS_NOISE_HASHLEN],
                   uint8_t o2[FS_NOISE_HASHLEN], uint8_t *o3) {
  uint8_t tk[FS_NOISE_HASHLEN], in[FS_NOISE_HASHLEN + 1];
  uint8_t one = 0x01;
  int rc;
  rc = fs__noise_hmac(ck, FS_NOISE_HASHLEN, ikm, ikmlen, tk);
  if (rc)
    goto out;
  rc = fs__noise_hmac(tk, sizeof(tk), &one, 1, o1);
  if (rc)
    goto out;
  memcpy(in, o1, FS_NOISE_HASHLEN);
  in[FS_NOISE_HASHLEN] = 0x02;
  rc = fs__noise_hmac(tk, sizeof(tk), in, sizeof(in), o2);
  if (rc || !o3)
    goto out;
  memcpy(in, o2, FS_NOISE_HASHLEN);
  in[FS_NOISE_HASHLEN] = 0x03;
  rc = fs__noise_hmac(tk, sizeof(tk), in, sizeof(in), o3);
out:
  sodium_memzero(tk, sizeof(tk));
  sodium_memzero(in, sizeof(in));
  return rc;
}

/* ---- patterns --------------------------------------------------------- */

enum { T_END = 0, T_E, T_S, T_EE, T_ES, T_SE, T_SS };
#define MAX_MSGS 3
#define MAX_TOKENS 5

typedef struct pattern_def {
  const char *name;
  uint8_t pre_init_s; /* "-> s" pre-message */
  uint8_t pre_resp_s; /* "<- s" pre-message */
  uint8_t nmsgs;
  uint8_t msgs[MAX_MSGS][MAX_TOKENS + 1];
} pattern_def;

static const pattern_def PATTERNS[] = {
    {"NN", 0, 0, 2, {{T_E}, {T_E, T_EE}}},
    {"XX", 0, 0, 3, {{T_E}, {T_E, T_EE, T_S, T_ES}, {T_S, T_SE}}},
    {"IK", 0, 1, 2, {{T_E, T_ES, T_S, T_SS}, {T_E, T_EE, T_SE}}},
    {"KK", 1, 1, 2, {{T_E, T_ES, T_SS}, {T_E, T_EE, T_SE}}},
};

static const pattern_def *pattern_get(fs_noise_pattern p) {
  switch (p) {
  case FS_NOISE_NN:
    return &PATTERNS[0];
  case FS_NOISE_XX:
    return &PATTERNS[1];
  case FS_NOISE_IK:
    return &PATTERNS[2];
  case FS_NOISE_KK:
    return &PATTERNS[3];
  }
  return NULL;
}

/* ---- HandshakeState (with its SymmetricState) -------------------------- */

struct fs_noise_hs {
  /* SymmetricState */
  struct fs_noise_cipher cs;
  uint8_t ck[FS_NOISE_HASHLEN];
  uint8_t h[FS_NOISE_HASHLEN];
  /* keys */
  uint8_t s_priv[FS_NOISE_DHLEN], s_pub[FS_NOISE_DHLEN];
  uint8_t e_priv[FS_NOISE_DHLEN], e_pub[FS_NOISE_DHLEN];
  uint8_t rs[FS_NOISE_DHLEN], re[FS_NOISE_DHLEN];
  uint8_t fixed_e[FS_NOISE_DHLEN];
  int has_s, has_e, has_rs, has_re, has_fixed_e;
  /* progress */
  const pattern_def *pat;
  fs_noise_role role;
  unsigned msg; /* index of the next message */
  int failed;
  int split_done;
};

static int mix_hash(fs_noise_hs *hs, const uint8_t *data, size_t len) {
  crypto_generichash_state st;
  int rc = 0;
  if (crypto_generichash_init(&st, NULL, 0, FS_NOISE_HASHLEN) ||
      crypto_generichash_update(&st, hs->h, FS_NOISE_HASHLEN) ||
      (len && crypto_generichash_update(&st, data, len)) ||
      crypto_generichash_final(&st, hs->h, FS_NOISE_HASHLEN))
    rc = FS_ECRYPTO;
  return rc;
}

static int mix_key(fs_noise_hs *hs, const uint8_t *ikm, size_t len) {
  uint8_t tk[FS_NOISE_HASHLEN];
  int rc = fs__noise_hkdf(hs->ck, ikm, len, hs->ck, tk, NULL);
  if (rc == 0)
    fs__noise_cipher_init_key(&hs->cs, tk); /* truncated to 32 bytes */
  sodium_memzero(tk, sizeof(tk));
  return rc;
}

static int encrypt_and_hash(fs_noise_hs *hs, const uint8_t *pt, size_t len,
                            uint8_t *out, size_t cap, size_t *outlen) {
  int rc = fs__noise_cipher_encrypt(&hs->cs, hs->h, FS_NOISE_HASHLEN, pt, len,
                                    out, cap, outlen);
  if (rc)
    return rc;
  return mix_hash(hs, out, *outlen);
}

static int decrypt_and_hash(fs_noise_hs *hs, const uint8_t *ct, size_t len,
                            uint8_t *out, size_t cap, size_t *outlen) {
  /* h must be mixed with the ciphertext, which may be decrypted in place:
   * compute the new h first, commit it only on success. */
  uint8_t oldh[FS_NOISE_HASHLEN];
  int rc;
  memcpy(oldh, hs->h, sizeof(oldh));
  rc = mix_hash(hs, ct, len);
  if (rc)
    return rc;
  rc = fs__noise_cipher_decrypt(&hs->cs, oldh, FS_NOISE_HASHLEN, ct, len, out,
                                cap, outlen);
  if (rc)
    memcpy(hs->h, oldh, sizeof(oldh));
  return rc;
}

static int dh(const uint8_t priv[32], const uint8_t pub[32], uint8_t out[32]) {
  /* libsodium refuses an all-zero result (low-order point): treat as an
   * invalid handshake. */
  return crypto_scalarmult(out, priv, pub) == 0 ? 0 : FS_ECRYPTO;
}

int fs__noise_hs_new(fs_noise_hs **out, const fs_noise_hs_config *cfg) {
  fs_noise_hs *hs = NULL;
  const pattern_def *pat;
  char name[64];
  int need_s, need_rs, rc;

  if (!out)
    return FS_EINVAL;
  *out = NULL;
  if (!cfg || (!cfg->prologue && cfg->prologue_len))
    return FS_EINVAL;
  pat = pattern_get(cfg->pattern);
  if (!pat || (cfg->role != FS_NOISE_INITIATOR && cfg->role != FS_NOISE_RESPONDER))
    return FS_EINVAL;
  need_s = cfg->pattern != FS_NOISE_NN;
  need_rs = cfg->role == FS_NOISE_INITIATOR ? pat->pre_resp_s : pat->pre_init_s;
  if ((need_s && !cfg->s_priv) || (need_rs != (cfg->rs_pub != NULL)))
    return FS_EINVAL;
  if (sodium_ready())
    return FS_ECRYPTO;
  hs = sodium_malloc(sizeof(*hs));
  if (!hs)
    return FS_ENOMEM;
  sodium_memzero(hs, sizeof(*hs));
  hs->pat = pat;
  hs->role = cfg->role;

  if (need_s) {
    memcpy(hs->s_priv, cfg->s_priv, FS_NOISE_DHLEN);
    if (crypto_scalarmult_base(hs->s_pub, hs->s_priv)) {
      rc = FS_ECRYPTO;
      goto out;
    }
    hs->has_s = 1;
  }
  if (cfg->rs_pub) {
    memcpy(hs->rs, cfg->rs_pub, FS_NOISE_DHLEN);
    hs->has_rs = 1;
  }
  if (cfg->e_priv) {
    memcpy(hs->fixed_e, cfg->e_priv, FS_NOISE_DHLEN);
    hs->has_fixed_e = 1;
  }

  /* InitializeSymmetric: the name is at most 64 bytes, so h = name padded
   * with zeros (no hashing needed for this suite). */
  snprintf(name, sizeof(name), "Noise_%s_25519_ChaChaPoly_BLAKE2b", pat->name);
  memset(hs->h, 0, FS_NOISE_HASHLEN);
  memcpy(hs->h, name, strlen(name));
  memcpy(hs->ck, hs->h, FS_NOISE_HASHLEN);
  rc = mix_hash(hs, cfg->prologue, cfg->prologue_len);
  if (rc)
    goto out;
  /* Pre-messages, initiator's first. */
  if (pat->pre_init_s) {
    rc = mix_hash(hs, hs->role == FS_NOISE_INITIATOR ? hs->s_pub : hs->rs,
                  FS_NOISE_DHLEN);
    if (rc)
      goto out;
  }
  if (pat->pre_resp_s) {
    rc = mix_hash(hs, hs->role == FS_NOISE_RESPONDER ? hs->s_pub : hs->rs,
                  FS_NOISE_DHLEN);
    if (rc)
      goto out;
  }
  *out = hs;
  hs = NULL;
out:
  if (hs)
    sodium_free(hs);
  return rc;
}

void fs__noise_hs_free(fs_noise_hs *hs) {
  if (hs)
    sodium_free(hs);
}

static int my_turn_to_write(const fs_noise_hs *hs) {
  int init_sends = (hs->msg % 2) == 0;
  return (hs->role == FS_NOISE_INITIATOR) == init_sends;
}

fs_noise_action fs__noise_hs_action(const fs_noise_hs *hs) {
  if (!hs || hs->failed)
    return FS_NOISE_ACTION_FAILED;
  if (hs->msg >= hs->pat->nmsgs)
    return FS_NOISE_ACTION_SPLIT;
  return my_turn_to_write(hs) ? FS_NOISE_ACTION_WRITE : FS_NOISE_ACTION_READ;
}

size_t fs__noise_hs_overhead(const fs_noise_hs *hs) {
  size_t n = 0;
  int k;
  if (!hs || hs->failed || hs->msg >= hs->pat->nmsgs)
    return 0;
  k = hs->cs.has_key;
  for (const uint8_t *t = hs->pat->msgs[hs->msg]; *t != T_END; t++) {
    if (*t == T_E)
      n += FS_NOISE_DHLEN;
    else if (*t == T_S)
      n += FS_NOISE_DHLEN + (k ? FS_NOISE_TAGLEN : 0);
    else
      k = 1;
  }
  return n + (k ? FS_NOISE_TAGLEN : 0);
}

/* Performs a DH token from this side's point of view. */
static int dh_token(fs_noise_hs *hs, int tok) {
  uint8_t out[FS_NOISE_DHLEN];
  const uint8_t *priv = NULL, *pub = NULL;
  int init = hs->role == FS_NOISE_INITIATOR;
  int rc;
  switch (tok) {
  case T_EE:
    priv = hs->has_e ? hs->e_priv : NULL;
    pub = hs->has_re ? hs->re : NULL;
    break;
  case T_ES: /* initiator's e with responder's s */
    priv = init ? (hs->has_e ? hs->e_priv : NULL) : (hs->has_s ? hs->s_priv : NULL);
    pub = init ? (hs->has_rs ? hs->rs : NULL) : (hs->has_re ? hs->re : NULL);
    break;
  case T_SE: /* initiator's s with responder's e */
    priv = init ? (hs->has_s ? hs->s_priv : NULL) : (hs->has_e ? hs->e_priv : NULL);
    pub = init ? (hs->has_re ? hs->re : NULL) : (hs->has_rs ? hs->rs : NULL);
    break;
  case T_SS:
    priv = hs->has_s ? hs->s_priv : NULL;
    pub = hs->has_rs ? hs->rs : NULL;
    break;
  default:
    return FS_EINTERNAL;
  }
  if (!priv || !pub)
    return FS_EINTERNAL; /* table/config mismatch; cannot happen */
  rc = dh(priv, pub, out);
  if (rc == 0)
    rc = mix_key(hs, out, sizeof(out));
  sodium_memzero(out, sizeof(out));
  return rc;
}

int fs__noise_hs_write(fs_noise_hs *hs, const uint8_t *payload, size_t plen,
                       uint8_t *out, size_t outcap, size_t *outlen) {
  size_t pos = 0, n = 0, need;
  int rc = 0;

  if (!hs || !out || !outlen || (!payload && plen))
    return FS_EINVAL;
  if (fs__noise_hs_action(hs) != FS_NOISE_ACTION_WRITE)
    return FS_ESTATE;
  need = fs__noise_hs_overhead(hs);
  if (plen > FS_NOISE_MAX_MSG || need + plen > FS_NOISE_MAX_MSG)
    return FS_ETOOBIG;
  if (outcap < need + plen)
    return FS_EINVAL;

  for (const uint8_t *t = hs->pat->msgs[hs->msg]; *t != T_END; t++) {
    switch (*t) {
    case T_E:
      if (hs->has_fixed_e)
        memcpy(hs->e_priv, hs->fixed_e, FS_NOISE_DHLEN);
      else
        randombytes_buf(hs->e_priv, FS_NOISE_DHLEN);
      if (crypto_scalarmult_base(hs->e_pub, hs->e_priv)) {
        rc = FS_ECRYPTO;
        goto out;
      }
      hs->has_e = 1;
      memcpy(out + pos, hs->e_pub, FS_NOISE_DHLEN);
      pos += FS_NOISE_DHLEN;
      rc = mix_hash(hs, hs->e_pub, FS_NOISE_DHLEN);
      break;
    case T_S:
      rc = encrypt_and_hash(hs, hs->s_pub, FS_NOISE_DHLEN, out + pos,
                            outcap - pos, &n);
      pos += n;
      break;
    default:
      rc = dh_token(hs, *t);
      break;
    }
    if (rc)
      goto out;
  }
  rc = encrypt_and_hash(hs, payload, plen, out + pos, outcap - pos, &n);
  if (rc)
    goto out;
  pos += n;
  *outlen = pos;
  hs->msg++;
out:
  if (rc)
    hs->failed = 1;
  return rc;
}

int fs__noise_hs_read(fs_noise_hs *hs, const uint8_t *msg, size_t msglen,
                      uint8_t *payload, size_t cap, size_t *plen) {
  size_t pos = 0, n = 0;
  int rc = 0;

  if (!hs || !plen || (!msg && msglen) || (!payload && cap))
    return FS_EINVAL;
  if (fs__noise_hs_action(hs) != FS_NOISE_ACTION_READ)
    return FS_ESTATE;
  if (msglen > FS_NOISE_MAX_MSG) {
    rc = FS_ETOOBIG;
    goto out;
  }
  if (msglen < fs__noise_hs_overhead(hs)) {
    rc = FS_ETRUNC;
    goto out;
  }
  if (cap < msglen - fs__noise_hs_overhead(hs))
    return FS_EINVAL;

  for (const uint8_t *t = hs->pat->msgs[hs->msg]; *t != T_END; t++) {
    switch (*t) {
    case T_E:
      memcpy(hs->re, msg + pos, FS_NOISE_DHLEN);
      hs->has_re = 1;
      pos += FS_NOISE_DHLEN;
      rc = mix_hash(hs, hs->re, FS_NOISE_DHLEN);
      break;
    case T_S: {
      size_t len = FS_NOISE_DHLEN + (hs->cs.has_key ? FS_NOISE_TAGLEN : 0);
      uint8_t tmp[FS_NOISE_DHLEN + FS_NOISE_TAGLEN];
      memcpy(tmp, msg + pos, len);
      rc = decrypt_and_hash(hs, tmp, len, hs->rs, FS_NOISE_DHLEN, &n);
      if (rc == 0)
        hs->has_rs = 1;
      pos += len;
      break;
    }
    default:
      rc = dh_token(hs, *t);
      break;
    }
    if (rc)
      goto out;
  }
  rc = decrypt_and_hash(hs, msg + pos, msglen - pos, payload, cap, &n);
  if (rc)
    goto out;
  *plen = n;
  hs->msg++;
out:
  if (rc)
    hs->failed = 1;
  return rc;
}

int fs__noise_hs_remote_static(const fs_noise_hs *hs,
                               uint8_t out[FS_NOISE_DHLEN]) {
  if (!hs || !out)
    return FS_EINVAL;
  if (!hs->has_rs)
    return FS_ESTATE;
  memcpy(out, hs->rs, FS_NOISE_DHLEN);
  return 0;
}

int fs__noise_hs_remote_ephemeral(const fs_noise_hs *hs,
                                  uint8_t out[FS_NOISE_DHLEN]) {
  if (!hs || !out)
    return FS_EINVAL;
  if (!hs->has_re)
    return FS_ESTATE;
  memcpy(out, hs->re, FS_NOISE_DHLEN);
  return 0;
}

void fs__noise_hs_hash(const fs_noise_hs *hs, uint8_t out[FS_NOISE_HASHLEN]) {
  if (hs && out)
    memcpy(out, hs->h, FS_NOISE_HASHLEN);
}

int fs__noise_hs_split(fs_noise_hs *hs, fs_noise_cipher **send,
                       fs_noise_cipher **recv) {
  uint8_t k1[FS_NOISE_HASHLEN], k2[FS_NOISE_HASHLEN];
  fs_noise_cipher *c1 = NULL, *c2 = NULL;
  int rc;
  if (!hs || !send || !recv)
    return FS_EINVAL;
  if (fs__noise_hs_action(hs) != FS_NOISE_ACTION_SPLIT || hs->split_done)
    return FS_ESTATE;
  *send = *recv = NULL;
  rc = fs__noise_hkdf(hs->ck, NULL, 0, k1, k2, NULL);
  if (rc)
    goto out;
  rc = fs__noise_cipher_new(&c1);
  if (rc)
    goto out;
  rc = fs__noise_cipher_new(&c2);
  if (rc)
    goto out;
  fs__noise_cipher_init_key(c1, k1);
  fs__noise_cipher_init_key(c2, k2);
  if (hs->role == FS_NOISE_INITIATOR) {
    *send = c1;
    *recv = c2;
  } else {
    *send = c2;
    *recv = c1;
  }
  c1 = c2 = NULL;
  /* Nothing secret is needed any more: wipe what the handshake held. */
  sodium_memzero(hs->ck, sizeof(hs->ck));
  sodium_memzero(&hs->cs, sizeof(hs->cs));
  sodium_memzero(hs->e_priv, sizeof(hs->e_priv));
  sodium_memzero(hs->s_priv, sizeof(hs->s_priv));
  hs->split_done = 1; /* no further use except hash/remote keys */
out:
  sodium_memzero(k1, sizeof(k1));
  sodium_memzero(k2, sizeof(k2));
  fs__noise_cipher_free(c1);
  fs__noise_cipher_free(c2);
  return rc;
}
