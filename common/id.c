/* id.c - time-ordered 128-bit record ids (see id.h). */
#include "id.h"

#include <sodium.h>
#include <stdatomic.h>
#include <string.h>

#include "hlc.h"
#include "model.h" /* FS_ID_HEX, FS_STAFF_MAX */

static atomic_int sodium_ready;

/* sodium_init() is idempotent and thread-safe, but takes a lock each call;
 * the flag makes the common case a single atomic load.  If it ever failed
 * (it does not on Linux), randombytes_buf() still initialises its default
 * generator on first use. */
static void sodium_ensure(void) {
  if (atomic_load_explicit(&sodium_ready, memory_order_acquire))
    return;
  if (sodium_init() >= 0)
    atomic_store_explicit(&sodium_ready, 1, memory_order_release);
}

static void hex_encode(char *out, const unsigned char *b, size_t n) {
  static const char digits[] = "0123456789abcdef";

  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[b[i] >> 4];
    out[2 * i + 1] = digits[b[i] & 0x0f];
  }
  out[2 * n] = '\0';
}

void fs__id_new_at(char out[33], uint64_t ms) {
  unsigned char b[16];

  sodium_ensure();
  /* Big-endian milliseconds first, so the hex text sorts by creation time. */
  for (int i = 0; i < 6; i++)
    b[i] = (unsigned char)(ms >> (8 * (5 - i)));
  randombytes_buf(b + 6, sizeof(b) - 6);
  hex_encode(out, b, sizeof(b));
  sodium_memzero(b, sizeof(b));
}

void fs__id_new(char out[33]) {
  fs__id_new_at(out, fs__now_ms());
}

int fs__id_valid(const char *s) {
  if (s == NULL)
    return 0;
  for (int i = 0; i < FS_ID_HEX; i++) {
    char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return 0; /* also stops at the NUL of a short string */
  }
  return s[FS_ID_HEX] == '\0';
}

uint64_t fs__id_ms(const char *s) {
  uint64_t ms = 0;

  if (!fs__id_valid(s))
    return 0;
  for (int i = 0; i < 12; i++) {
    char c = s[i];
    ms = (ms << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return ms;
}

int fs__staff_code_valid(const char *s) {
  size_t n;

  if (s == NULL || !(s[0] >= 'A' && s[0] <= 'Z'))
    return 0;
  for (n = 1; s[n]; n++) {
    if (n >= FS_STAFF_MAX)
      return 0;
    if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9')))
      return 0;
  }
  return n >= 2;
}
