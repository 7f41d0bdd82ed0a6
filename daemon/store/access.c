/* access.c - a staff member's access set from the staff, covers and
 * loans tables (fs__central_access, central.h). */
#include "store/central.h"
#include "store/impl.h"

#include "date.h"
#include "fs_errno.h"
#include "log.h"
#include "status.h"

/* Adds column 0 of every row of st to a with add (a malformed value is
 * logged and skipped); stops at the first other error.  FS_EOVERFLOW
 * (logged, naming what) when a cannot hold them all. */
static int access_add_rows(sqlite3 *db, sqlite3_stmt *st, fs_access *a,
                           int (*add)(fs_access *, const char *), const char *what) {
  int rc;

  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *v = (const char *)sqlite3_column_text(st, 0);
    rc = add(a, v ? v : "");
    if (rc == FS_EINVAL) {
      /* A malformed stored code grants nothing; the rest still counts. */
      FS_WARN("access set of %s: ignoring malformed %s entry '%s'", a->staff, what,
              v ? v : "");
      continue;
    }
    if (rc == FS_EOVERFLOW)
      FS_ERROR("access set of %s: more %s than it can hold (%d codes, %d loans); "
               "split the team or end covers/loans",
               a->staff, what, FS_ACCESS_MAX_CODES, FS_ACCESS_MAX_LOANS);
    if (rc)
      return rc;
  }
  return rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
}

int fs__central_access(fs_store_rd *r, const char *staff, int64_t now_ms, fs_access *a) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc, role;
  char today[11];

  rc = sqlite3_prepare_v2(db, "SELECT role FROM staff WHERE code=?1", -1, &st, NULL);
  if (rc != SQLITE_OK)
    return fs__db_err(db, rc);
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    rc = rc == SQLITE_DONE ? FS_ENOTFOUND : fs__db_err(db, rc);
    goto out;
  }
  role = fs__role_parse((const char *)sqlite3_column_text(st, 0));
  rc = fs__access_init(a, staff, role < 0 ? FS_ROLE_REP : (fs_role)role);
  if (rc)
    goto out;
  sqlite3_finalize(st);
  st = NULL;
  /* Team: a manager's reps (and their reps, for a manager of managers).
   * After-sales staff serve their manager's team: the manager and every
   * staff member under them (issue 14; which of their records they see and
   * write is fs__access_can_read_record and access_rules.h A1). */
  if (a->role == FS_ROLE_MANAGER || a->role == FS_ROLE_AFTER_SALES) {
    rc = sqlite3_prepare_v2(db,
                            a->role == FS_ROLE_MANAGER
                                ? "WITH RECURSIVE team(code) AS (SELECT code FROM staff WHERE "
                                  "manager=?1 UNION SELECT s.code FROM staff s JOIN team t ON "
                                  "s.manager=t.code) SELECT code FROM team LIMIT ?2"
                                : "WITH RECURSIVE team(code) AS (SELECT manager FROM staff "
                                  "WHERE code=?1 AND manager IS NOT NULL AND manager <> '' "
                                  "UNION SELECT s.code FROM staff s JOIN team t ON "
                                  "s.manager=t.code) SELECT code FROM team LIMIT ?2",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
      rc = fs__db_err(db, rc);
      goto out;
    }
    sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
    /* One more than fits, so a team too big for an access set is an
     * error (FS_EOVERFLOW from fs__access_add_owner), never a team cut
     * short in silence. */
    sqlite3_bind_int(st, 2, FS_ACCESS_MAX_CODES + 1);
    rc = access_add_rows(db, st, a, fs__access_add_owner, "team members");
    sqlite3_finalize(st);
    st = NULL;
    if (rc)
      goto out;
  }
  /* Active covers: by_staff stands in for absent within [from_day, to_day],
   * unless it ended (state FS_COVER_ENDED, 2) early: `cover end`, issue 15. */
  fs__day_of_ms(now_ms, today);
  rc = sqlite3_prepare_v2(db,
                          "SELECT absent FROM covers WHERE by_staff=?1 AND from_day<=?2 "
                          "AND to_day>=?2 AND state<2 LIMIT ?3",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 3, FS_ACCESS_MAX_CODES + 1);
  rc = access_add_rows(db, st, a, fs__access_add_owner, "covered staff");
  sqlite3_finalize(st);
  st = NULL;
  if (rc)
    goto out;
  rc = sqlite3_prepare_v2(db,
                          "SELECT customer_id FROM loans WHERE staff=?1 AND until>?2 "
                          "AND ended=0 LIMIT ?3",
                          -1, &st, NULL);
  if (rc != SQLITE_OK) {
    rc = fs__db_err(db, rc);
    goto out;
  }
  sqlite3_bind_text(st, 1, staff, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, now_ms);
  sqlite3_bind_int(st, 3, FS_ACCESS_MAX_LOANS + 1);
  rc = access_add_rows(db, st, a, fs__access_add_loan, "loaned cards");
out:
  sqlite3_finalize(st);
  return rc;
}
