/* money.c - currency units in text, minor units inside (see money.h). */
#include "money.h"

#include <stdio.h>
#include <string.h>

#include "fs_errno.h"

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* The integer part: digits, or groups of three separated by commas after
 * a first group of one to three.  Accumulates into *v; 0 or FS_EUSAGE /
 * FS_EOVERFLOW.  *pp ends past it. */
static int integer_part(const char **pp, const char *end, int64_t *v) {
  const char *p = *pp;
  int digits = 0, group = 0, commas = 0;

  for (; p < end && (is_digit(*p) || *p == ','); p++) {
    if (*p == ',') {
      /* first group 1-3 digits, later ones exactly 3 */
      if (group == 0 || (commas == 0 && group > 3) || (commas > 0 && group != 3))
        return FS_EUSAGE;
      commas++;
      group = 0;
      continue;
    }
    if (*v > FS_MONEY_MINOR_MAX / 10)
      return FS_EOVERFLOW;
    *v = *v * 10 + (*p - '0');
    digits++;
    group++;
  }
  if (digits == 0 || (commas > 0 && group != 3))
    return FS_EUSAGE;
  *pp = p;
  return 0;
}

int fs__money_parse(const char *text, int64_t *minor) {
  const char *p, *end;
  int64_t units = 0, cents = 0;
  int neg = 0, rc;

  if (text == NULL || minor == NULL)
    return FS_EUSAGE;
  p = text;
  end = text + strlen(text);
  while (p < end && is_blank(*p))
    p++;
  while (end > p && is_blank(end[-1]))
    end--;
  if (p < end && (*p == '-' || *p == '+'))
    neg = *p++ == '-';
  rc = integer_part(&p, end, &units);
  if (rc)
    return rc;
  if (p < end && *p == '.') {
    int nd = 0;
    for (p++; p < end && is_digit(*p); p++, nd++) {
      if (nd == 2)
        return FS_EUSAGE; /* a third decimal: minor units are cents */
      cents = cents * 10 + (*p - '0');
    }
    if (nd == 0)
      return FS_EUSAGE;
    if (nd == 1)
      cents *= 10;
  }
  if (p != end)
    return FS_EUSAGE;
  if (units > FS_MONEY_MINOR_MAX / 100 || units * 100 + cents > FS_MONEY_MINOR_MAX)
    return FS_EOVERFLOW;
  *minor = (neg ? -1 : 1) * (units * 100 + cents);
  return 0;
}

/* "12,345.60" (commas set) or "12345.60" into buf: fs__money_format's
 * returns. */
static int money_text(int64_t minor, int commas, char *buf, size_t cap) {
  char digits[24], out[FS__MONEY_TEXT_MAX];
  /* The magnitude as unsigned: -INT64_MIN does not fit an int64. */
  uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
  int nd = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)(mag / 100));
  size_t o = 0;

  if (minor < 0)
    out[o++] = '-';
  for (int i = 0; i < nd; i++) {
    if (commas && i > 0 && (nd - i) % 3 == 0)
      out[o++] = ',';
    out[o++] = digits[i];
  }
  o += (size_t)snprintf(out + o, sizeof(out) - o, ".%02u", (unsigned)(mag % 100));
  if (o + 1 > cap) {
    if (cap > 0)
      buf[0] = '\0';
    return FS_EOVERFLOW;
  }
  memcpy(buf, out, o + 1);
  return (int)o;
}

int fs__money_format(int64_t minor, char *buf, size_t cap) {
  return money_text(minor, 1, buf, cap);
}

int fs__money_plain(int64_t minor, char *buf, size_t cap) {
  return money_text(minor, 0, buf, cap);
}
