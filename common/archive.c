/* archive.c - customer archive numbers <rep>-<year>-<serial> (archive.h). */
#include "archive.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_errno.h"
#include "id.h"

uint64_t fs__archive_serial(int slot, uint64_t n) {
  uint64_t block, base;

  if (slot < 1 || slot > FS_ARCHIVE_SLOTS)
    return 0;
  block = n / FS_ARCHIVE_BLOCK;
  /* serial = (block * SLOTS + slot - 1) * BLOCK + n % BLOCK + 1, kept within
   * FS_ARCHIVE_SERIAL_MAX; check before multiplying so nothing wraps. */
  if (block > (FS_ARCHIVE_SERIAL_MAX / FS_ARCHIVE_BLOCK) / FS_ARCHIVE_SLOTS)
    return 0;
  base = (block * FS_ARCHIVE_SLOTS + (uint64_t)(slot - 1)) * FS_ARCHIVE_BLOCK;
  if (base > FS_ARCHIVE_SERIAL_MAX - FS_ARCHIVE_BLOCK)
    return 0;
  return base + n % FS_ARCHIVE_BLOCK + 1;
}

int fs__archive_format(char *buf, size_t len, const char *rep, int year,
                       uint64_t serial) {
  int n;

  if (buf == NULL || len == 0)
    return FS_EINVAL;
  buf[0] = '\0';
  if (!fs__staff_code_valid(rep) || year < FS_ARCHIVE_YEAR_MIN ||
      year > FS_ARCHIVE_YEAR_MAX || serial < 1 || serial > FS_ARCHIVE_SERIAL_MAX)
    return FS_EINVAL;
  n = snprintf(buf, len, "%s-%04d-%04" PRIu64, rep, year, serial);
  if (n < 0 || (size_t)n >= len) {
    buf[0] = '\0'; /* never hand out a truncated number */
    return FS_EOVERFLOW;
  }
  return 0;
}

int fs__archive_parse(const char *s, char rep[17], int *year, uint64_t *serial) {
  const char *p, *dash;
  size_t nrep, ndig;
  int y = 0;
  uint64_t v = 0;

  if (s == NULL || rep == NULL || year == NULL || serial == NULL)
    return FS_EINVAL;
  /* Staff codes contain no '-', so the first '-' ends the rep code. */
  dash = strchr(s, '-');
  if (dash == NULL)
    return FS_EINVAL;
  nrep = (size_t)(dash - s);
  if (nrep < 2 || nrep > FS_ARCHIVE_REP_MAX)
    return FS_EINVAL;
  memcpy(rep, s, nrep);
  rep[nrep] = '\0';
  if (!fs__staff_code_valid(rep))
    goto bad;
  p = dash + 1;
  for (int i = 0; i < 4; i++, p++) {
    if (*p < '0' || *p > '9')
      goto bad;
    y = y * 10 + (*p - '0');
  }
  if (*p++ != '-' || y < FS_ARCHIVE_YEAR_MIN || y > FS_ARCHIVE_YEAR_MAX)
    goto bad;
  /* The serial must be in canonical form (what fs__archive_format prints):
   * at least four digits, no leading zero beyond that padding, so that every
   * serial has exactly one spelling and text comparisons find duplicates. */
  for (ndig = 0; p[ndig]; ndig++) {
    if (p[ndig] < '0' || p[ndig] > '9')
      goto bad;
    if (v > (FS_ARCHIVE_SERIAL_MAX - (uint64_t)(p[ndig] - '0')) / 10)
      goto bad;
    v = v * 10 + (uint64_t)(p[ndig] - '0');
  }
  if (ndig < 4 || (ndig > 4 && p[0] == '0') || v < 1)
    goto bad;
  *year = y;
  *serial = v;
  return 0;
bad:
  rep[0] = '\0';
  return FS_EINVAL;
}

/* ---- every form (issue 14) ------------------------------------------- */

static int year_ok(int digits, int year) {
  if (digits == 2)
    return year >= 0 && year <= 99;
  return digits == 4 && year >= FS_ARCHIVE_YEAR_MIN && year <= FS_ARCHIVE_YEAR_MAX;
}

int fs__archive_year(int calendar_year, int digits) {
  return digits == 2 ? calendar_year % 100 : calendar_year;
}

int fs__archive_print(char *buf, size_t len, const fs_archive_no *a) {
  uint64_t max;
  int n;

  if (buf == NULL || len == 0)
    return FS_EINVAL;
  buf[0] = '\0';
  if (a == NULL)
    return FS_EINVAL;
  max = a->slot ? FS_ARCHIVE_FALLBACK_MAX : FS_ARCHIVE_SERIAL_MAX;
  if (!fs__staff_code_valid(a->rep) || !year_ok(a->year_digits, a->year) || a->slot < 0 ||
      a->slot > FS_ARCHIVE_SLOTS || a->serial < 1 || a->serial > max)
    return FS_EINVAL;
  if (a->slot)
    n = snprintf(buf, len, "%s-%0*d-D%d-%04" PRIu64, a->rep, a->year_digits, a->year,
                 a->slot, a->serial);
  else
    n = snprintf(buf, len, "%s-%0*d-%04" PRIu64, a->rep, a->year_digits, a->year,
                 a->serial);
  if (n < 0 || (size_t)n >= len) {
    buf[0] = '\0';
    return FS_EOVERFLOW;
  }
  return 0;
}

/* Reads the decimal digits at *p (at most max, no sign) up to a '-' or the
 * end: 0 and *v, or FS_EINVAL.  *ndig gets their number. */
