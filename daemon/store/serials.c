/* serials.c - archive serial blocks (serials.h). */
#include "store/serials.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dbutil.h"
#include "fs_errno.h"
#include "store/sq.h"

#define YEAR_KEY "archive_year_digits"

int fs__serials_year_digits(fs_store_rd *r, int *digits) {
  long long v = 2;
  int rc = fs__meta_get_int(fs__rd_db(r), YEAR_KEY, &v);

  if (rc == FS_ENOTFOUND)
    rc = 0;
  *digits = v == 4 ? 4 : 2;
  return rc;
}

int fs__serials_set_year_digits(fs_central *c, int digits) {
  sqlite3_stmt *st = NULL;
  int rc;

  if (digits != 2 && digits != 4)
    return FS_EINVAL;
  rc = fs__sq_prep(c->db, &st, "SELECT count(*) FROM customers", "");
  if (rc == 0 && (rc = fs__sq_step(c->db, st)) == 1)
    rc = sqlite3_column_int64(st, 0) > 0 ? FS_EEXIST : 0;
  sqlite3_finalize(st);
  if (rc == 0)
    rc = fs__meta_set_int(c->db, YEAR_KEY, digits);
  return rc;
}

/* Serials left of device in the daemon's view, and its unfinished blocks. */
static int device_left(sqlite3 *db, uint64_t device, uint64_t *left, int *open) {
  sqlite3_stmt *st = NULL;
  int rc;

  *left = 0;
  *open = 0;
  rc = fs__sq_prep(db, &st,
                   "SELECT COALESCE(sum(last - max(used, first - 1)), 0), count(*) "
                   "FROM serial_blocks WHERE device_id=?1 AND used < last",
                   "I", (int64_t)device);
  if (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    *left = (uint64_t)sqlite3_column_int64(st, 0);
    *open = sqlite3_column_int(st, 1);
    rc = 0;
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__serials_grant(fs_central *c, const fs_device *d, uint64_t claimed_left,
                      unsigned block, int64_t now_ms, int *granted) {
  sqlite3_stmt *st = NULL;
  uint64_t left, first = 1;
  int open, rc;

  if (granted)
    *granted = 0;
  if (block < 1 || block > FS_SERIALS_BLOCK_MAX)
    return FS_EINVAL;
  rc = device_left(c->db, d->id, &left, &open);
  if (rc)
    return rc;
  /* The device may have used serials offline that its outbox still holds:
   * its word can only make a block come sooner, never more than the cap. */
  if (claimed_left < left)
    left = claimed_left;
  if (left >= block || open >= FS_SERIALS_OPEN_MAX)
    return 0;
  /* The rep's next block starts after every block of every device of the
   * rep: two devices never hold the same serial. */
  rc = fs__sq_prep(c->db, &st,
                   "SELECT COALESCE(max(last), 0) FROM serial_blocks WHERE staff=?1", "t",
                   d->staff);
  if (rc == 0 && (rc = fs__sq_step(c->db, st)) == 1) {
    first = (uint64_t)sqlite3_column_int64(st, 0) + 1;
    rc = 0;
  }
  sqlite3_finalize(st);
  if (rc)
    return rc;
  if (first + block - 1 > FS_ARCHIVE_SERIAL_MAX)
    return 0; /* the rep's serials are spent: the device falls back */
  rc = fs__sq_run(c->db, NULL,
                  "INSERT INTO serial_blocks(staff, device_id, first, last, granted_at) "
                  "VALUES(?1, ?2, ?3, ?4, ?5)",
                  "tIIII", d->staff, (int64_t)d->id, (int64_t)first,
                  (int64_t)(first + block - 1), now_ms);
  if (rc == 0 && granted)
    *granted = 1;
  return rc;
}

int fs__serials_open(fs_store_rd *r, uint64_t device, fs_serial_range *out, uint32_t *n) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  *n = 0;
  rc = fs__sq_prep(db, &st,
                   "SELECT max(first, used + 1), last FROM serial_blocks "
                   "WHERE device_id=?1 AND used < last ORDER BY first LIMIT ?2",
                   "Ii", (int64_t)device, FS_ARCHIVE_RANGES_MAX);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    out[*n].first = (uint64_t)sqlite3_column_int64(st, 0);
    out[*n].last = (uint64_t)sqlite3_column_int64(st, 1);
    (*n)++;
    rc = 0;
  }
  sqlite3_finalize(st);
  return rc;
}

