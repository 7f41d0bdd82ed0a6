/* showroom.c - the showroom report: traffic per unique customer by hour,
 * weekday, model and rep on duty (report.h "showroom"). */
#include "report_int.h"

#include <stdio.h>

#include "fs_errno.h"

static const fs_col sr_summary_cols[] = {
    {"entries", FS_COL_INT, NULL},      {"customers", FS_COL_INT, NULL},
    {"left_details", FS_COL_INT, NULL}, {"details_share", FS_COL_PCT, NULL},
    {"serious", FS_COL_INT, NULL},      {"serious_share", FS_COL_PCT, NULL},
    {"ordered", FS_COL_INT, NULL},      {"conversion", FS_COL_PCT, NULL}};
static const fs_col sr_hour_cols[] = {{"hour", FS_COL_TEXT, NULL},
                                      {"entries", FS_COL_INT, NULL},
                                      {"customers", FS_COL_INT, NULL}};
static const fs_col sr_wday_cols[] = {{"weekday", FS_COL_INT, NULL},
                                      {"day", FS_COL_TEXT, NULL},
                                      {"entries", FS_COL_INT, NULL},
                                      {"customers", FS_COL_INT, NULL}};
static const fs_col sr_model_cols[] = {
    {"model", FS_COL_TEXT, NULL},    {"entries", FS_COL_INT, NULL},
    {"customers", FS_COL_INT, NULL}, {"left_details", FS_COL_INT, NULL},
    {"serious", FS_COL_INT, NULL},   {"ordered", FS_COL_INT, NULL},
    {"conversion", FS_COL_PCT, NULL}};
static const fs_col sr_rep_cols[] = {
    {"rep", FS_COL_TEXT, NULL},      {"entries", FS_COL_INT, NULL},
    {"customers", FS_COL_INT, NULL}, {"left_details", FS_COL_INT, NULL},
    {"serious", FS_COL_INT, NULL},   {"ordered", FS_COL_INT, NULL},
    {"conversion", FS_COL_PCT, NULL}};

/* The entries of the period with their unique-customer key k. */
#define SR_CTE                                                                           \
  "WITH e AS (SELECT id, CASE WHEN customer_id IS NOT NULL AND customer_id <> ''"        \
  " THEN 'c' || customer_id WHEN trim(coalesce(phone, '')) <> '' THEN 'p' || "           \
  "trim(phone)"                                                                          \
  " ELSE 'w' || id END AS k, arrived, coalesce(left_details, 0) = 1 AS ld,"              \
  " coalesce(grade IN ('O', 'A', 'B'), 0) AS se, coalesce(ordered, 0) = 1 AS od,"        \
  " coalesce(nullif(trim(model), ''), '(none)') AS model, rep_on_duty AS rep"            \
  " FROM showroom_log WHERE deleted = 0 AND arrived >= :from AND arrived < :to1%s) "

static int slot_counts(rpt *r, const char *own, const char *expr, int64_t *ent,
                       int64_t *cust, int nslots) {
  char sql[8192], cte[6144];
  sqlite3_stmt *st = NULL;
  int rc = 0, src;

  snprintf(cte, sizeof(cte), SR_CTE, own);
  for (int pass = 0; pass < 2 && rc == 0; pass++) {
    /* pass 0: every entry; pass 1: each customer's first arrival. */
    snprintf(sql, sizeof(sql),
             pass == 0 ? "%sSELECT CAST(%s AS INTEGER) AS h, count(*) FROM e GROUP BY h"
                       : "%sSELECT CAST(%s AS INTEGER) AS h, count(*) FROM"
                         " (SELECT min(arrived) AS arrived FROM e GROUP BY k) GROUP BY h",
             cte, expr);
    rc = fs__rpt_prep(r, sql, &st);
    if (rc)
      break;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
      int h = sqlite3_column_int(st, 0);
      if (h >= 0 && h < nslots)
        (pass ? cust : ent)[h] += sqlite3_column_int64(st, 1);
    }
    rc = fs__rpt_step_end(r, src);
    sqlite3_finalize(st);
    st = NULL;
  }
  return rc;
}

