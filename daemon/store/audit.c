/* audit.c - the audit log (fs__audit, declared in central.h). */
#include "store/central.h"
#include "store/impl.h"

#include "db.h"
#include "hlc.h"

int fs__audit(fs_central *c, const char *actor, const char *action, const char *staff,
              const char *customer, long long device, const char *detail,
              const char *reason) {
  sqlite3 *db = fs__central_db(c);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = sqlite3_prepare_v2(db,
                          "INSERT INTO audit(at, actor, action, staff, customer, device, "
                          "detail, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)",
                          -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)fs__now_ms());
  sqlite3_bind_text(st, 2, actor ? actor : "admin", -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, customer, -1, SQLITE_STATIC);
  if (device >= 0)
    sqlite3_bind_int64(st, 6, device);
  sqlite3_bind_text(st, 7, detail, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, reason, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}
