/* showroom.c - the showroom report (report.h "showroom"): first-time and
 * returning visitors, those who left details (来店/来电), valid customers,
 * conversion into an order within the window, by hour, weekday, model,
 * rep on duty, and month by lead source and by walk-in or call. */
#include "report_int.h"

#include <stdio.h>

#include "fs_errno.h"

static const fs_col sr_summary_cols[] = {
    {"entries", FS_COL_INT, NULL},       {"returning", FS_COL_INT, NULL},
    {"first_time", FS_COL_INT, NULL},    {"left_details", FS_COL_INT, NULL},
    {"details_share", FS_COL_PCT, NULL}, {"valid", FS_COL_INT, NULL},
    {"valid_share", FS_COL_PCT, NULL},   {"converted", FS_COL_INT, NULL},
    {"conversion", FS_COL_PCT, NULL},    {"ticked_unverified", FS_COL_INT, NULL},
    {"window_days", FS_COL_INT, NULL}};
static const fs_col sr_hour_cols[] = {{"hour", FS_COL_TEXT, NULL},
                                      {"entries", FS_COL_INT, NULL},
                                      {"first_time", FS_COL_INT, NULL},
                                      {"left_details", FS_COL_INT, NULL}};
static const fs_col sr_wday_cols[] = {{"weekday", FS_COL_INT, NULL},
                                      {"day", FS_COL_TEXT, NULL},
                                      {"entries", FS_COL_INT, NULL},
                                      {"first_time", FS_COL_INT, NULL},
                                      {"left_details", FS_COL_INT, NULL}};
/* The group sections: their key column(s), then these. */
#define SR_GROUP_COLS                                                                    \
  {"entries", FS_COL_INT, NULL}, {"returning", FS_COL_INT, NULL},                        \
      {"left_details", FS_COL_INT, NULL}, {"valid", FS_COL_INT, NULL},                   \
      {"converted", FS_COL_INT, NULL}, {                                                 \
    "conversion", FS_COL_PCT, NULL                                                       \
  }
static const fs_col sr_model_cols[] = {{"model", FS_COL_TEXT, NULL}, SR_GROUP_COLS};
static const fs_col sr_rep_cols[] = {{"rep", FS_COL_TEXT, NULL}, SR_GROUP_COLS};
static const fs_col sr_source_cols[] = {
    {"month", FS_COL_TEXT, NULL}, {"source", FS_COL_TEXT, NULL}, SR_GROUP_COLS};
static const fs_col sr_channel_cols[] = {
    {"month", FS_COL_TEXT, NULL}, {"channel", FS_COL_TEXT, NULL}, SR_GROUP_COLS};

/* An order of the linked card c dated from the visit's day d to d + the
 * window (%d days): a grade O or delivered reached (history, or the card's
 * own grade date), a delivery, or a won opportunity closed then. */
#define SR_IN_WINDOW(col) col " BETWEEN e.day AND date(e.day, '+%d days')"
#define SR_CONVERTED                                                                          \
  "EXISTS (SELECT 1 FROM customers c WHERE c.id = e.cid AND c.deleted = 0 AND ("              \
  "(c.grade IN ('O', 'delivered') AND " SR_IN_WINDOW(                                         \
      "c.grade_date") ") OR " SR_IN_WINDOW("c.delivery_date") " OR EXISTS (SELECT 1 "         \
                                                              "FROM grade_changes g"          \
                                                              " WHERE g.customer_id = "       \
                                                              "c.id AND g.deleted = 0 "       \
                                                              "AND g.grade IN ('O', "         \
                                                              "'delivered')"                  \
                                                              " AND " SR_IN_WINDOW(           \
                                                                  "g.date") ") OR "           \
                                                                            "EXISTS "         \
                                                                            "(SELECT 1 "      \
                                                                            "FROM "           \
                                                                            "opportunit"      \
                                                                            "ies o"           \
                                                                            " WHERE "         \
                                                                            "o."              \
                                                                            "customer_"       \
                                                                            "id = c.id "      \
                                                                            "AND "            \
                                                                            "o.deleted "      \
                                                                            "= 0 AND "        \
                                                                            "o.status "       \
                                                                            "= 'won' "        \
                                                                            "AND"             \
                                                                            " " SR_IN_WINDOW( \
                                                                                "o."          \
                                                                                "close"       \
                                                                                "d") ")"      \
                                                                                     ")"      \
                                                                                     ")"

