/* staff.c - the staff table (staff.h). */
#include "store/staff.h"

#include <stdio.h>

#include "fs_errno.h"
#include "store/sq.h"

int fs__staff_get(fs_store_rd *r, const char *code, fs_staff_info *out) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT role, status, COALESCE(manager,'') FROM staff WHERE code=?1",
                   "t", code);
  if (rc == 0)
    rc = fs__sq_step(db, st);
  if (rc == 1 && out) {
    out->role = fs__role_parse(fs__sq_text(st, 0));
    out->status = fs__staff_status_parse(fs__sq_text(st, 1));
    snprintf(out->manager, sizeof(out->manager), "%s", fs__sq_text(st, 2));
  }
  sqlite3_finalize(st);
  return rc == 1 ? 0 : rc == 0 ? FS_ENOTFOUND : rc;
}

int fs__staff_add(fs_central *c, const char *code, const char *name, fs_role role,
                  const char *manager, int64_t now_ms) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "INSERT INTO staff(code, name, role, manager, status, created_at) "
                    "VALUES(?1,?2,?3,?4,'" FS_STAFF_ACTIVE_S "',?5)",
                    "ttttI", code, name, fs__role_name(role), manager, now_ms);
}

int fs__staff_update(fs_central *c, const char *code, const char *name, int role,
                     const char *manager) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "UPDATE staff SET name=COALESCE(?2, name), role=COALESCE(?3, role), "
                    "manager=CASE WHEN ?4 IS NULL THEN manager WHEN ?4='' THEN NULL ELSE ?4 "
                    "END WHERE code=?1",
                    "tttt", code, name, role >= 0 ? fs__role_name((fs_role)role) : NULL,
                    manager);
}

int fs__staff_team_size(fs_store_rd *r, const char *code, int64_t *n) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc = fs__sq_prep(db, &st,
                       "SELECT count(*) FROM staff WHERE manager=?1 AND status='" FS_STAFF_ACTIVE_S
                       "'",
                       "t", code);
  if (rc == 0)
    rc = fs__sq_step(db, st);
  if (rc == 1)
    *n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return rc == 1 ? 0 : rc == 0 ? FS_EDB : rc;
}

int fs__staff_list(fs_store_rd *r, const char *code,
                   int (*row)(void *arg, const fs_staff_row *s), void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc;

  rc = fs__sq_prep(db, &st,
                   "SELECT s.code, s.name, s.role, COALESCE(s.manager,''), s.status, "
                   "COALESCE(s.successor,''), (SELECT count(*) FROM devices d WHERE "
                   "d.staff=s.code AND d.status='" FS_DEVICE_ACTIVE_S
                   "'), (SELECT count(*) "
                   "FROM customers c WHERE c.owner=s.code AND c.deleted=0) FROM staff s "
                   "WHERE ?1 IS NULL OR s.code=?1 ORDER BY s.code",
                   "t", code);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_staff_row s;
    s.code = fs__sq_text(st, 0);
    s.name = fs__sq_text(st, 1);
    s.role = fs__sq_text(st, 2);
    s.manager = fs__sq_text(st, 3);
    s.status = fs__sq_text(st, 4);
    s.successor = fs__sq_text(st, 5);
    s.devices = sqlite3_column_int64(st, 6);
    s.customers = sqlite3_column_int64(st, 7);
    rc = row(arg, &s);
  }
  sqlite3_finalize(st);
  return rc;
}

int fs__staff_set_departed(fs_central *c, const char *code, const char *to,
                           int64_t now_ms) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "UPDATE staff SET status='" FS_STAFF_DEPARTED_S
                    "', departed_at=?2, successor=?3 WHERE code=?1",
                    "tIt", code, now_ms, to);
}
