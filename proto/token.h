/* token.h - enrollment tokens (PROTOCOL.md s.4, "Enrollment token").
 *
 * Text form: "fs1." followed by base64url (no padding) of this binary
 * layout (all multi-byte integers big-endian):
 *
 *   offset  size     field
 *   0       1        version = 1
 *   1       1        A = length of daemon address (1..255)
 *   2       A        daemon address "host:port", printable ASCII, no spaces,
 *                    port 1..65535 after the last ':'
 *   2+A     32       daemon static X25519 public key
 *   34+A    1        S = length of staff code (2..16)
 *   35+A    S        staff code [A-Z][A-Z0-9]{1,15}
 *   35+A+S  32       secret (random; the daemon stores only its hash)
 *   67+A+S  8        expiry, unix seconds (u64)
 *   total   75+A+S   (at most FS_TOKEN_BIN_MAX = 346)
 *
 * The parser is strict: every length is checked, the total must match
 * exactly (no trailing bytes), text longer than FS_TOKEN_TEXT_MAX is
 * refused before decoding.  Expiry is NOT checked by the parser (the
 * daemon checks it against its clock, and so may the client).
 *
 * fs_token holds the secret in plain memory: wipe it with fs__token_wipe.
 */
#ifndef FS_TOKEN_H
#define FS_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define FS_TOKEN_VERSION 1
#define FS_TOKEN_PREFIX "fs1."
#define FS_TOKEN_ADDR_MAX 255
#define FS_TOKEN_STAFF_MAX 16
#define FS_TOKEN_SECRET_LEN 32
#define FS_TOKEN_KEY_LEN 32
#define FS_TOKEN_SECRET_HASH_LEN 32
#define FS_TOKEN_BIN_MAX (75 + FS_TOKEN_ADDR_MAX + FS_TOKEN_STAFF_MAX)
/* 4-char prefix + base64 of 346 bytes (462 chars) */
#define FS_TOKEN_TEXT_MAX 466

typedef struct fs_token {
  uint8_t version;                           /* FS_TOKEN_VERSION */
  char addr[FS_TOKEN_ADDR_MAX + 1];          /* NUL-terminated */
  uint8_t daemon_pub[FS_TOKEN_KEY_LEN];
  char staff_code[FS_TOKEN_STAFF_MAX + 1];   /* NUL-terminated */
  uint8_t secret[FS_TOKEN_SECRET_LEN];
  uint64_t expires_at;                       /* unix seconds */
} fs_token;

/* Fills t: version, copies addr and staff code (validated), daemon_pub,
 * a fresh random secret, expires_at.  Returns 0 or FS_EINVAL/FS_EVALIDATE
 * (bad address or staff code). */
int fs__token_make(fs_token *t, const char *addr, const char *staff_code,
                   const uint8_t daemon_pub[FS_TOKEN_KEY_LEN],
                   uint64_t expires_at);

/* Encodes t into out (cap bytes, FS_TOKEN_TEXT_MAX + 1 always suffices),
 * NUL-terminated.  Returns 0, FS_EINVAL (NULL, small buffer),
 * FS_EVALIDATE (invalid field). */
int fs__token_encode(const fs_token *t, char *out, size_t cap);

/* Strictly parses len chars of text into *t.  Returns 0, FS_EINVAL (NULL),
 * FS_ETOKEN (any malformation: prefix, base64, lengths, characters,
 * trailing bytes, too long), FS_EVERSION (version byte != 1).  On error
 * *t is wiped. */
int fs__token_parse(const char *text, size_t len, fs_token *t);

/* Parses a token as a person pasted it (issue 15): whitespace anywhere
 * (blanks around it, line breaks a terminal inserted while wrapping it) is
 * dropped first, as base64url holds none.  clean receives the token
 * without it, NUL-terminated: the text to send to the daemon.  Returns as
 * fs__token_parse; on FS_ETOKEN / FS_EVERSION err (errlen > 0) says what
 * is wrong: empty, wrong prefix, character N not allowed, too short or too
 * long (with the length this token needs), damaged address or staff code.
 * Version 1 carries no checksum: a changed character inside the secret or
 * key is found by the daemon (unknown token), not here. */
int fs__token_parse_pasted(const char *text, fs_token *t,
                           char clean[FS_TOKEN_TEXT_MAX + 1], char *err, size_t errlen);

/* The hash the daemon stores instead of the secret:
 * BLAKE2b-256(key = none, "fieldsync token v1" || secret).  Compare with
 * sodium_memcmp.  Returns 0, FS_EINVAL, FS_ECRYPTO. */
int fs__token_secret_hash(const uint8_t secret[FS_TOKEN_SECRET_LEN],
                          uint8_t out[FS_TOKEN_SECRET_HASH_LEN]);

/* Zeroes *t (sodium_memzero).  Takes NULL. */
void fs__token_wipe(fs_token *t);

#endif