/* Returning: the rep's word (revisit set), else an earlier entry (any
 * rep, any time; same arrival: smaller id) with the same card or phone. */
#define SR_EARLIER                                                                       \
  "SELECT 1 FROM showroom_log p WHERE p.deleted = 0 AND (p.arrived < s.arrived OR"       \
  " (p.arrived = s.arrived AND p.id < s.id)) AND "
#define SR_RETURNING                                                                     \
  "CASE WHEN s.revisit IS NOT NULL THEN s.revisit = 1 ELSE"                              \
  " (s.customer_id IS NOT NULL AND EXISTS (" SR_EARLIER                                  \
  "p.customer_id = s.customer_id))"                                                      \
  " OR (trim(coalesce(s.phone, '')) <> '' AND EXISTS (" SR_EARLIER                       \
  "trim(p.phone) = trim(s.phone))) END"

/* The entries of the period (the owner filter on rep_on_duty), one row
 * each with its flags: rt returning, ft first-time, ld a first-time visitor
 * who left details (or whose card is linked), va valid (ld, grade O A B
 * C), cv converted (ld, linked, an order in the window), tu the ordered
 * box ticked by a first-time visitor without that order. */
#define SR_CTE_FMT                                                                       \
  "WITH e0 AS (SELECT s.id, s.arrived, s.rep_on_duty AS rep,"                            \
  " coalesce(nullif(trim(s.model), ''), '(none)') AS model,"                             \
  " coalesce(s.source, '(none)') AS source, coalesce(s.channel, CASE WHEN s.source ="    \
  " 'phone' THEN 'phone' ELSE 'walk_in' END) AS channel,"                                \
  " substr(s.arrived, 1, 7) AS month, substr(s.arrived, 1, 10) AS day,"                  \
  " s.customer_id AS cid, coalesce(" SR_RETURNING ", 0) AS rt,"                          \
  " coalesce(s.left_details, 0) = 1 OR s.customer_id IS NOT NULL AS d,"                  \
  " coalesce(s.grade IN ('O', 'A', 'B', 'C'), 0) AS g, coalesce(s.ordered, 0) = 1 AS od" \
  " FROM showroom_log s WHERE s.deleted = 0 AND s.arrived >= :from AND"                  \
  " s.arrived < :to1%s),"                                                                \
  " e1 AS (SELECT *, NOT rt AS ft, NOT rt AND d AS ld,"                                  \
  " NOT rt AND d AND cid IS NOT NULL AND " SR_CONVERTED " AS cv FROM e0 e),"             \
  " e AS (SELECT *, ld AND g AS va, ft AND od AND NOT cv AS tu FROM e1) "

/* The group sections' aggregate columns after the key. */
#define SR_GROUP_SUMS                                                                    \
  "count(*), sum(rt), sum(ld), sum(va), sum(cv),"                                        \
  " CASE WHEN sum(ld) > 0 THEN 100.0 * sum(cv) / sum(ld) END"

static int sr_cte(const rpt *r, char *buf, size_t len) {
  char own[OWN_MAX];
  int w = r->convert_days, n;

  fs__rpt_owners(r, "s.rep_on_duty", own, sizeof(own));
  n = snprintf(buf, len, SR_CTE_FMT, own, w, w, w, w);
  return n < 0 || (size_t)n >= len ? FS_EOVERFLOW : 0;
}

