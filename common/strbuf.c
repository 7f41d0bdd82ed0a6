/* strbuf.c - bounded text builder (strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_assert.h"
#include "fs_errno.h"
#include "utf8.h"

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
  FS_ASSERT(b->len < b->cap); /* reserve kept room for the NUL */
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

int fs__strbuf_pad(fs__strbuf *b, const char *s, int width) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p), used = 0;
  int w = 0, rc = 0;

  /* Whole characters while they fit, each shown as utf8.h says. */
  while (used < n && rc == 0) {
    const char *shown;
    size_t len, k;
    int cw;
    k = fs__shown_next(p + used, n - used, 0, &shown, &len, &cw);
    if (width >= 0 && w + cw > width)
      break;
    rc = fs__strbuf_append(b, shown, len);
    w += cw;
    used += k;
  }
  while (rc == 0 && w < width) {
    rc = fs__strbuf_append(b, " ", 1);
    w++;
  }
  return rc;
}

/* 1 if s is a plain decimal number a program wrote: -?[0-9]+(.[0-9]+)? */
static int csv_number(const char *s) {
  size_t i = s[0] == '-', d = 0;

  while (s[i] >= '0' && s[i] <= '9')
    i++, d++;
  if (d == 0)
    return 0;
  if (s[i] == '.') {
    d = 0;
    for (i++; s[i] >= '0' && s[i] <= '9'; i++)
      d++;
    if (d == 0)
      return 0;
  }
  return s[i] == '\0';
}

int fs__strbuf_csv_cell(fs__strbuf *b, const char *s) {
  int neutralise, rc = 0;

  if (s == NULL)
    s = "";
  /* OWASP "CSV Injection": a spreadsheet runs a cell that starts with one
   * of these as a formula (=cmd|' /C calc'!A0).  A leading apostrophe makes
   * it text.  A whole number cannot be a formula and stays a number. */
  neutralise = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0' && !csv_number(s);
  if (strpbrk(s, ",\"\r\n") == NULL) {
    if (neutralise)
      rc = fs__strbuf_append(b, "'", 1);
    return rc ? rc : fs__strbuf_append(b, s, strlen(s));
  }
  rc = fs__strbuf_append(b, neutralise ? "\"'" : "\"", neutralise ? 2 : 1);
  for (const char *p = s; rc == 0 && *p; p++)
    rc = *p == '"' ? fs__strbuf_append(b, "\"\"", 2) : fs__strbuf_append(b, p, 1);
  if (rc == 0)
    rc = fs__strbuf_append(b, "\"", 1);
  return rc;
}

int fs__strbuf_csv_row(fs__strbuf *b, int n, const char *const *cells, const char *eol) {
  int rc = 0;

  for (int c = 0; rc == 0 && c < n; c++) {
    if (c)
      rc = fs__strbuf_append(b, ",", 1);
    if (rc == 0)
      rc = fs__strbuf_csv_cell(b, cells[c]);
  }
  return rc ? rc : fs__strbuf_append(b, eol, strlen(eol));
}

char *fs__strbuf_take(fs__strbuf *b) {
  char *s = b->s;
  if (s == NULL)
    s = strdup("");
  memset(b, 0, sizeof(*b));
  return s;
}
