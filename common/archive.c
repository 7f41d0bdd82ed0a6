/* archive.c - customer archive numbers <rep>-<year>-<serial> (archive.h). */
#include "archive.h"

#include <inttypes.h>
#include <stdio.h>
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
