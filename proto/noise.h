/* noise.h - the Noise Protocol Framework, revision 34, for one suite:
 * 25519 (X25519), ChaChaPoly (IETF ChaCha20-Poly1305, nonce = 4 zero bytes
 * then the 64-bit little-endian counter) and BLAKE2b (64-byte output,
 * HMAC with 128-byte blocks, HKDF as in the spec).  Built on libsodium;
 * stand-alone CipherStates (fs__noise_cipher_new, i.e. the transport) run
 * the same AEAD on OpenSSL's libcrypto when the build found it (about 3x
 * faster here; identical bytes, see noise.c).
 *
 * Patterns: NN, XX, IK, KK (with their pre-messages).  No PSK modes.
 * Used by proto/channel.c (Noise_IK with prologue "fieldsync/1"); the other
 * patterns exist for the conformance test vectors.
 *
 * Secrets (cipher keys, chaining key, private keys) live in sodium_malloc'd
 * memory and are wiped (sodium_free zeroes) on release.  All handles are
 * opaque; every *_free takes NULL.
 *
 * Any libsodium failure is reported as FS_ECRYPTO; an authentication
 * failure while decrypting is FS_ECRYPTO as well (the channel maps it to
 * FS_EREPLAY/FS_ECRYPTO for its callers).
 *
 * Handshake state machine (per HandshakeState):
 *
 *   new --> [WRITE_MESSAGE | READ_MESSAGE]* (alternating per the pattern)
 *                |   any error (bad length, failed decrypt, bad DH)
 *                +------------------------------> FAILED (every call
 *                |                                  returns FS_ESTATE)
 *                v last message done
 *              SPLIT --fs__noise_hs_split--> cipher states handed out
 */
#ifndef FS_NOISE_H
#define FS_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define FS_NOISE_DHLEN 32
#define FS_NOISE_HASHLEN 64
#define FS_NOISE_KEYLEN 32
#define FS_NOISE_TAGLEN 16
/* Noise's own bound on a message; handshake messages respect it.  The
 * fieldsync transport relaxes it to the frame maximum (see channel.h). */
#define FS_NOISE_MAX_MSG 65535u

/* ---- CipherState ------------------------------------------------------ */

typedef struct fs_noise_cipher fs_noise_cipher;

/* Allocates an empty CipherState (no key: encrypt/decrypt pass through, as
 * the spec says).  Returns 0, FS_EINVAL, FS_ENOMEM. */
int fs__noise_cipher_new(fs_noise_cipher **out);
/* Wipes and frees.  Takes NULL. */
void fs__noise_cipher_free(fs_noise_cipher *c);
/* InitializeKey: sets k (copied) and n = 0. */
void fs__noise_cipher_init_key(fs_noise_cipher *c,
                               const uint8_t k[FS_NOISE_KEYLEN]);
/* HasKey: 1 or 0. */
int fs__noise_cipher_has_key(const fs_noise_cipher *c);
/* SetNonce / current nonce. */
void fs__noise_cipher_set_nonce(fs_noise_cipher *c, uint64_t n);
uint64_t fs__noise_cipher_nonce(const fs_noise_cipher *c);

/* EncryptWithAd: writes ptlen + FS_NOISE_TAGLEN bytes (ptlen if no key) to
 * out (out may equal pt; outcap must be large enough, else FS_EINVAL) and
 * stores the length in *outlen; increments n.  FS_EOVERFLOW when n reached
 * 2^64-1 (the reserved nonce).  ad may be NULL when adlen == 0. */
int fs__noise_cipher_encrypt(fs_noise_cipher *c, const uint8_t *ad,
                             size_t adlen, const uint8_t *pt, size_t ptlen,
                             uint8_t *out, size_t outcap, size_t *outlen);
/* DecryptWithAd: inverse.  On authentication failure returns FS_ECRYPTO
 * and does NOT increment n (per spec).  ctlen < TAGLEN with a key:
 * FS_ECRYPTO.  out may equal ct. */
int fs__noise_cipher_decrypt(fs_noise_cipher *c, const uint8_t *ad,
                             size_t adlen, const uint8_t *ct, size_t ctlen,
                             uint8_t *out, size_t outcap, size_t *outlen);
/* Rekey(): k = first 32 bytes of ENCRYPT(k, 2^64-1, empty, 32 zeros).
 * n is unchanged.  FS_ESTATE if no key. */
int fs__noise_cipher_rekey(fs_noise_cipher *c);

/* ---- Hash helpers (exposed for tests and token hashing) ----------------- */

/* HMAC-BLAKE2b(key, data) -> 64 bytes, 128-byte block as in the spec. */
int fs__noise_hmac(const uint8_t *key, size_t keylen, const uint8_t *data,
                   size_t datalen, uint8_t out[FS_NOISE_HASHLEN]);
/* HKDF(ck, ikm, n) with n = 2 or 3 outputs of 64 bytes each (o3 NULL for
 * n = 2). */
int fs__noise_hkdf(const uint8_t ck[FS_NOISE_HASHLEN], const uint8_t *ikm,
                   size_t ikmlen, uint8_t o1[FS_NOISE_HASHLEN],
                   uint8_t o2[FS_NOISE_HASHLEN], uint8_t *o3);

