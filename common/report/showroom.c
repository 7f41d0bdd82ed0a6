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
  " e AS MATERIALIZED (SELECT *, ld AND g AS va, ft AND od AND NOT cv AS tu FROM e1) "

/* Every section from one statement, so the entries' flags (returning,
 * conversion: index probes per entry) are computed once (MATERIALIZED),
 * not once per section.  Per row: the section (0 summary, 1 hours, 2
 * weekdays, 3 models, 4 reps, 5 sources, 6 channels), its keys, the counts
 * (entries, returning, first-time, ld, valid, converted, ticked
 * unverified), then the sort keys of the section's order (report.h). */
#define SR_SUMS "count(*), sum(rt), sum(ft), sum(ld), sum(va), sum(cv), sum(tu)"
#define SR_ALL                                                                           \
  "SELECT 0, NULL, NULL, " SR_SUMS ", 0, 0, 0 FROM e UNION ALL"                          \
  " SELECT 1, CAST(substr(arrived, 12, 2) AS INTEGER) AS h, NULL, " SR_SUMS ", 0, 0, 0"  \
  " FROM e GROUP BY h UNION ALL"                                                         \
  " SELECT 2, CAST(strftime('%%w', arrived) AS INTEGER) AS w, NULL, " SR_SUMS            \
  ", 0, 0, 0 FROM e GROUP BY w UNION ALL"                                                \
  " SELECT 3, model, NULL, " SR_SUMS ", -sum(ld), -count(*), model FROM e"               \
  " GROUP BY model UNION ALL"                                                            \
  " SELECT 4, rep, NULL, " SR_SUMS ", 0, 0, rep FROM e GROUP BY rep UNION ALL"           \
  " SELECT 5, month, source, " SR_SUMS ", month, -sum(ld), source FROM e"                \
  " GROUP BY month, source UNION ALL"                                                    \
  " SELECT 6, month, channel, " SR_SUMS ", month, channel = 'phone', 0 FROM e"           \
  " GROUP BY month, channel ORDER BY 1, 11, 12, 13"

static int sr_sql(const rpt *r, char *buf, size_t len) {
  char own[OWN_MAX];
  int w = r->convert_days, n;

  fs__rpt_owners(r, "s.rep_on_duty", own, sizeof(own));
  n = snprintf(buf, len, SR_CTE_FMT SR_ALL, own, w, w, w, w);
  return n < 0 || (size_t)n >= len ? FS_EOVERFLOW : 0;
}

/* The counts of a result row (columns 3..9). */
enum { C_N, C_RT, C_FT, C_LD, C_VA, C_CV, C_TU, NC };

/* A share in percent, unset (n/a) when the whole is 0. */
static void share(rsec *row, int col, int64_t part, int64_t whole) {
  if (whole > 0)
    fs__rpt_num(row, col, pct(part, whole));
}

static void summary_row(rsec *row, const int64_t *v, int window) {
  static const int cols[] = {C_N, C_RT, C_FT, C_LD};
  for (int i = 0; i < 4; i++)
    fs__rpt_int(row, i, v[cols[i]]);
  share(row, 4, v[C_LD], v[C_FT]);
  fs__rpt_int(row, 5, v[C_VA]);
  share(row, 6, v[C_VA], v[C_LD]);
  fs__rpt_int(row, 7, v[C_CV]);
  share(row, 8, v[C_CV], v[C_LD]);
  fs__rpt_int(row, 9, v[C_TU]);
  fs__rpt_int(row, 10, window);
}

/* A row of a group section: its keys (nkeys), then entries, returning,
 * left_details, valid, converted, conversion. */
static int group_row(rsec *row, sqlite3_stmt *st, int nkeys, const int64_t *v) {
  static const int cols[] = {C_N, C_RT, C_LD, C_VA, C_CV};
  int rc = 0;
  for (int k = 0; k < nkeys && rc == 0; k++)
    rc = fs__rpt_text(row, k, col_text(st, 1 + k));
  for (int i = 0; i < 5; i++)
    fs__rpt_int(row, nkeys + i, v[cols[i]]);
  share(row, nkeys + 5, v[C_CV], v[C_LD]);
  return rc;
}

/* Hour and weekday slots: every slot listed, empty ones with zeros. */
static int slot_rows(rsec *hs, rsec *ws, int64_t (*h)[3], int64_t (*w)[3]) {
  static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  int rc = 0;

  for (int i = 0; i < 24 + 7 && rc == 0; i++) {
    int hour = i < 24, n = hour ? i : i - 24, c = hour ? 1 : 2;
    rsec *row = fs__rpt_row(hour ? hs : ws);
    char hh[3];
    if (row == NULL)
      return FS_ENOMEM;
    snprintf(hh, sizeof(hh), "%02d", n);
    if (hour) {
      rc = fs__rpt_text(row, 0, hh);
    } else {
      fs__rpt_int(row, 0, n);
      rc = fs__rpt_text(row, 1, wdays[n]);
    }
    for (int k = 0; k < 3; k++)
      fs__rpt_int(row, c + k, (hour ? h : w)[n][k]);
  }
  return rc;
}

int fs__rpt_showroom(rpt *r) {
  int64_t hours[24][3] = {{0}}, wdays[7][3] = {{0}};
  char sql[12288];
  sqlite3_stmt *st = NULL;
  rsec *sec[7];
  int rc, src = SQLITE_DONE;

  rc = sr_sql(r, sql, sizeof(sql));
  if (rc)
    return fs__rpt_fail(r, rc, "showroom: query too long");
  sec[0] =
      fs__rpt_sec(r, "summary", "Showroom visitors (来店/来电: first-time, left details)",
                  sr_summary_cols, 11);
  sec[1] = fs__rpt_sec(r, "hours", "Arrivals by hour", sr_hour_cols, 4);
  sec[2] = fs__rpt_sec(r, "weekdays", "Arrivals by weekday", sr_wday_cols, 5);
  sec[3] = fs__rpt_sec(r, "models", "Per model of interest", sr_model_cols, 7);
  sec[4] = fs__rpt_sec(r, "reps", "Per rep on duty (each rep's conversion on duty)",
                       sr_rep_cols, 7);
  sec[5] = fs__rpt_sec(r, "sources", "Per month and lead source", sr_source_cols, 8);
  sec[6] = fs__rpt_sec(r, "channels", "Per month, walk-in or call (来店/来电)",
                       sr_channel_cols, 8);
  rc = fs__rpt_prep(r, sql, &st);
  if (rc)
    return rc;
  while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
    int which = sqlite3_column_int(st, 0), slot = sqlite3_column_int(st, 1);
    int64_t v[NC];
    rsec *row = NULL;
    for (int i = 0; i < NC; i++)
      v[i] = sqlite3_column_int64(st, 3 + i);
    if (which == 1 || which == 2) {
      int64_t(*a)[3] = which == 1 ? hours : wdays;
      if (slot >= 0 && slot < (which == 1 ? 24 : 7)) {
        a[slot][0] += v[C_N];
        a[slot][1] += v[C_FT];
        a[slot][2] += v[C_LD];
      }
      continue;
    }
    if (which < 0 || which > 6 || (row = fs__rpt_row(sec[which])) == NULL)
      rc = FS_ENOMEM;
    else if (which == 0)
      summary_row(row, v, r->convert_days);
    else
      rc = group_row(row, st, which >= 5 ? 2 : 1, v);
  }
  if (rc == 0)
    rc = fs__rpt_step_end(r, src);
  sqlite3_finalize(st);
  if (rc == 0)
    rc = slot_rows(sec[1], sec[2], hours, wdays);
  return rc;
}
