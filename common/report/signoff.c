/* signoff.c - the sign-off report: each rep's days with work, signed off
 * by the manager or not (report.h "signoff"), and the counts a sign-off
 * records (fs__report_day_counts). */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "date.h"
#include "dbutil.h"
#include "fs_errno.h"

/* The days with work in [:from, :to]: (d, rep, visits, changes), one row
 * per (day, rep); owner filters (three "%s") on each part's author.  Card
 * changes: cards opened that day and re-ratings dated that day (a card's
 * opening grade entry is part of opening it). */
#define WORK_DAYS_SQL                                                                    \
  "SELECT d, rep, sum(v) AS visits, sum(ch) AS changes FROM ("                           \
  " SELECT substr(at, 1, 10) AS d, author AS rep, 1 AS v, 0 AS ch FROM visits"           \
  "  WHERE deleted = 0 AND at >= :from AND at < :to1%s"                                  \
  " UNION ALL SELECT created, author, 0, 1 FROM customers"                               \
  "  WHERE deleted = 0 AND created >= :from AND created <= :to%s"                        \
  " UNION ALL SELECT date, author, 0, 1 FROM grade_changes"                              \
  "  WHERE deleted = 0 AND prev_grade IS NOT NULL AND date >= :from AND date <= :to%s"   \
  ") GROUP BY d, rep"

int fs__report_day_counts(sqlite3 *db, const char *rep, const char *day, int64_t *visits,
                          int64_t *changes) {
  char sql[2048], to1[11];
  sqlite3_stmt *st = NULL;
  int64_t dd;
  int rc;

  *visits = *changes = 0;
  if (fs__date_parse(day, &dd) != 0 || fs__date_format(dd + 1, to1) != 0)
    return FS_EINVAL;
  snprintf(sql, sizeof(sql), WORK_DAYS_SQL, " AND author = :rep", " AND author = :rep",
           " AND author = :rep");
  rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":from"), day, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":to"), day, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":to1"), to1, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":rep"), rep, -1,
                      SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      *visits = sqlite3_column_int64(st, 2);
      *changes = sqlite3_column_int64(st, 3);
      rc = SQLITE_DONE;
    }
  }
  rc = rc == SQLITE_DONE ? 0 : fs__db_err(db, rc);
  sqlite3_finalize(st);
  return rc;
}

static const fs_col reps_cols[] = {{"rep", FS_COL_TEXT, NULL},
                                   {"work_days", FS_COL_INT, NULL},
                                   {"signed", FS_COL_INT, NULL},
                                   {"unsigned", FS_COL_INT, NULL}};
static const fs_col unsigned_cols[] = {{"date", FS_COL_TEXT, NULL},
                                       {"rep", FS_COL_TEXT, NULL},
                                       {"visits", FS_COL_INT, NULL},
                                       {"changes", FS_COL_INT, NULL}};
static const fs_col signed_cols[] = {
    {"date", FS_COL_TEXT, NULL},      {"rep", FS_COL_TEXT, NULL},
    {"signed_by", FS_COL_TEXT, NULL}, {"signed_at", FS_COL_TEXT, NULL},
    {"visits", FS_COL_INT, NULL},     {"changes", FS_COL_INT, NULL}};

int fs__rpt_signoff(rpt *r) {
  char own[OWN_MAX], ownr[OWN_MAX], sql[8192];
  int rc;
  rsec *s;

  fs__rpt_owners(r, "author", own, sizeof(own));
  fs__rpt_owners(r, "s.rep", ownr, sizeof(ownr));
  /* w: the days with work; k: whether each has a live sign-off. */
  s = fs__rpt_sec(r, "reps", "Days with work per rep: signed off by the manager or not",
                  reps_cols, 4);
  snprintf(sql, sizeof(sql),
           "WITH w AS (" WORK_DAYS_SQL "),"
           " k AS (SELECT w.rep, EXISTS (SELECT 1 FROM day_signoffs s WHERE s.deleted = 0"
           "  AND s.rep = w.rep AND s.day = w.d) AS ok FROM w)"
           " SELECT * FROM (SELECT rep, count(*), sum(ok), count(*) - sum(ok), 0 AS t"
           "  FROM k GROUP BY rep UNION ALL SELECT '*', count(*), coalesce(sum(ok), 0),"
           "  count(*) - coalesce(sum(ok), 0), 1 FROM k) ORDER BY t, rep",
           own, own, own);
  rc = fs__rpt_fill(r, s, sql);
  if (rc)
    return rc;
  s = fs__rpt_sec(r, "unsigned", "Days with work not signed off", unsigned_cols, 4);
  snprintf(sql, sizeof(sql),
           "SELECT * FROM (" WORK_DAYS_SQL ") w WHERE NOT EXISTS (SELECT 1 FROM"
           " day_signoffs s WHERE s.deleted = 0 AND s.rep = w.rep AND s.day = w.d)"
           " ORDER BY d, rep LIMIT %d",
           own, own, own, FS_REPORT_LIST_MAX);
  rc = fs__rpt_fill(r, s, sql);
  if (rc)
    return rc;
  s = fs__rpt_sec(r, "signoffs", "Sign-offs of the period (what they covered)",
                  signed_cols, 6);
  snprintf(
      sql, sizeof(sql),
      "SELECT day, rep, signed_by, signed_at, visits, changes FROM day_signoffs s"
      " WHERE deleted = 0 AND day >= :from AND day <= :to%s ORDER BY day, rep LIMIT %d",
      ownr, FS_REPORT_LIST_MAX);
  return fs__rpt_fill(r, s, sql);
}