/* ---- HandshakeState --------------------------------------------------- */

typedef enum fs_noise_pattern {
  FS_NOISE_NN = 1,
  FS_NOISE_XX,
  FS_NOISE_IK,
  FS_NOISE_KK
} fs_noise_pattern;

typedef enum fs_noise_role {
  FS_NOISE_INITIATOR = 1,
  FS_NOISE_RESPONDER
} fs_noise_role;

typedef enum fs_noise_action {
  FS_NOISE_ACTION_WRITE = 1, /* next call must be fs__noise_hs_write */
  FS_NOISE_ACTION_READ,      /* next call must be fs__noise_hs_read */
  FS_NOISE_ACTION_SPLIT,     /* handshake complete: call fs__noise_hs_split */
  FS_NOISE_ACTION_FAILED     /* an error occurred; discard the handshake */
} fs_noise_action;

typedef struct fs_noise_hs_config {
  fs_noise_pattern pattern;
  fs_noise_role role;
  const uint8_t *prologue; /* may be NULL when prologue_len == 0; copied */
  size_t prologue_len;
  /* Local static private key (32 bytes), required by XX, IK (both sides),
   * KK; ignored by NN.  Copied into sodium memory. */
  const uint8_t *s_priv;
  /* Remote static public key (32 bytes) known in advance: required by the
   * IK initiator and both KK sides; must be NULL otherwise. */
  const uint8_t *rs_pub;
  /* TESTS ONLY: fixed ephemeral private key (32 bytes); NULL = fresh
   * random key per handshake (always NULL in production). */
  const uint8_t *e_priv;
} fs_noise_hs_config;

typedef struct fs_noise_hs fs_noise_hs;

/* Initialize(): builds the protocol name "Noise_<P>_25519_ChaChaPoly_BLAKE2b",
 * mixes the prologue and the pre-message keys.  Returns 0, FS_EINVAL
 * (missing/superfluous keys, bad pattern/role), FS_ENOMEM, FS_ECRYPTO. */
int fs__noise_hs_new(fs_noise_hs **out, const fs_noise_hs_config *cfg);
/* Wipes and frees.  Takes NULL. */
void fs__noise_hs_free(fs_noise_hs *hs);

/* What the caller must do next. */
fs_noise_action fs__noise_hs_action(const fs_noise_hs *hs);

/* Bytes a message written/read next adds on top of its payload (public
 * keys, tags).  0 if no message is pending. */
size_t fs__noise_hs_overhead(const fs_noise_hs *hs);

/* WriteMessage(payload): writes the next handshake message into out
 * (outcap bytes; needs fs__noise_hs_overhead + plen) and *outlen.
 * Message total must be <= FS_NOISE_MAX_MSG.  Returns 0, FS_ESTATE (not our
 * turn / failed), FS_EINVAL (buffer too small, NULL), FS_ETOOBIG,
 * FS_ECRYPTO.  Any error except FS_ESTATE/FS_EINVAL moves to FAILED. */
int fs__noise_hs_write(fs_noise_hs *hs, const uint8_t *payload, size_t plen,
                       uint8_t *out, size_t outcap, size_t *outlen);

/* ReadMessage(msg): processes the next handshake message from the peer,
 * writing the decrypted payload to payload (cap bytes; msglen is always
 * enough) and its length to *plen.  Returns 0, FS_ESTATE, FS_EINVAL (NULL
 * or payload buffer too small), FS_ETRUNC (message shorter than the
 * pattern requires), FS_ETOOBIG (> FS_NOISE_MAX_MSG), FS_ECRYPTO (failed
 * authentication or an all-zero DH result).  Any error except
 * FS_ESTATE/FS_EINVAL moves to FAILED. */
int fs__noise_hs_read(fs_noise_hs *hs, const uint8_t *msg, size_t msglen,
                      uint8_t *payload, size_t cap, size_t *plen);

/* The remote static public key once known (pre-message or received).
 * Returns 0 or FS_ESTATE. */
int fs__noise_hs_remote_static(const fs_noise_hs *hs,
                               uint8_t out[FS_NOISE_DHLEN]);
/* The remote ephemeral public key once received.  0 or FS_ESTATE. */
int fs__noise_hs_remote_ephemeral(const fs_noise_hs *hs,
                                  uint8_t out[FS_NOISE_DHLEN]);
/* The handshake hash h (valid any time; final after the last message). */
void fs__noise_hs_hash(const fs_noise_hs *hs, uint8_t out[FS_NOISE_HASHLEN]);

/* Split(): when action is SPLIT, returns the two transport CipherStates
 * oriented for this side: *send encrypts what we send, *recv decrypts what
 * we receive (initiator send = c1, responder send = c2).  Caller owns them.
 * The handshake keeps nothing secret afterwards (free it).  Returns 0,
 * FS_ESTATE, FS_ENOMEM, FS_ECRYPTO. */
int fs__noise_hs_split(fs_noise_hs *hs, fs_noise_cipher **send,
                       fs_noise_cipher **recv);

#endif
