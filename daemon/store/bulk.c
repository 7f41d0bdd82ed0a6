/* bulk.c - the daemon's own writes of sample data (store/bulk.h). */
#include "store/bulk.h"
#include "store/impl.h"

#include "fs_errno.h"
#include "status.h"

int fs__bulk_staff_add(fs_central *c, const char *code, const char *name, fs_role role,
                       const char *manager, int64_t created_at_ms, int *added) {
  sqlite3 *db = c->db;
  sqlite3_stmt *st = NULL;
  int rc;

  if (added)
    *added = 0;
  rc =
      sqlite3_prepare_v2(db,
                         "INSERT OR IGNORE INTO staff(code, name, role, manager, status, "
                         "created_at) VALUES(?1,?2,?3,?4,'" FS_STAFF_ACTIVE_S "',?5)",
                         -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, fs__role_name(role), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, manager, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 5, (sqlite3_int64)created_at_ms);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return fs__db_err(db, rc);
  if (added)
    *added = sqlite3_changes(db) > 0;
  return 0;
}

int fs__bulk_record_put(fs_central *c, const fs_change *ch, fs_outcome *outcome) {
  fs_outcome oc;
  int rc;

  rc = fs__store_apply(c->db, ch, fs__central_next_seq(c), NULL, NULL, &oc);
  if (rc == 0)
    rc = fs__central_journal(c, ch->kind, ch->id, ch->owner, FS_JOURNAL_ROW);
  if (rc == 0)
    fs__hlc_recv(&c->hlc, ch->hlc, NULL);
  if (rc == 0 && outcome)
    *outcome = oc;
  return rc;
}
