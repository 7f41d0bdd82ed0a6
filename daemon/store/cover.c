/* cover.c - covers and loans (cover.h). */
#include "store/cover.h"

#include <stdio.h>
#include <stdlib.h>

#include "fs_errno.h"
#include "store/sq.h"

int fs__cover_add(fs_central *c, const char *absent, const char *by, const char *from,
                  const char *to, int64_t now_ms) {
  return fs__sq_run(fs__central_db(c), NULL,
                    "INSERT INTO covers(absent, by_staff, from_day, to_day, state, "
                    "created_at) VALUES(?1,?2,?3,?4,?6,?5)",
                    "ttttIi", absent, by, from, to, now_ms, (int)FS_COVER_PLANNED);
}

int fs__covers_due(fs_store_rd *r, fs_cover_due which, const char *today,
                   fs_cover_row **out, int *n) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  fs_cover_row *list = NULL;
  int rc;

  *out = NULL;
  *n = 0;
  rc = fs__sq_prep(db, &st,
                   which == FS_COVER_DUE_START
                       ? "SELECT id, absent, by_staff FROM covers WHERE state=?2 AND "
                         "from_day<=?1 AND to_day>=?1"
                       : "SELECT id, absent, by_staff FROM covers WHERE state<?2 AND "
                         "to_day<?1",
                   "ti", today,
                   which == FS_COVER_DUE_START ? (int)FS_COVER_PLANNED
                                               : (int)FS_COVER_ENDED);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_cover_row *p = realloc(list, (size_t)(*n + 1) * sizeof(*list)), *cv;
    rc = p ? 0 : FS_ENOMEM;
    if (rc)
      break;
    list = p;
    cv = &list[(*n)++];
    cv->id = sqlite3_column_int64(st, 0);
    snprintf(cv->absent, sizeof(cv->absent), "%s", fs__sq_text(st, 1));
    snprintf(cv->by, sizeof(cv->by), "%s", fs__sq_text(st, 2));
  }
  sqlite3_finalize(st);
  if (rc) {
    free(list);
    *n = 0;
    return rc;
  }
  *out = list;
  return 0;
}

int fs__cover_set_state(fs_central *c, int64_t id, fs_cover_state state, int64_t now_ms) {
  if (state == FS_COVER_ENDED)
    return fs__sq_run(fs__central_db(c), NULL,
                      "UPDATE covers SET state=?2, ended_at=?3 WHERE id=?1", "IiI", id,
                      (int)state, now_ms);
  return fs__sq_run(fs__central_db(c), NULL, "UPDATE covers SET state=?2 WHERE id=?1",
                    "Ii", id, (int)state);
}

int fs__loan_add(fs_central *c, const char *customer, const char *staff, int64_t until_ms,
                 int64_t now_ms, int64_t *id) {
  sqlite3 *db = fs__central_db(c);
  int rc = fs__sq_run(db, NULL,
                      "INSERT INTO loans(customer_id, staff, until, created_at, ended) "
                      "VALUES(?1,?2,?3,?4,0)",
                      "ttII", customer, staff, until_ms, now_ms);
  if (rc == 0)
    *id = sqlite3_last_insert_rowid(db);
  return rc;
}

int fs__loans_due(fs_store_rd *r, int64_t now_ms, fs_loan_row **out, int *n) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  fs_loan_row *list = NULL;
  int rc;

  *out = NULL;
  *n = 0;
  rc = fs__sq_prep(db, &st,
                   "SELECT id, customer_id, staff FROM loans WHERE ended=0 AND until<=?1",
                   "I", now_ms);
  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    fs_loan_row *p = realloc(list, (size_t)(*n + 1) * sizeof(*list)), *l;
    rc = p ? 0 : FS_ENOMEM;
    if (rc)
      break;
    list = p;
    l = &list[(*n)++];
    l->id = sqlite3_column_int64(st, 0);
    snprintf(l->customer, sizeof(l->customer), "%s", fs__sq_text(st, 1));
    snprintf(l->staff, sizeof(l->staff), "%s", fs__sq_text(st, 2));
  }
  sqlite3_finalize(st);
  if (rc) {
    free(list);
    *n = 0;
    return rc;
  }
  *out = list;
  return 0;
}

int fs__loan_set_ended(fs_central *c, int64_t id) {
  return fs__sq_run(fs__central_db(c), NULL, "UPDATE loans SET ended=1 WHERE id=?1", "I",
                    id);
}
