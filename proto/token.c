/* token.c - enrollment token encode / strict parse (layout in token.h). */
#include "token.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "fs_errno.h"
#include "keys.h"

#define PREFIX_LEN 4
#define HASH_DOMAIN "fieldsync token v1"

/* host:port, printable ASCII without spaces, port 1..65535 after the last
 * ':' with no leading zero. */
static int addr_valid(const char *a, size_t len) {
  size_t colon = len, i;
  unsigned long port = 0;
  if (len == 0 || len > FS_TOKEN_ADDR_MAX)
    return 0;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)a[i];
    if (c <= 0x20 || c >= 0x7f)
      return 0;
    if (c == ':')
      colon = i;
  }
  if (colon == len || colon == 0 || len - colon - 1 < 1 || len - colon - 1 > 5)
    return 0;
  if (a[colon + 1] == '0')
    return 0;
  for (i = colon + 1; i < len; i++) {
    if (a[i] < '0' || a[i] > '9')
      return 0;
    port = port * 10 + (unsigned long)(a[i] - '0');
  }
  return port >= 1 && port <= 65535;
}

/* [A-Z][A-Z0-9]{1,15} */
static int staff_valid(const char *s, size_t len) {
  if (len < 2 || len > FS_TOKEN_STAFF_MAX)
    return 0;
  if (s[0] < 'A' || s[0] > 'Z')
    return 0;
  for (size_t i = 1; i < len; i++)
    if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
      return 0;
  return 1;
}

void fs__token_wipe(fs_token *t) {
  if (t)
    sodium_memzero(t, sizeof(*t));
}

int fs__token_make(fs_token *t, const char *addr, const char *staff_code,
                   const uint8_t daemon_pub[FS_TOKEN_KEY_LEN],
                   uint64_t expires_at) {
  size_t al, sl;
  if (!t || !addr || !staff_code || !daemon_pub)
    return FS_EINVAL;
  al = strnlen(addr, FS_TOKEN_ADDR_MAX + 1);
  sl = strnlen(staff_code, FS_TOKEN_STAFF_MAX + 1);
  if (!addr_valid(addr, al) || !staff_valid(staff_code, sl))
    return FS_EVALIDATE;
  if (sodium_init() < 0)
    return FS_ECRYPTO;
  memset(t, 0, sizeof(*t));
  t->version = FS_TOKEN_VERSION;
  memcpy(t->addr, addr, al);
  memcpy(t->staff_code, staff_code, sl);
  memcpy(t->daemon_pub, daemon_pub, FS_TOKEN_KEY_LEN);
  randombytes_buf(t->secret, FS_TOKEN_SECRET_LEN);
  t->expires_at = expires_at;
  return 0;
}

int fs__token_encode(const fs_token *t, char *out, size_t cap) {
  uint8_t bin[FS_TOKEN_BIN_MAX];
  size_t al, sl, pos = 0;
  int rc;
  if (!t || !out)
    return FS_EINVAL;
  al = strnlen(t->addr, sizeof(t->addr));
  sl = strnlen(t->staff_code, sizeof(t->staff_code));
  if (t->version != FS_TOKEN_VERSION || !addr_valid(t->addr, al) ||
      !staff_valid(t->staff_code, sl))
    return FS_EVALIDATE;
  bin[pos++] = t->version;
  bin[pos++] = (uint8_t)al;
  memcpy(bin + pos, t->addr, al);
  pos += al;
  memcpy(bin + pos, t->daemon_pub, FS_TOKEN_KEY_LEN);
  pos += FS_TOKEN_KEY_LEN;
  bin[pos++] = (uint8_t)sl;
  memcpy(bin + pos, t->staff_code, sl);
  pos += sl;
  memcpy(bin + pos, t->secret, FS_TOKEN_SECRET_LEN);
  pos += FS_TOKEN_SECRET_LEN;
  for (int i = 7; i >= 0; i--)
    bin[pos++] = (uint8_t)(t->expires_at >> (8 * i));
  if (cap < PREFIX_LEN + fs__base64_encoded_len(pos) + 1) {
    rc = FS_EINVAL;
    goto out;
  }
  memcpy(out, FS_TOKEN_PREFIX, PREFIX_LEN);
  rc = fs__base64_encode(bin, pos, out + PREFIX_LEN, cap - PREFIX_LEN);
out:
  sodium_memzero(bin, sizeof(bin));
  return rc;
}