int fs__rpt_showroom(rpt *r) {
  static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  char own[OWN_MAX], sql[8192], cte[6144];
  int64_t hent[24] = {0}, hcust[24] = {0}, went[7] = {0}, wcust[7] = {0};
  int rc;
  rsec *s;

  fs__rpt_owners(r, "rep_on_duty", own, sizeof(own));
  snprintf(cte, sizeof(cte), SR_CTE, own);
  s = fs__rpt_sec(r, "summary", "Showroom traffic (per unique customer)", sr_summary_cols,
                  8);
  snprintf(sql, sizeof(sql),
           "%sSELECT coalesce(sum(n), 0), count(*), coalesce(sum(ld), 0),"
           " coalesce(sum(se), 0), coalesce(sum(od), 0) FROM"
           " (SELECT k, count(*) AS n, max(ld) AS ld, max(se) AS se, max(od) AS od"
           "  FROM e GROUP BY k)",
           cte);
  {
    sqlite3_stmt *st = NULL;
    int src;
    rc = fs__rpt_prep(r, sql, &st);
    if (rc)
      return rc;
    src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
      rsec *row = fs__rpt_row(s);
      int64_t cu = sqlite3_column_int64(st, 1);
      if (row == NULL) {
        sqlite3_finalize(st);
        return FS_ENOMEM;
      }
      fs__rpt_int(row, 0, sqlite3_column_int64(st, 0));
      fs__rpt_int(row, 1, cu);
      fs__rpt_int(row, 2, sqlite3_column_int64(st, 2));
      fs__rpt_num(row, 3, pct(sqlite3_column_int64(st, 2), cu));
      fs__rpt_int(row, 4, sqlite3_column_int64(st, 3));
      fs__rpt_num(row, 5, pct(sqlite3_column_int64(st, 3), cu));
      fs__rpt_int(row, 6, sqlite3_column_int64(st, 4));
      fs__rpt_num(row, 7, pct(sqlite3_column_int64(st, 4), cu));
    }
    rc = fs__rpt_step_end(r, src);
    sqlite3_finalize(st);
    if (rc)
      return rc;
  }
  rc = slot_counts(r, own, "substr(arrived, 12, 2)", hent, hcust, 24);
  if (rc == 0)
    rc = slot_counts(r, own, "strftime('%w', arrived)", went, wcust, 7);
  if (rc)
    return rc;
  s = fs__rpt_sec(r, "hours", "Arrivals by hour", sr_hour_cols, 3);
  for (int h = 0; h < 24 && rc == 0; h++) {
    char hh[3];
    rsec *row = fs__rpt_row(s);
    if (row == NULL)
      return FS_ENOMEM;
    snprintf(hh, sizeof(hh), "%02d", h);
    rc = fs__rpt_text(row, 0, hh);
    fs__rpt_int(row, 1, hent[h]);
    fs__rpt_int(row, 2, hcust[h]);
  }
  s = fs__rpt_sec(r, "weekdays", "Arrivals by weekday", sr_wday_cols, 4);
  for (int d = 0; d < 7 && rc == 0; d++) {
    rsec *row = fs__rpt_row(s);
    if (row == NULL)
      return FS_ENOMEM;
    fs__rpt_int(row, 0, d);
    rc = fs__rpt_text(row, 1, wdays[d]);
    fs__rpt_int(row, 2, went[d]);
    fs__rpt_int(row, 3, wcust[d]);
  }
  for (int g = 0; g < 2 && rc == 0; g++) {
    const char *dim = g == 0 ? "model" : "rep";
    s = fs__rpt_sec(r, g == 0 ? "models" : "reps",
                    g == 0 ? "Per model of interest" : "Per rep on duty",
                    g == 0 ? sr_model_cols : sr_rep_cols, 7);
    snprintf(sql, sizeof(sql),
             "%sSELECT %s, sum(n), count(*), sum(ld), sum(se), sum(od),"
             " 100.0 * sum(od) / count(*) FROM"
             " (SELECT %s, k, count(*) AS n, max(ld) AS ld, max(se) AS se, max(od) AS od"
             "  FROM e GROUP BY %s, k) GROUP BY %s ORDER BY %s",
             cte, dim, dim, dim, dim, g == 0 ? "count(*) DESC, model" : "rep");
    rc = fs__rpt_fill(r, s, sql);
  }
  return rc;
}