static int read_digits(const char **p, uint64_t max, uint64_t *v, size_t *ndig) {
  const char *s = *p;
  uint64_t x = 0;
  size_t n = 0;

  for (; s[n] && s[n] != '-'; n++) {
    if (s[n] < '0' || s[n] > '9' || x > (max - (uint64_t)(s[n] - '0')) / 10)
      return FS_EINVAL;
    x = x * 10 + (uint64_t)(s[n] - '0');
  }
  *p = s + n;
  *v = x;
  *ndig = n;
  return n ? 0 : FS_EINVAL;
}

int fs__archive_read(const char *s, fs_archive_no *a) {
  const char *p, *dash;
  uint64_t v;
  size_t nrep, nd;
  char back[FS_ARCHIVE_TEXT_MAX + 2];

  if (a == NULL)
    return FS_EINVAL;
  memset(a, 0, sizeof(*a));
  if (s == NULL || (dash = strchr(s, '-')) == NULL)
    return FS_EINVAL;
  nrep = (size_t)(dash - s);
  if (nrep < 2 || nrep > FS_ARCHIVE_REP_MAX)
    return FS_EINVAL;
  memcpy(a->rep, s, nrep);
  p = dash + 1;
  if (read_digits(&p, 9999, &v, &nd) || (nd != 2 && nd != 4) || *p++ != '-')
    goto bad;
  a->year_digits = (int)nd;
  a->year = (int)v;
  if (*p == 'D') {
    p++;
    if (read_digits(&p, FS_ARCHIVE_SLOTS, &v, &nd) || *p++ != '-')
      goto bad;
    a->slot = (int)v;
  }
  if (read_digits(&p, a->slot ? FS_ARCHIVE_FALLBACK_MAX : FS_ARCHIVE_SERIAL_MAX,
                  &a->serial, &nd) ||
      *p != '\0')
    goto bad;
  /* One spelling per number: what print makes of the parts must be s. */
  if (fs__archive_print(back, sizeof(back), a) != 0 || strcmp(back, s) != 0)
    goto bad;
  return 0;
bad:
  memset(a, 0, sizeof(*a));
  return FS_EINVAL;
}

fs_archive_form fs__archive_classify(const char *s, int store_digits, fs_archive_no *a) {
  fs_archive_no tmp, *x = a ? a : &tmp;

  if (fs__archive_read(s, x) != 0)
    return FS_ARCHIVE_FORM_OTHER;
  if (x->slot)
    return FS_ARCHIVE_FORM_FALLBACK;
  if (x->year_digits == store_digits)
    return FS_ARCHIVE_FORM_BLOCK;
  /* Only a two-digit store holds four-digit three-part numbers: legacy. */
  return x->year_digits == 4 ? FS_ARCHIVE_FORM_LEGACY : FS_ARCHIVE_FORM_OTHER;
}

/* ---- serial ranges ---------------------------------------------------- */

uint64_t fs__serial_next(const fs_serial_range *r, int n, uint64_t after) {
  uint64_t best = 0;

  for (int i = 0; i < n; i++) {
    uint64_t c = r[i].first > after ? r[i].first : after + 1;
    if (after < r[i].last && c <= r[i].last && (best == 0 || c < best))
      best = c;
  }
  return best;
}

uint64_t fs__serial_left(const fs_serial_range *r, int n, uint64_t after) {
  uint64_t left = 0;

  for (int i = 0; i < n; i++)
    if (r[i].last > after)
      left += r[i].last - (r[i].first > after ? r[i].first : after + 1) + 1;
  return left;
}

int fs__serial_ranges_check(const fs_serial_range *r, int n) {
  if (n < 0 || n > FS_ARCHIVE_RANGES_MAX || (n > 0 && r == NULL))
    return FS_EINVAL;
  for (int i = 0; i < n; i++)
    if (r[i].first < 1 || r[i].first > r[i].last || r[i].last > FS_ARCHIVE_SERIAL_MAX ||
        (i > 0 && r[i].first <= r[i - 1].last))
      return FS_EINVAL;
  return 0;
}

int fs__serial_ranges_text(char *buf, size_t len, const fs_serial_range *r, int n) {
  size_t used = 0;

  if (buf == NULL || len == 0)
    return FS_EINVAL;
  buf[0] = '\0';
  for (int i = 0; i < n; i++) {
    int k = snprintf(buf + used, len - used, "%s%" PRIu64 "-%" PRIu64, i ? "," : "",
                     r[i].first, r[i].last);
    if (k < 0 || (size_t)k >= len - used) {
      buf[0] = '\0';
      return FS_EOVERFLOW;
    }
    used += (size_t)k;
  }
  return 0;
}

int fs__serial_ranges_parse(const char *s, fs_serial_range *out, int max, int *n) {
  const char *p = s;
  int k = 0;

  if (s == NULL || out == NULL || n == NULL)
    return FS_EINVAL;
  *n = 0;
  while (*p) {
    char *end;
    unsigned long long a, b;
    if (k >= max || *p < '0' || *p > '9')
      return FS_EINVAL;
    a = strtoull(p, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
      return FS_EINVAL;
    b = strtoull(end + 1, &end, 10);
    if (*end != ',' && *end != '\0')
      return FS_EINVAL;
    out[k].first = a;
    out[k].last = b;
    k++;
    p = *end == ',' ? end + 1 : end;
    if (*end == ',' && *p == '\0')
      return FS_EINVAL;
  }
  if (fs__serial_ranges_check(out, k) != 0)
    return FS_EINVAL;
  *n = k;
  return 0;
}