int fs__token_parse(const char *text, size_t len, fs_token *t) {
  uint8_t bin[FS_TOKEN_BIN_MAX];
  size_t n = 0, pos = 0, al, sl;
  int rc = FS_ETOKEN;

  if (!t || (!text && len))
    return FS_EINVAL;
  memset(t, 0, sizeof(*t));
  /* Bounded before decoding anything. */
  if (len <= PREFIX_LEN || len > FS_TOKEN_TEXT_MAX ||
      memcmp(text, FS_TOKEN_PREFIX, PREFIX_LEN) != 0)
    goto out;
  if (fs__base64_decode(text + PREFIX_LEN, len - PREFIX_LEN, bin, sizeof(bin),
                        &n) != 0)
    goto out;
  if (n < 1)
    goto out;
  if (bin[0] != FS_TOKEN_VERSION) {
    rc = FS_EVERSION;
    goto out;
  }
  pos = 1;
  if (n < pos + 1)
    goto out;
  al = bin[pos++];
  if (n < pos + al || !addr_valid((const char *)bin + pos, al))
    goto out;
  memcpy(t->addr, bin + pos, al);
  pos += al;
  if (n < pos + FS_TOKEN_KEY_LEN + 1)
    goto out;
  memcpy(t->daemon_pub, bin + pos, FS_TOKEN_KEY_LEN);
  pos += FS_TOKEN_KEY_LEN;
  sl = bin[pos++];
  if (n < pos + sl || !staff_valid((const char *)bin + pos, sl))
    goto out;
  memcpy(t->staff_code, bin + pos, sl);
  pos += sl;
  /* secret + expiry must end exactly at the last byte: no trailing data */
  if (n != pos + FS_TOKEN_SECRET_LEN + 8)
    goto out;
  memcpy(t->secret, bin + pos, FS_TOKEN_SECRET_LEN);
  pos += FS_TOKEN_SECRET_LEN;
  for (int i = 0; i < 8; i++)
    t->expires_at = (t->expires_at << 8) | bin[pos++];
  t->version = FS_TOKEN_VERSION;
  rc = 0;
out:
  sodium_memzero(bin, sizeof(bin));
  if (rc)
    fs__token_wipe(t);
  return rc;
}

static int b64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '_';
}

/* Characters of the text form of a token of `bytes` bytes. */
static size_t text_len(size_t bytes) {
  return PREFIX_LEN + fs__base64_encoded_len(bytes);
}

/* Says why the whitespace-free token s (len chars) does not parse; rc is
 * what fs__token_parse returned. */
