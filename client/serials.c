/* serials.c - the device side of archive serial blocks (serials.h). */
#include "serials.h"

#include <stdio.h>
#include <string.h>

#include "dbutil.h"
#include "fs_errno.h"
#include "replica.h"
#include "replica_handle.h"

#define K_DIGITS "archive_year_digits"
#define K_RANGES "archive_serials"
#define K_LAST "archive_serial_last"
#define K_FALLBACK "archive_fallback"

static int meta_int(sqlite3 *db, const char *key, long long *v) {
  int rc = fs__meta_get_int(db, key, v);

  if (rc == FS_ENOTFOUND) {
    *v = 0;
    rc = 0;
  }
  return rc;
}

/* The stored ranges (none if absent or unreadable: the device falls back). */
static int ranges_get(sqlite3 *db, fs_serial_range *rg, int *n) {
  char text[FS_ARCHIVE_RANGES_TEXT];
  int rc = fs__meta_get_text(db, K_RANGES, text, sizeof(text));

  *n = 0;
  if (rc == FS_ENOTFOUND)
    return 0;
  if (rc == 0 && fs__serial_ranges_parse(text, rg, FS_ARCHIVE_RANGES_MAX, n) != 0)
    *n = 0;
  return rc;
}

int fs__serials_hello(fs_replica *r, fs_msg_hello *h) {
  fs_serial_range rg[FS_ARCHIVE_RANGES_MAX];
  long long last = 0;
  int n = 0, rc;

  h->blocks = 1;
  h->serials_left = 0;
  if (r == NULL)
    return 0; /* enrolling: nothing yet */
  rc = ranges_get(fs__replica_db(r), rg, &n);
  if (rc == 0)
    rc = meta_int(fs__replica_db(r), K_LAST, &last);
  if (rc == 0)
    h->serials_left = fs__serial_left(rg, n, (uint64_t)last);
  return rc;
}

int fs__serials_welcome(fs_replica *r, const fs_msg_welcome *w) {
  sqlite3 *db = fs__replica_db(r);
  char text[FS_ARCHIVE_RANGES_TEXT];
  int rc;

  if (w->archive_year == 0) {
    /* A daemon that hands out no blocks: legacy numbers, as before. */
    return fs__meta_set_int(db, K_DIGITS, 0);
  }
  /* The daemon's word replaces ours: it lists every serial of our blocks
   * it has not seen used; those we used offline stay below our own
   * archive_serial_last, which only ever rises. */
  rc = fs__serial_ranges_text(text, sizeof(text), w->serials, (int)w->nserials);
  if (rc == 0)
    rc = fs__meta_set_text(db, K_RANGES, text);
  if (rc == 0)
    rc = fs__meta_set_int(db, K_DIGITS, (long long)w->archive_year);
  return rc;
}

/* Legacy numbering: the slot scheme of release 0.1.0 (archive.h). */
static int legacy_next(fs_replica *r, int year, char out[FS_ARCHIVE_TEXT_MAX + 1]) {
  char key[32];
  long long n = 0;
  uint64_t serial;
  int rc;

  snprintf(key, sizeof(key), "archive:%d", year);
  rc = meta_int(fs__replica_db(r), key, &n);
  if (rc)
    return rc;
  serial = fs__archive_serial(r->id.slot, (uint64_t)n);
  if (serial == 0)
    return fs__replica_fail(r, FS_EOVERFLOW, "archive_no: no serials left for slot %d",
                            r->id.slot);
  rc = fs__archive_format(out, FS_ARCHIVE_TEXT_MAX + 1, r->id.staff, year, serial);
  if (rc == 0)
    rc = fs__meta_set_int(fs__replica_db(r), key, n + 1);
  return rc;
}

int fs__serials_next(fs_replica *r, int year, char out[FS_ARCHIVE_TEXT_MAX + 1],
                     int *fallback) {
  sqlite3 *db = fs__replica_db(r);
  fs_serial_range rg[FS_ARCHIVE_RANGES_MAX];
  fs_archive_no a;
  long long digits = 0, last = 0, nfb = 0;
  uint64_t next;
  int n = 0, rc;

  *fallback = 0;
  rc = meta_int(db, K_DIGITS, &digits);
  if (rc)
    return rc;
  if (digits != 2 && digits != 4)
    return legacy_next(r, year, out);
  rc = ranges_get(db, rg, &n);
  if (rc == 0)
    rc = meta_int(db, K_LAST, &last);
  if (rc)
    return rc;
  memset(&a, 0, sizeof(a));
  snprintf(a.rep, sizeof(a.rep), "%s", r->id.staff);
  a.year_digits = (int)digits;
  a.year = fs__archive_year(year, (int)digits);
  next = fs__serial_next(rg, n, (uint64_t)last);
  if (next) {
    a.serial = next;
    rc = fs__archive_print(out, FS_ARCHIVE_TEXT_MAX + 1, &a);
    return rc ? rc : fs__meta_set_int(db, K_LAST, (long long)next);
  }
  /* No serial left: a rep is never stopped from recording a customer.  The
   * fallback number names this device's slot, so it collides with nothing
   * another device makes (archive.h). */
  rc = meta_int(db, K_FALLBACK, &nfb);
  if (rc)
    return rc;
  a.slot = r->id.slot;
  a.serial = (uint64_t)nfb + 1;
  rc = fs__archive_print(out, FS_ARCHIVE_TEXT_MAX + 1, &a);
  if (rc)
    return fs__replica_fail(
        r, FS_EOVERFLOW,
        "archive_no: no serials and no fallback numbers left for slot %d", r->id.slot);
  *fallback = 1;
  return fs__meta_set_int(db, K_FALLBACK, nfb + 1);
}

/* ---- public (fieldsync.h) ------------------------------------------- */

int fs_archive_is_fallback(const char *archive_no) {
  fs_archive_no a;

  return fs__archive_read(archive_no, &a) == 0 && a.slot > 0;
}

int fs_archive_info_get(fs_replica *r, fs_archive_info *out) {
  fs_serial_range rg[FS_ARCHIVE_RANGES_MAX];
  long long digits = 0, last = 0, nfb = 0;
  int n = 0, rc;

  if (r == NULL || out == NULL)
    return FS_EINVAL;
  memset(out, 0, sizeof(*out));
  rc = meta_int(fs__replica_db(r), K_DIGITS, &digits);
  if (rc == 0)
    rc = meta_int(fs__replica_db(r), K_LAST, &last);
  if (rc == 0)
    rc = meta_int(fs__replica_db(r), K_FALLBACK, &nfb);
  if (rc == 0)
    rc = ranges_get(fs__replica_db(r), rg, &n);
  if (rc)
    return fs__replica_fail(r, rc, "cannot read the archive serials");
  out->year_digits = digits == 2 || digits == 4 ? (int)digits : 0;
  out->last_serial = (unsigned long long)last;
  out->serials_left = fs__serial_left(rg, n, (uint64_t)last);
  out->fallbacks = (unsigned long long)nfb;
  return 0;
}
