/* utf8.c - UTF-8 decoding and display widths (utf8.h). */
#include "utf8.h"

#include <string.h>

/* East Asian Wide (W) and Fullwidth (F) ranges, from Unicode's
 * EastAsianWidth.txt, coarsened to blocks; sorted. */
static const struct {
  uint32_t lo, hi;
} wide[] = {
    {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
    {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},   {0x4e00, 0x9fff},
    {0xa000, 0xa4cf},   {0xa960, 0xa97f},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},
    {0xfe10, 0xfe19},   {0xfe30, 0xfe6f},   {0xff00, 0xff60},   {0xffe0, 0xffe6},
    {0x16fe0, 0x18cff}, {0x1b000, 0x1b2ff}, {0x1f004, 0x1f004}, {0x1f0cf, 0x1f0cf},
    {0x1f18e, 0x1f18e}, {0x1f191, 0x1f19a}, {0x1f200, 0x1f251}, {0x1f300, 0x1f64f},
    {0x1f680, 0x1f6ff}, {0x1f900, 0x1f9ff}, {0x1fa70, 0x1faff}, {0x20000, 0x2fffd},
    {0x30000, 0x3fffd},
};

size_t fs__utf8_next(const unsigned char *s, size_t n, uint32_t *cp) {
  uint32_t c = s[0];
  size_t len;

  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c < 0xe0)
    len = 2, c &= 0x1f;
  else if (c >= 0xe0 && c < 0xf0)
    len = 3, c &= 0x0f;
  else if (c >= 0xf0 && c < 0xf5)
    len = 4, c &= 0x07;
  else
    len = 0;
  if (len == 0 || len > n) {
    *cp = 0xfffd;
    return 1;
  }
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      *cp = 0xfffd;
      return 1;
    }
    c = (c << 6) | (s[i] & 0x3f);
  }
  *cp = c;
  return len;
}

int fs__cp_is_control(uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

int fs__cp_width(uint32_t cp) {
  size_t lo = 0, hi = sizeof(wide) / sizeof(wide[0]);

  if (fs__cp_is_control(cp))
    return 0;
  /* Combining marks and zero-width characters. */
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
      (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x20d0 && cp <= 0x20ff))
    return 0;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cp < wide[mid].lo)
      hi = mid;
    else if (cp > wide[mid].hi)
      lo = mid + 1;
    else
      return 2;
  }
  return 1;
}

size_t fs__shown_next(const unsigned char *s, size_t n, int keep_newline,
                      const char **shown, size_t *shown_len, int *cols) {
  uint32_t cp;
  size_t k = fs__utf8_next(s, n, &cp);

  if (cp == '\n' && keep_newline) {
    *shown = "\n";
    *shown_len = 1;
    *cols = 0;
  } else if (fs__cp_is_control(cp)) {
    /* An escape sequence in a customer's name must not drive a terminal. */
    *shown = " ";
    *shown_len = 1;
    *cols = 1;
  } else if (cp == 0xfffd && k == 1) {
    *shown = "?";
    *shown_len = 1;
    *cols = 1;
  } else {
    *shown = (const char *)s;
    *shown_len = k;
    *cols = fs__cp_width(cp);
  }
  return k;
}

size_t fs__display_width(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = 0, w = 0;

  while (p && p[n])
    n++;
  while (n > 0) {
    const char *shown;
    size_t len, k;
    int cols;
    k = fs__shown_next(p, n, 0, &shown, &len, &cols);
    w += (size_t)cols;
    p += k;
    n -= k;
  }
  return w;
}

void fs__print_text(FILE *f, const char *s, int indent) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p);

  while (n > 0) {
    const char *shown;
    size_t len, k;
    int cols;
    k = fs__shown_next(p, n, indent >= 0, &shown, &len, &cols);
    fwrite(shown, 1, len, f);
    if (*shown == '\n' && indent > 0)
      fprintf(f, "%*s", indent, "");
    p += k;
    n -= k;
  }
}

size_t fs__shown_line(char *s) {
  size_t n = strlen(s), i = 0, j = 0;

  while (i < n) {
    const char *shown;
    size_t len, k;
    int cols;
    k = fs__shown_next((const unsigned char *)s + i, n - i, 0, &shown, &len, &cols);
    memmove(s + j, shown, len); /* len <= k and j <= i: never overtakes the input */
    i += k;
    j += len;
  }
  s[j] = '\0';
  return j;
}
