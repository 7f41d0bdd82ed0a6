/* cover.c - covers and loans (cover.h). */
#include "store/cover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- listing and ending early ---------------------------------------- */

#define COVER_COLS "SELECT id, absent, by_staff, from_day, to_day, state, ended_at FROM covers "

static void cover_read(sqlite3_stmt *st, fs_cover_info *cv) {
  memset(cv, 0, sizeof(*cv));
  cv->id = sqlite3_column_int64(st, 0);
  snprintf(cv->absent, sizeof(cv->absent), "%s", fs__sq_text(st, 1));
  snprintf(cv->by, sizeof(cv->by), "%s", fs__sq_text(st, 2));
  snprintf(cv->from, sizeof(cv->from), "%s", fs__sq_text(st, 3));
  snprintf(cv->to, sizeof(cv->to), "%s", fs__sq_text(st, 4));
  cv->state = sqlite3_column_int(st, 5);
  cv->ended_at = sqlite3_column_int64(st, 6);
}

/* Steps st (prepared with rc) through cover_read into row, or, when row is
 * NULL, reads its first row into *one (FS_ENOTFOUND if none).  Finalizes
 * st.  0 or an error. */
static int covers_feed(sqlite3 *db, sqlite3_stmt *st, int rc,
                       int (*row)(void *arg, const fs_cover_info *cv), void *arg,
                       fs_cover_info *one) {
  fs_cover_info cv;

  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    cover_read(st, row ? &cv : one);
    rc = row ? row(arg, &cv) : 2;
  }
  sqlite3_finalize(st);
  if (row == NULL)
    return rc == 2 ? 0 : rc ? rc : FS_ENOTFOUND;
  return rc;
}

int fs__covers_list(fs_store_rd *r, int open_only,
                    int (*row)(void *arg, const fs_cover_info *cv), void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc = fs__sq_prep(db, &st, COVER_COLS "WHERE ?1=0 OR state<?2 ORDER BY id", "ii",
                       open_only, (int)FS_COVER_ENDED);
  return covers_feed(db, st, rc, row, arg, NULL);
}

int fs__cover_get(fs_store_rd *r, int64_t id, fs_cover_info *out) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc = fs__sq_prep(db, &st, COVER_COLS "WHERE id=?1", "I", id);
  return covers_feed(db, st, rc, NULL, NULL, out);
}

int fs__cover_overlap(fs_store_rd *r, const char *absent, const char *from, const char *to,
                      fs_cover_info *out) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc = fs__sq_prep(db, &st,
                       COVER_COLS "WHERE absent=?1 AND state<?4 AND from_day<=?3 AND "
                                  "to_day>=?2 ORDER BY id LIMIT 1",
                       "ttti", absent, from, to, (int)FS_COVER_ENDED);
  return covers_feed(db, st, rc, NULL, NULL, out);
}

#define LOAN_COLS                                                                        \
  "SELECT l.id, l.customer_id, coalesce(c.archive_no,''), l.staff, l.until, "           \
  "l.created_at, l.ended FROM loans l LEFT JOIN customers c ON c.id=l.customer_id "

/* As covers_feed, for loans. */
static int loans_feed(sqlite3 *db, sqlite3_stmt *st, int rc,
                      int (*row)(void *arg, const fs_loan_info *l), void *arg,
                      fs_loan_info *one) {
  fs_loan_info l, *p = row ? &l : one;

  while (rc == 0 && (rc = fs__sq_step(db, st)) == 1) {
    memset(p, 0, sizeof(*p));
    p->id = sqlite3_column_int64(st, 0);
    snprintf(p->customer, sizeof(p->customer), "%s", fs__sq_text(st, 1));
    snprintf(p->archive_no, sizeof(p->archive_no), "%s", fs__sq_text(st, 2));
    snprintf(p->staff, sizeof(p->staff), "%s", fs__sq_text(st, 3));
    p->until = sqlite3_column_int64(st, 4);
    p->created_at = sqlite3_column_int64(st, 5);
    p->ended = sqlite3_column_int(st, 6);
    rc = row ? row(arg, p) : 2;
  }
  sqlite3_finalize(st);
  if (row == NULL)
    return rc == 2 ? 0 : rc ? rc : FS_ENOTFOUND;
  return rc;
}

int fs__loans_list(fs_store_rd *r, int open_only,
                   int (*row)(void *arg, const fs_loan_info *l), void *arg) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc = fs__sq_prep(db, &st, LOAN_COLS "WHERE ?1=0 OR l.ended=0 ORDER BY l.id", "i",
                       open_only);
  return loans_feed(db, st, rc, row, arg, NULL);
}

int fs__loan_get(fs_store_rd *r, int64_t id, fs_loan_info *out) {
  sqlite3 *db = fs__rd_db(r);
  sqlite3_stmt *st = NULL;
  int rc = fs__sq_prep(db, &st, LOAN_COLS "WHERE l.id=?1", "I", id);
  return loans_feed(db, st, rc, NULL, NULL, out);
}
