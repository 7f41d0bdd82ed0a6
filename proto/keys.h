/* keys.h - X25519 identities of devices and of the daemon, key files and
 * base64 helpers (PROTOCOL.md s.2).
 *
 * Text form of keys and tokens: base64url without padding
 * (sodium_base64_VARIANT_URLSAFE_NO_PADDING); a 32-byte key is 43 chars.
 *
 * Key files:
 *   <path>      private key, 43 base64 chars + "\n", mode 0600, created with
 *               O_CREAT|O_EXCL (never overwrites).
 *   <path>.pub  public key, same text form, mode 0644.
 * Loading refuses a private key file that group or others can access
 * (FS_EKEYPERM, with an error log telling to chmod 600 it).
 *
 * Private keys live in sodium_malloc'd memory and are never logged.
 */
#ifndef FS_KEYS_H
#define FS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define FS_KEY_LEN 32
#define FS_KEY_B64_LEN 43 /* base64url, no padding, of 32 bytes */

typedef struct fs_keypair {
  uint8_t pub[FS_KEY_LEN]; /* public key, plain memory */
  uint8_t *priv;           /* FS_KEY_LEN bytes in sodium_malloc memory */
} fs_keypair;

/* Generates a fresh X25519 key pair.  *out owned by the caller
 * (fs__keypair_free).  Returns 0, FS_EINVAL, FS_ENOMEM, FS_ECRYPTO. */
int fs__keypair_generate(fs_keypair **out);

/* Builds a key pair from a private key (copied; public key derived).
 * Returns 0, FS_EINVAL, FS_ENOMEM, FS_ECRYPTO. */
int fs__keypair_from_private(fs_keypair **out, const uint8_t priv[FS_KEY_LEN]);

/* Wipes and frees.  Takes NULL. */
void fs__keypair_free(fs_keypair *kp);

/* Writes priv_path (0600, O_EXCL) and priv_path + ".pub".  Returns 0,
 * FS_EINVAL, FS_EEXIST (a file already exists; nothing written),
 * FS_EIO, FS_ENOMEM.  On failure no half-written private key is left. */
int fs__keypair_save(const fs_keypair *kp, const char *priv_path);

/* Loads a private key file written by fs__keypair_save (the .pub file is
 * not needed: the public key is derived).  Returns 0, FS_EINVAL,
 * FS_ENOTFOUND (no such file), FS_EKEYPERM (file accessible by group or
 * others), FS_EIO, FS_ECRYPTO (malformed content), FS_ENOMEM. */
int fs__keypair_load(fs_keypair **out, const char *priv_path);

/* Loads a public key file (one base64url key, optional trailing newline).
 * Returns 0, FS_EINVAL, FS_ENOTFOUND, FS_EIO, FS_ECRYPTO (malformed). */
int fs__pubkey_load(const char *path, uint8_t pub[FS_KEY_LEN]);

/* base64url (no padding) encode: writes a NUL-terminated string into out
 * (cap bytes, needs fs__base64_encoded_len(len) + 1).  Returns 0 or
 * FS_EINVAL. */
int fs__base64_encode(const uint8_t *bin, size_t len, char *out, size_t cap);
/* Encoded length (without NUL) of len bytes. */
size_t fs__base64_encoded_len(size_t len);
/* Strict decode of exactly slen chars (no whitespace, no padding, no
 * trailing garbage) into out (cap bytes); *outlen gets the length.
 * Returns 0, FS_EINVAL (NULL), FS_ETOOBIG (cap too small), FS_EPROTO
 * (not valid base64url). */
int fs__base64_decode(const char *s, size_t slen, uint8_t *out, size_t cap,
                      size_t *outlen);

/* A 32-byte key to/from its 43-char text.  from_text requires exactly 43
 * valid chars: 0, FS_EINVAL, FS_EPROTO. */
int fs__key_to_text(const uint8_t key[FS_KEY_LEN],
                    char out[FS_KEY_B64_LEN + 1]);
int fs__key_from_text(const char *s, size_t slen, uint8_t key[FS_KEY_LEN]);

#endif
