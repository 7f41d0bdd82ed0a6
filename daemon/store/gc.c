/* gc.c - collecting tombstones and evictions every counted device has
 * pulled past, and the GC floor (fs__central_gc, central.h). */
#include "store/central.h"
#include "store/impl.h"

#include <stdio.h>

#include "status.h"

/* Runs a DELETE ... RETURNING seq with ?1 = h; raises *max to the largest
 * seq deleted. */
static int purge(sqlite3 *db, const char *sql, uint64_t h, uint64_t *max) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    if ((uint64_t)sqlite3_column_int64(st, 0) > *max)
      *max = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

int fs__central_gc(fs_central *c, int64_t now_ms, int keep_days, uint64_t *floor_out,
                   int *removed) {
  sqlite3 *db = c->db;
  sqlite3_stmt *st = NULL;
  long long floor = 0;
  uint64_t h = c->seq, purged = 0;
  int rc, n = 0;

  /* The horizon: the lowest cursor of the devices that still count (active,
   * seen within keep_days).  Everything at or below it has been passed by
   * all of them; a device that comes back later resyncs from scratch. */
  rc = sqlite3_prepare_v2(
      db,
      "SELECT min(COALESCE(cursor,0)) FROM devices WHERE status='" FS_DEVICE_ACTIVE_S "' "
      "AND COALESCE(last_seen,0)>=?1",
      -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, now_ms - (int64_t)keep_days * 86400000LL);
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    h = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  fs__meta_get_int(db, "gc_floor", &floor);
  if (h <= (uint64_t)floor) {
    if (floor_out)
      *floor_out = (uint64_t)floor;
    if (removed)
      *removed = 0;
    return 0;
  }
  for (int k = 0; k < FS_KIND__COUNT; k++) {
    const fs_kind_def *kd = fs__kind_def((fs_kind)k);
    char sql[512];
    /* Journal entries of tombstones that every counted device has passed. */
    snprintf(
        sql, sizeof(sql),
        "DELETE FROM journal WHERE kind=%d AND seq<=?1 AND record_id IN (SELECT id FROM "
        "\"%s\" WHERE deleted=1) AND NOT EXISTS (SELECT 1 FROM journal j2 WHERE "
        "j2.kind=%d AND j2.record_id=journal.record_id AND j2.seq>?1) RETURNING seq",
        k, kd->table, k);
    rc = purge(db, sql, h, &purged);
    if (rc)
      return rc;
    snprintf(sql, sizeof(sql),
             "DELETE FROM \"%s\" WHERE deleted=1 AND NOT EXISTS (SELECT 1 FROM journal j "
             "WHERE j.kind=%d AND j.record_id=\"%s\".id)",
             kd->table, k, kd->table);
    rc = fs__db_exec(db, sql);
    if (rc)
      return rc;
    n += sqlite3_changes(db);
  }
  rc = purge(db, "DELETE FROM journal WHERE op=2 AND seq<=?1 RETURNING seq", h, &purged);
  if (rc)
    return rc;
  /* The floor is the newest entry actually purged, not the horizon: a
   * device whose cursor is at or past it missed nothing, and a store with
   * nothing to purge (or no device to wait for) sends nobody back to a
   * snapshot. */
  if (purged > (uint64_t)floor)
    floor = (long long)purged;
  rc = fs__meta_set_int(db, "gc_floor", floor);
  if (floor_out)
    *floor_out = (uint64_t)floor;
  if (removed)
    *removed = n;
  return rc;
}
