/* devadmin.c - the devices table, administration side (devadmin.h). */
#include "store/devadmin.h"

#include "archive.h"
#include "fs_errno.h"
#include "status.h"
#include "store/sq.h"

int fs__device_add(fs_central *c, const char *staff, const uint8_t pub[32],
                   int64_t now_ms, int *slot, uint64_t *id) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc;

  *slot = 1;
  rc = fs__sq_prep(db, &st, "SELECT COALESCE(max(slot),0)+1 FROM devices WHERE staff=?1",
                   "t", staff);
  if (rc == 0 && (rc = fs__sq_step(db, st)) == 1)
    *slot = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  st = NULL;
  if (rc < 0)
    return rc;
  /* Slots are never reused: archive numbers made by an old device stay
   * unique forever. */
  if (*slot > FS_ARCHIVE_SLOTS)
    return FS_EOVERFLOW;
  rc = fs__sq_prep(db, &st,
                   "INSERT INTO devices(staff, pubkey, slot, status, enrolled_at, "
                   "last_seen) VALUES(?1,?2,?3,'" FS_DEVICE_ACTIVE_S "',?4,?4)",
                   "tbiI", staff, (const void *)pub, (size_t)32, *slot, now_ms);
  if (rc)
    return rc;
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    /* Extended result codes are on (fs__db_open): the key's UNIQUE
     * constraint is SQLITE_CONSTRAINT_UNIQUE, so compare the primary code.
     * Another enrollment of this key committed first (3.1). */
    return (rc & 0xff) == SQLITE_CONSTRAINT ? FS_EEXIST : fs__db_err(db, rc);
  *id = (uint64_t)sqlite3_last_insert_rowid(db);
  return 0;
}

int fs__device_list(fs_store_rd *r, int (*row)(void *arg, const fs_device_row *d),
                    void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT id, staff, slot, status, COALESCE(last_seen,0), "
                   "COALESCE(outbox_depth,0), COALESCE(oldest_unsynced,0) "
                   "FROM devices ORDER BY id",
                   "");
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_device_row d;
    d.id = sqlite3_column_int64(st, 0);
    d.staff = fs__sq_text(st, 1);
    d.slot = sqlite3_column_int64(st, 2);
    d.status = fs__sq_text(st, 3);
    d.last_seen = sqlite3_column_int64(st, 4);
    d.outbox = sqlite3_column_int64(st, 5);
    d.oldest_unsynced = sqlite3_column_int64(st, 6);
    rc = row(arg, &d);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__device_revoke(fs_central *c, int64_t device, int wipe, int64_t now_ms) {
  int changed = 0;
  /* wipe_at: the wipe order's time; the final upload closes
   * wipe_deadline_days later (an earlier order keeps its time). */
  int rc = fs__sq_run(fs__central_db(c), &changed,
                      "UPDATE devices SET status=?1, wipe_at=CASE WHEN ?3 THEN "
                      "COALESCE(wipe_at, ?4) ELSE wipe_at END WHERE id=?2 AND "
                      "status<>'" FS_DEVICE_WIPED_S "'",
                      "tIiI", wipe ? FS_DEVICE_WIPE_S : FS_DEVICE_REVOKED_S, device, wipe,
                      now_ms);
  return rc ? rc : changed ? 0 : FS_ENOTFOUND;
}

int fs__device_wipe_order_staff(fs_central *c, const char *staff, int64_t now_ms) {
  return fs__sq_run(
      fs__central_db(c), NULL,
      "UPDATE devices SET wipe_at=?2 WHERE staff=?1 AND wipe_at IS NULL AND "
      "status IN ('" FS_DEVICE_ACTIVE_S "','" FS_DEVICE_WIPE_S "')",
      "tI", staff, now_ms);
}

int fs__device_wipe_order_fill(fs_central *c, int64_t now_ms) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "UPDATE devices SET wipe_at=?1 WHERE wipe_at IS NULL AND "
                    "(status='" FS_DEVICE_WIPE_S "' OR (status='" FS_DEVICE_ACTIVE_S
                    "' AND staff IN (SELECT code FROM "
                    "staff WHERE status='" FS_STAFF_DEPARTED_S "')))",
                    "I", now_ms);
}

int fs__device_wipe_due(fs_store_rd *r, int64_t now_ms, int64_t deadline_ms, int64_t *ids,
                        int max, int *n) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  *n = 0;
  rc = fs__sq_prep(db, &st,
                   "SELECT d.id FROM devices d JOIN staff s ON "
                   "s.code=d.staff WHERE (d.status='" FS_DEVICE_WIPE_S
                   "' OR (d.status='" FS_DEVICE_ACTIVE_S "' AND "
                   "s.status='" FS_STAFF_DEPARTED_S
                   "')) AND d.wipe_at IS NOT NULL AND d.wipe_at+?2<=?1 "
                   "LIMIT ?3",
                   "IIi", now_ms, deadline_ms, max);
  while (rc == 0 && *n < max && (rc = fs__sq_step(db, st)) == 1) {
    ids[(*n)++] = sqlite3_column_int64(st, 0);
    rc = 0;
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__device_set_wiped(fs_central *c, int64_t device, int *marked) {
  return fs__sq_run(fs__central_db(c), marked,
                    "UPDATE devices SET status='" FS_DEVICE_WIPED_S
                    "' WHERE id=?1 AND status<>'" FS_DEVICE_WIPED_S "'",
                    "I", device);
}