/* Hour and weekday slots: every slot listed, empty ones with zeros. */
static int slots(rpt *r, const char *cte, int hours) {
  static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  int64_t n[24][3] = {{0}};
  int nslots = hours ? 24 : 7, rc, src;
  char sql[8192];
  sqlite3_stmt *st = NULL;
  rsec *s;

  snprintf(sql, sizeof(sql),
           "%sSELECT CAST(%s AS INTEGER) AS h, count(*), sum(ft), sum(ld) FROM e"
           " GROUP BY h",
           cte, hours ? "substr(arrived, 12, 2)" : "strftime('%w', arrived)");
  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    return rc;
  while ((src = sqlite3_step(st)) == SQLITE_ROW) {
    int h = sqlite3_column_int(st, 0);
    for (int k = 0; h >= 0 && h < nslots && k < 3; k++)
      n[h][k] += sqlite3_column_int64(st, k + 1);
  }
  rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  s = hours ? fs__rpt_sec(r, "hours", "Arrivals by hour", sr_hour_cols, 4)
            : fs__rpt_sec(r, "weekdays", "Arrivals by weekday", sr_wday_cols, 5);
  for (int h = 0; h < nslots && rc == 0; h++) {
    char hh[3];
    int c = hours ? 1 : 2;
    rsec *row = fs__rpt_row(s);
    if (row == NULL)
      return FS_ENOMEM;
    snprintf(hh, sizeof(hh), "%02d", h);
    if (hours) {
      rc = fs__rpt_text(row, 0, hh);
    } else {
      fs__rpt_int(row, 0, h);
      rc = fs__rpt_text(row, 1, wdays[h]);
    }
    for (int k = 0; k < 3; k++)
      fs__rpt_int(row, c + k, n[h][k]);
  }
  return rc;
}

int fs__rpt_showroom(rpt *r) {
  static const struct {
    const char *name, *title, *key, *order;
    const fs_col *cols;
    int ncols;
  } groups[] = {
      {"models", "Per model of interest", "model", "sum(ld) DESC, count(*) DESC, model",
       sr_model_cols, 7},
      {"reps", "Per rep on duty (each rep's conversion on duty)", "rep", "rep",
       sr_rep_cols, 7},
      {"sources", "Per month and lead source", "month, source",
       "month, sum(ld) DESC, source", sr_source_cols, 8},
      {"channels", "Per month, walk-in or call (来店/来电)", "month, channel",
       "month, channel DESC", sr_channel_cols, 8},
  };
  char cte[8192], sql[10240];
  int rc;
  rsec *s;

  rc = sr_cte(r, cte, sizeof(cte));
  if (rc)
    return fs__rpt_fail(r, rc, "showroom: query too long");
  s = fs__rpt_sec(r, "summary", "Showroom visitors (来店/来电: first-time, left details)",
                  sr_summary_cols, 11);
  snprintf(
      sql, sizeof(sql),
      "%sSELECT count(*), coalesce(sum(rt), 0), coalesce(sum(ft), 0),"
      " coalesce(sum(ld), 0), CASE WHEN sum(ft) > 0 THEN 100.0 * sum(ld) / sum(ft) END,"
      " coalesce(sum(va), 0), CASE WHEN sum(ld) > 0 THEN 100.0 * sum(va) / sum(ld) END,"
      " coalesce(sum(cv), 0), CASE WHEN sum(ld) > 0 THEN 100.0 * sum(cv) / sum(ld) END,"
      " coalesce(sum(tu), 0), %d FROM e",
      cte, r->convert_days);
  rc = fs__rpt_fill(r, s, sql);
  if (rc == 0)
    rc = slots(r, cte, 1);
  if (rc == 0)
    rc = slots(r, cte, 0);
  for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]) && rc == 0; g++) {
    s = fs__rpt_sec(r, groups[g].name, groups[g].title, groups[g].cols, groups[g].ncols);
    snprintf(sql, sizeof(sql),
             "%sSELECT %s, " SR_GROUP_SUMS " FROM e GROUP BY %s ORDER BY %s", cte,
             groups[g].key, groups[g].key, groups[g].order);
    rc = fs__rpt_fill(r, s, sql);
  }
  return rc;
}