static void token_explain(const char *s, size_t len, int rc, char *err, size_t errlen) {
  uint8_t bin[FS_TOKEN_BIN_MAX];
  size_t n = 0, whole, need = 0;

  if (len == 0) {
    snprintf(err, errlen,
             "the enrollment token is empty; paste the whole token "
             "(it starts with " FS_TOKEN_PREFIX ")");
    return;
  }
  if (len < PREFIX_LEN || memcmp(s, FS_TOKEN_PREFIX, PREFIX_LEN) != 0) {
    if (len >= PREFIX_LEN && s[0] == 'f' && s[1] == 's' && isdigit((unsigned char)s[2]) &&
        s[3] == '.')
      snprintf(err, errlen,
               "the enrollment token is of version %c (it starts with %.4s); "
               "this fieldsync reads " FS_TOKEN_PREFIX " tokens: update it",
               s[2], s);
    else
      snprintf(err, errlen,
               "this is not an enrollment token: it must start with " FS_TOKEN_PREFIX
               "; copy the whole token");
    return;
  }
  if (len > FS_TOKEN_TEXT_MAX) {
    snprintf(err, errlen,
             "the enrollment token is too long: %zu characters, a token has at "
             "most %d; copy only the token",
             len, FS_TOKEN_TEXT_MAX);
    return;
  }
  for (size_t i = PREFIX_LEN; i < len; i++) {
    if (!b64_char(s[i])) {
      unsigned char c = (unsigned char)s[i];
      char shown[8];
      if (c > 0x20 && c < 0x7f)
        snprintf(shown, sizeof(shown), "'%c'", c);
      else
        snprintf(shown, sizeof(shown), "0x%02x", c);
      snprintf(err, errlen,
               "the enrollment token has a character that no token holds at "
               "position %zu (%s; tokens use A-Z a-z 0-9 - _ after " FS_TOKEN_PREFIX
               "); copy it again",
               i + 1, shown);
      return;
    }
  }
  if (rc == FS_EVERSION) {
    snprintf(err, errlen,
             "the enrollment token is of a newer format than this fieldsync "
             "reads; update fieldsync");
    return;
  }
  /* The lengths inside tell how long the whole token must be: decode what
   * whole 4-character groups there are (always valid base64url). */
  whole = (len - PREFIX_LEN) / 4 * 4;
  if (whole > 0 && fs__base64_decode(s + PREFIX_LEN, whole, bin, sizeof(bin), &n) == 0 &&
      n >= 2) {
    size_t al = bin[1];
    if (n < 2 + al || !addr_valid((const char *)bin + 2, al)) {
      if (n >= 2 + al)
        snprintf(err, errlen,
                 "the enrollment token is damaged: the daemon address in it is "
                 "invalid; copy it again");
    } else if (n >= 35 + al) {
      size_t sl = bin[34 + al];
      if (sl < 2 || sl > FS_TOKEN_STAFF_MAX ||
          (n >= 35 + al + sl && !staff_valid((const char *)bin + 35 + al, sl)))
        snprintf(err, errlen,
                 "the enrollment token is damaged: the staff code in it is "
                 "invalid; copy it again");
      else
        need = text_len(75 + al + sl);
    }
    if (err[0])
      return;
  }
  if (need && len < need)
    snprintf(err, errlen,
             "the enrollment token is too short: %zu characters where it needs "
             "%zu (the last %zu are missing); copy it again in full",
             len, need, need - len);
  else if (need && len > need)
    snprintf(err, errlen,
             "the enrollment token is too long: %zu characters where it needs "
             "%zu (%zu extra at the end); copy only the token",
             len, need, len - need);
  else if (need)
    snprintf(err, errlen,
             "the enrollment token's last character is wrong (character %zu); "
             "copy it again",
             len);
  else
    snprintf(err, errlen,
             "the enrollment token is too short (%zu characters); copy it again "
             "in full",
             len);
  sodium_memzero(bin, sizeof(bin));
}

int fs__token_parse_pasted(const char *text, fs_token *t,
                           char clean[FS_TOKEN_TEXT_MAX + 1], char *err, size_t errlen) {
  size_t n = 0, over = 0;
  int rc;

  if (!text || !t || !clean || !err || errlen == 0)
    return FS_EINVAL;
  err[0] = '\0';
  /* Keep every non-blank character; count what does not fit so that the
   * length said is the real one. */
  for (const char *p = text; *p; p++) {
    if (isspace((unsigned char)*p))
      continue;
    if (n < FS_TOKEN_TEXT_MAX + 1)
      clean[n++] = *p;
    else
      over++;
  }
  if (n > FS_TOKEN_TEXT_MAX) {
    clean[FS_TOKEN_TEXT_MAX] = '\0';
    snprintf(err, errlen,
             "the enrollment token is too long: %zu characters, a token has at "
             "most %d; copy only the token",
             n + over, FS_TOKEN_TEXT_MAX);
    fs__token_wipe(t);
    return FS_ETOKEN;
  }
  clean[n] = '\0';
  rc = fs__token_parse(clean, n, t);
  if (rc == FS_ETOKEN || rc == FS_EVERSION)
    token_explain(clean, n, rc, err, errlen);
  return rc;
}

int fs__token_secret_hash(const uint8_t secret[FS_TOKEN_SECRET_LEN],
                          uint8_t out[FS_TOKEN_SECRET_HASH_LEN]) {
  crypto_generichash_state st;
  int rc = 0;
  if (!secret || !out)
    return FS_EINVAL;
  if (sodium_init() < 0)
    return FS_ECRYPTO;
  /* Domain-separated so the stored hash is useless for anything else. */
  if (crypto_generichash_init(&st, NULL, 0, FS_TOKEN_SECRET_HASH_LEN) ||
      crypto_generichash_update(&st, (const uint8_t *)HASH_DOMAIN,
                                sizeof(HASH_DOMAIN) - 1) ||
      crypto_generichash_update(&st, secret, FS_TOKEN_SECRET_LEN) ||
      crypto_generichash_final(&st, out, FS_TOKEN_SECRET_HASH_LEN))
    rc = FS_ECRYPTO;
  sodium_memzero(&st, sizeof(st));
  return rc;
}
