/* activity.c - the activity report: each rep's visits, calls, new
 * prospects and grade changes per day (report.h "activity"). */
#include "report_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "cadence.h"
#include "fs_errno.h"

static const fs_col act_day_cols[] = {
    {"date", FS_COL_TEXT, NULL},        {"rep", FS_COL_TEXT, NULL},
    {"visits", FS_COL_INT, NULL},       {"calls", FS_COL_INT, NULL},
    {"other", FS_COL_INT, NULL},        {"new_prospects", FS_COL_INT, NULL},
    {"grade_changes", FS_COL_INT, NULL}};
static const fs_col act_back_cols[] = {
    {"rep", FS_COL_TEXT, NULL},        {"recorded", FS_COL_TEXT, NULL},
    {"visit_date", FS_COL_TEXT, NULL}, {"archive_no", FS_COL_TEXT, NULL},
    {"customer", FS_COL_TEXT, NULL},   {"method", FS_COL_TEXT, NULL},
    {"days_late", FS_COL_INT, NULL}};
static const fs_col act_rep_cols[] = {
    {"rep", FS_COL_TEXT, NULL},          {"visits", FS_COL_INT, NULL},
    {"calls", FS_COL_INT, NULL},         {"other", FS_COL_INT, NULL},
    {"new_prospects", FS_COL_INT, NULL}, {"grade_changes", FS_COL_INT, NULL}};

int fs__rpt_activity(rpt *r) {
  char own[OWN_MAX], sql[16384];
  sqlite3_stmt *st = NULL;
  raccs accs = {0};
  int64_t tot[5] = {0};
  int src, rc;
  rsec *s, *sr;

  fs__rpt_owners(r, "author", own, sizeof(own));
  snprintf(sql, sizeof(sql),
           "SELECT d, rep, sum(vi), sum(ca), sum(ot), sum(np), sum(gc) FROM ("
           " SELECT substr(at, 1, 10) AS d, author AS rep,"
           "  method IN ('in_person', 'showroom', 'event') AS vi, method = 'phone' AS ca,"
           "  method IN ('letter', 'email') AS ot, 0 AS np, 0 AS gc"
           "  FROM visits v WHERE v.deleted = 0 AND " FS_SQL_VISIT_CURRENT("v")
           "  AND v.at >= :from AND v.at < :to1%s"
           " UNION ALL SELECT created, author, 0, 0, 0, 1, 0 FROM customers"
           "  WHERE deleted = 0 AND created >= :from AND created <= :to%s"
           " UNION ALL SELECT date, author, 0, 0, 0, 0, 1 FROM grade_changes"
           "  WHERE deleted = 0 AND date >= :from AND date <= :to%s"
           ") GROUP BY d, rep ORDER BY d, rep",
           own, own, own);
  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    goto out;
  s = fs__rpt_sec(r, "days", "Activity per rep and day", act_day_cols, 7);
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    rsec *row = fs__rpt_row(s);
    racc *a = fs__rpt_acc(&accs, col_text(st, 1));
    if (row == NULL || a == NULL) {
      rc = FS_ENOMEM;
      goto out;
    }
    rc = fs__rpt_text(row, 0, col_text(st, 0));
    if (rc == 0)
      rc = fs__rpt_text(row, 1, col_text(st, 1));
    if (rc)
      goto out;
    for (int j = 0; j < 5; j++) {
      int64_t v = sqlite3_column_int64(st, 2 + j);
      fs__rpt_int(row, 2 + j, v);
      a->n[j] += v;
      tot[j] += v;
    }
  }
  rc = fs__rpt_step_end(r, src);
  if (rc)
    goto out;
  fs__rpt_accs_sort(&accs);
  sr = fs__rpt_sec(r, "reps", "Activity per rep in the period", act_rep_cols, 6);
  for (int i = 0; i <= accs.n && rc == 0; i++) {
    rsec *row = fs__rpt_row(sr);
    if (row == NULL) {
      rc = FS_ENOMEM;
      break;
    }
    rc = fs__rpt_text(row, 0, i < accs.n ? accs.a[i].code : "*");
    for (int j = 0; j < 5; j++)
      fs__rpt_int(row, 1 + j, i < accs.n ? accs.a[i].n[j] : tot[j]);
  }
  /* Back-dated visits (issue 14): logged more than the window after the
   * day they record, listed by the day they were recorded (the local day
   * of the record's clock, date.h) in the period. */
  if (rc == 0) {
    int win = r->p->backdate_days > 0 ? r->p->backdate_days : FS_REPORT_BACKDATE_DAYS;
    rsec *sb = fs__rpt_sec(r, "backdated",
                           "Visits logged later than the back-dating window after their date",
                           act_back_cols, 7);
    char own2[OWN_MAX];
    fs__rpt_owners(r, "v.author", own2, sizeof(own2));
    snprintf(sql, sizeof(sql),
             "SELECT * FROM (SELECT v.author,"
             " date((v.hlc >> 16) / 1000, 'unixepoch', 'localtime') AS rec,"
             " substr(v.at, 1, 10) AS vd, c.archive_no, c.name, v.method,"
             " CAST(julianday(date((v.hlc >> 16) / 1000, 'unixepoch', 'localtime'))"
             "  - julianday(substr(v.at, 1, 10)) AS INTEGER) AS late"
             " FROM visits v LEFT JOIN customers c ON c.id = v.customer_id"
             " WHERE v.deleted = 0 AND v.corrects IS NULL%s)"
             " WHERE rec >= :from AND rec <= :to AND late > %d"
             " ORDER BY rec, author, vd LIMIT %d",
             own2, win, FS_REPORT_LIST_MAX);
    rc = fs__rpt_fill(r, sb, sql);
  }
  /* Plan against actual (issue 14). */
  if (rc == 0)
    rc = fs__rpt_plan(r);
out:
  sqlite3_finalize(st);
  free(accs.a);
  return rc;
}