/* The block of device holding serial: 1 (found), 0 (none) or an error. */
static int block_of(sqlite3 *db, uint64_t device, uint64_t serial) {
  sqlite3_stmt *st = NULL;
  int rc = fs__sq_prep(db, &st,
                       "SELECT 1 FROM serial_blocks WHERE device_id=?1 AND first<=?2 "
                       "AND last>=?2",
                       "II", (int64_t)device, (int64_t)serial);

  if (rc == 0)
    rc = fs__sq_step(db, st);
  sqlite3_finalize(st);
  return rc;
}

int fs__serials_check(fs_central *c, const fs_device *d, const char *archive_no,
                      char *err, size_t errlen) {
  fs_archive_no a;
  fs_archive_form form;
  int digits, rc;

  err[0] = '\0';
  rc = fs__serials_year_digits(fs__central_rd(c), &digits);
  if (rc)
    return rc;
  form = fs__archive_classify(archive_no, digits, &a);
  if (form == FS_ARCHIVE_FORM_OTHER || form == FS_ARCHIVE_FORM_LEGACY)
    return 0; /* as before: release 0.1.0 numbers, outboxes from before */
  if (strcmp(a.rep, d->staff) != 0) {
    snprintf(err, errlen,
             "archive number %s names rep %s, but this device belongs to %s: a card "
             "gets a number of its own rep",
             archive_no, a.rep, d->staff);
    return FS_EFORBIDDEN;
  }
  if (form == FS_ARCHIVE_FORM_FALLBACK) {
    if (a.slot == d->slot)
      return 0;
    snprintf(err, errlen,
             "archive number %s names device slot %d, but this device has slot %d",
             archive_no, a.slot, d->slot);
    return FS_EFORBIDDEN;
  }
  rc = block_of(c->db, d->id, a.serial);
  if (rc == 0) {
    snprintf(err, errlen,
             "archive number %s: serial %" PRIu64
             " is in no serial block the daemon gave "
             "this device (%llu); a device numbers only from its own blocks",
             archive_no, a.serial, (unsigned long long)d->id);
    return FS_EFORBIDDEN;
  }
  if (rc < 0)
    return rc;
  /* The device used it (whatever becomes of the change later). */
  return fs__sq_run(
      c->db, NULL,
      "UPDATE serial_blocks SET used=?2 WHERE device_id=?1 AND first<=?2 AND "
      "last>=?2 AND used<?2",
      "II", (int64_t)d->id, (int64_t)a.serial);
}

int fs__serials_list(fs_store_rd *r, int only_unused,
                     int (*row)(void *arg, const fs_serials_row *b), void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT b.device_id, b.staff, COALESCE(d.status, 'revoked'), b.first, "
                   "b.last, b.used, b.granted_at FROM serial_blocks b "
                   "LEFT JOIN devices d ON d.id = b.device_id "
                   "WHERE ?1 = 0 OR b.used < b.last ORDER BY b.staff, b.first",
                   "i", only_unused);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_serials_row b;
    b.device = (uint64_t)sqlite3_column_int64(st, 0);
    b.staff = fs__sq_text(st, 1);
    b.status = fs__sq_text(st, 2);
    b.first = (uint64_t)sqlite3_column_int64(st, 3);
    b.last = (uint64_t)sqlite3_column_int64(st, 4);
    b.used = (uint64_t)sqlite3_column_int64(st, 5);
    b.granted_at = sqlite3_column_int64(st, 6);
    rc = row(arg, &b);
  }
  sqlite3_finalize(st);
  return rc;
}
