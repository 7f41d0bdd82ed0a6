/* strbuf.c - bounded text builder (strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"

void fs__strbuf_init(fs__strbuf *b, size_t max) {
  memset(b, 0, sizeof(*b));
  b->max = max;
}

void fs__strbuf_release(fs__strbuf *b) {
  if (b == NULL)
    return;
  free(b->s);
  memset(b, 0, sizeof(*b));
}

static int reserve(fs__strbuf *b, size_t n) {
  size_t need = b->len + n + 1, cap;
  char *p;

  if (b->overflow)
    return FS_EOVERFLOW;
  if (b->len + n > b->max) {
    b->overflow = 1;
    return FS_EOVERFLOW;
  }
  if (need <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap *= 2;
  p = realloc(b->s, cap);
  if (p == NULL) {
    b->overflow = 1;
    return FS_ENOMEM;
  }
  b->s = p;
  b->cap = cap;
  return 0;
}

int fs__strbuf_append(fs__strbuf *b, const char *s, size_t n) {
  int rc = reserve(b, n);
  if (rc)
    return rc;
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
  return 0;
}

int fs__strbuf_printf(fs__strbuf *b, const char *fmt, ...) {
  va_list ap;
  int n, rc;

  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return FS_EINVAL;
  rc = reserve(b, (size_t)n);
  if (rc)
    return rc;
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

size_t fs__json_escape(unsigned char c, char esc[FS_JSON_ESC_MAX]) {
  char two = 0;

  switch (c) {
  case '"':
    two = '"';
    break;
  case '\\':
    two = '\\';
    break;
  case '\n':
    two = 'n';
    break;
  case '\r':
    two = 'r';
    break;
  case '\t':
    two = 't';
    break;
  case '\b':
    two = 'b';
    break;
  case '\f':
    two = 'f';
    break;
  default:
    break;
  }
  if (two) {
    esc[0] = '\\';
    esc[1] = two;
    esc[2] = '\0';
    return 2;
  }
  if (c < 0x20)
    return (size_t)snprintf(esc, FS_JSON_ESC_MAX, "\\u%04x", (unsigned)c);
  return 0;
}

int fs__strbuf_json_str(fs__strbuf *b, const char *s) {
  char esc[FS_JSON_ESC_MAX];
  size_t n;
  int rc = 0;

  if (s == NULL)
    return fs__strbuf_append(b, "null", 4);
  rc = fs__strbuf_append(b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; rc == 0 && *p; p++) {
    n = fs__json_escape(*p, esc);
    rc = n ? fs__strbuf_append(b, esc, n) : fs__strbuf_append(b, (const char *)p, 1);
  }
  if (rc == 0)
    rc = fs__strbuf_append(b, "\"", 1);
  return rc;
}

/* Decodes one UTF-8 sequence; returns its length (1 for invalid bytes). */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp) {
  if (p[0] < 0x80) {
    *cp = p[0];
    return 1;
  }
  if ((p[0] & 0xE0) == 0xC0 && n >= 2 && (p[1] & 0xC0) == 0x80) {
    *cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if ((p[0] & 0xF0) == 0xE0 && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
    *cp =
        ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return 3;
  }
  if ((p[0] & 0xF8) == 0xF0 && n >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 &&
      (p[3] & 0xC0) == 0x80) {
    *cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
          ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
  }
  *cp = 0xFFFD;
  return 1;
}

static int cp_width(uint32_t c) {
  if (c == 0)
    return 0;
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
      (c >= 0xFE00 && c <= 0xFE0F))
    return 0;
  /* East Asian Wide (W) and Fullwidth (F) blocks. */
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
      (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
    return 2;
  return 1;
}

int fs__utf8_width(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  int w = 0;
  while (n > 0) {
    uint32_t cp;
    size_t k = utf8_next(p, n, &cp);
    w += cp_width(cp);
    p += k;
    n -= k;
  }
  return w;
}

int fs__strbuf_pad(fs__strbuf *b, const char *s, int width) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p), used = 0;
  int w = 0, rc;

  /* Take whole characters while they fit. */
  while (used < n) {
    uint32_t cp;
    size_t k = utf8_next(p + used, n - used, &cp);
    int cw = cp_width(cp);
    if (w + cw > width)
      break;
    w += cw;
    used += k;
  }
  rc = fs__strbuf_append(b, (const char *)p, used);
  while (rc == 0 && w < width) {
    rc = fs__strbuf_append(b, " ", 1);
    w++;
  }
  return rc;
}

char *fs__strbuf_take(fs__strbuf *b) {
  char *s = b->s;
  if (s == NULL)
    s = strdup("");
  memset(b, 0, sizeof(*b));
  return s;
}
